import TRECore
import Facts
import Foundation

/// TRE101: the TRE runs linux/amd64 only.
struct PlatformCheck: RuleCheck {
    let id = "TRE101"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let config = context.facts.imageConfig
        guard config.os != "linux" || config.architecture != "amd64" else { return [] }
        let platform = [config.os, config.architecture, config.variant].compactMap { $0 }.joined(separator: "/")
        return [Violation(
            rule: id,
            message: "The image is built for \(platform); the TRE's hosts run linux/amd64 and cannot start it.",
            location: context.facts.stepLocation("FROM", field: "architecture"))]
    }
}

/// TRE102: neither ENTRYPOINT nor CMD.
struct NoStartCommandCheck: RuleCheck {
    let id = "TRE102"
    func check(_ context: StaticCheckContext) -> [Violation] {
        guard context.facts.command.argv.allSatisfy(\.isEmpty) else { return [] }
        return [Violation(
            rule: id,
            message: "The image sets neither ENTRYPOINT nor CMD: ces-run starts the container with nothing to run, so no work is done.",
            location: Location(kind: .imageConfig, path: "Entrypoint"))]
    }
}

/// TRE103: the start program is not in the image.
struct StartProgramMissingCheck: RuleCheck {
    let id = "TRE103"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        if let script = facts.missingStartScript, facts.startProgram?.problem == nil {
            return [Violation(
                rule: id,
                message: "`\(facts.effectiveArgv.first ?? "")` is in the image but the script it is told to run, \(script), is not: the container stops at once with 'No such file or directory'.",
                location: facts.commandLocation)]
        }
        guard let program = facts.startProgram, case .notFound(let searched) = program.problem else { return [] }
        let how = program.requested.contains("/")
            ? "\(searched.first ?? program.requested) does not exist in the image (symlinks followed inside the image)"
            : "`\(program.requested)` is not on the image's PATH (searched \(listed(searched, limit: 8)))"
        return [Violation(
            rule: id, message: "The start program cannot be found: \(how). The container fails at once with 'executable file not found'.",
            location: facts.commandLocation)]
    }
}

/// TRE104: the start program is not executable, or its `#!` interpreter is missing.
struct StartProgramNotRunnableCheck: RuleCheck {
    let id = "TRE104"
    func check(_ context: StaticCheckContext) -> [Violation] {
        guard let program = context.facts.startProgram, let problem = program.problem else { return [] }
        let layer = program.target?.layer
        switch problem {
        case .notFound:
            return []
        case .notAFile(let path):
            return [Violation(rule: id, message: "The start program \(path) is not a regular file, so it cannot be executed.",
                              location: Location(kind: .imageFile, path: path, layer: layer))]
        case .notExecutable(let path, let mode):
            return [Violation(
                rule: id,
                message: "The start program \(path) has mode \(octal(mode)) with no execute bit: the container fails with 'permission denied'.",
                location: Location(kind: .imageFile, path: path, layer: layer))]
        case .notExecutableByOthers(let path, let mode):
            return [Violation(
                rule: id,
                message: "The start program \(path) has mode \(octal(mode)): only its owner or group may run it, but Apptainer and Kubernetes run the container as an arbitrary uid.",
                location: Location(kind: .imageFile, path: path, layer: layer))]
        case .interpreterMissing(let script, let interpreter):
            return [Violation(
                rule: id,
                message: "The start script \(script) names the interpreter `\(interpreter)` in its #! line, which is not in the image: the container fails with 'no such file or directory'.",
                location: Location(kind: .imageFile, path: script, line: 1, layer: layer))]
        }
    }

    private func octal(_ mode: UInt32) -> String { "0" + String(mode & 0o7777, radix: 8) }
}

/// TRE105: ENTRYPOINT in shell form drops the arguments ces-run's `--arg-file` passes.
struct ShellFormEntrypointCheck: RuleCheck {
    let id = "TRE105"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        let step = facts.build.last("ENTRYPOINT")
        let shellFormInDockerfile = step.map { !$0.json && !$0.arguments.isEmpty } ?? false
        let inner = facts.command.entrypointShellForm
        // `sh -c '… "$@"' sh` passes the arguments on: that is the fix, not the fault.
        let forwardsArguments = inner.map { $0.contains("$@") || $0.contains("$*") || $0.contains("$1") } ?? false
        guard (shellFormInDockerfile || inner != nil), !forwardsArguments else { return [] }
        return [Violation(
            rule: id,
            message: "ENTRYPOINT is in shell form (`/bin/sh -c \"…\"`): the arguments ces-run appends from --arg-file, and CMD, are never passed to the program.",
            location: facts.stepLocation("ENTRYPOINT", field: "Entrypoint"))]
    }
}

/// TRE106: the start command is a bare interactive shell or REPL.
struct InteractiveShellCheck: RuleCheck {
    let id = "TRE106"
    static let interactivePrograms: Set<String> = [
        "sh", "bash", "dash", "zsh", "ash", "ksh", "fish", "ipython", "R", "Rscript", "julia", "node", "irb", "ruby", "perl",
        "octave", "lua",
    ]
    /// Options that give the interpreter something to run.
    static let programOptions: Set<String> = ["-c", "-e", "-m", "-f", "--file", "-x", "--eval", "--exec"]

    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        var argv = facts.effectiveArgv
        // An entrypoint script ending in `exec "$@"` runs CMD: a bare shell there is what the container starts.
        let handsOver = facts.signals(.execsArguments).contains { source, _ in
            source.path != nil && source.path == facts.startProgram?.target?.path
        }
        if handsOver, !facts.command.entrypoint.isEmpty, !facts.command.cmd.isEmpty {
            argv = StartCommand.unwrap(facts.command.cmd).argv
        }
        guard let program = argv.first else { return [] }
        let name = (program as NSString).lastPathComponent
        let isInterpreter = Self.interactivePrograms.contains(name) || name.range(of: #"^python[0-9.]*$"#, options: .regularExpression) != nil
        guard isInterpreter else { return [] }
        let arguments = argv.dropFirst()
        let runsSomething = arguments.contains { argument in
            !argument.hasPrefix("-") || Self.programOptions.contains(argument) || argument.hasPrefix("--file=")
        }
        guard !runsSomething else { return [] }
        return [Violation(
            rule: id,
            message: "The container starts `\(argv.joined(separator: " "))`, an interactive interpreter with no script: a batch job without a terminal exits at once (or waits for input until the time limit).",
            location: context.facts.commandLocation)]
    }
}

/// TRE107: a non-root final USER breaks the root-owned mounts under rootless Podman.
struct NonRootUserCheck: RuleCheck {
    let id = "TRE107"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let runAs = context.facts.runAs
        guard !runAs.spelled.isEmpty, !runAs.isRoot else { return [] }
        let who = runAs.uid.map { "uid \($0)" } ?? "an account /etc/passwd does not define"
        return [Violation(
            rule: id,
            message: "The final USER is `\(runAs.spelled)` (\(who)). Under rootless Podman, ces-run's default engine, /scratch and /safe_outputs are owned by uid 0 (the researcher) and the project's /safe_data by gid 0, so this user can neither read its inputs nor write its outputs. Root inside rootless Podman is the researcher's own unprivileged identity; Apptainer and Kubernetes replace USER anyway. Generic linters warn about root: the TRE's engines need the opposite.",
            location: context.facts.stepLocation("USER", field: "User"))]
    }
}

/// TRE108: HOME or WorkingDir not writable by an arbitrary uid, while the start-up code writes there.
struct UnwritableHomeCheck: RuleCheck {
    let id = "TRE108"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        var violations: [Violation] = []
        let home = facts.environment["HOME"] ?? "/"
        if let (source, signal) = facts.signals(.writesHome).first, !writable(home, facts) {
            violations.append(Violation(
                rule: id,
                message: "\(facts.describe(source, signal)) writes under the home directory \(home), which an arbitrary uid (Apptainer, Kubernetes) cannot write; the root filesystem may also be read-only.",
                location: facts.signalLocation(source, signal)))
        }
        let workdir = facts.workingDirectory
        if let (source, signal) = facts.signals(.writesWorkingDirectory).first, !writable(workdir, facts) {
            violations.append(Violation(
                rule: id,
                message: "\(facts.describe(source, signal)) writes a relative path, i.e. into WorkingDir \(workdir), which an arbitrary uid (Apptainer, Kubernetes) cannot write; the root filesystem may also be read-only.",
                location: facts.signalLocation(source, signal)))
        }
        return violations
    }

    /// Writable by any uid: under a writable mount, a sticky world-writable tmp, or mode o+w.
    private func writable(_ directory: String, _ facts: ImageFacts) -> Bool {
        let path = FileIndex.normalize(directory)
        for mount in [facts.mounts.scratch, facts.mounts.safeOutputs] where path == mount || path.hasPrefix(mount + "/") { return true }
        guard let entry = facts.files.resolve(path), entry.type == .dir else { return false }
        return entry.mode & 0o002 != 0
    }
}

/// TRE109: EXPOSE in an image whose start command is a batch job.
struct ExposeInBatchJobCheck: RuleCheck {
    let id = "TRE109"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        let ports = (facts.config.exposedPorts ?? [:]).keys.sorted()
        // A compiled start program may well be the server: only read code can show it is a batch job.
        guard !ports.isEmpty, facts.startupCodeFullyRead, facts.signals(.serves).isEmpty else { return [] }
        return [Violation(
            rule: id,
            message: "The image exposes \(listed(ports)) but its start-up code runs a batch job, not a server: the TRE gives containers no network, so the ports are never reachable.",
            location: facts.stepLocation("EXPOSE", field: "ExposedPorts"))]
    }
}
