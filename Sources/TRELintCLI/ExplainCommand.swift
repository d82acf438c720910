import ArgumentParser
import Reports
import Rules
import TRELint

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain one rule: why the TRE needs it, how to fix it, and an example that fires and one that does not."
    )

    @Argument(help: "A rule id, e.g. TRE204.")
    var rule: String

    func run() throws {
        try reportingInputErrors {
            let catalog = try RuleCatalog.embedded()
            guard let entry = catalog.entry(rule) else { throw UnknownRuleID(id: rule) }
            try ReportOutput.write(CatalogRenderer.explain(entry), to: nil)
            return 0
        }
    }
}

/// `explain` was given an id the catalog does not have.
struct UnknownRuleID: Error, CustomStringConvertible {
    var id: String
    var description: String { "unknown rule \(id); `tre-lint rules` lists them all" }
}
