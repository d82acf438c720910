public import ImageKit

/// What the container runs when it starts: ENTRYPOINT followed by CMD, as the engines join them.
public struct StartCommand: Sendable, Equatable {
    public var entrypoint: [String]
    public var cmd: [String]

    public init(entrypoint: [String], cmd: [String]) {
        self.entrypoint = entrypoint; self.cmd = cmd
    }

    /// The argument vector the engine executes.
    public var argv: [String] { entrypoint.isEmpty ? cmd : entrypoint + cmd }

    /// The config field the program comes from (for locations).
    public var programField: String { entrypoint.isEmpty ? "Cmd" : "Entrypoint" }

    /// The shell and its `-c` string when the entrypoint is in shell form (`/bin/sh -c "…"`), which drops CMD and arguments.
    public var entrypointShellForm: String? { StartCommand.shellFormCommand(entrypoint) }

    /// The `-c` string of a `sh -c "…"` vector.
    public static func shellFormCommand(_ argv: [String]) -> String? {
        guard argv.count >= 3, SourceLanguage.forProgram(argv[0]) == .shell, argv[1] == "-c" else { return nil }
        return argv[2]
    }

    /// The vector with launcher wrappers (`env VAR=1`, `tini --`, `dumb-init`, `exec`) removed, and the wrappers seen.
    public static func unwrap(_ argv: [String]) -> (argv: [String], wrappers: [String]) {
        var rest = argv[...]
        var wrappers: [String] = []
        while let first = rest.first {
            let base = baseName(first)
            if base == "env" {
                wrappers.append(first)
                rest = rest.dropFirst()
                while let next = rest.first, next.contains("=") || next.hasPrefix("-") {
                    // `env -u NAME` and `env -C DIR` take an operand.
                    let takesOperand = next == "-u" || next == "-C" || next == "--unset" || next == "--chdir"
                    rest = rest.dropFirst()
                    if takesOperand { rest = rest.dropFirst() }
                }
            } else if ["tini", "tini-static", "dumb-init", "catatonit", "exec", "nohup"].contains(base) {
                wrappers.append(first)
                rest = rest.dropFirst()
                while let next = rest.first, next.hasPrefix("-") {
                    rest = rest.dropFirst()
                    if next == "--" { break }
                }
            } else {
                break
            }
        }
        return (Array(rest), wrappers)
    }

    static func baseName(_ path: String) -> String {
        String(PathText.lastComponent(path))
    }
}

/// Why the start program cannot run.
public enum StartProgramProblem: Sendable, Equatable {
    /// Nothing by that name on PATH, under WorkingDir, or at that path (symlinks followed).
    case notFound(searched: [String])
    /// Found, but a directory or other non-file.
    case notAFile(String)
    /// No execute bit at all.
    case notExecutable(String, mode: UInt32)
    /// Executable by its owner or group only, not by the arbitrary uid Apptainer and Kubernetes run it as.
    case notExecutableByOthers(String, mode: UInt32)
    /// Its `#!` interpreter is missing (the kernel reports ENOENT for the script itself).
    case interpreterMissing(script: String, interpreter: String)
}

/// The start program found in the merged tree, or why it is not usable.
public struct StartProgram: Sendable, Equatable {
    /// The program as the command names it (`python3`, `./run.sh`, `/app/entry.sh`).
    public var requested: String
    /// The path it was found at (before symlinks), nil when not found.
    public var foundAt: String?
    /// The file it leads to after symlinks.
    public var target: TreeEntry?
    /// The `#!` line's words, when the program is a script.
    public var shebang: [String]?
    public var problem: StartProgramProblem?

    public init(requested: String, foundAt: String?, target: TreeEntry?, shebang: [String]?, problem: StartProgramProblem?) {
        self.requested = requested; self.foundAt = foundAt; self.target = target; self.shebang = shebang; self.problem = problem
    }
}

/// Looks programs up the way `execvp` in the engines' init does: a name with a slash is a path, others go through PATH.
public struct ProgramResolver: Sendable {
    public let index: FileIndex
    public let path: [String]
    public let workingDirectory: String

    /// The PATH runc and crun use when the image sets none.
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public init(index: FileIndex, pathVariable: String?, workingDirectory: String) {
        self.index = index
        self.path = (pathVariable ?? ProgramResolver.defaultPath).split(separator: ":").map(String.init)
        self.workingDirectory = workingDirectory
    }

    /// Where a program name leads: the candidate paths searched and the first that exists.
    public func locate(_ name: String) -> (foundAt: String?, target: TreeEntry?, searched: [String]) {
        let candidates = name.contains("/") ? [FileIndex.join(workingDirectory, name)]
            : path.map { FileIndex.join(FileIndex.join(workingDirectory, $0), name) }
        for candidate in candidates {
            if let target = index.resolve(candidate), target.type != .dir || name.contains("/") {
                return (candidate, target, candidates)
            }
        }
        return (nil, nil, candidates)
    }

    /// Resolves a program and checks it can run: exists, is a file, executable by anyone, interpreter present.
    public func resolve(_ name: String, firstLine: (String) -> String?) -> StartProgram {
        let located = locate(name)
        guard let foundAt = located.foundAt, let target = located.target else {
            return StartProgram(requested: name, foundAt: nil, target: nil, shebang: nil, problem: .notFound(searched: located.searched))
        }
        guard target.type == .file || target.type == .hardlink else {
            return StartProgram(requested: name, foundAt: foundAt, target: target, shebang: nil, problem: .notAFile(target.path))
        }
        var problem: StartProgramProblem?
        if target.mode & 0o111 == 0 {
            problem = .notExecutable(target.path, mode: target.mode)
        } else if target.mode & 0o001 == 0 {
            problem = .notExecutableByOthers(target.path, mode: target.mode)
        }
        var shebang: [String]?
        if let line = firstLine(target.path), line.hasPrefix("#!") {
            let words = line.dropFirst(2).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            shebang = words
            if problem == nil, let interpreter = words.first {
                if index.resolve(interpreter) == nil {
                    problem = .interpreterMissing(script: target.path, interpreter: interpreter)
                } else if StartCommand.baseName(interpreter) == "env",
                          let program = words.dropFirst().first(where: { !$0.hasPrefix("-") && !$0.contains("=") }),
                          locate(program).target == nil {
                    problem = .interpreterMissing(script: target.path, interpreter: "\(interpreter) \(program)")
                }
            }
        }
        return StartProgram(requested: name, foundAt: foundAt, target: target, shebang: shebang, problem: problem)
    }
}
