import ArgumentParser
import Foundation
import Reports
import Rules
import Sandbox
import TRELint

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the image as the TRE would (no network, the three mounts, each engine's users) and report what it did.",
        discussion: """
            Profiles: podman (the image's USER, root when unset; writable root), apptainer (an arbitrary uid with a \
            project group, read-only root, $HOME bound), kubernetes (an arbitrary runAsUser, fsGroup owns the volumes). \
            The runc engine needs root; podman is used as ces-run uses it. The report is check's, with only the run's \
            findings (TRE9xx).
            """
    )

    @Argument(help: "The image: a docker-archive or oci-archive tarball, an OCI layout, or a transport-prefixed reference.")
    var image: String

    @Option(help: "The configuration file (default: .tre-lint.yaml in the working directory).")
    var config: String?

    @Option(help: "Report format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ReportFormat = .tty

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding is at or above: error, warning, info, none (default: error).")
    var failOn: FailThreshold?

    @OptionGroup(title: "Sandbox run")
    var runOptions: RunOptions

    @OptionGroup var progressOptions: ProgressOptions

    func run() throws {
        let request = CheckRequest(
            image: image, configFile: config, format: format, output: output, failOn: failOn,
            run: runOptions.settings, runExtras: runOptions.extras, staticChecks: false
        )
        let progress = progressOptions.display()
        try reportingInputErrors {
            defer { progress?.clear() }
            return try CheckCore.run(request, standardOutputIsTerminal: isatty(STDOUT_FILENO) == 1) {
                try CheckAnalyzer.analyze($0, settings: $1, progress: progress)
            }
        }
    }
}
