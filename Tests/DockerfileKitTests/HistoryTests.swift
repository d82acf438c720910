import DockerfileKit
import Foundation
import Testing

struct HistoryTests {
    @Test func classicDockerHistory() {
        let history: [(createdBy: String?, emptyLayer: Bool)] = [
            ("/bin/sh -c #(nop) ADD file:6b1bbf2aa2e8a3f6f1f1a4e4 in / ", false),
            ("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
            ("/bin/sh -c apt-get update && apt-get install -y python3", false),
            ("/bin/sh -c #(nop)  ENV LANG=C.UTF-8", true),
            ("|2 PYVER=3.12 USER=tre /bin/sh -c useradd $USER", false),
            ("/bin/sh -c #(nop) WORKDIR /app", false),
            (nil, true),
        ]
        let rebuilt = HistoryDockerfile.rebuild(history: history)
        #expect(rebuilt.instructions.map(\.cmd) == ["ADD", "CMD", "RUN", "ENV", "RUN", "WORKDIR", "#"])
        #expect(rebuilt.instructions.map(\.layerIndex) == [0, nil, 1, nil, 2, 3, nil])
        #expect(rebuilt.instructions.map(\.historyIndex) == Array(0..<7))
        #expect(rebuilt.instructions[0].arguments == "file:6b1bbf2aa2e8a3f6f1f1a4e4 in /")
        #expect(rebuilt.instructions[1].arguments == "[\"bash\"]")
        #expect(rebuilt.instructions[2].arguments == "apt-get update && apt-get install -y python3")
        #expect(rebuilt.instructions[4].buildArgs.map(\.name) == ["PYVER", "USER"])
        #expect(rebuilt.instructions[4].buildArgs.map(\.value) == ["3.12", "tre"])
        #expect(rebuilt.instructions[4].arguments == "useradd $USER")
        #expect(rebuilt.instructions.dropLast().allSatisfy { $0.builder == .classic })
        #expect(rebuilt.instruction(forLayer: 2)?.cmd == "RUN")
        let listing = rebuilt.listing.split(separator: "\n")
        #expect(listing[0] == "0       ADD file:6b1bbf2aa2e8a3f6f1f1a4e4 in /")
        #expect(listing[1] == "-       CMD [\"bash\"]")
    }

    @Test func buildKitHistory() throws {
        let history: [(createdBy: String?, emptyLayer: Bool)] = [
            ("# debian.sh --arch 'amd64' out/ 'bookworm' '@1715558400'", false),
            ("ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin", true),
            ("RUN /bin/sh -c set -eux; apt-get update; rm -rf /var/lib/apt/lists/* # buildkit", false),
            ("ARG PYTHON_VERSION=3.12", true),
            ("RUN |1 PYTHON_VERSION=3.12 /bin/sh -c pip install numpy==1.26 # buildkit", false),
            ("COPY dir /app # buildkit", false),
            ("WORKDIR /app", false),
            ("USER 1000:1000", true),
            ("LABEL org.opencontainers.image.source=https://example.org", true),
            ("ENTRYPOINT [\"python\" \"-m\" \"app\"]", true),
            ("CMD [\"--help\"]", true),
        ]
        let rebuilt = HistoryDockerfile.rebuild(history: history)
        #expect(rebuilt.instructions.map(\.cmd) == [
            "#", "ENV", "RUN", "ARG", "RUN", "COPY", "WORKDIR", "USER", "LABEL", "ENTRYPOINT", "CMD",
        ])
        #expect(rebuilt.instructions.map(\.layerIndex) == [0, nil, 1, nil, 2, 3, 4, nil, nil, nil, nil])
        #expect(rebuilt.instructions[2].arguments == "set -eux; apt-get update; rm -rf /var/lib/apt/lists/*")
        #expect(rebuilt.instructions[2].builder == .buildkit)
        #expect(rebuilt.instructions[4].buildArgs == [EnvironmentVariable(name: "PYTHON_VERSION", value: "3.12", line: 0)])
        #expect(rebuilt.instructions[5].arguments == "dir /app")
        #expect(rebuilt.instructions[6].arguments == "/app")
        // The rebuilt text is itself a Dockerfile the parser accepts, one instruction per history entry
        // (the base layer's tool note becomes a comment).
        let parsed = try Dockerfile(parsing: "FROM scratch\n" + rebuilt.text)
        #expect(parsed.instructions.count == history.count)
    }

    @Test func podmanHistoryFromARealBuild() throws {
        guard let podman = ["/usr/bin/podman", "/usr/local/bin/podman"].first(where: FileManager.default.isExecutableFile),
            FileManager.default.isExecutableFile(atPath: "/bin/busybox")
        else {
            print("skipping podmanHistoryFromARealBuild: podman or /bin/busybox is not installed")
            return
        }
        let context = FileManager.default.temporaryDirectory.appendingPathComponent("tre-lint-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: context) }
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: context.appendingPathComponent("busybox").path)
        let containerfile = """
            FROM scratch
            ARG GREETING=hello
            COPY busybox /bin/busybox
            RUN ["/bin/busybox", "mkdir", "-p", "/safe_outputs"]
            ENV A=b
            RUN ["/bin/busybox", "sh", "-c", "echo $GREETING > /greeting"]
            WORKDIR /work
            USER 1000
            CMD ["/bin/busybox", "sh"]
            """
        try containerfile.write(to: context.appendingPathComponent("Containerfile"), atomically: true, encoding: .utf8)
        let tag = "localhost/tre-lint-history-test:\(UUID().uuidString.prefix(8).lowercased())"
        _ = try run(podman, ["build", "-q", "-t", tag, context.path])
        defer { _ = try? run(podman, ["rmi", "-f", tag]) }
        let json = try run(podman, ["image", "inspect", "--format", "{{json .History}}", tag])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let history = entries.map { (createdBy: $0["created_by"] as? String, emptyLayer: $0["empty_layer"] as? Bool ?? false) }
        let rebuilt = HistoryDockerfile.rebuild(history: history)
        #expect(rebuilt.instructions.map(\.cmd) == ["ARG", "COPY", "RUN", "ENV", "RUN", "WORKDIR", "USER", "CMD"])
        let layered = rebuilt.instructions.filter { $0.layerIndex != nil }
        #expect(layered.map(\.layerIndex) == Array(0..<layered.count))
        #expect(layered.first?.cmd == "COPY")
        #expect(rebuilt.instructions[2].buildArgs.map(\.name) == ["GREETING"])
        #expect(rebuilt.instructions[2].arguments.hasPrefix("[\"/bin/busybox\", \"mkdir\""))
        #expect(rebuilt.instructions.allSatisfy { $0.builder == .classic })
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HistoryTestFailure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct HistoryTestFailure: Error, CustomStringConvertible {
    var description: String
}
