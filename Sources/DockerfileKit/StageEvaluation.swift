extension StageSemantics {
    /// Replays the stage chain (root stage first) the way BuildKit's dispatcher updates the image config.
    static func evaluate(stage: Stage, in dockerfile: Dockerfile) -> StageSemantics {
        var chain: [Stage] = [stage]
        while let baseIndex = chain[0].baseStageIndex, baseIndex < chain[0].index,
            dockerfile.stages.indices.contains(baseIndex)
        {
            chain.insert(dockerfile.stages[baseIndex], at: 0)
        }
        var state = StageSemantics(
            stageIndex: stage.index, rootStageIndex: chain[0].index, user: nil, workdir: nil, entrypoint: nil,
            cmd: nil, shell: ["/bin/sh", "-c"], env: [], expose: [], volumes: [], healthcheck: nil, labels: [],
            stopSignal: nil, copyFrom: [])
        for current in chain {
            state.apply(stage: current, dockerfile: dockerfile, metaArgs: dockerfile.globalArgValues)
        }
        return state
    }

    private mutating func apply(stage: Stage, dockerfile: Dockerfile, metaArgs: [String: String]) {
        // Variables the base image may define are unknown here, so unset references stay as written.
        let lexer = ShellWord(escapeCharacter: dockerfile.escapeCharacter, skipUnsetEnv: true)
        var args: [String: String] = [:]
        var cmdSetInStage = false
        func environment() -> [String: String] {
            var merged = args
            for variable in env { merged[variable.name] = variable.value }
            return merged
        }
        func expand(_ word: String) -> String { (try? lexer.expand(word, env: environment())) ?? word }
        func expandWords(_ word: String) -> [String] {
            (try? lexer.expandWords(word, env: environment())) ?? [word]
        }
        func form(_ instruction: Instruction) -> CommandForm {
            instruction.json ? .exec(instruction.value) : .shell(instruction.value.first ?? "")
        }

        for instruction in stage.instructions {
            let line = instruction.startLine
            switch instruction.cmd.uppercased() {
            case "ARG":
                for (name, value) in ArgumentPairs.args(of: instruction) {
                    if let override = dockerfile.buildArgs[name] {
                        args[name] = override
                    } else if let value {
                        args[name] = expand(value)
                    } else if let global = metaArgs[name] {
                        args[name] = global
                    }
                }
            case "ENV":
                for (key, value) in ArgumentPairs.pairs(of: instruction) {
                    let name = expand(key)
                    let expanded = expand(value)
                    env.removeAll { $0.name == name }
                    env.append(EnvironmentVariable(name: name, value: expanded, line: line))
                }
            case "LABEL":
                for (key, value) in ArgumentPairs.pairs(of: instruction) {
                    let name = expand(key)
                    labels.removeAll { $0.name == name }
                    labels.append(EnvironmentVariable(name: name, value: expand(value), line: line))
                }
            case "USER":
                if let value = instruction.value.first { user = LocatedValue(value: expand(value), line: line) }
            case "WORKDIR":
                if let value = instruction.value.first {
                    let path = expand(value)
                    let joined = path.hasPrefix("/") ? path : joinPath(workdir?.value ?? "/", path)
                    workdir = LocatedValue(value: cleanPath(joined), line: line)
                }
            case "ENTRYPOINT":
                entrypoint = LocatedCommand(value: form(instruction), line: line)
                // BuildKit's dispatchEntrypoint: an ENTRYPOINT drops an inherited CMD unless this stage set one.
                if !cmdSetInStage { cmd = nil }
            case "CMD":
                cmd = LocatedCommand(value: form(instruction), line: line)
                cmdSetInStage = true
            case "SHELL":
                if instruction.json, !instruction.value.isEmpty { shell = instruction.value }
            case "EXPOSE":
                for word in instruction.value {
                    expose.append(contentsOf: expandWords(word).map { LocatedValue(value: $0, line: line) })
                }
            case "VOLUME":
                let paths = instruction.json ? instruction.value.map(expand) : instruction.value.flatMap(expandWords)
                volumes.append(contentsOf: paths.filter { !$0.isEmpty }.map { LocatedValue(value: $0, line: line) })
            case "HEALTHCHECK":
                healthcheck = Self.healthcheck(instruction)
            case "STOPSIGNAL":
                if let value = instruction.value.first { stopSignal = LocatedValue(value: expand(value), line: line) }
            case "COPY", "ADD":
                if let from = instruction.flag("from") {
                    let source = expand(from)
                    copyFrom.append(
                        CopyFromReference(source: source, stageIndex: stageIndex(source, before: stage, dockerfile), line: line))
                }
            case "RUN":
                for flag in instruction.flags where flag.hasPrefix("--mount=") {
                    for field in flag.dropFirst("--mount=".count).split(separator: ",") where field.hasPrefix("from=") {
                        let source = expand(String(field.dropFirst("from=".count)))
                        copyFrom.append(
                            CopyFromReference(source: source, stageIndex: stageIndex(source, before: stage, dockerfile), line: line))
                    }
                }
            default:
                break
            }
        }
    }

    private func stageIndex(_ source: String, before stage: Stage, _ dockerfile: Dockerfile) -> Int? {
        let lowered = source.lowercased()
        if let named = dockerfile.stages.first(where: { $0.index < stage.index && $0.name == lowered }) {
            return named.index
        }
        if let index = Int(source), index >= 0, index < stage.index { return index }
        return nil
    }

    private static func healthcheck(_ instruction: Instruction) -> Healthcheck? {
        guard let kind = instruction.value.first?.uppercased() else { return nil }
        var options: [String: String] = [:]
        for name in ["interval", "timeout", "start-period", "start-interval", "retries"] {
            if let value = instruction.flag(name) { options[name] = value }
        }
        if kind == "NONE" { return Healthcheck(test: nil, options: options, line: instruction.startLine) }
        let rest = Array(instruction.value.dropFirst())
        let test: CommandForm = instruction.json ? .exec(rest) : .shell(rest.first ?? "")
        return Healthcheck(test: test, options: options, line: instruction.startLine)
    }
}

/// `path.Join(base, element)` for absolute bases.
func joinPath(_ base: String, _ element: String) -> String {
    base.hasSuffix("/") ? base + element : base + "/" + element
}

/// Go's `path.Clean` for absolute paths: collapses `//`, `.` and `..`.
func cleanPath(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == ".." {
            if !parts.isEmpty { parts.removeLast() }
            continue
        }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}
