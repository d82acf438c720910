import Foundation

/// Byte-level path tests for the checks that run once for every file of an image: Foundation's `contains` and
/// `NSString` path methods go through CFString and cost seconds on images with tens of thousands of files.
enum PathText {
    /// The last path component (`/a/b.py` → `b.py`, `/a/b/` → `b`); `/` for `/`, as `NSString.lastPathComponent` has it.
    static func lastComponent(_ path: String) -> Substring {
        let trimmed = withoutTrailingSlashes(path)
        guard !trimmed.isEmpty else { return Substring(path) }
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return trimmed[trimmed.index(after: slash)...]
    }

    /// The directory holding the path (`/a/b.py` → `/a`, `/a` → `/`, `a` → ``), as `NSString.deletingLastPathComponent`
    /// gives it.
    static func parent(_ path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        guard !trimmed.isEmpty else { return path.isEmpty ? "" : "/" }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    private static func withoutTrailingSlashes(_ path: String) -> Substring {
        var end = path.endIndex
        while end > path.startIndex, path[path.index(before: end)] == "/" { end = path.index(before: end) }
        return path[..<end]
    }

    /// The extension of the last component without its dot (`b.tar.gz` → `gz`), empty when there is none; a leading
    /// dot (`.bashrc`) is a hidden file's name, not an extension, as `NSString.pathExtension` has it.
    static func fileExtension(_ path: String) -> Substring {
        let name = lastComponent(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...]
    }
}

extension String {
    /// Whether `fragment` occurs in this string, compared as UTF-8 bytes.
    func containsBytes(_ fragment: String) -> Bool {
        var haystack = self
        var needle = fragment
        return haystack.withUTF8 { text in
            needle.withUTF8 { pattern in
                guard !pattern.isEmpty else { return true }
                guard pattern.count <= text.count, let first = pattern.first else { return false }
                var start = 0
                let last = text.count - pattern.count
                while start <= last {
                    if text[start] == first, memcmp(text.baseAddress! + start, pattern.baseAddress!, pattern.count) == 0 {
                        return true
                    }
                    start += 1
                }
                return false
            }
        }
    }
}
