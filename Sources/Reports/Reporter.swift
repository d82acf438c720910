public import Rules
import Sandbox

/// The stable identifiers of the report formats, as `--format` takes them.
public enum ReportFormat: String, CaseIterable, Sendable {
    case tty, json, sarif, junit, github, markdown, html
}

/// Renders a check report in one format; reporters know nothing about images, only the report and the catalog.
public protocol Reporter: Sendable {
    /// The whole output, ending with a newline.
    func render(_ report: CheckReport) -> String
}

/// What every reporter may need beyond the report itself.
public struct ReportSettings: Sendable {
    public var catalog: RuleCatalog
    /// The threshold the verdict was computed at, which the tty and markdown verdict lines name.
    public var failOn: FailThreshold
    /// Whether the tty reporter may use ANSI colour; see `TerminalColor.isEnabled`.
    public var color: Bool

    public init(catalog: RuleCatalog, failOn: FailThreshold, color: Bool = false) {
        self.catalog = catalog; self.failOn = failOn; self.color = color
    }
}

extension ReportFormat {
    /// The reporter for this format.
    public func reporter(_ settings: ReportSettings) -> any Reporter {
        switch self {
        case .tty: TTYReporter(settings: settings)
        case .json: JSONReporter()
        case .sarif: SARIFReporter(settings: settings)
        case .junit: JUnitReporter(settings: settings)
        case .github: GitHubReporter()
        case .markdown: MarkdownReporter(settings: settings)
        case .html: HTMLReporter(settings: settings)
        }
    }
}

/// Decides whether terminal output may be coloured, following https://no-color.org.
public enum TerminalColor {
    /// Colour only on a terminal, when `NO_COLOR` is unset (or empty) and the terminal is not `dumb`.
    public static func isEnabled(isTerminal: Bool, environment: [String: String]) -> Bool {
        guard isTerminal else { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }
}

/// The contract's JSON report.
public struct JSONReporter: Reporter {
    public init() {}

    public func render(_ report: CheckReport) -> String {
        report.jsonValue.rendered() + "\n"
    }
}

extension Severity {
    /// The plural heading a group of findings of this severity gets.
    var heading: String {
        switch self {
        case .error: "Errors"
        case .warning: "Warnings"
        case .info: "Info"
        }
    }
}

extension FindingSummary {
    /// `2 errors, 1 warning, 0 info`.
    var sentence: String {
        "\(error) error\(error == 1 ? "" : "s"), \(warning) warning\(warning == 1 ? "" : "s"), \(info) info"
    }
}

extension CheckReport {
    /// The findings grouped by severity, most severe first, empty groups left out.
    var findingsBySeverity: [(severity: Severity, findings: [Finding])] {
        Severity.allCases.reversed().compactMap { severity in
            let group = findings.filter { $0.severity == severity }
            return group.isEmpty ? nil : (severity, group)
        }
    }

    /// One line saying what the verdict means.
    func verdictLine(failOn: FailThreshold) -> String {
        let threshold = "fail-on \(failOn.rawValue)"
        switch verdict {
        case .pass: return "PASS (\(threshold)): \(summary.sentence)"
        case .fail: return "FAIL (\(threshold)): \(summary.sentence)"
        }
    }
}

extension ProfileResult {
    /// How the profile's run ended, in a few words: `exit 0`, `timed out`, `killed by SIGKILL`, `did not start: …`.
    var outcome: String {
        if let reason { return "did not start: \(reason)" }
        if timedOut { return "timed out" }
        if outOfMemory { return "out of memory" }
        if let signal { return "killed by \(signal)" }
        return exitCode.map { "exit \($0)" } ?? "no exit code"
    }
}
