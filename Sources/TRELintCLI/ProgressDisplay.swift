import TRECore
import ArgumentParser
import Foundation
import ImageKit

#if canImport(Glibc)
import Glibc
#endif

/// `--quiet`, for the commands that show progress while they read, extract or run an image.
struct ProgressOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Show no progress on the terminal (it never shows when stderr is not a terminal or CI is set).")
    var quiet = false

    /// The display on standard error, or nil when progress stays quiet.
    func display(environment: [String: String] = ProcessInfo.processInfo.environment) -> TerminalProgress? {
        let display = TerminalProgress(descriptor: STDERR_FILENO, environment: environment, quiet: quiet)
        return display.isEnabled ? display : nil
    }
}

/// Draws progress reports on one line of a terminal, redrawn in place at most ten times a second and erased when the
/// work is done; on anything but a terminal, in CI, with `--quiet` or `TERM=dumb` it writes nothing at all.
final class TerminalProgress: ProgressHandler, @unchecked Sendable {
    let isEnabled: Bool
    private let descriptor: Int32
    private let clock: @Sendable () -> Double
    /// Work that ends sooner than this never shows, so quick commands do not flicker.
    private let delay: Double
    private let interval: Double
    private let lock = NSLock()
    private var stageKey: String?
    private var stageStarted = 0.0
    private var lastDraw: Double?
    private var drawn = false

    init(
        descriptor: Int32, environment: [String: String], quiet: Bool, clock: @escaping @Sendable () -> Double = monotonicSeconds,
        delay: Double = 0.3, interval: Double = 0.1
    ) {
        isEnabled = !quiet && isatty(descriptor) == 1 && environment["CI"] == nil && environment["TERM"] != "dumb"
        self.descriptor = descriptor
        self.clock = clock
        self.delay = delay
        self.interval = interval
    }

    func handle(_ report: ProgressReport) {
        guard isEnabled else { return }
        lock.lock(); defer { lock.unlock() }
        if report.isFinished {
            eraseLocked()
            stageKey = nil
            return
        }
        let now = clock()
        let key = report.stage.rawValue + " " + report.subject
        if key != stageKey {
            stageKey = key
            stageStarted = now
            lastDraw = nil
        }
        guard now - stageStarted >= delay else { return }
        if let lastDraw, now - lastDraw < interval { return }
        lastDraw = now
        let line = Self.line(for: report)
        // One column short of the width: a line that fills it wraps on some terminals, and `\r` cannot redraw a wrapped line.
        let fitted = String(line.prefix(max(10, terminalWidth() - 1)))
        writeLocked("\r" + fitted + "\u{1B}[K")
        drawn = true
    }

    /// Erases the line if something is drawn (the command ends, perhaps with an error to print).
    func clear() {
        guard isEnabled else { return }
        lock.lock(); defer { lock.unlock() }
        eraseLocked()
    }

    private func eraseLocked() {
        guard drawn else { return }
        writeLocked("\r\u{1B}[K")
        drawn = false
    }

    private func writeLocked(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
            bytes = bytes.dropFirst(count)
        }
    }

    private func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// The one line that shows a report.
    static func line(for report: ProgressReport) -> String {
        switch report.stage {
        case .exporting:
            return "Exporting \(report.subject): \(ByteCount.text(report.completed)) written"
        case .decompressing:
            return "Decompressing \(report.subject): \(amount(report.completed, of: report.total))"
        case .reading:
            var line = "Reading \(report.subject): \(amount(report.completed, of: report.total)), "
                + "\(report.partsFinished) of \(report.partCount) layers done"
            for part in report.active { line += " · \(part.name) \(ByteCount.text(part.completed))/\(ByteCount.text(part.total))" }
            return line
        case .extracting:
            return "Extracting the image: \(amount(report.completed, of: report.total))"
        case .running:
            let current = report.active.first.map { "profile \($0.name), " } ?? ""
            let number = min(report.partsFinished + 1, report.partCount)
            return "Running the sandbox (\(report.subject)): \(current)\(number) of \(report.partCount)"
        }
    }

    static func amount(_ completed: Int64, of total: Int64) -> String {
        guard total > 0 else { return ByteCount.text(completed) }
        return "\(ByteCount.text(completed)) of \(ByteCount.text(total)) (\(completed * 100 / total)%)"
    }


    @Sendable static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
