public import TRECore
public import Rules
public import Sandbox

/// The tool that wrote a report.
public struct ToolInfo: Codable, Sendable, Equatable {
    public var name: String
    public var version: String

    public init(name: String = "tre-lint", version: String) {
        self.name = name; self.version = version
    }
}

/// Which image a report is about: the reference the user gave and the digests that pin it.
public struct ImageIdentity: Codable, Sendable, Equatable {
    public var reference: String
    public var manifestDigest: String?
    public var configDigest: String?

    public init(reference: String, manifestDigest: String?, configDigest: String?) {
        self.reference = reference; self.manifestDigest = manifestDigest; self.configDigest = configDigest
    }
}

/// The result of `check`: exactly the contract's `check --format json` object, which every reporter renders.
public struct CheckReport: Codable, Sendable, Equatable {
    public var tool: ToolInfo
    public var image: ImageIdentity
    public var findings: [Finding]
    /// What the sandbox run observed; nil when it did not run (`--no-run`).
    public var run: SandboxReport?
    public var summary: FindingSummary
    public var verdict: Verdict

    public init(tool: ToolInfo, image: ImageIdentity, findings: [Finding], run: SandboxReport?, summary: FindingSummary, verdict: Verdict) {
        self.tool = tool; self.image = image; self.findings = findings; self.run = run
        self.summary = summary; self.verdict = verdict
    }

    /// A report whose summary and verdict are computed from the findings at a threshold.
    public init(tool: ToolInfo, image: ImageIdentity, findings: [Finding], run: SandboxReport?, failOn: FailThreshold) {
        self.init(
            tool: tool, image: image, findings: findings, run: run, summary: FindingSummary(counting: findings),
            verdict: RuleEngine.verdict(for: findings, failOn: failOn)
        )
    }

    /// The report as ordered JSON, every contract key present (absent values as null).
    public var jsonValue: JSONValue {
        .object([
            ("tool", .object([("name", .string(tool.name)), ("version", .string(tool.version))])),
            ("image", .object([
                ("reference", .string(image.reference)),
                ("manifestDigest", .optional(image.manifestDigest)),
                ("configDigest", .optional(image.configDigest)),
            ])),
            ("findings", .array(findings.map(\.jsonValue))),
            ("run", run.map { JSONValue(encoding: $0) } ?? .null),
            ("summary", .object([("error", .int(summary.error)), ("warning", .int(summary.warning)), ("info", .int(summary.info))])),
            ("verdict", .string(verdict.rawValue)),
        ])
    }
}

extension Finding {
    /// The finding as the contract's JSON spells it.
    public var jsonValue: JSONValue {
        .object([
            ("rule", .string(rule)),
            ("severity", .string(severity.rawValue)),
            ("title", .string(title)),
            ("message", .string(message)),
            ("fix", .string(fix)),
            ("location", .object([
                ("kind", .string(location.kind.rawValue)),
                ("path", .optional(location.path)),
                ("line", .optional(location.line)),
                ("layer", .optional(location.layer)),
            ])),
        ])
    }
}

extension Location {
    /// Where the finding is, in words a reader recognises: `Dockerfile:3`, `/app/main.py:2 (layer 4)`, `image config: User`.
    public var displayText: String {
        switch kind {
        case .dockerfile:
            return [path ?? "Dockerfile", line.map(String.init)].compactMap(\.self).joined(separator: ":")
        case .imageFile:
            let place = [path ?? "image", line.map(String.init)].compactMap(\.self).joined(separator: ":")
            return layer.map { "\(place) (layer \($0))" } ?? place
        case .imageConfig:
            return path.map { "image config: \($0)" } ?? "image config"
        case .run:
            return path.map { "sandbox run: \($0)" } ?? "sandbox run"
        }
    }
}
