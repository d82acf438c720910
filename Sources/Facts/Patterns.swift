import Foundation

/// A compiled regular expression usable from any isolation domain (NSRegularExpression is immutable once built).
struct Pattern: @unchecked Sendable {
    /// Nil only if a pattern literal of this module were invalid, which the tests rule out; it then matches nothing.
    private let regex: NSRegularExpression?

    /// Compiles a pattern written in this module's source.
    init(_ pattern: String, caseInsensitive: Bool = false) {
        regex = try? NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
        // Debug builds (the tests) stop on a broken literal; release builds keep running with a rule that never fires.
        assert(regex != nil, "invalid pattern literal: \(pattern)")
    }

    func matches(_ text: String) -> Bool { firstMatch(in: text) != nil }

    func firstMatch(in text: String) -> NSTextCheckingResult? {
        regex?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
    }

    func allMatches(in text: String) -> [NSTextCheckingResult] {
        regex?.matches(in: text, range: NSRange(text.startIndex..., in: text)) ?? []
    }

    /// The first participating capture group (or the whole match when there is none) of the first match.
    func firstCapture(in text: String) -> String? {
        firstMatch(in: text).flatMap { Pattern.capture($0, in: text) }
    }

    /// Every match's first participating capture group (or whole match).
    func allCaptures(in text: String) -> [String] {
        allMatches(in: text).compactMap { Pattern.capture($0, in: text) }
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
