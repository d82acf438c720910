import Foundation
import ImageKit

#if canImport(Glibc)
import Glibc
#endif

/// Runs the container with runc (or crun) from an OCI runtime bundle over the extracted root filesystem.
///
/// The root filesystem is an overlay: the extracted image below, a fresh upper directory per run above. The upper
/// directory then holds exactly what the container wrote, and the extraction stays pristine for the next profile.
final class RuncEngine: ContainerEngine {
    let runtime: String
    private var rootfs: URL?
    private var imageConfig = ContainerConfig()

    var name: String { URL(fileURLWithPath: runtime).lastPathComponent }

    init(runtime: String) {
        self.runtime = runtime
    }

    func prepare(image: SandboxImage, workDir: URL, cleanup: CleanupStack) throws {
        let rootfs = workDir.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        try image.extractRootFilesystem(rootfs)
        self.rootfs = rootfs
        imageConfig = image.config
    }

    func run(_ spec: ContainerSpec, workDir: URL, cleanup: CleanupStack) throws -> ContainerResult {
        guard let rootfs else { throw SandboxError.engineFailed("the root filesystem was not extracted") }
        let manager = FileManager.default
        let dir = workDir.appendingPathComponent(spec.id)
        let stub = dir.appendingPathComponent("mountpoints"), upper = dir.appendingPathComponent("upper")
        let work = dir.appendingPathComponent("overlay-work"), merged = dir.appendingPathComponent("merged")
        let bundle = dir.appendingPathComponent("bundle"), state = dir.appendingPathComponent("state")
        for folder in [stub, upper, work, merged, bundle, state] {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        let identity: (uid: Int, gid: Int, groups: [Int], home: String)
        do {
            identity = try resolveIdentity(spec.identity, rootfs: rootfs)
        } catch let failure as IdentityFailure {
            return ContainerResult(exitCode: nil, signal: nil, durationSeconds: 0, timedOut: false, rootWrites: [],
                                   user: failure.user, reason: failure.message)
        }
        var environment = Environment(image: imageConfig.env ?? [])
        environment.setDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        environment.setDefault("HOME", identity.home)
        environment.set("HOSTNAME", "tre-lint")
        for entry in spec.environment { environment.set(entry) }
        let entrypoint = spec.entrypointOverride.map { [$0] } ?? (imageConfig.entrypoint ?? [])
        let command = spec.entrypointOverride != nil || !spec.arguments.isEmpty ? spec.arguments : (imageConfig.cmd ?? [])
        let arguments = entrypoint + command
        let user = "\(identity.uid):\(identity.gid)"
        guard !arguments.isEmpty else {
            return ContainerResult(exitCode: nil, signal: nil, durationSeconds: 0, timedOut: false, rootWrites: [],
                                   user: user, reason: "the image has neither Entrypoint nor Cmd: there is nothing to run")
        }
        let workingDir = spec.workingDir ?? imageConfig.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"

        // Mount points live in a layer of their own, so neither the engine nor the mounts show up as writes.
        var directories = ["dev", "proc", "sys", String(workingDir.dropFirst())]
        var files: [String] = []
        for bind in spec.binds {
            var isDir: ObjCBool = false
            _ = manager.fileExists(atPath: bind.source, isDirectory: &isDir)
            if isDir.boolValue { directories.append(String(bind.destination.dropFirst())) } else { files.append(String(bind.destination.dropFirst())) }
        }
        for relative in directories where !relative.isEmpty {
            try manager.createDirectory(at: stub.appendingPathComponent(relative), withIntermediateDirectories: true)
        }
        for relative in files {
            let target = stub.appendingPathComponent(relative)
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = manager.createFile(atPath: target.path, contents: Data())
        }

        let options = "lowerdir=\(stub.path):\(rootfs.path),upperdir=\(upper.path),workdir=\(work.path)"
        guard mount("overlay", merged.path, "overlay", 0, options) == 0 else {
            throw SandboxError.engineFailed("cannot mount the overlay root filesystem: \(errnoText())")
        }
        let unmount = cleanup.push { _ = umount2(merged.path, Int32(MNT_DETACH)) }

        let bundleConfig = ociConfig(
            spec: spec, root: merged.path, uid: identity.uid, gid: identity.gid, groups: identity.groups,
            arguments: arguments, environment: environment.entries, workingDir: workingDir)
        try JSONSerialization.data(withJSONObject: bundleConfig, options: [.prettyPrinted, .sortedKeys])
            .write(to: bundle.appendingPathComponent("config.json"))

        _ = manager.createFile(atPath: spec.logFile.path, contents: Data())
        let log = try FileHandle(forWritingTo: spec.logFile)
        defer { try? log.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runtime)
        process.arguments = ["--root", state.path, "run", "--bundle", bundle.path, spec.id]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        let started = Date()
        try process.run()
        let removeContainer = cleanup.push { [runtime] in
            _ = try? HostTools.run(runtime, ["--root", state.path, "kill", spec.id, "KILL"], timeout: 10)
            _ = try? HostTools.run(runtime, ["--root", state.path, "delete", "--force", spec.id], timeout: 30)
        }
        let finished = HostTools.wait(for: process, timeout: spec.limits.timeoutSeconds)
        if !finished {
            _ = try? HostTools.run(runtime, ["--root", state.path, "kill", spec.id, "KILL"], timeout: 10)
            if !HostTools.wait(for: process, timeout: 10) {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        let duration = Date().timeIntervalSince(started)
        cleanup.run(removeContainer)

        let status = Int(process.terminationStatus)
        let killedRuntime = process.terminationReason == .uncaughtSignal
        let writes = overlayChanges(in: upper)
        cleanup.run(unmount)
        return ContainerResult(
            exitCode: killedRuntime ? nil : status,
            signal: !finished ? "SIGKILL" : signalName(forExitStatus: status),
            durationSeconds: duration, timedOut: !finished, rootWrites: writes, user: user, reason: nil)
    }


    private func ociConfig(
        spec: ContainerSpec, root: String, uid: Int, gid: Int, groups: [Int], arguments: [String], environment: [String],
        workingDir: String
    ) -> [String: Any] {
        let noCapabilities: [String: Any] = ["bounding": [], "effective": [], "permitted": [], "inheritable": [], "ambient": []]
        var mounts: [[String: Any]] = [
            ["destination": "/proc", "type": "proc", "source": "proc"],
            ["destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]],
            ["destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]],
            ["destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]],
            ["destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]],
            ["destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]],
        ]
        for bind in spec.binds {
            mounts.append(["destination": bind.destination, "type": "bind", "source": bind.source,
                           "options": ["rbind", "nosuid", "nodev", bind.readOnly ? "ro" : "rw"]])
        }
        var devices: [[String: Any]] = []
        var deviceRules: [[String: Any]] = [["allow": false, "access": "rwm"]]
        for path in spec.gpuDevices {
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFCHR else { continue }
            let device = UInt64(info.st_rdev)
            // glibc's major()/minor() macros, which Swift does not import.
            let major = Int(((device >> 8) & 0xFFF) | ((device >> 32) & ~0xFFF))
            let minor = Int((device & 0xFF) | ((device >> 12) & ~0xFF))
            devices.append(["path": path, "type": "c", "major": major, "minor": minor, "fileMode": 0o666, "uid": 0, "gid": 0])
            deviceRules.append(["allow": true, "type": "c", "major": major, "minor": minor, "access": "rwm"])
        }
        let period = 100_000
        return [
            "ociVersion": "1.0.2",
            "process": [
                "terminal": false,
                "user": ["uid": uid, "gid": gid, "additionalGids": groups],
                "args": arguments, "env": environment, "cwd": workingDir,
                "capabilities": noCapabilities,
                "rlimits": [["type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024]],
                "noNewPrivileges": true,
            ] as [String: Any],
            "root": ["path": root, "readonly": spec.readOnlyRoot],
            "hostname": "tre-lint",
            "mounts": mounts,
            "linux": [
                "namespaces": [["type": "pid"], ["type": "ipc"], ["type": "uts"], ["type": "mount"],
                               ["type": "network", "path": spec.networkNamespace]],
                "cgroupsPath": spec.cgroup.path + "/" + spec.id,
                "devices": devices,
                "resources": [
                    "devices": deviceRules,
                    "cpu": ["quota": Int((spec.limits.cores * Double(period)).rounded()), "period": period],
                ] as [String: Any],
                "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
                "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
            ] as [String: Any],
        ]
    }
}

/// Every change an overlay's upper directory records: files written, empty directories made, deletions.
func overlayChanges(in upper: URL) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: upper.path) else { return [] }
    var changes: [String] = []
    while let relative = walker.nextObject() as? String {
        var info = stat()
        guard lstat(upper.path + "/" + relative, &info) == 0 else { continue }
        let path = "/" + relative
        switch info.st_mode & S_IFMT {
        case S_IFCHR where info.st_rdev == 0:
            changes.append("deleted " + path)
        case S_IFDIR:
            // A directory is listed only when nothing inside it is: otherwise its files already say where the writes went.
            if ((try? FileManager.default.contentsOfDirectory(atPath: upper.path + "/" + relative)) ?? []).isEmpty {
                changes.append(path + "/")
            }
        default:
            changes.append(path)
        }
    }
    return changes.sorted()
}

/// Why the process identity could not be set up, in the user's terms.
struct IdentityFailure: Error {
    var user: String
    var message: String
}

/// Resolves the process identity the way podman does: names through the image's own passwd and group files.
func resolveIdentity(_ identity: ProcessIdentity, rootfs: URL) throws -> (uid: Int, gid: Int, groups: [Int], home: String) {
    switch identity {
    case .fixed(let uid, let gid, let groups):
        return (uid, gid, groups, "/")
    case .image(let user):
        guard let user, !user.isEmpty else { return (0, 0, [], "/root") }
        let parts = user.split(separator: ":", maxSplits: 1).map(String.init)
        let passwd = ImageFile.read("etc/passwd", in: rootfs).map(parseColonFile) ?? []
        let groupFile = ImageFile.read("etc/group", in: rootfs).map(parseColonFile) ?? []
        var uid: Int, gid = 0, home = "/", name: String?
        if let number = Int(parts[0]), number >= 0 {
            uid = number
            if let entry = passwd.first(where: { $0.count > 5 && Int($0[2]) == number }) {
                gid = Int(entry[3]) ?? 0; home = entry[5]; name = entry[0]
            }
        } else if let entry = passwd.first(where: { $0.count > 5 && $0[0] == parts[0] }), let number = Int(entry[2]) {
            uid = number; gid = Int(entry[3]) ?? 0; home = entry[5]; name = entry[0]
        } else {
            throw IdentityFailure(user: user, message: "USER \(parts[0]) is not in the image's /etc/passwd, so no engine can start it")
        }
        if parts.count == 2 {
            if let number = Int(parts[1]), number >= 0 {
                gid = number
            } else if let entry = groupFile.first(where: { $0.count > 2 && $0[0] == parts[1] }), let number = Int(entry[2]) {
                gid = number
            } else {
                throw IdentityFailure(user: user, message: "USER names group \(parts[1]), which is not in the image's /etc/group")
            }
        }
        let groups = name.map { member in
            groupFile.filter { $0.count > 3 && $0[3].split(separator: ",").contains(Substring(member)) }.compactMap { Int($0[2]) }
        } ?? []
        return (uid, gid, groups.filter { $0 != gid }, home.isEmpty ? "/" : home)
    }
}

private func parseColonFile(_ text: String) -> [[String]] {
    text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
}

/// Reads small files of the extracted image without following links out of it.
enum ImageFile {
    /// The text of `relative` inside `rootfs`, or nil when it is missing, not a regular file, or any
    /// component on the way is a symlink (which would resolve against the host).
    static func read(_ relative: String, in rootfs: URL) -> String? {
        var path = rootfs.path
        for component in relative.split(separator: "/") {
            path += "/" + component
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFLNK else { return nil }
        }
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size < 4_194_304 else { return nil }
        return (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// An environment list where later settings replace earlier ones by name, keeping the first position.
struct Environment {
    private(set) var entries: [String]

    init(image: [String]) {
        entries = []
        for entry in image { set(entry) }
    }

    private func key(_ entry: String) -> Substring {
        entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(entry)
    }

    mutating func set(_ entry: String) {
        let name = key(entry)
        if let index = entries.firstIndex(where: { key($0) == name }) { entries[index] = entry } else { entries.append(entry) }
    }

    mutating func set(_ name: String, _ value: String) { set(name + "=" + value) }

    mutating func setDefault(_ name: String, _ value: String) {
        if !entries.contains(where: { key($0) == Substring(name) }) { entries.append(name + "=" + value) }
    }
}
