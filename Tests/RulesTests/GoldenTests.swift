import Foundation
import Reports
import Rules
import Testing
import TRELint

/// Golden files under Tests/RulesTests/Golden: each format's rendering of the sample report, with the tool version and the
/// Dockerfile's absolute path replaced by `{{VERSION}}` and `{{DOCKERFILE}}` so they survive releases and checkouts.
/// `TRE_LINT_UPDATE_GOLDEN=1 swift test --filter GoldenTests` rewrites them after an intended change.
@Suite("Golden reports")
struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    @Test("each format renders the sample report exactly as its golden file", arguments: ReportFormat.allCases)
    func golden(format: ReportFormat) throws {
        let catalog = try sampleCatalog()
        // An absolute path, as the CLI passes it on, to prove the placeholder stands in for any checkout.
        let dockerfile = FileManager.default.temporaryDirectory.appendingPathComponent("checkout-\(UUID().uuidString)/Dockerfile").path
        let report = try sampleReport(catalog: catalog, dockerfile: dockerfile, version: TRELintVersion.current)
        let rendered = format.reporter(ReportSettings(catalog: catalog, failOn: .error)).render(report)
        let normalised = Self.placeholders(in: rendered, dockerfile: dockerfile)
        let file = Self.directory.appendingPathComponent("check.\(format.rawValue).golden")
        if ProcessInfo.processInfo.environment["TRE_LINT_UPDATE_GOLDEN"] == "1" {
            try Data(normalised.utf8).write(to: file, options: .atomic)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(normalised == expected, "\(format.rawValue) output differs from \(file.lastPathComponent)")
    }

    @Test("the catalog listings render as their golden files", arguments: CatalogFormat.allCases)
    func catalogGolden(format: CatalogFormat) throws {
        let rendered = CatalogRenderer.render(try sampleCatalog(), format: format)
        let file = Self.directory.appendingPathComponent("rules.\(format.rawValue).golden")
        if ProcessInfo.processInfo.environment["TRE_LINT_UPDATE_GOLDEN"] == "1" {
            try Data(rendered.utf8).write(to: file, options: .atomic)
        }
        #expect(rendered == (try String(contentsOf: file, encoding: .utf8)))
    }

    static func placeholders(in text: String, dockerfile: String) -> String {
        // SARIF percent-encodes the path, JSON escapes nothing in it: replace both spellings.
        let encoded = dockerfile.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? dockerfile
        return text.replacingOccurrences(of: dockerfile, with: "{{DOCKERFILE}}")
            .replacingOccurrences(of: encoded, with: "{{DOCKERFILE}}")
            .replacingOccurrences(of: "\"\(TRELintVersion.current)\"", with: "\"{{VERSION}}\"")
            .replacingOccurrences(of: "tre-lint \(TRELintVersion.current)", with: "tre-lint {{VERSION}}")
    }
}
