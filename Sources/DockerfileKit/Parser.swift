/// A port of BuildKit's Dockerfile parser (moby/buildkit `frontend/dockerfile/parser/parser.go`,
/// `line_parsers.go`, `split_command.go`, `directives.go`), producing what its AST holds per instruction.
enum DockerfileParser {
    struct Output {
        var directives: [Directive]
        var escapeCharacter: Character
        var instructions: [Instruction]
    }

    /// bufio.Scanner's limit: a line (with its newline) longer than this stops BuildKit's scanner.
    static let maxLineBytes = 64 * 1024

    static func parse(_ text: String) throws -> Output {
        var lines = PhysicalLines(text)
        var directiveState = DirectiveState()
        var instructions: [Instruction] = []
        var pendingComments: [(line: Int, text: String)] = []
        var currentLine = 0

        while let raw = try lines.next() {
            var physical = raw
            if currentLine == 0, physical.unicodeScalars.first == "\u{FEFF}" {
                physical = String(physical.unicodeScalars.dropFirst())
            }
            let trimmedPhysical = trimNewline(physical)
            let firstIsComment = trimLeadingWhitespace(trimmedPhysical).hasPrefix("#")
            currentLine += 1
            let processed = trimLeadingWhitespace(trimmedPhysical)
            try directiveState.consider(processed, line: currentLine)
            let withoutComment = processed.hasPrefix("#") ? "" : processed

            if firstIsComment {
                pendingComments.append((currentLine, String(trimLeadingWhitespace(trimmedPhysical).dropFirst())))
            } else if withoutComment.isEmpty {
                pendingComments.removeAll()
            }

            let startLine = currentLine
            var (line, isEndOfLine) = trimContinuation(withoutComment, escape: directiveState.escape)
            if isEndOfLine && line.isEmpty { continue }

            while !isEndOfLine, let next = try lines.next() {
                let nextTrimmed = trimNewline(next)
                currentLine += 1
                try directiveState.consider(nextTrimmed, line: currentLine)
                if trimLeadingWhitespace(nextTrimmed).hasPrefix("#") { continue }
                let continuation = nextTrimmed.hasPrefix("#") ? "" : nextTrimmed
                if trimLeadingWhitespace(continuation).isEmpty { continue }
                let (piece, end) = trimContinuation(continuation, escape: directiveState.escape)
                line += piece
                isEndOfLine = end
            }

            var node: Node
            do {
                node = try Node(line: line, escape: directiveState.escape)
            } catch let error as LineError {
                throw DockerfileError(line: startLine, error.message)
            }

            var heredocs: [Heredoc] = []
            if node.canContainHeredoc {
                let found: [Heredoc]
                do {
                    found = try heredocsFromLine(line)
                } catch let error as ShellWordError {
                    throw DockerfileError(line: startLine, error.message)
                }
                for var heredoc in found {
                    var terminated = false
                    while let body = try lines.next() {
                        currentLine += 1
                        var candidate = trimNewline(body)
                        if heredoc.chomp { candidate = String(candidate.drop { $0 == "\t" }) }
                        if candidate == heredoc.name {
                            terminated = true
                            break
                        }
                        heredoc.content += body
                    }
                    if !terminated { throw DockerfileError(line: startLine, "unterminated heredoc") }
                    heredocs.append(heredoc)
                }
            }

            var original = line
            if !heredocs.isEmpty {
                original += "\n" + heredocs.map { $0.content + $0.name + "\n" }.joined()
            }
            let suppressions = pendingComments.compactMap { Suppression.parse(comment: $0.text, line: $0.line) }
            pendingComments.removeAll()
            instructions.append(
                node.instruction(
                    original: original, startLine: startLine, endLine: currentLine, heredocs: heredocs,
                    suppressions: suppressions))
        }
        if let tooLong = lines.tooLongError {
            if instructions.isEmpty { throw DockerfileError(line: max(currentLine, 1), "file with no instructions") }
            throw DockerfileError(line: currentLine + 1, tooLong)
        }
        if instructions.isEmpty {
            throw DockerfileError(line: max(currentLine, 1), "file with no instructions")
        }
        return Output(
            directives: directiveState.directives, escapeCharacter: Character(directiveState.escape),
            instructions: instructions)
    }

    // MARK: line helpers (parser.go)

    /// `bytes.TrimRight(src, "\r\n")`.
    static func trimNewline(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars
        while let last = scalars.last, last == "\r" || last == "\n" { scalars.removeLast() }
        return String(scalars)
    }

    /// `bytes.TrimLeftFunc(src, unicode.IsSpace)`.
    static func trimLeadingWhitespace(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isGoSpace($0) }) else { return "" }
        if first == scalars.startIndex { return text }
        return String(scalars[first...])
    }

    /// `strings.TrimSpace`.
    static func trimSpace(_ text: Substring) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isGoSpace($0) }),
            let last = scalars.lastIndex(where: { !isGoSpace($0) })
        else { return "" }
        return Substring(scalars[first...last])
    }

    /// The line-continuation regex `([^E])E[ \t]*$|^E[ \t]*$`, replaced by `$1`.
    static func trimContinuation(_ line: String, escape: Unicode.Scalar) -> (String, Bool) {
        var scalars = Substring(line).unicodeScalars
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        guard let last = scalars.last, last == escape else { return (line, true) }
        scalars.removeLast()
        if let before = scalars.last, before == escape { return (line, true) }
        return (String(scalars), false)
    }

    // MARK: heredocs

    static func heredocsFromLine(_ line: String) throws -> [Heredoc] {
        let lexer = ShellWord(escapeCharacter: "\\", rawQuotes: true, rawEscapes: true, skipUnsetEnv: true)
        guard let words = try? lexer.expandWords(line, env: [:]) else { return [] }
        var docs: [Heredoc] = []
        for word in words {
            if let heredoc = try parseHeredoc(word) { docs.append(heredoc) }
        }
        return docs
    }

    /// `reHeredoc = ^(\d*)<<(-?)([^<]*)$` and `heredocFromMatch`.
    static func parseHeredoc(_ word: String) throws -> Heredoc? {
        let scalars = Array(word.unicodeScalars)
        var index = 0
        while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
        let digits = String(String.UnicodeScalarView(scalars[0..<index]))
        guard index + 1 < scalars.count, scalars[index] == "<", scalars[index + 1] == "<" else { return nil }
        index += 2
        var chomp = false
        if index < scalars.count, scalars[index] == "-" {
            chomp = true
            index += 1
        }
        let rest = scalars[index...]
        if rest.contains("<") || rest.isEmpty { return nil }
        let restText = String(String.UnicodeScalarView(rest))
        let fileDescriptor = digits.isEmpty ? 0 : Int(digits) ?? Int.max

        let words = try ShellWord(escapeCharacter: "\\", skipUnsetEnv: true).expandWords(restText, env: [:])
        guard words.count == 1 else { return nil }
        let rawWords = try ShellWord(escapeCharacter: "\\", rawQuotes: true, skipUnsetEnv: true)
            .expandWords(restText, env: [:])
        guard rawWords.count == words.count else {
            throw ShellWordError(
                message: "internal lexing of heredoc produced inconsistent results: \(restText)")
        }
        let quotes = { (text: String) in text.unicodeScalars.filter { $0 == "'" || $0 == "\"" }.count }
        return Heredoc(
            name: words[0], fileDescriptor: fileDescriptor, content: "",
            expand: quotes(words[0]) == quotes(rawWords[0]), chomp: chomp)
    }
}

/// An error raised while splitting one instruction line.
struct LineError: Error {
    var message: String
}

/// The text split into lines with their endings, as BuildKit's `scanLines` does, with bufio's size limit.
struct PhysicalLines {
    private let text: String
    private var position: String.Index
    private(set) var tooLongError: String?

    init(_ text: String) {
        self.text = text
        self.position = text.startIndex
    }

    mutating func next() throws -> String? {
        guard tooLongError == nil, position < text.endIndex else { return nil }
        let utf8 = text.utf8
        let start = position
        let newline = utf8[start...].firstIndex(of: UInt8(ascii: "\n"))
        let end = newline.map { utf8.index(after: $0) } ?? utf8.endIndex
        let length = utf8.distance(from: start, to: end)
        if length > DockerfileParser.maxLineBytes || (newline == nil && length >= DockerfileParser.maxLineBytes) {
            tooLongError = "dockerfile line greater than max allowed size of \(DockerfileParser.maxLineBytes - 1)"
            return nil
        }
        position = end
        return String(text[start..<end])
    }
}

/// Parser directives (`# syntax=`, `# escape=`, `# check=`) at the top of the file, as current BuildKit reads them.
struct DirectiveState {
    static let valid: Set<String> = ["syntax", "escape", "check"]
    private(set) var escape: Unicode.Scalar = "\\"
    private(set) var directives: [Directive] = []
    private var done = false

    mutating func consider(_ line: String, line number: Int) throws {
        guard !done else { return }
        guard let (name, value) = Self.match(line) else {
            done = true
            return
        }
        let key = name.lowercased()
        guard Self.valid.contains(key) else {
            done = true
            return
        }
        if directives.contains(where: { $0.name == key }) {
            throw DockerfileError(line: number, "only one \(key) parser directive can be used")
        }
        if key == "escape" {
            guard value == "`" || value == "\\", let scalar = value.unicodeScalars.first else {
                throw DockerfileError(line: number, "invalid escape token '\(value)' does not match ` or \\")
            }
            escape = scalar
        }
        directives.append(Directive(name: key, value: value, line: number))
    }

    /// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`, with RE2's `\s` = `[\t\n\f\r ]`.
    static func match(_ line: String) -> (String, String)? {
        let scalars = Array(line.unicodeScalars)
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\u{0C}" || scalar == "\r"
        }
        func isLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        var index = 0
        guard index < scalars.count, scalars[index] == "#" else { return nil }
        index += 1
        while index < scalars.count, isSpace(scalars[index]) { index += 1 }
        let nameStart = index
        guard index < scalars.count, isLetter(scalars[index]) else { return nil }
        while index < scalars.count, isLetter(scalars[index]) || ("0"..."9").contains(scalars[index]) { index += 1 }
        let name = String(String.UnicodeScalarView(scalars[nameStart..<index]))
        while index < scalars.count, isSpace(scalars[index]) { index += 1 }
        guard index < scalars.count, scalars[index] == "=" else { return nil }
        index += 1
        while index < scalars.count, isSpace(scalars[index]) { index += 1 }
        var end = scalars.count
        while end > index, isSpace(scalars[end - 1]) { end -= 1 }
        guard end > index, !scalars[index..<end].contains("\n") else { return nil }
        return (name, String(String.UnicodeScalarView(scalars[index..<end])))
    }
}

extension Suppression {
    /// Reads `tre-lint ignore=TRE105,TRE204 reason` from a comment's text (after the `#`).
    static func parse(comment: String, line: Int) -> Suppression? {
        let text = comment.drop { $0 == " " || $0 == "\t" }
        guard text.hasPrefix("tre-lint") else { return nil }
        let afterTool = text.dropFirst("tre-lint".count).drop { $0 == " " || $0 == "\t" || $0 == ":" }
        guard afterTool.hasPrefix("ignore=") else { return nil }
        let list = afterTool.dropFirst("ignore=".count)
        let ruleText = list.prefix { $0 != " " && $0 != "\t" }
        var reason = list.dropFirst(ruleText.count)
        while let first = reason.first, first == " " || first == "\t" { reason.removeFirst() }
        while let last = reason.last, last == " " || last == "\t" { reason.removeLast() }
        let rules = ruleText.split(separator: ",").map { String($0).uppercased() }.filter { !$0.isEmpty }
        guard !rules.isEmpty else { return nil }
        return Suppression(rules: rules, reason: String(reason), line: line)
    }
}

