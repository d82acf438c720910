import Foundation

/// Where a piece of start-up code lives.
public enum StartupOrigin: Sendable, Equatable, Hashable {
    /// The command line itself (ENTRYPOINT + CMD), a config field.
    case commandLine
    /// A program given inline (`sh -c "…"`, `python -c`, `Rscript -e`, `julia -e`).
    case inline
    /// A file of the image.
    case file(path: String, layer: Int)
}

/// One piece of start-up code and what it was seen to do.
public struct StartupSource: Sendable, Equatable {
    public var origin: StartupOrigin
    public var language: SourceLanguage
    public var signals: [CodeSignal]

    public init(origin: StartupOrigin, language: SourceLanguage, signals: [CodeSignal]) {
        self.origin = origin; self.language = language; self.signals = signals
    }

    /// The image path, for file origins.
    public var path: String? {
        if case .file(let path, _) = origin { return path }
        return nil
    }
}

/// Follows the start command into the scripts it names and what they run, source or import
/// from the image's application directories (package directories are not followed).
struct StartupCodeWalker {
    let index: FileIndex
    let resolver: ProgramResolver
    let scanner: SourceScanner
    let pythonPath: [String]
    let read: ([String]) -> [String: Data]

    /// The most files followed: start-up code of real projects is far smaller; this bounds hostile images.
    static let maximumFiles = 400
    static let maximumFileSize: Int64 = 2 * 1024 * 1024

    /// Package and system directories: code there is a library, not the image's own start-up code.
    static func isPackageDirectory(_ path: String) -> Bool {
        let fragments = [
            "/site-packages/", "/dist-packages/", "/site-library/", "/R/library/", "/lib/R/", "/.julia/packages/",
            "/julia/packages/", "/share/julia/", "/node_modules/", "/conda-meta/", "/pkgs/", "/packages/",
        ]
        if fragments.contains(where: path.containsBytes) { return true }
        let prefixes = ["/usr/lib/", "/usr/share/", "/usr/include/", "/lib/", "/lib64/", "/etc/", "/proc/", "/sys/", "/var/lib/"]
        return prefixes.contains(where: path.hasPrefix)
            || (path.hasPrefix("/usr/local/lib/") || path.hasPrefix("/opt/conda/lib/") || path.containsBytes("/lib/python"))
    }

    /// The start-up sources, and the programs they run whose code cannot be read (compiled, outside system directories).
    func walk(command: StartCommand, program: StartProgram?) -> (sources: [StartupSource], unreadable: [String]) {
        var sources: [StartupSource] = []
        var unreadable: [String] = []
        var queue: [(path: String, language: SourceLanguage?, from: String)] = []
        var seen: Set<String> = []
        var pythonRoots: [String] = [resolver.workingDirectory] + pythonPath
        // Imports may resolve into site-packages; only the package a console-script entry point names is followed there.
        let sitePackages = index.entries.filter { entry in
            entry.type == .dir && (entry.path.hasSuffix("/site-packages") || entry.path.hasSuffix("/dist-packages"))
        }.map(\.path)
        var entryPointPackages: [String] = []

        func enqueue(_ reference: CodeReference, from directory: String, language: SourceLanguage?) {
            switch reference {
            case .file(let path):
                for candidate in [FileIndex.join(directory, path), FileIndex.join(resolver.workingDirectory, path)] {
                    if let entry = index.resolve(candidate), entry.type == .file || entry.type == .hardlink {
                        queue.append((entry.path, language, directory))
                        if entry.path.hasSuffix(".py") { pythonRoots.append(parent(of: entry.path)) }
                        return
                    }
                }
            case .pythonModule(let module):
                for file in pythonModuleFiles(module, from: directory, roots: pythonRoots + sitePackages) {
                    queue.append((file, .python, directory))
                }
            }
        }

        // `python -m mypkg` and `python -c "from mypkg import main; main()"` name the application's own package.
        func allowEntryPoints(_ references: [CodeReference]) {
            for case .pythonModule(let module) in references {
                guard let topLevel = module.split(separator: ".").first, !module.hasPrefix(".") else { continue }
                for root in sitePackages where index.entry(at: root + "/" + topLevel) != nil || index.entry(at: root + "/" + topLevel + ".py") != nil {
                    entryPointPackages.append(root + "/" + topLevel)
                }
            }
        }

        func isFollowed(_ path: String) -> Bool {
            !StartupCodeWalker.isPackageDirectory(path) || path == program?.target?.path
                || entryPointPackages.contains { path.hasPrefix($0 + "/") || path == $0 + ".py" }
        }

        let (argv, _) = StartCommand.unwrap(command.argv)
        // The command line is scanned as a shell command: its words name scripts, data and outputs paths.
        let commandLine = argv.map(StartupCodeWalker.shellQuote).joined(separator: " ")
        if !commandLine.isEmpty {
            let scanned = scanner.scan(commandLine, language: .shell)
            sources.append(StartupSource(origin: .commandLine, language: .shell, signals: scanned.signals))
            allowEntryPoints(scanned.references)
            for reference in scanned.references { enqueue(reference, from: resolver.workingDirectory, language: nil) }
        }
        if let inline = StartupCodeWalker.inlineProgram(argv) {
            let scanned = scanner.scan(inline.code, language: inline.language)
            sources.append(StartupSource(origin: .inline, language: inline.language, signals: scanned.signals))
            if inline.language == .python { allowEntryPoints(scanned.references) }
            // `Rscript -e 'mypkg::main()'`, `julia -e 'using MyApp; MyApp.main()'`: the work is in an installed package.
            if inline.language == .r || inline.language == .julia,
               StartupCodeWalker.packageCall.matches(inline.code) {
                unreadable.append("installed package called by the start command")
            }
            for reference in scanned.references { enqueue(reference, from: resolver.workingDirectory, language: nil) }
        }
        if let target = program?.target, program?.shebang != nil {
            // The start program is itself a script (an entrypoint.sh in /usr/local/bin is still the image's own code).
            queue.insert((target.path, nil, parent(of: target.path)), at: 0)
        }
        while !queue.isEmpty, seen.count < StartupCodeWalker.maximumFiles {
            let batch = queue.filter { item in
                !seen.contains(item.path) && isFollowed(item.path)
                    && (index.entry(at: item.path)?.size ?? 0) <= StartupCodeWalker.maximumFileSize
            }
            queue = []
            let unique = Array(Set(batch.map(\.path))).sorted()
            guard !unique.isEmpty else { break }
            let contents = read(unique)
            for item in batch where !seen.contains(item.path) {
                seen.insert(item.path)
                guard let data = contents[item.path] else { continue }
                guard !data.prefix(1024).contains(0), let text = String(data: data, encoding: .utf8) else {
                    if !StartupCodeWalker.isSystemProgram(item.path) { unreadable.append(item.path) }
                    continue
                }
                let firstLine = text.prefix(while: { $0 != "\n" })
                guard let language = SourceLanguage.detect(path: item.path, firstLine: String(firstLine)) ?? item.language else { continue }
                let scanned = scanner.scan(text, language: language)
                if language == .python, item.path == program?.target?.path,
                   let module = StartupCodeWalker.entryPointModule.firstCapture(in: text) {
                    // A pip console script (`from mypkg.cli import main`): mypkg is the application, installed as a package.
                    allowEntryPoints([.pythonModule(module)])
                    enqueue(.pythonModule(module), from: parent(of: item.path), language: .python)
                }
                let layer = index.entry(at: item.path)?.layer ?? 0
                sources.append(StartupSource(origin: .file(path: item.path, layer: layer), language: language, signals: scanned.signals))
                for reference in scanned.references { enqueue(reference, from: parent(of: item.path), language: nil) }
            }
        }
        return (sources, unreadable)
    }

    static let packageCall = Pattern(#"\w::\w|\blibrary\(|\brequire\(|\busing\s+\w|\bimport\s+\w"#)
    static let entryPointModule = Pattern(#"(?m)^from\s+([\w.]+)\s+import\s+\w+\s*$[\s\S]*sys\.exit\(\s*\w+\(\)\s*\)"#)

    /// Programs of the operating system and interpreters: running them hides no application logic.
    static func isSystemProgram(_ path: String) -> Bool {
        ["/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/lib/", "/lib/", "/usr/libexec/"].contains(where: path.hasPrefix)
    }

    /// Candidate files for a Python module: `a.b` → `root/a/b.py`, `root/a/b/__init__.py`; relative dots from `directory`.
    func pythonModuleFiles(_ module: String, from directory: String, roots: [String]) -> [String] {
        var name = module[...]
        var bases = roots
        if name.hasPrefix(".") {
            var base = directory
            name = name.dropFirst()
            while name.hasPrefix(".") { base = parent(of: base); name = name.dropFirst() }
            bases = [base]
        }
        let parts = name.split(separator: ".").map(String.init)
        guard !parts.isEmpty else { return [] }
        var files: [String] = []
        for base in bases {
            // The module itself, and each enclosing package's __init__.py, run on import.
            for count in 1...parts.count {
                let stem = FileIndex.join(base, parts.prefix(count).joined(separator: "/"))
                for candidate in [stem + ".py", stem + "/__init__.py"] {
                    if let entry = index.resolve(candidate), entry.type == .file || entry.type == .hardlink {
                        files.append(entry.path)
                    }
                }
            }
        }
        return files
    }

    /// The code given inline to an interpreter: `sh -c`, `python -c`, `Rscript -e`, `julia -e`.
    static func inlineProgram(_ argv: [String]) -> (code: String, language: SourceLanguage)? {
        guard let program = argv.first, let language = SourceLanguage.forProgram(program) else { return nil }
        let flag = language == .shell || language == .python ? "-c" : "-e"
        guard let position = argv.firstIndex(of: flag), position + 1 < argv.count else { return nil }
        return (argv[position + 1], language)
    }

    static func shellQuote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "/._-=:,@%+".contains($0) }
        return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func parent(of path: String) -> String {
        let normalized = FileIndex.normalize(path)
        guard let slash = normalized.lastIndex(of: "/"), slash != normalized.startIndex else { return "/" }
        return String(normalized[..<slash])
    }
}
