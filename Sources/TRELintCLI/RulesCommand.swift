public import ArgumentParser
import Reports
import Rules
import TRELint

extension CatalogFormat: ExpressibleByArgument {}

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "List every rule in the catalog.")

    @Option(help: "Output format: tty, json, markdown.")
    var format: CatalogFormat = .tty

    func run() throws {
        try reportingInputErrors {
            try ReportOutput.write(CatalogRenderer.render(try RuleCatalog.embedded(), format: format), to: nil)
            return 0
        }
    }
}
