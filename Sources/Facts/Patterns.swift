import Foundation

/// A compiled regular expression usable from any isolation domain (NSRegularExpression is immutable once built).
struct Pattern: @unchecked Sendable {
    let regex: NSRegularExpression

    /// Compiles a pattern written in this module's source; an invalid literal is a programming error caught by the tests.
    init(_ pattern: String, caseInsensitive: Bool = false) {
        let options: NSRegularExpression.Options = caseInsensitive ? [.caseInsensitive] : []
        do {
            regex = try NSRegularExpression(pattern: pattern, options: options)
        } catch {
            // Unreachable for the literals below; a never-matching pattern keeps the tool running if one slips through.
            regex = Pattern.neverMatching
        }
    }

    private static let neverMatching: NSRegularExpression = {
        // `(?!)` is valid in ICU and matches nothing.
        // A constant, valid pattern: this cannot throw.
        try! NSRegularExpression(pattern: "(?!)")
    }()

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The first capture group (or the whole match when there is none) of the first match.
    func firstCapture(in text: String) -> String? {
        guard let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        let group = match.numberOfRanges > 1 ? 1 : 0
        guard let range = Range(match.range(at: group), in: text) else { return nil }
        return String(text[range])
    }

    /// Every match's first capture group (or whole match).
    func allCaptures(in text: String) -> [String] {
        regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            let group = match.numberOfRanges > 1 ? 1 : 0
            return Range(match.range(at: group), in: text).map { String(text[$0]) }
        }
    }
}

extension String {
    /// The text with `pattern` escaped for use inside a regular expression.
    var regexEscaped: String { NSRegularExpression.escapedPattern(for: self) }
}
