import TRECore
import Facts
import Rules

/// The output formats of `tre-lint diff`.
public enum DiffFormat: String, CaseIterable, Sendable {
    case tty, json, markdown
}

extension DiffReport {
    /// Above this many changed paths, tty and markdown summarise files by directory; json always lists every path.
    public static let fileListLimit = 40

    /// The report in the given format, ending with a newline; `color` applies to tty only.
    public func rendered(_ format: DiffFormat, color: Bool = false) -> String {
        switch format {
        case .json: jsonValue.rendered() + "\n"
        case .tty: DiffTTYRenderer(color: color).render(self)
        case .markdown: DiffMarkdownRenderer().render(self)
        }
    }

    /// The documented `diff --format json` object; every key is always present, absent values as null.
    public var jsonValue: JSONValue {
        .object([
            ("tool", .object([("name", .string(tool.name)), ("version", .string(tool.version))])),
            ("old", old.jsonValue),
            ("new", new.jsonValue),
            ("config", .array(config.map {
                .object([("field", .string($0.field)), ("key", .optional($0.key)), ("old", $0.old), ("new", $0.new)])
            })),
            ("users", .object([
                ("added", .array(usersAdded.map(\.jsonValue))),
                ("removed", .array(usersRemoved.map(\.jsonValue))),
                ("changed", .array(usersChanged.map {
                    .object([("name", .string($0.new.name)), ("old", $0.old.jsonValue), ("new", $0.new.jsonValue)])
                })),
            ])),
            ("layers", .object([
                ("shared", .int(sharedLayers)),
                ("removed", .array(layersRemoved.map(\.jsonValue))),
                ("added", .array(layersAdded.map(\.jsonValue))),
            ])),
            ("files", .object([
                ("added", .array(filesAdded.map(\.jsonValue))),
                ("removed", .array(filesRemoved.map(\.jsonValue))),
                ("changed", .array(filesChanged.map {
                    .object([
                        ("path", .string($0.new.path)), ("changes", .array($0.aspects.map(JSONValue.string))),
                        ("old", $0.old.jsonValue), ("new", $0.new.jsonValue),
                    ])
                })),
            ])),
            ("packages", .object([
                ("added", .array(packagesAdded.map {
                    .object([("manager", .string($0.manager)), ("name", .string($0.name)), ("version", .optional($0.new))])
                })),
                ("removed", .array(packagesRemoved.map {
                    .object([("manager", .string($0.manager)), ("name", .string($0.name)), ("version", .optional($0.old))])
                })),
                ("changed", .array(packagesChanged.map {
                    .object([
                        ("manager", .string($0.manager)), ("name", .string($0.name)), ("old", .optional($0.old)),
                        ("new", .optional($0.new)),
                    ])
                })),
            ])),
            ("cuda", .object([("old", oldCUDA.jsonValue), ("new", newCUDA.jsonValue), ("changed", .bool(oldCUDA != newCUDA))])),
            ("findings", .object([
                ("new", .array(newFindings.map(\.jsonValue))), ("resolved", .array(resolvedFindings.map(\.jsonValue))),
            ])),
        ])
    }

    var packagesAdded: [PackageChange] { packages.filter { $0.old == nil } }
    var packagesRemoved: [PackageChange] { packages.filter { $0.new == nil } }
    var packagesChanged: [PackageChange] { packages.filter { $0.old != nil && $0.new != nil } }

    var fileChangeCount: Int { filesAdded.count + filesRemoved.count + filesChanged.count }

    /// Changed paths counted per directory, three levels deep or shallower until at most `directoryListLimit` remain, for
    /// reports too long to list path by path.
    var filesByDirectory: [(directory: String, added: Int, removed: Int, changed: Int)] {
        var depth = 3
        while true {
            var counts: [String: (added: Int, removed: Int, changed: Int)] = [:]
            for file in filesAdded { counts[Self.summaryDirectory(file.path, depth: depth), default: (0, 0, 0)].added += 1 }
            for file in filesRemoved { counts[Self.summaryDirectory(file.path, depth: depth), default: (0, 0, 0)].removed += 1 }
            for change in filesChanged { counts[Self.summaryDirectory(change.new.path, depth: depth), default: (0, 0, 0)].changed += 1 }
            if counts.count <= Self.directoryListLimit || depth == 1 {
                return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value.added, $0.value.removed, $0.value.changed) }
            }
            depth -= 1
        }
    }

    /// The most directory lines a summary aims for.
    static let directoryListLimit = 60

    static func summaryDirectory(_ path: String, depth: Int) -> String {
        let parents = path.split(separator: "/").dropLast()
        return parents.isEmpty ? "/" : "/" + parents.prefix(depth).joined(separator: "/")
    }

    /// One line saying how much changed: the closing line of tty and the opening one of markdown.
    var summaryLine: String {
        if isEmpty { return "No differences." }
        var parts: [String] = []
        if !config.isEmpty { parts.append(Self.count(config.count, "config change")) }
        let users = usersAdded.count + usersRemoved.count + usersChanged.count
        if users > 0 { parts.append(Self.count(users, "user change")) }
        if !layersAdded.isEmpty || !layersRemoved.isEmpty {
            parts.append("\(layersRemoved.count) layer\(layersRemoved.count == 1 ? "" : "s") removed, \(layersAdded.count) added")
        }
        if fileChangeCount > 0 {
            parts.append("files: \(filesAdded.count) added, \(filesRemoved.count) removed, \(filesChanged.count) changed")
        }
        if !packages.isEmpty { parts.append(Self.count(packages.count, "package change")) }
        if oldCUDA != newCUDA { parts.append("CUDA changed") }
        parts.append("findings: \(newFindings.count) new, \(resolvedFindings.count) resolved")
        return parts.joined(separator: "; ") + "."
    }

    static func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
}

extension DiffImage {
    var jsonValue: JSONValue {
        .object([
            ("reference", .string(reference)), ("manifestDigest", .string(manifestDigest)),
            ("configDigest", .string(configDigest)), ("repoTags", .array(repoTags.map(JSONValue.string))),
            ("platform", .string(platform)), ("size", .int(Int(clamping: size))),
        ])
    }
}

extension PasswdUser {
    var jsonValue: JSONValue {
        .object([
            ("name", .string(name)), ("uid", .int(uid)), ("gid", .int(gid)), ("home", .string(home)), ("shell", .string(shell)),
        ])
    }

    var text: String { "\(name) (uid \(uid), gid \(gid), home \(home), shell \(shell))" }
}

extension DiffLayer {
    var jsonValue: JSONValue {
        .object([
            ("index", .int(index)), ("digest", .string(digest)), ("size", .int(Int(clamping: size))),
            ("createdBy", .optional(createdBy)),
        ])
    }

    /// The history instruction on one line, shortened for a terminal or a table cell.
    var instruction: String {
        let flat = (createdBy ?? "(no history)").split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > 100 ? String(flat.prefix(97)) + "..." : flat
    }
}

extension DiffFile {
    var jsonValue: JSONValue {
        .object([
            ("path", .string(path)), ("type", .string(type)), ("mode", .string(octalMode)), ("uid", .int(uid)), ("gid", .int(gid)),
            ("size", .int(Int(clamping: size))), ("link", .optional(link)), ("sha256", .optional(sha256)),
        ])
    }

    var octalMode: String {
        let octal = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
    }

    /// `file 0755 0:0 12 B`, or `symlink → target`.
    var text: String {
        var words = [type, octalMode, "\(uid):\(gid)"]
        if type == "file" { words.append(ByteCount.text(size)) }
        if let link { words.append("→ \(link)") }
        return words.joined(separator: " ")
    }
}

extension FileChange {
    /// `content`, `mode 0644 → 0755`, `owner 0:0 → 1000:1000` …
    var text: String {
        aspects.map { aspect in
            switch aspect {
            case "type": "type \(old.type) → \(new.type)"
            case "content": "content \(DiffText.shortDigest(old.sha256)) → \(DiffText.shortDigest(new.sha256))"
                + (old.size == new.size ? " (same size)" : " (\(ByteCount.text(old.size)) → \(ByteCount.text(new.size)))")
            case "mode": "mode \(old.octalMode) → \(new.octalMode)"
            case "owner": "owner \(old.uid):\(old.gid) → \(new.uid):\(new.gid)"
            case "link": "link \(old.link ?? "-") → \(new.link ?? "-")"
            default: aspect
            }
        }.joined(separator: ", ")
    }
}

extension DetectedCUDA {
    var jsonValue: JSONValue {
        .object([
            ("version", .optional(version?.description)),
            ("sources", .array(sources.map {
                .object([("kind", .string($0.kind.rawValue)), ("path", .string($0.path)), ("version", .string($0.version.description))])
            })),
        ])
    }

    var text: String { version?.description ?? "none found" }
}

/// Small formatting shared by the tty and markdown renderers.
enum DiffText {
    static func shortDigest(_ digest: String?) -> String {
        guard let digest else { return "-" }
        let hex = digest.hasPrefix("sha256:") ? digest.dropFirst(7) : Substring(digest)
        return String(hex.prefix(12))
    }

    /// A JSON value on one line (`["/bin/sh", "-c"]`, `"C.UTF-8"`), or `(unset)` for null.
    static func value(_ value: JSONValue) -> String {
        if value == .null { return "(unset)" }
        // Strings never hold a raw newline once rendered, so dropping line breaks and indentation keeps them intact.
        return value.rendered().split(separator: "\n").map { $0.drop { $0 == " " } }.joined()
    }

    static func configLine(_ change: ConfigChange) -> String {
        let name = change.key.map { "\(change.field) \($0)" } ?? change.field
        switch (change.old, change.new) {
        case (.null, let new): return "\(name): added \(value(new))"
        case (let old, .null): return "\(name): removed (was \(value(old)))"
        case (let old, let new): return "\(name): \(value(old)) → \(value(new))"
        }
    }

    static func packageLine(_ change: PackageChange) -> String {
        switch (change.old, change.new) {
        case (nil, let new): "\(change.manager) \(change.name) \(new ?? "")"
        case (let old, nil): "\(change.manager) \(change.name) \(old ?? "")"
        case (let old, let new): "\(change.manager) \(change.name) \(old ?? "") → \(new ?? "")"
        }
    }
}
