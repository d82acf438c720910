import Foundation
import ImageKit
import Reports
import Testing
import TestSupport
import TRELint

/// `tre-lint diff` as users meet it: the executable's exit codes and output, and two versions of a podman-built image.
@Suite struct DiffCommandTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/tre-lint")

    static let podman = ["/usr/bin/podman", "/usr/local/bin/podman"].first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ executable: URL, _ arguments: [String], in directory: URL) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe cannot stall the child.
        let errorData = ErrorReader(errors.fileHandleForReading)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorData.wait(), as: UTF8.self))
    }

    /// Drains a pipe on another thread while the caller drains the other one.
    final class ErrorReader: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            DispatchQueue.global().async {
                self.data = handle.readDataToEndOfFile()
                self.done.signal()
            }
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }

    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diff-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func theExecutableReportsJSONAndExitsByItsThreshold() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build tre-lint first (swift build)")
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = LayerSpec([.dir("app"), .file("app/main.sh", "#!/bin/sh\n", mode: 0o755)])
        let old = ImageSpec(layers: [base], config: ContainerConfig(entrypoint: ["/app/main.sh"]))
        // The new version ships data under a mount point: a new TRE202 error.
        let new = ImageSpec(
            layers: [base, LayerSpec([.dir("safe_data"), .file("safe_data/x.csv", "1\n")])], config: ContainerConfig(entrypoint: ["/app/main.sh"]))
        _ = try ImageBuilder.write(old, layout: .dockerArchive, to: directory.appendingPathComponent("old.tar"))
        _ = try ImageBuilder.write(new, layout: .ociArchive, to: directory.appendingPathComponent("new.tar"))

        let json = try Self.run(Self.binary, ["diff", "old.tar", "new.tar", "--format", "json"], in: directory)
        #expect(json.status == 0, "\(json.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["tool", "old", "new", "config", "users", "layers", "files", "packages", "cuda", "findings"])
        let files = try #require(object["files"] as? [String: [[String: Any]]])
        #expect(files["added"]?.compactMap { $0["path"] as? String } == ["/safe_data", "/safe_data/x.csv"])
        let findings = try #require(object["findings"] as? [String: [[String: Any]]])
        #expect(findings["new"]?.compactMap { $0["rule"] as? String }.contains("TRE202") == true)

        let failing = try Self.run(Self.binary, ["diff", "old.tar", "new.tar", "--fail-on", "error"], in: directory)
        #expect(failing.status == 1)
        #expect(!failing.output.contains("\u{1B}["), "no colour when standard output is a pipe")
        let reversed = try Self.run(Self.binary, ["diff", "new.tar", "old.tar", "--fail-on", "error", "--format", "markdown"], in: directory)
        #expect(reversed.status == 0 && reversed.output.hasPrefix("## tre-lint diff"))
    }

    @Test func unusableInputExitsTwoWithOneLineAndUsageErrorsSixtyFour() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build tre-lint first (swift build)")
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try ImageBuilder.write(ImageSpec(layers: [LayerSpec([.file("a", "x")])]), layout: .dockerArchive, to: directory.appendingPathComponent("good.tar"))
        try Data(repeating: 0x5A, count: 4096).write(to: directory.appendingPathComponent("garbage.tar"))

        let bad = try Self.run(Self.binary, ["diff", "good.tar", "garbage.tar"], in: directory)
        #expect(bad.status == 2)
        #expect(bad.errors.hasPrefix("tre-lint: error: ") && bad.errors.filter { $0 == "\n" }.count == 1 && bad.errors.contains("garbage.tar"))
        #expect(bad.output.isEmpty)
        let missing = try Self.run(Self.binary, ["diff", "good.tar"], in: directory)
        #expect(missing.status == 64)
        let format = try Self.run(Self.binary, ["diff", "good.tar", "good.tar", "--format", "sarif"], in: directory)
        #expect(format.status == 64)
    }

    /// Two versions of a real image built by podman (FROM scratch, busybox and a few files), exported with `podman save`.
    @Test(.enabled(if: podman != nil, "podman is not installed"))
    func podmanBuiltVersionsListExactlyTheChangedFiles() throws {
        let podman = try #require(Self.podman.map(URL.init(fileURLWithPath:)))
        try #require(FileManager.default.fileExists(atPath: "/bin/busybox"), "a static busybox is needed (busybox-static)")
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tag = "localhost/tre-lint-test/diff-\(UUID().uuidString.lowercased().prefix(8))"
        let fixed = Date(timeIntervalSince1970: 1_700_000_000)

        func build(_ version: String, files: [String: String]) throws -> String {
            let context = directory.appendingPathComponent("context-\(version)")
            try FileManager.default.createDirectory(at: context.appendingPathComponent("app"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: context.appendingPathComponent("busybox").path)
            for (name, contents) in files {
                try Data(contents.utf8).write(to: context.appendingPathComponent("app/" + name))
            }
            try Data("""
                FROM scratch
                COPY busybox /bin/busybox
                COPY app/ /app/
                CMD ["/bin/busybox", "sh", "/app/main.sh"]
                """.utf8).write(to: context.appendingPathComponent("Dockerfile"))
            // Equal timestamps in both contexts, so the busybox layer is byte-identical and only the app layer differs.
            for item in try FileManager.default.subpathsOfDirectory(atPath: context.path) {
                try FileManager.default.setAttributes([.modificationDate: fixed], ofItemAtPath: context.appendingPathComponent(item).path)
            }
            let image = "\(tag):\(version)"
            let built = try Self.run(podman, ["build", "--quiet", "--pull=never", "--format", "docker", "-t", image, context.path], in: directory)
            try #require(built.status == 0, "podman build: \(built.errors)")
            let archive = directory.appendingPathComponent("\(version).tar").path
            let saved = try Self.run(podman, ["save", "--quiet", "--format", "docker-archive", "-o", archive, image], in: directory)
            try #require(saved.status == 0, "podman save: \(saved.errors)")
            return archive
        }
        defer { _ = try? Self.run(podman, ["rmi", "--force", "\(tag):1", "\(tag):2"], in: directory) }

        let main = "#!/bin/sh\necho analysing\n"
        let old = try build("1", files: ["main.sh": main, "data.txt": "aaaa", "old.txt": "going away"])
        let new = try build("2", files: ["main.sh": main, "data.txt": "bbbb", "new.txt": "arrived"])
        let report = try ImageDiffer.compare(DiffRequest(old: old, new: new), workingDirectory: directory.path)
        #expect(report.filesAdded.map(\.path) == ["/app/new.txt"])
        #expect(report.filesRemoved.map(\.path) == ["/app/old.txt"])
        #expect(report.filesChanged.map(\.new.path) == ["/app/data.txt"])
        #expect(report.filesChanged.first?.aspects == ["content"])
        #expect(report.sharedLayers == 1 && report.layersAdded.count == 1 && report.layersRemoved.count == 1)
        #expect(report.layersAdded.first?.createdBy?.contains("COPY") == true)
    }
}
