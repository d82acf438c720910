public import Foundation
public import Rules
public import Reports
public import Sandbox

/// What `tre-lint check` was asked to do, as the command line gives it.
public struct CheckRequest: Sendable {
    public var image: String
    public var dockerfile: String?
    public var configFile: String?
    public var format: ReportFormat
    /// Where to write the report; nil for standard output.
    public var output: String?
    /// The command line's `--fail-on`, which wins over the configuration's.
    public var failOn: FailThreshold?
    public var noRun: Bool
    /// Run options from the command line; each set value wins over the configuration's `run`.
    public var run: RunSettings
    /// Sandbox options that only the command line sets.
    public var runExtras: RunExtras
    /// False for `tre-lint run`, which reports the sandbox run alone.
    public var staticChecks: Bool

    public init(
        image: String, dockerfile: String? = nil, configFile: String? = nil, format: ReportFormat = .tty,
        output: String? = nil, failOn: FailThreshold? = nil, noRun: Bool = false, run: RunSettings = RunSettings(),
        runExtras: RunExtras = RunExtras(), staticChecks: Bool = true
    ) {
        self.image = image; self.dockerfile = dockerfile; self.configFile = configFile; self.format = format
        self.output = output; self.failOn = failOn; self.noRun = noRun; self.run = run; self.runExtras = runExtras
        self.staticChecks = staticChecks
    }
}

/// Sandbox options of `check` and `run` that `.tre-lint.yaml` does not hold.
public struct RunExtras: Sendable {
    /// Extra engine options (`ces-run --opt-file`).
    public var optFile: String?
    /// Where each profile's `/safe_outputs` is copied after the run.
    public var keepOutputs: String?
    /// The project allows writing `/safe_data`: modifications are reported but are not TRE905.
    public var safeDataWritable: Bool
    public var gpu: Bool
    public var cores: Double?

    public init(optFile: String? = nil, keepOutputs: String? = nil, safeDataWritable: Bool = false, gpu: Bool = false, cores: Double? = nil) {
        self.optFile = optFile; self.keepOutputs = keepOutputs; self.safeDataWritable = safeDataWritable
        self.gpu = gpu; self.cores = cores
    }
}

/// What the image reader, the facts, the checks and the sandbox found, before the engine turns it into findings.
public struct CheckAnalysis: Sendable {
    public var image: ImageIdentity
    public var violations: [Violation]
    /// The Dockerfile's `# tre-lint ignore=…` comments.
    public var suppressions: [InlineSuppression]
    /// Nil when the sandbox did not run.
    public var run: SandboxReport?
    /// What the html report shows about the image; gathered only for that format.
    public var imageDetails: ImageDetails?

    public init(
        image: ImageIdentity, violations: [Violation], suppressions: [InlineSuppression] = [], run: SandboxReport? = nil,
        imageDetails: ImageDetails? = nil
    ) {
        self.image = image; self.violations = violations; self.suppressions = suppressions; self.run = run
        self.imageDetails = imageDetails
    }
}

/// The settings a check runs with once the configuration file and command line are combined.
public struct CheckSettings: Sendable {
    public var catalog: RuleCatalog
    public var configuration: Configuration
    public var failOn: FailThreshold

    public init(catalog: RuleCatalog, configuration: Configuration, failOn: FailThreshold) {
        self.catalog = catalog; self.configuration = configuration; self.failOn = failOn
    }

    /// Finds and reads `.tre-lint.yaml` (or `--config`), then lets the command line override it.
    public static func resolve(_ request: CheckRequest, workingDirectory: String = FileManager.default.currentDirectoryPath) throws -> CheckSettings {
        let catalog = try RuleCatalog.embedded()
        var configuration = Configuration()
        if let file = try Configuration.locate(explicit: request.configFile, workingDirectory: workingDirectory, dockerfile: request.dockerfile) {
            configuration = try Configuration.load(path: file, catalog: catalog)
        }
        configuration.run = configuration.run.overridden(by: request.run)
        return CheckSettings(catalog: catalog, configuration: configuration, failOn: request.failOn ?? configuration.failOn)
    }
}

/// The core of `tre-lint check` after the analysis: findings, report, output and exit code.
public enum CheckCore {
    /// The report for an analysis: catalog text, configured severities, ignores and suppressions applied, verdict at `failOn`.
    public static func report(for analysis: CheckAnalysis, settings: CheckSettings) throws -> CheckReport {
        let engine = RuleEngine(catalog: settings.catalog, configuration: settings.configuration)
        let findings = try engine.findings(from: analysis.violations, suppressions: analysis.suppressions)
        return CheckReport(
            tool: ToolInfo(version: TRELintVersion.current), image: analysis.image, findings: findings, run: analysis.run,
            failOn: settings.failOn, imageDetails: analysis.imageDetails
        )
    }

    /// Renders the report and writes it to `output` (atomically: a failed write leaves no partial file) or returns it for standard output.
    public static func render(_ report: CheckReport, format: ReportFormat, settings: CheckSettings, color: Bool) -> String {
        let reportSettings = ReportSettings(catalog: settings.catalog, failOn: settings.failOn, color: color && format == .tty)
        return format.reporter(reportSettings).render(report)
    }

    /// Runs the whole check for a request; `analyze` is the image → violations step. Returns the exit code (0 or 1).
    public static func run(
        _ request: CheckRequest, workingDirectory: String = FileManager.default.currentDirectoryPath,
        standardOutputIsTerminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment,
        analyze: (CheckRequest, CheckSettings) throws -> CheckAnalysis
    ) throws -> Int32 {
        let settings = try CheckSettings.resolve(request, workingDirectory: workingDirectory)
        let analysis = try analyze(request, settings)
        let report = try report(for: analysis, settings: settings)
        let color = request.output == nil && TerminalColor.isEnabled(isTerminal: standardOutputIsTerminal, environment: environment)
        let text = render(report, format: request.format, settings: settings, color: color)
        try ReportOutput.write(text, to: request.output)
        return report.verdict.exitCode
    }
}

/// Writes report text to standard output or a file.
public enum ReportOutput {
    /// Writes `text` to `path`, or to standard output when `path` is nil; a file is replaced atomically.
    public static func write(_ text: String, to path: String?) throws {
        guard let path else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            // `.atomic` writes a temporary file beside the target and renames it, so readers never see half a report.
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ReportOutputError(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}

/// The report could not be written where `--output` asked.
public struct ReportOutputError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot write the report to \(path): \(reason)" }
}
