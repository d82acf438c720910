public import Rules

/// The formats `tre-lint rules` prints the catalog in.
public enum CatalogFormat: String, CaseIterable, Sendable {
    case tty, json, markdown
}

/// Renders the rule catalog for `tre-lint rules` and one rule for `tre-lint explain`.
public enum CatalogRenderer {
    /// The whole catalog in one format, ending with a newline.
    public static func render(_ catalog: RuleCatalog, format: CatalogFormat) -> String {
        switch format {
        case .tty:
            let lines = catalog.rules.map { rule in
                let severity = rule.severity.rawValue.padding(toLength: 8)
                let category = rule.category.padding(toLength: 16)
                return "\(rule.id)  \(severity) \(category) \(rule.title)"
            }
            return lines.joined(separator: "\n") + "\n"
        case .json:
            let rules = catalog.rules.map { rule -> JSONValue in
                .object([
                    ("id", .string(rule.id)), ("title", .string(rule.title)), ("severity", .string(rule.severity.rawValue)),
                    ("category", .string(rule.category)), ("rationale", .string(rule.rationale)), ("fix", .string(rule.fix)),
                ])
            }
            return JSONValue.array(rules).rendered() + "\n"
        case .markdown:
            var lines = ["| id | severity | category | title |", "|---|---|---|---|"]
            for rule in catalog.rules {
                lines.append("| \(rule.id) | \(rule.severity.rawValue) | \(rule.category) | \(Markdown.escape(rule.title)) |")
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// One rule in full: title, severity, category, rationale, fix, and an example that fires and one that does not.
    public static func explain(_ entry: RuleEntry) -> String {
        let rule = entry.descriptor
        var lines = [
            "\(rule.id): \(rule.title)",
            "severity: \(rule.severity.rawValue)    category: \(rule.category)",
            "",
            "Why",
            indent(wrap(rule.rationale)),
            "",
            "Fix",
            indent(wrap(rule.fix)),
        ]
        for (triggers, heading) in [(true, "Fires on"), (false, "Silent on")] {
            guard let example = entry.example(triggers: triggers) else { continue }
            lines.append("")
            lines.append("\(heading): \(example.name)")
            lines.append(indent(example.body))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Prose broken into lines of at most `width` characters at spaces, keeping existing line breaks.
    static func wrap(_ text: String, width: Int = 76) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { paragraph in
            var lines: [String] = []
            var current = ""
            for word in paragraph.split(separator: " ") {
                if !current.isEmpty, current.count + 1 + word.count > width {
                    lines.append(current)
                    current = ""
                }
                current += current.isEmpty ? String(word) : " \(word)"
            }
            lines.append(current)
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    private static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  \($0)" }.joined(separator: "\n")
    }
}

extension String {
    /// The string padded with spaces to at least `length` characters.
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
