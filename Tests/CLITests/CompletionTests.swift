import ArgumentParser
import Foundation
import Testing
@testable import TRELintCLI

/// The shell completion scripts come from the argument parser, so they follow the commands as they are added.
@Suite struct CompletionTests {
    static let subcommands = TRELintCommand.configuration.subcommands.compactMap { $0.configuration.commandName }

    @Test(arguments: [CompletionShell.bash, .zsh, .fish])
    func completionScriptsGenerateAndMentionEverySubcommand(shell: CompletionShell) {
        let script = TRELintCommand.completionScript(for: shell)
        #expect(Self.subcommands.count == TRELintCommand.configuration.subcommands.count)
        #expect(Self.subcommands.contains("check") && Self.subcommands.contains("inspect"))
        for name in Self.subcommands {
            #expect(script.contains(name), "\(shell) completion lacks \(name)")
        }
        for option in ["--fail-on", "--dockerfile", "--quiet", "--format"] {
            #expect(script.contains(option.dropFirst(2)), "\(shell) completion lacks \(option)")
        }
    }
}
