import DockerfileKit
import Foundation
import Testing

/// The corpus lives beside this file; expectations come from scripts/parser-oracle.py (BuildKit v0.12.5's parser)
/// or, under Corpus/current, are hand-checked where current BuildKit differs from it.
enum Corpus {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static func files(in folder: String) -> [String] {
        let url = directory.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(".Dockerfile") }.map { "\(folder)/\($0)" }.sorted()
    }

    static func sibling(_ file: String, _ suffix: String) -> URL {
        directory.appendingPathComponent(String(file.dropLast(".Dockerfile".count)) + suffix)
    }
}

@Test func corpusIsLargeEnough() {
    #expect(Corpus.files(in: "oracle").count >= 150)
    #expect(Corpus.files(in: "current").count >= 3)
}

@Test(arguments: Corpus.files(in: "oracle") + Corpus.files(in: "current"))
func parseMatchesReference(_ file: String) throws {
    let source = Corpus.directory.appendingPathComponent(file)
    let expectedJSON = Corpus.sibling(file, ".json")
    if FileManager.default.fileExists(atPath: expectedJSON.path) {
        let expected = try String(contentsOf: expectedJSON, encoding: .utf8)
        let parsed = try Dockerfile.parse(contentsOf: source)
        #expect(parsed.buildKitJSON == expected)
    } else {
        let expectedError = try String(contentsOf: Corpus.sibling(file, ".error"), encoding: .utf8)
            .trimmingCharacters(in: .newlines)
        let error = try #require(throws: DockerfileError.self) { try Dockerfile.parse(contentsOf: source) }
        #expect(error.message == expectedError)
        #expect(error.line != nil)
        #expect(error.description.hasPrefix("Dockerfile line "))
    }
}

@Test func rejectionNamesTheInstructionLine() throws {
    let error = try #require(throws: DockerfileError.self) {
        try Dockerfile(parsing: "FROM a\nRUN ok\n\nCOPY <<EOF /x\nbody\n")
    }
    #expect(error.line == 4)
    #expect(error.description == "Dockerfile line 4: unterminated heredoc")
}

@Test func overlongLineIsRejectedLikeBufioScanner() throws {
    let long = "FROM a\nRUN " + String(repeating: "x", count: 70_000) + "\n"
    let error = try #require(throws: DockerfileError.self) { try Dockerfile(parsing: long) }
    #expect(error.message == "dockerfile line greater than max allowed size of 65535")
    #expect(error.line == 2)
}

@Test func suppressionsStayWithTheFollowingInstruction() throws {
    let dockerfile = try Dockerfile(
        parsing: """
            FROM python:3.12
            # tre-lint ignore=TRE105,tre204 fetched at build time on purpose
            RUN pip install requests
            # tre-lint ignore=TRE301

            USER root
            # an ordinary comment
            # tre-lint ignore=TRE401 reason two
            CMD ["python"]
            """)
    let run = dockerfile.instructions[1]
    #expect(run.suppressions == [Suppression(rules: ["TRE105", "TRE204"], reason: "fetched at build time on purpose", line: 2)])
    #expect(dockerfile.instructions[2].suppressions.isEmpty)
    #expect(dockerfile.instructions[3].suppressions == [Suppression(rules: ["TRE401"], reason: "reason two", line: 8)])
}

@Test func directivesAreRecorded() throws {
    let dockerfile = try Dockerfile(parsing: "# syntax=docker/dockerfile:1\n# check=error=true\n# escape=`\nFROM a\nRUN a `\n b\n")
    #expect(dockerfile.directives.map(\.name) == ["syntax", "check", "escape"])
    #expect(dockerfile.directive("syntax")?.value == "docker/dockerfile:1")
    #expect(dockerfile.escapeCharacter == "`")
    #expect(dockerfile.instructions[1].value == ["a  b"])
}

@Test func hostileNestingDoesNotExhaustTheStack() throws {
    let onbuilds = String(repeating: "ONBUILD ", count: 8000) + "RUN x\n"
    let nested = try Dockerfile(parsing: onbuilds)
    #expect(nested.instructions.first?.subCmd == "ONBUILD")

    let substitutions = "ARG a=" + String(repeating: "${a:-", count: 10_000) + "x" + String(repeating: "}", count: 10_000)
    let dockerfile = try Dockerfile(parsing: "\(substitutions)\nFROM base:$a\nRUN echo \(substitutions.dropFirst(6))\n")
    // Expansion that nests too deep is refused, so the ARG keeps its default as written.
    let resolved = dockerfile.finalStage?.resolvedBaseImage ?? ""
    #expect(resolved == "base:" + substitutions.dropFirst("ARG a=".count))
    #expect(throws: ShellWordError.self) { try ShellWord.expand(String(substitutions.dropFirst(6)), env: [:]) }
}

@Test func unreadablePathsGiveOneClearLine() throws {
    let missing = try #require(throws: DockerfileError.self) {
        try Dockerfile.parse(contentsOf: URL(fileURLWithPath: "/nonexistent/Dockerfile"))
    }
    #expect(missing.description == "Dockerfile: /nonexistent/Dockerfile does not exist")
    let directory = try #require(throws: DockerfileError.self) { try Dockerfile.parse(contentsOf: Corpus.directory) }
    #expect(directory.description.hasSuffix("is a directory, not a Dockerfile"))
}
