import Foundation
import ImageKit
import Testing
@testable import TRELintCLI

#if canImport(Glibc)
import Glibc
#endif

/// A pseudo-terminal: the display writes to the terminal side, the test reads what arrived on the controlling side.
final class PseudoTerminal {
    let controller: Int32
    let terminal: Int32

    init(columns: UInt16 = 0) throws {
        var controller: Int32 = -1, terminal: Int32 = -1
        guard openpty(&controller, &terminal, nil, nil, nil) == 0 else {
            throw PseudoTerminalError(reason: String(cString: strerror(errno)))
        }
        self.controller = controller
        self.terminal = terminal
        _ = fcntl(controller, F_SETFL, fcntl(controller, F_GETFL) | O_NONBLOCK)
        var size = winsize(ws_row: 24, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(terminal, UInt(TIOCSWINSZ), &size)
    }

    deinit {
        close(terminal)
        close(controller)
    }

    /// Everything written to the terminal side so far.
    func drain() -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(controller, &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

struct PseudoTerminalError: Error, CustomStringConvertible {
    var reason: String
    var description: String { "cannot open a pseudo-terminal: \(reason)" }
}

/// A clock the test moves by hand, so throttling is checked without waiting.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds = 100.0

    var now: Double {
        lock.lock(); defer { lock.unlock() }
        return seconds
    }

    func advance(by interval: Double) {
        lock.lock(); defer { lock.unlock() }
        seconds += interval
    }
}

@Suite struct ProgressDisplayTests {
    static func reading(_ completed: Int64, finished: Bool = false) -> ProgressReport {
        ProgressReport(
            stage: .reading, subject: "podman:app:1", completed: completed, total: 4 << 20, partsFinished: 1, partCount: 3,
            active: finished ? [] : [ProgressReport.Part(name: "layer 2", completed: completed, total: 3 << 20)], isFinished: finished)
    }

    @Test func onATerminalItWaitsRedrawsInPlaceAtMostTenTimesASecondAndClearsWhenDone() throws {
        let pty = try PseudoTerminal(columns: 200)
        let clock = ManualClock()
        let display = TerminalProgress(descriptor: pty.terminal, environment: ["TERM": "xterm"], quiet: false, clock: { clock.now })
        #expect(display.isEnabled)
        display.handle(Self.reading(1 << 20))
        #expect(pty.drain() == "", "work shorter than the delay never shows")
        clock.advance(by: 0.4)
        display.handle(Self.reading(2 << 20))
        let first = "Reading podman:app:1: 2.0 MiB of 4.0 MiB (50%), 1 of 3 layers done · layer 2 2.0 MiB/3.0 MiB"
        #expect(pty.drain() == "\r" + first + "\u{1B}[K")
        clock.advance(by: 0.05)
        display.handle(Self.reading(3 << 20 - 1024))
        #expect(pty.drain() == "", "a redraw within a tenth of a second is skipped")
        clock.advance(by: 0.06)
        display.handle(Self.reading(3 << 20))
        #expect(pty.drain() == "\rReading podman:app:1: 3.0 MiB of 4.0 MiB (75%), 1 of 3 layers done · layer 2 3.0 MiB/3.0 MiB\u{1B}[K")
        display.handle(Self.reading(4 << 20, finished: true))
        #expect(pty.drain() == "\r\u{1B}[K")
        display.clear()
        #expect(pty.drain() == "", "nothing left to erase")
    }

    @Test func aNarrowTerminalGetsAShortenedLine() throws {
        let pty = try PseudoTerminal(columns: 40)
        let clock = ManualClock()
        let display = TerminalProgress(descriptor: pty.terminal, environment: [:], quiet: false, clock: { clock.now }, delay: 0)
        display.handle(Self.reading(1 << 20))
        let full = TerminalProgress.line(for: Self.reading(1 << 20))
        // One column short of the width, so the line never wraps.
        #expect(pty.drain() == "\r" + String(full.prefix(39)) + "\u{1B}[K")
        display.clear()
        #expect(pty.drain() == "\r\u{1B}[K")
    }

    @Test(arguments: [
        (["TERM": "xterm"], true, "--quiet"), (["CI": "true"], false, "CI set"), (["CI": ""], false, "CI set, even empty"),
        (["TERM": "dumb"], false, "a dumb terminal"),
    ])
    func staysQuietWhenAskedInCIAndOnADumbTerminal(environment: [String: String], quiet: Bool, why: String) throws {
        let pty = try PseudoTerminal()
        let display = TerminalProgress(descriptor: pty.terminal, environment: environment, quiet: quiet, delay: 0)
        #expect(!display.isEnabled, "\(why)")
        for step in 0..<5 { display.handle(Self.reading(Int64(step) << 20)) }
        display.handle(Self.reading(4 << 20, finished: true))
        display.clear()
        #expect(pty.drain() == "", "\(why)")
    }

    @Test func writesNothingWhenStandardErrorIsNotATerminal() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let display = TerminalProgress(descriptor: ends[1], environment: ["TERM": "xterm"], quiet: false, delay: 0, interval: 0)
        #expect(!display.isEnabled)
        for step in 0..<5 { display.handle(Self.reading(Int64(step) << 20)) }
        display.handle(Self.reading(4 << 20, finished: true))
        display.clear()
        close(ends[1])
        #expect(FileHandle(fileDescriptor: ends[0]).readDataToEndOfFile().isEmpty)
        #expect(try ProgressOptions.parse([]).display(environment: ["CI": "1"]) == nil)
    }

    @Test func eachStageHasItsOwnLine() {
        func line(_ stage: ProgressReport.Stage, _ completed: Int64, _ total: Int64, active: [ProgressReport.Part] = [], finished: Int = 0, parts: Int = 1) -> String {
            TerminalProgress.line(for: ProgressReport(
                stage: stage, subject: stage == .running ? "runc" : "podman:app:1", completed: completed, total: total,
                partsFinished: finished, partCount: parts, active: active, isFinished: false))
        }
        #expect(line(.exporting, 5 << 30 + 1 << 29, 0) == "Exporting podman:app:1: 5.5 GiB written")
        #expect(line(.decompressing, 512, 2048) == "Decompressing podman:app:1: 512 B of 2.0 KiB (25%)")
        #expect(line(.extracting, 3 << 20, 12 << 20) == "Extracting the image: 3.0 MiB of 12.0 MiB (25%)")
        #expect(line(.running, 1, 3, active: [ProgressReport.Part(name: "apptainer", completed: 0, total: 1)], finished: 1, parts: 3)
            == "Running the sandbox (runc): profile apptainer, 2 of 3")
    }
}
