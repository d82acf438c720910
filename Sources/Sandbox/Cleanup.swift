import Foundation

/// Undo actions for everything a run creates on the host (mounts, namespaces, cgroups, containers, images),
/// run in reverse order when the run ends, fails, or the user presses Ctrl-C.
final class CleanupStack: @unchecked Sendable {
    private let lock = NSLock()
    private var actions: [(id: Int, action: () -> Void)] = []
    private var nextID = 0

    /// Adds an undo action; returns a token to run it early.
    @discardableResult
    func push(_ action: @escaping () -> Void) -> Int {
        lock.lock(); defer { lock.unlock() }
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
        while true {
            lock.lock()
            let last = actions.popLast()
            lock.unlock()
            guard let last else { return }
            last.action()
        }
    }
}

/// Ctrl-C and SIGTERM tear down every live run before the process exits.
enum InterruptGuard {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var live: [ObjectIdentifier: CleanupStack] = [:]
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func enter(_ stack: CleanupStack) {
        lock.lock(); defer { lock.unlock() }
        if sources.isEmpty { installHandlers() }
        live[ObjectIdentifier(stack)] = stack
    }

    static func leave(_ stack: CleanupStack) {
        lock.lock(); defer { lock.unlock() }
        live[ObjectIdentifier(stack)] = nil
    }

    private static func installHandlers() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
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
