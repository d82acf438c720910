public import TRECore
public import Foundation
public import ImageKit

/// A problem with the sandbox's input: one line naming it, printed by the CLI before it exits 2.
public enum SandboxError: Error, CustomStringConvertible, Equatable {
    case badConfiguration(String)
    case badFixtures(String)
    case engineFailed(String)

    public var description: String {
        switch self {
        case .badConfiguration(let text): "configuration: \(text)"
        case .badFixtures(let text): "fixtures: \(text)"
        case .engineFailed(let text): "sandbox: \(text)"
        }
    }
}

/// The image to run: its config, a way to extract its root filesystem, and the archive podman can load.
public struct SandboxImage: Sendable {
    public var config: ContainerConfig
    /// The image archive as podman can load it (`docker-archive`/`oci-archive` path); nil when only runc can run it.
    public var archivePath: String?
    /// Writes the merged root filesystem into an empty directory (ImageKit's safe extraction).
    public var extractRootFilesystem: @Sendable (URL) throws -> Void

    public init(config: ContainerConfig, archivePath: String?, extractRootFilesystem: @escaping @Sendable (URL) throws -> Void) {
        self.config = config; self.archivePath = archivePath; self.extractRootFilesystem = extractRootFilesystem
    }
}

/// Resource limits of one container run.
public struct SandboxLimits: Sendable, Equatable {
    public var timeoutSeconds: Double
    /// Memory limit in GB (`ces-run -m`, default 4).
    public var memoryGB: Double
    public var cores: Double
    public var pids: Int
    /// What the TRE gives a job that asks for no memory (ces-run's 4 GB): peaking above it is TRE909.
    public var memoryWarningGB: Double

    public init(timeoutSeconds: Double = 600, memoryGB: Double = 4, cores: Double = 1, pids: Int = 1024, memoryWarningGB: Double = 4) {
        self.timeoutSeconds = timeoutSeconds; self.memoryGB = memoryGB; self.cores = cores; self.pids = pids
        self.memoryWarningGB = memoryWarningGB
    }

    var memoryBytes: Int64 { Int64((memoryGB * 1_073_741_824).rounded()) }
    var memoryWarningBytes: Int64 { Int64((memoryWarningGB * 1_073_741_824).rounded()) }
}

/// Everything one sandbox run needs.
public struct SandboxRequest: Sendable {
    public var image: SandboxImage
    public var profiles: [ProfileSpec]
    public var mounts: MountPoints
    /// A folder with `safe_data/` and optional `env`, `args`, `opts`; a small built-in set when nil.
    public var fixtures: URL?
    public var envFile: URL?
    public var argFile: URL?
    public var optFile: URL?
    public var limits: SandboxLimits
    public var engine: EngineChoice
    /// Where each profile's `/safe_outputs` is copied after the run, one folder per profile.
    public var keepOutputs: URL?
    /// The project lets containers write `/safe_data`: modifications are reported but are not TRE905.
    public var safeDataWritable: Bool
    public var gpu: Bool
    /// Runs the TRE908 second run with renamed inputs.
    public var checkInputList: Bool
    /// Where the run's temporary folder goes; the system's temporary directory when nil.
    public var temporaryDirectory: URL?
    /// Told which profile runs; nil for silence.
    public var progress: (any ProgressHandler)?

    public init(
        image: SandboxImage, profiles: [ProfileSpec] = ProfileSpec.defaults, mounts: MountPoints = .standard,
        fixtures: URL? = nil, envFile: URL? = nil, argFile: URL? = nil, optFile: URL? = nil,
        limits: SandboxLimits = SandboxLimits(), engine: EngineChoice = .auto, keepOutputs: URL? = nil,
        safeDataWritable: Bool = false, gpu: Bool = false, checkInputList: Bool = true, temporaryDirectory: URL? = nil
    ) {
        self.image = image; self.profiles = profiles; self.mounts = mounts; self.fixtures = fixtures
        self.envFile = envFile; self.argFile = argFile; self.optFile = optFile; self.limits = limits
        self.engine = engine; self.keepOutputs = keepOutputs; self.safeDataWritable = safeDataWritable
        self.gpu = gpu; self.checkInputList = checkInputList; self.temporaryDirectory = temporaryDirectory
    }
}

extension SandboxRequest {
    /// A request from `.tre-lint.yaml`'s `run:` and `mounts:` sections (paths already absolute), with `tre.md`'s
    /// defaults where they are silent: all three profiles, engine chosen automatically, 600 s, 4 GB, 1 core.
    public init(image: SandboxImage, settings: RunSettings, mounts: MountPoints = .standard, optFile: URL? = nil) {
        func url(_ path: String?) -> URL? { path.map { URL(fileURLWithPath: $0) } }
        self.init(
            image: image, profiles: settings.profiles ?? ProfileSpec.defaults, mounts: mounts, fixtures: url(settings.fixtures),
            envFile: url(settings.envFile), argFile: url(settings.argFile), optFile: optFile,
            limits: SandboxLimits(
                timeoutSeconds: settings.timeout ?? 600, memoryGB: settings.memory ?? 4, memoryWarningGB: settings.memoryWarning ?? 4),
            engine: settings.engine ?? .auto)
    }
}

/// One attempt of the container to reach the network, as observed in its private network namespace.
public struct NetworkAttempt: Codable, Sendable, Equatable, Hashable {
    /// `dns`, `tcp` or `udp`.
    public var kind: String
    /// The name it tried to resolve (`dns`).
    public var name: String?
    /// The address it tried to reach.
    public var address: String?
    public var port: Int?

    public init(kind: String, name: String? = nil, address: String? = nil, port: Int? = nil) {
        self.kind = kind; self.name = name; self.address = address; self.port = port
    }

    /// "resolve example.org" or "tcp 203.0.113.7:443".
    public var summary: String {
        if kind == "dns", let name { return "resolve \(name)" }
        let host = (address ?? "?").contains(":") ? "[\(address ?? "?")]" : (address ?? "?")
        return "\(kind) \(host):\(port.map(String.init) ?? "?")"
    }
}

/// What one profile's run did: the `run.profiles[]` object of the JSON report.
public struct ProfileResult: Codable, Sendable, Equatable {
    public var name: String
    /// nil when the container never started (see `reason`).
    public var exitCode: Int?
    /// `SIGKILL` and the like, when the container was killed.
    public var signal: String?
    public var durationSeconds: Double
    /// Files written under `/safe_outputs`, relative to it.
    public var outputs: [String]
    public var networkAttempts: [NetworkAttempt]
    /// Paths written (or deleted, `deleted /path`) outside the allowed places.
    public var writesOutsideAllowed: [String]
    /// Paths under `/safe_data` created, changed or deleted.
    public var safeDataModifications: [String]
    public var peakMemoryBytes: Int64?
    public var timedOut: Bool
    public var outOfMemory: Bool
    public var pidsLimitHit: Bool
    /// `uid:gid` the process ran as.
    public var user: String
    public var readOnlyRoot: Bool
    /// The last lines of stdout and stderr, kept when the run failed.
    public var outputTail: [String]?
    /// Why the container could not start, when it did not.
    public var reason: String?

    /// The run finished on its own with exit code 0.
    public var passed: Bool { exitCode == 0 && !timedOut && signal == nil && reason == nil }
}

/// The sandbox's second run with renamed inputs (TRE908).
public struct InputListCheck: Codable, Sendable, Equatable {
    public var profile: String
    /// Original name → new name, relative to `/safe_data`.
    public var renamed: [String: String]
    /// The files (env, args, opts, or files under `safe_data`) updated to name the new inputs.
    public var updatedFiles: [String]
    public var run: ProfileResult
    /// Old input names that the output mentions: evidence it still opened them.
    public var oldNamesMentioned: [String]
}

/// The `run` object of the JSON report.
public struct SandboxReport: Codable, Sendable, Equatable {
    public var engine: String
    /// The id in the names of the run's network namespaces, cgroups and containers (`tre-lint-ID-PROFILE`).
    public var runId: String?
    public var profiles: [ProfileResult]
    public var inputListCheck: InputListCheck?
    /// What the run could not test, or did differently from the TRE ("cannot test GPU: no NVIDIA device").
    public var notes: [String]

    public init(
        engine: String, runId: String? = nil, profiles: [ProfileResult] = [], inputListCheck: InputListCheck? = nil, notes: [String] = []
    ) {
        self.engine = engine; self.runId = runId; self.profiles = profiles; self.inputListCheck = inputListCheck; self.notes = notes
    }
}

/// A TRE9xx finding before the catalog gives it a severity, title and fix.
public struct RunViolation: Codable, Sendable, Equatable {
    public var rule: String
    public var message: String
    /// The profile it concerns; nil for the whole run.
    public var profile: String?
    /// The observations behind it: paths, addresses, output lines.
    public var evidence: [String]

    public init(rule: String, message: String, profile: String? = nil, evidence: [String] = []) {
        self.rule = rule; self.message = message; self.profile = profile; self.evidence = evidence
    }
}

/// The report and the violations of one sandbox run.
public struct SandboxOutcome: Codable, Sendable, Equatable {
    public var report: SandboxReport
    public var violations: [RunViolation]
}

extension SandboxImage {
    /// The sandbox's view of an image ImageKit loaded: its config, its safe extraction (reporting to `progress`),
    /// and the archive podman loads.
    public init(_ image: Image, progress: (any ProgressHandler)? = nil) {
        let archive: String?
        switch image.reference.source {
        case .path(let path), .dockerArchive(let path), .ociArchive(let path): archive = path
        case .ociLayout(let directory, _): archive = "oci:" + directory
        case .podman, .dockerDaemon: archive = image.exportedArchivePath
        }
        self.init(config: image.config.config ?? ContainerConfig(), archivePath: archive) { target in
            try image.extractRootFilesystem(to: target, options: ExtractionOptions(progress: progress))
        }
    }
}
