/// The BuildKit-compatible line parser (body in progress).
enum DockerfileParser {
    struct Output {
        var directives: [Directive]
        var escapeCharacter: Character
        var instructions: [Instruction]
    }

    static func parse(_ text: String) throws -> Output {
        throw DockerfileError(line: nil, "parser not built yet")
    }
}

/// Groups instructions into stages and resolves FROM arguments (body in progress).
enum StageResolver {
    struct Output {
        var globalArgs: [Instruction]
        var stages: [Stage]
    }

    static func resolve(instructions: [Instruction], escape: Character, buildArgs: [String: String]) throws -> Output {
        Output(globalArgs: [], stages: [])
    }
}

extension StageSemantics {
    static func evaluate(stage: Stage, in dockerfile: Dockerfile) -> StageSemantics {
        StageSemantics(
            stageIndex: stage.index, rootStageIndex: stage.index, user: nil, workdir: nil, entrypoint: nil, cmd: nil,
            shell: ["/bin/sh", "-c"], env: [], expose: [], volumes: [], healthcheck: nil, labels: [], stopSignal: nil,
            copyFrom: [])
    }
}
