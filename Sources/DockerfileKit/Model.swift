/// A heredoc attached to an instruction (`RUN <<EOF`), as BuildKit reports it.
public struct Heredoc: Sendable, Hashable, Codable {
    /// The delimiter word, without quotes or the `-` chomp marker.
    public var name: String
    /// The file descriptor the heredoc feeds (`0` unless written `3<<EOF`).
    public var fileDescriptor: Int
    /// The body, ending with a newline; leading tabs removed for `<<-`.
    public var content: String
    /// Whether variables in the body are expanded (the delimiter was not quoted).
    public var expand: Bool
    /// Whether leading tabs were stripped (`<<-EOF`).
    public var chomp: Bool

    public init(name: String, fileDescriptor: Int, content: String, expand: Bool = true, chomp: Bool = false) {
        self.name = name
        self.fileDescriptor = fileDescriptor
        self.content = content
        self.expand = expand
        self.chomp = chomp
    }

    enum CodingKeys: String, CodingKey {
        case name
        case fileDescriptor = "file_descriptor"
        case content
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        fileDescriptor = try container.decode(Int.self, forKey: .fileDescriptor)
        content = try container.decode(String.self, forKey: .content)
        expand = true
        chomp = false
    }
}

/// A `# tre-lint ignore=TRE105,TRE204 reason` comment placed right before an instruction.
public struct Suppression: Sendable, Hashable, Codable {
    /// The rule identifiers the comment silences.
    public var rules: [String]
    /// The free-text justification after the rule list (empty when none was given).
    public var reason: String
    /// The 1-based line of the comment.
    public var line: Int

    public init(rules: [String], reason: String, line: Int) {
        self.rules = rules
        self.reason = reason
        self.line = line
    }
}

/// One Dockerfile instruction, with the fields BuildKit's parser reports.
public struct Instruction: Sendable, Hashable {
    /// The instruction keyword as written (`RUN`, `run` …): BuildKit keeps its case; compare with `keyword`.
    public var cmd: String
    /// For `ONBUILD`, the keyword of the wrapped instruction, as written.
    public var subCmd: String?
    /// Whether the arguments were written in JSON (exec) form.
    public var json: Bool
    /// The instruction as written, continuation lines joined, heredoc bodies appended.
    public var original: String
    /// The 1-based first line.
    public var startLine: Int
    /// The 1-based last line, heredoc bodies included.
    public var endLine: Int
    /// The `--name=value` flags, as written.
    public var flags: [String]
    /// The arguments, split as BuildKit splits them for this instruction.
    public var value: [String]
    /// Heredocs, in the order their delimiters appear.
    public var heredocs: [Heredoc]
    /// Inline suppressions written on comment lines immediately before the instruction.
    public var suppressions: [Suppression]

    public init(
        cmd: String, subCmd: String? = nil, json: Bool = false, original: String, startLine: Int, endLine: Int,
        flags: [String] = [], value: [String] = [], heredocs: [Heredoc] = [], suppressions: [Suppression] = []
    ) {
        self.cmd = cmd
        self.subCmd = subCmd
        self.json = json
        self.original = original
        self.startLine = startLine
        self.endLine = endLine
        self.flags = flags
        self.value = value
        self.heredocs = heredocs
        self.suppressions = suppressions
    }

    /// The value of flag `--name` (the last one when repeated), `""` for a bare `--name`, nil when absent.
    public func flag(_ name: String) -> String? {
        var found: String?
        for flag in flags {
            guard flag.hasPrefix("--") else { continue }
            let body = flag.dropFirst(2)
            if let equals = body.firstIndex(of: "=") {
                if body[..<equals] == name { found = String(body[body.index(after: equals)...]) }
            } else if body == name {
                found = ""
            }
        }
        return found
    }

    /// The keyword upper-cased, for comparisons (`RUN` for `run`).
    public var keyword: String { cmd.uppercased() }

    /// For `ONBUILD`, the wrapped keyword upper-cased.
    public var subKeyword: String? { subCmd?.uppercased() }

    /// Whether this instruction's keyword is `keyword`, ignoring case as BuildKit does.
    public func isCommand(_ keyword: String) -> Bool { self.keyword == keyword.uppercased() }
}

/// A name with a value and the 1-based line it comes from.
public struct NamedValue: Sendable, Hashable {
    /// The name (a directive's is lower-cased).
    public var name: String
    /// The value: trimmed for a directive, after substitution for ENV and LABEL.
    public var value: String
    /// The 1-based line it was read from.
    public var line: Int

    public init(name: String, value: String, line: Int) {
        self.name = name
        self.value = value
        self.line = line
    }
}

/// A parser directive from the top of the file (`# syntax=…`, `# escape=…`, `# check=…`).
public typealias Directive = NamedValue

/// An ENV variable or LABEL of a stage, or a build arg a history entry records.
public typealias EnvironmentVariable = NamedValue

/// A command given as ENTRYPOINT, CMD or HEALTHCHECK: exec form or shell form.
public enum CommandForm: Sendable, Hashable {
    /// JSON form: run directly, no shell.
    case exec([String])
    /// Shell form: run through the stage's SHELL (by default `/bin/sh -c`).
    case shell(String)

    /// The argument vector the container will run (shell form wrapped in `shell`).
    public func argv(shell: [String] = ["/bin/sh", "-c"]) -> [String] {
        switch self {
        case .exec(let words): return words
        case .shell(let command): return shell + [command]
        }
    }
}

/// A HEALTHCHECK as it applies to the final image.
public struct Healthcheck: Sendable, Hashable {
    /// `nil` for `HEALTHCHECK NONE`, otherwise the probe command.
    public var test: CommandForm?
    /// The `--interval`, `--timeout`, `--start-period`, `--start-interval` and `--retries` flags, by name.
    public var options: [String: String]
    /// The instruction that set it.
    public var line: Int

    public init(test: CommandForm?, options: [String: String], line: Int) {
        self.test = test
        self.options = options
        self.line = line
    }
}

/// A `COPY --from=…` (or `RUN --mount=from=…`) reference to another stage or image.
public struct CopyFromReference: Sendable, Hashable {
    /// The `--from` value after variable expansion.
    public var source: String
    /// The stage it names (by name or index), nil when it names an image.
    public var stageIndex: Int?
    /// The instruction line.
    public var line: Int

    public init(source: String, stageIndex: Int?, line: Int) {
        self.source = source
        self.stageIndex = stageIndex
        self.line = line
    }
}

/// A value set in a stage, with the 1-based line of the instruction that set it.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    /// The value (after variable substitution where the instruction expands variables).
    public var value: Value
    /// The 1-based line of the instruction.
    public var line: Int

    public init(value: Value, line: Int) {
        self.value = value
        self.line = line
    }
}

/// A located string value (USER, WORKDIR, EXPOSE port …).
public typealias LocatedValue = Located<String>

/// A located ENTRYPOINT or CMD.
public typealias LocatedCommand = Located<CommandForm>

/// A build stage: one FROM and the instructions up to the next FROM.
public struct Stage: Sendable, Hashable {
    /// The `AS name`, lower-cased as BuildKit compares it; nil when unnamed.
    public var name: String?
    /// The 0-based stage index.
    public var index: Int
    /// The FROM argument as written (`${BASE}` unexpanded).
    public var baseImage: String
    /// The FROM argument after ARG substitution.
    public var resolvedBaseImage: String
    /// The index of the earlier stage this one builds on, when its FROM names a stage.
    public var baseStageIndex: Int?
    /// The `--platform` flag, if any, after substitution.
    public var platform: String?
    /// The FROM instruction.
    public var from: Instruction
    /// The instructions after FROM, up to the next FROM.
    public var instructions: [Instruction]

    public init(
        name: String?, index: Int, baseImage: String, resolvedBaseImage: String, baseStageIndex: Int?,
        platform: String?, from: Instruction, instructions: [Instruction]
    ) {
        self.name = name
        self.index = index
        self.baseImage = baseImage
        self.resolvedBaseImage = resolvedBaseImage
        self.baseStageIndex = baseStageIndex
        self.platform = platform
        self.from = from
        self.instructions = instructions
    }

    /// The `sha256:…` digest the base image is pinned to, nil when only a tag (or a stage) is named.
    public var digest: String? {
        guard baseStageIndex == nil, let at = resolvedBaseImage.lastIndex(of: "@") else { return nil }
        let digest = resolvedBaseImage[resolvedBaseImage.index(after: at)...]
        return digest.contains(":") ? String(digest) : nil
    }

    /// Whether the base image is pinned by digest (a stage base counts as not pinned; ask its own stage).
    public var isPinnedByDigest: Bool { digest != nil }

    /// Whether the base is `scratch` (no parent image).
    public var isScratch: Bool { baseStageIndex == nil && resolvedBaseImage.lowercased() == "scratch" }
}

/// Why a Dockerfile could not be parsed: one line, naming the line number.
public struct DockerfileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The 1-based line of the problem, nil when it concerns the whole file.
    public var line: Int?
    /// What is wrong.
    public var message: String

    public init(line: Int?, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "Dockerfile line \(line): \(message)" }
        return "Dockerfile: \(message)"
    }
}
