import Foundation

/// How far long work (exporting, reading or extracting an image, the sandbox run) has got, handed to a `ProgressHandler`.
public struct ProgressReport: Sendable, Equatable {
    /// The kind of work.
    public enum Stage: String, Sendable, Equatable {
        /// An engine (`podman save`, `docker save`) writing the image to a temporary file: bytes so far, total unknown.
        case exporting
        /// A compressed image tarball decompressed to a temporary file: bytes of the tarball.
        case decompressing
        /// The layer blobs read, decompressed and verified: bytes of the blobs.
        case reading
        /// The merged filesystem written to a directory: bytes of file contents.
        case extracting
        /// The sandbox run: one unit per profile.
        case running
    }

    /// One part of the work (a layer, a profile) that has begun and not finished.
    public struct Part: Sendable, Equatable {
        public var name: String
        public var completed: Int64
        /// Zero when not known.
        public var total: Int64

        public init(name: String, completed: Int64, total: Int64) {
            self.name = name; self.completed = completed; self.total = total
        }
    }

    public var stage: Stage
    /// What the work is on: the image reference, or the engine for a run.
    public var subject: String
    /// Units done over all parts; never decreases during a stage.
    public var completed: Int64
    /// Zero when not known.
    public var total: Int64
    public var partsFinished: Int
    public var partCount: Int
    /// The parts in hand, in part order.
    public var active: [Part]
    /// The stage's last report: it ended, done or failed, and whatever shows it can go.
    public var isFinished: Bool

    public init(
        stage: Stage, subject: String, completed: Int64, total: Int64, partsFinished: Int, partCount: Int, active: [Part],
        isFinished: Bool
    ) {
        self.stage = stage; self.subject = subject; self.completed = completed; self.total = total
        self.partsFinished = partsFinished; self.partCount = partCount; self.active = active; self.isFinished = isFinished
    }
}

/// Receives progress reports as work goes on.
///
/// Called from several threads (layers are read in parallel), one call at a time and in order, while the reporting
/// worker waits: implementations return quickly and throttle whatever they draw.
public protocol ProgressHandler: Sendable {
    func handle(_ report: ProgressReport)
}

/// Adds up the progress of one stage's parts as concurrent workers report it, and hands every change to a handler.
///
/// Created only when there is a handler (the initialiser returns nil otherwise), so work without one pays nothing.
public final class ProgressTracker: @unchecked Sendable {
    private let lock = NSLock()
    private let handler: any ProgressHandler
    private let stage: ProgressReport.Stage
    private let subject: String
    private let names: [String]
    private let totals: [Int64]
    private var done: [Int64]
    private var begun: [Bool]
    private var ended: [Bool]
    private var completed: Int64 = 0
    private var partsFinished = 0
    private var finished = false

    /// A tracker for `parts` (each with its total, zero when unknown), or nil when there is no handler.
    public init?(
        _ handler: (any ProgressHandler)?, stage: ProgressReport.Stage, subject: String, parts: [(name: String, total: Int64)]
    ) {
        guard let handler else { return nil }
        self.handler = handler
        self.stage = stage
        self.subject = subject
        names = parts.map(\.name)
        totals = parts.map { max(0, $0.total) }
        done = Array(repeating: 0, count: parts.count)
        begun = Array(repeating: false, count: parts.count)
        ended = Array(repeating: false, count: parts.count)
    }

    /// Marks a part as in hand, before any of its units are done.
    public func begin(part: Int) {
        advance(part: part, by: 0)
    }

    /// Counts `units` more of a part; a part with a known total never counts past it.
    public func advance(part: Int, by units: Int64) {
        lock.lock(); defer { lock.unlock() }
        guard !finished, done.indices.contains(part), !ended[part], units >= 0 else { return }
        begun[part] = true
        var added = units
        if totals[part] > 0 { added = min(added, totals[part] - done[part]) }
        done[part] += added
        completed += added
        handler.handle(snapshot())
    }

    /// Marks a part done: what it skipped (data it did not need to read) counts as done.
    public func finish(part: Int) {
        lock.lock(); defer { lock.unlock() }
        guard !finished, done.indices.contains(part), !ended[part] else { return }
        if totals[part] > done[part] {
            completed += totals[part] - done[part]
            done[part] = totals[part]
        }
        ended[part] = true
        partsFinished += 1
        handler.handle(snapshot())
    }

    /// Ends the stage, done or failed: the handler gets its last report; later calls are ignored.
    public func finish() {
        lock.lock(); defer { lock.unlock() }
        guard !finished else { return }
        finished = true
        handler.handle(snapshot())
    }

    private func snapshot() -> ProgressReport {
        var active: [ProgressReport.Part] = []
        if !finished {
            for index in names.indices where begun[index] && !ended[index] {
                active.append(ProgressReport.Part(name: names[index], completed: done[index], total: totals[index]))
            }
        }
        return ProgressReport(
            stage: stage, subject: subject, completed: completed, total: totals.reduce(0, +), partsFinished: partsFinished,
            partCount: names.count, active: active, isFinished: finished)
    }
}

/// One worker's progress on one part, passed on in steps of at least `step` units, so that a layer of many small
/// files costs a lock per megabyte rather than per file.
public struct ProgressMeter {
    private let tracker: ProgressTracker?
    private let part: Int
    private let step: Int64
    private var pending: Int64 = 0

    public init(_ tracker: ProgressTracker?, part: Int, step: Int64 = 1 << 20) {
        self.tracker = tracker; self.part = part; self.step = step
    }

    public mutating func add(_ units: Int) {
        guard let tracker else { return }
        pending += Int64(units)
        if pending >= step {
            tracker.advance(part: part, by: pending)
            pending = 0
        }
    }

    /// Passes on what is pending.
    public mutating func flush() {
        guard let tracker, pending > 0 else { return }
        tracker.advance(part: part, by: pending)
        pending = 0
    }
}
