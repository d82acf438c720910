/// Which tool wrote an image history entry, judged from its `created_by` text.
public enum HistoryBuilder: String, Sendable, Hashable, Codable {
    /// Classic `docker build`, Buildah and Podman, which share one format: `/bin/sh -c #(nop) CMD […]`,
    /// `/bin/sh -c <command>`, and `|N ARG=v /bin/sh -c <command>` for a RUN that sees build args.
    case classic
    /// BuildKit: `RUN /bin/sh -c … # buildkit`, `COPY … # buildkit`, `ENV A=b`, `WORKDIR /x`.
    case buildkit
    /// Not recognisable (an empty or tool-specific note).
    case unknown
}

/// One instruction recovered from an image history entry.
public struct RebuiltInstruction: Sendable, Hashable {
    /// The instruction keyword (`RUN`, `COPY`, `ENV` …).
    public var cmd: String
    /// Everything after the keyword, as a Dockerfile would spell it.
    public var arguments: String
    /// Build args visible to a RUN (`|1 PYVER=3.12 /bin/sh -c …`), in the order given.
    public var buildArgs: [EnvironmentVariable]
    /// The position of the entry in the config's history array.
    public var historyIndex: Int
    /// The index of the layer it produced among non-empty entries; nil for an empty layer.
    public var layerIndex: Int?
    /// The raw `created_by` text.
    public var createdBy: String
    /// Which builder style it was written in.
    public var builder: HistoryBuilder

    /// The instruction line as a Dockerfile would have it.
    public var text: String {
        var line = cmd
        if !buildArgs.isEmpty { line += " " + buildArgs.map { "\($0.name)=\($0.value)" }.joined(separator: " ") + " \\\n   " }
        return arguments.isEmpty ? line : "\(line) \(arguments)"
    }

    public init(
        cmd: String, arguments: String, buildArgs: [EnvironmentVariable] = [], historyIndex: Int,
        layerIndex: Int?, createdBy: String, builder: HistoryBuilder
    ) {
        self.cmd = cmd
        self.arguments = arguments
        self.buildArgs = buildArgs
        self.historyIndex = historyIndex
        self.layerIndex = layerIndex
        self.createdBy = createdBy
        self.builder = builder
    }
}

/// A Dockerfile reconstructed from image history, each instruction tied to its layer.
public struct RebuiltDockerfile: Sendable, Hashable {
    /// The recovered instructions, in history order.
    public var instructions: [RebuiltInstruction]

    /// The reconstruction as Dockerfile text; multi-line commands are continued with `\`.
    public var text: String {
        instructions.map { $0.text.replacingNewlines(with: " \\\n") + "\n" }.joined()
    }

    /// A two-column view for terminals: the layer index (`-` for an empty layer), then the instruction.
    public var listing: String {
        instructions.map { instruction in
            let layer = instruction.layerIndex.map(String.init) ?? "-"
            let text = instruction.text.replacingNewlines(with: "\n        ")
            return layer + String(repeating: " ", count: max(1, 8 - layer.count)) + text + "\n"
        }.joined()
    }

    /// The instruction that produced layer `index`, if any.
    public func instruction(forLayer index: Int) -> RebuiltInstruction? {
        instructions.first { $0.layerIndex == index }
    }
}

/// Rebuilds a Dockerfile from an image config's history.
public enum HistoryDockerfile {
    /// The instruction keywords BuildKit and `#(nop)` entries spell out.
    static let keywords: Set<String> = [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
        "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ]

    /// Maps each history entry to the instruction that wrote it; `layerIndex` counts non-empty entries only.
    public static func rebuild(history: [(createdBy: String?, emptyLayer: Bool)]) -> RebuiltDockerfile {
        var instructions: [RebuiltInstruction] = []
        var layer = 0
        for (position, entry) in history.enumerated() {
            let layerIndex: Int? = entry.emptyLayer ? nil : layer
            if !entry.emptyLayer { layer += 1 }
            var rebuilt = interpret(entry.createdBy ?? "")
            rebuilt.historyIndex = position
            rebuilt.layerIndex = layerIndex
            instructions.append(rebuilt)
        }
        return RebuiltDockerfile(instructions: instructions)
    }

    /// Reads one `created_by` text.
    static func interpret(_ createdBy: String) -> RebuiltInstruction {
        var text = Substring(createdBy)
        trimSpaces(&text)
        var builder = HistoryBuilder.unknown
        if text.hasSuffix("# buildkit") {
            builder = .buildkit
            text = text.dropLast("# buildkit".count)
            trimSpaces(&text)
        }
        // `RUN /bin/sh -c …` (BuildKit) or the bare `/bin/sh -c …` (classic Docker, Buildah).
        var keyword: String?
        if let first = text.split(separator: " ", maxSplits: 1).first, keywords.contains(String(first)) {
            keyword = String(first)
            text = text.dropFirst(first.count)
            trimSpaces(&text)
            if builder == .unknown { builder = .buildkit }
        }
        let buildArgs = takeBuildArgs(&text)
        if text.hasPrefix("/bin/sh -c ") || text == "/bin/sh -c" {
            text = text.dropFirst("/bin/sh -c".count)
            trimSpaces(&text)
            if builder == .unknown { builder = .classic }
            if text.hasPrefix("#(nop)") {
                text = text.dropFirst("#(nop)".count)
                trimSpaces(&text)
                if let first = text.split(separator: " ", maxSplits: 1).first, keywords.contains(String(first).uppercased()) {
                    var rest = text.dropFirst(first.count)
                    trimSpaces(&rest)
                    return RebuiltInstruction(
                        cmd: String(first).uppercased(), arguments: String(rest), buildArgs: buildArgs, historyIndex: 0,
                        layerIndex: nil, createdBy: createdBy, builder: builder)
                }
                return RebuiltInstruction(
                    cmd: "#", arguments: String(text), historyIndex: 0, layerIndex: nil, createdBy: createdBy,
                    builder: builder)
            }
            return RebuiltInstruction(
                cmd: keyword ?? "RUN", arguments: String(text), buildArgs: buildArgs, historyIndex: 0, layerIndex: nil,
                createdBy: createdBy, builder: builder)
        }
        if let keyword {
            return RebuiltInstruction(
                cmd: keyword, arguments: String(text), buildArgs: buildArgs, historyIndex: 0, layerIndex: nil,
                createdBy: createdBy, builder: builder)
        }
        if text.hasPrefix("#") {
            // A tool's note for the base layer, e.g. debuerreotype's `# debian.sh --arch 'amd64' …`.
            return RebuiltInstruction(
                cmd: "#", arguments: String(text.dropFirst()).trimmingLeadingSpaces(), historyIndex: 0, layerIndex: nil,
                createdBy: createdBy, builder: builder)
        }
        if text.isEmpty {
            return RebuiltInstruction(
                cmd: "#", arguments: "(no created_by)", historyIndex: 0, layerIndex: nil, createdBy: createdBy,
                builder: .unknown)
        }
        // Anything else (an exec-form RUN, a tool's own note) is kept as a RUN of the text as recorded.
        return RebuiltInstruction(
            cmd: "RUN", arguments: String(text), buildArgs: buildArgs, historyIndex: 0, layerIndex: nil,
            createdBy: createdBy, builder: builder)
    }

    /// Removes a leading `|N NAME=value …` build-arg list (RUN with build args) and returns the pairs.
    private static func takeBuildArgs(_ text: inout Substring) -> [EnvironmentVariable] {
        guard text.hasPrefix("|") else { return [] }
        let afterBar = text.dropFirst()
        let countText = afterBar.prefix { $0.isASCII && $0.isNumber }
        guard let count = Int(countText) else { return [] }
        var rest = afterBar.dropFirst(countText.count)
        var pairs: [EnvironmentVariable] = []
        for _ in 0..<count {
            trimSpaces(&rest)
            let word = rest.prefix { $0 != " " }
            guard let equals = word.firstIndex(of: "=") else { return [] }
            pairs.append(
                EnvironmentVariable(
                    name: String(word[..<equals]), value: String(word[word.index(after: equals)...]), line: 0))
            rest = rest.dropFirst(word.count)
        }
        trimSpaces(&rest)
        text = rest
        return pairs
    }

    private static func trimSpaces(_ text: inout Substring) {
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
    }
}

extension String {
    fileprivate func trimmingLeadingSpaces() -> String { String(drop { $0 == " " }) }

    fileprivate func replacingNewlines(with separator: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: separator)
    }
}
