import Yams

/// An example from a rule file, as far as the catalog needs it: its name and whether the rule must fire on it.
public struct RuleExampleSummary: Codable, Sendable, Equatable {
    public var name: String
    public var triggers: Bool

    public init(name: String, triggers: Bool) {
        self.name = name; self.triggers = triggers
    }
}

/// One decoded rule file: the descriptor the tool reports with and the examples the tests run.
public struct RuleEntry: Sendable, Equatable {
    public var descriptor: RuleDescriptor
    public var examples: [RuleExampleSummary]
    /// The file name under rules/, e.g. `TRE204.yaml`.
    public var fileName: String
    /// The file's text, for tests that decode the examples in full.
    public var text: String
}

/// A rule file that cannot be used, named by file so the fix is obvious.
public struct RuleCatalogError: Error, CustomStringConvertible, Equatable {
    public var fileName: String
    public var problem: String

    public var description: String { "rules/\(fileName): \(problem)" }
}

/// Every rule the tool knows, decoded from the rule files embedded at build time.
public struct RuleCatalog: Sendable {
    /// The keys a rule file may have; anything else is a typo that would silently lose information.
    public static let fileKeys: Set<String> = ["id", "title", "severity", "category", "rationale", "fix", "examples"]
    /// The categories rules/README.md allows.
    public static let categories: Set<String> = ["start-up", "mounts-and-data", "network", "gpu", "provenance", "sandbox"]

    /// The rule files, sorted by id.
    public let entries: [RuleEntry]
    private let indexByID: [String: Int]

    /// The descriptors, sorted by id.
    public var rules: [RuleDescriptor] { entries.map(\.descriptor) }

    /// The catalog compiled into the binary from rules/*.yaml.
    public static func embedded() throws -> RuleCatalog {
        try RuleCatalog(files: embeddedRuleFiles)
    }

    /// Decodes rule files given as (file name, YAML text) pairs.
    public init(files: [(name: String, text: String)]) throws {
        var entries: [RuleEntry] = []
        for file in files {
            entries.append(try Self.decode(name: file.name, text: file.text))
        }
        entries.sort { $0.descriptor.id < $1.descriptor.id }
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() {
            if index[entry.descriptor.id] != nil {
                throw RuleCatalogError(fileName: entry.fileName, problem: "rule id \(entry.descriptor.id) is used by another file too")
            }
            index[entry.descriptor.id] = position
        }
        self.entries = entries
        self.indexByID = index
    }

    /// The descriptor for an id, matched case-insensitively since users type ids by hand.
    public func rule(_ id: String) -> RuleDescriptor? {
        entry(id)?.descriptor
    }

    /// The whole entry for an id, matched case-insensitively.
    public func entry(_ id: String) -> RuleEntry? {
        indexByID[id.uppercased()].map { entries[$0] }
    }

    /// Whether the catalog has a rule with this exact id.
    public func contains(_ id: String) -> Bool {
        indexByID[id] != nil
    }

    private struct ExamplesOnly: Decodable {
        var examples: [RuleExampleSummary]?
    }

    private static func decode(name: String, text: String) throws -> RuleEntry {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw RuleCatalogError(fileName: name, problem: "not valid YAML: \(oneLine(error))")
        }
        guard let node, let mapping = node.mapping else {
            throw RuleCatalogError(fileName: name, problem: "expected a mapping with the keys \(fileKeys.sorted().joined(separator: ", "))")
        }
        for key in mapping.keys {
            let keyName = key.string ?? String(describing: key)
            if !fileKeys.contains(keyName) {
                throw RuleCatalogError(fileName: name, problem: "unknown key `\(keyName)`")
            }
        }
        var descriptor: RuleDescriptor
        let examples: [RuleExampleSummary]
        do {
            descriptor = try YAMLDecoder().decode(RuleDescriptor.self, from: node)
            examples = try YAMLDecoder().decode(ExamplesOnly.self, from: node).examples ?? []
        } catch let error as DecodingError {
            throw RuleCatalogError(fileName: name, problem: DecodingErrorDescription.describe(error))
        }
        descriptor.title = descriptor.title.trimmingWhitespace()
        descriptor.rationale = descriptor.rationale.trimmingWhitespace()
        descriptor.fix = descriptor.fix.trimmingWhitespace()
        if name != "\(descriptor.id).yaml" {
            throw RuleCatalogError(fileName: name, problem: "holds rule \(descriptor.id); the file must be named \(descriptor.id).yaml")
        }
        if !categories.contains(descriptor.category) {
            throw RuleCatalogError(
                fileName: name,
                problem: "unknown category `\(descriptor.category)` (one of \(categories.sorted().joined(separator: ", ")))"
            )
        }
        for (field, value) in [("title", descriptor.title), ("rationale", descriptor.rationale), ("fix", descriptor.fix)]
        where value.isEmpty {
            throw RuleCatalogError(fileName: name, problem: "`\(field)` is empty")
        }
        return RuleEntry(descriptor: descriptor, examples: examples, fileName: name, text: text)
    }
}

extension String {
    /// The string without leading and trailing spaces and newlines, which YAML block scalars add.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

/// Collapses an error's description to one line, as the CLI prints errors.
func oneLine(_ error: any Error) -> String {
    String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
}

/// Turns a `DecodingError` into one line naming the key path, for rule files and configuration alike.
enum DecodingErrorDescription {
    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            return "`\(path(context.codingPath))` must be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "`\(path(context.codingPath))` must be \(typeName(type)), not empty"
        case .keyNotFound(let key, let context):
            return "missing key `\(path(context.codingPath + [key]))`"
        case .dataCorrupted(let context):
            let location = path(context.codingPath)
            return location.isEmpty ? context.debugDescription : "`\(location)`: \(context.debugDescription)"
        @unknown default:
            return oneLine(error)
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is UInt64.Type, is Double.Type: "a number"
        case is [String].Type: "a list of strings"
        default:
            // Yams reports a collection where text was expected as a mismatch with its Scalar node type.
            if String(describing: type).hasSuffix("Scalar") { "a single value, not a list or mapping" }
            else if String(describing: type).hasPrefix("Array") { "a list" }
            else if String(describing: type).hasPrefix("Dictionary") { "a mapping" }
            else { "a \(String(describing: type))" }
        }
    }
}

extension RuleEntry {
    /// The first example that fires (`triggers: true`) or stays silent, as YAML without its name, flag and expectations.
    public func example(triggers: Bool) -> (name: String, body: String)? {
        guard let root = try? Yams.compose(yaml: text), let examples = root.mapping?["examples"]?.sequence else { return nil }
        for example in examples {
            guard var mapping = example.mapping, mapping["triggers"]?.bool == triggers else { continue }
            let name = mapping["name"]?.string ?? ""
            for key in ["name", "triggers", "expect"] { mapping[Node(key)] = nil }
            let body = (try? Yams.serialize(node: .mapping(mapping))) ?? ""
            return (name, body.trimmingWhitespace())
        }
        return nil
    }
}
