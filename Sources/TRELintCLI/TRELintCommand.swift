import ArgumentParser
import TRELint

@main
struct TRELintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tre-lint",
        abstract: "Will this container image run inside a Trusted Research Environment?",
        version: TRELintVersion.current
    )
}
