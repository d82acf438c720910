import Foundation
import Rules

/// JUnit XML for CI test views: one test case per catalog rule, failing when the rule has a finding at or above `--fail-on`;
/// findings below the threshold are listed as the case's output.
public struct JUnitReporter: Reporter {
    public let settings: ReportSettings

    public init(settings: ReportSettings) {
        self.settings = settings
    }

    public func render(_ report: CheckReport) -> String {
        let byRule = Dictionary(grouping: report.findings, by: \.rule)
        var cases: [String] = []
        var failures = 0
        for rule in settings.catalog.rules {
            let findings = byRule[rule.id] ?? []
            let name = Self.escapeAttribute("\(rule.id) \(rule.title)")
            let classname = Self.escapeAttribute("tre-lint.\(rule.category)")
            guard !findings.isEmpty else {
                cases.append("    <testcase classname=\"\(classname)\" name=\"\(name)\"/>")
                continue
            }
            let failing = findings.contains { settings.failOn.fails(on: $0.severity) }
            let body = findings.map { "[\($0.severity.rawValue)] \($0.location.displayText): \($0.message)" }.joined(separator: "\n")
                + "\nFix: \(rule.fix)\nMore: tre-lint explain \(rule.id)"
            var lines = ["    <testcase classname=\"\(classname)\" name=\"\(name)\">"]
            if failing {
                failures += 1
                let worst = findings.map(\.severity).max() ?? rule.severity
                let message = Self.escapeAttribute("\(findings.count) finding\(findings.count == 1 ? "" : "s"): \(findings[0].message)")
                lines.append("      <failure type=\"\(worst.rawValue)\" message=\"\(message)\">\(Self.escape(body))</failure>")
            } else {
                lines.append("      <system-out>\(Self.escape(body))</system-out>")
            }
            lines.append("    </testcase>")
            cases.append(lines.joined(separator: "\n"))
        }
        let count = settings.catalog.rules.count
        let suiteName = Self.escapeAttribute("tre-lint \(report.image.reference)")
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="tre-lint" tests="\(count)" failures="\(failures)" errors="0">
              <testsuite name="\(suiteName)" tests="\(count)" failures="\(failures)" errors="0" skipped="0">
            \(cases.joined(separator: "\n"))
              </testsuite>
            </testsuites>

            """
    }

    /// Escapes an attribute value; line breaks and tabs become character references, which parsers otherwise turn into spaces.
    static func escapeAttribute(_ text: String) -> String {
        escape(text).replacingOccurrences(of: "\n", with: "&#10;").replacingOccurrences(of: "\t", with: "&#9;")
    }

    /// Escapes text for XML content and attributes; characters XML 1.0 forbids become U+FFFD.
    static func escape(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            case "\n", "\t": output.unicodeScalars.append(scalar)
            case "\r": output += "&#13;"
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                output += "\u{FFFD}"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
