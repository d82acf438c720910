import TRECore
import Foundation
import Rules
import Testing

/// Paths of the repository and the shared docs beside it, found from this file's location.
enum RepositoryPaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let rulesDirectory = root.appendingPathComponent("rules")
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// `shared/` beside the repository (main checkout and CI), or beside the worktrees' parent (helpers' worktrees).
    static func shared(_ relativePath: String) -> URL? {
        let candidates = [
            root.deletingLastPathComponent().appendingPathComponent("shared"),
            root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared"),
        ]
        return candidates.map { $0.appendingPathComponent(relativePath) }.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}

/// A rule id with the severity letter rules.md gives it.
struct DocumentedRule: Equatable {
    var id: String
    var severity: Severity
}

/// Reads the rule tables of rules.md: rows `| TRE101 | E | … |`.
func documentedRules(fromMarkdown text: String) -> [DocumentedRule] {
    text.split(separator: "\n").compactMap { line in
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard cells.count >= 2, cells[0].hasPrefix("TRE"), let severity = severity(letter: cells[1]) else { return nil }
        return DocumentedRule(id: cells[0], severity: severity)
    }
}

/// Reads the committed id list: `TRE101 E` per line, `#` comments.
func documentedRules(fromList text: String) -> [DocumentedRule] {
    text.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ").map(String.init)
        guard fields.count == 2, !fields[0].hasPrefix("#"), let severity = severity(letter: fields[1]) else { return nil }
        return DocumentedRule(id: fields[0], severity: severity)
    }
}

private func severity(letter: String) -> Severity? {
    switch letter {
    case "E": .error
    case "W": .warning
    case "I": .info
    default: nil
    }
}

/// The rule files on disk, as (name, text) pairs.
func ruleFilesOnDisk() throws -> [(name: String, text: String)] {
    try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.rulesDirectory.path)
        .filter { $0.hasSuffix(".yaml") }
        .sorted()
        .map { ($0, try String(contentsOf: RepositoryPaths.rulesDirectory.appendingPathComponent($0), encoding: .utf8)) }
}

@Suite("Rule catalog")
struct CatalogTests {
    let catalog: RuleCatalog

    init() throws {
        catalog = try RuleCatalog.embedded()
    }

    @Test("the embedded catalog is exactly rules/*.yaml as it is on disk")
    func embeddedMatchesDisk() throws {
        let onDisk = try ruleFilesOnDisk()
        #expect(catalog.entries.map(\.fileName) == onDisk.map(\.name))
        for file in onDisk {
            #expect(catalog.entries.first { $0.fileName == file.name }?.text == file.text, "rules/\(file.name) differs from the embedded copy")
        }
    }

    @Test("the committed id list matches rules.md when the shared docs are present")
    func committedListMatchesDoc() throws {
        let committed = documentedRules(fromList: try String(contentsOf: RepositoryPaths.fixtures.appendingPathComponent("catalog-ids.txt"), encoding: .utf8))
        #expect(committed.count >= 40)
        guard let doc = RepositoryPaths.shared("docs/rules.md") else { return }
        #expect(documentedRules(fromMarkdown: try String(contentsOf: doc, encoding: .utf8)) == committed)
    }

    @Test("every rule file is complete: texts, a firing and a silent example, a known category")
    func everyFileIsComplete() {
        #expect(!catalog.entries.isEmpty)
        for entry in catalog.entries {
            let rule = entry.descriptor
            #expect(rule.id.wholeMatch(of: /TRE[1-9][0-9]{2}/) != nil, "\(rule.id): malformed id")
            #expect(!rule.title.isEmpty && !rule.rationale.isEmpty && !rule.fix.isEmpty, "\(rule.id): empty text")
            #expect(entry.examples.contains { $0.triggers }, "\(rule.id): no example that triggers")
            #expect(entry.examples.contains { !$0.triggers }, "\(rule.id): no example that stays silent")
            #expect(entry.example(triggers: true) != nil && entry.example(triggers: false) != nil)
        }
    }

    @Test("every file's severity is the one rules.md gives, and no file names an undocumented rule")
    func severitiesMatchDoc() throws {
        let documented = try Self.documented()
        let byID = Dictionary(uniqueKeysWithValues: documented.map { ($0.id, $0.severity) })
        for rule in catalog.rules {
            #expect(byID[rule.id] != nil, "\(rule.id) is not in rules.md")
            if let severity = byID[rule.id] {
                #expect(rule.severity == severity, "\(rule.id): severity \(rule.severity) but rules.md says \(severity)")
            }
        }
    }

    @Test("every rule in rules.md has a file")
    func everyDocumentedRuleHasAFile() throws {
        let missing = try Self.documented().map(\.id).filter { !catalog.contains($0) }
        #expect(missing.isEmpty, "no rules/ file for \(missing.joined(separator: ", "))")
    }

    @Test("a check registry reports catalog rules without a check and checks outside the catalog")
    func registryCoverage() throws {
        struct Fixed: RuleCheck {
            let id: String
            func check(_ context: Int) -> [Violation] { [] }
        }
        let first = try #require(catalog.rules.first?.id)
        let registry = RuleRegistry<Int>([Fixed(id: first), Fixed(id: "TRE000"), Fixed(id: first)])
        #expect(registry.idsWithoutCheck(in: catalog) == catalog.rules.map(\.id).filter { $0 != first })
        #expect(registry.idsMissingFromCatalog(catalog) == ["TRE000"])
        #expect(registry.duplicateIDs == [first])
    }

    @Test("a registry runs only enabled checks and collects their violations")
    func registryRuns() {
        struct Echo: RuleCheck {
            let id: String
            func check(_ context: String) -> [Violation] {
                [Violation(rule: id, message: context, location: Location(kind: .imageConfig, path: "User"))]
            }
        }
        let registry = RuleRegistry<String>([Echo(id: "TRE107"), Echo(id: "TRE203")])
        #expect(registry.run("seen").map(\.rule) == ["TRE107", "TRE203"])
        #expect(registry.run("seen", enabled: { $0 != "TRE107" }).map(\.rule) == ["TRE203"])
    }

    @Test("ids are looked up case-insensitively")
    func lookup() throws {
        let id = try #require(catalog.rules.first?.id)
        #expect(catalog.rule(id.lowercased())?.id == id)
        #expect(catalog.rule("TRE000") == nil)
    }

    static func documented() throws -> [DocumentedRule] {
        if let doc = RepositoryPaths.shared("docs/rules.md") {
            return documentedRules(fromMarkdown: try String(contentsOf: doc, encoding: .utf8))
        }
        return documentedRules(fromList: try String(contentsOf: RepositoryPaths.fixtures.appendingPathComponent("catalog-ids.txt"), encoding: .utf8))
    }
}

@Suite("Rule file decoding")
struct RuleFileDecodingTests {
    static let valid = """
        id: TRE203
        title: VOLUME is declared
        severity: warning
        category: mounts-and-data
        rationale: Because.
        fix: Remove it.
        examples:
          - { name: fires, triggers: true, image: { base: python } }
          - { name: silent, triggers: false, image: { base: python } }
        """

    @Test("a valid file decodes, with trimmed texts and example summaries")
    func decodesValid() throws {
        let catalog = try RuleCatalog(files: [("TRE203.yaml", Self.valid)])
        let entry = try #require(catalog.entry("TRE203"))
        #expect(entry.descriptor == RuleDescriptor(
            id: "TRE203", title: "VOLUME is declared", severity: .warning, category: "mounts-and-data", rationale: "Because.", fix: "Remove it."
        ))
        #expect(entry.examples == [RuleExampleSummary(name: "fires", triggers: true), RuleExampleSummary(name: "silent", triggers: false)])
    }

    @Test(
        "a broken file is rejected naming the file and the problem",
        arguments: [
            ("TRE203.yaml", valid + "\nexmaples: []", "rules/TRE203.yaml: unknown key `exmaples`"),
            ("TRE999.yaml", valid, "rules/TRE999.yaml: holds rule TRE203; the file must be named TRE203.yaml"),
            ("TRE203.yaml", valid.replacingOccurrences(of: "severity: warning", with: "severity: fatal"), "rules/TRE203.yaml: `severity`"),
            ("TRE203.yaml", valid.replacingOccurrences(of: "category: mounts-and-data", with: "category: misc"), "unknown category `misc`"),
            ("TRE203.yaml", valid.replacingOccurrences(of: "fix: Remove it.\n", with: ""), "missing key `fix`"),
            ("TRE203.yaml", valid.replacingOccurrences(of: "fix: Remove it.", with: "fix: \"\""), "`fix` is empty"),
            ("TRE203.yaml", "- just\n- a list", "expected a mapping"),
            ("TRE203.yaml", "id: [unclosed", "not valid YAML"),
        ]
    )
    func rejectsBroken(name: String, text: String, expected: String) {
        #expect {
            _ = try RuleCatalog(files: [(name, text)])
        } throws: { error in
            let description = String(describing: error)
            return description.contains(expected) && !description.contains("\n")
        }
    }

    @Test("two files with the same id are rejected")
    func rejectsDuplicateIDs() {
        #expect(throws: RuleCatalogError.self) {
            _ = try RuleCatalog(files: [("TRE203.yaml", Self.valid), ("TRE203.yaml", Self.valid)])
        }
    }
}
