import TRECore
import Rules
import Sandbox
import Testing

/// A small catalog with one rule of each severity, independent of the shipped rule files.
func sampleCatalog() throws -> RuleCatalog {
    let rules: [(id: String, severity: String, category: String, title: String)] = [
        ("TRE105", "warning", "start-up", "ENTRYPOINT in shell form"),
        ("TRE107", "warning", "start-up", "The final USER is a non-root account"),
        ("TRE202", "error", "mounts-and-data", "Content under a mount point is hidden"),
        ("TRE204", "error", "mounts-and-data", "Start-up code hard-codes an input file under /safe_data"),
        ("TRE506", "info", "provenance", "Setuid or setgid files"),
        ("TRE901", "error", "sandbox", "The container exits non-zero"),
    ]
    return try RuleCatalog(files: rules.map { rule in
        ("\(rule.id).yaml", """
            id: \(rule.id)
            title: \(rule.title)
            severity: \(rule.severity)
            category: \(rule.category)
            rationale: Why \(rule.id) matters to the TRE.
            fix: How to fix \(rule.id), in one sentence.
            examples:
              - { name: fires, triggers: true, image: { base: python } }
              - { name: silent, triggers: false, image: { base: python } }
            """)
    })
}

@Suite("Rule engine")
struct EngineTests {
    let catalog: RuleCatalog

    init() throws {
        catalog = try sampleCatalog()
    }

    func engine(_ configuration: Configuration = Configuration()) -> RuleEngine {
        RuleEngine(catalog: catalog, configuration: configuration)
    }

    @Test("a violation becomes a finding with the catalog's title, fix and severity")
    func enrichment() throws {
        let violation = Violation(rule: "TRE204", message: "reads /safe_data/x.csv", location: Location(kind: .imageFile, path: "/app/main.py", line: 2, layer: 3))
        let findings = try engine().findings(from: [violation])
        #expect(findings == [Finding(
            rule: "TRE204", severity: .error, title: "Start-up code hard-codes an input file under /safe_data",
            message: "reads /safe_data/x.csv", fix: "How to fix TRE204, in one sentence.", location: violation.location
        )])
    }

    @Test("configured severities override the catalog's, ignored rules are dropped")
    func configuration() throws {
        let violations = [
            Violation(rule: "TRE107", message: "USER app", location: Location(kind: .imageConfig, path: "User")),
            Violation(rule: "TRE204", message: "hard-coded", location: Location(kind: .imageFile, path: "/app/main.py")),
            Violation(rule: "TRE506", message: "setuid", location: Location(kind: .imageFile, path: "/usr/bin/su")),
        ]
        let configured = engine(Configuration(ignore: ["TRE506"], severity: ["TRE107": .error, "TRE204": .info]))
        let findings = try configured.findings(from: violations)
        #expect(findings.map(\.rule) == ["TRE107", "TRE204"])
        #expect(findings.map(\.severity) == [.error, .info])
        #expect(!configured.isEnabled("TRE506") && configured.isEnabled("TRE107"))
        #expect(configured.severity(of: "TRE107") == .error && configured.severity(of: "TRE105") == .warning)
    }

    @Test("an inline suppression silences its rules on the lines of the instruction that follows, nowhere else")
    func suppressions() throws {
        let suppression = InlineSuppression(ruleIDs: ["tre105", "TRE107"], startLine: 4, endLine: 6)
        func at(_ rule: String, _ line: Int?, kind: Location.Kind = .dockerfile) -> Violation {
            Violation(rule: rule, message: "at \(line ?? 0)", location: Location(kind: kind, path: "Dockerfile", line: line))
        }
        let violations = [
            at("TRE105", 3), at("TRE105", 4), at("TRE105", 6), at("TRE105", 7), at("TRE202", 5), at("TRE107", 5),
            at("TRE107", 5, kind: .imageFile), at("TRE107", nil),
        ]
        let kept = try engine().findings(from: violations, suppressions: [suppression])
        let described = kept.map { "\($0.rule)@\($0.location.kind.rawValue):\($0.location.line ?? 0)" }
        #expect(described == ["TRE202@dockerfile:5", "TRE105@dockerfile:3", "TRE105@dockerfile:7", "TRE107@dockerfile:0", "TRE107@image-file:5"])
    }

    @Test("findings are sorted most severe first, then by rule, location and message, and duplicates collapse")
    func ordering() throws {
        let violations = [
            Violation(rule: "TRE506", message: "b", location: Location(kind: .imageFile, path: "/b")),
            Violation(rule: "TRE105", message: "shell form", location: Location(kind: .dockerfile, path: "Dockerfile", line: 9)),
            Violation(rule: "TRE506", message: "a", location: Location(kind: .imageFile, path: "/a")),
            Violation(rule: "TRE204", message: "z", location: Location(kind: .imageFile, path: "/app/b.py", line: 1)),
            Violation(rule: "TRE204", message: "y", location: Location(kind: .imageFile, path: "/app/a.py", line: 7)),
            Violation(rule: "TRE204", message: "x", location: Location(kind: .imageFile, path: "/app/a.py", line: 2)),
            Violation(rule: "TRE202", message: "m", location: Location(kind: .imageFile, path: "/scratch/x", layer: 2)),
            Violation(rule: "TRE204", message: "x", location: Location(kind: .imageFile, path: "/app/a.py", line: 2)),
        ]
        let forwards = try engine().findings(from: violations)
        let backwards = try engine().findings(from: violations.reversed())
        #expect(forwards == backwards)
        #expect(forwards.map { "\($0.rule) \($0.location.path ?? "") \($0.location.line ?? 0)" } == [
            "TRE202 /scratch/x 0", "TRE204 /app/a.py 2", "TRE204 /app/a.py 7", "TRE204 /app/b.py 1",
            "TRE105 Dockerfile 9", "TRE506 /a 0", "TRE506 /b 0",
        ])
    }

    @Test("a violation of a rule outside the catalog is an error, not a silent drop")
    func unknownRule() {
        #expect(throws: UnknownRuleError(rule: "TRE000")) {
            _ = try engine().findings(from: [Violation(rule: "TRE000", message: "?", location: Location(kind: .run))])
        }
    }

    @Test("summary, verdict and exit code follow --fail-on")
    func verdicts() throws {
        let findings = try engine().findings(from: [
            Violation(rule: "TRE107", message: "w", location: Location(kind: .imageConfig, path: "User")),
            Violation(rule: "TRE506", message: "i", location: Location(kind: .imageFile, path: "/x")),
            Violation(rule: "TRE506", message: "j", location: Location(kind: .imageFile, path: "/y")),
        ])
        #expect(FindingSummary(counting: findings) == FindingSummary(error: 0, warning: 1, info: 2))
        #expect(RuleEngine.verdict(for: findings, failOn: .error) == .pass)
        #expect(RuleEngine.verdict(for: findings, failOn: .warning) == .fail)
        #expect(RuleEngine.verdict(for: findings, failOn: .info) == .fail)
        #expect(RuleEngine.verdict(for: findings, failOn: .never) == .pass)
        #expect(RuleEngine.verdict(for: [], failOn: .info) == .pass)
        #expect(Verdict.pass.exitCode == 0 && Verdict.fail.exitCode == 1)
    }

    @Test("a sandbox observation becomes a run violation under its profile, with evidence the message does not already list")
    func sandboxViolations() throws {
        let network = Violation(RunViolation(rule: "TRE903", message: "tried to reach the network", profile: "podman", evidence: ["resolve pypi.org", "tcp 1.2.3.4:443"]))
        #expect(network == Violation(rule: "TRE903", message: "tried to reach the network (resolve pypi.org, tcp 1.2.3.4:443)", location: Location(kind: .run, path: "podman")))
        let listed = Violation(RunViolation(rule: "TRE901", message: "exited 3 writing /app/x", evidence: ["/app/x"]))
        #expect(listed.message == "exited 3 writing /app/x" && listed.location == Location(kind: .run))
        #expect(try engine().findings(from: [listed]).first?.severity == .error)
    }

    @Test("the engine skips the checks of ignored rules")
    func ignoredChecksDoNotRun() {
        struct Counting: RuleCheck {
            let id: String
            func check(_ context: Int) -> [Violation] {
                [Violation(rule: id, message: "\(context)", location: Location(kind: .imageConfig))]
            }
        }
        let registry = RuleRegistry<Int>([Counting(id: "TRE105"), Counting(id: "TRE107")])
        #expect(engine(Configuration(ignore: ["TRE105"])).violations(from: registry, context: 1).map(\.rule) == ["TRE107"])
        #expect(engine().violations(from: registry, context: 1).map(\.rule) == ["TRE105", "TRE107"])
    }
}
