public import Foundation

/// The package managers and language ecosystems whose installed packages the inventory lists.
public enum PackageEcosystem: String, Sendable, Codable, CaseIterable, Comparable {
    case dpkg, apk, rpm, python, conda, r, julia

    /// The name a reader knows the ecosystem by.
    public var displayName: String {
        switch self {
        case .dpkg: "Debian packages (dpkg)"
        case .apk: "Alpine packages (apk)"
        case .rpm: "RPM packages"
        case .python: "Python distributions"
        case .conda: "Conda packages"
        case .r: "R packages"
        case .julia: "Julia packages"
        }
    }

    public static func < (lhs: PackageEcosystem, rhs: PackageEcosystem) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// One installed package as its package database records it.
public struct InstalledPackage: Sendable, Equatable, Hashable, Codable {
    public var ecosystem: PackageEcosystem
    public var name: String
    public var version: String
    /// The licence the package declares (SPDX expression, licence name or classifier); nil when it declares none readable.
    public var licence: String?
    /// The file the record was read from (the package database, metadata directory, DESCRIPTION or Manifest.toml).
    public var path: String

    public init(ecosystem: PackageEcosystem, name: String, version: String, licence: String? = nil, path: String) {
        self.ecosystem = ecosystem; self.name = name; self.version = version; self.licence = licence; self.path = path
    }
}

/// Every package installed in an image, across ecosystems, sorted by ecosystem, name and path.
public struct PackageInventory: Sendable, Equatable, Codable {
    public var packages: [InstalledPackage]
    /// Package databases found but not read (an rpm database needs SQLite or Berkeley DB): presence, not contents.
    public var unreadDatabases: [String]

    public init(packages: [InstalledPackage], unreadDatabases: [String] = []) {
        self.packages = packages.sorted { ($0.ecosystem, $0.name, $0.path, $0.version) < ($1.ecosystem, $1.name, $1.path, $1.version) }
        self.unreadDatabases = unreadDatabases.sorted()
    }

    /// The packages of one ecosystem.
    public func packages(of ecosystem: PackageEcosystem) -> [InstalledPackage] {
        packages.filter { $0.ecosystem == ecosystem }
    }

    /// The ecosystems that have at least one package, in display order.
    public var ecosystems: [PackageEcosystem] {
        PackageEcosystem.allCases.filter { ecosystem in packages.contains { $0.ecosystem == ecosystem } }
    }
}

/// What one package metadata file says, parsed as soon as its contents are seen so only the small result is kept.
public enum PackageFileRecord: Sendable, Equatable {
    /// Packages a database file lists (dpkg status, apk installed, R DESCRIPTION, Julia manifest, conda record).
    case packages([InstalledPackage])
    /// The licence a Debian copyright file or Python metadata declares.
    case licence(String?)
}

/// Which files hold package records and how to read them. Only these small files are read.
public enum PackageFiles {
    /// dpkg's database can be several megabytes on large images; anything bigger is not a status file.
    static let databaseLimit: Int64 = 64 * 1024 * 1024
    /// Metadata and copyright files: only their heads matter.
    static let metadataLimit: Int64 = 4 * 1024 * 1024

    static let dpkgStatus = "/var/lib/dpkg/status"
    static let apkInstalled = "/lib/apk/db/installed"
    /// rpm databases in their three formats and two locations.
    static let rpmDatabases = [
        "/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages", "/var/lib/rpm/Packages.db",
        "/usr/lib/sysimage/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/Packages", "/usr/lib/sysimage/rpm/Packages.db",
    ]

    /// Whether a file (path as written in a layer or in the merged tree) is one the inventory reads.
    public static func wants(_ path: String, size: Int64) -> Bool {
        kind(of: path).map { size <= ($0 == .dpkgStatus || $0 == .apkInstalled ? databaseLimit : metadataLimit) } ?? false
    }

    enum Kind: Equatable {
        case dpkgStatus, dpkgStatusPart, apkInstalled, debianCopyright, pythonMetadata, rDescription, juliaManifest, condaRecord
    }

    static func kind(of path: String) -> Kind? {
        if path == dpkgStatus { return .dpkgStatus }
        if path == apkInstalled { return .apkInstalled }
        let name = PathText.lastComponent(path)
        // Every package file has one of a few names or endings: most paths stop here, before any allocation.
        guard name == "copyright" || name == "METADATA" || name == "PKG-INFO" || name == "DESCRIPTION"
            || name.hasSuffix(".toml") || name.hasSuffix(".json") || path.hasPrefix("/var/lib/dpkg/status.d/")
        else { return nil }
        let parent = PathText.parent(path)
        let parentName = PathText.lastComponent(parent)
        // Distroless images keep one status paragraph per package here instead of one status file.
        if parent == "/var/lib/dpkg/status.d", !name.hasSuffix(".md5sums") { return .dpkgStatusPart }
        if name == "copyright", PathText.parent(parent) == "/usr/share/doc" { return .debianCopyright }
        if name == "METADATA", parentName.hasSuffix(".dist-info"), path.containsBytes("-packages/") { return .pythonMetadata }
        if name == "PKG-INFO", parentName.hasSuffix(".egg-info"), path.containsBytes("-packages/") { return .pythonMetadata }
        if name == "DESCRIPTION", isRLibrary(PathText.parent(parent)) { return .rDescription }
        if (name == "Manifest.toml" || (name.hasPrefix("Manifest-v") && name.hasSuffix(".toml"))), !path.containsBytes("/packages/") {
            return .juliaManifest
        }
        if parentName == "conda-meta", name.hasSuffix(".json") { return .condaRecord }
        return nil
    }

    /// R installs packages into `library` (R's own) or `site-library` directories, and renv into `…/renv/library/…`.
    static func isRLibrary(_ directory: String) -> Bool {
        let name = StartCommand.baseName(directory)
        return name == "library" || name == "site-library" || directory.contains("/renv/library/")
    }

    /// Parses one file; nil when the path is not a package file.
    public static func parse(_ path: String, contents: Data) -> PackageFileRecord? {
        guard let kind = kind(of: path) else { return nil }
        let text = String(decoding: contents, as: UTF8.self)
        switch kind {
        case .dpkgStatus, .dpkgStatusPart:
            return .packages(dpkgPackages(text, path: path))
        case .apkInstalled:
            return .packages(apkPackages(text, path: path))
        case .debianCopyright:
            return .licence(debianLicence(text))
        case .pythonMetadata:
            return .licence(pythonLicence(text))
        case .rDescription:
            return .packages(rPackage(text, path: path).map { [$0] } ?? [])
        case .juliaManifest:
            return .packages(juliaPackages(text, path: path))
        case .condaRecord:
            return .packages(condaPackage(contents, path: path).map { [$0] } ?? [])
        }
    }

    // MARK: Formats

    /// RFC 822-style paragraphs (dpkg status, DESCRIPTION): fields with continuation lines, paragraphs split by blank lines.
    static func paragraphs(_ text: String) -> [[String: String]] {
        var result: [[String: String]] = []
        var current: [String: String] = [:]
        var lastKey: String?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !current.isEmpty { result.append(current) }
                current = [:]
                lastKey = nil
            } else if line.first == " " || line.first == "\t" {
                if let key = lastKey { current[key, default: ""] += "\n" + line.trimmingCharacters(in: .whitespaces) }
            } else if let colon = line.firstIndex(of: ":") {
                let key = String(line[..<colon])
                // Repeated fields keep their first value, as dpkg and R read them.
                if current[key] == nil { current[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
                lastKey = key
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    static func dpkgPackages(_ text: String, path: String) -> [InstalledPackage] {
        paragraphs(text).compactMap { fields in
            guard let name = fields["Package"], let version = fields["Version"], !name.isEmpty else { return nil }
            // Removed packages stay in the database as `deinstall ok config-files`; only installed ones ship.
            if let status = fields["Status"], !status.hasSuffix(" installed") { return nil }
            return InstalledPackage(ecosystem: .dpkg, name: name, version: version, path: path)
        }
    }

    static func apkPackages(_ text: String, path: String) -> [InstalledPackage] {
        var result: [InstalledPackage] = []
        var fields: [Character: String] = [:]
        func flush() {
            if let name = fields["P"], let version = fields["V"], !name.isEmpty {
                result.append(InstalledPackage(ecosystem: .apk, name: name, version: version, licence: fields["L"].flatMap(nonEmpty), path: path))
            }
            fields = [:]
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { flush(); continue }
            guard line.count >= 2, let key = line.first, line.dropFirst().first == ":", fields[key] == nil else { continue }
            fields[key] = String(line.dropFirst(2))
        }
        flush()
        return result
    }

    /// The first `License:` line of a machine-readable (DEP-5) copyright file; nil for free-form files.
    static func debianLicence(_ text: String) -> String? {
        guard text.hasPrefix("Format:") || text.hasPrefix("Format-Specification:") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("License:") {
            return nonEmpty(String(line.dropFirst("License:".count)))
        }
        return nil
    }

    /// PEP 639's `License-Expression`, else a one-line `License`, else the `License ::` classifiers.
    static func pythonLicence(_ text: String) -> String? {
        // Only the header block: the long description after the first blank line may quote anything.
        let header = text.components(separatedBy: "\n\n").first ?? text
        let fields = paragraphs(header).first ?? [:]
        if let expression = fields["License-Expression"].flatMap(nonEmpty) { return expression }
        if let licence = fields["License"], !licence.contains("\n"), licence.count <= 100, let value = nonEmpty(licence),
           value != "UNKNOWN" {
            return value
        }
        let classifiers = header.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("Classifier:") else { return nil }
            let value = line.dropFirst("Classifier:".count).trimmingCharacters(in: .whitespaces)
            guard value.hasPrefix("License ::") else { return nil }
            return value.components(separatedBy: " :: ").last
        }
        return classifiers.isEmpty ? nil : classifiers.joined(separator: ", ")
    }

    static func rPackage(_ text: String, path: String) -> InstalledPackage? {
        guard let fields = paragraphs(text).first, let name = fields["Package"], let version = fields["Version"], !name.isEmpty else {
            return nil
        }
        let licence = fields["License"].map { $0.replacingOccurrences(of: "\n", with: " ") }.flatMap(nonEmpty)
        return InstalledPackage(ecosystem: .r, name: name, version: version, licence: licence, path: path)
    }

    /// `[[deps.Name]]` tables (manifest format 2) or `[[Name]]` (format 1), each with an optional `version`;
    /// standard libraries without a version are listed with the Julia version the manifest records, when any.
    static func juliaPackages(_ text: String, path: String) -> [InstalledPackage] {
        var result: [InstalledPackage] = []
        var currentName: String?
        var currentVersion: String?
        var juliaVersion: String?
        func flush() {
            if let name = currentName {
                result.append(InstalledPackage(ecosystem: .julia, name: name, version: currentVersion ?? juliaVersion.map { "stdlib \($0)" } ?? "stdlib", path: path))
            }
            currentName = nil
            currentVersion = nil
        }
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[[") && line.hasSuffix("]]") {
                flush()
                var name = line.dropFirst(2).dropLast(2).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("deps.") { name = String(name.dropFirst("deps.".count)) }
                currentName = unquoted(name)
            } else if line.hasPrefix("[") {
                flush()
            } else if let (key, value) = tomlAssignment(line) {
                if key == "version", currentName != nil { currentVersion = value }
                if key == "julia_version", currentName == nil { juliaVersion = value }
            }
        }
        flush()
        return result
    }

    static func condaPackage(_ data: Data, path: String) -> InstalledPackage? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let name = object["name"] as? String, let version = object["version"] as? String else { return nil }
        return InstalledPackage(
            ecosystem: .conda, name: name, version: version, licence: (object["license"] as? String).flatMap(nonEmpty), path: path)
    }

    /// `key = "value"` with a basic string value; other TOML values are not needed.
    static func tomlAssignment(_ line: String) -> (String, String)? {
        guard let equals = line.firstIndex(of: "=") else { return nil }
        let key = line[..<equals].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { return nil }
        return (key, String(value.dropFirst().dropLast()))
    }

    static func unquoted(_ text: String) -> String {
        text.count >= 2 && text.hasPrefix("\"") && text.hasSuffix("\"") ? String(text.dropFirst().dropLast()) : text
    }

    static func nonEmpty(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension PackageInventory {
    /// Gathers the inventory from the merged tree. `record` returns a file's parsed record (from what the loader's
    /// observer saw, or by reading the file now); files the merged tree no longer shows are never asked for.
    static func gather(
        index: FileIndex, distributions: [PythonDistribution], record: ([String]) -> [String: PackageFileRecord]
    ) -> PackageInventory {
        var databaseFiles: [String] = []
        var copyrightByPackage: [String: String] = [:]
        var unread: [String] = []
        for entry in index.entries where entry.type == .file || entry.type == .hardlink {
            guard let kind = PackageFiles.kind(of: entry.path) else {
                if PackageFiles.rpmDatabases.contains(entry.path) { unread.append(entry.path) }
                continue
            }
            switch kind {
            case .debianCopyright:
                copyrightByPackage[StartCommand.baseName(PathText.parent(entry.path))] = entry.path
            case .pythonMetadata:
                continue
            default:
                databaseFiles.append(entry.path)
            }
        }
        var packages: [InstalledPackage] = []
        for case .packages(let found) in record(databaseFiles).values { packages += found }

        // Licences of dpkg packages come from their copyright files; `-dev` packages often link their doc directory
        // to the library's, which `resolve` follows.
        let dpkgNames = packages.filter { $0.ecosystem == .dpkg }.map { dpkgBaseName($0.name) }
        var copyrightPaths: [String: String] = [:]
        for name in Set(dpkgNames) {
            if let path = copyrightByPackage[name] {
                copyrightPaths[name] = path
            } else if let entry = index.resolve("/usr/share/doc/\(name)/copyright"), entry.type == .file {
                copyrightPaths[name] = entry.path
            }
        }
        let licences = record(Array(Set(copyrightPaths.values)))
        for position in packages.indices where packages[position].ecosystem == .dpkg {
            if let path = copyrightPaths[dpkgBaseName(packages[position].name)], case .licence(let licence)? = licences[path] {
                packages[position].licence = licence
            }
        }

        // Python distributions are found by their metadata directories; their licences by the metadata file inside.
        let metadataPaths = distributions.map { distribution in
            distribution.path + (distribution.path.hasSuffix(".dist-info") ? "/METADATA" : "/PKG-INFO")
        }
        let metadata = record(metadataPaths.filter { index.entry(at: $0) != nil })
        for (distribution, path) in zip(distributions, metadataPaths) {
            var licence: String?
            if case .licence(let found)? = metadata[path] { licence = found }
            packages.append(InstalledPackage(
                ecosystem: .python, name: distribution.name, version: distribution.version, licence: licence, path: distribution.path))
        }
        return PackageInventory(packages: packages, unreadDatabases: unread)
    }

    /// Multi-arch status records name `libc6` while the doc directory is `libc6`; `pkg:amd64` spellings drop the qualifier.
    static func dpkgBaseName(_ name: String) -> String {
        name.split(separator: ":").first.map(String.init) ?? name
    }
}
