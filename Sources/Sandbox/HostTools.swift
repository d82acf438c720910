import TRECore
import Foundation

/// What a finished host command printed and returned.
struct ToolResult {
    var status: Int32
    var output: String
    var errorOutput: String
    var timedOut: Bool

    var succeeded: Bool { status == 0 && !timedOut }
    /// The first line of stderr (or stdout), for one-line error messages.
    var firstErrorLine: String {
        let text = errorOutput.isEmpty ? output : errorOutput
        return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "exit status \(status)"
    }
}

/// Finds and runs the host programs the sandbox drives (runc, podman, ip).
enum HostTools {
    private static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The absolute path of a program, searched in `PATH` and the sbin directories.
    static func locate(_ name: String) -> String? {
        ProgramSearch.locate(name, path: ProcessInfo.processInfo.environment["PATH"] ?? "", fallbackDirectories: searchPath)
    }

    /// Runs a program to completion, killing it after `timeout` seconds.
    ///
    /// Clean-up commands pass `interruptible: false` so that Ctrl-C, which kills the run's other programs, lets them finish.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 300, interruptible: Bool = true) throws -> ToolResult {
        guard let path = executable.hasPrefix("/") ? executable : locate(executable) else {
            throw SandboxError.engineFailed("\(executable) is not installed")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let outData = PipeCollector(out.fileHandleForReading)
        let errData = PipeCollector(err.fileHandleForReading)
        try process.run()
        if interruptible { InterruptGuard.track(process.processIdentifier) }
        defer { if interruptible { InterruptGuard.untrack(process.processIdentifier) } }
        let timedOut = !wait(for: process, timeout: timeout)
        if timedOut {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return ToolResult(
            status: process.terminationStatus, output: outData.finish(), errorOutput: errData.finish(), timedOut: timedOut)
    }

    /// Runs a program and throws its first error line when it fails.
    @discardableResult
    static func require(_ executable: String, _ arguments: [String], timeout: Double = 300) throws -> String {
        let result = try run(executable, arguments, timeout: timeout)
        guard result.succeeded else {
            throw SandboxError.engineFailed("\(executable) \(arguments.first ?? "") failed: \(result.firstErrorLine)")
        }
        return result.output
    }

    /// Waits for a process; false when it is still running after `timeout` seconds.
    static func wait(for process: Process, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        // Polling keeps this free of callbacks that would have to cross concurrency domains.
        var pause: useconds_t = 2_000
        while process.isRunning {
            if Date() >= deadline { return false }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
        return true
    }
}

/// Drains a pipe on a background thread so a chatty program never blocks on a full pipe.
final class PipeCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.lock(); data.append(chunk); lock.unlock()
            }
            done.signal()
        }
    }

    func finish() -> String {
        done.wait()
        lock.lock(); defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
