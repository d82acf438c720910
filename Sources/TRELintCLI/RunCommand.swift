import ArgumentParser
import Foundation
import Sandbox
import TRELint

/// `run --format` values.
enum RunFormat: String, ExpressibleByArgument, CaseIterable {
    case tty, json
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the image as the TRE would (no network, the three mounts, each engine's users) and report what it did.",
        discussion: """
            Profiles: podman (the image's USER, root when unset; writable root), apptainer (an arbitrary uid with a \
            project group, read-only root, $HOME bound), kubernetes (an arbitrary runAsUser, fsGroup owns the volumes). \
            The runc engine needs root; podman is used as ces-run uses it.
            """
    )

    @Argument(help: "The image: a docker-archive or oci-archive tarball, an OCI layout, or a transport-prefixed reference.")
    var image: String

    @Option(help: "A folder holding safe_data/ and optionally env, args and opts files in ces-run's formats.")
    var fixtures: String?

    @Option(help: "A profile to run (podman, apptainer, kubernetes); repeat or separate with commas. Default: all.")
    var profile: [String] = []

    @Option(help: "auto, runc, crun, podman, docker or apptainer.")
    var engine: String = "auto"

    @Option(help: "VAR=value lines passed to the container (ces-run --env-file).")
    var envFile: String?

    @Option(help: "Arguments appended after the image, replacing its CMD (ces-run --arg-file).")
    var argFile: String?

    @Option(help: "Extra engine options (ces-run --opt-file); options that loosen isolation are refused.")
    var optFile: String?

    @Option(help: "Seconds before the container is killed.")
    var timeout: Double = 600

    @Option(name: [.short, .long], help: "Memory limit in GB (ces-run's default is 4).")
    var memory: Double = 4

    @Option(name: [.short, .long], help: "CPU cores.")
    var cores: Double = 1

    @Option(help: "Copy each profile's /safe_outputs into this folder (one subfolder per profile).")
    var keepOutputs: String?

    @Flag(help: "The project allows writing /safe_data: report modifications without TRE905.")
    var safeDataRw = false

    @Flag(help: "Pass the host's NVIDIA devices to the container.")
    var gpu = false

    @Option(help: "Output format: tty or json.")
    var format: RunFormat = .tty

    func validate() throws {
        guard EngineChoice(rawValue: engine) != nil else {
            throw ValidationError("--engine \(engine) is not one of \(EngineChoice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try reportingInputErrors {
            let request = RunImageRequest(
                image: image, fixtures: fixtures,
                profiles: profile.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
                engine: EngineChoice(rawValue: engine) ?? .auto, envFile: envFile, argFile: argFile, optFile: optFile,
                limits: SandboxLimits(timeoutSeconds: timeout, memoryGB: memory, cores: cores, pids: 1024),
                keepOutputs: keepOutputs, safeDataWritable: safeDataRw, gpu: gpu)
            let report = try RunImage.execute(request)
            print(format == .json ? try RunImage.json(report) : RunImage.tty(report), terminator: format == .json ? "\n" : "")
            return report.exitCode
        }
    }
}
