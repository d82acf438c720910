import Foundation
import Reports
import Rules
import Sandbox
import TRELint
import Testing

/// The README's example images, built by `podman build` from `fixtures/examples` exactly as the demo builds them,
/// checked end to end: static rules and the sandbox run under all three profiles.
@Suite("Example images built with podman", .serialized, .enabled(if: ExampleImages.podmanInstalled, "podman is not installed"))
struct ExampleImagesTests {
    @Test("the good example passes every rule and runs under every profile", .timeLimit(.minutes(10)))
    func goodExamplePasses() throws {
        let images = try ExampleImages.built()
        let report = try ExampleImages.check(images.appendingPathComponent("good.tar"), example: "good")
        #expect(report.findings.map(\.rule) == [], "\(report.findings.map { "\($0.rule): \($0.message)" })")
        #expect(report.verdict == .pass)
        let profiles = try #require(report.run?.profiles)
        #expect(profiles.map(\.name).sorted() == ["apptainer", "kubernetes", "podman"])
        #expect(profiles.allSatisfy { $0.exitCode == 0 && $0.outputs == ["summary.csv"] }, "\(profiles)")
    }

    @Test("the faulty example fails with exactly the faults its Dockerfile carries", .timeLimit(.minutes(10)))
    func faultyExampleFails() throws {
        let images = try ExampleImages.built()
        let report = try ExampleImages.check(images.appendingPathComponent("faulty.tar"), example: "faulty")
        #expect(Set(report.findings.map(\.rule)) == [
            "TRE105", "TRE107", "TRE109", "TRE201", "TRE203", "TRE204", "TRE206", "TRE207", "TRE208",
            "TRE302", "TRE305", "TRE501", "TRE502", "TRE901", "TRE903",
        ])
        #expect(report.verdict == .fail)
        // Dockerfile findings point at the instruction's line in the given Dockerfile.
        let user = try #require(report.findings.first { $0.rule == "TRE107" })
        #expect(user.location.kind == .dockerfile && user.location.line == 12)
        // The sandbox lists the name it tried to resolve, not just that it failed.
        let network = try #require(report.findings.first { $0.rule == "TRE903" })
        #expect(network.message.contains("models.example.org"))
    }
}

/// Builds the example images once per test run with the project's own script.
enum ExampleImages {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var podmanInstalled: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/podman")
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var directory: URL?

    /// The folder holding good.tar and faulty.tar, built on first use.
    static func built() throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let directory { return directory }
        // Inside the package's build folder, which git ignores and `swift package clean` removes: rebuilt every run.
        let output = repository.appendingPathComponent(".build/test-examples")
        let process = Process()
        process.executableURL = repository.appendingPathComponent("scripts/build-examples.sh")
        process.arguments = [output.path]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BuildFailure(description: "build-examples.sh: " + String(decoding: message, as: UTF8.self))
        }
        directory = output
        return output
    }

    /// `tre-lint check IMAGE --dockerfile fixtures/examples/NAME/Dockerfile --fixtures fixtures/examples/fixtures`.
    static func check(_ image: URL, example: String) throws -> CheckReport {
        let examples = repository.appendingPathComponent("fixtures/examples")
        var run = RunSettings()
        run.fixtures = examples.appendingPathComponent("fixtures").path
        run.timeout = 60
        let request = CheckRequest(
            image: image.path, dockerfile: examples.appendingPathComponent("\(example)/Dockerfile").path, run: run)
        let settings = try CheckSettings.resolve(request, workingDirectory: examples.path)
        return try CheckCore.report(for: CheckAnalyzer.analyze(request, settings: settings), settings: settings)
    }

    struct BuildFailure: Error, CustomStringConvertible {
        var description: String
    }
}
