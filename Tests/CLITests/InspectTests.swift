import Foundation
import ImageKit
import Testing
import TestSupport
import TRELint

@Suite struct InspectTests {
    static let spec = ImageSpec(
        layers: [
            LayerSpec([.dir("usr"), .dir("usr/bin"), .file("usr/bin/run", "#!/bin/sh\n", mode: 0o4755), .symlink("bin", to: "usr/bin")],
                      createdBy: "ADD rootfs.tar /"),
            LayerSpec([.file("etc/quote\"d\nname", "x", uid: 1000, gid: 100)], compression: .gzip, createdBy: "RUN make-config"),
        ],
        config: ContainerConfig(user: "1000:100", env: ["PATH=/usr/bin", "LANG=C.UTF-8"], entrypoint: ["/usr/bin/run"], cmd: ["--help"]),
        history: [
            HistoryEntry(createdBy: "ADD rootfs.tar /"), HistoryEntry(createdBy: "ENV LANG=C.UTF-8", emptyLayer: true),
            HistoryEntry(createdBy: "RUN make-config"),
        ],
        repoTags: ["ghcr.io/org/app:1.0"])

    func image() throws -> (Image, BuiltImage, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("app.docker.tar")
        let built = try ImageBuilder.write(Self.spec, layout: .dockerArchive, to: url)
        return (try Inspector.load(url.path), built, directory)
    }

    @Test func jsonHasTheContractShape() throws {
        let (image, built, directory) = try image()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cuda = CUDASummary(version: "12.4.1", sources: [CUDASource(kind: "version.json", path: "/usr/local/cuda/version.json", version: "12.4.1")])
        let json = try InspectReport(image: image, cuda: cuda).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["format", "manifestDigest", "configDigest", "repoTags", "architecture", "os", "config", "history", "layers", "size", "cuda"])
        #expect(object["format"] as? String == "docker-archive")
        #expect(object["configDigest"] as? String == built.configDigest)
        #expect(object["repoTags"] as? [String] == ["ghcr.io/org/app:1.0"])
        #expect(object["size"] as? Int == 11)
        let config = try #require(object["config"] as? [String: Any])
        #expect(Set(config.keys) == ["User", "Env", "Entrypoint", "Cmd", "WorkingDir", "Labels", "ExposedPorts", "Volumes", "Healthcheck", "StopSignal"])
        #expect(config["User"] as? String == "1000:100")
        #expect(config["WorkingDir"] is NSNull)
        let history = try #require(object["history"] as? [[String: Any]])
        #expect(history.map { $0["empty_layer"] as? Bool } == [false, true, false])
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.count == 2)
        #expect(Set(layers[0].keys) == ["digest", "mediaType", "compressedSize", "size", "entries"])
        #expect(layers[1]["mediaType"] as? String == "application/vnd.docker.image.rootfs.diff.tar.gzip")
        #expect(layers.map { $0["entries"] as? Int } == [4, 1])
        let cudaObject = try #require(object["cuda"] as? [String: Any])
        #expect(cudaObject["version"] as? String == "12.4.1")
        let empty = try #require(try JSONSerialization.jsonObject(with: Data(InspectReport(image: image).json().utf8)) as? [String: Any])
        let emptyCUDA = try #require(empty["cuda"] as? [String: Any])
        #expect(emptyCUDA["version"] is NSNull && (emptyCUDA["sources"] as? [Any])?.isEmpty == true)
    }

    @Test func filesAreSortedJSONLinesInTheContractShape() throws {
        let (image, _, directory) = try image()
        defer { try? FileManager.default.removeItem(at: directory) }
        var buffer: [UInt8] = []
        for entry in image.tree.entries { Inspector.appendFileLine(entry, to: &buffer) }
        let lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines == [
            #"{"path":"/bin","type":"symlink","mode":"0777","uid":0,"gid":0,"size":0,"link":"usr/bin","layer":0}"#,
            #"{"path":"/etc","type":"dir","mode":"0755","uid":0,"gid":0,"size":0,"link":null,"layer":1}"#,
            #"{"path":"/etc/quote\"d\nname","type":"file","mode":"0644","uid":1000,"gid":100,"size":1,"link":null,"layer":1}"#,
            #"{"path":"/usr","type":"dir","mode":"0755","uid":0,"gid":0,"size":0,"link":null,"layer":0}"#,
            #"{"path":"/usr/bin","type":"dir","mode":"0755","uid":0,"gid":0,"size":0,"link":null,"layer":0}"#,
            #"{"path":"/usr/bin/run","type":"file","mode":"4755","uid":0,"gid":0,"size":10,"link":null,"layer":0}"#,
        ])
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil) }
    }

    @Test func ttyNamesFormatDigestPlatformProcessAndLayers() throws {
        let (image, built, directory) = try image()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = Inspector.tty(image)
        for expected in ["docker-archive", built.configDigest, "linux/amd64", #"["/usr/bin/run"]"#, #"["--help"]"#, "1000:100",
                         "LANG=C.UTF-8", "ADD rootfs.tar /", "RUN make-config"] {
            #expect(text.contains(expected), "tty output lacks \(expected)")
        }
    }

    @Test func theCommandExitsTwoWithOneLineOnBadInput() throws {
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/tre-lint")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build tre-lint first (swift build)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = directory.appendingPathComponent("garbage.tar")
        try Data(repeating: 0x5A, count: 4096).write(to: garbage)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["inspect", garbage.path, "--format", "json"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(message.hasPrefix("tre-lint: error: ") && message.filter { $0 == "\n" }.count == 1)
        #expect(message.contains("garbage.tar"))
    }
}
