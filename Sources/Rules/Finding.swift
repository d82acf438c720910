public import TRECore

/// How serious a finding is; ordered so that `error` is the highest.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case info, warning, error

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One problem found in an image, with what to do about it.
public struct Finding: Codable, Sendable, Equatable {
    public var rule: String
    public var severity: Severity
    public var title: String
    public var message: String
    public var fix: String
    public var location: Location

    public init(rule: String, severity: Severity, title: String, message: String, fix: String, location: Location) {
        self.rule = rule; self.severity = severity; self.title = title; self.message = message
        self.fix = fix; self.location = location
    }
}

/// A rule's catalog entry as `rules/TRExxx.yaml` holds it (examples aside).
public struct RuleDescriptor: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var severity: Severity
    /// `start-up`, `mounts-and-data`, `network`, `gpu`, `provenance` or `sandbox`.
    public var category: String
    /// Why the TRE needs this, quoting `tre.md`'s guidance.
    public var rationale: String
    public var fix: String

    public init(id: String, title: String, severity: Severity, category: String, rationale: String, fix: String) {
        self.id = id; self.title = title; self.severity = severity; self.category = category
        self.rationale = rationale; self.fix = fix
    }
}

/// What a rule check reports before the catalog and configuration give it a severity, title and fix.
public struct Violation: Sendable, Equatable {
    public var rule: String
    public var message: String
    public var location: Location

    public init(rule: String, message: String, location: Location) {
        self.rule = rule; self.message = message; self.location = location
    }
}
