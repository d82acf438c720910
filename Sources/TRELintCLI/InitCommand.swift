public import ArgumentParser
import Foundation
public import TRELint

extension ProjectLanguage: ExpressibleByArgument {}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Start a project whose image a TRE can run: Dockerfile, entrypoint, input list, .tre-lint.yaml, safe_data/ and a GitHub workflow.",
        discussion: """
            The files pass `tre-lint check` as written. Existing files are never overwritten (exit 2, nothing written) \
            unless --force is given.
            """
    )

    @Argument(help: "The project folder (created when missing).")
    var directory: String = "."

    @Option(help: "The analysis language: \(ProjectLanguage.allCases.map(\.rawValue).joined(separator: ", ")).")
    var lang: ProjectLanguage = .python

    @Option(help: "The tre-lint action the workflow uses, as `uses:` names it.")
    var action: String = ProjectTemplate.defaultAction

    @Flag(help: "Overwrite files that already exist.")
    var force = false

    func validate() throws {
        // The value goes into the workflow's YAML as it is: only what `uses:` can name, nothing that could break the file.
        guard action.wholeMatch(of: #/\./[\w./-]*|[\w.-]+/[\w./-]+@[\w./-]+/#) != nil else {
            throw ValidationError("--action must be OWNER/REPO@REF or ./PATH, not '\(action)'")
        }
    }

    func run() throws {
        try reportingInputErrors {
            let files = ProjectTemplate.files(for: lang, action: action)
            let written = try ProjectTemplate.write(files, into: URL(fileURLWithPath: directory), force: force)
            for path in written { print("wrote \(path)") }
            return 0
        }
    }
}
