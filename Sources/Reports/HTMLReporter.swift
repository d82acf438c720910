import TRECore
import Facts
import Foundation
import Rules
import Sandbox

/// The approval report for TRE staff: one self-contained HTML file (inline CSS, no scripts, no external assets) with the
/// image's identity, start-up, users, CUDA, packages and licences, every finding, and what the sandbox run observed.
public struct HTMLReporter: Reporter {
    public let settings: ReportSettings

    public init(settings: ReportSettings) {
        self.settings = settings
    }

    /// Lists longer than this are collapsed into `<details>` so a large image's report stays readable.
    static let openListLimit = 25

    public func render(_ report: CheckReport) -> String {
        var page = HTMLPage()
        // A sha256 over every rule file: computed once, shown in the header and the footer.
        let ruleSetDigest = HTML.escape(settings.catalog.digest)
        page.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        // No script, image, font or frame may load even if some image content slipped through escaping.
        page.raw("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
        page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        page.raw("<title>tre-lint approval report: \(HTML.escape(report.image.reference))</title>\n")
        page.raw("<style>\n\(HTMLReporter.style)</style>\n</head>\n<body>\n")
        header(report, ruleSetDigest: ruleSetDigest, into: &page)
        imageSection(report, into: &page)
        if let details = report.imageDetails {
            startSection(details, into: &page)
            usersSection(details, into: &page)
            cudaSection(details.cuda, into: &page)
        }
        findingsSection(report, into: &page)
        runSection(report.run, into: &page)
        if let details = report.imageDetails {
            layersSection(details, into: &page)
            configurationSection(details, into: &page)
            packagesSection(details.packages, into: &page)
        }
        page.raw("<footer>Written by \(HTML.escape(report.tool.name)) \(HTML.escape(report.tool.version)), rule set ")
        page.raw("<code>\(ruleSetDigest)</code> (\(settings.catalog.entries.count) rules).</footer>\n")
        page.raw("</body>\n</html>\n")
        return page.text
    }

    // MARK: Sections

    private func header(_ report: CheckReport, ruleSetDigest: String, into page: inout HTMLPage) {
        let verdict = report.verdict == .pass ? "pass" : "fail"
        page.raw("<header>\n<h1>tre-lint approval report</h1>\n")
        page.raw("<p class=\"verdict \(verdict)\">\(verdict.uppercased())</p>\n")
        page.raw("<p class=\"subject\"><code>\(HTML.escape(report.image.reference))</code></p>\n")
        page.raw("<p>\(HTML.escape(report.verdictLine(failOn: settings.failOn))). ")
        page.raw("Checked by \(HTML.escape(report.tool.name)) \(HTML.escape(report.tool.version)) with rule set ")
        page.raw("<code>\(ruleSetDigest)</code>.</p>\n</header>\n")
    }

    private func imageSection(_ report: CheckReport, into page: inout HTMLPage) {
        page.raw("<section id=\"image\">\n<h2>Image</h2>\n<table class=\"fields\">\n")
        page.field("Reference", code: report.image.reference)
        page.field("Manifest digest", code: report.image.manifestDigest ?? "unknown")
        page.field("Config digest", code: report.image.configDigest ?? "unknown")
        if let details = report.imageDetails {
            page.field("Tags", text: details.repoTags.isEmpty ? "none" : details.repoTags.joined(separator: ", "))
            page.field("Platform", code: details.platform)
            if let created = details.created { page.field("Created", text: created) }
            page.field("Size", text: "\(ByteCount.text(details.size)) uncompressed in \(details.fileCount) paths, \(details.layers.count) layers")
        }
        page.raw("</table>\n</section>\n")
    }

    private func startSection(_ details: ImageDetails, into page: inout HTMLPage) {
        let start = details.start
        page.raw("<section id=\"start\">\n<h2>Start command</h2>\n<table class=\"fields\">\n")
        page.field("Entrypoint", code: start.entrypoint.map(HTML.argv) ?? "(none)")
        page.field("Cmd", code: start.cmd.map(HTML.argv) ?? "(none)")
        page.field("Working directory", code: start.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/")
        page.field("Start program", code: start.program ?? "(none: the image has no command)")
        if let resolved = start.resolvedProgram { page.field("Resolves to", code: resolved) }
        if let shebang = start.shebang { page.field("Script interpreter", code: shebang) }
        page.raw("</table>\n</section>\n")
    }

    private func usersSection(_ details: ImageDetails, into page: inout HTMLPage) {
        page.raw("<section id=\"users\">\n<h2>Users</h2>\n<table class=\"fields\">\n")
        page.field("USER", code: details.user.isEmpty ? "(unset: root)" : details.user)
        page.field("Runs as", text: details.runsAs)
        page.raw("</table>\n")
        if details.accounts.isEmpty {
            page.raw("<p>No <code>/etc/passwd</code> accounts.</p>\n")
        } else {
            page.raw("<table class=\"list\">\n<thead><tr><th>Account</th><th>uid</th><th>gid</th><th>Home</th><th>Shell</th></tr></thead>\n<tbody>\n")
            for account in details.accounts {
                page.row([.code(account.name), .number(account.uid), .number(account.gid), .code(account.home), .code(account.shell)])
            }
            page.raw("</tbody>\n</table>\n")
        }
        page.raw("</section>\n")
    }

    private func cudaSection(_ cuda: DetectedCUDA, into page: inout HTMLPage) {
        page.raw("<section id=\"cuda\">\n<h2>CUDA</h2>\n")
        guard let version = cuda.version else {
            page.raw("<p>No CUDA toolkit, library or framework build found.</p>\n</section>\n")
            return
        }
        page.raw("<p>CUDA <strong>\(HTML.escape(version.description))</strong>, from:</p>\n")
        page.raw("<table class=\"list\">\n<thead><tr><th>Version</th><th>Source</th><th>Where</th></tr></thead>\n<tbody>\n")
        for source in cuda.sources {
            page.row([.text(source.version.description + (source.precise ? "" : " (major only)")), .text(source.kind.rawValue), .code(source.path)])
        }
        page.raw("</tbody>\n</table>\n</section>\n")
    }

    private func findingsSection(_ report: CheckReport, into page: inout HTMLPage) {
        page.raw("<section id=\"findings\">\n<h2>Findings</h2>\n")
        page.raw("<p class=\"counts\"><span class=\"sev error\">\(report.summary.error) error\(report.summary.error == 1 ? "" : "s")</span> ")
        page.raw("<span class=\"sev warning\">\(report.summary.warning) warning\(report.summary.warning == 1 ? "" : "s")</span> ")
        page.raw("<span class=\"sev info\">\(report.summary.info) info</span></p>\n")
        if report.findings.isEmpty { page.raw("<p>No findings.</p>\n") }
        for group in report.findingsBySeverity {
            page.raw("<h3>\(group.severity.heading)</h3>\n")
            for finding in group.findings {
                page.raw("<article class=\"finding \(finding.severity.rawValue)\">\n")
                page.raw("<h4><span class=\"sev \(finding.severity.rawValue)\">\(finding.severity.rawValue)</span> ")
                page.raw("<span class=\"rule\">\(HTML.escape(finding.rule))</span> \(HTML.escape(finding.title))</h4>\n")
                page.raw("<dl>\n<dt>Where</dt><dd><code>\(HTML.escape(finding.location.displayText))</code></dd>\n")
                page.raw("<dt>Why</dt><dd class=\"message\">\(HTML.escape(finding.message))</dd>\n")
                page.raw("<dt>Fix</dt><dd>\(HTML.escape(finding.fix))</dd>\n")
                page.raw("<dt>More</dt><dd><code>tre-lint explain \(HTML.escape(finding.rule))</code></dd>\n</dl>\n</article>\n")
            }
        }
        page.raw("</section>\n")
    }

    private func runSection(_ run: SandboxReport?, into page: inout HTMLPage) {
        page.raw("<section id=\"run\">\n<h2>Sandbox run</h2>\n")
        guard let run else {
            page.raw("<p>The image was not run (<code>--no-run</code>): only the static rules judged it.</p>\n</section>\n")
            return
        }
        page.raw("<p>Engine <code>\(HTML.escape(run.engine))</code>")
        if let runId = run.runId { page.raw(", run <code>\(HTML.escape(runId))</code>") }
        page.raw(".</p>\n")
        page.raw("<table class=\"list\">\n<thead><tr><th>Profile</th><th>User</th><th>Root filesystem</th><th>Outcome</th>")
        page.raw("<th>Seconds</th><th>Peak memory</th><th>Outputs</th><th>Network attempts</th><th>Writes outside allowed</th></tr></thead>\n<tbody>\n")
        for profile in run.profiles {
            page.row([
                .code(profile.name), .code(profile.user), .text(profile.readOnlyRoot ? "read-only" : "writable"),
                .text(profile.outcome, highlight: !profile.passed), .text(String(format: "%.2f", profile.durationSeconds)),
                profile.peakMemoryBytes.map { .size($0) } ?? .text("unknown"), .number(profile.outputs.count),
                .number(profile.networkAttempts.count, highlight: !profile.networkAttempts.isEmpty),
                .number(profile.writesOutsideAllowed.count, highlight: !profile.writesOutsideAllowed.isEmpty),
            ])
        }
        page.raw("</tbody>\n</table>\n")
        for profile in run.profiles {
            page.raw("<h3>Profile <code>\(HTML.escape(profile.name))</code>: \(HTML.escape(profile.outcome))</h3>\n")
            if let reason = profile.reason { page.raw("<p>Did not start: \(HTML.escape(reason))</p>\n") }
            let flags = [profile.timedOut ? "timed out" : nil, profile.outOfMemory ? "ran out of memory" : nil, profile.pidsLimitHit ? "hit the process limit" : nil].compactMap { $0 }
            if !flags.isEmpty { page.raw("<p class=\"alert\">\(HTML.escape(flags.joined(separator: ", ")))</p>\n") }
            page.list("Outputs written to /safe_outputs", profile.outputs, empty: "none")
            page.list("Network attempts", profile.networkAttempts.map(\.summary), empty: "none", alert: true)
            page.list("Writes outside the allowed places", profile.writesOutsideAllowed, empty: "none", alert: true)
            page.list("Changes under /safe_data", profile.safeDataModifications, empty: "none", alert: true)
            if let tail = profile.outputTail, !tail.isEmpty {
                page.raw("<details><summary>Last output lines (\(tail.count))</summary>\n<pre>\(HTML.escape(tail.joined(separator: "\n")))</pre>\n</details>\n")
            }
        }
        if let check = run.inputListCheck {
            page.raw("<h3>Renamed-input run (profile <code>\(HTML.escape(check.profile))</code>): \(HTML.escape(check.run.outcome))</h3>\n")
            page.list("Inputs renamed", check.renamed.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }, empty: "none")
            page.list("Files updated to name them", check.updatedFiles, empty: "none")
            page.list("Old names still mentioned in the output", check.oldNamesMentioned, empty: "none", alert: true)
        }
        if !run.notes.isEmpty { page.list("Notes", run.notes, empty: "") }
        page.raw("</section>\n")
    }

    private func layersSection(_ details: ImageDetails, into page: inout HTMLPage) {
        page.raw("<section id=\"layers\">\n<h2>Layers and build history</h2>\n")
        page.raw("<table class=\"list\">\n<thead><tr><th>Step</th><th>Layer</th><th>Size</th><th>Instruction</th></tr></thead>\n<tbody>\n")
        let steps = details.history.isEmpty
            ? details.layers.indices.map { ImageDetails.HistoryStep(createdBy: nil, layer: $0) } : details.history
        for (number, step) in steps.enumerated() {
            let layer = step.layer.flatMap { $0 < details.layers.count ? details.layers[$0] : nil }
            page.row([
                .number(number), .text(step.layer.map(String.init) ?? "–"), layer.map { .size($0.size) } ?? .text("–"),
                .pre(step.createdBy ?? "(no history)"),
            ])
        }
        page.raw("</tbody>\n</table>\n")
        page.raw("<details><summary>Layer digests (\(details.layers.count))</summary>\n<table class=\"list\">\n")
        page.raw("<thead><tr><th>Layer</th><th>Digest</th><th>Stored</th><th>Uncompressed</th><th>Entries</th></tr></thead>\n<tbody>\n")
        for (index, layer) in details.layers.enumerated() {
            page.row([.number(index), .code(layer.digest), .size(layer.compressedSize), .size(layer.size), .number(layer.entries)])
        }
        page.raw("</tbody>\n</table>\n</details>\n</section>\n")
    }

    private func configurationSection(_ details: ImageDetails, into page: inout HTMLPage) {
        page.raw("<section id=\"config\">\n<h2>Environment and labels</h2>\n")
        page.collapsible("Environment", count: details.environment.count) { page in
            page.raw("<ul class=\"values\">\n")
            for item in details.environment { page.raw("<li><code>\(HTML.escape(item))</code></li>\n") }
            page.raw("</ul>\n")
        }
        page.collapsible("Labels", count: details.labels.count) { page in
            page.raw("<table class=\"list\">\n<tbody>\n")
            for (key, value) in details.labels.sorted(by: { $0.key < $1.key }) { page.row([.code(key), .code(value)]) }
            page.raw("</tbody>\n</table>\n")
        }
        page.raw("</section>\n")
    }

    private func packagesSection(_ inventory: PackageInventory, into page: inout HTMLPage) {
        page.raw("<section id=\"packages\">\n<h2>Installed packages</h2>\n")
        if inventory.packages.isEmpty { page.raw("<p>No package database or package metadata found.</p>\n") }
        for database in inventory.unreadDatabases {
            page.raw("<p class=\"alert\">Package database <code>\(HTML.escape(database))</code> is present but was not read ")
            page.raw("(tre-lint reads no SQLite or Berkeley DB): its packages are not listed.</p>\n")
        }
        for ecosystem in inventory.ecosystems {
            let packages = inventory.packages(of: ecosystem)
            let sources = Set(packages.map(\.path))
            var licenceCounts: [String: Int] = [:]
            for package in packages { licenceCounts[package.licence ?? "not declared", default: 0] += 1 }
            let licences = licenceCounts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            page.raw("<h3>\(HTML.escape(ecosystem.displayName)): \(packages.count)</h3>\n")
            if sources.count == 1, let source = sources.first { page.raw("<p>From <code>\(HTML.escape(source))</code>.</p>\n") }
            page.raw("<p class=\"licences\">Licences: ")
            page.raw(licences.map { "\(HTML.escape($0.key)) <span class=\"count\">(\($0.value))</span>" }.joined(separator: "; "))
            page.raw("</p>\n")
            page.collapsible("\(ecosystem.displayName)", count: packages.count) { page in
                let showSource = sources.count > 1
                page.raw("<table class=\"list packages\">\n<thead><tr><th>Name</th><th>Version</th><th>Licence</th>")
                page.raw(showSource ? "<th>Source</th></tr></thead>\n<tbody>\n" : "</tr></thead>\n<tbody>\n")
                for package in packages {
                    var cells: [HTMLPage.Cell] = [.code(package.name), .code(package.version), .text(package.licence ?? "not declared")]
                    if showSource { cells.append(.code(package.path)) }
                    page.row(cells)
                }
                page.raw("</tbody>\n</table>\n")
            }
        }
        page.raw("</section>\n")
    }

    // Readable on screen and on paper: no colour carries meaning alone (each severity is also written out).
    static let style = """
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin: 0 0 .3rem; } h2 { font-size: 1.25rem; border-bottom: 2px solid #d0d7de; padding-bottom: .2rem; margin-top: 2rem; }
        h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; } h4 { font-size: 1rem; margin: 0 0 .4rem; }
        code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .88em; }
        code, pre, td, dd { overflow-wrap: anywhere; white-space: pre-wrap; }
        pre { margin: 0; }
        table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
        th, td { text-align: left; vertical-align: top; padding: .25rem .5rem; border-bottom: 1px solid #d8dee4; }
        table.fields th { width: 12rem; color: #57606a; font-weight: 600; }
        thead th { background: #f6f8fa; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .verdict { display: inline-block; font-weight: 700; font-size: 1.2rem; padding: .1rem .8rem; border-radius: .3rem; border: 2px solid; }
        .verdict.pass { color: #116329; background: #dafbe1; } .verdict.fail { color: #a40e26; background: #ffebe9; }
        .subject { font-size: 1.1rem; }
        .sev { font-weight: 700; text-transform: uppercase; font-size: .8rem; padding: 0 .35rem; border-radius: .2rem; border: 1px solid; }
        .sev.error { color: #a40e26; background: #ffebe9; } .sev.warning { color: #7d4e00; background: #fff8c5; } .sev.info { color: #0550ae; background: #ddf4ff; }
        .finding { border: 1px solid #d0d7de; border-left: 5px solid #8c959f; border-radius: .3rem; padding: .6rem .8rem; margin: .6rem 0; break-inside: avoid; }
        .finding.error { border-left-color: #cf222e; } .finding.warning { border-left-color: #bf8700; } .finding.info { border-left-color: #0969da; }
        .rule { font-family: ui-monospace, Menlo, Consolas, monospace; }
        dl { display: grid; grid-template-columns: 5rem 1fr; gap: .15rem .6rem; margin: 0; } dt { color: #57606a; font-weight: 600; } dd { margin: 0; }
        .alert, td.alert { color: #a40e26; font-weight: 600; }
        details { margin: .4rem 0; } summary { cursor: pointer; font-weight: 600; }
        ul.values { padding-left: 1.2rem; margin: .3rem 0; }
        .licences { color: #57606a; } .count { color: #57606a; }
        footer { margin-top: 2.5rem; padding-top: .5rem; border-top: 1px solid #d0d7de; color: #57606a; font-size: .9rem; }
        @media print {
          body { max-width: none; margin: 0; font-size: 10pt; }
          details::details-content { content-visibility: visible; display: contents; }
          h2 { break-after: avoid; } tr { break-inside: avoid; }
        }

        """
}

/// Text made safe for HTML element content and attribute values.
enum HTML {
    /// Escapes markup characters, and makes invisible or misleading characters visible first: image content is hostile,
    /// and a right-to-left override in a file name could make a reviewer read something it is not.
    static func escape(_ text: String) -> String {
        var visible = ""
        visible.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\t" {
                visible.unicodeScalars.append(scalar)
            } else if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || invisible.contains(scalar.value) {
                visible += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                visible.unicodeScalars.append(scalar)
            }
        }
        // What is left is valid XML text, and XML's escapes are HTML's.
        return JUnitReporter.escape(visible)
    }

    /// Bidirectional overrides and isolates, zero-width characters and the byte-order mark.
    static let invisible: Set<UInt32> = [
        0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF,
    ]

    /// An argument vector as JSON-style strings, so spaces inside arguments stay visible.
    static func argv(_ words: [String]) -> String {
        "[" + words.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ", ") + "]"
    }

}

/// The page being written, with the few building blocks every section uses.
struct HTMLPage {
    private(set) var text = ""

    /// One table cell, escaped when written.
    enum Cell {
        case text(String, highlight: Bool = false)
        case code(String)
        case pre(String)
        case number(Int, highlight: Bool = false)
        /// A byte count, written in binary units.
        case size(Int64)
    }

    /// Image-supplied values longer than this are cut in the report (the JSON report carries nothing cut).
    static let valueLimit = 4000

    static func clipped(_ value: String) -> String {
        guard value.count > valueLimit else { return value }
        return String(value.prefix(valueLimit)) + " … (\(value.count - valueLimit) more characters)"
    }

    mutating func raw(_ html: String) { text += html }

    mutating func field(_ name: String, text value: String) {
        raw("<tr><th>\(HTML.escape(name))</th><td>\(HTML.escape(HTMLPage.clipped(value)))</td></tr>\n")
    }

    mutating func field(_ name: String, code value: String) {
        raw("<tr><th>\(HTML.escape(name))</th><td><code>\(HTML.escape(HTMLPage.clipped(value)))</code></td></tr>\n")
    }

    mutating func row(_ cells: [Cell]) {
        raw("<tr>")
        for cell in cells {
            switch cell {
            case .text(let value, let highlight): raw(highlight ? "<td class=\"alert\">" : "<td>"); raw(HTML.escape(HTMLPage.clipped(value)))
            case .code(let value): raw("<td><code>\(HTML.escape(HTMLPage.clipped(value)))</code>")
            case .pre(let value): raw("<td><pre>\(HTML.escape(HTMLPage.clipped(value)))</pre>")
            case .number(let value, let highlight): raw(highlight ? "<td class=\"number alert\">\(value)" : "<td class=\"number\">\(value)")
            case .size(let bytes): raw("<td class=\"number\">\(ByteCount.text(bytes))")
            }
            raw("</td>")
        }
        raw("</tr>\n")
    }

    /// A titled list of short values; long lists collapse.
    mutating func list(_ title: String, _ items: [String], empty: String, alert: Bool = false) {
        if items.isEmpty {
            if !empty.isEmpty { raw("<p>\(HTML.escape(title)): \(HTML.escape(empty)).</p>\n") }
            return
        }
        collapsible(title, count: items.count, alert: alert) { page in
            page.raw("<ul class=\"values\">\n")
            for item in items { page.raw("<li><code>\(HTML.escape(HTMLPage.clipped(item)))</code></li>\n") }
            page.raw("</ul>\n")
        }
    }

    /// Content under a heading that names the count, open when short and collapsed in `<details>` when long.
    mutating func collapsible(_ title: String, count: Int, alert: Bool = false, _ content: (inout HTMLPage) -> Void) {
        let heading = "\(HTML.escape(title)) (\(count))"
        if count == 0 {
            raw("<p>\(HTML.escape(title)): none.</p>\n")
        } else if count <= HTMLReporter.openListLimit {
            raw("<details open><summary\(alert ? " class=\"alert\"" : "")>\(heading)</summary>\n")
            content(&self)
            raw("</details>\n")
        } else {
            raw("<details><summary\(alert ? " class=\"alert\"" : "")>\(heading), collapsed</summary>\n")
            content(&self)
            raw("</details>\n")
        }
    }
}

