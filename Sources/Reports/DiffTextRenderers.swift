import TRECore
import Rules

/// `tre-lint diff` for a terminal: each kind of change under a heading, `+` added, `-` removed, `~` changed.
struct DiffTTYRenderer {
    var color: Bool

    private enum Style: String { case bold = "1", dim = "2", red = "31", green = "32", yellow = "33" }

    private func paint(_ text: String, _ style: Style) -> String {
        color ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    private func added(_ text: String) -> String { "  " + paint("+ " + text, .green) }
    private func removed(_ text: String) -> String { "  " + paint("- " + text, .red) }
    private func changed(_ text: String) -> String { "  " + paint("~ " + text, .yellow) }

    func render(_ report: DiffReport) -> String {
        var lines: [String] = []
        lines.append(paint("\(report.tool.name) \(report.tool.version)", .bold) + " compared")
        lines.append("  old  \(report.old.reference)  " + paint(report.old.manifestDigest, .dim))
        lines.append("  new  \(report.new.reference)  " + paint(report.new.manifestDigest, .dim))
        func heading(_ text: String) {
            lines.append("")
            lines.append(paint(text, .bold))
        }
        if !report.config.isEmpty {
            heading("CONFIG (\(report.config.count))")
            for change in report.config {
                let line = DiffText.configLine(change)
                lines.append(change.old == .null ? added(line) : change.new == .null ? removed(line) : changed(line))
            }
        }
        let userCount = report.usersAdded.count + report.usersRemoved.count + report.usersChanged.count
        if userCount > 0 {
            heading("USERS (\(userCount))")
            lines += report.usersAdded.map { added($0.text) }
            lines += report.usersRemoved.map { removed($0.text) }
            lines += report.usersChanged.map { changed("\($0.old.text) → \($0.new.text)") }
        }
        heading("LAYERS: \(report.sharedLayers) shared, \(report.layersRemoved.count) removed, \(report.layersAdded.count) added")
        for layer in report.layersRemoved { lines.append(removed(layerLine(layer))) }
        for layer in report.layersAdded { lines.append(added(layerLine(layer))) }
        if report.fileChangeCount > 0 {
            heading("FILES: \(report.filesAdded.count) added, \(report.filesRemoved.count) removed, \(report.filesChanged.count) changed")
            if report.fileChangeCount <= DiffReport.fileListLimit {
                lines += report.filesAdded.map { added("\($0.path)  \($0.text)") }
                lines += report.filesRemoved.map { removed("\($0.path)  \($0.text)") }
                lines += report.filesChanged.map { changed("\($0.new.path)  \($0.text)") }
            } else {
                lines.append("  by directory (every path: --format json)")
                for group in report.filesByDirectory {
                    lines.append("    \(group.directory)  +\(group.added) -\(group.removed) ~\(group.changed)")
                }
            }
        }
        if !report.packages.isEmpty {
            heading("PACKAGES (\(report.packages.count))")
            lines += report.packagesAdded.map { added(DiffText.packageLine($0)) }
            lines += report.packagesRemoved.map { removed(DiffText.packageLine($0)) }
            lines += report.packagesChanged.map { changed(DiffText.packageLine($0)) }
        }
        if report.oldCUDA != report.newCUDA {
            heading("CUDA: \(report.oldCUDA.text) → \(report.newCUDA.text)")
            lines += report.oldCUDA.sources.filter { !report.newCUDA.sources.contains($0) }
                .map { removed("\($0.version)  \($0.kind.rawValue)  \($0.path)") }
            lines += report.newCUDA.sources.filter { !report.oldCUDA.sources.contains($0) }
                .map { added("\($0.version)  \($0.kind.rawValue)  \($0.path)") }
        }
        heading("FINDINGS: \(report.newFindings.count) new, \(report.resolvedFindings.count) resolved")
        lines += report.newFindings.map { added("\($0.rule) \($0.severity.rawValue)  \($0.title)  at \($0.location.displayText)") }
        lines += report.resolvedFindings.map { removed("\($0.rule) \($0.severity.rawValue)  \($0.title)  at \($0.location.displayText)") }
        lines.append("")
        lines.append(report.summaryLine)
        return lines.joined(separator: "\n") + "\n"
    }

    private func layerLine(_ layer: DiffLayer) -> String {
        "\(layer.index)  \(DiffText.shortDigest(layer.digest))  \(ByteCount.text(layer.size))  \(layer.instruction)"
    }
}

/// `tre-lint diff` as markdown, for an approval record or a pull-request comment.
struct DiffMarkdownRenderer {
    func render(_ report: DiffReport) -> String {
        var lines: [String] = []
        lines.append("## tre-lint diff: \(Markdown.code(report.old.reference)) → \(Markdown.code(report.new.reference))")
        lines.append("")
        lines.append(Markdown.escape(report.summaryLine) + " (\(report.tool.name) \(report.tool.version))")
        lines.append("")
        lines.append("| | Old | New |")
        lines.append("|---|---|---|")
        lines.append("| Manifest | \(Markdown.code(report.old.manifestDigest)) | \(Markdown.code(report.new.manifestDigest)) |")
        lines.append("| Config | \(Markdown.code(report.old.configDigest)) | \(Markdown.code(report.new.configDigest)) |")
        lines.append("| Platform | \(Markdown.code(report.old.platform)) | \(Markdown.code(report.new.platform)) |")
        lines.append("| Size | \(ByteCount.text(report.old.size)) | \(ByteCount.text(report.new.size)) |")
        func section(_ title: String) {
            lines.append("")
            lines.append("### \(title)")
            lines.append("")
        }
        if !report.config.isEmpty {
            section("Config")
            lines.append("| Field | Old | New |")
            lines.append("|---|---|---|")
            for change in report.config {
                let name = change.key.map { "\(change.field) \($0)" } ?? change.field
                lines.append("| \(Markdown.code(name)) | \(cell(change.old)) | \(cell(change.new)) |")
            }
        }
        if !report.usersAdded.isEmpty || !report.usersRemoved.isEmpty || !report.usersChanged.isEmpty {
            section("Users")
            lines += report.usersAdded.map { "- added \(Markdown.escape($0.text))" }
            lines += report.usersRemoved.map { "- removed \(Markdown.escape($0.text))" }
            lines += report.usersChanged.map { "- changed \(Markdown.escape($0.old.text)) → \(Markdown.escape($0.new.text))" }
        }
        section("Layers")
        lines.append("\(report.sharedLayers) shared, \(report.layersRemoved.count) removed, \(report.layersAdded.count) added.")
        if !report.layersRemoved.isEmpty || !report.layersAdded.isEmpty {
            lines.append("")
            lines.append("| | # | Digest | Size | Instruction |")
            lines.append("|---|---:|---|---:|---|")
            for (sign, layer) in report.layersRemoved.map({ ("−", $0) }) + report.layersAdded.map({ ("+", $0) }) {
                lines.append("| \(sign) | \(layer.index) | \(Markdown.code(DiffText.shortDigest(layer.digest))) | \(ByteCount.text(layer.size)) | \(Markdown.code(layer.instruction)) |")
            }
        }
        if report.fileChangeCount > 0 {
            section("Files")
            lines.append("\(report.filesAdded.count) added, \(report.filesRemoved.count) removed, \(report.filesChanged.count) changed (by content digest, mode, owner, type and link).")
            lines.append("")
            if report.fileChangeCount <= DiffReport.fileListLimit {
                lines.append("| | Path | What |")
                lines.append("|---|---|---|")
                lines += report.filesAdded.map { "| + | \(Markdown.code($0.path)) | \(Markdown.escape($0.text)) |" }
                lines += report.filesRemoved.map { "| − | \(Markdown.code($0.path)) | \(Markdown.escape($0.text)) |" }
                lines += report.filesChanged.map { "| ~ | \(Markdown.code($0.new.path)) | \(Markdown.escape($0.text)) |" }
            } else {
                lines.append("| Directory | Added | Removed | Changed |")
                lines.append("|---|---:|---:|---:|")
                for group in report.filesByDirectory {
                    lines.append("| \(Markdown.code(group.directory)) | \(group.added) | \(group.removed) | \(group.changed) |")
                }
                lines.append("")
                lines.append("Every path: \(Markdown.code("tre-lint diff OLD NEW --format json")).")
            }
        }
        if !report.packages.isEmpty {
            section("Packages")
            lines.append("| Manager | Package | Old | New |")
            lines.append("|---|---|---|---|")
            for change in report.packages {
                lines.append("| \(Markdown.escape(change.manager)) | \(Markdown.code(change.name)) | \(Markdown.escape(change.old ?? "—")) | \(Markdown.escape(change.new ?? "—")) |")
            }
        }
        if report.oldCUDA != report.newCUDA {
            section("CUDA")
            lines.append("\(Markdown.escape(report.oldCUDA.text)) → \(Markdown.escape(report.newCUDA.text))")
        }
        section("Findings")
        if report.newFindings.isEmpty && report.resolvedFindings.isEmpty {
            lines.append("No new or resolved findings.")
        } else {
            lines.append("| | Rule | Severity | Title | Where |")
            lines.append("|---|---|---|---|---|")
            for (sign, finding) in report.newFindings.map({ ("new", $0) }) + report.resolvedFindings.map({ ("resolved", $0) }) {
                lines.append("| \(sign) | \(finding.rule) | \(finding.severity.rawValue) | \(Markdown.escape(finding.title)) | \(Markdown.code(finding.location.displayText)) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func cell(_ value: JSONValue) -> String {
        value == .null ? "—" : Markdown.code(DiffText.value(value))
    }
}
