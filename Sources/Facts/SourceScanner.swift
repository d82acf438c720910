public import TRECore
import Foundation

/// The language a piece of start-up code is written in.
public enum SourceLanguage: String, Sendable, Codable, CaseIterable {
    case shell, python, r, julia

    /// The language a file's name or `#!` line says it is in, if any.
    public static func detect(path: String, firstLine: String?) -> SourceLanguage? {
        if let firstLine, firstLine.hasPrefix("#!") {
            let words = firstLine.dropFirst(2).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let interpreter = words.first.map { ($0 as NSString).lastPathComponent } ?? ""
            let program = interpreter == "env" ? words.dropFirst().first(where: { !$0.hasPrefix("-") }) ?? "" : interpreter
            if let language = forProgram(program) { return language }
        }
        switch (path as NSString).pathExtension.lowercased() {
        case "sh", "bash": return .shell
        case "py": return .python
        case "r": return .r
        case "jl": return .julia
        default: return nil
        }
    }

    /// The language an interpreter program runs (`python3.12` → python, `Rscript` → r).
    public static func forProgram(_ name: String) -> SourceLanguage? {
        let base = (name as NSString).lastPathComponent
        if ["sh", "bash", "dash", "zsh", "ash", "ksh"].contains(base) { return .shell }
        if base.hasPrefix("python") || base == "ipython" { return .python }
        if base == "R" || base == "Rscript" { return .r }
        if base.hasPrefix("julia") { return .julia }
        return nil
    }
}

/// What a line of start-up code was seen to do.
public enum SignalKind: String, Sendable, Codable, CaseIterable {
    /// Installs packages at run time (pip, conda, apt-get, `install.packages`, `Pkg.add`, …).
    case packageInstall
    /// Fetches something from the network (curl, wget, requests, `download.file`, `torch.hub.load`, …).
    case download
    /// Opens a fixed input file under the data mount.
    case hardCodedInput
    /// Names the outputs mount.
    case writesOutputs
    /// Names the data mount (reads inputs from it).
    case readsData
    /// Takes its inputs from arguments, the environment, a config file or a listing of the data mount.
    case readsConfiguration
    /// Writes a file relative to the working directory.
    case writesWorkingDirectory
    /// Writes a file under the home directory.
    case writesHome
    /// Points TMPDIR/TMP at the scratch mount.
    case setsTempToScratch
    /// Sets HF_HUB_OFFLINE for Hugging Face libraries.
    case setsHuggingFaceOffline
    /// Listens for connections (a server, not a batch job).
    case serves
    /// Points a licence variable at a network licence server.
    case licenseServer
    /// Hands the work to a runtime whose code is not scanned (java, node, MATLAB, Stata …).
    case runsUnreadableCode
    /// Runs its own arguments (`exec "$@"`): an entrypoint wrapper that hands over to CMD.
    case execsArguments
}

/// One line of start-up code doing something a rule cares about.
public struct CodeSignal: Sendable, Equatable, Codable {
    public var kind: SignalKind
    /// 1-based line number in the scanned text.
    public var line: Int
    /// The code on that line, trimmed (for messages).
    public var code: String
    /// What the signal names, when it names something (the hard-coded path, the package tool).
    public var detail: String?

    public init(kind: SignalKind, line: Int, code: String, detail: String? = nil) {
        self.kind = kind; self.line = line; self.code = code; self.detail = detail
    }
}

/// Something start-up code runs, sources or imports, to be followed if it is in the image's application directories.
public enum CodeReference: Sendable, Equatable, Hashable {
    /// A file path as written (absolute or relative to the referring file or the working directory).
    case file(String)
    /// A Python module name (`pkg.module`), relative imports already made absolute when possible.
    case pythonModule(String)
}

/// Finds what rules care about in one file of start-up code, line by line, comments and docstrings skipped.
public struct SourceScanner: Sendable {
    public let mounts: MountPoints
    private let hardCodedData: Pattern
    private let dataListing: Pattern

    public init(mounts: MountPoints = MountPoints.standard) {
        self.mounts = mounts
        let data = mounts.safeData.regexEscaped
        hardCodedData = Pattern(#"(?:^|[\s=("'\[,])("# + data + #"/[^\s"'$*?{}()\[\],;]+\.[A-Za-z0-9]{1,10})(?=$|[\s"'),;\]])"#)
        dataListing = Pattern(
            #"(listdir|scandir|walk|glob|iterdir|rglob|list\.files|dir\(|readdir|find|ls|for\s+\w+\s+in)[^\n]*"# + data
                + #"|"# + data + #"[^\n]*\.(glob|rglob|iterdir)\("#)
    }

    /// Scans a whole file (or an inline `-c` program) written in `language`.
    public func scan(_ text: String, language: SourceLanguage) -> (signals: [CodeSignal], references: [CodeReference]) {
        var signals: [CodeSignal] = []
        var references: [CodeReference] = []
        var inTripleQuote: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = String(rawLine)
            if language == .python {
                // Docstrings and other triple-quoted blocks are text, not code: usage notes in them mention pip.
                if let quote = inTripleQuote {
                    if line.contains(quote) { inTripleQuote = nil }
                    continue
                }
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                for quote in ["\"\"\"", "'''"] where trimmed.hasPrefix(quote) {
                    let rest = trimmed.dropFirst(3)
                    if !rest.contains(quote) { inTripleQuote = quote }
                    line = ""
                }
            }
            if lineNumber == 1, line.hasPrefix("#!") { continue }
            let code = Self.stripComment(line).trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty else { continue }
            scanLine(code, number: lineNumber, language: language, signals: &signals, references: &references)
        }
        return (signals, references)
    }

    /// The line without its `#` comment (all four languages use `#`), quotes respected.
    static func stripComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        for (offset, char) in line.enumerated() {
            if let open = quote {
                if char == open, previous != "\\" { quote = nil }
            } else if char == "\"" || char == "'" {
                quote = char
            } else if char == "#", previous == " " || previous == "\t" || offset == 0 {
                // `$#` and `${#x}` in shell and `#` inside words are not comments.
                return String(line.prefix(offset))
            }
            previous = char
        }
        return line
    }

    private func scanLine(
        _ code: String, number: Int, language: SourceLanguage, signals: inout [CodeSignal], references: inout [CodeReference]
    ) {
        func add(_ kind: SignalKind, _ detail: String? = nil) {
            signals.append(CodeSignal(kind: kind, line: number, code: String(code.prefix(200)), detail: detail))
        }
        // Commands run through a shell: the whole line in shell scripts, only the call sites elsewhere.
        // Commands: the shell line itself, or the string literals a process call in another language hands to a shell.
        var commandTexts: [String] = []
        if language == .shell {
            commandTexts = [code]
        } else if SourceScanner.runsCommand.matches(code) {
            commandTexts = SourceScanner.stringLiterals.allCaptures(in: code)
        }
        for commandText in commandTexts {
            for command in ShellWords.commands(in: commandText) {
                if let tool = ShellWords.installTool(command) { add(.packageInstall, tool) }
                if let tool = ShellWords.downloadTool(command) { add(.download, tool) }
            }
        }
        if language != .shell, SourceScanner.runsCommand.matches(code), let tool = SourceScanner.listDownload.firstCapture(in: code) {
            add(.download, tool)
        }
        if language != .shell, let tool = SourceScanner.listInstall.firstCapture(in: code) { add(.packageInstall, tool) }
        let patterns = SourceScanner.patterns(for: language)
        // Shell scripts also run `Rscript -e 'install.packages(…)'` and `julia -e 'Pkg.add(…)'`.
        if let call = patterns.install.lazy.compactMap({ $0.firstCapture(in: code) }).first { add(.packageInstall, call) }
        if let call = patterns.download?.firstCapture(in: code) { add(.download, call) }
        for (pattern, kind) in [
            (patterns.configuration, SignalKind.readsConfiguration), (patterns.relativeWrite, .writesWorkingDirectory),
            (patterns.homeWrite, .writesHome), (patterns.serve, .serves),
        ] where pattern.matches(code) {
            add(kind)
        }
        if let offline = patterns.huggingFaceOffline, offline.matches(code) { add(.setsHuggingFaceOffline) }
        if patterns.tempDirectory.matches(code), code.contains(mounts.scratch) { add(.setsTempToScratch) }
        switch language {
        case .python:
            references += SourceScanner.pythonImports(code)
        case .r:
            references += SourceScanner.rSources.allCaptures(in: code).map { .file($0) }
        case .julia:
            references += SourceScanner.juliaIncludes.allCaptures(in: code).map { .file($0) }
        case .shell:
            if let value = SourceScanner.shellLicense.firstCapture(in: code) { add(.licenseServer, value) }
            if let runtime = SourceScanner.otherRuntime.firstCapture(in: code) { add(.runsUnreadableCode, runtime) }
            if SourceScanner.execArguments.matches(code) { add(.execsArguments) }
            references += SourceScanner.shellReferences(code)
        }
        if let path = hardCodedData.firstCapture(in: code) {
            // A fixed config or input-list file is how the guidance asks inputs to be named.
            if SourceScanner.isConfigFileName(path) { add(.readsConfiguration, path) } else { add(.hardCodedInput, path) }
        }
        if code.contains(mounts.safeData) { add(.readsData) }
        if dataListing.matches(code) { add(.readsConfiguration) }
        if code.contains(mounts.safeOutputs) { add(.writesOutputs) }
        // Any script a line names by file name is followed, whatever runs it (subprocess, system2, run(`…`)).
        references += SourceScanner.scriptNames.allCaptures(in: code).map { .file($0) }
    }

    /// A hard-coded path to a config or input-list file is how the guidance asks inputs to be named, not a fault.
    static func isConfigFileName(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent.lowercased()
        let ext = (name as NSString).pathExtension
        if ["yaml", "yml", "json", "toml", "ini", "cfg", "conf", "env"].contains(ext) { return true }
        return ["config", "settings", "params", "manifest", "inputs", "input_list", "filelist", "files.txt"].contains {
            name.contains($0)
        }
    }

    /// The per-language patterns for what every language can do.
    struct LanguagePatterns: Sendable {
        var install: [Pattern]
        var download: Pattern?
        var configuration: Pattern
        var relativeWrite: Pattern
        var homeWrite: Pattern
        var serve: Pattern
        var huggingFaceOffline: Pattern?
        var tempDirectory: Pattern
    }

    static func patterns(for language: SourceLanguage) -> LanguagePatterns {
        switch language {
        case .python: python
        case .r: r
        case .julia: julia
        case .shell: shell
        }
    }

    private static let python = LanguagePatterns(
        install: [], download: pythonDownload, configuration: pythonConfig, relativeWrite: pythonRelativeWrite,
        homeWrite: pythonHomeWrite, serve: pythonServe, huggingFaceOffline: pythonHFOffline, tempDirectory: pythonTempDir)
    private static let r = LanguagePatterns(
        install: [rInstall], download: rDownload, configuration: rConfig, relativeWrite: rRelativeWrite, homeWrite: rHomeWrite,
        serve: rServe, huggingFaceOffline: nil, tempDirectory: rTempDir)
    private static let julia = LanguagePatterns(
        install: [juliaInstall], download: juliaDownload, configuration: juliaConfig, relativeWrite: juliaRelativeWrite,
        homeWrite: juliaHomeWrite, serve: juliaServe, huggingFaceOffline: nil, tempDirectory: pythonTempDir)
    private static let shell = LanguagePatterns(
        install: [rInstall, juliaInstall], download: nil, configuration: shellConfig, relativeWrite: shellRelativeWrite,
        homeWrite: shellHomeWrite, serve: shellServe, huggingFaceOffline: shellHFOffline, tempDirectory: shellTempDir)

    // MARK: patterns shared by every language

    static let runsCommand = Pattern(
        #"\b(os\.system|os\.popen|subprocess\.\w+|Popen|check_call|check_output|system2?|shell\.exec|run)\s*\(|`[^`]*`"#)
    static let stringLiterals = Pattern(#""([^"]*)"|'([^']*)'|`([^`]*)`"#)
    static let listDownload = Pattern(#"\[\s*["'](curl|wget|aria2c|scp)["']\s*,"#)
    static let listInstall = Pattern(
        #"(["']pip[0-9.]*["']\s*,\s*["']install["']|["']-m["']\s*,\s*["']pip["']\s*,\s*["']install["']|pip\.main\(\s*\[\s*["']install|["'](?:conda|mamba)["']\s*,\s*["']install["']|["']apt-get["']\s*,\s*["']install["'])"#)
    static let scriptNames = Pattern(#"(?:^|[\s"'=(,\[])((?:\.{0,2}/)?[\w./-]*\w\.(?:py|sh|R|r|jl|bash))(?=$|[\s"'),;\]])"#)

    // MARK: Python

    static let pythonDownload = Pattern(
        #"\b(requests\.(?:get|post|put|head|request|Session)|urllib\.request\.\w+|urlopen|urlretrieve|httpx\.(?:get|post|stream|Client)|aiohttp\.ClientSession|torch\.hub\.(?:load|download_url_to_file|load_state_dict_from_url)|load_state_dict_from_url|wget\.download|hf_hub_download|snapshot_download|gdown\.download|read_\w+\(\s*[rf]?["']https?://|open\(\s*[rf]?["']https?://)"#)
    static let pythonConfig = Pattern(
        #"\b(sys\.argv|argparse|click\.|typer\.|fire\.Fire|os\.environ|os\.getenv|getenv\(|json\.load|yaml\.(?:safe_)?load|tomllib|toml\.load|configparser|hydra|OmegaConf)"#)
    static let pythonRelativeWrite = Pattern(
        #"(\bopen\(\s*[rf]?["'](?![/~])[^"'{}]+["']\s*,\s*["'][wax]|\.to_(?:csv|parquet|excel|json|pickle|feather|hdf)\(\s*[rf]?["'](?![/~])|savefig\(\s*[rf]?["'](?![/~])|\bnp\.save[zt]?\(\s*[rf]?["'](?![/~])|torch\.save\([^,]+,\s*[rf]?["'](?![/~])|os\.makedirs\(\s*["'](?![/~]))"#)
    static let pythonHomeWrite = Pattern(#"(["']~/|expanduser\(|Path\.home\(\))"#)
    static let pythonServe = Pattern(
        #"\b(uvicorn|gunicorn|\.run\(\s*host|app\.run\(|serve_forever|http\.server|socketserver|streamlit|gradio|\.launch\(|jupyter|dash\.Dash|\.listen\()"#)
    static let pythonHFOffline = Pattern(#"HF_HUB_OFFLINE["']\s*\]?\s*[=,]\s*["'](1|true|yes|on)["']"#, caseInsensitive: true)
    static let pythonTempDir = Pattern(#"\b(TMPDIR|TMP|TEMP|tempdir|tmpdir|TempDir|tempfile\.tempdir)\b"#)

    /// Absolute module names a line imports (`import a.b`, `from a.b import c`); relative ones keep their dots.
    static func pythonImports(_ code: String) -> [CodeReference] {
        var result: [CodeReference] = []
        if let from = pythonFrom.firstMatch(in: code),
           let moduleRange = Range(from.range(at: 1), in: code), let namesRange = Range(from.range(at: 2), in: code) {
            let module = String(code[moduleRange])
            result.append(.pythonModule(module))
            // `from pkg import mod` may name submodules as well as attributes.
            for name in code[namesRange].split(separator: ",") {
                let word = name.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
                guard !word.isEmpty, word != "*", word != "(" else { continue }
                let cleaned = word.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
                guard !cleaned.isEmpty else { continue }
                result.append(.pythonModule(module.hasSuffix(".") ? module + cleaned : module + "." + cleaned))
            }
        } else if let names = pythonImport.firstCapture(in: code) {
            for name in names.split(separator: ",") {
                if let word = name.trimmingCharacters(in: .whitespaces).split(separator: " ").first {
                    result.append(.pythonModule(String(word)))
                }
            }
        }
        return result
    }

    private static let pythonFrom = Pattern(#"^from\s+([\w.]+)\s+import\s+(.+)$"#)
    private static let pythonImport = Pattern(#"^import\s+([\w., ]+?)(?:\s+as\s+\w+)?$"#)

    // MARK: R

    static let rInstall = Pattern(
        #"\b(install\.packages|BiocManager::install|(?:remotes|devtools|pak)::(?:install_\w+|pkg_install)|pak::pak|renv::(?:restore|install))\s*\("#)
    static let rDownload = Pattern(
        #"\b(download\.file|curl::curl_download|curl::curl_fetch_\w+|httr2?::(?:GET|POST|request|req_perform)|url\(\s*["']https?://|read\.\w+\(\s*["']https?://|fread\(\s*["']https?://|read_\w+\(\s*["']https?://)"#)
    static let rConfig = Pattern(
        #"\b(commandArgs|Sys\.getenv|read_yaml|yaml::|jsonlite::|fromJSON|read_json|config::get|optparse|argparse|docopt|readLines\()"#)
    // A path built by a call (`file.path(out, "x.csv")`, `here::here(…)`) is not a literal relative path: only a
    // string literal directly among the arguments counts.
    static let rRelativeWrite = Pattern(
        #"\b(write\.(?:csv|table|csv2)|write_(?:csv|tsv|rds|parquet)|fwrite|saveRDS|save|ggsave|sink|pdf|png|cat)\([^()]*?(?:file\s*=\s*)?["'](?![/~])[^"']+\.\w+["']"#)
    static let rHomeWrite = Pattern(#"["']~/|path\.expand\(|Sys\.getenv\(["']HOME"#)
    static let rServe = Pattern(#"\b(runApp|shinyApp|plumb|pr_run|startServer|httpuv)\b"#)
    static let rTempDir = Pattern(#"\b(TMPDIR|TMP|TEMP)\b"#)
    static let rSources = Pattern(#"\b(?:source|sys\.source)\(\s*(?:file\s*=\s*)?["']([^"']+)["']"#)

    // MARK: Julia

    static let juliaInstall = Pattern(#"\b(Pkg\.(?:add|instantiate|update|develop|build)|pkg"add)"#)
    static let juliaDownload = Pattern(#"\b(Downloads\.download|download\(|HTTP\.(?:get|post|request|download)|DataDeps)"#)
    static let juliaConfig = Pattern(#"(\bARGS\b|\bENV\[|get\(ENV|YAML\.load|JSON3?\.(?:parse|read)|TOML\.parse|ArgParse|readlines\()"#)
    static let juliaRelativeWrite = Pattern(#"(\bopen\(\s*"(?![/~])[^"]+"\s*,\s*"[wa]|CSV\.write\(\s*"(?![/~])|serialize\(\s*"(?![/~])|savefig\(\s*"(?![/~]))"#)
    static let juliaHomeWrite = Pattern(#"(homedir\(\)|"~/)"#)
    static let juliaServe = Pattern(#"\b(HTTP\.serve|Genie|Oxygen|serve\()"#)
    static let juliaIncludes = Pattern(#"\binclude\(\s*"([^"]+)""#)

    // MARK: shell

    static let shellConfig = Pattern(
        #"(\$[1-9@*#]|\$\{[1-9@*#]|\bgetopts\b|\bwhile\s+(?:IFS=\S*\s+)?read\b|\$\{?(?!HOME\b|PATH\b|PWD\b|USER\b|SHELL\b|HOSTNAME\b|RANDOM\b|TMPDIR\b|OLDPWD\b|\?|\$|!)[A-Za-z_][A-Za-z0-9_]*)"#)
    static let shellRelativeWrite = Pattern(#"(?:^|[^>&0-9<])>>?\s*(?![/&$~]|\(|\s)[\w.-]+|\b(?:mkdir(?:\s+-p)?|touch)\s+(?![/$~-])[\w.-]+"#)
    static let shellHomeWrite = Pattern(#"(>>?\s*(~/|\$HOME|\$\{HOME\})|\b(?:mkdir(?:\s+-p)?|touch|cp\s+\S+|mv\s+\S+)\s+(~/|\$HOME|\$\{HOME\}))"#)
    static let shellServe = Pattern(#"\b(uvicorn|gunicorn|jupyter\s+(?:lab|notebook|server)|streamlit\s+run|flask\s+run|nginx|httpd|http\.server|rstudio-server|shiny-server|nc\s+-l)\b"#)
    static let shellHFOffline = Pattern(#"\bHF_HUB_OFFLINE=["']?(1|true|yes|on)\b"#, caseInsensitive: true)
    static let shellTempDir = Pattern(#"\b(?:export\s+)?(TMPDIR|TMP|TEMP)="#)
    static let execArguments = Pattern(#"^(?:exec\s+)?(?:gosu\s+\S+\s+|su-exec\s+\S+\s+)?"?\$(?:@|\{@\})"?\s*$"#)
    static let otherRuntime = Pattern(
        #"(?:^|[\s;&|(])(java|node|nodejs|ruby|perl|php|dotnet|mono|deno|bun|matlab|octave|stata(?:-mp|-se)?|sas|spss|mpirun|srun)(?=\s|$)"#)
    static let shellLicense = Pattern(#"\b([A-Z0-9_]*LICEN[SC]E(?:_FILE)?=["']?\d+@[\w.-]+)"#)

    /// Scripts a shell line runs: `python3 x.py`, `Rscript x.R`, `bash x.sh`, `source x`, `. x`, `./x`.
    static func shellReferences(_ code: String) -> [CodeReference] {
        var result: [CodeReference] = []
        for segment in code.split(whereSeparator: { $0 == ";" || $0 == "|" || $0 == "&" }) {
            let words = ShellWords.split(String(segment)).filter { !$0.contains("=") || $0.hasPrefix("-") }
            var rest = words[...]
            while let first = rest.first, ["exec", "nohup", "time", "env", "command", "then", "do", "else", "xargs"].contains(first) {
                rest = rest.dropFirst()
            }
            guard let command = rest.first else { continue }
            if command == "source" || command == ".", let file = rest.dropFirst().first {
                result.append(.file(file))
            } else if command.hasPrefix("/") || command.hasPrefix("./") {
                result.append(.file(command))
            }
            if SourceLanguage.forProgram(command) != nil,
               let script = rest.dropFirst().first(where: { !$0.hasPrefix("-") && !$0.contains("$") }) {
                result.append(.file(script))
            }
            if command.hasPrefix("python"), let dashM = rest.firstIndex(of: "-m"), dashM + 1 < rest.endIndex {
                // A package run with -m executes its __main__.py.
                result += [.pythonModule(rest[dashM + 1]), .pythonModule(rest[dashM + 1] + ".__main__")]
            }
        }
        return result.filter { reference in
            if case .file(let path) = reference { return !path.contains("$") && !path.isEmpty }
            return true
        }
    }
}

/// Splits a shell command line into words the way a POSIX shell would, without expansions.
enum ShellWords {
    /// The simple commands of a line (split at `;`, `&`, `|`, `$(`, backquotes), each without leading
    /// assignments, launchers and keywords: `if command -v curl` is not a download, `then curl …` is.
    static func commands(in line: String) -> [[String]] {
        var segments: [String] = []
        var current = ""
        var quote: Character?
        for char in line {
            if let open = quote {
                if char == open { quote = nil }
                current.append(char)
            } else if char == "\"" || char == "'" {
                quote = char
                current.append(char)
            } else if ";&|`(){}".contains(char) {
                segments.append(current)
                current = ""
            } else {
                current.append(char)
            }
        }
        segments.append(current)
        let prefixes: Set<String> = [
            "exec", "sudo", "env", "nohup", "time", "then", "do", "else", "elif", "if", "while", "until", "!", "command", "xargs",
            "$", "-",
        ]
        return segments.compactMap { segment in
            var words = split(segment)[...]
            while let first = words.first, prefixes.contains(first) || (first.contains("=") && !first.hasPrefix("-")) || first.hasPrefix("-") {
                // `command -v curl` only asks whether curl exists.
                if first == "command", words.dropFirst().first == "-v" { return nil }
                words = words.dropFirst()
            }
            if words.first == "timeout" { words = words.dropFirst(2) }
            return words.isEmpty ? nil : Array(words)
        }
    }

    /// The package tool a command runs an install with, if it does.
    static func installTool(_ words: [String]) -> String? {
        guard let program = words.first.map({ StartCommand.baseName($0) }) else { return nil }
        let arguments = Array(words.dropFirst())
        let action = arguments.first { !$0.hasPrefix("-") }
        switch program {
        case _ where program.hasPrefix("pip") && !program.hasPrefix("pipx"):
            return action == "install" ? "\(program) install" : nil
        case _ where program.hasPrefix("python"):
            if let m = arguments.firstIndex(of: "-m"), m + 2 < arguments.count, arguments[m + 1] == "pip", arguments[m + 2] == "install" {
                return "\(program) -m pip install"
            }
            return nil
        case "uv":
            return arguments.starts(with: ["pip", "install"]) || action == "add" || action == "sync" ? "uv \(action ?? "")" : nil
        case "conda", "mamba", "micromamba":
            return ["install", "create", "update", "env"].contains(action ?? "") ? "\(program) \(action ?? "")" : nil
        case "apt-get", "apt", "aptitude", "yum", "dnf", "microdnf", "zypper":
            return action == "install" ? "\(program) install" : nil
        case "apk":
            return action == "add" ? "apk add" : nil
        case "npm", "pnpm", "yarn":
            return ["install", "i", "ci", "add"].contains(action ?? "") ? "\(program) \(action ?? "")" : nil
        case "gem", "cargo", "go":
            return action == "install" || (program == "go" && action == "get") ? "\(program) \(action ?? "")" : nil
        default:
            return nil
        }
    }

    /// The network tool a command fetches with, if it does.
    static func downloadTool(_ words: [String]) -> String? {
        guard let program = words.first.map({ StartCommand.baseName($0) }) else { return nil }
        let arguments = Array(words.dropFirst())
        let action = arguments.first { !$0.hasPrefix("-") }
        switch program {
        case "curl", "wget", "aria2c", "scp", "ftp", "lftp", "sftp":
            return program
        case "git":
            return ["clone", "pull", "fetch", "submodule", "lfs"].contains(action ?? "") ? "git \(action ?? "")" : nil
        case "aws":
            return arguments.starts(with: ["s3"]) ? "aws s3" : nil
        case "gsutil", "gcloud", "azcopy", "rclone":
            return program
        case "huggingface-cli", "hf":
            return action == "download" ? "\(program) download" : nil
        case "rsync":
            return arguments.contains { !$0.hasPrefix("-") && !$0.hasPrefix("/") && $0.contains(":") } ? "rsync" : nil
        default:
            return program.hasPrefix("pip") && action == "download" ? "\(program) download" : nil
        }
    }

    static func split(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var hasWord = false
        var quote: Character?
        var escaped = false
        for char in text {
            if escaped { current.append(char); escaped = false; continue }
            if char == "\\", quote != "'" { escaped = true; continue }
            if let open = quote {
                if char == open { quote = nil } else { current.append(char) }
                continue
            }
            if char == "\"" || char == "'" { quote = char; hasWord = true; continue }
            if char == " " || char == "\t" || char == "\n" {
                if hasWord || !current.isEmpty { words.append(current); current = ""; hasWord = false }
                continue
            }
            current.append(char)
        }
        if hasWord || !current.isEmpty { words.append(current) }
        return words
    }
}
