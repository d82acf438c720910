/// One parsed instruction line before heredocs are attached: BuildKit's `Node` with its `Next` chain flattened.
struct Node {
    var command: String
    var flags: [String]
    var values: [String]
    var json: Bool
    /// For ONBUILD: the wrapped instruction (nil for a bare `ONBUILD`).
    var sub: SubNode?

    /// The instruction an ONBUILD wraps.
    struct SubNode {
        var command: String
        var flags: [String]
        var values: [String]
        var json: Bool
    }

    static let heredocCommands: Set<String> = ["add", "copy", "run"]

    init(line: String, escape: Unicode.Scalar) throws {
        let (command, flags, arguments) = splitCommand(line)
        self.command = command
        self.flags = flags
        let lower = command.lowercased()
        if lower == "onbuild" {
            json = false
            values = []
            sub = arguments.isEmpty ? nil : try Self.onbuildSubNode(arguments, escape: escape)
            return
        }
        sub = nil
        (values, json) = try Self.dispatch(lower, arguments: arguments, escape: escape)
    }

    /// The instruction ONBUILD wraps. BuildKit nests `ONBUILD ONBUILD …` recursively; here deeper levels are
    /// walked in a loop (they only matter for the errors they raise), so a hostile line cannot exhaust the stack.
    private static func onbuildSubNode(_ arguments: String, escape: Unicode.Scalar) throws -> SubNode {
        let (command, flags, rest) = splitCommand(arguments)
        guard command.lowercased() == "onbuild" else {
            let (values, json) = try dispatch(command.lowercased(), arguments: rest, escape: escape)
            return SubNode(command: command, flags: flags, values: values, json: json)
        }
        var deeper = Substring(rest)
        while !deeper.isEmpty {
            let (innerCommand, _, innerRest) = splitCommand(deeper)
            guard innerCommand.lowercased() == "onbuild" else {
                _ = try dispatch(innerCommand.lowercased(), arguments: String(innerRest), escape: escape)
                break
            }
            deeper = innerRest
        }
        // The wrapped ONBUILD's own chain is a single node holding children: one empty value, none without argument.
        return SubNode(command: command, flags: flags, values: rest.isEmpty ? [] : [""], json: false)
    }

    var canContainHeredoc: Bool {
        if command.lowercased() == "onbuild" {
            guard let sub else { return false }
            return Self.heredocCommands.contains(sub.command.lowercased()) && !sub.json
        }
        return Self.heredocCommands.contains(command.lowercased()) && !json
    }

    func instruction(
        original: String, startLine: Int, endLine: Int, heredocs: [Heredoc], suppressions: [Suppression]
    ) -> Instruction {
        if let sub {
            return Instruction(
                cmd: command, subCmd: sub.command, json: sub.json, original: original, startLine: startLine,
                endLine: endLine, flags: flags + sub.flags, value: sub.values, heredocs: heredocs,
                suppressions: suppressions)
        }
        return Instruction(
            cmd: command, subCmd: nil, json: json, original: original, startLine: startLine, endLine: endLine,
            flags: flags, value: values, heredocs: heredocs, suppressions: suppressions)
    }

    /// The dispatch table of parser.go: which line parser each instruction uses.
    static func dispatch(_ command: String, arguments: String, escape: Unicode.Scalar) throws -> ([String], Bool) {
        switch command {
        case "add", "copy", "volume":
            if let words = try parseJSON(arguments) { return (words, true) }
            return (splitWhitespace(arguments), false)
        case "cmd", "entrypoint", "run", "shell":
            return try parseMaybeJSON(arguments)
        case "arg":
            return (parseWords(arguments, escape: escape), false)
        case "env", "label":
            return (try parseNameValue(arguments, key: command == "env" ? "ENV" : "LABEL", escape: escape), false)
        case "expose", "from":
            return (splitWhitespace(arguments), false)
        case "healthcheck":
            return try parseHealthConfig(arguments)
        case "maintainer", "stopsignal", "user", "workdir":
            return (arguments.isEmpty ? [] : [arguments], false)
        default:
            // parseIgnore: unknown instructions keep one empty node.
            return ([""], false)
        }
    }

    static func parseMaybeJSON(_ arguments: String) throws -> ([String], Bool) {
        if arguments.isEmpty { return ([], false) }
        if let words = try parseJSON(arguments) { return (words, true) }
        return ([arguments], false)
    }

    /// `parseJSON`: a JSON array of strings (trailing text ignored, as `json.Decoder` does), nil when not JSON.
    static func parseJSON(_ arguments: String) throws -> [String]? {
        let trimmed = DockerfileParser.trimLeadingWhitespace(arguments)
        guard trimmed.hasPrefix("[") else { return nil }
        switch JSONArrayReader.read(trimmed) {
        case .strings(let words): return words
        case .notStrings: throw LineError(message: "when using JSON array syntax, arrays must be comprised of strings only")
        case .invalid: return nil
        }
    }

    static func parseHealthConfig(_ arguments: String) throws -> ([String], Bool) {
        // BuildKit scans bytes with unicode.IsSpace(rune(byte)), so 0x85 and 0xA0 bytes also separate.
        let bytes = Array(arguments.utf8)
        func isSpaceByte(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x09...0x0D, 0x20, 0x85, 0xA0: return true
            default: return false
            }
        }
        var separator = 0
        while separator < bytes.count, !isSpaceByte(bytes[separator]) { separator += 1 }
        var next = separator
        while next < bytes.count, isSpaceByte(bytes[next]) { next += 1 }
        if separator == 0 { return ([], false) }
        let kind = String(decoding: bytes[0..<separator], as: UTF8.self)
        let (command, json) = try parseMaybeJSON(String(decoding: bytes[next...], as: UTF8.self))
        return ([kind] + command, json)
    }

    /// `parseStringsWhitespaceDelimited`: `regexp.Split(rest, -1)` on `[\t\v\f\r ]+`.
    static func splitWhitespace(_ arguments: String) -> [String] {
        if arguments.isEmpty { return [] }
        var words: [String] = []
        var current = String.UnicodeScalarView()
        var inSeparator = false
        for scalar in arguments.unicodeScalars {
            if isRegexWhitespace(scalar) {
                if !inSeparator {
                    words.append(String(current))
                    current = String.UnicodeScalarView()
                    inSeparator = true
                }
            } else {
                inSeparator = false
                current.append(scalar)
            }
        }
        words.append(String(current))
        return words
    }

    static func isRegexWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\u{0B}" || scalar == "\u{0C}" || scalar == "\r"
    }

    /// `parseWords`: words split on whitespace, quotes and escapes kept for later processing.
    static func parseWords(_ rest: String, escape: Unicode.Scalar) -> [String] {
        enum Phase { case spaces, word, quote }
        var words: [String] = []
        var phase = Phase.spaces
        var quote: Unicode.Scalar = "\0"
        var blankOK = false
        var builder = String.UnicodeScalarView()
        let scalars = Array(rest.unicodeScalars)
        var position = 0
        while position <= scalars.count {
            let atEnd = position == scalars.count
            var character: Unicode.Scalar = atEnd ? "\0" : scalars[position]
            if phase == .spaces {
                if atEnd { break }
                if isGoSpace(character) {
                    position += 1
                    continue
                }
                phase = .word
            }
            if (phase == .word || phase == .quote) && atEnd {
                if blankOK || !builder.isEmpty { words.append(String(builder)) }
                break
            }
            if phase == .word {
                if isGoSpace(character) {
                    phase = .spaces
                    if blankOK || !builder.isEmpty { words.append(String(builder)) }
                    builder = String.UnicodeScalarView()
                    blankOK = false
                    position += 1
                    continue
                }
                if character == "'" || character == "\"" {
                    quote = character
                    blankOK = true
                    phase = .quote
                }
                if character == escape {
                    if position + 1 == scalars.count {
                        position += 1
                        continue
                    }
                    builder.append(character)
                    position += 1
                    character = scalars[position]
                }
                builder.append(character)
                position += 1
                continue
            }
            // phase == .quote
            if character == quote { phase = .word }
            if character == escape && quote != "'" {
                if position + 1 == scalars.count {
                    phase = .word
                    position += 1
                    continue
                }
                position += 1
                builder.append(character)
                character = scalars[position]
            }
            builder.append(character)
            position += 1
        }
        return words
    }

    /// `parseNameVal`: `KEY name value` (old form) or `KEY a=b c=d`, flattened to key, value, key, value….
    static func parseNameValue(_ rest: String, key: String, escape: Unicode.Scalar) throws -> [String] {
        let words = parseWords(rest, escape: escape)
        guard let first = words.first else { return [] }
        if !first.contains("=") {
            let scalars = rest.unicodeScalars
            guard let separatorStart = scalars.firstIndex(where: isRegexWhitespace) else {
                throw LineError(message: "\(key) must have two arguments")
            }
            var valueStart = separatorStart
            while valueStart < scalars.endIndex, isRegexWhitespace(scalars[valueStart]) {
                valueStart = scalars.index(after: valueStart)
            }
            return [String(scalars[..<separatorStart]), String(scalars[valueStart...])]
        }
        var values: [String] = []
        for word in words {
            guard let equals = word.firstIndex(of: "=") else {
                throw LineError(
                    message: "Syntax error - can't find = in \(goQuoted(word)). Must be of the form: name=value")
            }
            values.append(String(word[..<equals]))
            values.append(String(word[word.index(after: equals)...]))
        }
        return values
    }
}

/// `splitCommand`: the keyword, the leading `--flags`, and the rest of the line.
func splitCommand(_ line: String) -> (String, [String], String) {
    let (command, flags, arguments) = splitCommand(Substring(line))
    return (String(command), flags, String(arguments))
}

/// `splitCommand` on a slice, returning slices so nested ONBUILDs are walked without copying the line.
func splitCommand(_ line: Substring) -> (Substring, [String], Substring) {
    let trimmed = DockerfileParser.trimSpace(line)
    let scalars = trimmed.unicodeScalars
    guard let separator = scalars.firstIndex(where: Node.isRegexWhitespace) else {
        return (trimmed, [], "")
    }
    var argumentStart = separator
    while argumentStart < scalars.endIndex, Node.isRegexWhitespace(scalars[argumentStart]) {
        argumentStart = scalars.index(after: argumentStart)
    }
    let (arguments, flags) = extractBuilderFlags(Substring(scalars[argumentStart...]))
    return (Substring(scalars[..<separator]), flags, DockerfileParser.trimSpace(arguments))
}

/// `extractBuilderFlags`: leading words starting with `--`, quotes and `\` processed, up to the first other word.
func extractBuilderFlags(_ line: Substring) -> (Substring, [String]) {
    enum Phase { case spaces, word, quote }
    let scalars = line.unicodeScalars
    let end = scalars.endIndex
    var words: [String] = []
    var phase = Phase.spaces
    var word = String.UnicodeScalarView()
    var quote: Unicode.Scalar = "\0"
    var blankOK = false
    var position = scalars.startIndex
    func isLast(_ index: String.UnicodeScalarView.Index) -> Bool { scalars.index(after: index) == end }
    while true {
        let atEnd = position == end
        var character: Unicode.Scalar = atEnd ? "\0" : scalars[position]
        if phase == .spaces {
            if atEnd { break }
            if isGoSpace(character) {
                position = scalars.index(after: position)
                continue
            }
            if character != "-" || isLast(position) || scalars[scalars.index(after: position)] != "-" {
                return (Substring(scalars[position...]), words)
            }
            phase = .word
        }
        if (phase == .word || phase == .quote) && atEnd {
            if String(word) != "--" && (blankOK || !word.isEmpty) { words.append(String(word)) }
            break
        }
        if phase == .word {
            if isGoSpace(character) {
                phase = .spaces
                if String(word) == "--" { return (Substring(scalars[position...]), words) }
                if blankOK || !word.isEmpty { words.append(String(word)) }
                word = String.UnicodeScalarView()
                blankOK = false
                position = scalars.index(after: position)
                continue
            }
            if character == "'" || character == "\"" {
                quote = character
                blankOK = true
                phase = .quote
                position = scalars.index(after: position)
                continue
            }
            if character == "\\" {
                if isLast(position) {
                    position = scalars.index(after: position)
                    continue
                }
                position = scalars.index(after: position)
                character = scalars[position]
            }
            word.append(character)
            position = scalars.index(after: position)
            continue
        }
        // phase == .quote
        if character == quote {
            phase = .word
            position = scalars.index(after: position)
            continue
        }
        if character == "\\" {
            if isLast(position) {
                phase = .word
                position = scalars.index(after: position)
                continue
            }
            position = scalars.index(after: position)
            character = scalars[position]
        }
        word.append(character)
        position = scalars.index(after: position)
    }
    return ("", words)
}
