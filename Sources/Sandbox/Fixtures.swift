import Foundation

/// The inputs of a run: the `safe_data` tree and `ces-run`'s env, arg and opt files.
struct Fixtures {
    var safeData: URL
    /// `VAR=value` entries from the env file.
    var environment: [String]
    /// Arguments appended after the image, replacing its `Cmd`.
    var arguments: [String]
    var options: EngineOptions
    /// The files these came from, by role (`env`, `args`, `opts`), for messages.
    var sources: [String: String]

    /// Reads a fixtures folder and the explicit files, which take precedence over the folder's own.
    static func load(folder: URL?, envFile: URL?, argFile: URL?, optFile: URL?, defaultsIn scratch: URL) throws -> Fixtures {
        let manager = FileManager.default
        var safeData: URL
        if let folder {
            safeData = folder.appendingPathComponent("safe_data")
            var isDir: ObjCBool = false
            guard manager.fileExists(atPath: safeData.path, isDirectory: &isDir), isDir.boolValue else {
                throw SandboxError.badFixtures("\(folder.path) has no safe_data/ folder")
            }
        } else {
            safeData = scratch.appendingPathComponent("default-safe_data")
            try manager.createDirectory(at: safeData, withIntermediateDirectories: true)
            try Data("id,value\n1,3\n2,5\n3,8\n".utf8).write(to: safeData.appendingPathComponent("input.csv"))
        }
        func pick(_ explicit: URL?, _ name: String) -> URL? {
            if let explicit { return explicit }
            guard let candidate = folder?.appendingPathComponent(name), manager.fileExists(atPath: candidate.path) else { return nil }
            return candidate
        }
        var sources: [String: String] = [:]
        func read(_ url: URL?, role: String) throws -> String? {
            guard let url else { return nil }
            guard let data = manager.contents(atPath: url.path) else {
                throw SandboxError.badFixtures("cannot read the \(role) file \(url.path)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw SandboxError.badFixtures("the \(role) file \(url.path) is not UTF-8 text")
            }
            sources[role] = url.path
            return text
        }
        let envText = try read(pick(envFile, "env"), role: "env")
        let argText = try read(pick(argFile, "args"), role: "args")
        let optText = try read(pick(optFile, "opts"), role: "opts")
        let environment = try envText.map { try parseEnvFile($0, path: sources["env"] ?? "env") } ?? []
        let arguments = try argText.map { try shellWords($0, what: "arg file \(sources["args"] ?? "")") } ?? []
        let options = try optText.map { try EngineOptions.parse(shellWords($0, what: "opt file \(sources["opts"] ?? "")")) }
            ?? EngineOptions()
        return Fixtures(safeData: safeData, environment: environment, arguments: arguments, options: options, sources: sources)
    }
}

/// `VAR=value` a line, as `podman run --env-file` reads it: blank lines and `#` comments skipped.
func parseEnvFile(_ text: String, path: String) throws -> [String] {
    var entries: [String] = []
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
        guard let eq = line.firstIndex(of: "="), eq != line.startIndex,
              !line[..<eq].contains(where: { $0 == " " || $0 == "\t" })
        else {
            throw SandboxError.badFixtures("\(path):\(index + 1): expected VAR=value, found '\(trimmed.prefix(60))'")
        }
        entries.append(line)
    }
    return entries
}

/// Splits text into words the way a POSIX shell would for plain words, quotes and backslashes (no expansion).
func shellWords(_ text: String, what: String) throws -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var quote: Character?
    var iterator = text.makeIterator()
    var skippingComment = false
    while let ch = iterator.next() {
        if skippingComment {
            if ch == "\n" { skippingComment = false }
            continue
        }
        if let q = quote {
            if ch == q {
                quote = nil
            } else if q == "\"" && ch == "\\" {
                guard let next = iterator.next() else { break }
                if next != "\"" && next != "\\" && next != "$" && next != "`" && next != "\n" { current.append("\\") }
                if next != "\n" { current.append(next) }
            } else {
                current.append(ch)
            }
            continue
        }
        switch ch {
        case " ", "\t", "\n", "\r":
            if inWord { words.append(current); current = ""; inWord = false }
        case "'", "\"":
            quote = ch; inWord = true
        case "\\":
            if let next = iterator.next(), next != "\n" { current.append(next); inWord = true }
        case "#" where !inWord:
            skippingComment = true
        default:
            current.append(ch); inWord = true
        }
    }
    if quote != nil { throw SandboxError.badFixtures("\(what): unterminated quote") }
    if inWord { words.append(current) }
    return words
}

/// The engine options of an opt file that the sandbox understands, and the ones it must refuse.
struct EngineOptions: Equatable {
    var environment: [String] = []
    var workingDir: String?
    var entrypoint: String?
    /// Options podman can take as they are; runc notes that it ignored them.
    var passthrough: [String] = []

    // These would give the container what the TRE never gives it, so the sandbox would test the wrong thing.
    private static let refused: Set<String> = [
        "--privileged", "--cap-add", "-v", "--volume", "--mount", "-u", "--user", "--userns", "--security-opt",
        "--pid", "--ipc", "--uts", "--net", "--device", "--add-host", "--dns", "--rm", "--name", "-d", "--detach",
    ]
    private static let takesValue: Set<String> = [
        "--cpus", "--memory", "-m", "--shm-size", "--ulimit", "--label", "-l", "--hostname", "-h", "--tmpfs",
        "--stop-signal", "--stop-timeout", "--memory-swap", "--pids-limit", "--cpu-shares", "--cpuset-cpus",
    ]

    static func parse(_ words: [String]) throws -> EngineOptions {
        var options = EngineOptions()
        var index = 0
        func value(for flag: String, inline: String?) throws -> String {
            if let inline { return inline }
            index += 1
            guard index < words.count else { throw SandboxError.badFixtures("opt file: \(flag) needs a value") }
            return words[index]
        }
        while index < words.count {
            let word = words[index]
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            let flag = parts[0]
            let inline = word.hasPrefix("--") && parts.count == 2 ? parts[1] : nil
            switch flag {
            case "-e", "--env":
                options.environment.append(try value(for: flag, inline: inline))
            case "-w", "--workdir":
                options.workingDir = try value(for: flag, inline: inline)
            case "--entrypoint":
                options.entrypoint = try value(for: flag, inline: inline)
            case "--network":
                let mode = try value(for: flag, inline: inline)
                guard mode == "none" else {
                    throw SandboxError.badFixtures("opt file: --network \(mode): the TRE has no network; only 'none' is allowed")
                }
            default:
                if refused.contains(flag) {
                    throw SandboxError.badFixtures("opt file: \(flag) is refused: the TRE does not allow it")
                }
                guard flag.hasPrefix("-") else { throw SandboxError.badFixtures("opt file: '\(word)' is not an option") }
                options.passthrough.append(word)
                if takesValue.contains(flag) && inline == nil {
                    options.passthrough.append(try value(for: flag, inline: nil))
                }
            }
            index += 1
        }
        return options
    }
}

/// How the TRE908 second run renamed the inputs.
struct RenamedInputs {
    var fixtures: Fixtures
    var renamed: [String: String]
    var updatedFiles: [String]
}

extension Fixtures {
    /// A copy of these fixtures with every input file renamed and every mention of it updated.
    ///
    /// A file under `safe_data` that names other fixture files is a config listing the inputs: it keeps its name
    /// (its location is the image's documented interface) and is rewritten; every other file is an input.
    func renamingInputs(into folder: URL) throws -> RenamedInputs {
        let manager = FileManager.default
        let copy = folder.appendingPathComponent("safe_data")
        try copyTree(from: safeData, to: copy)
        let files = regularFiles(under: copy)
        let names = Set(files.map { $0.lastPathComponent })
        var configs: Set<String> = []
        var texts: [String: String] = [:]
        for file in files {
            guard let text = smallText(at: file) else { continue }
            texts[file.path] = text
            if names.contains(where: { $0 != file.lastPathComponent && containsToken(text, $0) }) { configs.insert(file.path) }
        }
        var renamed: [String: String] = [:]
        var baseMap: [String: String] = [:]
        let root = copy.path + "/"
        for file in files where !configs.contains(file.path) {
            let newName = "renamed-" + file.lastPathComponent
            let target = file.deletingLastPathComponent().appendingPathComponent(newName)
            guard !manager.fileExists(atPath: target.path) else { continue }
            try manager.moveItem(at: file, to: target)
            renamed[String(file.path.dropFirst(root.count))] = String(target.path.dropFirst(root.count))
            baseMap[file.lastPathComponent] = newName
        }
        var updated: [String] = []
        for path in configs {
            guard let text = texts[path] else { continue }
            let rewritten = replaceTokens(in: text, baseMap)
            if rewritten != text {
                try Data(rewritten.utf8).write(to: URL(fileURLWithPath: path))
                updated.append("safe_data/" + path.dropFirst(root.count))
            }
        }
        var result = self
        result.safeData = copy
        result.environment = environment.map { replaceTokens(in: $0, baseMap) }
        result.arguments = arguments.map { replaceTokens(in: $0, baseMap) }
        result.options.environment = options.environment.map { replaceTokens(in: $0, baseMap) }
        if result.environment != environment || result.options.environment != options.environment {
            updated.append(sources["env"] ?? sources["opts"] ?? "env")
        }
        if result.arguments != arguments { updated.append(sources["args"] ?? "args") }
        return RenamedInputs(fixtures: result, renamed: renamed, updatedFiles: updated)
    }
}

func regularFiles(under root: URL) -> [URL] {
    guard let walker = FileManager.default.enumerator(
        at: root, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey], options: [])
    else { return [] }
    var files: [URL] = []
    for case let url as URL in walker {
        let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
        if values?.isRegularFile == true && values?.isSymbolicLink != true { files.append(url) }
    }
    return files.sorted { $0.path < $1.path }
}

private func smallText(at url: URL) -> String? {
    guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size <= 1_048_576,
          let data = FileManager.default.contents(atPath: url.path), !data.contains(0)
    else { return nil }
    return String(data: data, encoding: .utf8)
}

private func isNameCharacter(_ ch: Character) -> Bool {
    ch.isLetter || ch.isNumber || ch == "_" || ch == "-" || ch == "."
}

/// Whether `name` occurs in `text` as a whole file name (not as the tail of a longer name).
func containsToken(_ text: String, _ name: String) -> Bool {
    replaceTokens(in: text, [name: "\u{0}"]) != text
}

/// Replaces whole file names: `a.csv` in `/safe_data/a.csv` but not in `data.csv`.
func replaceTokens(in text: String, _ map: [String: String]) -> String {
    guard !map.isEmpty else { return text }
    let names = map.keys.sorted { $0.count > $1.count }
    var result = ""
    var index = text.startIndex
    outer: while index < text.endIndex {
        let before: Character? = index > text.startIndex ? text[text.index(before: index)] : nil
        if before.map({ !isNameCharacter($0) }) ?? true {
            for name in names where text[index...].hasPrefix(name) {
                let end = text.index(index, offsetBy: name.count)
                if end == text.endIndex || !isNameCharacter(text[end]) || (text[end] == "." && text.index(after: end) == text.endIndex) {
                    result += map[name] ?? name
                    index = end
                    continue outer
                }
            }
        }
        result.append(text[index])
        index = text.index(after: index)
    }
    return result
}

/// Copies a tree keeping symlinks as links (never following them out of the tree).
func copyTree(from source: URL, to destination: URL) throws {
    try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
    try HostTools.require("cp", ["-a", "--no-preserve=ownership", source.path + "/.", destination.path], timeout: 3600)
}
