public import Foundation
import DockerfileKit

/// The `parse` command's two renderings of a Dockerfile.
public enum DockerfileParseFormat: String, CaseIterable, Sendable {
    /// Human-readable: stages and instructions with their lines.
    case tty
    /// The BuildKit parser's instruction list, as the contract specifies.
    case json
}

/// Renders `tre-lint parse` output for a Dockerfile on disk.
public enum DockerfileParseReport {
    /// Parses the file and renders it; throws a one-line error (with the line number) when BuildKit would reject it.
    public static func render(contentsOf url: URL, format: DockerfileParseFormat) throws -> String {
        let dockerfile = try Dockerfile.parse(contentsOf: url)
        switch format {
        case .json: return dockerfile.buildKitJSON
        case .tty: return tty(dockerfile)
        }
    }

    static func tty(_ dockerfile: Dockerfile) -> String {
        var lines: [String] = []
        for directive in dockerfile.directives {
            lines.append("# \(directive.name)=\(directive.value)    (directive, line \(directive.line))")
        }
        let stageStarts = Dictionary(uniqueKeysWithValues: dockerfile.stages.map { ($0.from.startLine, $0) })
        let finalIndex = dockerfile.finalStage?.index
        for instruction in dockerfile.instructions {
            if let stage = stageStarts[instruction.startLine] {
                var header = "stage \(stage.index)"
                if let name = stage.name { header += " \"\(name)\"" }
                header += stage.baseStageIndex.map { ": from stage \($0)" } ?? ": from \(stage.resolvedBaseImage)"
                if stage.isPinnedByDigest { header += " (pinned)" }
                if stage.index == finalIndex { header += " (final)" }
                lines.append("")
                lines.append(header)
            }
            let span = instruction.startLine == instruction.endLine
                ? "\(instruction.startLine)" : "\(instruction.startLine)-\(instruction.endLine)"
            var text = instruction.cmd.uppercased()
            if let sub = instruction.subCmd { text += " " + sub.uppercased() }
            if !instruction.flags.isEmpty { text += " " + instruction.flags.joined(separator: " ") }
            if instruction.json {
                text += " [" + instruction.value.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
            } else if !instruction.value.isEmpty {
                text += " " + instruction.value.joined(separator: " ")
            }
            lines.append(span.padding(toLength: max(8, span.count + 1), withPad: " ", startingAt: 0) + text)
            for heredoc in instruction.heredocs {
                let bodyLines = heredoc.content.split(separator: "\n", omittingEmptySubsequences: false).count - 1
                lines.append("        <<\(heredoc.name) (fd \(heredoc.fileDescriptor), \(bodyLines) line\(bodyLines == 1 ? "" : "s"))")
            }
            for suppression in instruction.suppressions {
                lines.append("        ignores \(suppression.rules.joined(separator: ",")): \(suppression.reason)")
            }
        }
        return lines.drop { $0.isEmpty }.joined(separator: "\n") + "\n"
    }
}
