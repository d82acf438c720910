/// One rule's check: pure facts in, violations out. `Context` is whatever the facts module gathers once per image.
public protocol RuleCheck<Context>: Sendable {
    /// The facts a check reads; the same value is handed to every check of one run.
    associatedtype Context

    /// The catalog id this check reports, e.g. `TRE204`; every violation it returns carries this id.
    var id: String { get }

    /// Looks at the facts and reports what is wrong; an empty array means the rule is satisfied.
    func check(_ context: Context) -> [Violation]
}

/// The set of rule checks the tool runs, keyed by rule id, so the catalog test can prove every rule has one.
public struct RuleRegistry<Context>: Sendable {
    /// The checks in registration order.
    public let checks: [any RuleCheck<Context>]

    /// Registers checks; a second check for the same id is a programming error reported by `duplicateIDs`.
    public init(_ checks: [any RuleCheck<Context>]) {
        self.checks = checks
    }

    /// Rule ids that have a check.
    public var ids: Set<String> { Set(checks.map(\.id)) }

    /// Ids registered more than once, which would double-report findings.
    public var duplicateIDs: [String] {
        var seen = Set<String>()
        var duplicates = Set<String>()
        for check in checks where !seen.insert(check.id).inserted { duplicates.insert(check.id) }
        return duplicates.sorted()
    }

    /// Runs every check whose rule is enabled and returns their violations; `enabled` lets ignored rules skip their work.
    public func run(_ context: Context, enabled: (String) -> Bool = { _ in true }) -> [Violation] {
        checks.filter { enabled($0.id) }.flatMap { $0.check(context) }
    }
}

extension RuleRegistry {
    /// Catalog rules no check reports, for the test that every rule has an implementation.
    public func idsWithoutCheck(in catalog: RuleCatalog) -> [String] {
        let implemented = ids
        return catalog.rules.map(\.id).filter { !implemented.contains($0) }
    }

    /// Checks whose id is not in the catalog: their violations would be rejected by the engine.
    public func idsMissingFromCatalog(_ catalog: RuleCatalog) -> [String] {
        ids.filter { !catalog.contains($0) }.sorted()
    }
}
