import Rules
import Sandbox

/// Markdown for a pull-request comment or an approval record: verdict, counts, then findings grouped by severity.
public struct MarkdownReporter: Reporter {
    public let settings: ReportSettings

    public init(settings: ReportSettings) {
        self.settings = settings
    }

    public func render(_ report: CheckReport) -> String {
        var lines: [String] = []
        let verdict = report.verdict == .pass ? "✅ pass" : "❌ fail"
        lines.append("## tre-lint: \(verdict) for \(Markdown.code(report.image.reference))")
        lines.append("")
        if let digest = report.image.manifestDigest {
            lines.append("Manifest \(Markdown.code(digest)), \(report.tool.name) \(report.tool.version), fail-on \(settings.failOn.rawValue).")
        } else {
            lines.append("\(report.tool.name) \(report.tool.version), fail-on \(settings.failOn.rawValue).")
        }
        lines.append("")
        lines.append("| Errors | Warnings | Info |")
        lines.append("|---:|---:|---:|")
        lines.append("| \(report.summary.error) | \(report.summary.warning) | \(report.summary.info) |")
        if report.findings.isEmpty {
            lines.append("")
            lines.append("No findings.")
        }
        for group in report.findingsBySeverity {
            lines.append("")
            lines.append("### \(group.severity.heading)")
            for finding in group.findings {
                lines.append("")
                lines.append("#### \(finding.rule): \(Markdown.escape(finding.title))")
                lines.append("")
                lines.append("- **Where:** \(Markdown.code(finding.location.displayText))")
                lines.append("- **Why:** \(Markdown.escape(finding.message))")
                lines.append("- **Fix:** \(Markdown.escape(finding.fix))")
                lines.append("- **More:** \(Markdown.code("tre-lint explain \(finding.rule)"))")
            }
        }
        if let run = report.run {
            lines.append("")
            lines.append("### Sandbox run (\(Markdown.escape(run.engine)))")
            lines.append("")
            lines.append("| Profile | Outcome | Seconds | Outputs |")
            lines.append("|---|---|---:|---:|")
            for profile in run.profiles {
                lines.append("| \(Markdown.escape(profile.name)) | \(Markdown.escape(profile.outcome)) | \(profile.durationSeconds) | \(profile.outputs.count) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Markdown quoting shared by the report and catalog renderers.
enum Markdown {
    /// Backslash-escapes the characters that would start emphasis, links, HTML, headings or break a table cell.
    static func escape(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#", "~":
                output += "\\\(character)"
            case "\n", "\r":
                output += " "
            default:
                output.append(character)
            }
        }
        return output
    }

    /// A code span whose fence is longer than any backtick run inside, so no content can close it early.
    static func code(_ text: String) -> String {
        let flattened = String(text.map { $0.isNewline ? " " : $0 })
        var longest = 0
        var current = 0
        for character in flattened {
            current = character == "`" ? current + 1 : 0
            longest = max(longest, current)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let padding = flattened.hasPrefix("`") || flattened.hasSuffix("`") ? " " : ""
        return fence + padding + flattened.replacingPipes() + padding + fence
    }
}

extension String {
    /// A `|` ends a table cell even inside a code span in GitHub's tables.
    fileprivate func replacingPipes() -> String {
        var output = ""
        for character in self { output += character == "|" ? "\\|" : String(character) }
        return output
    }
}
