import TRECore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Reports
import Rules
import Sandbox
import Testing

/// A report with a finding of every severity and location kind, texts that need escaping in every format, and a run.
func sampleReport(catalog: RuleCatalog, dockerfile: String, version: String, failOn: FailThreshold = .error, withRun: Bool = true) throws -> CheckReport {
    let violations = [
        Violation(rule: "TRE105", message: "ENTRYPOINT python3 app.py, run: drops --arg-file arguments", location: Location(kind: .dockerfile, path: dockerfile, line: 7)),
        Violation(rule: "TRE107", message: "USER is `app` (uid 1000)", location: Location(kind: .imageConfig, path: "User")),
        Violation(rule: "TRE202", message: "42% of /scratch is shipped\nin the image: <data> & more", location: Location(kind: .imageFile, path: "/scratch/cache dir/a|b.bin", layer: 2)),
        Violation(rule: "TRE204", message: "opens \"/safe_data/my_patients.csv\"", location: Location(kind: .imageFile, path: "/app/main.py", line: 12, layer: 4)),
        Violation(rule: "TRE506", message: "/usr/bin/passwd is setuid root", location: Location(kind: .imageFile, path: "/usr/bin/passwd", layer: 0)),
        Violation(rule: "TRE901", message: "exited 1 under profile apptainer", location: Location(kind: .run, path: "apptainer")),
    ]
    let findings = try RuleEngine(catalog: catalog, configuration: Configuration()).findings(from: violations)
    // The sandbox's ProfileRun has no public memberwise initialiser; its JSON form is its public shape.
    let run = try JSONDecoder().decode(SandboxReport.self, from: Data("""
        {"engine": "podman", "notes": [], "profiles": [
          {"name": "podman", "exitCode": 0, "durationSeconds": 3.25, "outputs": ["result.csv"], "networkAttempts": [],
           "writesOutsideAllowed": [], "safeDataModifications": [], "timedOut": false, "outOfMemory": false,
           "pidsLimitHit": false, "user": "0:0", "readOnlyRoot": false},
          {"name": "apptainer", "exitCode": 1, "durationSeconds": 1, "outputs": [],
           "networkAttempts": [{"kind": "dns", "name": "pypi.org"}], "writesOutsideAllowed": ["/app/cache"],
           "safeDataModifications": [], "timedOut": false, "outOfMemory": false, "pidsLimitHit": false,
           "user": "123456:5000", "readOnlyRoot": true}
        ]}
        """.utf8))
    return CheckReport(
        tool: ToolInfo(version: version),
        image: ImageIdentity(reference: "docker-archive:build/app.tar", manifestDigest: "sha256:" + String(repeating: "ab", count: 32), configDigest: "sha256:" + String(repeating: "cd", count: 32)),
        findings: findings, run: withRun ? run : nil, failOn: failOn
    )
}

@Suite("Reporters")
struct ReportsTests {
    let catalog: RuleCatalog
    let report: CheckReport

    init() throws {
        catalog = try sampleCatalog()
        report = try sampleReport(catalog: catalog, dockerfile: "docker/Dockerfile", version: "9.9.9")
    }

    func render(_ format: ReportFormat, failOn: FailThreshold = .error, color: Bool = false) -> String {
        format.reporter(ReportSettings(catalog: catalog, failOn: failOn, color: color)).render(report)
    }

    @Test("the JSON report has the contract's keys in order, nulls spelled out, and decodes back to the same report")
    func jsonRoundTrip() throws {
        let text = render(.json)
        let decoded = try JSONDecoder().decode(CheckReport.self, from: Data(text.utf8))
        #expect(decoded == report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["tool", "image", "findings", "run", "summary", "verdict"])
        let keyOrder = ["\"tool\"", "\"image\"", "\"findings\"", "\"run\"", "\"summary\"", "\"verdict\""].compactMap { text.range(of: $0)?.lowerBound }
        #expect(keyOrder.count == 6 && keyOrder == keyOrder.sorted())
        let findings = try #require(object["findings"] as? [[String: Any]])
        let configFinding = try #require(findings.first { $0["rule"] as? String == "TRE107" })
        let location = try #require(configFinding["location"] as? [String: Any])
        #expect(location["line"] is NSNull && location["layer"] is NSNull && location["path"] as? String == "User")

        var withoutRun = report
        withoutRun.run = nil
        let noRun = try #require(try JSONSerialization.jsonObject(with: Data(JSONReporter().render(withoutRun).utf8)) as? [String: Any])
        #expect(noRun["run"] is NSNull)
    }

    @Test("GitHub commands escape %, CR and LF in messages, and also : and , in properties")
    func githubEscaping() {
        #expect(GitHubReporter.escapeData("50% done\r\nnext") == "50%25 done%0D%0Anext")
        #expect(GitHubReporter.escapeProperty("a,b:c%\n") == "a%2Cb%3Ac%25%0A")
        let lines = render(.github).split(separator: "\n").map(String.init)
        #expect(lines.count == report.findings.count + 1)
        let dockerfileLine = lines.first { $0.contains("TRE105") }
        #expect(dockerfileLine?.hasPrefix("::warning file=docker/Dockerfile,line=7,title=TRE105 ENTRYPOINT in shell form::") == true)
        #expect(dockerfileLine?.contains("python3 app.py, run: drops") == true, "message data keeps , and :")
        let imageLine = lines.first { $0.contains("TRE202") } ?? ""
        #expect(imageLine.hasPrefix("::error title=TRE202 Content under a mount point is hidden::/scratch/cache dir/a|b.bin (layer 2): 42%25 of /scratch"))
        #expect(!imageLine.contains("file="), "paths inside the image are not repository files")
        #expect(lines.contains { $0.hasPrefix("::notice title=TRE506") })
        #expect(lines.last?.hasPrefix("::notice title=tre-lint failed::") == true)
    }

    @Test("JUnit XML parses, has one case per catalog rule, and fails the rules at or above --fail-on")
    func junit() throws {
        for (failOn, failing) in [(FailThreshold.error, 3), (.warning, 5), (.info, 6), (.never, 0)] {
            let xml = render(.junit, failOn: failOn)
            let counter = XMLCounter()
            let parser = XMLParser(data: Data(xml.utf8))
            parser.delegate = counter
            #expect(parser.parse(), "JUnit output is not well-formed XML")
            #expect(counter.counts["testcase"] == catalog.rules.count)
            #expect(counter.counts["failure"] ?? 0 == failing)
            #expect(xml.contains("failures=\"\(failing)\""))
        }
    }

    @Test("tty output is coloured only when asked, and says how to learn more about each finding")
    func tty() {
        let plain = render(.tty)
        let coloured = render(.tty, color: true)
        #expect(!plain.contains("\u{1B}["))
        #expect(coloured.contains("\u{1B}[31m"))
        for finding in report.findings { #expect(plain.contains("tre-lint explain \(finding.rule)")) }
        #expect(plain.split(separator: "\n").last == "FAIL (fail-on error): 3 errors, 2 warnings, 1 info")
        let errors = plain.range(of: "ERRORS (3)"), warnings = plain.range(of: "WARNINGS (2)"), info = plain.range(of: "INFO (1)")
        #expect(errors != nil && warnings != nil && info != nil)
        if let errors, let warnings, let info { #expect(errors.lowerBound < warnings.lowerBound && warnings.lowerBound < info.lowerBound) }
    }

    @Test(
        "colour follows the terminal, NO_COLOR and TERM",
        arguments: [
            (true, [:], true), (false, [:], false), (true, ["NO_COLOR": "1"], false), (true, ["NO_COLOR": ""], true),
            (true, ["TERM": "dumb"], false), (true, ["TERM": "xterm-256color"], true),
        ] as [(Bool, [String: String], Bool)]
    )
    func colourPolicy(isTerminal: Bool, environment: [String: String], expected: Bool) {
        #expect(TerminalColor.isEnabled(isTerminal: isTerminal, environment: environment) == expected)
    }

    @Test("markdown escapes what would break emphasis, tables and code spans")
    func markdown() {
        let text = render(.markdown)
        #expect(text.hasPrefix("## tre-lint: ❌ fail for `docker-archive:build/app.tar`"))
        #expect(text.contains("`/scratch/cache dir/a\\|b.bin (layer 2)`"))
        #expect(text.contains("USER is \\`app\\` (uid 1000)"))
        #expect(text.contains("\\<data\\> & more"))
    }

    @Test("SARIF validates against the SARIF 2.1.0 schema (in-test validator, and python jsonschema when installed)")
    func sarifSchema() throws {
        // A committed copy of the OASIS schema, so the test runs in any clone.
        let schemaFile = RepositoryPaths.fixtures.appendingPathComponent("sarif-2.1.0.json")
        let validator = try JSONSchemaValidator(schemaFile: schemaFile)
        let text = render(.sarif)
        let document = try JSONSerialization.jsonObject(with: Data(text.utf8))
        #expect(validator.errors(in: document) == [])

        // The validator must be able to fail: a result without a message and an unknown level are rejected.
        var broken = try #require(document as? [String: Any])
        var runs = try #require(broken["runs"] as? [[String: Any]])
        var results = try #require(runs[0]["results"] as? [[String: Any]])
        results[0]["message"] = nil
        results[0]["level"] = "fatal"
        runs[0]["results"] = results
        broken["runs"] = runs
        #expect(validator.errors(in: broken).count >= 2)

        if let python = Self.pythonWithJSONSchema() {
            let result = try runPythonValidator(python: python, schema: schemaFile, document: text)
            #expect(result.status == 0, "python jsonschema: \(result.output)")
        }
    }

    @Test("SARIF lists every catalog rule with help, maps Dockerfile findings to file and line, image findings to the image")
    func sarifContent() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(render(.sarif).utf8)) as? [String: Any])
        let run = try #require((document["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["id"] as? String } == catalog.rules.map(\.id))
        #expect(rules.allSatisfy { (($0["help"] as? [String: Any])?["text"] as? String)?.isEmpty == false })
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == report.findings.count)
        func location(of rule: String) -> [String: Any]? {
            (results.first { $0["ruleId"] as? String == rule }?["locations"] as? [[String: Any]])?.first
        }
        let dockerfile = try #require(location(of: "TRE105")?["physicalLocation"] as? [String: Any])
        #expect((dockerfile["artifactLocation"] as? [String: Any])?["uri"] as? String == "docker/Dockerfile")
        #expect((dockerfile["region"] as? [String: Any])?["startLine"] as? Int == 7)
        let imageFile = try #require(location(of: "TRE202")?["physicalLocation"] as? [String: Any])
        #expect((imageFile["artifactLocation"] as? [String: Any])?["uri"] as? String == "scratch/cache%20dir/a%7Cb.bin")
        #expect((imageFile["artifactLocation"] as? [String: Any])?["uriBaseId"] as? String == "IMAGE")
        let config = try #require((location(of: "TRE107")?["logicalLocations"] as? [[String: Any]])?.first)
        #expect(config["fullyQualifiedName"] as? String == "image-config/User")
        #expect(results.first { $0["ruleId"] as? String == "TRE506" }?["level"] as? String == "note")
    }

    /// The venv setup.sh makes (`--with-oracle`), else a system python3, if it can import jsonschema.
    static func pythonWithJSONSchema() -> String? {
        let venv = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/tre-lint-venv/bin/python").path
        for python in [venv, "/usr/bin/python3"] where FileManager.default.isExecutableFile(atPath: python) {
            if let result = try? runProcess(python, ["-c", "import jsonschema"], input: ""), result.status == 0 { return python }
        }
        return nil
    }
}

/// Counts XML elements by name.
final class XMLCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[elementName, default: 0] += 1
    }
}

/// Runs a program with standard input, returning its exit status and combined output.
func runProcess(_ executable: String, _ arguments: [String], input: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stdout
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

/// Validates `document` against `schema` with python's jsonschema (Draft 4, as the SARIF schema declares).
func runPythonValidator(python: String, schema: URL, document: String) throws -> (status: Int32, output: String) {
    let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(json.load(sys.stdin)), key=str)
        for error in errors: print(list(error.absolute_path), error.message)
        sys.exit(1 if errors else 0)
        """
    return try runProcess(python, ["-c", script, schema.path], input: document)
}
