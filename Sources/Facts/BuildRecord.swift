public import TRECore
public import DockerfileKit
public import ImageKit
import Foundation

/// One instruction that built the final image, with where to point a finding about it.
public struct BuildStep: Sendable, Equatable {
    /// The keyword, upper-cased (`USER`, `ENTRYPOINT` …).
    public var cmd: String
    /// The arguments as written after the keyword.
    public var arguments: String
    /// Whether the arguments are in JSON (exec) form.
    public var json: Bool
    /// The Dockerfile line (given or rebuilt from history).
    public var location: Location

    public init(cmd: String, arguments: String, json: Bool, location: Location) {
        self.cmd = cmd; self.arguments = arguments; self.json = json; self.location = location
    }
}

/// A `FROM` of the Dockerfile that names an image (not a stage, not scratch).
public struct BaseImageReference: Sendable, Equatable {
    public var reference: String
    public var pinned: Bool
    public var location: Location
}

/// Finding locations are Dockerfile lines: from the given Dockerfile, or from the one rebuilt from history.
public struct BuildRecord: Sendable {
    /// What `Location.path` says for lines of the Dockerfile rebuilt from the image history.
    public static let historyPath = "<image history>"

    /// The instructions that built the final image, in order (for a Dockerfile: the final stage and the stages it builds on).
    public var steps: [BuildStep]
    /// External base images every stage pulls (only known from a real Dockerfile).
    public var baseImages: [BaseImageReference]
    /// Whether the steps come from a Dockerfile the user gave.
    public var fromDockerfile: Bool

    /// The steps of the given Dockerfile.
    public init(dockerfile: Dockerfile, path: String) {
        fromDockerfile = true
        var chain: [Stage] = []
        var current = dockerfile.finalStage
        // A stage can only build on an earlier one, so this walk ends; the count guards a malformed model.
        while let stage = current, chain.count <= dockerfile.stages.count {
            chain.insert(stage, at: 0)
            current = stage.baseStageIndex.flatMap { index in dockerfile.stages.indices.contains(index) ? dockerfile.stages[index] : nil }
        }
        steps = chain.flatMap { stage in
            ([stage.from] + stage.instructions).map { instruction in
                BuildStep(
                    cmd: instruction.keyword, arguments: instruction.value.joined(separator: " "), json: instruction.json,
                    location: Location(kind: .dockerfile, path: path, line: instruction.startLine))
            }
        }
        baseImages = dockerfile.stages.compactMap { stage in
            guard stage.baseStageIndex == nil, !stage.isScratch else { return nil }
            return BaseImageReference(
                reference: stage.resolvedBaseImage, pinned: stage.isPinnedByDigest,
                location: Location(kind: .dockerfile, path: path, line: stage.from.startLine))
        }
    }

    /// The steps recovered from the image's history; line N is history entry N (1-based).
    public init(history: [HistoryEntry]) {
        fromDockerfile = false
        let rebuilt = HistoryDockerfile.rebuild(history: history.map { ($0.createdBy, $0.emptyLayer ?? false) })
        steps = rebuilt.instructions.map { instruction in
            BuildStep(
                cmd: instruction.cmd.uppercased(), arguments: instruction.arguments,
                json: instruction.arguments.trimmingCharacters(in: .whitespaces).hasPrefix("["),
                location: Location(kind: .dockerfile, path: BuildRecord.historyPath, line: instruction.historyIndex + 1, layer: instruction.layerIndex))
        }
        baseImages = []
    }

    /// The last step with this keyword (optionally matching a predicate): the one in effect.
    public func last(_ cmd: String, where predicate: (BuildStep) -> Bool = { _ in true }) -> BuildStep? {
        steps.last { $0.cmd == cmd && predicate($0) }
    }

    /// The last ENV (or ARG) step that sets a variable (`NAME=value` as written, or `NAME value` as parsers split it).
    public func lastSetting(_ name: String, commands: [String] = ["ENV"]) -> BuildStep? {
        steps.last { step in
            commands.contains(step.cmd)
                && step.arguments.split(whereSeparator: { $0 == " " || $0 == "\t" }).contains { $0 == name || $0.hasPrefix(name + "=") }
        }
    }

    /// A step's location, or the config field when no Dockerfile line is known.
    public func location(of step: BuildStep?, orConfigField field: String) -> Location {
        step?.location ?? Location(kind: .imageConfig, path: field)
    }
}
