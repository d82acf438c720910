import TRECore
import Foundation
import Testing
import Yams
@testable import Sandbox

@Suite("Sandbox inputs and settings")
struct ParsingTests {
    @Test func runSettingsDecodeFromKebabCaseYAML() throws {
        let yaml = """
            fixtures: ./fixtures
            engine: podman
            timeout: 90
            memory: 8
            env-file: run.env
            arg-file: run.args
            profiles:
              - podman
              - name: apptainer
                uid: 4242
                project-gid: 5151
              - name: strict-k8s
                user: arbitrary
                group: root
                fs-group: true
                read-only-root: true
                bind-home: false
                mounts:
                  safe-data: { owner: nobody, group: project, mode: "0750" }
                  scratch: { owner: root, group: project, mode: 2775 }
                  safe-outputs: { owner: user, group: project, mode: "0700" }
            """
        let settings = try YAMLDecoder().decode(RunSettings.self, from: yaml)
        #expect(settings.engine == .podman)
        #expect(settings.timeout == 90 && settings.memory == 8)
        #expect(settings.envFile == "run.env" && settings.argFile == "run.args")
        let profiles = try #require(settings.profiles)
        #expect(profiles[0] == .podman)
        #expect(profiles[1].uid == 4242 && profiles[1].projectGID == 5151 && profiles[1].readOnlyRoot && profiles[1].bindHome)
        #expect(profiles[2].readOnlyRoot && profiles[2].fsGroup && profiles[2].group == .root)
        #expect(profiles[2].mounts.scratch.permissionBits == 0o2775)
        #expect(profiles[2].mounts.safeOutputs.owner == .user)
    }

    @Test func mountPointsDecodeWithDefaults() throws {
        let mounts = try YAMLDecoder().decode(MountPoints.self, from: "safe-data: /data\n")
        #expect(mounts == MountPoints(safeData: "/data", scratch: "/scratch", safeOutputs: "/safe_outputs"))
    }

    @Test(arguments: [
        ("engin: runc", "unknown key 'engin' in run"),
        ("profiles: [docker-desktop]", "unknown profile 'docker-desktop'"),
        ("profiles: [{name: x, mounts: {safe-data: {owner: root, group: root, mode: '999'}, scratch: {owner: root, group: root, mode: '0755'}, safe-outputs: {owner: root, group: root, mode: '0755'}}}]", "mode '999' is not octal"),
        ("profiles: [{name: y}]", "profile 'y' needs mounts"),
        ("profiles: [{name: z, uid: 0, mounts: {safe-data: {owner: root, group: root, mode: '0755'}, scratch: {owner: root, group: root, mode: '0755'}, safe-outputs: {owner: root, group: root, mode: '0755'}}}]", "uid 0 is not an ordinary non-root uid"),
    ])
    func badRunSettingsNameTheProblem(yaml: String, expected: String) {
        do {
            _ = try YAMLDecoder().decode(RunSettings.self, from: yaml)
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(String(describing: error).contains(expected), "\(error)")
        }
    }

    @Test func badMountPathIsRejected() {
        do {
            _ = try YAMLDecoder().decode(MountPoints.self, from: "safe-data: /safe_data/../etc\n")
            Issue.record("accepted a mount path with ..")
        } catch {
            #expect(String(describing: error).contains("mounts: /safe_data/../etc is not a plain absolute path"), "\(error)")
        }
    }

    @Test func shellWordsFollowShellQuoting() throws {
        let words = try shellWords("--input '/safe_data/my file.csv' \"a \\\"b\\\"\" c\\ d # comment\n--x=1", what: "test")
        #expect(words == ["--input", "/safe_data/my file.csv", "a \"b\"", "c d", "--x=1"])
        #expect(throws: SandboxError.badFixtures("test: unterminated quote")) { try shellWords("'open", what: "test") }
    }

    @Test func envFileTakesOneAssignmentPerLine() throws {
        #expect(try parseEnvFile("# inputs\nINPUT=/safe_data/a.csv\n\nMODE=fast mode\r\n", path: "env") == ["INPUT=/safe_data/a.csv", "MODE=fast mode"])
        #expect(throws: SandboxError.badFixtures("env:2: expected VAR=value, found 'not an assignment'")) {
            try parseEnvFile("A=1\nnot an assignment\n", path: "env")
        }
    }

    @Test func optFileKeepsWhatTheTREAllowsAndRefusesTheRest() throws {
        let options = try EngineOptions.parse(["--network", "none", "-e", "A=1", "--env=B=2", "-w", "/work", "--shm-size", "1g", "--init"])
        #expect(options.environment == ["A=1", "B=2"])
        #expect(options.workingDir == "/work")
        #expect(options.passthrough == ["--shm-size", "1g", "--init"])
        #expect(throws: SandboxError.badFixtures("opt file: --privileged is refused: the TRE does not allow it")) {
            try EngineOptions.parse(["--privileged"])
        }
        #expect(throws: SandboxError.badFixtures("opt file: --network host: the TRE has no network; only 'none' is allowed")) {
            try EngineOptions.parse(["--network", "host"])
        }
    }

    @Test func fileNamesAreReplacedOnlyAsWholeNames() {
        let map = ["a.csv": "renamed-a.csv"]
        #expect(replaceTokens(in: "/safe_data/a.csv,data.csv a.csv.", map) == "/safe_data/renamed-a.csv,data.csv renamed-a.csv.")
        #expect(!containsToken("data.csv", "a.csv"))
        #expect(containsToken("inputs: [a.csv]", "a.csv"))
    }

    @Test func renamingInputsKeepsConfigsAndUpdatesThem() throws {
        let folder = try TestFolder()
        let data = folder.url.appendingPathComponent("safe_data")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("cohort"), withIntermediateDirectories: true)
        try Data("x\n".utf8).write(to: data.appendingPathComponent("cohort/visits.csv"))
        try Data("inputs:\n  - cohort/visits.csv\n".utf8).write(to: data.appendingPathComponent("config.yaml"))
        let fixtures = Fixtures(safeData: data, environment: ["CONFIG=/safe_data/config.yaml"], arguments: [], options: EngineOptions(), sources: [:])
        let renamed = try fixtures.renamingInputs(into: folder.url.appendingPathComponent("renamed"))
        #expect(renamed.renamed == ["cohort/visits.csv": "cohort/renamed-visits.csv"])
        #expect(renamed.updatedFiles == ["safe_data/config.yaml"])
        let config = try String(contentsOf: renamed.fixtures.safeData.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(config == "inputs:\n  - cohort/renamed-visits.csv\n")
        #expect(renamed.fixtures.environment == ["CONFIG=/safe_data/config.yaml"])
        // The original fixtures are untouched.
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("cohort/visits.csv").path))
    }

    @Test func packetParserReadsDNSAndSYNAndIgnoresReplies() {
        func ipv4(proto: UInt8, source: [UInt8], destination: [UInt8], transport: [UInt8]) -> [UInt8] {
            var frame = [UInt8](repeating: 0, count: 12) + [0x08, 0x00]
            frame += [0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0] + source + destination
            return frame + transport
        }
        let syn = ipv4(proto: 6, source: [10, 0, 0, 1], destination: [203, 0, 113, 7],
                       transport: [0xC0, 0x00, 0x01, 0xBB, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0, 0, 0, 0, 0, 0])
        #expect(PacketParser.attempt(in: syn) == NetworkAttempt(kind: "tcp", address: "203.0.113.7", port: 443))
        var synAck = syn
        synAck[14 + 20 + 13] = 0x12
        #expect(PacketParser.attempt(in: synAck) == nil)
        let query: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3] + Array("pypi".utf8).prefix(3) + [3] + Array("org".utf8) + [0, 0, 1, 0, 1]
        let dns = ipv4(proto: 17, source: [10, 0, 0, 1], destination: [192, 0, 2, 53], transport: [0xC0, 0x01, 0, 53, 0, 0, 0, 0] + query)
        #expect(PacketParser.attempt(in: dns) == NetworkAttempt(kind: "dns", name: "pyp.org", address: "192.0.2.53", port: 53))
        let loopback = ipv4(proto: 6, source: [127, 0, 0, 1], destination: [127, 0, 0, 1],
                            transport: [0xC0, 0x00, 0x1F, 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0, 0, 0, 0, 0, 0])
        #expect(PacketParser.attempt(in: loopback) == nil)
        let reply = PacketParser.nxdomainReply(to: query)
        #expect(reply?.count == query.count)
        #expect(reply.map { [$0[0], $0[1], $0[2] & 0x80, $0[3] & 0x0F] } == [0x12, 0x34, 0x80, 3])
        #expect(PacketParser.queryName([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 200]) == nil)
    }

    @Test func peakMemoryAboveFourGiBIsAWarning() {
        let heavy = ProfileResult(
            name: "podman", exitCode: 0, signal: nil, durationSeconds: 1, outputs: ["model.bin"], networkAttempts: [],
            writesOutsideAllowed: [], safeDataModifications: [], peakMemoryBytes: 5 * 1_073_741_824, timedOut: false,
            outOfMemory: false, pidsLimitHit: false, user: "0:0", readOnlyRoot: false, outputTail: nil, reason: nil)
        var light = heavy
        light.peakMemoryBytes = 3 * 1_073_741_824
        let request = SandboxRequest(image: SandboxImage(config: .init(), archivePath: nil) { _ in }, profiles: [.podman])
        let warned = Verdicts.violations(for: SandboxReport(engine: "runc", profiles: [heavy]), profiles: [.podman], request: request)
        #expect(warned.map(\.rule) == ["TRE909"])
        #expect(warned.first?.message.contains("5.0 GiB") == true)
        #expect(Verdicts.violations(for: SandboxReport(engine: "runc", profiles: [light]), profiles: [.podman], request: request).isEmpty)
    }

    @Test func pythonBytecodeCachesAreNotTRE904() {
        var run = ProfileResult(
            name: "podman", exitCode: 0, signal: nil, durationSeconds: 1, outputs: ["r.csv"], networkAttempts: [],
            writesOutsideAllowed: ["/usr/lib/python3.11/__pycache__/os.cpython-311.pyc"], safeDataModifications: [],
            peakMemoryBytes: 1, timedOut: false, outOfMemory: false, pidsLimitHit: false, user: "0:0", readOnlyRoot: false,
            outputTail: nil, reason: nil)
        let request = SandboxRequest(image: SandboxImage(config: .init(), archivePath: nil) { _ in }, profiles: [.podman])
        #expect(Verdicts.violations(for: SandboxReport(engine: "runc", profiles: [run]), profiles: [.podman], request: request).isEmpty)
        run.writesOutsideAllowed.append("/app/cache.db")
        let violations = Verdicts.violations(for: SandboxReport(engine: "runc", profiles: [run]), profiles: [.podman], request: request)
        #expect(violations.map(\.rule) == ["TRE904"])
        #expect(violations.first?.evidence == ["/app/cache.db"])
    }

    @Test func missingEngineIsTRE910WithReasonAndFix() throws {
        let request = SandboxRequest(image: SandboxImage(config: .init(), archivePath: nil) { _ in }, engine: .docker)
        let outcome = try SandboxRunner.run(request)
        #expect(outcome.report.engine == "none")
        #expect(outcome.report.profiles.isEmpty)
        let violation = try #require(outcome.violations.first)
        #expect(violation.rule == "TRE910")
        #expect(violation.message.contains("docker"))
        #expect(violation.message.contains("To enable it"))
    }

    @Test func badFixturesAreAnInputError() throws {
        let folder = try TestFolder()
        let request = SandboxRequest(image: SandboxImage(config: .init(), archivePath: nil) { _ in }, fixtures: folder.url)
        #expect(throws: SandboxError.badFixtures("\(folder.url.path) has no safe_data/ folder")) { try SandboxRunner.run(request) }
    }
}
