public import TRECore
/// A `# tre-lint ignore=TRE105,TRE203 reason…` comment as the Dockerfile parser found it: the rules it silences
/// on the instruction that follows, spanning `startLine`…`endLine` (1-based, inclusive).
public struct InlineSuppression: Sendable, Equatable {
    public var ruleIDs: [String]
    public var startLine: Int
    public var endLine: Int
    /// The Dockerfile the comment is in; nil matches any, for callers with a single Dockerfile.
    public var path: String?

    public init(ruleIDs: [String], startLine: Int, endLine: Int, path: String? = nil) {
        self.ruleIDs = ruleIDs; self.startLine = startLine; self.endLine = endLine; self.path = path
    }

    /// Whether this suppression silences a finding of `rule` at this location.
    public func covers(rule: String, at location: Location) -> Bool {
        guard location.kind == .dockerfile, let line = location.line else { return false }
        // Line N of the history rebuilt from the image is not line N of the given Dockerfile.
        if let path, location.path != path { return false }
        return (startLine...max(startLine, endLine)).contains(line)
            && ruleIDs.contains { $0.caseInsensitiveCompare(rule) == .orderedSame }
    }
}

/// How many findings of each severity a report holds.
public struct FindingSummary: Codable, Sendable, Equatable {
    public var error: Int
    public var warning: Int
    public var info: Int

    public init(error: Int = 0, warning: Int = 0, info: Int = 0) {
        self.error = error; self.warning = warning; self.info = info
    }

    /// Counts the findings by severity.
    public init(counting findings: [Finding]) {
        self.init()
        for finding in findings {
            switch finding.severity {
            case .error: error += 1
            case .warning: warning += 1
            case .info: info += 1
            }
        }
    }

    /// The count for one severity.
    public subscript(severity: Severity) -> Int {
        switch severity {
        case .error: error
        case .warning: warning
        case .info: info
        }
    }
}

/// Whether the image passes at the chosen `--fail-on` threshold.
public enum Verdict: String, Codable, Sendable {
    case pass, fail

    /// The contract's exit code: 0 for pass, 1 for fail.
    public var exitCode: Int32 { self == .pass ? 0 : 1 }
}

/// A check reported a rule the catalog does not know: a bug in the tool, reported instead of dropped.
public struct UnknownRuleError: Error, CustomStringConvertible, Equatable {
    public var rule: String

    public init(rule: String) {
        self.rule = rule
    }

    public var description: String { "internal error: a check reported rule \(rule), which is not in the catalog" }
}

/// Turns the checks' violations into the findings users see: catalog text, configured severity, ignores,
/// inline suppressions, and a stable order.
public struct RuleEngine: Sendable {
    public let catalog: RuleCatalog
    public let configuration: Configuration

    public init(catalog: RuleCatalog, configuration: Configuration) {
        self.catalog = catalog; self.configuration = configuration
    }

    /// Whether a rule is reported at all; checks of disabled rules need not run.
    public func isEnabled(_ rule: String) -> Bool {
        !configuration.ignore.contains(rule)
    }

    /// Runs the registry's checks of enabled rules only, so an ignored rule costs nothing.
    public func violations<Context>(from registry: RuleRegistry<Context>, context: Context) -> [Violation] {
        registry.run(context, enabled: isEnabled)
    }

    /// The severity a rule's findings carry: the configuration's override, else the catalog's default.
    public func severity(of rule: String) -> Severity? {
        configuration.severity[rule] ?? catalog.rule(rule)?.severity
    }

    /// The findings for these violations, sorted: most severe first, then by rule, location and message.
    public func findings(from violations: [Violation], suppressions: [InlineSuppression] = []) throws -> [Finding] {
        var findings: [Finding] = []
        var seen = Set<FindingKey>()
        for violation in violations {
            guard let rule = catalog.rule(violation.rule), rule.id == violation.rule else {
                throw UnknownRuleError(rule: violation.rule)
            }
            guard isEnabled(rule.id),
                  !suppressions.contains(where: { $0.covers(rule: rule.id, at: violation.location) })
            else { continue }
            // Two sources of evidence for the same fault at the same place are one finding to the user.
            guard seen.insert(FindingKey(rule: rule.id, message: violation.message, location: violation.location)).inserted
            else { continue }
            findings.append(Finding(
                rule: rule.id, severity: configuration.severity[rule.id] ?? rule.severity, title: rule.title,
                message: violation.message, fix: rule.fix, location: violation.location
            ))
        }
        return findings.sorted(by: Self.reportOrder)
    }

    /// The verdict for these findings at a threshold (the CLI's `--fail-on`, else the configuration's).
    public static func verdict(for findings: [Finding], failOn: FailThreshold) -> Verdict {
        findings.contains { failOn.fails(on: $0.severity) } ? .fail : .pass
    }

    /// Most severe first, then rule id, location and message, so reports are byte-for-byte repeatable.
    public static func reportOrder(_ lhs: Finding, _ rhs: Finding) -> Bool {
        if lhs.severity != rhs.severity { return lhs.severity > rhs.severity }
        if lhs.rule != rhs.rule { return lhs.rule < rhs.rule }
        let left = lhs.location, right = rhs.location
        if left.kind != right.kind { return left.kind.rawValue < right.kind.rawValue }
        if left.path != right.path { return (left.path ?? "") < (right.path ?? "") }
        if left.line != right.line { return (left.line ?? 0) < (right.line ?? 0) }
        if left.layer != right.layer { return (left.layer ?? -1) < (right.layer ?? -1) }
        return lhs.message < rhs.message
    }

    private struct FindingKey: Hashable {
        var rule: String
        var message: String
        var location: Location
    }
}
