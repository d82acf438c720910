public import ArgumentParser
import Foundation
import Reports
import Rules
import Sandbox
import TRELint

extension ReportFormat: ExpressibleByArgument {}
extension FailThreshold: ExpressibleByArgument {}
extension EngineChoice: ExpressibleByArgument {}

/// The sandbox run's options, shared by `check` and `run`.
struct RunOptions: ParsableArguments {
    @Option(help: "A folder with safe_data/ (and optionally env, args, opts files) to run the image on.")
    var fixtures: String?

    @Option(
        name: .customLong("profile"),
        help: "A run profile (repeatable): \(ProfileSpec.defaults.map(\.name).joined(separator: ", ")); all of them by default."
    )
    var profiles: [String] = []

    @Option(help: "The engine to run the image with: \(EngineChoice.allCases.map(\.rawValue).joined(separator: ", ")).")
    var engine: EngineChoice?

    @Option(name: .customLong("env-file"), help: "Environment for the container, one VAR=value a line (as ces-run --env-file).")
    var envFile: String?

    @Option(name: .customLong("arg-file"), help: "Arguments appended after the image (as ces-run --arg-file).")
    var argFile: String?

    @Option(name: .customLong("opt-file"), help: "Extra engine options (as ces-run --opt-file).")
    var optFile: String?

    @Option(help: "Time limit of the run in seconds.")
    var timeout: Double?

    @Option(name: [.short, .long], help: "Memory limit of the run in GB (ces-run's default is 4).")
    var memory: Double?

    @Option(name: [.short, .long], help: "CPU cores for the run (ces-run -c).")
    var cores: Double?

    @Option(name: .customLong("keep-outputs"), help: "Copy each profile's /safe_outputs into this folder (one subfolder per profile).")
    var keepOutputs: String?

    @Flag(name: .customLong("safe-data-rw"), help: "The project allows writing /safe_data: report modifications without TRE905.")
    var safeDataWritable = false

    @Flag(help: "Pass the host's NVIDIA devices to the container (ces-run --gpu).")
    var gpu = false

    func validate() throws {
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if let memory, !(memory > 0) { throw ValidationError("--memory must be a positive number of gigabytes") }
        if let cores, !(cores > 0) { throw ValidationError("--cores must be a positive number") }
        for name in profileNames where ProfileSpec.builtIn(named: name) == nil {
            throw ValidationError("unknown profile '\(name)'; one of \(ProfileSpec.defaults.map(\.name).joined(separator: ", "))")
        }
    }

    /// The options `.tre-lint.yaml` cannot set.
    var extras: RunExtras {
        RunExtras(optFile: optFile, keepOutputs: keepOutputs, safeDataWritable: safeDataWritable, gpu: gpu, cores: cores)
    }

    /// Profile names as given: repeated, or separated by commas.
    var profileNames: [String] {
        profiles.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// The options as run settings; profiles are validated names, so none is dropped.
    var settings: RunSettings {
        RunSettings(
            fixtures: fixtures, profiles: profileNames.isEmpty ? nil : profileNames.compactMap(ProfileSpec.builtIn(named:)),
            engine: engine, timeout: timeout, memory: memory, envFile: envFile, argFile: argFile
        )
    }
}

/// How a report is written and judged, shared by `check`, `run` and `report`.
struct ReportOptions: ParsableArguments {
    @Option(help: "The configuration file (default: .tre-lint.yaml in the working directory, then beside the Dockerfile).")
    var config: String?

    @Option(help: "Report format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ReportFormat = .tty

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding is at or above: error, warning, info, none (default: error).")
    var failOn: FailThreshold?
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check an image against every TRE rule, then run it in the sandbox (unless --no-run)."
    )

    @Argument(help: "The image: a docker-archive or oci-archive tarball, an OCI layout directory, or a transport-prefixed reference.")
    var image: String

    @Option(help: "The Dockerfile the image was built from, for findings on its lines.")
    var dockerfile: String?

    @OptionGroup var report: ReportOptions

    @Flag(name: .customLong("no-run"), help: "Static rules only; skip the sandbox run.")
    var noRun = false

    @OptionGroup(title: "Sandbox run")
    var runOptions: RunOptions

    @OptionGroup var progressOptions: ProgressOptions

    func run() throws {
        let request = CheckRequest(
            image: image, dockerfile: dockerfile, configFile: report.config, format: report.format, output: report.output,
            failOn: report.failOn, noRun: noRun, run: runOptions.settings, runExtras: runOptions.extras
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
