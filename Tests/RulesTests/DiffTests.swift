import Facts
import Foundation
import ImageKit
import Reports
import Rules
import Testing
import TestSupport
import TRELint

/// Two versions of one image that differ in known ways, compared by `tre-lint diff`; golden files under Golden/ hold the
/// three renderings with the image directory and tool version replaced by `{{IMAGES}}` and `{{VERSION}}`.
/// `TRE_LINT_UPDATE_GOLDEN=1 swift test --filter DiffTests` rewrites them after an intended change.
@Suite("tre-lint diff")
struct DiffTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static let base = LayerSpec([
        .dir("etc"), .dir("app"), .dir("var"), .dir("var/lib"), .dir("var/lib/dpkg"), .dir("usr"), .dir("usr/lib"), .dir("usr/lib/python3"), .dir("usr/lib/python3/site-packages"),
        .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        .file("app/main.sh", "#!/bin/sh\necho hi\n", mode: 0o755),
        .file("app/data.txt", "aaaa"),
        .file("app/old.txt", "old"),
        .file("app/run.sh", "echo run\n"),
        .file("var/lib/dpkg/status", dpkgStatus(["curl 7.88.1-10", "zlib1g 1:1.2.13"])),
    ], createdBy: "ADD rootfs.tar /")

    static func dpkgStatus(_ packages: [String]) -> String {
        packages.map {
            let parts = $0.split(separator: " ")
            return "Package: \(parts[0])\nStatus: install ok installed\nVersion: \(parts[1])\nArchitecture: amd64\n"
        }.joined(separator: "\n")
    }

    static let old = ImageSpec(
        layers: [base, LayerSpec([.dir("usr/lib/python3/site-packages/numpy-1.26.0.dist-info")], createdBy: "RUN pip install numpy==1.26.0")],
        config: ContainerConfig(user: "1000:1000", env: ["PATH=/usr/bin:/bin", "MODE=old", "GONE=1"], entrypoint: ["/app/main.sh"]),
        repoTags: ["ghcr.io/org/app:1.0"])

    static let new = ImageSpec(
        layers: [
            base,
            LayerSpec([.dir("usr/lib/python3/site-packages/numpy-2.0.0.dist-info")], createdBy: "RUN pip install numpy==2.0.0"),
            LayerSpec([
                .file("app/data.txt", "bbbb"),
                .file("app/new.txt", "new file\n"),
                .file("var/lib/dpkg/status", dpkgStatus(["curl 7.88.1-10+deb12u5", "jq 1.6-2.1", "zlib1g 1:1.2.13"])),
                .whiteout("app/old.txt"),
                .file("app/run.sh", "echo run\n", mode: 0o755),
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\n"),
                .dir("safe_data"),
                .file("safe_data/sample.csv", "id\n1\n"),
            ], createdBy: "COPY app /app"),
        ],
        config: ContainerConfig(env: ["PATH=/usr/bin:/bin", "MODE=new", "ADDED=yes"], entrypoint: ["/app/main.sh", "--verbose"]),
        repoTags: ["ghcr.io/org/app:1.1"])

    /// Writes both versions (old as docker-archive, new as oci-archive, as staff receive them from different tools) and compares them.
    static func compared() throws -> (report: DiffReport, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let oldURL = directory.appendingPathComponent("old.tar"), newURL = directory.appendingPathComponent("new.tar")
        _ = try ImageBuilder.write(old, layout: .dockerArchive, to: oldURL)
        _ = try ImageBuilder.write(new, layout: .dockerArchive, to: newURL)
        // A working directory without a .tre-lint.yaml, so the default configuration applies.
        let report = try ImageDiffer.compare(DiffRequest(old: oldURL.path, new: newURL.path), workingDirectory: directory.path)
        return (report, directory)
    }

    @Test func filesAreComparedByContentModeAndPresence() throws {
        let (report, directory) = try Self.compared()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(report.filesAdded.map(\.path) == [
            "/app/new.txt", "/safe_data", "/safe_data/sample.csv", "/usr/lib/python3/site-packages/numpy-2.0.0.dist-info",
        ])
        #expect(report.filesRemoved.map(\.path) == ["/app/old.txt", "/usr/lib/python3/site-packages/numpy-1.26.0.dist-info"])
        let changed = Dictionary(uniqueKeysWithValues: report.filesChanged.map { ($0.new.path, $0.aspects) })
        #expect(changed == [
            "/app/data.txt": ["content"], "/app/run.sh": ["mode"], "/etc/passwd": ["content"], "/var/lib/dpkg/status": ["content"],
        ])
        let data = try #require(report.filesChanged.first { $0.new.path == "/app/data.txt" })
        #expect(data.old.size == data.new.size)
        #expect(data.old.sha256 == "sha256:61be55a8e2f6b4e172338bddf184d6dbee29c98853e0a0485ecee7f27b9af0b4")
        #expect(data.new.sha256 == "sha256:81cc5b17018674b401b42f35ba07bb79e211239c23bffe658da1577e3e646877")
    }

    @Test func configUsersLayersPackagesAndFindingsAreCompared() throws {
        let (report, directory) = try Self.compared()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(report.config == [
            ConfigChange(field: "User", old: .string("1000:1000"), new: .null),
            ConfigChange(field: "Env", key: "ADDED", old: .null, new: .string("yes")),
            ConfigChange(field: "Env", key: "GONE", old: .string("1"), new: .null),
            ConfigChange(field: "Env", key: "MODE", old: .string("old"), new: .string("new")),
            ConfigChange(field: "Entrypoint", old: .array([.string("/app/main.sh")]), new: .array([.string("/app/main.sh"), .string("--verbose")])),
            ConfigChange(field: "repoTags", old: .array([.string("ghcr.io/org/app:1.0")]), new: .array([.string("ghcr.io/org/app:1.1")])),
        ])
        #expect(report.usersAdded == [PasswdUser(name: "alice", uid: 1000, gid: 1000, home: "/home/alice", shell: "/bin/sh")])
        #expect(report.usersRemoved.isEmpty && report.usersChanged.isEmpty)
        #expect(report.sharedLayers == 1)
        #expect(report.layersRemoved.map(\.createdBy) == ["RUN pip install numpy==1.26.0"])
        #expect(report.layersAdded.map(\.createdBy) == ["RUN pip install numpy==2.0.0", "COPY app /app"])
        #expect(report.packages == [
            PackageChange(manager: "dpkg", name: "curl", old: "7.88.1-10", new: "7.88.1-10+deb12u5"),
            PackageChange(manager: "dpkg", name: "jq", old: nil, new: "1.6-2.1"),
            PackageChange(manager: "python", name: "numpy", old: "1.26.0", new: "2.0.0"),
        ])
        #expect(report.newFindings.map(\.rule).contains("TRE202"))
        #expect(report.resolvedFindings.map(\.rule).contains("TRE107"))
        #expect(!report.newFindings.map(\.rule).contains("TRE107") && !report.resolvedFindings.map(\.rule).contains("TRE202"))
        #expect(report.newFindingsFail(at: .error) && !report.newFindingsFail(at: .never))
        #expect(report.rendered(.tty, color: true).contains("\u{1B}[32m+ alice"))
        #expect(!report.rendered(.tty).contains("\u{1B}[") && !report.rendered(.markdown, color: true).contains("\u{1B}["))
    }

    @Test func anImageComparedWithItselfHasNoDifferences() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("old.tar"), oci = directory.appendingPathComponent("old.oci.tar")
        _ = try ImageBuilder.write(Self.old, layout: .dockerArchive, to: url)
        _ = try ImageBuilder.write(Self.old, layout: .ociArchive, to: oci)
        let report = try ImageDiffer.compare(DiffRequest(old: url.path, new: oci.path), workingDirectory: directory.path)
        // The same content in another layout: only what names the archive may differ, never a file, layer or finding.
        #expect(report.filesAdded.isEmpty && report.filesRemoved.isEmpty && report.filesChanged.isEmpty)
        #expect(report.config.isEmpty && report.layersAdded.isEmpty && report.layersRemoved.isEmpty)
        #expect(report.newFindings.isEmpty && report.resolvedFindings.isEmpty && report.packages.isEmpty)
        #expect(report.sharedLayers == 2)
    }

    @Test func everyConfigFieldPlatformAndFileAspectIsCompared() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = ImageSpec(
            layers: [LayerSpec([
                .file("owned", "x"), .symlink("current", to: "v1"), .file("becomes-link", "x"),
                .file("same", "unchanged"), .hardlink("same-again", to: "same"),
            ])],
            config: ContainerConfig(
                cmd: ["run"], workingDir: "/work", labels: ["org.opencontainers.image.revision": "abc", "team": "x"],
                exposedPorts: ["80/tcp": EmptyObject()], volumes: ["/data": EmptyObject()],
                healthcheck: Healthcheck(test: ["CMD", "true"], interval: 30_000_000_000), stopSignal: "SIGTERM"))
        let new = ImageSpec(
            layers: [LayerSpec([
                EntrySpec(name: Array("owned".utf8), kind: .file(.data(Data("x".utf8))), mode: 0o644, uid: 1000, gid: 1000),
                .symlink("current", to: "v2"), .symlink("becomes-link", to: "owned"),
                .file("same", "unchanged"), .hardlink("same-again", to: "same"),
            ])],
            config: ContainerConfig(
                cmd: ["run"], workingDir: "/", labels: ["org.opencontainers.image.revision": "def", "team": "x", "new": "1"],
                exposedPorts: ["80/tcp": EmptyObject(), "8080/tcp": EmptyObject()], volumes: nil,
                healthcheck: Healthcheck(test: ["CMD", "true"], interval: 60_000_000_000), stopSignal: "SIGINT"),
            architecture: "arm64", variant: "v8")
        let oldURL = directory.appendingPathComponent("old.tar"), newURL = directory.appendingPathComponent("new.tar")
        _ = try ImageBuilder.write(old, layout: .ociArchive, to: oldURL)
        _ = try ImageBuilder.write(new, layout: .ociArchive, to: newURL)
        let report = try ImageDiffer.compare(DiffRequest(old: oldURL.path, new: newURL.path), workingDirectory: directory.path)
        #expect(report.config.map { [$0.field, $0.key ?? ""].joined(separator: " ") } == [
            "WorkingDir ", "Labels new", "Labels org.opencontainers.image.revision", "ExposedPorts ", "Volumes ", "Healthcheck ",
            "StopSignal ", "platform ",
        ])
        #expect(report.config.last?.new == .string("linux/arm64/v8"))
        let aspects = Dictionary(uniqueKeysWithValues: report.filesChanged.map { ($0.new.path, $0.aspects) })
        #expect(aspects == ["/owned": ["owner"], "/current": ["link"], "/becomes-link": ["type", "mode", "link"]])
        #expect(report.filesAdded.isEmpty && report.filesRemoved.isEmpty)
    }

    @Test("each format renders the comparison exactly as its golden file", arguments: DiffFormat.allCases)
    func golden(format: DiffFormat) throws {
        let (report, directory) = try Self.compared()
        defer { try? FileManager.default.removeItem(at: directory) }
        let normalised = report.rendered(format)
            .replacingOccurrences(of: directory.path, with: "{{IMAGES}}")
            .replacingOccurrences(of: "\"\(TRELintVersion.current)\"", with: "\"{{VERSION}}\"")
            .replacingOccurrences(of: "tre-lint \(TRELintVersion.current)", with: "tre-lint {{VERSION}}")
        let file = Self.golden.appendingPathComponent("diff.\(format.rawValue).golden")
        if ProcessInfo.processInfo.environment["TRE_LINT_UPDATE_GOLDEN"] == "1" {
            try Data(normalised.utf8).write(to: file, options: .atomic)
        }
        #expect(normalised == (try String(contentsOf: file, encoding: .utf8)), "\(format.rawValue) differs from \(file.lastPathComponent)")
    }

    @Test func longFileListsAreSummarisedByDirectoryExceptInJSON() throws {
        let many = (0..<60).map { DiffFile(path: "/opt/tool/lib/deep/f\($0)", type: "file", mode: 0o644, uid: 0, gid: 0, size: 1, link: nil, sha256: nil) }
        let image = DiffImage(reference: "a", manifestDigest: "sha256:1", configDigest: "sha256:2", repoTags: [], platform: "linux/amd64", size: 0)
        let report = DiffReport(
            tool: ToolInfo(version: "test"), old: image, new: image, config: [], usersAdded: [], usersRemoved: [], usersChanged: [],
            sharedLayers: 0, layersRemoved: [], layersAdded: [], filesAdded: many, filesRemoved: [], filesChanged: [], packages: [],
            oldCUDA: DetectedCUDA(sources: []), newCUDA: DetectedCUDA(sources: []), newFindings: [], resolvedFindings: [])
        let tty = report.rendered(.tty), markdown = report.rendered(.markdown), json = report.rendered(.json)
        #expect(tty.contains("/opt/tool/lib  +60 -0 ~0") && !tty.contains("/f59"))
        #expect(markdown.contains("| `/opt/tool/lib` | 60 | 0 | 0 |") && !markdown.contains("/f59"))
        #expect((0..<60).allSatisfy { json.contains("\"/opt/tool/lib/deep/f\($0)\"") })

        // Spread over more directories than a summary should list: grouped one level up instead.
        let spread = (0..<200).map { DiffFile(path: "/srv/d\($0 % 10)/s\($0 / 10 % 10)/f\($0)", type: "file", mode: 0o644, uid: 0, gid: 0, size: 1, link: nil, sha256: nil) }
        var wide = report
        wide.filesAdded = spread
        let wideTTY = wide.rendered(.tty)
        #expect(wideTTY.contains("    /srv/d7  +20 -0 ~0") && !wideTTY.contains("/srv/d7/s"))
    }
}
