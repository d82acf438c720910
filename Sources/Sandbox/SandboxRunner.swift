import TRECore
import Foundation
import ImageKit

#if canImport(Glibc)
import Glibc
#endif

/// Runs an image the way the TRE's engines would, under each profile, and reports what it did.
public enum SandboxRunner {
    /// Runs every profile of the request (then the renamed-inputs run) and returns the report and its violations.
    ///
    /// Throws only for unusable input (fixtures, env/arg/opt files, settings) or a host failure; a missing engine
    /// is the TRE910 violation in the outcome.
    public static func run(_ request: SandboxRequest) throws -> SandboxOutcome {
        try validate(request)
        let cleanup = CleanupStack()
        InterruptGuard.enter(cleanup)
        defer {
            cleanup.runAll()
            InterruptGuard.leave(cleanup)
            InterruptGuard.finishIfInterrupted()
        }
        let workDir = try makeWorkDir(in: request.temporaryDirectory)
        // rm stays on this filesystem, so a mount that failed to come off is never followed; it is also much faster
        // than FileManager on a gigabyte of extracted image.
        cleanup.push {
            if (try? HostTools.run("rm", ["-rf", "--one-file-system", workDir.path], timeout: 3600, interruptible: false))?.succeeded != true {
                try? FileManager.default.removeItem(at: workDir)
            }
        }
        let fixtures = try Fixtures.load(
            folder: request.fixtures, envFile: request.envFile, argFile: request.argFile, optFile: request.optFile,
            defaultsIn: workDir)

        let engine: any ContainerEngine
        switch EngineSelection.select(request.engine, image: request.image) {
        case .failure(let unavailable):
            let report = SandboxReport(engine: "none", notes: ["the sandbox could not run: \(unavailable.reason)"])
            let violation = RunViolation(
                rule: "TRE910", message: "The sandbox could not run: \(unavailable.reason). To enable it: \(unavailable.fix).",
                evidence: [unavailable.reason])
            return SandboxOutcome(report: report, violations: [violation])
        case .success(let chosen):
            engine = chosen
        }

        var notes: [String] = []
        let gpuDevices = request.gpu ? nvidiaDevices() : []
        if request.gpu {
            if gpuDevices.isEmpty {
                notes.append("cannot test GPU: this machine has no NVIDIA device (/dev/nvidia*)")
            } else if engine is RuncEngine {
                notes.append("GPU devices are passed, but under \(engine.name) the NVIDIA driver libraries are not injected; use --engine podman with the NVIDIA container toolkit for a full GPU test")
            }
        }
        if engine is RuncEngine && !fixtures.options.passthrough.isEmpty {
            notes.append("opt file options ignored under \(engine.name): \(fixtures.options.passthrough.joined(separator: " "))")
        }
        notes.append("\(request.mounts.safeData) is mounted writable over a copy so that modification attempts can be listed; the TRE mounts it read-only")

        try engine.prepare(image: request.image, workDir: workDir, cleanup: cleanup)
        let runID = String(UInt32.random(in: 0x1000_0000...0xFFFF_FFFF), radix: 16)
        let context = RunContext(request: request, engine: engine, workDir: workDir, runID: runID, gpuDevices: gpuDevices)

        try FileManager.default.createDirectory(at: workDir.appendingPathComponent("profiles"), withIntermediateDirectories: false)
        var runs: [ProfileResult] = []
        let progress = ProgressTracker(
            request.progress, stage: .running, subject: engine.name, parts: request.profiles.map { (name: $0.name, total: 1) })
        defer { progress?.finish() }
        for (position, profile) in request.profiles.enumerated() {
            try stopIfInterrupted()
            progress?.begin(part: position)
            runs.append(try context.runProfile(profile, fixtures: fixtures, suffix: "", cleanup: cleanup))
            progress?.finish(part: position)
        }

        var inputCheck: InputListCheck?
        if request.checkInputList,
           let index = runs.firstIndex(where: \.passed) {
            let profile = request.profiles[index]
            let folder = workDir.appendingPathComponent("renamed-fixtures")
            let renamed = try fixtures.renamingInputs(into: folder)
            if !renamed.renamed.isEmpty {
                try stopIfInterrupted()
                let run = try context.runProfile(profile, fixtures: renamed.fixtures, suffix: "-renamed", cleanup: cleanup)
                let log = context.fullLog(profile: profile, suffix: "-renamed")
                let oldNames = renamed.renamed.keys.sorted().filter { containsToken(log, URL(fileURLWithPath: $0).lastPathComponent) }
                inputCheck = InputListCheck(
                    profile: profile.name, renamed: renamed.renamed, updatedFiles: renamed.updatedFiles, run: run,
                    oldNamesMentioned: oldNames)
            }
        }

        let report = SandboxReport(engine: engine.name, runId: runID, profiles: runs, inputListCheck: inputCheck, notes: notes)
        let violations = Verdicts.violations(for: report, profiles: request.profiles, request: request)
        return SandboxOutcome(report: report, violations: violations)
    }

    private static func stopIfInterrupted() throws {
        if InterruptGuard.isInterrupted { throw SandboxError.engineFailed("interrupted") }
    }

    private static func validate(_ request: SandboxRequest) throws {
        let limits = request.limits
        guard limits.timeoutSeconds > 0, limits.timeoutSeconds <= 86_400 else {
            throw SandboxError.badConfiguration("timeout \(limits.timeoutSeconds) s is not between 0 and 86400")
        }
        guard limits.memoryGB >= 0.01, limits.memoryGB <= 4096 else {
            throw SandboxError.badConfiguration("memory \(limits.memoryGB) GB is not between 0.01 and 4096")
        }
        guard limits.cores > 0, limits.cores <= 1024 else { throw SandboxError.badConfiguration("cores \(limits.cores) is not between 0 and 1024") }
        guard limits.pids >= 8 else { throw SandboxError.badConfiguration("pids limit \(limits.pids) is below 8") }
        guard !request.profiles.isEmpty else { throw SandboxError.badConfiguration("no profiles to run") }
        let names = request.profiles.map(\.name)
        guard Set(names).count == names.count else { throw SandboxError.badConfiguration("a profile name is used twice") }
        for name in names where name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            throw SandboxError.badConfiguration("profile name '\(name)' may hold only letters, digits, - and _")
        }
        let paths = [request.mounts.safeData, request.mounts.scratch, request.mounts.safeOutputs]
        for path in paths where !isPlainAbsolutePath(path) || path.contains(",") {
            throw SandboxError.badConfiguration("mount path \(path) is not a plain absolute path")
        }
        guard Set(paths).count == 3 else { throw SandboxError.badConfiguration("the three mount paths must differ") }
    }

    private static func makeWorkDir(in folder: URL?) throws -> URL {
        let base = (folder ?? FileManager.default.temporaryDirectory).path
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast()) + Array("tre-lint-run-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SandboxError.engineFailed("cannot create a temporary directory under \(base): \(errnoText())")
        }
        let path = String(cString: made)
        // Overlay mount options separate paths with ':' and ','.
        guard !path.contains(":"), !path.contains(",") else {
            rmdir(path)
            throw SandboxError.engineFailed("the temporary directory \(path) contains ':' or ','; set TMPDIR to a plain path")
        }
        return URL(fileURLWithPath: path)
    }

    private static func nvidiaDevices() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
        return names.filter { $0.hasPrefix("nvidia") }.sorted().map { "/dev/" + $0 }
    }
}

/// What every profile run of one request shares.
struct RunContext {
    var request: SandboxRequest
    var engine: any ContainerEngine
    var workDir: URL
    var runID: String
    var gpuDevices: [String]

    static let homePath = "/home/researcher"

    func folder(profile: ProfileSpec, suffix: String) -> URL {
        workDir.appendingPathComponent("profiles").appendingPathComponent(profile.name + suffix)
    }

    func fullLog(profile: ProfileSpec, suffix: String) -> String {
        let log = folder(profile: profile, suffix: suffix).appendingPathComponent("output.log")
        return (try? Data(contentsOf: log)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// One container run under one profile, with fresh mounts, namespace and cgroup, all removed afterwards.
    func runProfile(_ profile: ProfileSpec, fixtures: Fixtures, suffix: String, cleanup: CleanupStack) throws -> ProfileResult {
        let local = CleanupStack()
        let token = cleanup.push { local.runAll() }
        defer { cleanup.run(token) }
        let manager = FileManager.default
        let dir = folder(profile: profile, suffix: suffix)
        // Without intermediates: after Ctrl-C has removed the work folder, this fails instead of recreating it.
        try manager.createDirectory(at: dir, withIntermediateDirectories: false)
        let id = "\(runID)-\(profile.name.lowercased())\(suffix)"

        let uid: Int, gid: Int
        var groups: [Int] = []
        let projectGID = profile.projectGID ?? Int.random(in: 2000...59_999)
        let identity: ProcessIdentity
        switch profile.user {
        case .image:
            let configured = request.image.config.user ?? ""
            uid = Int(configured.split(separator: ":").first ?? "0") ?? 0
            gid = 0
            identity = .image(configured.isEmpty ? nil : configured)
        case .arbitrary:
            uid = profile.uid ?? Self.arbitraryUID()
            switch profile.group {
            case .project: gid = projectGID
            case .root, .image: gid = 0
            }
            if profile.fsGroup && gid != projectGID { groups = [projectGID] }
            identity = .fixed(uid: uid, gid: gid, groups: groups)
        }
        func owner(_ ownership: MountOwnership) -> (uid: Int, gid: Int, mode: UInt32) {
            (ownership.owner.resolve(uid: uid, projectGID: projectGID), ownership.group.resolve(uid: uid, projectGID: projectGID),
             ownership.permissionBits ?? 0o755)
        }

        // /safe_data: a copy owned as the profile says, under an overlay whose upper directory records modifications.
        let dataLower = dir.appendingPathComponent("safe_data-lower"), dataUpper = dir.appendingPathComponent("safe_data-upper")
        let dataWork = dir.appendingPathComponent("safe_data-work"), dataMerged = dir.appendingPathComponent("safe_data")
        try copyTree(from: fixtures.safeData, to: dataLower)
        let dataOwner = owner(profile.mounts.safeData)
        try setOwnership(tree: dataLower, uid: dataOwner.uid, gid: dataOwner.gid, topMode: dataOwner.mode)
        for folder in [dataUpper, dataWork, dataMerged] { try manager.createDirectory(at: folder, withIntermediateDirectories: true) }
        try setOwnership(path: dataUpper.path, uid: dataOwner.uid, gid: dataOwner.gid, mode: dataOwner.mode)
        let options = "lowerdir=\(dataLower.path),upperdir=\(dataUpper.path),workdir=\(dataWork.path)"
        guard mount("overlay", dataMerged.path, "overlay", UInt(MS_NODEV | MS_NOSUID), options) == 0 else {
            throw SandboxError.engineFailed("cannot mount the safe_data overlay: \(errnoText())")
        }
        local.push { _ = umount2(dataMerged.path, Int32(MNT_DETACH)) }

        let scratch = dir.appendingPathComponent("scratch"), outputs = dir.appendingPathComponent("safe_outputs")
        for (folder, ownership) in [(scratch, profile.mounts.scratch), (outputs, profile.mounts.safeOutputs)] {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            let o = owner(ownership)
            try setOwnership(path: folder.path, uid: o.uid, gid: o.gid, mode: o.mode)
        }
        let resolv = dir.appendingPathComponent("resolv.conf"), hosts = dir.appendingPathComponent("hosts")
        try Data("nameserver \(NetworkObserver.nameserver)\noptions timeout:1 attempts:1\n".utf8).write(to: resolv)
        try Data("127.0.0.1\tlocalhost tre-lint\n::1\tlocalhost\n".utf8).write(to: hosts)
        _ = chmod(resolv.path, 0o644); _ = chmod(hosts.path, 0o644)

        var binds = [
            BindMount(source: dataMerged.path, destination: request.mounts.safeData, readOnly: false),
            BindMount(source: scratch.path, destination: request.mounts.scratch, readOnly: false),
            BindMount(source: outputs.path, destination: request.mounts.safeOutputs, readOnly: false),
            BindMount(source: resolv.path, destination: "/etc/resolv.conf", readOnly: true),
            BindMount(source: hosts.path, destination: "/etc/hosts", readOnly: true),
        ]
        var environment = fixtures.environment + fixtures.options.environment
        if profile.bindHome {
            let home = dir.appendingPathComponent("home")
            try manager.createDirectory(at: home, withIntermediateDirectories: true)
            try setOwnership(path: home.path, uid: uid, gid: gid, mode: 0o700)
            binds.append(BindMount(source: home.path, destination: Self.homePath, readOnly: false))
            environment.insert("HOME=\(Self.homePath)", at: 0)
        }

        let observer = NetworkObserver(namespaceName: "tre-lint-" + id)
        try observer.start(cleanup: local)
        let cgroup = try ResourceCgroup(name: "tre-lint-" + id, limits: request.limits, cleanup: local)
        let spec = ContainerSpec(
            id: id, identity: identity, arguments: fixtures.arguments, environment: environment,
            workingDir: fixtures.options.workingDir, entrypointOverride: fixtures.options.entrypoint,
            readOnlyRoot: profile.readOnlyRoot, binds: binds, networkNamespace: observer.namespacePath, cgroup: cgroup,
            limits: request.limits, logFile: dir.appendingPathComponent("output.log"),
            extraOptions: fixtures.options.passthrough, gpuDevices: gpuDevices)
        let result = try engine.run(spec, workDir: dir, cleanup: local)
        let attempts = observer.stop()
        let peak = cgroup.peakMemoryBytes
        // A SIGKILL the sandbox did not send, right after memory hit the limit, is the OOM killer's.
        let outOfMemory = cgroup.oomKills > 0 || (result.signal == "SIGKILL" && !result.timedOut && cgroup.reachedMemoryLimit)
        let pidsHit = cgroup.reachedPidsLimit
        let written = listFiles(under: outputs)
        let modifications = overlayChanges(in: dataUpper)
        if let keep = request.keepOutputs, suffix.isEmpty {
            try copyTree(from: outputs, to: keep.appendingPathComponent(profile.name))
        }
        var run = ProfileResult(
            name: profile.name, exitCode: result.exitCode, signal: result.signal,
            durationSeconds: (result.durationSeconds * 1000).rounded() / 1000, outputs: written, networkAttempts: attempts,
            writesOutsideAllowed: result.rootWrites, safeDataModifications: modifications, peakMemoryBytes: peak,
            timedOut: result.timedOut, outOfMemory: outOfMemory, pidsLimitHit: pidsHit, user: result.user,
            readOnlyRoot: profile.readOnlyRoot, outputTail: nil, reason: result.reason)
        if !run.passed { run.outputTail = tail(of: spec.logFile, lines: 20) }
        if result.reason != nil { run.peakMemoryBytes = nil }
        return run
    }

    /// An ordinary non-root uid that no image is likely to have planned for.
    static func arbitraryUID() -> Int {
        Int.random(in: 1000...59_999)
    }
}

/// Sets owner and mode of one directory.
func setOwnership(path: String, uid: Int, gid: Int, mode: UInt32) throws {
    guard chown(path, uid_t(uid), gid_t(gid)) == 0, chmod(path, mode_t(mode)) == 0 else {
        throw SandboxError.engineFailed("cannot set owner and mode of \(path): \(errnoText())")
    }
}

/// Gives a copied tree the profile's owner and group, and the group read access the mount's mode implies.
func setOwnership(tree root: URL, uid: Int, gid: Int, topMode: UInt32) throws {
    try setOwnership(path: root.path, uid: uid, gid: gid, mode: topMode)
    guard let walker = FileManager.default.enumerator(atPath: root.path) else { return }
    while let relative = walker.nextObject() as? String {
        let path = root.path + "/" + relative
        var info = stat()
        guard lstat(path, &info) == 0 else { continue }
        _ = lchown(path, uid_t(uid), gid_t(gid))
        switch info.st_mode & S_IFMT {
        case S_IFDIR: _ = chmod(path, (info.st_mode & 0o7777) | 0o050)
        case S_IFREG: _ = chmod(path, (info.st_mode & 0o7777) | 0o040)
        default: break
        }
    }
}

/// Files under a folder, relative to it, sorted; symlinks are listed, not followed.
func listFiles(under root: URL) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
    var files: [String] = []
    while let relative = walker.nextObject() as? String {
        var info = stat()
        guard lstat(root.path + "/" + relative, &info) == 0 else { continue }
        if info.st_mode & S_IFMT != S_IFDIR { files.append(relative) }
    }
    return files.sorted()
}

/// The last lines of a log, each cut to a readable length.
func tail(of file: URL, lines count: Int) -> [String] {
    guard let handle = try? FileHandle(forReadingFrom: file) else { return [] }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    try? handle.seek(toOffset: size > 16_384 ? size - 16_384 : 0)
    let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    return text.split(whereSeparator: \.isNewline).suffix(count).map { $0.count > 300 ? String($0.prefix(300)) + "…" : String($0) }
}
