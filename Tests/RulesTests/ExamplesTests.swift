import Facts
import Foundation
import ImageKit
import Rules
import Testing
import TestSupport
import Yams

/// One example of one rule file, as the example runner builds and checks it.
struct RuleExampleCase: Sendable, CustomStringConvertible {
    var rule: String
    var name: String
    var triggers: Bool
    /// The example's `image` mapping, re-encoded as JSON so it crosses into the test as a Sendable value.
    var imageJSON: Data
    var dockerfile: String?
    /// `.tre-lint.yaml` text the example runs with (for settings such as `cuda.driver`).
    var configuration: String?
    var expect: [[String: String]]

    var description: String { "\(rule): \(name)" }

    /// Every example of every static rule file (TRE9xx are the sandbox's and run there).
    static func all() throws -> [RuleExampleCase] {
        let files = try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.rulesDirectory.path)
            .filter { $0.hasPrefix("TRE") && $0.hasSuffix(".yaml") && !$0.hasPrefix("TRE9") }.sorted()
        return try files.flatMap { file -> [RuleExampleCase] in
            let text = try String(contentsOf: RepositoryPaths.rulesDirectory.appendingPathComponent(file), encoding: .utf8)
            guard let root = try Yams.load(yaml: text) as? [String: Any], let rule = root["id"] as? String else {
                throw BuilderError("\(file): not a rule mapping")
            }
            return try (root["examples"] as? [[String: Any]] ?? []).map { example in
                let image = example["image"] as? [String: Any] ?? [:]
                let expect = (example["expect"] as? [[String: Any]] ?? []).map { location in
                    location.mapValues { "\($0)" }
                }
                return RuleExampleCase(
                    rule: rule, name: example["name"] as? String ?? "(unnamed)", triggers: example["triggers"] as? Bool ?? false,
                    imageJSON: try JSONSerialization.data(withJSONObject: image, options: [.sortedKeys]),
                    dockerfile: example["dockerfile"] as? String, configuration: example["configuration"] as? String,
                    expect: expect)
            }
        }
    }
}

/// Turns an example's `image` mapping into an image spec on top of a base image.
enum ExampleImages {
    static func spec(from image: [String: Any]) throws -> ImageSpec {
        let baseName = image["base"] as? String ?? "python"
        guard var spec = BaseImages.spec(baseName) else { throw BuilderError("unknown example base `\(baseName)`") }
        if let config = image["config"] as? [String: Any] { spec.config = try merge(spec.config, config) }
        if let platform = image["platform"] as? String {
            let parts = platform.split(separator: "/").map(String.init)
            spec.os = parts.first ?? "linux"
            spec.architecture = parts.count > 1 ? parts[1] : "amd64"
            spec.variant = parts.count > 2 ? parts[2] : nil
        }
        if let tags = image["tags"] as? [String] { spec.repoTags = tags }
        var files: [EntrySpec] = []
        var parents: [String] = []
        for file in image["files"] as? [[String: Any]] ?? [] {
            guard let path = file["path"] as? String else { throw BuilderError("an example file has no path") }
            parents.append((path as NSString).deletingLastPathComponent)
            let mode = try (file["mode"] as? String).map(octal) ?? 0o644
            if let target = file["link"] as? String {
                files.append(BaseImages.link(path, target))
            } else if file["binary"] as? Bool == true {
                files.append(BaseImages.binary(path, mode: mode))
            } else if file["dir"] as? Bool == true {
                files.append(BaseImages.dir(path, mode: mode))
            } else if let size = file["size"] as? Int {
                files.append(.file(BaseImages.relative(path), size: Int64(size), fill: 0x41, mode: mode))
            } else {
                files.append(BaseImages.file(path, file["content"] as? String ?? "", mode: mode))
            }
        }
        if !files.isEmpty {
            let existing = Set(spec.layers.flatMap { $0.entries }.map { "/" + String(decoding: $0.name, as: UTF8.self) })
            let needed = BaseImages.dirs(parents.filter { $0 != "/" }).filter {
                !existing.contains("/" + String(decoding: $0.name, as: UTF8.self))
            }
            spec.layers.append(LayerSpec(needed + files, createdBy: "COPY . / # buildkit"))
        }
        if let removed = image["remove"] as? [String], !removed.isEmpty {
            spec.layers.append(LayerSpec(removed.map { .whiteout(BaseImages.relative($0)) }, createdBy: "RUN /bin/sh -c rm -rf \(removed.joined(separator: " ")) # buildkit"))
        }
        var history = spec.layers.map { HistoryEntry(created: "2024-01-01T00:00:00Z", createdBy: $0.createdBy) }
        history += configHistory(spec.config)
        for line in image["history"] as? [String] ?? [] {
            history.append(HistoryEntry(created: "2024-01-01T00:00:00Z", createdBy: line, emptyLayer: true))
        }
        spec.history = history
        return spec
    }

    /// The empty-layer history BuildKit writes for config instructions, so findings can point at rebuilt lines.
    static func configHistory(_ config: ContainerConfig) -> [HistoryEntry] {
        var lines: [String] = []
        for item in config.env ?? [] { lines.append("ENV \(item)") }
        for (key, value) in (config.labels ?? [:]).sorted(by: { $0.key < $1.key }) { lines.append("LABEL \(key)=\(value)") }
        if let workdir = config.workingDir { lines.append("WORKDIR \(workdir)") }
        if let user = config.user, !user.isEmpty { lines.append("USER \(user)") }
        for port in (config.exposedPorts ?? [:]).keys.sorted() { lines.append("EXPOSE map[\(port):{}]") }
        for volume in (config.volumes ?? [:]).keys.sorted() { lines.append("VOLUME [\(volume)]") }
        func form(_ words: [String]) -> String { "[" + words.map { "\"\($0)\"" }.joined(separator: " ") + "]" }
        if let entrypoint = config.entrypoint { lines.append("ENTRYPOINT \(form(entrypoint))") }
        if let cmd = config.cmd { lines.append("CMD \(form(cmd))") }
        return lines.map { HistoryEntry(created: "2024-01-01T00:00:00Z", createdBy: $0, emptyLayer: true) }
    }

    /// The example's config keys over the base's: `Env` merged by name (`NAME` alone removes it), `Labels` merged
    /// (a null value removes), anything else replaced; a null value clears the field.
    static func merge(_ base: ContainerConfig, _ overlay: [String: Any]) throws -> ContainerConfig {
        let encoded = try JSONEncoder().encode(base)
        var object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] ?? [:]
        for (key, value) in overlay {
            switch key {
            case "Env":
                var env = object["Env"] as? [String] ?? []
                for item in value as? [String] ?? [] {
                    let name = item.split(separator: "=", maxSplits: 1).first.map(String.init) ?? item
                    env.removeAll { $0.hasPrefix(name + "=") }
                    if item.contains("=") { env.append(item) }
                }
                object["Env"] = env
            case "Labels" where !(value is NSNull):
                var labels = object["Labels"] as? [String: Any] ?? [:]
                for (name, label) in value as? [String: Any] ?? [:] { labels[name] = label is NSNull ? nil : label }
                object["Labels"] = labels
            default:
                object[key] = value is NSNull ? nil : value
            }
        }
        return try JSONDecoder().decode(ContainerConfig.self, from: JSONSerialization.data(withJSONObject: object))
    }

    static func octal(_ text: String) throws -> UInt32 {
        guard let value = UInt32(text.hasPrefix("0o") ? String(text.dropFirst(2)) : text, radix: 8) else {
            throw BuilderError("mode `\(text)` is not octal")
        }
        return value
    }
}

@Suite("Rule examples")
struct ExamplesTests {
    static let cases: [RuleExampleCase] = (try? RuleExampleCase.all()) ?? []

    @Test("every static rule file's examples decode, with at least one firing and one silent example")
    func examplesDecode() throws {
        let cases = try RuleExampleCase.all()
        let files = try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.rulesDirectory.path)
            .filter { $0.hasPrefix("TRE") && $0.hasSuffix(".yaml") && !$0.hasPrefix("TRE9") }
        for file in files {
            let rule = String(file.dropLast(".yaml".count))
            let examples = cases.filter { $0.rule == rule }
            #expect(examples.contains { $0.triggers }, "\(rule) has no example that fires")
            #expect(examples.contains { !$0.triggers }, "\(rule) has no example that stays silent")
        }
    }

    @Test("each example fires or stays silent as it says, at the expected location", arguments: cases)
    func example(_ example: RuleExampleCase) throws {
        let image = try JSONSerialization.jsonObject(with: example.imageJSON) as? [String: Any] ?? [:]
        let spec = try ExampleImages.spec(from: image)
        let configuration = try example.configuration.map {
            try Configuration.parse($0, file: "example .tre-lint.yaml", baseDirectory: "/", catalog: RuleCatalog.embedded())
        } ?? Configuration()
        let checked = try FactsHarness.check(spec, dockerfile: example.dockerfile, configuration: configuration)
        let fired = checked.violations.filter { $0.rule == example.rule }
        if example.triggers {
            #expect(!fired.isEmpty, "\(example.rule) did not fire; all violations: \(checked.violations.map(\.rule))")
        } else {
            #expect(fired.isEmpty, "\(example.rule) fired: \(fired.map(\.message))")
        }
        for expected in example.expect {
            let matches = fired.contains { violation in
                let location = violation.location
                return expected.allSatisfy { key, value in
                    switch key {
                    case "kind": location.kind.rawValue == value
                    case "path": location.path == value
                    case "line": location.line.map(String.init) == value
                    case "layer": location.layer.map(String.init) == value
                    default: false
                    }
                }
            }
            #expect(matches, "\(example.rule) fired at \(fired.map(\.location)), expected \(expected)")
        }
    }

    @Test("each example base passes every static rule on its own", arguments: BaseImages.names)
    func baseIsClean(_ name: String) throws {
        let spec = try ExampleImages.spec(from: ["base": name])
        let checked = try FactsHarness.check(spec)
        #expect(checked.violations.isEmpty, "\(name): \(checked.violations.map { "\($0.rule) \($0.message)" })")
    }
}
