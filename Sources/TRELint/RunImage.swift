import Foundation
import ImageKit
public import Sandbox

/// What `tre-lint run` was asked to do, as the command line gives it.
public struct RunImageRequest: Sendable {
    public var image: String
    public var fixtures: String?
    /// Built-in profile names; all of them when empty.
    public var profiles: [String]
    public var engine: EngineChoice
    public var envFile: String?
    public var argFile: String?
    public var optFile: String?
    public var limits: SandboxLimits
    public var keepOutputs: String?
    public var safeDataWritable: Bool
    public var gpu: Bool

    public init(
        image: String, fixtures: String? = nil, profiles: [String] = [], engine: EngineChoice = .auto, envFile: String? = nil,
        argFile: String? = nil, optFile: String? = nil, limits: SandboxLimits = SandboxLimits(), keepOutputs: String? = nil,
        safeDataWritable: Bool = false, gpu: Bool = false
    ) {
        self.image = image; self.fixtures = fixtures; self.profiles = profiles; self.engine = engine
        self.envFile = envFile; self.argFile = argFile; self.optFile = optFile; self.limits = limits
        self.keepOutputs = keepOutputs; self.safeDataWritable = safeDataWritable; self.gpu = gpu
    }
}

/// One TRE9xx finding of `tre-lint run`, in the contract's finding shape plus its evidence.
public struct RunFinding: Codable, Sendable, Equatable {
    public struct RunLocation: Codable, Sendable, Equatable {
        public var kind: String
        /// The profile the finding concerns.
        public var path: String?
    }

    public var rule: String
    public var severity: String
    public var message: String
    public var location: RunLocation
    public var evidence: [String]
}

/// The image `tre-lint run` ran, as the report names it.
public struct RunImageIdentity: Codable, Sendable, Equatable {
    public var reference: String
    public var manifestDigest: String
    public var configDigest: String
}

/// The result of `tre-lint run`: the contract's report object with only the run's findings.
public struct RunImageReport: Codable, Sendable, Equatable {
    public struct Tool: Codable, Sendable, Equatable {
        public var name = "tre-lint"
        public var version = TRELintVersion.current
    }

    public var tool = Tool()
    public var image: RunImageIdentity
    public var findings: [RunFinding]
    public var run: SandboxReport
    public var summary: [String: Int]
    public var verdict: String

    /// 1 when a finding is an error (the contract's default `--fail-on error`), else 0.
    public var exitCode: Int32 { verdict == "fail" ? 1 : 0 }
}

/// `tre-lint run`: load the image, run it in the sandbox, report.
public enum RunImage {
    /// Catalog severities of the sandbox rules (rules/TRE9xx.yaml).
    static let severities: [String: String] = [
        "TRE901": "error", "TRE902": "error", "TRE903": "error", "TRE904": "error", "TRE905": "error",
        "TRE906": "warning", "TRE907": "error", "TRE908": "warning", "TRE909": "warning", "TRE910": "info",
    ]

    public static func execute(_ request: RunImageRequest) throws -> RunImageReport {
        let loaded = try ImageLoader.load(ImageReference(parsing: request.image))
        let profiles = try request.profiles.map { name in
            guard let profile = ProfileSpec.builtIn(named: name) else {
                throw SandboxError.badConfiguration(
                    "unknown profile '\(name)' (known: \(ProfileSpec.defaults.map(\.name).joined(separator: ", ")))")
            }
            return profile
        }
        func url(_ path: String?) -> URL? { path.map { URL(fileURLWithPath: $0) } }
        let outcome = try SandboxRunner.run(SandboxRequest(
            image: SandboxImage(loaded), profiles: profiles.isEmpty ? ProfileSpec.defaults : profiles,
            fixtures: url(request.fixtures), envFile: url(request.envFile), argFile: url(request.argFile),
            optFile: url(request.optFile), limits: request.limits, engine: request.engine,
            keepOutputs: url(request.keepOutputs), safeDataWritable: request.safeDataWritable, gpu: request.gpu))
        let findings = outcome.violations.map {
            RunFinding(rule: $0.rule, severity: severities[$0.rule] ?? "error", message: $0.message,
                       location: .init(kind: "run", path: $0.profile), evidence: $0.evidence)
        }
        var summary = ["error": 0, "warning": 0, "info": 0]
        for finding in findings { summary[finding.severity, default: 0] += 1 }
        return RunImageReport(
            image: RunImageIdentity(reference: request.image, manifestDigest: loaded.manifestDigest, configDigest: loaded.configDigest),
            findings: findings, run: outcome.report, summary: summary, verdict: (summary["error"] ?? 0) > 0 ? "fail" : "pass")
    }

    /// The report as pretty JSON with stable key order.
    public static func json(_ report: RunImageReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// The compatibility matrix and the findings, for a terminal.
    public static func tty(_ report: RunImageReport) -> String {
        var lines = ["tre-lint run \(report.image.reference) (engine: \(report.run.engine))", ""]
        if !report.run.profiles.isEmpty {
            let header = ["profile", "result", "user", "exit", "time", "peak memory", "outputs", "network", "writes outside"]
            var rows = [header]
            for profile in report.run.profiles {
                let result = profile.passed ? "pass" : profile.timedOut ? "TIMEOUT" : profile.reason != nil ? "NOT RUN" : "FAIL"
                rows.append([
                    profile.name, result, profile.user, profile.exitCode.map(String.init) ?? "-",
                    String(format: "%.1fs", profile.durationSeconds),
                    profile.peakMemoryBytes.map { String(format: "%.0f MiB", Double($0) / 1_048_576) } ?? "-",
                    String(profile.outputs.count), String(profile.networkAttempts.count), String(profile.writesOutsideAllowed.count),
                ])
            }
            let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                lines.append(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
            lines.append("")
        }
        for finding in report.findings {
            let place = finding.location.path.map { " [\($0)]" } ?? ""
            lines.append("\(finding.severity) \(finding.rule)\(place): \(finding.message)")
            for item in finding.evidence.prefix(12) { lines.append("    \(item)") }
            lines.append("    (tre-lint explain \(finding.rule))")
        }
        for note in report.run.notes { lines.append("note: \(note)") }
        lines.append("")
        lines.append("\(report.summary["error"] ?? 0) error(s), \(report.summary["warning"] ?? 0) warning(s), \(report.summary["info"] ?? 0) info: \(report.verdict)")
        return lines.joined(separator: "\n") + "\n"
    }
}
