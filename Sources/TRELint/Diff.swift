public import Foundation
public import Reports
public import Rules
import Facts
import ImageKit

/// What `tre-lint diff` was asked to compare, as the command line gives it.
public struct DiffRequest: Sendable {
    public var old: String
    public var new: String
    public var configFile: String?
    public var format: DiffFormat
    /// Exit 1 when a new finding reaches this severity; nil (or `none`) never fails.
    public var failOn: FailThreshold?

    public init(old: String, new: String, configFile: String? = nil, format: DiffFormat = .tty, failOn: FailThreshold? = nil) {
        self.old = old; self.new = new; self.configFile = configFile; self.format = format; self.failOn = failOn
    }
}

/// One image read for a comparison: the image, its facts, its static findings and its files' content digests.
struct DiffSide {
    var reference: String
    var image: Image
    var facts: ImageFacts
    var findings: [Finding]
    var digests: FileDigestCollector
}

/// `tre-lint diff`: reads both images (one pass each), runs the static checks on each, and reports what changed.
public enum ImageDiffer {
    /// Compares two images and renders the report; returns 1 when `failOn` is set and a new finding reaches it, else 0.
    public static func run(
        _ request: DiffRequest, workingDirectory: String = FileManager.default.currentDirectoryPath,
        standardOutputIsTerminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Int32 {
        let report = try compare(request, workingDirectory: workingDirectory)
        let color = request.format == .tty && TerminalColor.isEnabled(isTerminal: standardOutputIsTerminal, environment: environment)
        try ReportOutput.write(report.rendered(request.format, color: color), to: nil)
        return report.newFindingsFail(at: request.failOn ?? .never) ? 1 : 0
    }

    /// The comparison of the request's two images, with the settings `check` would use in `workingDirectory`.
    public static func compare(_ request: DiffRequest, workingDirectory: String = FileManager.default.currentDirectoryPath) throws -> DiffReport {
        let settings = try CheckSettings.resolve(
            CheckRequest(image: request.new, configFile: request.configFile, noRun: true), workingDirectory: workingDirectory)
        let old = try read(request.old, settings: settings)
        let new = try read(request.new, settings: settings)
        return compare(old, new)
    }

    static func read(_ reference: String, settings: CheckSettings) throws -> DiffSide {
        let parsed = try ImageReference(parsing: reference)
        let collector = FactsCollector()
        let digests = FileDigestCollector()
        let image = try ImageLoader.load(parsed, observers: [collector], fileDigests: digests)
        let (facts, violations) = try CheckAnalyzer.staticChecks(
            of: image, collector: collector, dockerfile: nil, dockerfilePath: nil, settings: settings)
        let findings = try RuleEngine(catalog: settings.catalog, configuration: settings.configuration)
            .findings(from: violations, suppressions: [])
        return DiffSide(reference: reference, image: image, facts: facts, findings: findings, digests: digests)
    }

    static func compare(_ old: DiffSide, _ new: DiffSide) -> DiffReport {
        let (shared, removedLayers, addedLayers) = layerChanges(old.image, new.image)
        let (filesAdded, filesRemoved, filesChanged) = fileChanges(old, new)
        let (usersAdded, usersRemoved, usersChanged) = userChanges(old.facts.users.users, new.facts.users.users)
        let (newFindings, resolvedFindings) = findingChanges(old.findings, new.findings)
        return DiffReport(
            tool: ToolInfo(version: TRELintVersion.current), old: identity(old), new: identity(new),
            config: configChanges(old.image, new.image), usersAdded: usersAdded, usersRemoved: usersRemoved,
            usersChanged: usersChanged, sharedLayers: shared, layersRemoved: removedLayers, layersAdded: addedLayers,
            filesAdded: filesAdded, filesRemoved: filesRemoved, filesChanged: filesChanged,
            packages: packageChanges(packages(old.facts), packages(new.facts)),
            oldCUDA: old.facts.cuda, newCUDA: new.facts.cuda, newFindings: newFindings, resolvedFindings: resolvedFindings)
    }

    private static func identity(_ side: DiffSide) -> DiffImage {
        DiffImage(
            reference: side.reference, manifestDigest: side.image.manifestDigest, configDigest: side.image.configDigest,
            repoTags: side.image.repoTags, platform: side.image.platform, size: side.image.tree.totalSize)
    }

    // MARK: config

    static func configChanges(_ old: Image, _ new: Image) -> [ConfigChange] {
        let before = old.config.config ?? ContainerConfig(), after = new.config.config ?? ContainerConfig()
        var changes: [ConfigChange] = []
        func whole(_ field: String, _ a: JSONValue, _ b: JSONValue) {
            if a != b { changes.append(ConfigChange(field: field, old: a, new: b)) }
        }
        func keyed(_ field: String, _ a: [String: String], _ b: [String: String]) {
            for key in Set(a.keys).union(b.keys).sorted() where a[key] != b[key] {
                changes.append(ConfigChange(field: field, key: key, old: .optional(a[key]), new: .optional(b[key])))
            }
        }
        whole("User", .optional(nonEmpty(before.user)), .optional(nonEmpty(after.user)))
        keyed("Env", environment(before.env), environment(after.env))
        whole("Entrypoint", strings(before.entrypoint), strings(after.entrypoint))
        whole("Cmd", strings(before.cmd), strings(after.cmd))
        whole("WorkingDir", .optional(nonEmpty(before.workingDir)), .optional(nonEmpty(after.workingDir)))
        keyed("Labels", before.labels ?? [:], after.labels ?? [:])
        whole("ExposedPorts", strings(before.exposedPorts.map { $0.keys.sorted() }), strings(after.exposedPorts.map { $0.keys.sorted() }))
        whole("Volumes", strings(before.volumes.map { $0.keys.sorted() }), strings(after.volumes.map { $0.keys.sorted() }))
        whole("Healthcheck", before.healthcheck.map { JSONValue(encoding: $0) } ?? .null, after.healthcheck.map { JSONValue(encoding: $0) } ?? .null)
        whole("StopSignal", .optional(nonEmpty(before.stopSignal)), .optional(nonEmpty(after.stopSignal)))
        whole("platform", .string(old.platform), .string(new.platform))
        whole("repoTags", strings(old.repoTags), strings(new.repoTags))
        return changes
    }

    private static func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }

    private static func strings(_ list: [String]?) -> JSONValue { list.map { .array($0.map(JSONValue.string)) } ?? .null }

    /// `Env` as engines apply it: the last definition of a name wins; an entry without `=` sets the empty value.
    private static func environment(_ env: [String]?) -> [String: String] {
        var values: [String: String] = [:]
        for item in env ?? [] {
            if let eq = item.firstIndex(of: "=") {
                values[String(item[..<eq])] = String(item[item.index(after: eq)...])
            } else {
                values[item] = ""
            }
        }
        return values
    }

    // MARK: users, layers, packages, CUDA, findings

    static func userChanges(_ old: [PasswdUser], _ new: [PasswdUser]) -> ([PasswdUser], [PasswdUser], [(old: PasswdUser, new: PasswdUser)]) {
        func byName(_ users: [PasswdUser]) -> [String: PasswdUser] {
            // A duplicated name resolves to its first line, as getpwnam does.
            var result: [String: PasswdUser] = [:]
            for user in users where result[user.name] == nil { result[user.name] = user }
            return result
        }
        let before = byName(old), after = byName(new)
        let added = after.keys.sorted().filter { before[$0] == nil }.compactMap { after[$0] }
        let removed = before.keys.sorted().filter { after[$0] == nil }.compactMap { before[$0] }
        let changed = before.keys.sorted().compactMap { name -> (old: PasswdUser, new: PasswdUser)? in
            guard let a = before[name], let b = after[name], a != b else { return nil }
            return (a, b)
        }
        return (added, removed, changed)
    }

    static func layerChanges(_ old: Image, _ new: Image) -> (Int, [DiffLayer], [DiffLayer]) {
        var shared = 0
        while shared < old.layers.count, shared < new.layers.count, old.layers[shared].digest == new.layers[shared].digest {
            shared += 1
        }
        func layers(_ image: Image) -> [DiffLayer] {
            image.layers.enumerated().dropFirst(shared).map {
                DiffLayer(index: $0.offset, digest: $0.element.digest, size: $0.element.size, createdBy: $0.element.createdBy)
            }
        }
        return (shared, layers(old), layers(new))
    }

    /// `ecosystem → name → version` from the facts' package inventory; several installs of one name list their versions
    /// sorted, joined by `, `.
    static func packages(_ facts: ImageFacts) -> [String: [String: String]] {
        var versions: [String: [String: Set<String>]] = [:]
        for package in facts.packages.packages {
            versions[package.ecosystem.rawValue, default: [:]][package.name, default: []].insert(package.version)
        }
        return versions.mapValues { $0.mapValues { $0.sorted().joined(separator: ", ") } }
    }

    static func packageChanges(_ old: [String: [String: String]], _ new: [String: [String: String]]) -> [PackageChange] {
        var changes: [PackageChange] = []
        for manager in Set(old.keys).union(new.keys).sorted() {
            let before = old[manager] ?? [:], after = new[manager] ?? [:]
            for name in Set(before.keys).union(after.keys).sorted() where before[name] != after[name] {
                changes.append(PackageChange(manager: manager, name: name, old: before[name], new: after[name]))
            }
        }
        return changes
    }

    /// Findings compare by rule and location, leaving out the layer index: a file that moved layers is the same finding.
    static func findingChanges(_ old: [Finding], _ new: [Finding]) -> (new: [Finding], resolved: [Finding]) {
        func key(_ finding: Finding) -> String {
            [finding.rule, finding.location.kind.rawValue, finding.location.path ?? "", finding.location.line.map(String.init) ?? ""]
                .joined(separator: "\u{0}")
        }
        let before = Set(old.map(key)), after = Set(new.map(key))
        return (new.filter { !before.contains(key($0)) }, old.filter { !after.contains(key($0)) })
    }

    // MARK: files

    /// Walks both merged trees (each sorted by path bytes) side by side once.
    static func fileChanges(_ old: DiffSide, _ new: DiffSide) -> ([DiffFile], [DiffFile], [FileChange]) {
        let before = old.image.tree.entries, after = new.image.tree.entries
        var added: [DiffFile] = [], removed: [DiffFile] = [], changed: [FileChange] = []
        var i = 0, j = 0
        while i < before.count || j < after.count {
            if j == after.count || (i < before.count && before[i].path.utf8.lexicographicallyPrecedes(after[j].path.utf8)) {
                removed.append(file(before[i], old))
                i += 1
            } else if i == before.count || after[j].path.utf8.lexicographicallyPrecedes(before[i].path.utf8) {
                added.append(file(after[j], new))
                j += 1
            } else {
                let a = file(before[i], old), b = file(after[j], new)
                var aspects: [String] = []
                if a.type != b.type { aspects.append("type") }
                if a.type == b.type, a.type == "file" || a.type == "hardlink", a.sha256 != b.sha256 || a.size != b.size {
                    aspects.append("content")
                }
                if a.mode != b.mode { aspects.append("mode") }
                if a.uid != b.uid || a.gid != b.gid { aspects.append("owner") }
                if a.link != b.link { aspects.append("link") }
                if !aspects.isEmpty { changed.append(FileChange(aspects: aspects, old: a, new: b)) }
                i += 1; j += 1
            }
        }
        return (added, removed, changed)
    }

    private static func file(_ entry: TreeEntry, _ side: DiffSide) -> DiffFile {
        DiffFile(
            path: entry.path, type: entry.type.rawValue, mode: entry.mode & 0o7777, uid: entry.uid, gid: entry.gid, size: entry.size,
            link: entry.link, sha256: side.digests.digest(of: entry, in: side.image.tree))
    }
}
