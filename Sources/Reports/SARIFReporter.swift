import TRECore
import Foundation
import Rules

/// SARIF 2.1.0 for code-scanning tools: every catalog rule with its help text, Dockerfile findings on file and line,
/// image files under the `IMAGE` base, config and run findings as logical locations.
public struct SARIFReporter: Reporter {
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    public static let imageBaseID = "IMAGE"

    public let settings: ReportSettings

    public init(settings: ReportSettings) {
        self.settings = settings
    }

    public func render(_ report: CheckReport) -> String {
        let rules = settings.catalog.rules
        var ruleIndex: [String: Int] = [:]
        for (position, rule) in rules.enumerated() { ruleIndex[rule.id] = position }
        let run: JSONValue = .object([
            ("tool", .object([("driver", .object([
                ("name", .string(report.tool.name)),
                ("version", .string(report.tool.version)),
                ("semanticVersion", .string(report.tool.version)),
                ("rules", .array(rules.map(ruleDescriptor))),
            ]))])),
            ("originalUriBaseIds", .object([
                (Self.imageBaseID, .object([("description", .object([("text", .string("The merged filesystem of \(report.image.reference)"))]))])),
            ])),
            ("results", .array(report.findings.map { result(for: $0, ruleIndex: ruleIndex[$0.rule]) })),
            ("properties", .object([
                ("image", .object([
                    ("reference", .string(report.image.reference)),
                    ("manifestDigest", .optional(report.image.manifestDigest)),
                    ("configDigest", .optional(report.image.configDigest)),
                ])),
                ("verdict", .string(report.verdict.rawValue)),
            ])),
        ])
        let log: JSONValue = .object([
            ("$schema", .string(Self.schemaURI)),
            ("version", .string("2.1.0")),
            ("runs", .array([run])),
        ])
        return log.rendered() + "\n"
    }

    private func ruleDescriptor(_ rule: RuleDescriptor) -> JSONValue {
        .object([
            ("id", .string(rule.id)),
            ("name", .string(Self.pascalCase(rule.title))),
            ("shortDescription", .object([("text", .string(rule.title))])),
            ("fullDescription", .object([("text", .string(rule.rationale))])),
            ("help", .object([
                ("text", .string("\(rule.fix)\n\nMore: tre-lint explain \(rule.id)")),
                ("markdown", .string("**Fix:** \(rule.fix)\n\nMore: `tre-lint explain \(rule.id)`")),
            ])),
            ("defaultConfiguration", .object([("level", .string(Self.level(rule.severity)))])),
            ("properties", .object([("category", .string(rule.category)), ("tags", .array([.string(rule.category)]))])),
        ])
    }

    private func result(for finding: Finding, ruleIndex: Int?) -> JSONValue {
        var members: [(String, JSONValue)] = [("ruleId", .string(finding.rule))]
        if let ruleIndex { members.append(("ruleIndex", .int(ruleIndex))) }
        members.append(("level", .string(Self.level(finding.severity))))
        members.append(("message", .object([("text", .string("\(finding.title): \(finding.message)"))])))
        members.append(("locations", .array([location(finding.location)])))
        return .object(members)
    }

    private func location(_ location: Location) -> JSONValue {
        let region: [(String, JSONValue)] = location.line.map { [("region", .object([("startLine", .int($0))]))] } ?? []
        switch location.kind {
        case .dockerfile:
            let artifact: JSONValue = .object([("uri", .string(Self.uri(location.path ?? "Dockerfile")))])
            return .object([("physicalLocation", .object([("artifactLocation", artifact)] + region))])
        case .imageFile:
            let path = location.path ?? "/"
            let artifact: JSONValue = .object([
                ("uri", .string(Self.uri(String(path.drop { $0 == "/" })))),
                ("uriBaseId", .string(Self.imageBaseID)),
            ])
            var members: [(String, JSONValue)] = [("physicalLocation", .object([("artifactLocation", artifact)] + region))]
            if let layer = location.layer {
                members.append(("properties", .object([("layer", .int(layer))])))
            }
            return .object(members)
        case .imageConfig, .run:
            let scope = location.kind == .imageConfig ? "image-config" : "run"
            let name = location.path ?? scope
            return .object([("logicalLocations", .array([.object([
                ("name", .string(name)),
                ("fullyQualifiedName", .string("\(scope)/\(name)")),
                ("kind", .string(scope)),
            ])]))])
        }
    }

    private static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .info: "note"
        }
    }

    /// A relative URI reference for a path, with characters outside a URI path percent-encoded.
    private static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    /// SARIF's `name` is an identifier-like form of the title: `FinalUserIsANonRootAccount`.
    private static func pascalCase(_ title: String) -> String {
        title.split { !$0.isLetter && !$0.isNumber }.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
