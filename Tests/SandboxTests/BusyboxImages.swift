import Foundation
import ImageKit
import TestSupport
@testable import Sandbox

/// Small real images for the sandbox tests: Debian's static busybox as the whole userland.
struct BusyboxImage {
    /// A busybox image with root, nobody and a fixed non-root account `analyst` (1000:1000), written by the
    /// fixture builder as a docker-archive and read back through ImageKit, as `tre-lint run` reads a user's image.
    static func make(_ name: String, config: ContainerConfig, files: [String: String] = [:], in folder: URL) throws -> SandboxImage {
        var entries: [EntrySpec] = [
            .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nanalyst:x:1000:1000:analyst:/home/analyst:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
            .file("etc/group", "root:x:0:\nanalyst:x:1000:\nnogroup:x:65534:\n"),
            .dir("home/analyst", uid: 1000, gid: 1000), .dir("app"),
            .dir("safe_data"), .dir("scratch"), .dir("safe_outputs"),
        ]
        for (path, content) in files.sorted(by: { $0.key < $1.key }) {
            entries.append(.file(String(path.drop { $0 == "/" }), content, mode: 0o755))
        }
        var spec = try ImageSpec.busybox(layers: [LayerSpec(entries, createdBy: "COPY app /app")], config: config)
        // A tag of its own, so loading it into podman never moves a tag another test relies on.
        spec.repoTags = ["localhost/tre-lint-sandbox-test/\(name):\(UInt32.random(in: 1...UInt32.max))"]
        let archive = folder.appendingPathComponent(name + ".tar")
        try ImageBuilder.write(spec, layout: .dockerArchive, to: archive)
        return SandboxImage(try ImageLoader.load(ImageReference(parsing: "docker-archive:" + archive.path)))
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
