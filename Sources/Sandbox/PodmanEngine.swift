import Foundation
import ImageKit

#if canImport(Glibc)
import Glibc
#endif

/// Runs the container with podman, as `ces-run` does, after loading the image archive into podman's store.
final class PodmanEngine: ContainerEngine {
    let podman: String
    private var imageID: String?
    private var imageUser: String?

    var name: String { "podman" }

    init(podman: String) {
        self.podman = podman
    }

    func prepare(image: SandboxImage, workDir: URL, cleanup: CleanupStack) throws {
        guard let archive = image.archivePath else { throw SandboxError.engineFailed("podman needs the image archive") }
        imageUser = image.config.user
        let before = Set(try HostTools.require(podman, ["images", "--quiet", "--no-trunc"], timeout: 120)
            .split(whereSeparator: \.isNewline).map(String.init))
        // podman load reads archives; an OCI layout directory goes through its transport name instead.
        let output = archive.hasPrefix("oci:")
            ? try HostTools.require(podman, ["pull", "--quiet", archive], timeout: 3600).split(whereSeparator: \.isNewline)
                .last.map { "Loaded image: " + $0 } ?? ""
            : try HostTools.require(podman, ["load", "--input", archive], timeout: 3600)
        guard let loaded = output.split(whereSeparator: \.isNewline).last(where: { $0.hasPrefix("Loaded image") }),
              let colon = loaded.firstIndex(of: ":")
        else { throw SandboxError.engineFailed("podman load did not say which image it loaded") }
        let reference = loaded[loaded.index(after: colon)...].split(separator: ",").first.map {
            $0.trimmingCharacters(in: .whitespaces)
        } ?? ""
        let id = try HostTools.require(podman, ["image", "inspect", "--format", "{{.Id}}", reference], timeout: 120)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        imageID = id
        // An image someone already had stays; one tre-lint brought in goes when the run ends.
        if !before.contains(id) && !before.contains("sha256:" + id) {
            cleanup.push { [podman] in _ = try? HostTools.run(podman, ["rmi", "--force", id], timeout: 300) }
        }
    }

    func run(_ spec: ContainerSpec, workDir: URL, cleanup: CleanupStack) throws -> ContainerResult {
        guard let imageID else { throw SandboxError.engineFailed("the image was not loaded into podman") }
        let name = "tre-lint-" + spec.id
        var arguments = [
            "run", "--name", name, "--pull=never", "--network", "ns:" + spec.networkNamespace, "--hostname", "tre-lint",
            "--cap-drop", "all", "--security-opt", "no-new-privileges", "--pids-limit", String(spec.limits.pids),
            "--memory", "\(spec.limits.memoryBytes)b", "--memory-swap", "\(spec.limits.memoryBytes)b",
            "--cpus", String(spec.limits.cores), "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
            "--cgroup-parent", spec.cgroup.path,
        ]
        var user: String
        switch spec.identity {
        case .image(let configured):
            user = configured.flatMap { $0.isEmpty ? nil : $0 } ?? "0:0"
        case .fixed(let uid, let gid, let groups):
            user = "\(uid):\(gid)"
            arguments += ["--user", user]
            for group in groups { arguments += ["--group-add", String(group)] }
        }
        if spec.readOnlyRoot { arguments += ["--read-only", "--read-only-tmpfs=false"] }
        for bind in spec.binds {
            arguments += ["--mount", "type=bind,source=\(bind.source),destination=\(bind.destination)" + (bind.readOnly ? ",ro" : "")]
        }
        for entry in spec.environment { arguments += ["--env", entry] }
        if let workingDir = spec.workingDir { arguments += ["--workdir", workingDir] }
        if let entrypoint = spec.entrypointOverride { arguments += ["--entrypoint", entrypoint] }
        for device in spec.gpuDevices { arguments += ["--device", device] }
        arguments += spec.extraOptions
        arguments.append(imageID)
        arguments += spec.arguments

        _ = FileManager.default.createFile(atPath: spec.logFile.path, contents: Data())
        let log = try FileHandle(forWritingTo: spec.logFile)
        defer { try? log.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: podman)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        let started = Date()
        try process.run()
        let remove = cleanup.push { [podman] in _ = try? HostTools.run(podman, ["rm", "--force", "--time", "0", name], timeout: 60) }
        let finished = HostTools.wait(for: process, timeout: spec.limits.timeoutSeconds)
        if !finished {
            _ = try? HostTools.run(podman, ["kill", "--signal", "KILL", name], timeout: 30)
            if !HostTools.wait(for: process, timeout: 30) {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        let duration = Date().timeIntervalSince(started)
        let status = Int(process.terminationStatus)
        let state = (try? HostTools.run(podman, ["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name], timeout: 60))
        let created = state?.succeeded == true
        var writes = created ? changes(of: name, binds: spec.binds) : []
        if case .fixed = spec.identity {
            // Podman adds an unknown --user to the image's passwd and group files itself, as Apptainer does.
            writes.removeAll { $0 == "/etc/passwd" || $0 == "/etc/group" }
        }
        cleanup.run(remove)
        // 125–127 from podman itself mean the container never ran; the log says why.
        if !created || (status >= 125 && status <= 127 && state?.output.hasPrefix("created") == true) {
            let why = (try? String(contentsOf: spec.logFile, encoding: .utf8))?
                .split(whereSeparator: \.isNewline).last.map(String.init) ?? "podman exited \(status)"
            return ContainerResult(exitCode: nil, signal: nil, durationSeconds: duration, timedOut: false, rootWrites: [],
                                   user: user, reason: "podman could not start the container: \(why)")
        }
        return ContainerResult(
            exitCode: status, signal: !finished ? "SIGKILL" : signalName(forExitStatus: status), durationSeconds: duration,
            timedOut: !finished, rootWrites: writes, user: user, reason: nil)
    }

    private struct Diff: Decodable {
        var added: [String]?
        var changed: [String]?
        var deleted: [String]?
    }

    /// The container's root filesystem changes, without the mount points and files podman itself provides.
    private func changes(of name: String, binds: [BindMount]) -> [String] {
        guard let result = try? HostTools.run(podman, ["diff", "--format", "json", name], timeout: 120), result.succeeded,
              let diff = try? JSONDecoder().decode(Diff.self, from: Data(result.output.utf8))
        else { return [] }
        let provided = Set(["/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/run/.containerenv"] + binds.map(\.destination))
        let written = (diff.added ?? []) + (diff.changed ?? [])
        let all = written + (diff.deleted ?? [])
        // A directory shows as changed whenever something inside it does; the inner path is the informative one.
        func isAncestor(_ path: String) -> Bool { all.contains { $0.hasPrefix(path + "/") } || provided.contains { $0.hasPrefix(path + "/") } }
        var changes = written.filter { !provided.contains($0) && !isAncestor($0) }
        changes += (diff.deleted ?? []).map { "deleted " + $0 }
        return changes.sorted()
    }
}
