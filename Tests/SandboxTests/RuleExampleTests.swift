import Foundation
import ImageKit
import Testing
import TestSupport
import Yams
@testable import Sandbox

/// The examples of rules/TRE901–TRE910.yaml, each run in the sandbox under runc: it must fire, or stay silent.
struct SandboxRuleExample: Decodable, Sendable, CustomTestStringConvertible {
    struct ExampleImage: Decodable, Sendable {
        var base: String
        var config: ContainerConfig?
        var files: [ExampleFile]?
    }
    struct ExampleFile: Decodable, Sendable {
        var path: String
        var content: String
    }
    struct ExampleRun: Decodable, Sendable {
        var profiles: [String]?
        var timeout: Double?
        var memory: Double?
        var memoryWarning: Double?
        var engine: String?

        enum CodingKeys: String, CodingKey { case profiles, timeout, memory, memoryWarning = "memory-warning", engine }
    }
    struct ExampleFixtures: Decodable, Sendable {
        var args: String?
        var env: String?
    }
    struct Expectation: Decodable, Sendable {
        var kind: String
        var path: String?
    }

    var rule = ""
    var name: String
    var triggers: Bool
    var image: ExampleImage
    var run: ExampleRun?
    var fixtures: ExampleFixtures?
    var expect: [Expectation]?

    enum CodingKeys: String, CodingKey { case name, triggers, image, run, fixtures, expect }

    var testDescription: String { "\(rule): \(name)" }

    static let rulesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("rules")

    private struct RuleFile: Decodable {
        var id: String
        var examples: [SandboxRuleExample]
    }

    static func all() -> [SandboxRuleExample] {
        (1...10).flatMap { number -> [SandboxRuleExample] in
            let id = String(format: "TRE9%02d", number)
            guard let text = try? String(contentsOf: rulesFolder.appendingPathComponent(id + ".yaml"), encoding: .utf8),
                  let file = try? YAMLDecoder().decode(RuleFile.self, from: text)
            else { return [SandboxRuleExample(rule: id, name: "unreadable rule file", triggers: true, image: ExampleImage(base: "none"))] }
            return file.examples.map { var example = $0; example.rule = file.id; return example }
        }
    }
}

@Suite("Sandbox rule examples")
struct RuleExampleTests {
    @Test(arguments: SandboxRuleExample.all())
    func example(_ example: SandboxRuleExample) throws {
        try #require(example.image.base == "busybox", "sandbox examples build on the busybox base")
        let folder = try TestFolder()
        let entries: [EntrySpec] = [.dir("app")] + (example.image.files ?? []).map {
            EntrySpec.file(String($0.path.drop { $0 == "/" }), $0.content)
        }
        var spec = try ImageSpec.busybox(layers: [LayerSpec(entries)], config: example.image.config ?? ContainerConfig())
        spec.repoTags = ["localhost/tre-lint-sandbox-test/example:\(UInt32.random(in: 1...UInt32.max))"]
        let archive = folder.url.appendingPathComponent("image.tar")
        try ImageBuilder.write(spec, layout: .dockerArchive, to: archive)
        let image = SandboxImage(try ImageLoader.load(ImageReference(parsing: archive.path)))

        let profiles = try (example.run?.profiles ?? ProfileSpec.defaults.map(\.name)).map {
            try #require(ProfileSpec.builtIn(named: $0), "unknown profile \($0)")
        }
        let engine = try #require(EngineChoice(rawValue: example.run?.engine ?? "runc"))
        let limits = SandboxLimits(timeoutSeconds: example.run?.timeout ?? 20, memoryGB: example.run?.memory ?? 0.25, cores: 1, pids: 128,
            memoryWarningGB: example.run?.memoryWarning ?? 4)
        let fixtures = try folder.fixtures(args: example.fixtures?.args, env: example.fixtures?.env)
        let outcome = try SandboxRunner.run(SandboxRequest(
            image: image, profiles: profiles, fixtures: fixtures, limits: limits, engine: engine,
            checkInputList: example.rule == "TRE908"))
        let fired = outcome.violations.filter { $0.rule == example.rule }
        if example.triggers {
            #expect(!fired.isEmpty, "\(example.rule) did not fire; got \(outcome.violations.map(\.rule)): \(outcome.report.profiles)")
        } else {
            #expect(fired.isEmpty, "\(example.rule) fired: \(fired.map(\.message))")
        }
        for expectation in example.expect ?? [] where expectation.kind == "run" {
            #expect(fired.contains { $0.profile == expectation.path }, "\(example.rule) not reported for profile \(expectation.path ?? "-")")
        }
    }
}
