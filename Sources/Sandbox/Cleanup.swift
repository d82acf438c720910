import Foundation

/// Undo actions for everything a run creates on the host (mounts, namespaces, cgroups, containers, images),
/// run in reverse order when the run ends, fails, or the user presses Ctrl-C.
final class CleanupStack: @unchecked Sendable {
    private let lock = NSLock()
    private var actions: [(id: Int, action: () -> Void)] = []
    private var nextID = 0
    private var closed = false

    /// Adds an undo action; returns a token to run it early.
    ///
    /// Once the stack has been run (Ctrl-C while the run goes on), a new action runs at once instead.
    @discardableResult
    func push(_ action: @escaping () -> Void) -> Int {
        lock.lock()
        if closed {
            lock.unlock()
            action()
            return 0
        }
        defer { lock.unlock() }
        nextID += 1
        actions.append((nextID, action))
        return nextID
    }

    /// Runs one undo action now (and forgets it).
    func run(_ token: Int) {
        lock.lock()
        let index = actions.firstIndex { $0.id == token }
        let action = index.map { actions.remove(at: $0).action }
        lock.unlock()
        action?()
    }

    /// Runs every remaining undo action, newest first.
    func runAll() {
        lock.lock(); closed = true; lock.unlock()
        while true {
            lock.lock()
            let last = actions.popLast()
            lock.unlock()
            guard let last else { return }
            last.action()
        }
    }
}

/// Ctrl-C and SIGTERM stop the run: the host programs it started are killed, the run unwinds through its
/// normal clean-up and the process exits 130. Should the run not unwind in time, the handler cleans up itself.
enum InterruptGuard {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var live: [ObjectIdentifier: CleanupStack] = [:]
    nonisolated(unsafe) private static var children: Set<Int32> = []
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    nonisolated(unsafe) private static var interrupted = false

    /// Whether Ctrl-C (or SIGTERM) arrived; the run stops at its next step.
    static var isInterrupted: Bool {
        lock.lock(); defer { lock.unlock() }
        return interrupted
    }

    static func enter(_ stack: CleanupStack) {
        lock.lock(); defer { lock.unlock() }
        if sources.isEmpty { installHandlers() }
        live[ObjectIdentifier(stack)] = stack
    }

    static func leave(_ stack: CleanupStack) {
        lock.lock(); defer { lock.unlock() }
        live[ObjectIdentifier(stack)] = nil
    }

    /// Records a running host program, to be killed on Ctrl-C; returns whether the run may go on.
    @discardableResult
    static func track(_ pid: Int32) -> Bool {
        lock.lock(); defer { lock.unlock() }
        children.insert(pid)
        if interrupted { kill(pid, SIGKILL) }
        return !interrupted
    }

    static func untrack(_ pid: Int32) {
        lock.lock(); defer { lock.unlock() }
        children.remove(pid)
    }

    /// Called when a run's clean-up is done: after Ctrl-C, this is where the process ends.
    static func finishIfInterrupted() {
        guard isInterrupted else { return }
        FileHandle.standardError.write(Data("tre-lint: interrupted; sandbox cleaned up\n".utf8))
        exit(130)
    }

    private static func installHandlers() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                lock.lock()
                interrupted = true
                for pid in children { kill(pid, SIGKILL) }
                lock.unlock()
                // The run notices at its next step and cleans up on its own thread; this is the fallback.
                // A deadline loop, because SIGCHLD from the killed programs cuts a single sleep short.
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline { usleep(200_000) }
                lock.lock()
                let stacks = Array(live.values)
                lock.unlock()
                for stack in stacks { stack.runAll() }
                FileHandle.standardError.write(Data("tre-lint: interrupted; sandbox cleaned up\n".utf8))
                exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }
}
