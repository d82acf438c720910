import TRECore
public import Facts

/// What every static check reads: the image's facts and the user's configuration.
public struct StaticCheckContext: Sendable {
    public var facts: ImageFacts
    public var configuration: Configuration

    public init(facts: ImageFacts, configuration: Configuration) {
        self.facts = facts; self.configuration = configuration
    }
}

/// The checks of the static rules TRE101–TRE508.
public enum StaticChecks {
    public static let all: [any RuleCheck<StaticCheckContext>] = [
        PlatformCheck(), NoStartCommandCheck(), StartProgramMissingCheck(), StartProgramNotRunnableCheck(),
        ShellFormEntrypointCheck(), InteractiveShellCheck(), NonRootUserCheck(), UnwritableHomeCheck(), ExposeInBatchJobCheck(),
        MissingMountPointCheck(), ContentUnderMountCheck(), VolumeCheck(), HardCodedInputCheck(), NoInputListCheck(),
        NoOutputsCheck(), TempDirectoryCheck(), DataInImageCheck(),
        RuntimeInstallCheck(), RuntimeDownloadCheck(), HuggingFaceOfflineCheck(), LicenseServerCheck(), ProxyVariableCheck(),
        NetworkHealthcheckCheck(),
        OldCUDACheck(), CUDAMismatchCheck(), CUDADriverCheck(),
        RegistryCheck(), SourceLabelsCheck(), UnpinnedBaseCheck(), SecretFileCheck(), SecretConfigCheck(), SetuidCheck(),
        SizeBudgetCheck(), WastedSpaceCheck(),
    ]

    /// The registry the engine runs for `check`.
    public static var registry: RuleRegistry<StaticCheckContext> { RuleRegistry(all) }
}

extension ImageFacts {
    /// The location of the last Dockerfile step with this keyword, else the config field.
    func stepLocation(_ cmd: String, field: String, where predicate: (BuildStep) -> Bool = { _ in true }) -> Location {
        build.location(of: build.last(cmd, where: predicate), orConfigField: field)
    }

    /// The location of the step that sets an environment variable, else the config's `Env`.
    func envLocation(_ name: String) -> Location {
        build.location(of: build.lastSetting(name), orConfigField: "Env")
    }

    /// Where the start command is set: the ENTRYPOINT (or CMD) step, else the config field.
    var commandLocation: Location {
        command.entrypoint.isEmpty ? stepLocation("CMD", field: "Cmd") : stepLocation("ENTRYPOINT", field: "Entrypoint")
    }

    /// Where a start-up code signal was seen.
    func signalLocation(_ source: StartupSource, _ signal: CodeSignal) -> Location {
        location(of: source, signal)
    }

    /// How a start-up code signal is named in a message: `/app/main.py line 2`, or the command line.
    func describe(_ source: StartupSource, _ signal: CodeSignal) -> String {
        switch source.origin {
        case .file(let path, _): "\(path) line \(signal.line)"
        case .commandLine: "the start command"
        case .inline: "the start command's inline code"
        }
    }
}

/// Violations for each signal of a kind, one per place.
func signalViolations(
    _ context: StaticCheckContext, rule: String, kind: SignalKind, message: (String, CodeSignal) -> String
) -> [Violation] {
    let facts = context.facts
    return facts.signals(kind).map { source, signal in
        Violation(rule: rule, message: message(facts.describe(source, signal), signal), location: facts.signalLocation(source, signal))
    }
}

/// Shortens a list for a message: the first few, then how many more.
func listed(_ items: [String], limit: Int = 5) -> String {
    let shown = items.prefix(limit).joined(separator: ", ")
    return items.count > limit ? "\(shown) and \(items.count - limit) more" : shown
}
