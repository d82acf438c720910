import Foundation
import Rules

/// GitHub Actions workflow commands (`::error file=…,line=…,title=…::message`), one per finding, then a notice with the verdict.
public struct GitHubReporter: Reporter {
    public init() {}

    public func render(_ report: CheckReport) -> String {
        var lines: [String] = []
        for finding in report.findings {
            var properties: [(String, String)] = []
            var message = finding.message
            switch finding.location.kind {
            case .dockerfile:
                properties.append(("file", finding.location.path ?? "Dockerfile"))
                if let line = finding.location.line { properties.append(("line", String(line))) }
            case .imageFile, .imageConfig, .run:
                // These paths are inside the image, not the repository: GitHub would annotate the wrong file.
                message = "\(finding.location.displayText): \(message)"
            }
            properties.append(("title", "\(finding.rule) \(finding.title)"))
            message += "\nFix: \(finding.fix)\nMore: tre-lint explain \(finding.rule)"
            let list = properties.map { "\($0.0)=\(Self.escapeProperty($0.1))" }.joined(separator: ",")
            lines.append("::\(Self.command(finding.severity)) \(list)::\(Self.escapeData(message))")
        }
        let verdict = report.verdict == .pass ? "passed" : "failed"
        lines.append("::notice title=tre-lint \(verdict)::\(Self.escapeData("\(report.image.reference): \(report.summary.sentence)"))")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func command(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .info: "notice"
        }
    }

    /// Escapes a message as the runner's command parser expects (`%`, CR, LF).
    public static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25")
            .replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// Escapes a property value, which additionally must not contain `:` or `,`.
    public static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
