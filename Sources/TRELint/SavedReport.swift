public import Foundation
public import Reports
import Rules

/// A `check --format json` report read back from a file, so CI analyses an image once and renders it many ways.
public enum SavedReport {
    /// Reads a report that `check --format json` wrote.
    public static func load(path: String) throws -> CheckReport {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SavedReportError(path: path, reason: (error as NSError).localizedDescription)
        }
        do {
            return try JSONDecoder().decode(CheckReport.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw SavedReportError(path: path, reason: "no \(keyPath(context.codingPath + [key])) (not a `check --format json` report?)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw SavedReportError(path: path, reason: "\(keyPath(context.codingPath)) is not what a `check --format json` report holds")
        } catch let DecodingError.dataCorrupted(context) {
            throw SavedReportError(path: path, reason: context.codingPath.isEmpty ? "not JSON" : "bad value at \(keyPath(context.codingPath))")
        } catch {
            throw SavedReportError(path: path, reason: String(describing: error))
        }
    }

    /// Renders the saved report in `request.format` and writes it; returns the exit code of the verdict at the threshold.
    ///
    /// The verdict is recomputed at the threshold `check` would use for the same `--fail-on`, `--config` and
    /// `--dockerfile` (command line, then configuration, then `error`), so every rendering agrees with the check's exit code.
    public static func run(
        reportPath: String, _ request: CheckRequest, workingDirectory: String = FileManager.default.currentDirectoryPath,
        standardOutputIsTerminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Int32 {
        let settings = try CheckSettings.resolve(request, workingDirectory: workingDirectory)
        var report = try load(path: reportPath)
        report = CheckReport(tool: report.tool, image: report.image, findings: report.findings, run: report.run, failOn: settings.failOn)
        let color = request.output == nil && TerminalColor.isEnabled(isTerminal: standardOutputIsTerminal, environment: environment)
        try ReportOutput.write(CheckCore.render(report, format: request.format, settings: settings, color: color), to: request.output)
        return report.verdict.exitCode
    }

    private static func keyPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

/// A saved report could not be read.
public struct SavedReportError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot read the report \(path): \(reason)" }
}
