import Foundation
import ImageKit
import Testing
import TestSupport

/// Keeps every report, in the order the handler got them.
final class ProgressRecorder: ProgressHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var received: [ProgressReport] = []

    func handle(_ report: ProgressReport) {
        lock.lock(); defer { lock.unlock() }
        received.append(report)
    }

    var reports: [ProgressReport] {
        lock.lock(); defer { lock.unlock() }
        return received
    }
}

/// Checks what every stage's reports must satisfy: counts only grow, parts only grow, one last report, nothing after.
func expectWellFormed(_ reports: [ProgressReport], stage: ProgressReport.Stage, sourceLocation: SourceLocation = #_sourceLocation) {
    let mine = reports.filter { $0.stage == stage }
    #expect(!mine.isEmpty, sourceLocation: sourceLocation)
    var partProgress: [String: Int64] = [:]
    for (previous, next) in zip(mine, mine.dropFirst()) {
        #expect(next.completed >= previous.completed, sourceLocation: sourceLocation)
        #expect(next.partsFinished >= previous.partsFinished, sourceLocation: sourceLocation)
        #expect(!previous.isFinished, "a report came after the last one", sourceLocation: sourceLocation)
    }
    for report in mine {
        #expect(report.total == 0 || report.completed <= report.total, sourceLocation: sourceLocation)
        for part in report.active {
            #expect(part.completed >= partProgress[part.name, default: 0], "\(part.name) went back", sourceLocation: sourceLocation)
            partProgress[part.name] = part.completed
        }
    }
    #expect(mine.last?.isFinished == true, sourceLocation: sourceLocation)
}

@Suite struct ProgressTests {
    static let layers: [LayerSpec] = basicLayers + [
        LayerSpec([.dir("data"), .file("data/a.bin", size: 3 << 20, fill: 1)], createdBy: "COPY a /data/"),
        LayerSpec([.file("data/b.bin", data: Data((0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }))],
                  compression: .gzip, createdBy: "COPY b /data/"),
    ]

    @Test(arguments: [ImageBuilder.Layout.dockerArchive, .ociArchive])
    func readingReportsMonotoneProgressReachingTheTotal(layout: ImageBuilder.Layout) throws {
        let scratch = try Scratch()
        let recorder = ProgressRecorder()
        let image = try buildAndLoad(
            ImageSpec(layers: Self.layers), layout: layout, options: ImageReadOptions(parallelism: 4, progress: recorder), in: scratch)
        let reports = recorder.reports
        #expect(Set(reports.map(\.stage)) == [.reading])
        expectWellFormed(reports, stage: .reading)
        let last = try #require(reports.last)
        let blobBytes = image.layers.reduce(Int64(0)) { $0 + $1.compressedSize }
        #expect(last.total == blobBytes && last.completed == blobBytes)
        #expect(last.partCount == image.layers.count && last.partsFinished == image.layers.count)
        #expect(last.subject.hasSuffix(".tar"))
        // The 3 MiB layer is read in more than one block, so some report shows it part-way.
        #expect(reports.contains { report in report.active.contains { $0.completed > 0 && $0.completed < $0.total } })
    }

    @Test func manySmallFilesCostReportsPerBlockNotPerEntry() throws {
        let scratch = try Scratch()
        let files: [EntrySpec] = [.dir("many")] + (0..<3000).map { .file("many/f\($0)", String(repeating: "x", count: 100)) }
        let recorder = ProgressRecorder()
        let image = try buildAndLoad(
            ImageSpec(layers: [LayerSpec(files)]), layout: .ociArchive, options: ImageReadOptions(progress: recorder), in: scratch)
        // 3001 entries, about 3 MiB of tar: a handful of 1 MiB blocks.
        let reading = recorder.reports.count
        #expect(reading < 12, "\(reading) reports")
        let extracting = ProgressRecorder()
        try image.extractRootFilesystem(to: scratch.path("root"), options: ExtractionOptions(progress: extracting))
        #expect(extracting.reports.count < 12, "\(extracting.reports.count) reports")
        #expect(extracting.reports.last?.completed == 300_000)
    }

    @Test func extractionReportsEveryByteOfFileContents() throws {
        let scratch = try Scratch()
        let image = try buildAndLoad(ImageSpec(layers: Self.layers), layout: .dockerArchive, in: scratch)
        let recorder = ProgressRecorder()
        try image.extractRootFilesystem(to: scratch.path("root"), options: ExtractionOptions(parallelism: 3, progress: recorder))
        expectWellFormed(recorder.reports, stage: .extracting)
        let last = try #require(recorder.reports.last)
        #expect(last.total == image.tree.totalSize && last.completed == image.tree.totalSize)
        #expect(last.total > 5 << 20)
    }

    @Test func aFailedReadStillEndsTheStage() throws {
        let scratch = try Scratch()
        let recorder = ProgressRecorder()
        var tampering = Tampering()
        tampering.wrongDiffIDs = [3]
        let error = loadError(
            ImageSpec(layers: Self.layers), layout: .dockerArchive, tampering: tampering,
            options: ImageReadOptions(progress: recorder), in: scratch)
        #expect(error?.contains("digest mismatch") == true)
        #expect(recorder.reports.last?.isFinished == true)
        #expect(recorder.reports.filter(\.isFinished).count == 1)
    }

    @Test func trackerClampsFillsSkippedUnitsAndGoesQuietAfterTheEnd() throws {
        #expect(ProgressTracker(nil, stage: .reading, subject: "x", parts: [(name: "a", total: 1)]) == nil)
        let recorder = ProgressRecorder()
        let tracker = try #require(ProgressTracker(
            recorder, stage: .running, subject: "runc", parts: [(name: "podman", total: 10), (name: "apptainer", total: 0)]))
        tracker.advance(part: 0, by: 4)
        tracker.advance(part: 0, by: 40)
        #expect(recorder.reports.last?.completed == 10)
        tracker.advance(part: 1, by: 7)
        tracker.advance(part: 5, by: 1)
        tracker.advance(part: 1, by: -3)
        #expect(recorder.reports.last?.active == [
            ProgressReport.Part(name: "podman", completed: 10, total: 10), ProgressReport.Part(name: "apptainer", completed: 7, total: 0),
        ])
        tracker.finish(part: 0)
        tracker.finish(part: 0)
        #expect(recorder.reports.last?.partsFinished == 1)
        tracker.finish()
        tracker.advance(part: 1, by: 1)
        tracker.finish()
        let last = try #require(recorder.reports.last)
        #expect(last.isFinished && last.completed == 17 && last.active.isEmpty && last.total == 10)
        #expect(recorder.reports.count == 5)
    }

    @Test func aMeterPassesUnitsOnInSteps() throws {
        let recorder = ProgressRecorder()
        let tracker = ProgressTracker(recorder, stage: .extracting, subject: "/x", parts: [(name: "layer 1", total: 0)])
        var meter = ProgressMeter(tracker, part: 0, step: 100)
        for _ in 0..<250 { meter.add(1) }
        #expect(recorder.reports.map(\.completed) == [100, 200])
        meter.flush()
        meter.flush()
        #expect(recorder.reports.map(\.completed) == [100, 200, 250])
    }
}
