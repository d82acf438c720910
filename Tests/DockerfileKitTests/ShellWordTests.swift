import DockerfileKit
import Testing

// Expectations follow the Dockerfile reference, "Environment replacement"
// (https://docs.docker.com/reference/dockerfile/#environment-replacement), and BuildKit's
// frontend/dockerfile/shell/envVarTest table, which lex.go is tested against.
struct ShellWordTests {
    let env = ["a": "A", "empty": "", "path": "/usr/local/bin:/usr/bin", "file": "archive.tar.gz"]

    @Test(arguments: [
        ("$a", "A"), ("${a}", "A"), ("x${a}y", "xAy"), ("$a$a", "AA"), ("$unset", ""), ("${unset}", ""),
        ("${a:-b}", "A"), ("${unset:-b}", "b"), ("${empty:-b}", "b"),
        ("${a-b}", "A"), ("${unset-b}", "b"), ("${empty-b}", ""),
        ("${a:+b}", "b"), ("${unset:+b}", ""), ("${empty:+b}", ""),
        ("${a+b}", "b"), ("${unset+b}", ""), ("${empty+b}", "b"),
        ("${unset:-$a}", "A"), ("${unset:-${a}x}", "Ax"),
        ("${file#*.}", "tar.gz"), ("${file##*.}", "gz"), ("${file%.*}", "archive.tar"), ("${file%%.*}", "archive"),
        ("${path/bin/sbin}", "/usr/local/sbin:/usr/bin"), ("${path//bin/sbin}", "/usr/local/sbin:/usr/sbin"),
        ("'$a'", "$a"), ("\"$a\"", "A"), ("\"'$a'\"", "'A'"), ("'\"$a\"'", "\"$a\""),
        ("\\$a", "$a"), ("\"\\$a\"", "$a"), ("\\\\", "\\"), ("a\\ b", "a b"), ("\"a\\b\"", "a\\b"),
        ("$", "$"), ("a$", "a$"), ("$1", ""), ("${a}_${unset}_", "A__"),
    ])
    func expandsLikeBuildKit(_ word: String, _ expected: String) throws {
        #expect(try ShellWord.expand(word, env: env) == expected)
    }

    @Test func backtickEscapeCharacter() throws {
        let lexer = ShellWord(escapeCharacter: "`")
        #expect(try lexer.expand("`$a", env: env) == "$a")
        #expect(try lexer.expand("C:\\path\\$a", env: env) == "C:\\path\\A")
    }

    @Test func splitsWordsAfterExpansionKeepingQuotedSpaces() throws {
        let lexer = ShellWord()
        #expect(try lexer.expandWords("a \"b c\" $spaced", env: ["spaced": "d  e"]) == ["a", "b c", "d", "e"])
        #expect(try lexer.expandWords("80 ${PORT:-8080}/tcp", env: [:]) == ["80", "8080/tcp"])
    }

    @Test func skipUnsetEnvKeepsUnknownReferences() throws {
        let lexer = ShellWord(skipUnsetEnv: true)
        #expect(try lexer.expand("/opt/bin:$PATH", env: [:]) == "/opt/bin:$PATH")
        #expect(try lexer.expand("${HOME:-/root}", env: [:]) == "${HOME:-/root}")
    }

    @Test(arguments: [
        ("${a", "unsupported modifier (\u{FFFD}) in substitution"), ("${a:-b", "syntax error: missing '}'"), ("${}", "syntax error: bad substitution"),
        ("${:a}", "syntax error: bad substitution"), ("'open", "unexpected end of statement while looking for matching single-quote"),
        ("\"open", "unexpected end of statement while looking for matching double-quote"),
        ("${unset:?must be set}", "unset: must be set"), ("${empty:?}", "empty: is not allowed to be empty"),
        ("${unset?}", "unset: is not allowed to be unset"), ("${a!b}", "unsupported modifier (!) in substitution"),
    ])
    func rejectsWhatBuildKitRejects(_ word: String, _ message: String) throws {
        let error = try #require(throws: ShellWordError.self) { try ShellWord.expand(word, env: env) }
        #expect(error.message.hasSuffix(message))
        #expect(error.message.hasPrefix("failed to process"))
    }
}
