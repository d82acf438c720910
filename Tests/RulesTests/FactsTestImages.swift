import DockerfileKit
import Facts
import Foundation
import ImageKit
import Rules
import TestSupport

/// Builds a spec into a tarball, loads it with the collector watching, and gathers facts.
enum FactsHarness {
    struct Checked {
        var facts: ImageFacts
        var violations: [Violation]
    }

    static func facts(
        _ spec: ImageSpec, dockerfile: String? = nil, configuration: Configuration = Configuration(),
        layout: ImageBuilder.Layout = .dockerArchive, observe: Bool = true
    ) throws -> ImageFacts {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("image.tar")
        try ImageBuilder.write(spec, layout: layout, to: url)
        let collector = observe ? FactsCollector() : nil
        let image = try ImageLoader.load(try ImageReference(parsing: url.path), observers: collector.map { [$0] } ?? [])
        let parsed = try dockerfile.map { try Dockerfile(parsing: $0) }
        let input = FactsInput(image: image, dockerfile: parsed, dockerfilePath: dockerfile == nil ? nil : "Dockerfile")
        return try FactsGatherer(mounts: configuration.mounts).gather(input, collector: collector)
    }

    static func check(
        _ spec: ImageSpec, dockerfile: String? = nil, configuration: Configuration = Configuration()
    ) throws -> Checked {
        let facts = try facts(spec, dockerfile: dockerfile, configuration: configuration)
        let violations = StaticChecks.registry.run(StaticCheckContext(facts: facts, configuration: configuration))
        return Checked(facts: facts, violations: violations)
    }
}
