import TRECore
import Foundation
import Rules
import Sandbox
import Testing

/// A fresh directory under the system's temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tre-lint-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

@Suite("Configuration")
struct ConfigTests {
    let catalog: RuleCatalog

    init() throws {
        catalog = try RuleCatalog(files: ["TRE107", "TRE203", "TRE204"].map { id in
            ("\(id).yaml", """
                id: \(id)
                title: t
                severity: warning
                category: start-up
                rationale: r
                fix: f
                """)
        })
    }

    func parse(_ text: String) throws -> Configuration {
        try Configuration.parse(text, file: "/project/.tre-lint.yaml", baseDirectory: "/project", catalog: catalog)
    }

    @Test("every key of the contract is read")
    func fullFile() throws {
        let configuration = try parse("""
            fail-on: warning
            ignore: [TRE203, tre204]
            severity: { TRE107: info }
            mounts: { safe-data: /data, scratch: /tmp/work, safe-outputs: /out }
            registries: [registry.example.org]
            cuda: { minimum: "12.0", driver: 535.104.05 }
            size-budget: 500MB
            run:
              fixtures: fixtures
              profiles: [podman, { name: apptainer, read-only-root: false }]
              engine: podman
              timeout: 90
              memory: 2.5
              env-file: /abs/env
              arg-file: ../args
            """)
        #expect(configuration.failOn == .warning)
        #expect(configuration.ignore == ["TRE203", "TRE204"])
        #expect(configuration.severity == ["TRE107": .info])
        #expect(configuration.mounts == MountPoints(safeData: "/data", scratch: "/tmp/work", safeOutputs: "/out"))
        #expect(configuration.registries == ["registry.example.org"])
        #expect(configuration.cuda == CUDASettings(minimum: "12.0", driver: "535.104.05"))
        #expect(configuration.sizeBudget == 500_000_000)
        var apptainer = ProfileSpec.apptainer
        apptainer.readOnlyRoot = false
        #expect(configuration.run == RunSettings(
            fixtures: "/project/fixtures", profiles: [.podman, apptainer], engine: .podman, timeout: 90, memory: 2.5,
            envFile: "/abs/env", argFile: "/args"
        ))
        #expect(configuration.source == "/project/.tre-lint.yaml")
    }

    @Test("absent keys keep the contract's defaults, and an empty file is valid")
    func defaults() throws {
        for text in ["", "# nothing set\n", "ignore: []"] {
            let configuration = try parse(text)
            #expect(configuration.failOn == .error)
            #expect(configuration.registries == ["ghcr.io", "git.ecdf.ed.ac.uk:5050"])
            #expect(configuration.sizeBudget == 20 * 1024 * 1024 * 1024)
            #expect(configuration.mounts == MountPoints(safeData: "/safe_data", scratch: "/scratch", safeOutputs: "/safe_outputs"))
            #expect(configuration.run == RunSettings())
            #expect(configuration.cuda.minimum == "11.1")
        }
    }

    @Test(
        "a bad file is one line naming the file and the key",
        arguments: [
            ("fail-om: error", "unknown key `fail-om`"),
            ("run: { engin: podman }", "unknown key `run.engin`"),
            ("cuda: { minimum: '11.1', drivers: '1' }", "unknown key `cuda.drivers`"),
            ("mounts: { data: /d }", "unknown key `mounts.data`"),
            ("run: { timeout: soon }", "`run.timeout` must be a number"),
            ("run: { profiles: root }", "`run.profiles` must be"),
            ("run: { profiles: [warp] }", "`run`: unknown profile 'warp'"),
            ("run: { engine: qemu }", "`run.engine` must be one of auto, runc, crun, podman, docker, apptainer, not `qemu`"),
            ("run: { profiles: [{ name: custom, mounts: { safe-data: { owner: root } } }] }", "`run.profiles[0].mounts.safe-data.group`"),
            ("ignore: TRE107", "`ignore` must be a list of rule ids"),
            ("run: [1, 2]", "`run` must be a mapping"),
            ("mounts: { scratch: [a] }", "`mounts.scratch` must be a single value"),
            ("fail-on: sometimes", "`fail-on` must be one of error, warning, info, none, not `sometimes`"),
            ("severity: { TRE107: fatal }", "`severity.TRE107` must be error, warning or info, not `fatal`"),
            ("ignore: [TRE999]", "`ignore` names unknown rule TRE999"),
            ("severity: { TRE998: info }", "`severity.TRE998` names unknown rule TRE998"),
            ("size-budget: lots", "`size-budget` must be a size such as 20GiB, 500MB or a number of bytes, not `lots`"),
            ("cuda: { minimum: twelve }", "`cuda.minimum` must be a version"),
            ("mounts: { scratch: tmp }", "`mounts`: tmp is not a plain absolute path"),
            ("run: { memory: -1 }", "`run.memory` must be a positive number"),
            ("run: { memory-warning: 0 }", "`run.memory-warning` must be a positive number"),
            ("fail-on: [error", "not valid YAML"),
        ]
    )
    func rejects(text: String, expected: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            let description = String(describing: error)
            return description.hasPrefix("/project/.tre-lint.yaml: ") && description.contains(expected) && !description.contains("\n")
        }
    }

    @Test(
        "sizes are read in binary and decimal units and as bytes",
        arguments: [
            ("20GiB", UInt64(20) << 30), ("500MB", 500_000_000), ("1.5 GB", 1_500_000_000), ("1048576", 1_048_576),
            ("2kib", 2048), ("10 B", 10), ("4G", UInt64(4) << 30),
        ] as [(String, UInt64)]
    )
    func sizes(text: String, bytes: UInt64) throws {
        #expect(ByteSize.parse(text) == bytes)
        #expect(try parse("size-budget: \(text)").sizeBudget == bytes)
    }

    @Test("sizes that are not sizes or overflow are refused", arguments: ["", "GiB", "-1GB", "1e3", "twenty", "99999999999TiB", "1.2.3MB"])
    func badSizes(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test("the file is looked up in the working directory, then beside the Dockerfile, unless --config names one")
    func lookup() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let work = root.appendingPathComponent("work"), build = root.appendingPathComponent("build")
        for directory in [work, build] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        let dockerfile = build.appendingPathComponent("Dockerfile").path
        let besideDockerfile = build.appendingPathComponent(".tre-lint.yaml")
        let inWorkingDirectory = work.appendingPathComponent(".tre-lint.yaml")

        #expect(try Configuration.locate(explicit: nil, workingDirectory: work.path, dockerfile: dockerfile) == nil)
        try Data("fail-on: info\n".utf8).write(to: besideDockerfile)
        #expect(try Configuration.locate(explicit: nil, workingDirectory: work.path, dockerfile: dockerfile) == besideDockerfile.path)
        #expect(try Configuration.locate(explicit: nil, workingDirectory: work.path, dockerfile: nil) == nil)
        try Data("fail-on: warning\n".utf8).write(to: inWorkingDirectory)
        #expect(try Configuration.locate(explicit: nil, workingDirectory: work.path, dockerfile: dockerfile) == inWorkingDirectory.path)
        #expect(try Configuration.locate(explicit: besideDockerfile.path, workingDirectory: work.path, dockerfile: nil) == besideDockerfile.path)
        #expect(throws: ConfigurationError.self) {
            _ = try Configuration.locate(explicit: root.appendingPathComponent("absent.yaml").path, workingDirectory: work.path, dockerfile: nil)
        }
        #expect(throws: ConfigurationError.self) {
            _ = try Configuration.locate(explicit: work.path, workingDirectory: work.path, dockerfile: nil)
        }

        let loaded = try Configuration.load(path: besideDockerfile.path, catalog: catalog)
        #expect(loaded.failOn == .info)
        #expect(loaded.source == besideDockerfile.path)
    }

    @Test("a file that is not UTF-8 text is an error naming the file")
    func unreadable() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent(".tre-lint.yaml")
        try Data([0xFF, 0xFE, 0x00, 0xC3]).write(to: file)
        #expect {
            _ = try Configuration.load(path: file.path, catalog: catalog)
        } throws: { String(describing: $0).hasPrefix(file.path) }
    }

    @Test("command-line run options win over the file's, key by key")
    func runOverrides() {
        let file = RunSettings(fixtures: "/f", profiles: [.podman], engine: .podman, timeout: 60, memory: 4, envFile: "/e")
        let merged = file.overridden(by: RunSettings(profiles: [.kubernetes], engine: .runc, timeout: 10, argFile: "/a"))
        #expect(merged == RunSettings(fixtures: "/f", profiles: [.kubernetes], engine: .runc, timeout: 10, memory: 4, envFile: "/e", argFile: "/a"))
    }

    @Test("fail-on thresholds", arguments: FailThreshold.allCases)
    func thresholds(threshold: FailThreshold) {
        let failing = Severity.allCases.filter { threshold.fails(on: $0) }
        switch threshold {
        case .error: #expect(failing == [.error])
        case .warning: #expect(failing == [.warning, .error])
        case .info: #expect(failing == [.info, .warning, .error])
        case .never: #expect(failing.isEmpty)
        }
    }
}
