public import TRECore
public import DockerfileKit
public import Foundation
public import ImageKit

/// What facts are gathered from: the image's config and merged tree, a way to read files, and an optional Dockerfile.
public struct FactsInput: Sendable {
    public var config: ImageConfig
    public var repoTags: [String]
    public var entries: [TreeEntry]
    /// Uncompressed bytes of the merged filesystem.
    public var totalSize: Int64
    public var wasted: [ShadowedEntry]
    /// Reads the current (merged-tree) contents of regular files, at most `limit` bytes each; missing paths are left out.
    public var readContents: @Sendable (_ paths: [String], _ limit: Int) throws -> [String: Data]
    public var dockerfile: Dockerfile?
    /// The Dockerfile's path as the user named it (for locations).
    public var dockerfilePath: String?

    public init(
        config: ImageConfig, repoTags: [String], entries: [TreeEntry], totalSize: Int64, wasted: [ShadowedEntry],
        readContents: @escaping @Sendable ([String], Int) throws -> [String: Data],
        dockerfile: Dockerfile? = nil, dockerfilePath: String? = nil
    ) {
        self.config = config; self.repoTags = repoTags; self.entries = entries; self.totalSize = totalSize
        self.wasted = wasted; self.readContents = readContents; self.dockerfile = dockerfile; self.dockerfilePath = dockerfilePath
    }
}

/// Everything the static rules stand on, gathered once per image.
public struct ImageFacts: Sendable {
    public var imageConfig: ImageConfig
    /// The process settings (empty when the image has none).
    public var config: ContainerConfig
    public var repoTags: [String]
    /// `Env` as a dictionary, last definition winning.
    public var environment: [String: String]
    public var files: FileIndex
    public var totalSize: Int64
    public var wasted: [ShadowedEntry]
    public var build: BuildRecord
    public var mounts: MountPoints
    public var command: StartCommand
    /// The program the start command runs, wrappers (`env`, `tini`) skipped; nil without a command.
    public var startProgram: StartProgram?
    /// The command after wrappers, with `sh -c "…"`'s inner command as the program when it is a plain word.
    public var effectiveArgv: [String]
    /// The script an interpreter start program is told to run (`python3 /app/run.py`) when it is not in the image.
    public var missingStartScript: String?
    public var startupCode: [StartupSource]
    /// Compiled programs outside the system directories that the start-up code runs: their behaviour is unknown.
    public var unreadableStartupPrograms: [String]
    public var users: UserDatabase
    public var runAs: RunAsUser
    public var cuda: DetectedCUDA
    /// Python distributions with the licences their metadata declares.
    public var pythonDistributions: [PythonDistribution]
    /// Every installed package (dpkg, apk, Python, conda, R, Julia), for the approval report and `diff`.
    public var packages: PackageInventory
    public var secrets: [SecretFinding]

    /// The working directory the process starts in.
    public var workingDirectory: String { config.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/" }

    /// Hugging Face libraries installed in the image.
    public var huggingFaceLibraries: [PythonDistribution] {
        pythonDistributions.filter { HuggingFace.libraries.contains($0.name) }
    }

    /// Every signal of one kind in the start-up code, with the code it came from.
    public func signals(_ kind: SignalKind) -> [(source: StartupSource, signal: CodeSignal)] {
        startupCode.flatMap { source in source.signals.filter { $0.kind == kind }.map { (source, $0) } }
    }

    /// Whether any start-up code could be read (a compiled start program leaves only the command line).
    public var hasReadableStartupCode: Bool {
        startupCode.contains { $0.origin != .commandLine }
    }

    /// Whether all the work the start-up code does is in code that was read: no compiled program of the image's own,
    /// no other runtime (java, node, MATLAB …). Rules that need to see what the job does (inputs, outputs) ask this.
    public var startupCodeFullyRead: Bool {
        hasReadableStartupCode && unreadableStartupPrograms.isEmpty && signals(.runsUnreadableCode).isEmpty
    }

    /// Where a signal points: the image file and line, or the config field holding the command.
    public func location(of source: StartupSource, _ signal: CodeSignal) -> Location {
        switch source.origin {
        case .file(let path, let layer): Location(kind: .imageFile, path: path, line: signal.line, layer: layer)
        case .commandLine, .inline:
            build.location(of: build.last(command.entrypoint.isEmpty ? "CMD" : "ENTRYPOINT"), orConfigField: command.programField)
        }
    }
}

/// Gathers `ImageFacts`; pass `collector` to the image loader as its content observer so secrets and small
/// files are seen in the loader's single pass, instead of being read again.
public struct FactsGatherer: Sendable {
    public var mounts: MountPoints

    public init(mounts: MountPoints = MountPoints.standard) {
        self.mounts = mounts
    }

    /// Small files are read whole up to this size: scripts, passwd, version files.
    static let readLimit = 2 * 1024 * 1024

    public func gather(_ input: FactsInput, collector: FactsCollector? = nil) throws -> ImageFacts {
        let index = FileIndex(entries: input.entries)
        let config = input.config.config ?? ContainerConfig()
        let environment = config.environment
        let build = input.dockerfile.map { BuildRecord(dockerfile: $0, path: input.dockerfilePath ?? "Dockerfile") }
            ?? BuildRecord(history: input.config.history ?? [])

        // Files are taken from what the collector saw when it holds the merged tree's version, else read now.
        var cache: [String: Data] = [:]
        func read(_ paths: [String]) -> [String: Data] {
            var result: [String: Data] = [:]
            var missing: [String] = []
            for path in paths {
                if let data = cache[path] {
                    result[path] = data
                } else if let layer = index.entry(at: path)?.layer, let data = collector?.contents(of: path, layer: layer) {
                    result[path] = data
                } else {
                    missing.append(path)
                }
            }
            if !missing.isEmpty, let read = try? input.readContents(missing, FactsGatherer.readLimit) {
                for (path, data) in read { result[path] = data }
            }
            for (path, data) in result { cache[path] = data }
            return result
        }
        func resolvedFile(_ path: String) -> String? {
            guard let entry = index.resolve(path), entry.type == .file || entry.type == .hardlink else { return nil }
            return entry.path
        }

        // Users.
        let passwdPath = resolvedFile("/etc/passwd")
        let groupPath = resolvedFile("/etc/group")
        let accounts = read([passwdPath, groupPath].compactMap { $0 })
        let users = UserDatabase(
            passwd: passwdPath.flatMap { accounts[$0] }.map { String(decoding: $0, as: UTF8.self) },
            group: groupPath.flatMap { accounts[$0] }.map { String(decoding: $0, as: UTF8.self) })
        let runAs = RunAsUser(spelled: config.user ?? "", database: users)

        // Start program and start-up code.
        let command = StartCommand(entrypoint: config.entrypoint ?? [], cmd: config.cmd ?? [])
        var effective = StartCommand.unwrap(command.argv).argv
        if let inner = StartCommand.shellFormCommand(effective) {
            let words = ShellWords.split(inner)
            let unwrapped = StartCommand.unwrap(words.filter { !$0.contains("=") || $0.hasPrefix("-") }).argv
            let special = CharacterSet(charactersIn: "$`|&;<>(){}*?")
            if let first = unwrapped.first, first.rangeOfCharacter(from: special) == nil,
               !Self.shellBuiltins.contains(first) {
                effective = unwrapped
            }
        }
        let resolver = ProgramResolver(
            index: index, pathVariable: environment["PATH"], workingDirectory: config.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/")
        let startProgram = effective.first.map { name in
            resolver.resolve(name) { path in
                guard let data = read([path])[path] else { return nil }
                return String(decoding: data.prefix(256).prefix(while: { $0 != 0x0A }), as: UTF8.self)
            }
        }
        let walker = StartupCodeWalker(
            index: index, resolver: resolver, scanner: SourceScanner(mounts: mounts),
            pythonPath: (environment["PYTHONPATH"] ?? "").split(separator: ":").map(String.init), read: read)
        let (startupCode, unreadable) = walker.walk(command: command, program: startProgram)

        // Python distributions and CUDA.
        let distributions = PythonDistribution.find(in: index)
        let cuda = CUDADetector.detect(index: index, environment: environment, distributions: distributions, read: read)

        // Installed packages; Python distributions gain their licences from it.
        let packages = FactsGatherer.packages(index: index, distributions: distributions, input: input, collector: collector)
        var licenceByPath: [String: String] = [:]
        for package in packages.packages(of: .python) { licenceByPath[package.path] = package.licence }
        let licensed = distributions.map { distribution in
            var distribution = distribution
            distribution.licence = licenceByPath[distribution.path]
            return distribution
        }

        // Secrets, by content.
        let secrets = collector.map { $0.secrets(index: index) } ?? scanSecrets(index: index, read: read)

        return ImageFacts(
            imageConfig: input.config, config: config, repoTags: input.repoTags, environment: environment, files: index,
            totalSize: input.totalSize, wasted: input.wasted, build: build, mounts: mounts, command: command,
            startProgram: startProgram, effectiveArgv: effective,
            missingStartScript: FactsGatherer.missingScript(effective, index: index, workingDirectory: resolver.workingDirectory),
            startupCode: startupCode,
            unreadableStartupPrograms: unreadable, users: users, runAs: runAs,
            cuda: cuda, pythonDistributions: licensed, packages: packages, secrets: secrets)
    }

    /// Only the CUDA facts, for `inspect`: cheaper than `gather`, reading just the version files.
    public func cuda(_ input: FactsInput, collector: FactsCollector? = nil) -> DetectedCUDA {
        let index = FileIndex(entries: input.entries)
        let environment = (input.config.config ?? ContainerConfig()).environment
        return CUDADetector.detect(
            index: index, environment: environment, distributions: PythonDistribution.find(in: index)
        ) { paths in
            var result: [String: Data] = [:]
            var missing: [String] = []
            for path in paths {
                if let layer = index.entry(at: path)?.layer, let data = collector?.contents(of: path, layer: layer) {
                    result[path] = data
                } else {
                    missing.append(path)
                }
            }
            if !missing.isEmpty, let read = try? input.readContents(missing, FactsGatherer.readLimit) { result.merge(read) { $1 } }
            return result
        }
    }

    /// Only the package inventory, for `inspect` and `diff`: reads just the package databases and metadata files.
    public func packages(_ input: FactsInput, collector: FactsCollector? = nil) -> PackageInventory {
        let index = FileIndex(entries: input.entries)
        return FactsGatherer.packages(index: index, distributions: PythonDistribution.find(in: index), input: input, collector: collector)
    }

    static func packages(
        index: FileIndex, distributions: [PythonDistribution], input: FactsInput, collector: FactsCollector?
    ) -> PackageInventory {
        PackageInventory.gather(index: index, distributions: distributions) { paths in
            var result: [String: PackageFileRecord] = [:]
            var missing: [String] = []
            for path in paths {
                if let layer = index.entry(at: path)?.layer, let record = collector?.packageRecord(of: path, layer: layer) {
                    result[path] = record
                } else {
                    missing.append(path)
                }
            }
            // Thousands of copyright files are read in batches, each batch in one pass per layer.
            for start in stride(from: 0, to: missing.count, by: 512) {
                let batch = Array(missing[start..<min(start + 512, missing.count)])
                guard let contents = try? input.readContents(batch, Int(PackageFiles.databaseLimit)) else { continue }
                for (path, data) in contents { result[path] = PackageFiles.parse(path, contents: data) }
            }
            return result
        }
    }

    /// The script argument of an interpreter command when it names a file the image lacks. Only arguments that look
    /// like files (a slash or a script extension) count, since options may take values (`julia -t 4 run.jl`).
    static func missingScript(_ argv: [String], index: FileIndex, workingDirectory: String) -> String? {
        guard let program = argv.first, SourceLanguage.forProgram(program) != nil else { return nil }
        let arguments = argv.dropFirst()
        guard !arguments.contains(where: { ["-c", "-e", "-m", "--eval"].contains($0) }) else { return nil }
        guard let script = arguments.first(where: { !$0.hasPrefix("-") }) else { return nil }
        let extensions: Set<String> = ["py", "r", "R", "jl", "sh", "bash"]
        guard script.contains("/") || extensions.contains((script as NSString).pathExtension), !script.contains("$") else { return nil }
        let path = FileIndex.join(workingDirectory, script)
        return index.resolve(path) == nil ? path : nil
    }

    static let shellBuiltins: Set<String> = ["exec", "cd", "set", "export", "source", ".", "eval", "if", "for", "while", "["]

    /// Without a collector: reads every file the secret scanner wants (visible files only), in batches.
    private func scanSecrets(index: FileIndex, read: ([String]) -> [String: Data]) -> [SecretFinding] {
        let wanted = index.entries.filter { $0.type == .file && SecretScanner.wants(path: $0.path, size: $0.size) }
        var findings: [SecretFinding] = []
        for start in stride(from: 0, to: wanted.count, by: 256) {
            let batch = Array(wanted[start..<min(start + 256, wanted.count)])
            let contents = read(batch.map(\.path))
            for entry in batch {
                guard let data = contents[entry.path] else { continue }
                for match in SecretScanner.scan(path: entry.path, contents: data) {
                    findings.append(SecretFinding(kind: match.kind, path: entry.path, layer: entry.layer, line: match.line))
                }
            }
        }
        return findings
    }
}

/// Watches the image loader's single pass over the layers: keeps the small files facts need and scans
/// every small file for secrets, including copies a later layer deleted (their bytes still ship).
public final class FactsCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String: (layer: Int, data: Data)] = [:]
    private var keptBytes = 0
    private var found: [SecretFinding] = []
    private var packageRecords: [String: (layer: Int, record: PackageFileRecord)] = [:]
    /// Scripts kept in memory at most; beyond it, the few start-up files are read again from the tree when needed.
    static let keptBytesLimit = 64 * 1024 * 1024

    public init() {}

    /// Whether the loader should hand over this file's contents.
    public func wants(_ path: String, size: Int64, layer: Int) -> Bool {
        FactsCollector.keeps(path, size: size) || SecretScanner.wants(path: path, size: size) || PackageFiles.wants(path, size: size)
    }

    /// Receives one file's contents from one layer.
    public func observe(_ path: String, layer: Int, contents: Data) {
        // Package files are parsed at once and only the parsed record kept: a status file can be megabytes.
        if PackageFiles.wants(path, size: Int64(contents.count)), !hasPackageRecord(path, above: layer),
           let record = PackageFiles.parse(path, contents: contents) {
            lock.lock()
            if (packageRecords[path]?.layer ?? -1) < layer { packageRecords[path] = (layer, record) }
            lock.unlock()
        }
        let matches = SecretScanner.wants(path: path, size: Int64(contents.count))
            ? SecretScanner.scan(path: path, contents: contents) : []
        let keep = FactsCollector.keeps(path, size: Int64(contents.count))
        guard keep || !matches.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        for match in matches {
            found.append(SecretFinding(kind: match.kind, path: path, layer: layer, line: match.line))
        }
        guard keep, (kept[path]?.layer ?? -1) < layer else { return }
        let essential = path == "/etc/passwd" || path == "/etc/group" || CUDADetector.wantsContents(of: path)
        guard essential || keptBytes + contents.count <= FactsCollector.keptBytesLimit else { return }
        keptBytes += contents.count - (kept[path]?.data.count ?? 0)
        kept[path] = (layer, contents)
    }

    /// The contents seen for a path in a given layer, if kept.
    public func contents(of path: String, layer: Int) -> Data? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = kept[path], entry.layer == layer else { return nil }
        return entry.data
    }

    /// Whether a later layer's copy of a package file was already parsed: each apt step rewrites dpkg's status file.
    private func hasPackageRecord(_ path: String, above layer: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return (packageRecords[path]?.layer ?? -1) > layer
    }

    /// The parsed package record of a path as a given layer holds it, if seen.
    public func packageRecord(of path: String, layer: Int) -> PackageFileRecord? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = packageRecords[path], entry.layer == layer else { return nil }
        return entry.record
    }

    /// Secrets found, each marked visible when the merged tree still shows that copy.
    func secrets(index: FileIndex) -> [SecretFinding] {
        lock.lock()
        let all = found
        lock.unlock()
        return all.map { finding in
            var finding = finding
            finding.visible = index.entry(at: finding.path)?.layer == finding.layer
            return finding
        }.sorted { ($0.path, $0.layer, $0.line) < ($1.path, $1.layer, $1.line) }
    }

    /// Files kept for facts: accounts, CUDA version files, and scripts outside package directories.
    static func keeps(_ path: String, size: Int64) -> Bool {
        guard size <= Int64(FactsGatherer.readLimit) else { return false }
        if path == "/etc/passwd" || path == "/etc/group" { return true }
        if CUDADetector.wantsContents(of: path) { return true }
        if StartupCodeWalker.isPackageDirectory(path) { return false }
        let ext = PathText.fileExtension(path).lowercased()
        if ["py", "sh", "bash", "r", "jl"].contains(ext) { return true }
        let scriptDirectory = path.hasPrefix("/usr/local/bin/") || path.hasPrefix("/app/") || path.hasPrefix("/opt/")
        return scriptDirectory && ext.isEmpty && size <= 64 * 1024
    }
}

extension FactsCollector: ImageContentObserver {}

extension FactsInput {
    /// The input for a loaded image; `dockerfile` is the one the user gave, if any.
    public init(image: Image, dockerfile: Dockerfile? = nil, dockerfilePath: String? = nil) {
        let tree = image.tree
        self.init(
            config: image.config, repoTags: image.repoTags, entries: tree.entries, totalSize: tree.totalSize,
            wasted: tree.shadowed,
            readContents: { paths, limit in
                do {
                    return try tree.contents(of: paths, limit: Int64(limit))
                } catch {
                    // One unreadable path must not hide the others: fall back to reading them one by one.
                    var result: [String: Data] = [:]
                    for path in paths { result[path] = try? tree.contents(of: path, limit: Int64(limit)) }
                    return result
                }
            },
            dockerfile: dockerfile, dockerfilePath: dockerfilePath)
    }
}
