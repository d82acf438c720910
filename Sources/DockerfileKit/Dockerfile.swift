public import Foundation

/// A parsed Dockerfile: directives, instructions in order, and the build stages they form.
public struct Dockerfile: Sendable, Hashable {
    /// Parser directives read from the top of the file.
    public var directives: [Directive]
    /// The escape character in effect (`\` unless `# escape=` says otherwise).
    public var escapeCharacter: Character
    /// Every instruction, in file order, ARGs before the first FROM included.
    public var instructions: [Instruction]
    /// The ARG instructions before the first FROM (global scope, usable in FROM lines).
    public var globalArgs: [Instruction]
    /// The values of the global ARGs (and BuildKit's automatic platform ARGs) that FROM lines see.
    public var globalArgValues: [String: String]
    /// The build stages, in order.
    public var stages: [Stage]
    /// The `--build-arg` values the stages were resolved with.
    public var buildArgs: [String: String]

    /// Parses Dockerfile text exactly as BuildKit does and resolves stages with the given build args.
    public init(parsing text: String, buildArgs: [String: String] = [:]) throws {
        let parsed = try DockerfileParser.parse(text)
        self.directives = parsed.directives
        self.escapeCharacter = parsed.escapeCharacter
        self.instructions = parsed.instructions
        self.buildArgs = buildArgs
        let resolved = StageResolver.resolve(
            instructions: parsed.instructions, escape: parsed.escapeCharacter, buildArgs: buildArgs)
        self.globalArgs = resolved.globalArgs
        self.globalArgValues = resolved.globalArgValues
        self.stages = resolved.stages
    }

    /// Parses Dockerfile text; see `init(parsing:buildArgs:)`.
    public static func parse(_ text: String, buildArgs: [String: String] = [:]) throws -> Dockerfile {
        try Dockerfile(parsing: text, buildArgs: buildArgs)
    }

    /// Reads and parses a Dockerfile from disk.
    public static func parse(contentsOf url: URL, buildArgs: [String: String] = [:]) throws -> Dockerfile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw DockerfileError(line: nil, "\(url.path) does not exist")
        }
        if isDirectory.boolValue { throw DockerfileError(line: nil, "\(url.path) is a directory, not a Dockerfile") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DockerfileError(line: nil, "cannot read \(url.path): \(error.localizedDescription)")
        }
        return try Dockerfile(parsing: String(decoding: data, as: UTF8.self), buildArgs: buildArgs)
    }

    /// The stage the image is built from when no `--target` is given: the last one.
    public var finalStage: Stage? { stages.last }

    /// The stage a `--target` (or `COPY --from`) name or index refers to.
    public func stage(named nameOrIndex: String) -> Stage? {
        let lowered = nameOrIndex.lowercased()
        if let named = stages.first(where: { $0.name == lowered }) { return named }
        if let index = Int(nameOrIndex), stages.indices.contains(index) { return stages[index] }
        return nil
    }

    /// The directive with this name, if present.
    public func directive(_ name: String) -> Directive? {
        directives.first { $0.name == name.lowercased() }
    }

    /// What the given stage's image ends up with, following `FROM <earlier stage>` chains.
    public func semantics(of stage: Stage) -> StageSemantics {
        StageSemantics.evaluate(stage: stage, in: self)
    }

    /// What the final image ends up with (USER, WORKDIR, ENTRYPOINT/CMD …); nil without any stage.
    public var final: StageSemantics? { finalStage.map(semantics(of:)) }
}
