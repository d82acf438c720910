import ArgumentParser
import Foundation
import TRELint

@main
struct TRELintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tre-lint",
        abstract: "Will this container image run inside a Trusted Research Environment?",
        discussion: """
            Exit codes: 0 no finding at or above --fail-on; 1 at least one such finding; \
            2 the input or configuration could not be used; 64 command-line usage error.
            """,
        version: TRELintVersion.current,
        subcommands: [
            CheckCommand.self, InspectCommand.self, ParseCommand.self, RunCommand.self,
            RulesCommand.self, ExplainCommand.self, DiffCommand.self, InitCommand.self, ReportCommand.self,
        ]
    )
}

/// Runs a command body and turns a failure into the contract's exit 2 with one line on stderr.
func reportingInputErrors(_ body: () throws -> Int32) throws {
    let code: Int32
    do {
        code = try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let line = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("tre-lint: error: \(line)\n".utf8))
        throw ExitCode(2)
    }
    if code != 0 { throw ExitCode(code) }
}
