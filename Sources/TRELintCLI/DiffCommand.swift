public import ArgumentParser
import Foundation
import Reports
import Rules
import TRELint

extension DiffFormat: ExpressibleByArgument {}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "What changed between an approved image and its new version.",
        discussion: """
            Compares config, users, layers, files (by content digest, mode, owner, type and link), packages, CUDA, and \
            the static findings of both images. Exit codes: 0 compared; 1 with --fail-on, when a new finding reaches it; \
            2 an image or the configuration could not be used; 64 usage error.
            """
    )

    @Argument(help: "The approved image.")
    var oldImage: String

    @Argument(help: "The new version.")
    var newImage: String

    @Option(help: "Output format: tty, json or markdown.")
    var format: DiffFormat = .tty

    @Option(help: "The configuration file for the static checks (else .tre-lint.yaml in the working directory).")
    var config: String?

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a new finding is at or above this severity: error, warning, info or none (the default).")
    var failOn: FailThreshold?

    func run() throws {
        try reportingInputErrors {
            let isTerminal = isatty(STDOUT_FILENO) == 1
            let request = DiffRequest(
                old: oldImage, new: newImage, configFile: config, format: format, failOn: failOn)
            return try ImageDiffer.run(request, standardOutputIsTerminal: isTerminal)
        }
    }
}
