/// Splits instructions into stages and resolves each FROM as BuildKit does
/// (`dockerfile2llb.toDispatchState`: global ARGs expanded in order, `--build-arg` overriding defaults).
enum StageResolver {
    struct Output {
        var globalArgs: [Instruction]
        var globalArgValues: [String: String]
        var stages: [Stage]
    }

    /// The automatic platform ARGs BuildKit defines for FROM lines (documented in the Dockerfile reference,
    /// "Automatic platform ARGs in the global scope"); tre-lint assumes a linux/amd64 build.
    static let automaticPlatformArgs: [String: String] = [
        "TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": "",
        "BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
    ]

    static func resolve(instructions: [Instruction], escape: Character, buildArgs: [String: String]) -> Output {
        let lexer = ShellWord(escapeCharacter: escape)
        var globalArgs: [Instruction] = []
        var metaArgs = automaticPlatformArgs
        var stages: [Stage] = []
        var seenFrom = false

        for instruction in instructions {
            let keyword = instruction.cmd.uppercased()
            if keyword == "FROM" {
                seenFrom = true
                stages.append(
                    makeStage(from: instruction, index: stages.count, earlier: stages, metaArgs: metaArgs, lexer: lexer))
                continue
            }
            if !seenFrom {
                if keyword == "ARG" {
                    globalArgs.append(instruction)
                    for (name, value) in ArgumentPairs.args(of: instruction) {
                        let expanded = value.map { (try? lexer.expand($0, env: metaArgs)) ?? $0 }
                        if let override = buildArgs[name] {
                            metaArgs[name] = override
                        } else if let expanded {
                            metaArgs[name] = expanded
                        }
                    }
                }
                continue
            }
            stages[stages.count - 1].instructions.append(instruction)
        }
        return Output(globalArgs: globalArgs, globalArgValues: metaArgs, stages: stages)
    }

    private static func makeStage(
        from instruction: Instruction, index: Int, earlier: [Stage], metaArgs: [String: String], lexer: ShellWord
    ) -> Stage {
        let words = instruction.value
        let written = words.first ?? ""
        let name = words.count == 3 && words[1].uppercased() == "AS" ? words[2].lowercased() : nil
        let resolved = (try? lexer.expand(written, env: metaArgs)) ?? written
        let platform = instruction.flag("platform").map { (try? lexer.expand($0, env: metaArgs)) ?? $0 }
        let base = earlier.last { $0.name != nil && $0.name == resolved.lowercased() }?.index
        return Stage(
            name: name, index: index, baseImage: written, resolvedBaseImage: resolved, baseStageIndex: base,
            platform: platform, from: instruction, instructions: [])
    }
}

/// Splits ARG/ENV/LABEL instruction values into names and values.
enum ArgumentPairs {
    /// ARG words: `name` or `name=default` (the default still unexpanded, quotes kept).
    static func args(of instruction: Instruction) -> [(String, String?)] {
        instruction.value.map { word in
            guard let equals = word.firstIndex(of: "=") else { return (word, nil) }
            return (String(word[..<equals]), String(word[word.index(after: equals)...]))
        }
    }

    /// ENV/LABEL values come from the parser as key, value, key, value….
    static func pairs(of instruction: Instruction) -> [(String, String)] {
        stride(from: 0, to: instruction.value.count - 1, by: 2).map { (instruction.value[$0], instruction.value[$0 + 1]) }
    }
}
