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

    @OptionGroup var options: ReportOptions

    @Option(help: "The Dockerfile check was given (a configuration beside it is found as check finds it).")
    var dockerfile: String?

    func run() throws {
        let request = CheckRequest(
            image: report, dockerfile: dockerfile, configFile: options.config, format: options.format, output: options.output,
            failOn: options.failOn)
        try reportingInputErrors {
            try SavedReport.run(reportPath: report, request, standardOutputIsTerminal: isatty(STDOUT_FILENO) == 1)
        }
    }
}
