import Foundation
import ImageKit
import Testing
import TestSupport
import TRELint
import Yams

/// YAML as plain values with every scalar a string (so `on:` stays a key, not a boolean).
private func loadYAML(_ url: URL) throws -> [String: Any] {
    let text = try String(contentsOf: url, encoding: .utf8)
    return try #require(try Yams.load(yaml: text, .basic).flatMap(stringKeyed), "\(url.lastPathComponent) is not a YAML mapping")
}

private func stringKeyed(_ value: Any) -> [String: Any]? {
    if let mapping = value as? [String: Any] { return mapping }
    guard let mapping = value as? [AnyHashable: Any] else { return nil }
    return Dictionary(uniqueKeysWithValues: mapping.compactMap { key, value in (key.base as? String).map { ($0, value) } })
}

private func mappings(_ value: Any?) -> [[String: Any]] { (value as? [Any] ?? []).compactMap(stringKeyed) }

/// Every string in a YAML tree, with where it is.
private func strings(in value: Any?, at path: String = "") -> [(path: String, text: String)] {
    if let text = value as? String { return [(path, text)] }
    if let list = value as? [Any] { return list.enumerated().flatMap { strings(in: $1, at: "\(path)[\($0)]") } }
    if let mapping = stringKeyed(value as Any) { return mapping.flatMap { strings(in: $1, at: "\(path).\($0)") } }
    return []
}

/// `steps.ID.outputs.NAME` references in a text.
private func stepOutputReferences(_ text: String) -> [(step: String, output: String)] {
    text.matches(of: /steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/).map { (String($0.1), String($0.2)) }
}

private let actionURL = ActionHarness.root.appendingPathComponent("action.yml")
private let actionScript = ActionHarness.root.appendingPathComponent("scripts/action.sh")

/// The names `scripts/action.sh` writes to `$GITHUB_OUTPUT`, by subcommand.
private func scriptOutputs() throws -> [String: Set<String>] {
    let text = try String(contentsOf: actionScript, encoding: .utf8)
    var outputs: [String: Set<String>] = [:]
    var current: String?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if let match = line.wholeMatch(of: /([a-z-]+)\)/) { current = String(match.1) }
        if let current, let match = line.firstMatch(of: #/\boutput ([a-z-]+) /#) { outputs[current, default: []].insert(String(match.1)) }
    }
    return outputs
}

@Suite struct ActionDefinitionTests {
    @Test func actionIsACompositeActionWhoseStepsAreWellFormed() throws {
        let action = try loadYAML(actionURL)
        for key in ["name", "description", "inputs", "outputs", "runs"] { #expect(action[key] != nil, "action.yml lacks \(key)") }
        let inputs = try #require(stringKeyed(action["inputs"] as Any))
        #expect(Set(["image", "dockerfile", "config", "fail-on", "run", "sarif-file"]).isSubset(of: Set(inputs.keys)))
        #expect(stringKeyed(inputs["image"] as Any)?["required"] as? String == "true")
        for (name, input) in inputs { #expect(stringKeyed(input)?["description"] is String, "input \(name) has no description") }

        let runs = try #require(stringKeyed(action["runs"] as Any))
        #expect(runs["using"] as? String == "composite")
        let steps = mappings(runs["steps"])
        #expect(steps.count >= 4)
        let subcommands = try scriptOutputs()
        var earlier: [String: Set<String>] = [:]
        for (index, step) in steps.enumerated() {
            let label = step["name"] as? String ?? "step \(index)"
            #expect((step["run"] == nil) != (step["uses"] == nil), "\(label): exactly one of run and uses")
            if let run = step["run"] as? String {
                #expect(step["shell"] as? String == "bash", "\(label): a composite run step needs shell")
                // Each run step calls one subcommand of the script, which must exist.
                let subcommand = try #require(run.firstMatch(of: /action\.sh" ([a-z-]+)/)?.1, "\(label) does not call scripts/action.sh")
                #expect(try String(contentsOf: actionScript, encoding: .utf8).contains("\n\(subcommand))\n"), "\(label): no `\(subcommand)` in action.sh")
                if let id = step["id"] as? String { earlier[id] = subcommands[String(subcommand)] ?? [] }
            }
            if let uses = step["uses"] as? String {
                #expect(uses.firstMatch(of: /^[\w.-]+\/[\w.-]+@v\d+$/) != nil, "\(label): \(uses) is not pinned to a major version")
                if let id = step["id"] as? String { earlier[id] = [] }
            }
            // Step outputs are used only after the step that writes them, and only names it writes.
            for (path, text) in strings(in: step) {
                for reference in stepOutputReferences(text) {
                    #expect(earlier[reference.step]?.contains(reference.output) == true || reference.step == "swift" && earlier["swift"] != nil,
                            "\(label)\(path): steps.\(reference.step).outputs.\(reference.output) is not written by an earlier step")
                }
            }
        }
        // Every input the action mentions exists, and every input is passed to some step.
        let text = try String(contentsOf: actionURL, encoding: .utf8)
        let mentioned = Set(text.matches(of: /inputs\.([A-Za-z0-9_-]+)/).map { String($0.1) })
        #expect(mentioned.isSubset(of: Set(inputs.keys)), "unknown inputs: \(mentioned.subtracting(inputs.keys))")
        #expect(Set(inputs.keys).isSubset(of: mentioned), "inputs never used: \(Set(inputs.keys).subtracting(mentioned))")
        // The check step hands the script every INPUT_ variable the script reads.
        let script = try String(contentsOf: actionScript, encoding: .utf8)
        let read = Set(script.matches(of: /INPUT_([A-Z_]+)/).map { String($0.1) })
        let check = try #require(steps.first { $0["id"] as? String == "check" })
        let passed = Set((stringKeyed(check["env"] as Any) ?? [:]).keys.compactMap { $0.firstMatch(of: /^INPUT_([A-Z_]+)$/).map { String($0.1) } })
        #expect(read == passed, "the script reads \(read.sorted()), the check step passes \(passed.sorted())")
        for name in passed { #expect(inputs[name.lowercased().replacingOccurrences(of: "_", with: "-")] != nil, "INPUT_\(name) has no input") }

        let outputs = try #require(stringKeyed(action["outputs"] as Any))
        #expect(Set(outputs.keys) == ["verdict", "sarif-file", "report"])
        for (name, output) in outputs {
            let value = try #require(stringKeyed(output)?["value"] as? String, "output \(name) has no value")
            #expect(stepOutputReferences(value).allSatisfy { subcommands["check"]?.contains($0.output) == true && $0.step == "check" })
        }
    }

    @Test("the example and every generated workflow are well formed and use the action as it is defined",
          arguments: ["examples/python/.github/workflows/tre-lint.yml"] + ProjectLanguage.allCases.map(\.rawValue))
    func workflowIsWellFormed(source: String) throws {
        let url: URL
        var scratch: URL?
        if let language = ProjectLanguage(rawValue: source) {
            let folder = try ActionHarness.folder("workflow")
            scratch = folder
            try ProjectTemplate.write(ProjectTemplate.files(for: language), into: folder)
            url = folder.appendingPathComponent(".github/workflows/tre-lint.yml")
        } else {
            url = ActionHarness.root.appendingPathComponent(source)
        }
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let workflow = try loadYAML(url)
        #expect(workflow["on"] != nil && workflow["name"] != nil)
        let jobs = try #require(stringKeyed(workflow["jobs"] as Any))
        #expect(!jobs.isEmpty)
        let action = try loadYAML(actionURL)
        let inputs = try #require(stringKeyed(action["inputs"] as Any))
        let outputs = try #require(stringKeyed(action["outputs"] as Any))
        var usesTheAction = false
        for (name, value) in jobs {
            let job = try #require(stringKeyed(value))
            #expect(job["runs-on"] as? String == "ubuntu-24.04", "job \(name)")
            let permissions = stringKeyed(job["permissions"] as Any) ?? [:]
            #expect(permissions["security-events"] as? String == "write" && permissions["packages"] as? String == "write")
            var ids: [String: Bool] = [:]  // id → whether it is the tre-lint action
            let steps = mappings(job["steps"])
            for (index, step) in steps.enumerated() {
                let label = "\(name) step \(step["name"] as? String ?? String(index))"
                #expect((step["run"] == nil) != (step["uses"] == nil), "\(label): exactly one of run and uses")
                if step["run"] != nil { #expect(step["shell"] as? String == "bash", "\(label) has no shell") }
                let isAction = (step["uses"] as? String)?.hasPrefix(ProjectTemplate.defaultAction.split(separator: "@")[0] + "@") == true
                if isAction {
                    usesTheAction = true
                    let with = try #require(stringKeyed(step["with"] as Any))
                    #expect(Set(with.keys).isSubset(of: Set(inputs.keys)), "\(label) passes unknown inputs")
                    #expect(with["image"] != nil)
                }
                for (path, text) in strings(in: step) {
                    for reference in stepOutputReferences(text) {
                        guard let known = ids[reference.step] else {
                            Issue.record("\(label)\(path): no earlier step \(reference.step)")
                            continue
                        }
                        if known { #expect(outputs[reference.output] != nil, "\(label): the action has no output \(reference.output)") }
                    }
                }
                if let id = step["id"] as? String { ids[id] = isAction }
            }
            // The image goes to ghcr.io only after tre-lint passed it, and never from a pull request.
            let push = try #require(steps.first { ($0["run"] as? String)?.contains("docker push") == true })
            let condition = try #require(push["if"] as? String)
            #expect(condition.contains("outputs.verdict == 'pass'") && condition.contains("pull_request"))
            let pushIndex = try #require(steps.firstIndex { ($0["run"] as? String)?.contains("docker push") == true })
            let checkIndex = try #require(steps.firstIndex { ($0["uses"] as? String)?.hasPrefix(ProjectTemplate.defaultAction) == true })
            #expect(checkIndex < pushIndex)
            let upload = try #require(steps.first { ($0["uses"] as? String)?.hasPrefix("github/codeql-action/upload-sarif@") == true })
            #expect((stringKeyed(upload["with"] as Any)?["sarif_file"] as? String)?.contains("outputs.sarif-file") == true)
            #expect((upload["if"] as? String)?.contains("!cancelled()") == true, "findings are uploaded when the check fails too")
        }
        #expect(usesTheAction)
    }

    @Test func theImageNameStepLowerCasesTheRepository() throws {
        let workflow = try loadYAML(ActionHarness.root.appendingPathComponent("examples/python/.github/workflows/tre-lint.yml"))
        let jobs = try #require(stringKeyed(workflow["jobs"] as Any))
        let job = try #require(stringKeyed(jobs["check"] as Any))
        let step = try #require(mappings(job["steps"]).first { $0["id"] as? String == "name" })
        let folder = try ActionHarness.folder("name-step")
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputFile = folder.appendingPathComponent("output")
        try Data().write(to: outputFile)
        let result = try ActionHarness.run(
            "/bin/bash", ["-e", "-c", try #require(step["run"] as? String)],
            environment: ["GITHUB_REPOSITORY": "Example-Org/My.Analysis", "GITHUB_SHA": "abc123", "GITHUB_OUTPUT": outputFile.path,
                          "PATH": "/usr/bin:/bin"])
        #expect(result.status == 0)
        #expect(try String(contentsOf: outputFile, encoding: .utf8) == "image=ghcr.io/example-org/my.analysis:abc123\n")
    }
}

/// Runs the action's check step as the runner would: the script with INPUT_* variables and GitHub's files.
struct ActionRun {
    var status: Int32
    var stdout: String
    var stderr: String
    var outputs: [String: String]
    var summary: String
    var folder: URL

    static func check(image: String, inputs: [String: String] = [:], in folder: URL) throws -> ActionRun {
        let binary = ActionHarness.root.appendingPathComponent(".build/debug/tre-lint")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build tre-lint first (swift build)")
        let outputFile = folder.appendingPathComponent("github-output"), summaryFile = folder.appendingPathComponent("step-summary")
        let runnerTemp = folder.appendingPathComponent("runner-temp")
        try FileManager.default.createDirectory(at: runnerTemp, withIntermediateDirectories: true)
        try Data().write(to: outputFile)
        try Data().write(to: summaryFile)
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": folder.path,
            "TRE_LINT": binary.path, "GITHUB_OUTPUT": outputFile.path, "GITHUB_STEP_SUMMARY": summaryFile.path,
            "RUNNER_TEMP": runnerTemp.path, "INPUT_IMAGE": image, "INPUT_RUN": "false", "INPUT_SARIF_FILE": "reports/tre-lint.sarif",
        ]
        for (name, value) in inputs { environment[name] = value }
        let result = try ActionHarness.run("/bin/bash", [actionScript.path, "check"], in: folder, environment: environment)
        var outputs: [String: String] = [:]
        for line in try String(contentsOf: outputFile, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { outputs[String(parts[0])] = String(parts[1]) }
        }
        return ActionRun(
            status: result.status, stdout: result.output, stderr: result.errors, outputs: outputs,
            summary: try String(contentsOf: summaryFile, encoding: .utf8), folder: folder)
    }
}

@Suite struct ActionRunTests {
    /// The python base, well built; `broken` drops its start command (TRE102, an error) and adds a proxy (TRE305, a warning).
    static func image(in folder: URL, broken: Bool) throws -> URL {
        var spec = try #require(BaseImages.spec("python"))
        if broken {
            spec.config.entrypoint = nil
            spec.config.cmd = nil
            spec.config.env = (spec.config.env ?? []) + ["HTTPS_PROXY=http://proxy.example.org:3128"]
        }
        let url = folder.appendingPathComponent(broken ? "broken.tar" : "good.tar")
        try ImageBuilder.write(spec, layout: .dockerArchive, to: url)
        return url
    }

    @Test func aGoodImagePassesWithSARIFSummaryAndOutputs() throws {
        let folder = try ActionHarness.folder("action-good")
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = try Self.image(in: folder, broken: false)
        let run = try ActionRun.check(image: image.path, in: folder)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.outputs["verdict"] == "pass")
        let sarifPath = folder.appendingPathComponent("reports/tre-lint.sarif").standardizedFileURL.path
        #expect(run.outputs["sarif-file"].map { URL(fileURLWithPath: $0).standardizedFileURL.path } == sarifPath)
        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sarifPath))) as? [String: Any])
        #expect(sarif["version"] as? String == "2.1.0")
        #expect(run.summary.hasPrefix("## tre-lint: ✅ pass"))
        #expect(!run.stdout.contains("::error"))
        let report = try SavedReport.load(path: try #require(run.outputs["report"]))
        #expect(report.verdict == .pass && report.run == nil)
    }

    @Test func aBrokenImageFailsAndEveryRenderingMatchesWhatCheckWouldWriteItself() throws {
        let folder = try ActionHarness.folder("action-broken")
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = try Self.image(in: folder, broken: true)
        let run = try ActionRun.check(image: image.path, in: folder)
        #expect(run.status == 1)
        #expect(run.outputs["verdict"] == "fail")
        #expect(run.stdout.contains("::error") && run.stdout.contains("TRE102"))
        #expect(run.summary.contains("❌ fail") && run.summary.contains("TRE102") && run.summary.contains("TRE305"))

        // Rendering from the one JSON report gives exactly what three separate checks would have written.
        for (format, rendered) in [("sarif", try String(contentsOfFile: try #require(run.outputs["sarif-file"]), encoding: .utf8)),
                                   ("markdown", run.summary), ("json", try String(contentsOfFile: try #require(run.outputs["report"]), encoding: .utf8))] {
            let direct = try ActionHarness.treLint(["check", image.path, "--no-run", "--format", format], in: folder)
            #expect(direct.status == 1)
            #expect(rendered == direct.output, "\(format) rendered from the saved report differs from check's own")
        }
        let annotations = try ActionHarness.treLint(["check", image.path, "--no-run", "--format", "github"], in: folder)
        #expect(run.stdout.hasPrefix(annotations.output))
    }

    /// The example workflow's tre-lint step on the example project: its Dockerfile, its .tre-lint.yaml, its fixtures.
    @Test func theExampleProjectPassesTheActionWithItsSandboxRun() throws {
        let folder = try ActionHarness.folder("action-example")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A copy, so that nothing the run writes lands in the repository.
        let project = folder.appendingPathComponent("project")
        try FileManager.default.copyItem(at: ActionHarness.root.appendingPathComponent("examples/python"), to: project)
        let image = folder.appendingPathComponent("image.tar")
        try ImageBuilder.write(try InitImageAssembly.pythonStandInSpec(project: project), layout: .dockerArchive, to: image)
        let run = try ActionRun.check(
            image: image.path, inputs: ["INPUT_RUN": "true", "INPUT_DOCKERFILE": "Dockerfile", "INPUT_SARIF_FILE": "tre-lint.sarif"], in: project)
        let report = try SavedReport.load(path: try #require(run.outputs["report"], "\(run.stdout)\n\(run.stderr)"))
        let serious = report.findings.filter { $0.severity >= .warning }
        #expect(serious.isEmpty, "\(serious.map { "\($0.rule): \($0.message)" })")
        #expect(run.status == 0 && run.outputs["verdict"] == "pass")
        let engines = ["/usr/bin/podman", "/usr/sbin/runc", "/usr/bin/runc"].filter(FileManager.default.isExecutableFile(atPath:))
        if !engines.isEmpty {
            let sandbox = try #require(report.run, "\(report.findings.map(\.message))")
            #expect(sandbox.profiles.map(\.name).sorted() == ["apptainer", "kubernetes", "podman"])
            for profile in ["podman", "apptainer", "kubernetes"] { #expect(run.summary.contains("| \(profile) | exit 0 |")) }
        }
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("tre-lint.sarif").path))
    }

    @Test func dockerfileFindingsAreAnnotatedOnTheDockerfileLine() throws {
        let folder = try ActionHarness.folder("action-annotations")
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = try Self.image(in: folder, broken: false)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("docker"), withIntermediateDirectories: true)
        try Data("FROM python:3.12\nCOPY app/ /app/\n".utf8).write(to: folder.appendingPathComponent("docker/Dockerfile"))
        let run = try ActionRun.check(image: image.path, inputs: ["INPUT_DOCKERFILE": "docker/Dockerfile"], in: folder)
        #expect(run.stdout.contains("::warning file=docker/Dockerfile,line=1,title=TRE503"), "\(run.stdout)")
        let sarif = try String(contentsOfFile: try #require(run.outputs["sarif-file"]), encoding: .utf8)
        #expect(sarif.contains("docker/Dockerfile"))
    }

    @Test func failOnMovesTheVerdictAndTheSummarySaysSo() throws {
        let folder = try ActionHarness.folder("action-fail-on")
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = try Self.image(in: folder, broken: true)
        let lenient = try ActionRun.check(image: image.path, inputs: ["INPUT_FAIL_ON": "none"], in: folder)
        #expect(lenient.status == 0 && lenient.outputs["verdict"] == "pass")
        #expect(lenient.summary.contains("fail-on none"))

        // With no fail-on input, the configuration's threshold holds for the check and for every rendering.
        let good = try Self.image(in: folder, broken: false)
        let config = folder.appendingPathComponent("strict.yaml")
        try Data("fail-on: info\n".utf8).write(to: config)
        let strict = try ActionRun.check(image: good.path, inputs: ["INPUT_CONFIG": config.path], in: folder)
        let report = try SavedReport.load(path: try #require(strict.outputs["report"]))
        let expected = report.findings.isEmpty ? "pass" : "fail"
        #expect(strict.outputs["verdict"] == expected)
        #expect(strict.summary.contains("fail-on info"))
        #expect(strict.status == (expected == "pass" ? 0 : 1))
    }

    @Test func theSwiftAndCacheKeyStepsWriteTheirOutputs() throws {
        let folder = try ActionHarness.folder("action-setup")
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputFile = folder.appendingPathComponent("github-output")
        try Data().write(to: outputFile)
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "GITHUB_OUTPUT": outputFile.path]
        for step in ["swift", "cache-key"] {
            let result = try ActionHarness.run("/bin/bash", [actionScript.path, step], in: folder, environment: environment)
            #expect(result.status == 0, "\(step): \(result.errors)")
        }
        let lines = try String(contentsOf: outputFile, encoding: .utf8).split(separator: "\n").map(String.init)
        // The tests build with Swift 6.1 or later, so the action would use this toolchain rather than install one.
        #expect(lines.first == "found=true")
        #expect(lines.count == 2 && lines[1].wholeMatch(of: /key=[0-9a-f]{8}-[0-9a-f]{16}/) != nil, "\(lines)")
        let usage = try ActionHarness.run("/bin/bash", [actionScript.path, "deploy"], in: folder, environment: environment)
        #expect(usage.status == 64)
    }

    @Test("on a machine set up by setup.sh the install step has nothing to install", arguments: ["true", "false"])
    func installFindsEverythingInstalled(run: String) throws {
        let folder = try ActionHarness.folder("action-install")
        defer { try? FileManager.default.removeItem(at: folder) }
        // apt-get is stubbed to log and fail: the step must not need it here, and must not install anything from a test.
        let stubs = folder.appendingPathComponent("stubs")
        try FileManager.default.createDirectory(at: stubs, withIntermediateDirectories: true)
        let log = folder.appendingPathComponent("apt.log")
        try Data("#!/bin/sh\necho \"$*\" >> '\(log.path)'\nexit 100\n".utf8).write(to: stubs.appendingPathComponent("apt-get"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stubs.appendingPathComponent("apt-get").path)
        let path = stubs.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try ActionHarness.run("/bin/bash", [actionScript.path, "install"], in: folder, environment: ["PATH": path, "INPUT_RUN": run, "HOME": folder.path])
        #expect(result.status == 0, "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: log.path), "apt-get was called: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    @Test func anUnusableImageExitsTwoWithAnErrorAnnotationAndNoVerdict() throws {
        let folder = try ActionHarness.folder("action-bad-input")
        defer { try? FileManager.default.removeItem(at: folder) }
        let garbage = folder.appendingPathComponent("garbage.tar")
        try Data(repeating: 0x5A, count: 4096).write(to: garbage)
        let run = try ActionRun.check(image: garbage.path, in: folder)
        #expect(run.status == 2)
        #expect(run.stdout.contains("::error title=tre-lint::"))
        #expect(run.stderr.contains("garbage.tar"))
        #expect(run.outputs["verdict"] == nil)

        let badRun = try ActionRun.check(image: garbage.path, inputs: ["INPUT_RUN": "maybe"], in: folder)
        #expect(badRun.status == 2 && badRun.stdout.contains("run must be true or false"))
        let noImage = try ActionRun.check(image: "", in: folder)
        #expect(noImage.status == 2 && noImage.stdout.contains("input image is required"))
    }

    /// A busybox image that counts the lines of the inputs its list names, with fixtures and a config running one profile.
    static func countingProject(in folder: URL) throws -> URL {
        let script = "#!/bin/sh\nset -eu\nwhile read -r name; do wc -l \"/safe_data/$name\" >> /safe_outputs/counts.txt; done < \"${1:-/safe_data/inputs.txt}\"\n"
        let spec = try ImageSpec.busybox(
            layers: [LayerSpec([.dir("safe_data"), .dir("scratch"), .dir("safe_outputs"), .dir("app"), .file("app/run.sh", script, mode: 0o755)],
                               createdBy: "COPY run.sh /app/")],
            config: ContainerConfig(env: ["PATH=/bin", "TMPDIR=/scratch"], entrypoint: ["/app/run.sh"], cmd: ["/safe_data/inputs.txt"]))
        let image = folder.appendingPathComponent("counts.tar")
        try ImageBuilder.write(spec, layout: .dockerArchive, to: image)
        let fixtures = folder.appendingPathComponent("fixtures/safe_data")
        try FileManager.default.createDirectory(at: fixtures, withIntermediateDirectories: true)
        try Data("a.csv\n".utf8).write(to: fixtures.appendingPathComponent("inputs.txt"))
        try Data("x\n1\n2\n".utf8).write(to: fixtures.appendingPathComponent("a.csv"))
        try Data("run:\n  fixtures: fixtures\n  profiles: [podman]\n  timeout: 60\n".utf8).write(to: folder.appendingPathComponent(".tre-lint.yaml"))
        return image
    }

    @Test func withRunOnTheSandboxRunsOnceAndItsResultIsInTheReport() throws {
        let folder = try ActionHarness.folder("action-run")
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = try Self.countingProject(in: folder)

        let run = try ActionRun.check(image: image.path, inputs: ["INPUT_RUN": "true"], in: folder)
        let report = try SavedReport.load(path: try #require(run.outputs["report"], "\(run.stdout)\n\(run.stderr)"))
        let engines = ["/usr/bin/podman", "/usr/sbin/runc", "/usr/bin/runc"].filter(FileManager.default.isExecutableFile(atPath:))
        if !engines.isEmpty {
            let sandbox = try #require(report.run, "an engine is installed (\(engines)) but the sandbox did not run: \(report.findings.map(\.message))")
            #expect(sandbox.profiles.map(\.name) == ["podman"])
            #expect(sandbox.profiles.first?.passed == true && sandbox.profiles.first?.outputs == ["counts.txt"])
            #expect(run.summary.contains("### Sandbox run") && run.summary.contains("| podman | exit 0 |"))
            // The run's details survive the trip through the saved report.
            let roundTrip = try ActionHarness.treLint(["report", try #require(run.outputs["report"]), "--format", "json"], in: folder)
            #expect(roundTrip.output == (try String(contentsOfFile: try #require(run.outputs["report"]), encoding: .utf8)))
        } else {
            #expect(report.findings.contains { $0.rule == "TRE910" }, "no run and no TRE910")
        }
    }
}

extension ActionRunTests {
    /// A runner user (uid 1001, as on GitHub) faked with `id` and `sudo` stubs on PATH; the sudo stub logs its arguments.
    static func nonRootPath(in folder: URL, sudoWorks: Bool) throws -> (path: String, log: URL) {
        let stubs = folder.appendingPathComponent("stubs")
        try FileManager.default.createDirectory(at: stubs, withIntermediateDirectories: true)
        let log = folder.appendingPathComponent("sudo.log")
        let id = "#!/bin/sh\n[ \"$1\" = -u ] && { echo 1001; exit 0; }\nexec /usr/bin/id \"$@\"\n"
        let sudo = sudoWorks
            ? "#!/bin/sh\necho \"$*\" >> '\(log.path)'\nwhile [ \"${1#-}\" != \"$1\" ]; do shift; done\nexec \"$@\"\n"
            : "#!/bin/sh\necho \"$*\" >> '\(log.path)'\necho 'sudo: a password is required' >&2\nexit 1\n"
        for (name, text) in [("id", id), ("sudo", sudo)] {
            try Data(text.utf8).write(to: stubs.appendingPathComponent(name))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stubs.appendingPathComponent(name).path)
        }
        return (stubs.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), log)
    }

    @Test func asARunnerUserOnlyTheCheckRunsThroughSudo() throws {
        let folder = try ActionHarness.folder("action-sudo")
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = try Self.countingProject(in: folder)
        let (path, log) = try Self.nonRootPath(in: folder, sudoWorks: true)
        let run = try ActionRun.check(image: image.path, inputs: ["INPUT_RUN": "true", "PATH": path], in: folder)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let calls = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(calls.count == 2 && calls.first == "-n true")
        #expect(calls.last?.hasPrefix("-n --preserve-env=PATH,TMPDIR \(ActionHarness.root.path)/.build/debug/tre-lint check \(image.path)") == true, "\(calls)")

        // With the static rules only, nothing needs root.
        try Data().write(to: log)
        let staticOnly = try ActionRun.check(image: image.path, inputs: ["INPUT_RUN": "false", "PATH": path], in: folder)
        #expect(staticOnly.status == 0)
        #expect(try String(contentsOf: log, encoding: .utf8).isEmpty)
    }

    @Test func withoutSudoTheCheckStillRunsAndSaysWhyTheSandboxMayNot() throws {
        let folder = try ActionHarness.folder("action-no-sudo")
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = try Self.countingProject(in: folder)
        let (path, log) = try Self.nonRootPath(in: folder, sudoWorks: false)
        let run = try ActionRun.check(image: image.path, inputs: ["INPUT_RUN": "true", "PATH": path], in: folder)
        #expect(run.stdout.contains("::warning title=tre-lint::the sandbox run needs root"))
        #expect(try String(contentsOf: log, encoding: .utf8) == "-n true\n")
        #expect(run.outputs["verdict"] != nil)
    }
}

@Suite struct ReportCommandTests {
    @Test func aSavedReportRendersBackToTheSameJSONAndItsVerdictFollowsFailOn() throws {
        let folder = try ActionHarness.folder("report-command")
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = try ActionRunTests.image(in: folder, broken: true)
        let saved = folder.appendingPathComponent("report.json")
        let check = try ActionHarness.treLint(["check", image.path, "--no-run", "--format", "json", "--output", saved.path], in: folder)
        #expect(check.status == 1)
        let json = try ActionHarness.treLint(["report", saved.path, "--format", "json"], in: folder)
        #expect(json.status == 1)
        #expect(json.output == (try String(contentsOf: saved, encoding: .utf8)))
        let lenient = try ActionHarness.treLint(["report", saved.path, "--format", "json", "--fail-on", "none"], in: folder)
        #expect(lenient.status == 0 && lenient.output.contains("\"verdict\": \"pass\""))
    }

    @Test func somethingThatIsNotAReportIsOneLineAndExitTwo() throws {
        let folder = try ActionHarness.folder("report-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases = [("not-json.json", "{ nope"), ("other.json", #"{"tool": {"name": "x", "version": "1"}}"#)]
        for (name, text) in cases {
            let file = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: file)
            let result = try ActionHarness.treLint(["report", file.path, "--format", "markdown"], in: folder)
            #expect(result.status == 2)
            #expect(result.errors.hasPrefix("tre-lint: error: cannot read the report \(file.path)") && result.errors.filter { $0 == "\n" }.count == 1,
                    "\(result.errors)")
        }
        let missing = try ActionHarness.treLint(["report", folder.appendingPathComponent("absent.json").path], in: folder)
        #expect(missing.status == 2 && missing.errors.contains("absent.json"))
    }
}
