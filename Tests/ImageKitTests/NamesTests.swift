import Foundation
@testable import ImageKit
import Testing
import TestSupport

/// `podman:NAME` and `docker-daemon:NAME`: strict names, export through the engine, nothing left behind.
@Suite struct NamesTests {
    static let podmanInstalled = EngineExport.locate("podman") != nil

    @Test func engineNamesAreCheckedBeforeAnyEngineSeesThem() throws {
        let digest = String(repeating: "0123456789abcdef", count: 4)
        for accepted in [
            "podman:localhost/app:1", "podman:ghcr.io/org/app:1.0", "podman:13e56cbcf2c4", "podman:app@sha256:\(digest)",
            "podman:docker.io/library/python:3.12-slim", "docker-daemon:localhost:5000/team/app:v1.2-rc_1",
            "docker-daemon:registry.example.org/a__b/c-d.e", "podman:Registry.Example.org/app",
        ] {
            let reference = try ImageReference(parsing: accepted)
            #expect(reference.engineImage?.name == String(accepted.drop { $0 != ":" }.dropFirst()), "\(accepted)")
        }
        for rejected in [
            "podman:-rm", "podman:--help", "docker-daemon:-o/etc/passwd", "podman:", "docker-daemon:", "podman:a b",
            "podman:app/Upper", "podman:Upper", "podman:app:tag;rm", "podman:../x", "podman:app:", "podman:app\n", "podman:/app",
            "podman:app//x", "podman:app:-tag", "podman:" + String(repeating: "a", count: 256),
        ] {
            let error = #expect(throws: EngineExportError.self, "\(rejected)") { try ImageReference(parsing: rejected) }
            guard case .invalidName(let reference, _)? = error else { continue }
            #expect(reference == rejected)
        }
        let dash = #expect(throws: EngineExportError.self) { try ImageReference(parsing: "podman:-rm") }
        #expect(dash?.description == "podman:-rm does not name an image: it starts with '-', which the engine would read as an option")
    }

    @Test(.enabled(if: podmanInstalled, "podman is not installed"), .timeLimit(.minutes(10)))
    func podmanNameLoadsLikeItsSavedTarballAndLeavesNothing() throws {
        let scratch = try Scratch()
        let tag = "localhost/tre-lint-test/names:\(UInt32.random(in: 0...UInt32.max))"
        let spec = ImageSpec(
            layers: basicLayers + [LayerSpec([.dir("data"), .file("data/big.bin", size: 3 << 20, fill: 9)], createdBy: "COPY big /data/")],
            config: ContainerConfig(user: "1000", cmd: ["/usr/bin/tool"]), repoTags: [tag])
        let generated = scratch.path("generated.tar")
        try ImageBuilder.write(spec, layout: .dockerArchive, to: generated)
        try UmociOracleTests.run(["podman", "load", "--quiet", "--input", generated.path])
        defer { _ = try? UmociOracleTests.run(["podman", "rmi", "--force", tag]) }
        let saved = scratch.path("saved.tar")
        try UmociOracleTests.run(["podman", "save", "--quiet", "--format", "docker-archive", "--output", saved.path, tag])
        let exportFolder = scratch.path("exports")
        try FileManager.default.createDirectory(at: exportFolder, withIntermediateDirectories: false)

        let recorder = ProgressRecorder()
        let options = ImageReadOptions(progress: recorder, temporaryDirectory: exportFolder.path)
        let byName = try ImageLoader.load(try ImageReference(parsing: "podman:" + tag), options: options)
        let fromTarball = try ImageLoader.load(try ImageReference(parsing: saved.path))

        #expect(byName.reference.text == "podman:" + tag)
        #expect(byName.format == .dockerArchive)
        #expect(byName.configDigest == fromTarball.configDigest)
        #expect(byName.manifestDigest == fromTarball.manifestDigest)
        #expect(byName.layers == fromTarball.layers)
        #expect(byName.tree.entries == fromTarball.tree.entries)
        #expect(byName.repoTags == [tag])
        #expect(byName.config.config?.user == "1000")
        // The export has no name on disk while the image is in use, yet its contents and extraction still work.
        #expect(try FileManager.default.contentsOfDirectory(atPath: exportFolder.path) == [])
        #expect(try byName.tree.contents(of: "/etc/app.conf", limit: 100) == Data("key=value\n".utf8))
        let root = scratch.path("rootfs")
        try byName.extractRootFilesystem(to: root)
        #expect(FileManager.default.contents(atPath: root.appendingPathComponent("data/big.bin").path)?.count == 3 << 20)
        // Another program (the sandbox's `podman load`) reaches the export through /proc while the image lives.
        let shared = try #require(byName.exportedArchivePath)
        #expect(try UmociOracleTests.run(["tar", "-tf", shared]).split(separator: "\n").contains("manifest.json"))
        #expect(fromTarball.exportedArchivePath == nil)

        let stages = recorder.reports.map(\.stage)
        #expect(stages.first == .exporting)
        #expect(stages.contains(.reading))
        let exported = try #require(recorder.reports.last { $0.stage == .exporting })
        let savedSize = try #require(try FileManager.default.attributesOfItem(atPath: saved.path)[.size] as? Int)
        #expect(exported.isFinished && exported.completed == Int64(savedSize))
    }

    @Test(.enabled(if: podmanInstalled, "podman is not installed"))
    func anUnknownPodmanImageSaysWhichAndWhatToDo() throws {
        let scratch = try Scratch()
        let name = "localhost/tre-lint-test/absent:\(UInt32.random(in: 0...UInt32.max))"
        let error = #expect(throws: EngineExportError.self) {
            try ImageLoader.load(try ImageReference(parsing: "podman:" + name), options: ImageReadOptions(temporaryDirectory: scratch.url.path))
        }
        #expect(error == .imageNotFound(reference: "podman:" + name, engine: .podman, name: name))
        #expect(error?.description.contains("`podman images`") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == [])
    }

    @Test func dockerDaemonWithoutADaemonSaysSo() throws {
        let scratch = try Scratch()
        let reference = try ImageReference(parsing: "docker-daemon:localhost/tre-lint-test/absent:1")
        let error = #expect(throws: EngineExportError.self) {
            try ImageLoader.load(reference, options: ImageReadOptions(temporaryDirectory: scratch.url.path))
        }
        guard let docker = EngineExport.locate("docker") else {
            #expect(error == .engineMissing(reference: reference.text, engine: .docker))
            return
        }
        let daemonAnswers = (try? UmociOracleTests.run([docker, "info", "--format", "{{.ID}}"])) != nil
        if daemonAnswers {
            #expect(error == .imageNotFound(reference: reference.text, engine: .docker, name: "localhost/tre-lint-test/absent:1"))
        } else {
            guard case .daemonUnreachable? = error else {
                Issue.record("expected daemonUnreachable, got \(String(describing: error))")
                return
            }
            #expect(error?.description.contains("cannot reach the Docker daemon") == true)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == [])
    }

    @Test func aMissingEngineSaysWhichAndWhatToDo() throws {
        let error = #expect(throws: EngineExportError.self) {
            _ = try EngineExport.export(
                "app", from: .podman, reference: "podman:app", options: ImageReadOptions(), executable: nil, searchPath: "/nonexistent")
        }
        #expect(error == .engineMissing(reference: "podman:app", engine: .podman))
        #expect(error?.description.hasPrefix("podman:app needs the podman command, which is not installed") == true)
    }

    /// A stand-in engine that records its arguments, leaves a scratch file in its TMPDIR and fails like podman does.
    @Test func aFailingEngineGivesItsErrorLineGetsTheNameAfterDashesAndLeavesNothing() throws {
        let scratch = try Scratch()
        let exports = scratch.path("exports")
        try FileManager.default.createDirectory(at: exports, withIntermediateDirectories: false)
        let log = scratch.path("arguments")
        let engine = scratch.path("fake-podman")
        try Data("""
            #!/bin/sh
            printf '%s\\n' "$@" >> '\(log.path)'
            [ "$1" = image ] && exit 0
            touch "$TMPDIR/staged-blob"
            echo 'Error: writing blob: no space left on device' >&2
            echo 'more detail' >&2
            exit 125

            """.utf8).write(to: engine)
        chmod(engine.path, 0o755)
        let error = #expect(throws: EngineExportError.self) {
            _ = try EngineExport.export(
                "localhost/app:1", from: .podman, reference: "podman:localhost/app:1",
                options: ImageReadOptions(temporaryDirectory: exports.path), executable: engine.path)
        }
        #expect(error == .exportFailed(reference: "podman:localhost/app:1", engine: .podman, detail: "writing blob: no space left on device"))
        let calls = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(calls.prefix(4) == ["image", "exists", "--", "localhost/app:1"])
        #expect(calls.suffix(2) == ["--", "localhost/app:1"])
        #expect(calls.contains("save") && calls.contains("docker-archive"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: exports.path) == [])
    }

    @Test func theExportFolderIsPrivate() throws {
        let scratch = try Scratch()
        let folder = try PrivateFolder(in: scratch.url.path)
        var info = stat()
        #expect(stat(folder.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        folder.remove()
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }
}
