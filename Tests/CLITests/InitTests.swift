import DockerfileKit
import Foundation
import Reports
import Rules
import Testing
import TestSupport
import TRELint

@Suite struct InitTests {
    @Test("each template passes check as generated", arguments: ProjectLanguage.allCases)
    func templatePassesCheck(language: ProjectLanguage) throws {
        let project = try ActionHarness.folder("init-\(language.rawValue)")
        defer { try? FileManager.default.removeItem(at: project) }
        try ProjectTemplate.write(ProjectTemplate.files(for: language), into: project)
        let image = project.appendingPathComponent("image.tar")
        try ImageBuilder.write(try InitImageAssembly.spec(for: language, project: project), layout: .dockerArchive, to: image)

        let reportPath = project.appendingPathComponent("report.json").path
        let request = CheckRequest(
            image: image.path, dockerfile: project.appendingPathComponent("Dockerfile").path, format: .json, output: reportPath,
            noRun: true)
        // The project's own .tre-lint.yaml is found in the working directory, as a user running check there would have it.
        let status = try CheckCore.run(request, workingDirectory: project.path, standardOutputIsTerminal: false) { try CheckAnalyzer.analyze($0, settings: $1) }
        let report = try SavedReport.load(path: reportPath)
        let serious = report.findings.filter { $0.severity >= .warning }
        #expect(serious.isEmpty, "\(language.rawValue): \(serious.map { "\($0.rule) \($0.location.displayText): \($0.message)" })")
        #expect(status == 0 && report.verdict == .pass)
        #expect(report.run == nil)
    }

    @Test("the assembled image is what the Dockerfile says", arguments: ProjectLanguage.allCases)
    func assemblyFollowsTheDockerfile(language: ProjectLanguage) throws {
        let project = try ActionHarness.folder("init-assembly")
        defer { try? FileManager.default.removeItem(at: project) }
        try ProjectTemplate.write(ProjectTemplate.files(for: language), into: project)
        let spec = try InitImageAssembly.spec(for: language, project: project)
        let script = "/app/\(language == .r ? "run.R" : language == .julia ? "run.jl" : "run.py")"
        #expect(spec.config.entrypoint?.last == script)
        #expect(spec.config.cmd == ["/safe_data/inputs.txt"])
        #expect(spec.config.env?.contains("TMPDIR=/scratch") == true)
        #expect(spec.config.labels?["org.opencontainers.image.revision"] == InitImageAssembly.buildArgs["REVISION"])
        let names = spec.layers.flatMap(\.entries).map { String(decoding: $0.name, as: UTF8.self) }
        #expect(names.contains(String(script.dropFirst())))
        #expect(["safe_data", "scratch", "safe_outputs"].allSatisfy(names.contains))
        // The example data stays out of the image: only the sandbox mounts it.
        #expect(!names.contains { $0.hasSuffix(".csv") })
    }

    @Test("every Dockerfile pins a linux/amd64 base by digest, CUDA 11.1 or later for cuda-python", arguments: ProjectLanguage.allCases)
    func dockerfilePinsItsBase(language: ProjectLanguage) throws {
        let text = try #require(ProjectTemplate.files(for: language).first { $0.path == "Dockerfile" }).contents
        let dockerfile = try Dockerfile(parsing: text)
        let stage = try #require(dockerfile.finalStage)
        #expect(stage.platform == "linux/amd64")
        #expect(stage.resolvedBaseImage.range(of: #"@sha256:[0-9a-f]{64}$"#, options: .regularExpression) != nil)
        if language == .cudaPython {
            let version = try #require(stage.resolvedBaseImage.firstMatch(of: /cuda:(\d+)\.(\d+)/))
            #expect((Int(version.1) ?? 0, Int(version.2) ?? 0) >= (11, 1))
            let requirements = try #require(ProjectTemplate.files(for: language).first { $0.path == "requirements.txt" }).contents
            #expect(requirements.contains("+cu\(version.1)\(version.2)"), "PyTorch's CUDA must match the base's")
        }
    }

    @Test func theCommandWritesEveryFileAndRefusesToOverwrite() throws {
        let parent = try ActionHarness.folder("init-cli")
        defer { try? FileManager.default.removeItem(at: parent) }
        let project = parent.appendingPathComponent("analysis")
        let first = try ActionHarness.treLint(["init", project.path, "--lang", "r"])
        #expect(first.status == 0, "\(first.errors)")
        for file in ProjectTemplate.files(for: .r) {
            let written = try String(contentsOf: project.appendingPathComponent(file.path), encoding: .utf8)
            #expect(written == file.contents, "\(file.path) differs from the template")
            #expect(first.output.contains(file.path))
        }
        let mode = try FileManager.default.attributesOfItem(atPath: project.appendingPathComponent("app/run.R").path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o755)

        // A user's edit survives a second init: exit 2, one line, nothing written.
        let dockerfile = project.appendingPathComponent("Dockerfile")
        try Data("FROM mine\n".utf8).write(to: dockerfile)
        try FileManager.default.removeItem(at: project.appendingPathComponent(".tre-lint.yaml"))
        let second = try ActionHarness.treLint(["init", project.path, "--lang", "python"])
        #expect(second.status == 2)
        #expect(second.errors.hasPrefix("tre-lint: error: ") && second.errors.filter { $0 == "\n" }.count == 1)
        #expect(second.errors.contains("Dockerfile already exists") && second.errors.contains("--force"))
        #expect(try String(contentsOf: dockerfile, encoding: .utf8) == "FROM mine\n")
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent(".tre-lint.yaml").path))
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("app/run.py").path))

        let forced = try ActionHarness.treLint(["init", project.path, "--lang", "python", "--force"])
        #expect(forced.status == 0, "\(forced.errors)")
        #expect(try String(contentsOf: dockerfile, encoding: .utf8).contains("python:3.12-slim@sha256:"))

        let usage = try ActionHarness.treLint(["init", project.path, "--lang", "fortran"])
        #expect(usage.status == 64)
        let badAction = try ActionHarness.treLint(["init", parent.appendingPathComponent("other").path, "--action", "me/x@v1\n  evil: true"])
        #expect(badAction.status == 64 && badAction.errors.contains("--action must be OWNER/REPO@REF"))
        #expect(!FileManager.default.fileExists(atPath: parent.appendingPathComponent("other").path))
        let ownAction = try ActionHarness.treLint(["init", parent.appendingPathComponent("own").path, "--action", "my-org/tre-lint@v2.1"])
        #expect(ownAction.status == 0, "\(ownAction.errors)")
        let workflow = try String(contentsOf: parent.appendingPathComponent("own/.github/workflows/tre-lint.yml"), encoding: .utf8)
        #expect(workflow.contains("uses: my-org/tre-lint@v2.1\n"))
    }

    @Test func forceReplacesASymlinkInsteadOfWritingThroughIt() throws {
        let parent = try ActionHarness.folder("init-link")
        defer { try? FileManager.default.removeItem(at: parent) }
        let outside = parent.appendingPathComponent("outside.txt")
        try Data("keep\n".utf8).write(to: outside)
        let project = parent.appendingPathComponent("project")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: project.appendingPathComponent("Dockerfile"), withDestinationURL: outside)
        #expect(throws: InitError.self) { try ProjectTemplate.write(ProjectTemplate.files(for: .julia), into: project) }
        try ProjectTemplate.write(ProjectTemplate.files(for: .julia), into: project, force: true)
        #expect(try String(contentsOf: outside, encoding: .utf8) == "keep\n")
        #expect(try String(contentsOf: project.appendingPathComponent("Dockerfile"), encoding: .utf8).contains("julia:1.10"))
    }

    @Test func aFileWhereTheFolderShouldBeIsOneLine() throws {
        let parent = try ActionHarness.folder("init-file")
        defer { try? FileManager.default.removeItem(at: parent) }
        let file = parent.appendingPathComponent("taken")
        try Data().write(to: file)
        #expect(throws: InitError.notADirectory(file.path)) { try ProjectTemplate.write(ProjectTemplate.files(for: .python), into: file) }
    }

    @Test("the committed example project is init's python output")
    func exampleProjectMatchesTheTemplate() throws {
        let example = ActionHarness.root.appendingPathComponent("examples/python")
        for file in ProjectTemplate.files(for: .python) {
            let committed = try String(contentsOf: example.appendingPathComponent(file.path), encoding: .utf8)
            #expect(committed == file.contents, "examples/python/\(file.path) drifted: regenerate with tre-lint init examples/python --force")
        }
    }

    @Test("the Python entrypoints compile", arguments: [ProjectLanguage.python, .cudaPython])
    func pythonEntrypointsCompile(language: ProjectLanguage) throws {
        let python = try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile(atPath:)),
                                  "python3 is part of the test machine (setup.sh's venv needs it)")
        let folder = try ActionHarness.folder("init-compile")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ProjectTemplate.write(ProjectTemplate.files(for: language), into: folder)
        let source = folder.appendingPathComponent("app/run.py").path
        let compiled = try ActionHarness.run(python, ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", source])
        #expect(compiled.status == 0, "\(compiled.errors)")
    }

    /// The python project run in the sandbox as generated: its .tre-lint.yaml, its safe_data/ and input list, its Dockerfile's
    /// entrypoint and CMD, with `InitImageAssembly.pythonStandInSpec` standing in for Python.
    @Test func thePythonProjectRunsInTheSandboxWithItsOwnFixtures() throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/busybox") else {
            Issue.record("busybox-static is part of the test machine (scripts/setup.sh)")
            return
        }
        let project = try ActionHarness.folder("init-run")
        defer { try? FileManager.default.removeItem(at: project) }
        try ProjectTemplate.write(ProjectTemplate.files(for: .python), into: project)
        let spec = try InitImageAssembly.pythonStandInSpec(project: project)
        let image = project.appendingPathComponent("image.tar")
        try ImageBuilder.write(spec, layout: .dockerArchive, to: image)

        let reportPath = project.appendingPathComponent("report.json").path
        let request = CheckRequest(image: image.path, dockerfile: project.appendingPathComponent("Dockerfile").path, format: .json, output: reportPath)
        _ = try CheckCore.run(request, workingDirectory: project.path, standardOutputIsTerminal: false) { try CheckAnalyzer.analyze($0, settings: $1) }
        let report = try SavedReport.load(path: reportPath)
        let runFindings = report.findings.filter { $0.rule.hasPrefix("TRE9") }
        if runFindings.contains(where: { $0.rule == "TRE910" }) {
            let hasEngine = ["/usr/bin/podman", "/usr/sbin/runc", "/usr/bin/runc"].contains(where: FileManager.default.isExecutableFile(atPath:))
            #expect(!hasEngine, "an engine is installed but the sandbox could not run: \(runFindings.map(\.message))")
            return
        }
        #expect(runFindings.filter { $0.severity >= .warning }.isEmpty, "\(runFindings.map { "\($0.rule): \($0.message)" })")
        let sandbox = try #require(report.run)
        #expect(Set(sandbox.profiles.map(\.name)) == ["podman", "apptainer", "kubernetes"])
        for profile in sandbox.profiles {
            #expect(profile.passed && profile.outputs == ["summary.csv"], "\(profile.name): exit \(profile.exitCode.map(String.init) ?? "none") \(profile.reason ?? "") \(profile.outputTail ?? [])")
        }
        #expect(sandbox.inputListCheck?.run.passed == true, "the renamed-inputs run must pass: the list, not the code, names the inputs")
    }
}

