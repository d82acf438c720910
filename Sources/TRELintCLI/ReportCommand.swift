import ArgumentParser
import Foundation
import Reports
import Rules
import TRELint

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render a saved `check --format json` report in another format, without analysing the image again.",
        discussion: """
            The verdict and exit code are recomputed at the threshold check uses: --fail-on, else the configuration's \
            fail-on (found as check finds it, from --config or --dockerfile), else error. The GitHub action checks once \
            and renders SARIF, annotations and the job summary from the one report.
            """
    )

    @Argument(help: "The JSON report `check --format json --output FILE` wrote.")
    var report: String

    @Option(help: "Report format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ReportFormat = .tty

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: .customLong("fail-on"), help: "The threshold of the verdict: error, warning, info, none.")
    var failOn: FailThreshold?

    @Option(help: "The configuration file check used (for its fail-on).")
    var config: String?

    @Option(help: "The Dockerfile check was given (a configuration beside it is found as check finds it).")
    var dockerfile: String?

    func run() throws {
        let request = CheckRequest(image: report, dockerfile: dockerfile, configFile: config, format: format, output: output, failOn: failOn)
        try reportingInputErrors {
            try SavedReport.run(reportPath: report, request, standardOutputIsTerminal: isatty(STDOUT_FILENO) == 1)
        }
    }
}
