import Rules
import Sandbox

/// Human-readable output for a terminal: findings grouped by severity, each with its fix and explain hint, then a one-line verdict.
public struct TTYReporter: Reporter {
    public let settings: ReportSettings

    public init(settings: ReportSettings) {
        self.settings = settings
    }

    public func render(_ report: CheckReport) -> String {
        var lines: [String] = []
        let digest = report.image.manifestDigest.map { " (\($0))" } ?? ""
        lines.append(paint("\(report.tool.name) \(report.tool.version)", .bold) + " checked \(report.image.reference)\(digest)")
        for group in report.findingsBySeverity {
            lines.append("")
            lines.append(paint("\(group.severity.heading.uppercased()) (\(group.findings.count))", style(for: group.severity)))
            for finding in group.findings {
                lines.append("  " + paint(finding.rule, style(for: finding.severity)) + "  " + paint(finding.title, .bold))
                lines.append("          at   \(finding.location.displayText)")
                lines.append(contentsOf: indented(finding.message, label: "why "))
                lines.append(contentsOf: indented(finding.fix, label: "fix "))
                lines.append("          more " + paint("tre-lint explain \(finding.rule)", .dim))
            }
        }
        if let run = report.run {
            lines.append("")
            lines.append(paint("SANDBOX RUN", .bold) + " (\(run.engine))")
            for profile in run.profiles {
                lines.append("  \(profile.name): \(profile.outcome) after \(profile.durationSeconds)s, \(profile.outputs.count) output file(s)")
            }
        }
        lines.append("")
        let verdict = report.verdictLine(failOn: settings.failOn)
        lines.append(paint(verdict, report.verdict == .pass ? .green : .red))
        return lines.joined(separator: "\n") + "\n"
    }

    private func indented(_ text: String, label: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { position, line in
            (position == 0 ? "          \(label) " : "               ") + line
        }
    }

    private enum Style: String {
        case bold = "1", dim = "2", red = "31", green = "32", yellow = "33", blue = "34"
    }

    private func style(for severity: Severity) -> Style {
        switch severity {
        case .error: .red
        case .warning: .yellow
        case .info: .blue
        }
    }

    private func paint(_ text: String, _ style: Style) -> String {
        settings.color ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}
