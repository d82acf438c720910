import Foundation

/// BuildKit's shell-word processing: quote removal and `$var` expansion as Dockerfile instructions apply it.
///
/// A port of moby/buildkit `frontend/dockerfile/shell/lex.go` (`Lex.ProcessWord`/`ProcessWords`):
/// `$a`, `${a}`, `${a:-b}`, `${a-b}`, `${a:+b}`, `${a+b}`, `${a:?msg}`, `${a?msg}`, `${a#p}`, `${a##p}`,
/// `${a%p}`, `${a%%p}`, `${a/p/r}`, `${a//p/r}`, single and double quotes, and the escape character.
public struct ShellWord: Sendable {
    /// The escape character (`\` unless the Dockerfile's `# escape=` directive says otherwise).
    public var escapeCharacter: Character
    /// Keep quote characters in the result (BuildKit sets this for ENV/LABEL/ARG values before a second pass).
    public var rawQuotes: Bool
    /// Keep escape characters in the result.
    public var rawEscapes: Bool
    /// Treat quotes as ordinary characters (BuildKit's RUN shell form does this for heredoc bodies).
    public var skipProcessQuotes: Bool
    /// Leave references to unset variables as written instead of expanding them to "".
    public var skipUnsetEnv: Bool

    public init(
        escapeCharacter: Character = "\\", rawQuotes: Bool = false, rawEscapes: Bool = false,
        skipProcessQuotes: Bool = false, skipUnsetEnv: Bool = false
    ) {
        self.escapeCharacter = escapeCharacter
        self.rawQuotes = rawQuotes
        self.rawEscapes = rawEscapes
        self.skipProcessQuotes = skipProcessQuotes
        self.skipUnsetEnv = skipUnsetEnv
    }

    /// Expands `word` against `env`, removing quotes, as BuildKit's `ProcessWord` does.
    public func expand(_ word: String, env: [String: String]) throws -> String {
        try process(word, env: env).result
    }

    /// Expands `word` and splits the result into words on unquoted whitespace (`ProcessWords`).
    public func expandWords(_ word: String, env: [String: String]) throws -> [String] {
        try process(word, env: env).words
    }

    /// Expands with the default escape character; see `expand(_:env:)`.
    public static func expand(_ word: String, env: [String: String], escape: Character = "\\") throws -> String {
        try ShellWord(escapeCharacter: escape).expand(word, env: env)
    }

    /// The names of the variables `word` refers to that `env` does not define.
    public func unmatchedVariables(in word: String, env: [String: String]) throws -> Set<String> {
        try process(word, env: env).unmatched
    }

    private func process(_ word: String, env: [String: String]) throws -> WordScanner.Result {
        var scanner = WordScanner(word: word, env: env, options: self)
        do {
            return try scanner.run()
        } catch let error as ShellWordError {
            throw ShellWordError(message: "failed to process \(goQuoted(word)): \(error.message)")
        }
    }
}

/// A failure to expand a shell word (unterminated quote, bad `${…}`, `${a:?}` on an unset variable).
public struct ShellWordError: Error, CustomStringConvertible, Sendable, Equatable {
    /// BuildKit's message for the failure.
    public var message: String
    public var description: String { message }
}

/// Go's `%q` rendering (`strconv.Quote`), used in BuildKit's error messages.
func goQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        default:
            if scalar == " " || isGoGraphic(scalar) {
                out.unicodeScalars.append(scalar)
            } else if scalar.value < 0x80 {
                out += "\\x" + hexDigits(scalar.value, width: 2)
            } else if scalar.value < 0x10000 {
                out += "\\u" + hexDigits(scalar.value, width: 4)
            } else {
                out += "\\U" + hexDigits(scalar.value, width: 8)
            }
        }
    }
    return out + "\""
}

/// Go's `unicode.IsGraphic` less the spaces: letters, marks, numbers, punctuation and symbols.
private func isGoGraphic(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
        .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
        .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return true
    default:
        return false
    }
}

private func hexDigits(_ value: UInt32, width: Int) -> String {
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - hex.count)) + hex
}

private struct WordScanner {
    struct Result {
        var result: String
        var words: [String]
        var unmatched: Set<String>
    }

    private let scalars: [Unicode.Scalar]
    private var position = 0
    private let env: [String: String]
    private let options: ShellWord
    private let escape: Unicode.Scalar
    private var rawEscapes: Bool
    private var unmatched: Set<String> = []
    private var substitutionDepth = 0

    /// Nested `${…}` deeper than this is refused: Go grows its stacks, a Swift thread's stack is fixed.
    static let maxSubstitutionDepth = 64

    init(word: String, env: [String: String], options: ShellWord) {
        self.scalars = Array(word.unicodeScalars)
        self.env = env
        self.options = options
        self.escape = options.escapeCharacter.unicodeScalars.first ?? "\\"
        self.rawEscapes = options.rawEscapes
    }

    mutating func run() throws -> Result {
        let (result, words) = try processStopOn(nil, rawEscapes: options.rawEscapes)
        return Result(result: result, words: words, unmatched: unmatched)
    }

    private func peek() -> Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private mutating func next() -> Unicode.Scalar? {
        guard position < scalars.count else { return nil }
        defer { position += 1 }
        return scalars[position]
    }

    private mutating func processStopOn(_ stop: Unicode.Scalar?, rawEscapes wanted: Bool) throws -> (String, [String]) {
        var result = String.UnicodeScalarView()
        var words = WordSplitter()
        let saved = rawEscapes
        rawEscapes = wanted
        defer { rawEscapes = saved }

        while let scalar = peek() {
            if let stop, scalar == stop {
                position += 1
                return (String(result), words.finish())
            }
            if scalar == "$" {
                let value = try processDollar()
                result.append(contentsOf: value.unicodeScalars)
                words.add(value)
            } else if !options.skipProcessQuotes && (scalar == "'" || scalar == "\"") {
                let value = scalar == "'" ? try processSingleQuote() : try processDoubleQuote()
                result.append(contentsOf: value.unicodeScalars)
                words.addRaw(value)
            } else {
                var character = scalar
                position += 1
                if character == escape {
                    if rawEscapes {
                        words.addRaw(character)
                        result.append(character)
                    }
                    guard let escaped = next() else { break }
                    character = escaped
                    words.addRaw(character)
                } else {
                    words.add(character)
                }
                result.append(character)
            }
        }
        if let stop {
            throw ShellWordError(message: "unexpected end of statement while looking for matching \(stop)")
        }
        return (String(result), words.finish())
    }

    private mutating func processSingleQuote() throws -> String {
        var result = String.UnicodeScalarView()
        let open = next()
        if options.rawQuotes, let open { result.append(open) }
        while true {
            guard let scalar = next() else {
                throw ShellWordError(message: "unexpected end of statement while looking for matching single-quote")
            }
            if scalar == "'" {
                if options.rawQuotes { result.append(scalar) }
                return String(result)
            }
            result.append(scalar)
        }
    }

    private mutating func processDoubleQuote() throws -> String {
        var result = String.UnicodeScalarView()
        let open = next()
        if options.rawQuotes, let open { result.append(open) }
        while true {
            guard let scalar = peek() else {
                throw ShellWordError(message: "unexpected end of statement while looking for matching double-quote")
            }
            switch scalar {
            case "\"":
                position += 1
                if options.rawQuotes { result.append(scalar) }
                return String(result)
            case "$":
                result.append(contentsOf: try processDollar().unicodeScalars)
            default:
                position += 1
                var character = scalar
                if character == escape {
                    if rawEscapes { result.append(character) }
                    guard let following = peek() else { continue }
                    if following == "\"" || following == "$" || following == escape {
                        character = following
                        position += 1
                    }
                }
                result.append(character)
            }
        }
    }

    private mutating func lookup(_ name: String) -> String? {
        if let value = env[name] { return value }
        unmatched.insert(name)
        return nil
    }

    private mutating func processDollar() throws -> String {
        position += 1
        if peek() != "{" {
            let name = processName()
            if name.isEmpty { return "$" }
            let value = lookup(name)
            if value == nil && options.skipUnsetEnv { return "$" + name }
            return value ?? ""
        }
        position += 1
        substitutionDepth += 1
        defer { substitutionDepth -= 1 }
        guard substitutionDepth <= Self.maxSubstitutionDepth else {
            throw ShellWordError(message: "substitutions nested more than \(Self.maxSubstitutionDepth) deep")
        }
        switch peek() {
        case nil: throw ShellWordError(message: "syntax error: missing '}'")
        case "{", "}", ":": throw ShellWordError(message: "syntax error: bad substitution")
        default: break
        }
        let name = processName()
        var modifier = next()
        // Go spells the EOF rune as U+FFFD in its messages.
        var spelled = modifier.map { String($0) } ?? "\u{FFFD}"
        var nullIsUnset = false

        switch modifier {
        case "}":
            let value = lookup(name)
            if value == nil && options.skipUnsetEnv { return "${\(name)}" }
            return value ?? ""
        case ":", "+", "-", "?", "#", "%":
            if modifier == ":" {
                nullIsUnset = true
                modifier = next()
                spelled += modifier.map { String($0) } ?? "\u{FFFD}"
            }
            let keepEscapes = modifier == "#" || modifier == "%"
            let word: String
            do {
                word = try processStopOn("}", rawEscapes: keepEscapes).0
            } catch {
                if peek() == nil { throw ShellWordError(message: "syntax error: missing '}'") }
                throw error
            }
            let value = lookup(name)
            if options.skipUnsetEnv && value == nil { return "${\(name)\(spelled)\(word)}" }
            let empty = value == nil || (nullIsUnset && value == "")
            switch modifier {
            case "-":
                return empty ? word : value ?? ""
            case "+":
                return empty ? "" : word
            case "?":
                if value == nil {
                    throw ShellWordError(message: "\(name): \(word.isEmpty ? "is not allowed to be unset" : word)")
                }
                if nullIsUnset && value == "" {
                    throw ShellWordError(message: "\(name): \(word.isEmpty ? "is not allowed to be empty" : word)")
                }
                return value ?? ""
            case "%", "#":
                var pattern = word
                var greedy = false
                if let first = pattern.unicodeScalars.first, first == modifier {
                    greedy = true
                    pattern = String(pattern.unicodeScalars.dropFirst())
                }
                if modifier == "%" { return try ShellPattern.trimSuffix(pattern, from: value ?? "", greedy: greedy) }
                return try ShellPattern.trimPrefix(pattern, from: value ?? "", greedy: greedy)
            default:
                throw ShellWordError(message: "unsupported modifier (\(spelled)) in substitution")
            }
        case "/":
            let replaceAll = peek() == "/"
            if replaceAll { position += 1 }
            let pattern: String
            do {
                pattern = try processStopOn("/", rawEscapes: true).0
            } catch {
                if peek() == nil { throw ShellWordError(message: "syntax error: missing '/' in ${}") }
                throw error
            }
            let replacement: String
            do {
                replacement = try processStopOn("}", rawEscapes: true).0
            } catch {
                if peek() == nil { throw ShellWordError(message: "syntax error: missing '}'") }
                throw error
            }
            let value = lookup(name)
            if options.skipUnsetEnv && value == nil { return "${\(name)/\(pattern)/\(replacement)}" }
            return try ShellPattern.replace(
                pattern, in: value ?? "", with: replacement, all: replaceAll)
        default:
            throw ShellWordError(message: "unsupported modifier (\(spelled)) in substitution")
        }
    }

    private mutating func processName() -> String {
        var name = String.UnicodeScalarView()
        while let scalar = peek() {
            if name.isEmpty && scalar.properties.numericType == .decimal {
                while let digit = peek(), digit.properties.numericType == .decimal {
                    name.append(digit)
                    position += 1
                }
                return String(name)
            }
            if name.isEmpty && "@*#?-$!0".unicodeScalars.contains(scalar) {
                position += 1
                return String(scalar)
            }
            if !(scalar.properties.isAlphabetic && scalar.properties.generalCategory.isLetter)
                && scalar.properties.numericType != .decimal && scalar != "_"
            {
                break
            }
            name.append(scalar)
            position += 1
        }
        return String(name)
    }
}

extension Unicode.GeneralCategory {
    /// Go's `unicode.IsLetter`: categories Lu, Ll, Lt, Lm, Lo.
    fileprivate var isLetter: Bool {
        switch self {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }
}

/// BuildKit's word splitting: unquoted whitespace separates words; quoted text is kept whole.
private struct WordSplitter {
    private var word = String.UnicodeScalarView()
    private var words: [String] = []
    private var inWord = false

    mutating func add(_ scalar: Unicode.Scalar) {
        let space = isGoSpace(scalar)
        if space && inWord {
            if !word.isEmpty {
                words.append(String(word))
                word = String.UnicodeScalarView()
                inWord = false
            }
        } else if !space {
            addRaw(scalar)
        }
    }

    mutating func add(_ text: String) {
        for scalar in text.unicodeScalars { add(scalar) }
    }

    mutating func addRaw(_ scalar: Unicode.Scalar) {
        word.append(scalar)
        inWord = true
    }

    mutating func addRaw(_ text: String) {
        word.append(contentsOf: text.unicodeScalars)
        inWord = true
    }

    mutating func finish() -> [String] {
        if !word.isEmpty {
            words.append(String(word))
            word = String.UnicodeScalarView()
            inWord = false
        }
        return words
    }
}

/// Go's `unicode.IsSpace`.
func isGoSpace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x20, 0x85, 0xA0: return true
    default: return scalar.value > 0xFF && scalar.properties.isWhitespace
    }
}

/// The `*`/`?` wildcard patterns of `${a#p}`, `${a%p}` and `${a/p/r}` (no bracket expressions, as in BuildKit).
enum ShellPattern {
    /// Converts a pattern to a regular expression the way BuildKit's `convertShellPatternToRegex` does.
    static func regex(_ pattern: String, greedy: Bool, anchored: Bool) throws -> NSRegularExpression {
        var out = anchored ? "^" : ""
        let scalars = Array(pattern.unicodeScalars)
        var index = 0
        while index < scalars.count {
            var token = scalars[index]
            index += 1
            switch token {
            case "*":
                out += greedy ? ".*" : ".*?"
                continue
            case "?":
                out += "."
                continue
            case "\\":
                if index < scalars.count && (scalars[index] == "}" || scalars[index] == "/") { continue }
                out += "\\"
                guard index < scalars.count else {
                    throw ShellWordError(message: "invalid pattern (\(pattern)) in substitution: invalid escape '\\'")
                }
                token = scalars[index]
                index += 1
                if token != "*" && token != "?" && token != "\\" {
                    throw ShellWordError(
                        message: "invalid pattern (\(pattern)) in substitution: invalid escape '\\\(token)'")
                }
            case "[", "]", "{", "}", ".", "+", "(", ")", "|", "^", "$":
                out += "\\"
            default:
                break
            }
            out.unicodeScalars.append(token)
        }
        do {
            return try NSRegularExpression(pattern: out, options: [.dotMatchesLineSeparators])
        } catch {
            throw ShellWordError(message: "invalid pattern (\(pattern)) in substitution")
        }
    }

    static func trimPrefix(_ pattern: String, from value: String, greedy: Bool) throws -> String {
        let expression = try regex(pattern, greedy: greedy, anchored: true)
        let range = NSRange(value.startIndex..., in: value)
        guard let match = expression.firstMatch(in: value, range: range),
            let end = Range(match.range, in: value)?.upperBound
        else { return value }
        return String(value[end...])
    }

    static func trimSuffix(_ pattern: String, from value: String, greedy: Bool) throws -> String {
        // Regular expressions cannot find the shortest rightmost match, so BuildKit reverses both sides.
        let reversedValue = String(String.UnicodeScalarView(value.unicodeScalars.reversed()))
        let trimmed = try trimPrefix(reversePattern(pattern), from: reversedValue, greedy: greedy)
        return String(String.UnicodeScalarView(trimmed.unicodeScalars.reversed()))
    }

    static func replace(_ pattern: String, in value: String, with replacement: String, all: Bool) throws -> String {
        let expression = try regex(pattern, greedy: true, anchored: false)
        let range = NSRange(value.startIndex..., in: value)
        let template = NSRegularExpression.escapedTemplate(for: replacement)
        if all {
            return expression.stringByReplacingMatches(in: value, range: range, withTemplate: template)
        }
        guard let match = expression.firstMatch(in: value, range: range),
            let found = Range(match.range, in: value)
        else { return value }
        return value.replacingCharacters(in: found, with: replacement)
    }

    /// Reverses a pattern, keeping each `\x` escape pair in order.
    private static func reversePattern(_ pattern: String) -> String {
        let scalars = Array(pattern.unicodeScalars)
        var out = scalars
        let last = scalars.count - 1
        var index = 0
        while index <= last {
            let token = scalars[index]
            let outIndex = last - index
            if token == "\\" && index != last && outIndex >= 1 {
                out[outIndex - 1] = token
                out[outIndex] = scalars[index + 1]
                index += 2
            } else {
                out[outIndex] = token
                index += 1
            }
        }
        return String(String.UnicodeScalarView(out))
    }
}
