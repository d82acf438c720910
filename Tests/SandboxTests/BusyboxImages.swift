import Foundation
import ImageKit
@testable import Sandbox

/// Small real images for the sandbox tests: Debian's static busybox as the whole userland.
struct BusyboxImage {
    static let applets = [
        "sh", "cat", "echo", "ls", "mkdir", "touch", "nslookup", "wget", "nc", "sleep", "id", "head", "tr", "wc",
        "test", "[", "printf", "env", "true", "false", "seq", "cp", "rm", "grep", "sed", "dd", "yes", "tail",
    ]

    /// A root filesystem with busybox, root, nobody and a fixed non-root account `analyst` (1000:1000).
    static func makeRootfs(at root: URL, files: [String: String]) throws {
        let manager = FileManager.default
        for dir in ["bin", "etc", "tmp", "app", "root", "home/analyst", "safe_data", "scratch", "safe_outputs"] {
            try manager.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        try manager.copyItem(atPath: "/bin/busybox", toPath: root.appendingPathComponent("bin/busybox").path)
        for applet in applets {
            try manager.createSymbolicLink(atPath: root.appendingPathComponent("bin/" + applet).path, withDestinationPath: "busybox")
        }
        try Data("root:x:0:0:root:/root:/bin/sh\nanalyst:x:1000:1000:analyst:/home/analyst:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n".utf8)
            .write(to: root.appendingPathComponent("etc/passwd"))
        try Data("root:x:0:\nanalyst:x:1000:\nnogroup:x:65534:\n".utf8).write(to: root.appendingPathComponent("etc/group"))
        _ = chmod(root.appendingPathComponent("tmp").path, 0o1777)
        _ = chown(root.appendingPathComponent("home/analyst").path, 1000, 1000)
        for (path, content) in files {
            let url = root.appendingPathComponent(String(path.drop { $0 == "/" }))
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
            _ = chmod(url.path, 0o755)
        }
    }

    /// An image whose root filesystem is copied from a prepared tree, with a docker-archive beside it for podman.
    static func make(_ name: String, config: ContainerConfig, files: [String: String] = [:], in folder: URL) throws -> SandboxImage {
        let root = folder.appendingPathComponent(name + "-rootfs")
        try makeRootfs(at: root, files: files)
        let archive = try dockerArchive(name: name, rootfs: root, config: config, in: folder)
        let source = root.path
        return SandboxImage(config: config, archivePath: archive.path) { target in
            let copy = Process()
            copy.executableURL = URL(fileURLWithPath: "/bin/cp")
            copy.arguments = ["-a", source + "/.", target.path]
            try copy.run()
            copy.waitUntilExit()
            guard copy.terminationStatus == 0 else { throw SandboxError.engineFailed("cp of the test rootfs failed") }
        }
    }

    /// A `docker save`-style archive: manifest.json, the config, one layer.
    static func dockerArchive(name: String, rootfs: URL, config: ContainerConfig, in folder: URL) throws -> URL {
        let staging = folder.appendingPathComponent(name + "-archive")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let layer = staging.appendingPathComponent("layer.tar")
        try shell("tar", ["--numeric-owner", "-C", rootfs.path, "-cf", layer.path, "."])
        let layerDigest = try sha256(layer)
        let imageConfig = ImageConfig(config: config, rootfs: RootFS(diffIDs: ["sha256:" + layerDigest]))
        let configData = try JSONEncoder().encode(imageConfig)
        let configFile = staging.appendingPathComponent("config.json")
        try configData.write(to: configFile)
        let configDigest = try sha256(configFile)
        try FileManager.default.moveItem(at: configFile, to: staging.appendingPathComponent(configDigest + ".json"))
        let tag = "localhost/tre-lint-sandbox-test/\(name):\(UInt32.random(in: 1...UInt32.max))"
        let manifest: [[String: Any]] = [["Config": configDigest + ".json", "RepoTags": [tag], "Layers": ["layer.tar"]]]
        try JSONSerialization.data(withJSONObject: manifest).write(to: staging.appendingPathComponent("manifest.json"))
        let archive = folder.appendingPathComponent(name + ".tar")
        try shell("tar", ["-C", staging.path, "-cf", archive.path, "."])
        return archive
    }

    static func sha256(_ file: URL) throws -> String {
        String(try shell("sha256sum", [file.path]).prefix(64))
    }

    @discardableResult
    static func shell(_ tool: String, _ arguments: [String]) throws -> String {
        let result = try HostTools.run(tool, arguments, timeout: 120)
        guard result.succeeded else { throw SandboxError.engineFailed("\(tool) failed: \(result.firstErrorLine)") }
        return result.output
    }
}

/// A fresh folder per test under the system's temporary directory, removed at the end.
final class TestFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tre-lint-sandbox-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A fixtures folder with `safe_data/input.csv` and optional env/args files.
    func fixtures(args: String? = nil, env: String? = nil) throws -> URL {
        let root = url.appendingPathComponent("fixtures")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("safe_data"), withIntermediateDirectories: true)
        try Data("id,value\n1,3\n2,5\n".utf8).write(to: root.appendingPathComponent("safe_data/input.csv"))
        if let args { try Data(args.utf8).write(to: root.appendingPathComponent("args")) }
        if let env { try Data(env.utf8).write(to: root.appendingPathComponent("env")) }
        return root
    }
}

/// Everything about a tree that a run must not change: paths, types, modes, owners and contents.
func fingerprint(of root: URL) throws -> [String] {
    try BusyboxImage.shell("find", [root.path, "-printf", "%P %y %m %U:%G %s %T@\n"]).split(separator: "\n").map(String.init).sorted()
        + [try BusyboxImage.shell("sh", ["-c", "cd '\(root.path)' && find . -type f -exec sha256sum {} + | sort"])]
}
