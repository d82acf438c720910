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

    /// The first participating capture group (or the whole match when there is none) of the first match.
    func firstCapture(in text: String) -> String? {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)).flatMap { Pattern.capture($0, in: text) }
    }

    /// Every match's first participating capture group (or whole match).
    func allCaptures(in text: String) -> [String] {
        regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Pattern.capture($0, in: text) }
    }

    /// Alternatives put their captures in different groups: the first group that took part is the capture.
    private static func capture(_ match: NSTextCheckingResult, in text: String) -> String? {
        for group in (match.numberOfRanges > 1 ? Array(1..<match.numberOfRanges) : [0]) {
            if let range = Range(match.range(at: group), in: text) { return String(text[range]) }
        }
        return nil
    }
}

extension String {
    /// The text with `pattern` escaped for use inside a regular expression.
    var regexEscaped: String { NSRegularExpression.escapedPattern(for: self) }
}
