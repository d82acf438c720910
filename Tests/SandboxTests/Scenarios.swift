import Foundation
import ImageKit
import Testing
@testable import Sandbox

/// The sandbox scenarios, each run under a given engine by the runc and podman suites.
enum Scenarios {
    static let quickLimits = SandboxLimits(timeoutSeconds: 30, memoryGB: 0.25, cores: 1, pids: 128)

    /// Runs the sandbox with its temporary folder in a folder of the test's, then checks that nothing of the run is
    /// left on the host: no files, mounts, network namespaces, cgroups or podman containers.
    static func run(
        _ image: SandboxImage, engine: EngineChoice, fixtures: URL? = nil, profiles: [ProfileSpec] = ProfileSpec.defaults,
        limits: SandboxLimits = quickLimits, checkInputList: Bool = false, keepOutputs: URL? = nil
    ) throws -> SandboxOutcome {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("tre-lint-sandbox-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let outcome = try SandboxRunner.run(SandboxRequest(
            image: image, profiles: profiles, fixtures: fixtures, limits: limits, engine: engine, keepOutputs: keepOutputs,
            checkInputList: checkInputList, temporaryDirectory: base))
        try expectCleanedUp(outcome, base: base)
        return outcome
    }

    static func expectCleanedUp(_ outcome: SandboxOutcome, base: URL) throws {
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path).isEmpty, "temporary files left")
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(base.path), "mounts left under \(base.path)")
        let id = try #require(outcome.report.runId)
        let prefix = "tre-lint-\(id)-"
        let namespaces = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        #expect(!namespaces.contains { $0.hasPrefix(prefix) }, "network namespaces left")
        for hierarchy in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup/" + hierarchy)) ?? []
            #expect(!entries.contains { $0.hasPrefix(prefix) }, "cgroups left in \(hierarchy)")
        }
        if HostTools.locate("podman") != nil {
            let containers = try HostTools.run("podman", ["ps", "--all", "--format", "{{.Names}}"]).output
            #expect(!containers.contains(prefix), "podman containers left")
        }
    }

    static func rules(_ outcome: SandboxOutcome) -> [String] { outcome.violations.map(\.rule) }

    static func shellImage(_ name: String, _ script: String, user: String? = nil, in folder: TestFolder) throws -> SandboxImage {
        try BusyboxImage.make(
            name, config: ContainerConfig(user: user, entrypoint: ["/bin/sh", "-c", script]), in: folder.url)
    }

    static func succeeds(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let fixtures = try folder.fixtures()
        let before = try fingerprint(of: fixtures)
        let keep = folder.url.appendingPathComponent("kept")
        let image = try shellImage("ok", "wc -l < /safe_data/input.csv > /safe_outputs/count.txt", in: folder)
        let outcome = try run(image, engine: engine, fixtures: fixtures, keepOutputs: keep)
        #expect(outcome.violations.isEmpty, "\(outcome.violations)")
        #expect(outcome.report.profiles.map(\.name) == ["podman", "apptainer", "kubernetes"])
        for profile in outcome.report.profiles {
            #expect(profile.exitCode == 0)
            #expect(profile.outputs == ["count.txt"])
            #expect(profile.writesOutsideAllowed.isEmpty, "\(profile.name): \(profile.writesOutsideAllowed)")
            #expect(profile.networkAttempts.isEmpty)
        }
        #expect(outcome.report.profiles[0].user == "0:0")
        #expect(outcome.report.profiles[1].user != "0:0" && !outcome.report.profiles[1].user.hasPrefix("0:"))
        let kept = try String(contentsOf: keep.appendingPathComponent("apptainer/count.txt"), encoding: .utf8)
        #expect(kept.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        #expect(try fingerprint(of: fixtures) == before)
    }

    static func exitsNonZero(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let image = try shellImage("fails", "echo 'cannot parse input' >&2; exit 3", in: folder)
        let outcome = try run(image, engine: engine, profiles: [.podman])
        let run = try #require(outcome.report.profiles.first)
        #expect(run.exitCode == 3)
        #expect(run.outputTail == ["cannot parse input"])
        let violation = try #require(outcome.violations.first { $0.rule == "TRE901" })
        #expect(violation.message.contains("exited with code 3"))
        #expect(violation.message.contains("cannot parse input"))
    }

    static func hangs(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let image = try shellImage("hangs", "echo started; sleep 600", in: folder)
        let limits = SandboxLimits(timeoutSeconds: 2, memoryGB: 0.25, cores: 1, pids: 64)
        let outcome = try run(image, engine: engine, profiles: [.podman], limits: limits)
        let run = try #require(outcome.report.profiles.first)
        #expect(run.timedOut)
        #expect(run.signal == "SIGKILL")
        #expect(run.durationSeconds < 60)
        #expect(rules(outcome) == ["TRE902"])
        #expect(run.outputTail == ["started"])
    }

    static func triesNetwork(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let script = "nslookup models.example.org; nc -w 2 203.0.113.7 443 </dev/null; echo done > /safe_outputs/log"
        let image = try shellImage("network", script, in: folder)
        let outcome = try run(image, engine: engine, profiles: [.podman])
        let run = try #require(outcome.report.profiles.first)
        #expect(run.networkAttempts.contains { $0.kind == "dns" && $0.name == "models.example.org" }, "\(run.networkAttempts)")
        #expect(run.networkAttempts.contains(NetworkAttempt(kind: "tcp", address: "203.0.113.7", port: 443)), "\(run.networkAttempts)")
        let violation = try #require(outcome.violations.first { $0.rule == "TRE903" })
        #expect(violation.message.contains("models.example.org"))
        #expect(violation.message.contains("203.0.113.7:443"))
        #expect(run.durationSeconds < 20)
    }

    static func writesEverywhere(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let fixtures = try folder.fixtures()
        let before = try fingerprint(of: fixtures)
        let script = "set -e; echo ok > /safe_outputs/result; echo x > /tmp/cache; echo y > /app/state.db; echo z > /safe_data/new.csv; rm /safe_data/input.csv"
        let image = try shellImage("writes", script, in: folder)
        let outcome = try run(image, engine: engine, fixtures: fixtures)
        let byName = Dictionary(uniqueKeysWithValues: outcome.report.profiles.map { ($0.name, $0) })
        let podman = try #require(byName["podman"])
        #expect(podman.exitCode == 0)
        #expect(podman.writesOutsideAllowed == ["/app/state.db", "/tmp/cache"])
        #expect(podman.safeDataModifications == ["/new.csv", "deleted /input.csv"])
        // Read-only root under Apptainer: the first write outside the mounts fails.
        let apptainer = try #require(byName["apptainer"])
        #expect(apptainer.exitCode != 0)
        #expect(apptainer.outputTail?.contains { $0.contains("Read-only file system") } == true)
        // An arbitrary uid cannot write to the root-owned /app.
        let kubernetes = try #require(byName["kubernetes"])
        #expect(kubernetes.exitCode != 0)
        #expect(kubernetes.writesOutsideAllowed == ["/tmp/cache"])
        let found = rules(outcome)
        for rule in ["TRE904", "TRE905", "TRE907"] { #expect(found.contains(rule), "\(rule) in \(found)") }
        let tre904 = try #require(outcome.violations.first { $0.rule == "TRE904" })
        #expect(tre904.evidence == ["/app/state.db", "/tmp/cache"])
        let tre905 = try #require(outcome.violations.first { $0.rule == "TRE905" })
        #expect(tre905.evidence == ["/safe_data/new.csv", "deleted /input.csv"])
        let apptainerMismatch = try #require(outcome.violations.first { $0.rule == "TRE907" && $0.profile == "apptainer" })
        #expect(apptainerMismatch.message.contains("read-only"))
        #expect(try fingerprint(of: fixtures) == before)
    }

    static func forkBomb(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let image = try shellImage("forkbomb", "i=0; while [ $i -lt 400 ]; do sleep 3 & i=$((i+1)); done; wait", in: folder)
        let limits = SandboxLimits(timeoutSeconds: 20, memoryGB: 0.25, cores: 1, pids: 32)
        let outcome = try run(image, engine: engine, profiles: [.podman], limits: limits)
        let run = try #require(outcome.report.profiles.first)
        #expect(run.pidsLimitHit)
        #expect(!run.timedOut)
    }

    static func exceedsMemory(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let image = try shellImage("memory", "x=$(head -c 400000000 /dev/zero | tr '\\0' a); echo ${#x}", in: folder)
        let limits = SandboxLimits(timeoutSeconds: 30, memoryGB: 0.0625, cores: 1, pids: 64)
        let outcome = try run(image, engine: engine, profiles: [.podman], limits: limits)
        let run = try #require(outcome.report.profiles.first)
        #expect(run.outOfMemory)
        #expect(run.signal == "SIGKILL")
        let peak = try #require(run.peakMemoryBytes)
        #expect(peak > 40 * 1_048_576 && peak <= 64 * 1_048_576 + 1_048_576)
        let violation = try #require(outcome.violations.first { $0.rule == "TRE901" })
        #expect(violation.message.contains("running out of memory"))
        // podman's conmon writes an `oom` file into its working directory: it must not be the user's.
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/oom"))
    }

    static func needsRoot(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let script = "test \"$(id -u)\" = 0 || { echo 'must run as root' >&2; exit 1; }; cat /safe_data/input.csv > /safe_outputs/copy.csv"
        let image = try shellImage("rootonly", script, in: folder)
        let outcome = try run(image, engine: engine)
        #expect(outcome.report.profiles.map(\.passed) == [true, false, false])
        let mismatches = outcome.violations.filter { $0.rule == "TRE907" }
        #expect(mismatches.map(\.profile) == ["apptainer", "kubernetes"])
        #expect(mismatches.allSatisfy { $0.message.contains("arbitrary non-root uid") && $0.message.contains("works under Podman") })
    }

    static func nonRootUser(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let image = try shellImage("userimage", "cat /safe_data/input.csv > /safe_outputs/copy.csv", user: "analyst", in: folder)
        let outcome = try run(image, engine: engine)
        #expect(outcome.report.profiles.map(\.passed) == [false, true, true])
        let mismatch = try #require(outcome.violations.first { $0.rule == "TRE907" })
        #expect(mismatch.profile == "podman")
        #expect(mismatch.message.contains("Drop USER"))
        #expect(mismatch.message.contains("0770 nobody:root"))
    }

    static func onlyFixedUser(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let script = "test \"$(id -u)\" = 1000 || { echo \"expected uid 1000, got $(id -u)\" >&2; exit 1; }; echo ok > /safe_outputs/ok"
        let image = try shellImage("fixeduser", script, user: "1000:1000", in: folder)
        let outcome = try run(image, engine: engine)
        // Podman keeps USER 1000 but cannot give it /safe_outputs; the others ignore USER.
        #expect(outcome.report.profiles.allSatisfy { !$0.passed })
        #expect(outcome.report.profiles[0].user == "1000:1000")
        #expect(rules(outcome) == ["TRE901", "TRE901", "TRE901"])
        #expect(outcome.violations[1].message.contains("expected uid 1000"))
    }

    static func apptainerHome(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let script = "echo note > \"$HOME/notes\" && echo \"$HOME\" > /safe_outputs/home && echo ok > /scratch/tmp"
        let image = try shellImage("home", script, in: folder)
        let outcome = try run(image, engine: engine, profiles: [.apptainer])
        let run = try #require(outcome.report.profiles.first)
        // $HOME is bound in from a fresh folder, so writing there is allowed even with a read-only root.
        #expect(run.passed, "\(run.outputTail ?? [])")
        #expect(run.writesOutsideAllowed.isEmpty)
        #expect(run.outputs == ["home"])
        #expect(outcome.violations.isEmpty, "\(outcome.violations)")
    }

    static func ignoresInputList(_ engine: EngineChoice) throws {
        let folder = try TestFolder()
        let fixtures = try folder.fixtures(args: "/safe_data/input.csv\n")
        let honest = try BusyboxImage.make(
            "honest", config: ContainerConfig(entrypoint: ["/bin/sh", "-c", "cat \"$1\" > /safe_outputs/out.csv", "sh"]), in: folder.url)
        let good = try run(honest, engine: engine, fixtures: fixtures, profiles: [.podman], checkInputList: true)
        let check = try #require(good.report.inputListCheck)
        #expect(check.renamed == ["input.csv": "renamed-input.csv"])
        #expect(check.run.passed)
        #expect(!rules(good).contains("TRE908"))

        let hardCoded = try BusyboxImage.make(
            "hardcoded", config: ContainerConfig(entrypoint: ["/bin/sh", "-c", "cat /safe_data/input.csv > /safe_outputs/out.csv", "sh"]),
            in: folder.url)
        let bad = try run(hardCoded, engine: engine, fixtures: fixtures, profiles: [.podman], checkInputList: true)
        #expect(bad.report.profiles.first?.passed == true)
        let violation = try #require(bad.violations.first { $0.rule == "TRE908" })
        #expect(violation.message.contains("input.csv → renamed-input.csv"))
        #expect(bad.report.inputListCheck?.oldNamesMentioned == ["input.csv"])
    }
}

@Suite("Sandbox under runc")
struct RuncScenarioTests {
    @Test func succeeds() throws { try Scenarios.succeeds(.runc) }
    @Test func exitsNonZero() throws { try Scenarios.exitsNonZero(.runc) }
    @Test func hangs() throws { try Scenarios.hangs(.runc) }
    @Test func triesNetwork() throws { try Scenarios.triesNetwork(.runc) }
    @Test func writesEverywhere() throws { try Scenarios.writesEverywhere(.runc) }
    @Test func forkBomb() throws { try Scenarios.forkBomb(.runc) }
    @Test func exceedsMemory() throws { try Scenarios.exceedsMemory(.runc) }
    @Test func needsRoot() throws { try Scenarios.needsRoot(.runc) }
    @Test func nonRootUser() throws { try Scenarios.nonRootUser(.runc) }
    @Test func onlyFixedUser() throws { try Scenarios.onlyFixedUser(.runc) }
    @Test func ignoresInputList() throws { try Scenarios.ignoresInputList(.runc) }
    @Test func apptainerHome() throws { try Scenarios.apptainerHome(.runc) }
}

@Suite("Sandbox under podman", .serialized, .enabled(if: HostTools.locate("podman") != nil, "podman is not installed"))
struct PodmanScenarioTests {
    @Test func succeeds() throws { try Scenarios.succeeds(.podman) }
    @Test func exitsNonZero() throws { try Scenarios.exitsNonZero(.podman) }
    @Test func hangs() throws { try Scenarios.hangs(.podman) }
    @Test func triesNetwork() throws { try Scenarios.triesNetwork(.podman) }
    @Test func writesEverywhere() throws { try Scenarios.writesEverywhere(.podman) }
    @Test func forkBomb() throws { try Scenarios.forkBomb(.podman) }
    @Test func exceedsMemory() throws { try Scenarios.exceedsMemory(.podman) }
    @Test func needsRoot() throws { try Scenarios.needsRoot(.podman) }
    @Test func nonRootUser() throws { try Scenarios.nonRootUser(.podman) }
    @Test func onlyFixedUser() throws { try Scenarios.onlyFixedUser(.podman) }
    @Test func ignoresInputList() throws { try Scenarios.ignoresInputList(.podman) }
    @Test func apptainerHome() throws { try Scenarios.apptainerHome(.podman) }
}
