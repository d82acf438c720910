public import ArgumentParser
import Foundation
public import TRELint

extension DockerfileParseFormat: ExpressibleByArgument {}

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse a Dockerfile exactly as BuildKit does and print its instructions."
    )

    @Argument(help: "The Dockerfile to parse.")
    var dockerfile: String

    @Option(help: "Output format: tty or json (BuildKit's instruction list).")
    var format: DockerfileParseFormat = .tty

    func run() throws {
        try reportingInputErrors {
            let output = try DockerfileParseReport.render(
                contentsOf: URL(fileURLWithPath: dockerfile), format: format)
            FileHandle.standardOutput.write(Data(output.utf8))
            return 0
        }
    }
}
