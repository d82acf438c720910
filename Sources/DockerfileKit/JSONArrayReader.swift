/// Reads the JSON array at the start of a line as Go's `json.Decoder.Decode` into `[]any` does:
/// only the first value counts (trailing text is ignored), syntax is checked in full, nesting is bounded.
enum JSONArrayReader {
    enum Outcome: Equatable {
        /// A well-formed array whose elements are all strings.
        case strings([String])
        /// A well-formed array holding something other than a string.
        case notStrings
        /// Not well-formed JSON (BuildKit then falls back to the shell form).
        case invalid
    }

    /// encoding/json's nesting limit.
    static let maxDepth = 10_000

    static func read(_ text: String) -> Outcome {
        var reader = Reader(scalars: Array(text.unicodeScalars))
        return reader.readTopLevelArray()
    }

    private struct Reader {
        let scalars: [Unicode.Scalar]
        var index = 0

        private enum Container { case array, object }
        private struct Invalid: Error {}

        mutating func readTopLevelArray() -> Outcome {
            do {
                skipSpace()
                guard peek() == "[" else { return .invalid }
                index += 1
                var strings: [String] = []
                var allStrings = true
                skipSpace()
                if peek() == "]" {
                    index += 1
                    return .strings([])
                }
                while true {
                    skipSpace()
                    if peek() == "\"" {
                        strings.append(try readString())
                    } else {
                        allStrings = false
                        try skipValue()
                    }
                    skipSpace()
                    guard let separator = next() else { throw Invalid() }
                    if separator == "]" { break }
                    guard separator == "," else { throw Invalid() }
                }
                return allStrings ? .strings(strings) : .notStrings
            } catch {
                return .invalid
            }
        }

        private func peek() -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        private mutating func next() -> Unicode.Scalar? {
            guard index < scalars.count else { return nil }
            defer { index += 1 }
            return scalars[index]
        }

        private mutating func skipSpace() {
            while let scalar = peek(), scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                index += 1
            }
        }

        /// Skips one value of any kind without recursion, checking its syntax.
        private mutating func skipValue() throws {
            var stack: [Container] = []
            while true {
                skipSpace()
                guard let scalar = peek() else { throw Invalid() }
                var closedOrScalar = true
                switch scalar {
                case "[":
                    index += 1
                    skipSpace()
                    if peek() == "]" {
                        index += 1
                    } else {
                        guard stack.count + 2 <= JSONArrayReader.maxDepth else { throw Invalid() }
                        stack.append(.array)
                        closedOrScalar = false
                    }
                case "{":
                    index += 1
                    skipSpace()
                    if peek() == "}" {
                        index += 1
                    } else {
                        guard stack.count + 2 <= JSONArrayReader.maxDepth else { throw Invalid() }
                        stack.append(.object)
                        try readObjectKey()
                        closedOrScalar = false
                    }
                case "\"":
                    _ = try readString()
                case "t": try expectLiteral("true")
                case "f": try expectLiteral("false")
                case "n": try expectLiteral("null")
                default:
                    try readNumber()
                }
                guard closedOrScalar else { continue }
                // After a complete value: close containers or move to the next element.
                while true {
                    guard let container = stack.last else { return }
                    skipSpace()
                    guard let separator = next() else { throw Invalid() }
                    if separator == "," {
                        if container == .object { try readObjectKey() }
                        break
                    }
                    if (container == .array && separator == "]") || (container == .object && separator == "}") {
                        stack.removeLast()
                        continue
                    }
                    throw Invalid()
                }
            }
        }

        private mutating func readObjectKey() throws {
            skipSpace()
            guard peek() == "\"" else { throw Invalid() }
            _ = try readString()
            skipSpace()
            guard next() == ":" else { throw Invalid() }
        }

        private mutating func expectLiteral(_ literal: String) throws {
            for expected in literal.unicodeScalars {
                guard next() == expected else { throw Invalid() }
            }
        }

        private mutating func readNumber() throws {
            func isDigit(_ scalar: Unicode.Scalar?) -> Bool { scalar.map { ("0"..."9").contains($0) } ?? false }
            if peek() == "-" { index += 1 }
            guard isDigit(peek()) else { throw Invalid() }
            if peek() == "0" {
                index += 1
            } else {
                while isDigit(peek()) { index += 1 }
            }
            if peek() == "." {
                index += 1
                guard isDigit(peek()) else { throw Invalid() }
                while isDigit(peek()) { index += 1 }
            }
            if peek() == "e" || peek() == "E" {
                index += 1
                if peek() == "+" || peek() == "-" { index += 1 }
                guard isDigit(peek()) else { throw Invalid() }
                while isDigit(peek()) { index += 1 }
            }
        }

        private mutating func readString() throws -> String {
            index += 1
            var out = String.UnicodeScalarView()
            while true {
                guard let scalar = next() else { throw Invalid() }
                switch scalar {
                case "\"":
                    return String(out)
                case "\\":
                    guard let escaped = next() else { throw Invalid() }
                    switch escaped {
                    case "\"": out.append("\"")
                    case "\\": out.append("\\")
                    case "/": out.append("/")
                    case "b": out.append("\u{08}")
                    case "f": out.append("\u{0C}")
                    case "n": out.append("\n")
                    case "r": out.append("\r")
                    case "t": out.append("\t")
                    case "u":
                        let unit = try readHex4()
                        if (0xD800..<0xDC00).contains(unit) {
                            // A high surrogate combines with a following \uDC00-\uDFFF; otherwise U+FFFD, as Go does.
                            let saved = index
                            if next() == "\\", next() == "u", let low = try? readHex4(), (0xDC00..<0xE000).contains(low) {
                                let combined = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                                out.append(Unicode.Scalar(combined) ?? "\u{FFFD}")
                            } else {
                                index = saved
                                out.append("\u{FFFD}")
                            }
                        } else {
                            out.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                        }
                    default:
                        throw Invalid()
                    }
                default:
                    guard scalar.value >= 0x20 else { throw Invalid() }
                    out.append(scalar)
                }
            }
        }

        private mutating func readHex4() throws -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let scalar = next(), let digit = hexDigit(scalar) else { throw Invalid() }
                value = value * 16 + digit
            }
            return value
        }

        private func hexDigit(_ scalar: Unicode.Scalar) -> UInt32? {
            switch scalar {
            case "0"..."9": return scalar.value - 48
            case "a"..."f": return scalar.value - 97 + 10
            case "A"..."F": return scalar.value - 65 + 10
            default: return nil
            }
        }
    }
}
