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

    @OptionGroup var report: ReportOptions

    @OptionGroup(title: "Sandbox run")
    var runOptions: RunOptions

    @OptionGroup var progressOptions: ProgressOptions

    func run() throws {
        let request = CheckRequest(
            image: image, configFile: report.config, format: report.format, output: report.output, failOn: report.failOn,
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
