import Foundation
import ImageKit

#if canImport(Glibc)
import Glibc
#endif

/// Who the container process runs as.
enum ProcessIdentity: Equatable {
    /// The image's `USER` (root when unset), resolved against the image's own `/etc/passwd`.
    case image(String?)
    case fixed(uid: Int, gid: Int, groups: [Int])
}

/// A bind mount from the run's folder into the container.
struct BindMount {
    var source: String
    var destination: String
    var readOnly: Bool
}

/// One container run, engine-neutral.
struct ContainerSpec {
    var id: String
    var identity: ProcessIdentity
    var arguments: [String]
    /// Added to (and overriding) the image's `Env`.
    var environment: [String]
    var workingDir: String?
    var entrypointOverride: String?
    var readOnlyRoot: Bool
    var binds: [BindMount]
    var networkNamespace: String
    var cgroup: ResourceCgroup
    var limits: SandboxLimits
    var logFile: URL
    var extraOptions: [String]
    var gpuDevices: [String]
}

/// What the engine saw of one container run.
struct ContainerResult {
    var exitCode: Int?
    var signal: String?
    var durationSeconds: Double
    var timedOut: Bool
    /// Paths in the container's root filesystem created or changed (and `deleted /path` for removals).
    var rootWrites: [String]
    /// `uid:gid` the process ran as.
    var user: String
    /// Why the container never started.
    var reason: String?
}

/// A way to run containers: runc or crun on an extracted root filesystem, or podman with its own image store.
protocol ContainerEngine: AnyObject {
    var name: String { get }
    /// Makes the image runnable (extracts or loads it) once for all profiles.
    func prepare(image: SandboxImage, workDir: URL, cleanup: CleanupStack) throws
    func run(_ spec: ContainerSpec, workDir: URL, cleanup: CleanupStack) throws -> ContainerResult
}

/// The engines tre-lint knows, and why one cannot be used here.
enum EngineSelection {
    /// The engine to use for a choice, or the reason none can be used and how to enable one (TRE910).
    static func select(_ choice: EngineChoice, image: SandboxImage) -> Result<any ContainerEngine, EngineUnavailable> {
        let order: [EngineChoice] = choice == .auto ? [.runc, .crun, .podman] : [choice]
        var reasons: [String] = []
        for candidate in order {
            switch availability(candidate, image: image) {
            case .success(let engine): return .success(engine)
            case .failure(let reason): reasons.append(reason.reason)
            }
        }
        return .failure(EngineUnavailable(
            reason: reasons.joined(separator: "; "),
            fix: choice == .auto || choice == .runc || choice == .crun
                ? "run tre-lint as root with runc installed (apt-get install runc), or install podman and pass --engine podman"
                : "install \(choice.rawValue), or use --engine runc (as root)"))
    }

    private static func availability(_ choice: EngineChoice, image: SandboxImage) -> Result<any ContainerEngine, EngineUnavailable> {
        func unavailable(_ reason: String) -> Result<any ContainerEngine, EngineUnavailable> {
            .failure(EngineUnavailable(reason: reason, fix: ""))
        }
        switch choice {
        case .auto:
            return unavailable("no engine")
        case .runc, .crun:
            let binary = choice.rawValue
            guard let path = HostTools.locate(binary) else { return unavailable("\(binary) is not installed") }
            guard geteuid() == 0 else {
                return unavailable("\(binary) needs root to mount the overlay, cgroups and network namespace (running as uid \(geteuid()))")
            }
            // crun only drives cgroup v2 in the way tre-lint nests cgroups; on v1 hosts it fails to start containers.
            if choice == .crun && !FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") {
                return unavailable("crun cannot manage this host's cgroup v1 hierarchy")
            }
            guard HostTools.locate("ip") != nil else { return unavailable("ip (iproute2) is not installed") }
            return .success(RuncEngine(runtime: path))
        case .podman:
            guard let path = HostTools.locate("podman") else { return unavailable("podman is not installed") }
            guard image.archivePath != nil else { return unavailable("podman needs the image as an archive to load") }
            guard geteuid() == 0 else {
                return unavailable("podman observation needs root for the network namespace and cgroups (running as uid \(geteuid()))")
            }
            return .success(PodmanEngine(podman: path))
        case .docker, .apptainer:
            if HostTools.locate(choice.rawValue) == nil { return unavailable("\(choice.rawValue) is not installed") }
            return unavailable("tre-lint does not drive \(choice.rawValue) yet; its profile is emulated under runc or podman")
        }
    }
}

/// Why the sandbox cannot run here (TRE910).
struct EngineUnavailable: Error {
    var reason: String
    var fix: String
}

/// Signal names for exit statuses above 128, which both runc and podman use for a killed container.
func signalName(forExitStatus status: Int) -> String? {
    let names = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
                 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM"]
    guard status > 128 else { return nil }
    return names[status - 128]
}

/// How the engine's foreground process ended.
struct ForegroundRun {
    var status: Int32
    /// The engine process itself died of a signal (so `status` is not the container's).
    var engineKilled: Bool
    /// False when the time limit ran out and the container was killed.
    var finished: Bool
    var durationSeconds: Double
}

/// Runs an engine's foreground `run` with the container's output in `logFile`, killing the container through
/// `killContainer` when the time limit runs out, and the engine process itself if it does not then return.
func runInForeground(
    _ executable: String, _ arguments: [String], logFile: URL, timeout: Double, killContainer: () -> Void
) throws -> ForegroundRun {
    _ = FileManager.default.createFile(atPath: logFile.path, contents: Data())
    let log = try FileHandle(forWritingTo: logFile)
    defer { try? log.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    // Engines leave files in their working directory (podman's conmon writes `oom` there when the container is
    // killed for memory): start them in the run's own folder, never in the user's.
    process.currentDirectoryURL = logFile.deletingLastPathComponent()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = log
    process.standardError = log
    let started = Date()
    try process.run()
    InterruptGuard.track(process.processIdentifier)
    defer { InterruptGuard.untrack(process.processIdentifier) }
    let finished = HostTools.wait(for: process, timeout: timeout)
    if !finished {
        killContainer()
        if !HostTools.wait(for: process, timeout: 30) {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
    return ForegroundRun(
        status: process.terminationStatus, engineKilled: process.terminationReason == .uncaughtSignal, finished: finished,
        durationSeconds: Date().timeIntervalSince(started))
}
