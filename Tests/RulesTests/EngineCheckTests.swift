import TRECore
import Foundation
import Reports
import Rules
import Sandbox
import Testing
import TRELint

/// The check core from request to exit code, with the image analysis replaced by fixed violations.
@Suite("Check core")
struct EngineCheckTests {
    static let image = ImageIdentity(reference: "oci-archive:app.tar", manifestDigest: "sha256:01", configDigest: "sha256:02")

    static let violations = [
        Violation(rule: "TRE107", message: "USER app", location: Location(kind: .dockerfile, path: "Dockerfile", line: 4)),
        Violation(rule: "TRE203", message: "VOLUME /results", location: Location(kind: .dockerfile, path: "Dockerfile", line: 5)),
    ]

    func run(
        _ request: CheckRequest, in directory: URL, suppressions: [InlineSuppression] = [], analyzed: inout Bool
    ) throws -> Int32 {
        var called = false
        defer { analyzed = called }
        return try CheckCore.run(request, workingDirectory: directory.path, standardOutputIsTerminal: false, environment: [:]) { _, _ in
            called = true
            return CheckAnalysis(image: Self.image, violations: Self.violations, suppressions: suppressions)
        }
    }

    @Test("the exit code follows fail-on from the configuration file, and the command line wins over it")
    func exitCodes() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("report.json").path
        var analyzed = false
        #expect(try run(CheckRequest(image: "x", format: .json, output: output), in: directory, analyzed: &analyzed) == 0)
        try Data("fail-on: warning\n".utf8).write(to: directory.appendingPathComponent(".tre-lint.yaml"))
        #expect(try run(CheckRequest(image: "x", format: .json, output: output), in: directory, analyzed: &analyzed) == 1)
        #expect(try run(CheckRequest(image: "x", format: .json, output: output, failOn: FailThreshold.never), in: directory, analyzed: &analyzed) == 0)
        let suppressBoth = [InlineSuppression(ruleIDs: ["TRE107"], startLine: 4, endLine: 4), InlineSuppression(ruleIDs: ["TRE203"], startLine: 5, endLine: 5)]
        #expect(try run(CheckRequest(image: "x", format: .json, output: output), in: directory, suppressions: suppressBoth, analyzed: &analyzed) == 0)
    }

    @Test("--output gets the whole report and nothing else is left in its directory")
    func outputFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("ignore: [TRE203]\nseverity: { TRE107: error }\n".utf8).write(to: directory.appendingPathComponent(".tre-lint.yaml"))
        let output = directory.appendingPathComponent("report.json")
        var analyzed = false
        let code = try run(CheckRequest(image: "x", format: .json, output: output.path), in: directory, analyzed: &analyzed)
        #expect(code == 1)
        let report = try JSONDecoder().decode(CheckReport.self, from: Data(contentsOf: output))
        #expect(report.findings.map(\.rule) == ["TRE107"])
        #expect(report.findings.first?.severity == .error)
        #expect(report.image == Self.image && report.verdict == .fail && report.run == nil)
        #expect(report.tool == ToolInfo(version: TRELintVersion.current))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [".tre-lint.yaml", "report.json"])
    }

    @Test("an output path that cannot be written is an error and leaves no file")
    func unwritableOutput() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("missing/report.json").path
        var analyzed = false
        #expect(throws: ReportOutputError.self) {
            _ = try run(CheckRequest(image: "x", format: .sarif, output: output), in: directory, analyzed: &analyzed)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a bad configuration stops the check before the image is read")
    func badConfiguration() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("run:\n  engin: podman\n".utf8).write(to: directory.appendingPathComponent(".tre-lint.yaml"))
        var analyzed = true
        #expect {
            _ = try run(CheckRequest(image: "x", format: .json), in: directory, analyzed: &analyzed)
        } throws: { String(describing: $0).contains("unknown key `run.engin`") }
        #expect(!analyzed)
    }

    @Test("command-line run options reach the analysis over the configuration file's")
    func runSettings() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("run: { engine: podman, timeout: 60, fixtures: fx }\n".utf8).write(to: directory.appendingPathComponent(".tre-lint.yaml"))
        let request = CheckRequest(image: "x", format: .json, output: directory.appendingPathComponent("r.json").path, run: RunSettings(timeout: 5))
        let settings = try CheckSettings.resolve(request, workingDirectory: directory.path)
        #expect(settings.configuration.run.engine == .podman)
        #expect(settings.configuration.run.timeout == 5)
        #expect(settings.configuration.run.fixtures == directory.appendingPathComponent("fx").standardized.path)
    }
}
