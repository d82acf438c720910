public import ImageKit

/// The merged filesystem's entries with path lookup and symlink resolution inside the image.
public struct FileIndex: Sendable {
    /// Every entry, sorted by path.
    public let entries: [TreeEntry]
    private let byPath: [String: Int]

    /// Takes the entries in byte order of their paths (the merged tree's order), sorting only when they are not.
    public init(entries: [TreeEntry]) {
        let inOrder = zip(entries, entries.dropFirst()).allSatisfy { FileIndex.precedes($0.path, $1.path) }
        let sorted = inOrder ? entries : entries.sorted { FileIndex.precedes($0.path, $1.path) }
        self.entries = sorted
        var byPath: [String: Int] = [:]
        byPath.reserveCapacity(sorted.count)
        for (index, entry) in sorted.enumerated() { byPath[entry.path] = index }
        self.byPath = byPath
    }

    /// The entry at exactly this path, without following symlinks.
    public func entry(at path: String) -> TreeEntry? {
        byPath[FileIndex.normalize(path)].map { entries[$0] }
    }

    /// Whether a directory (or the root) exists at the path, symlinks followed.
    public func isDirectory(_ path: String) -> Bool {
        let normalized = FileIndex.normalize(path)
        if normalized == "/" { return true }
        return resolve(normalized)?.type == .dir
    }

    /// The entry a path leads to, following symlinks (in any component) and hardlinks inside the image;
    /// nil when it leads nowhere, loops, or leaves the tree.
    public func resolve(_ path: String) -> TreeEntry? {
        var pending = FileIndex.components(of: path)
        var resolved: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == ".." { _ = resolved.popLast(); continue }
            resolved.append(component)
            let current = "/" + resolved.joined(separator: "/")
            guard let entry = entry(at: current) else { return nil }
            if entry.type == .symlink, let target = entry.link {
                hops += 1
                // 40 is the Linux kernel's own limit on symlinks followed in one lookup.
                if hops > 40 { return nil }
                resolved.removeLast()
                if target.hasPrefix("/") { resolved = [] }
                pending = FileIndex.components(of: target) + pending
            } else if entry.type == .hardlink, let target = entry.link, pending.isEmpty {
                hops += 1
                if hops > 40 { return nil }
                resolved = []
                pending = FileIndex.components(of: target)
            }
        }
        if resolved.isEmpty { return nil }
        return entry(at: "/" + resolved.joined(separator: "/"))
    }

    /// Entries strictly below a directory path (not following symlinks).
    public func descendants(of directory: String) -> ArraySlice<TreeEntry> {
        let prefix = FileIndex.normalize(directory) == "/" ? "/" : FileIndex.normalize(directory) + "/"
        let start = lowerBound(prefix)
        var end = start
        while end < entries.count, entries[end].path.hasPrefix(prefix) { end += 1 }
        return entries[start..<end]
    }

    private func lowerBound(_ path: String) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if FileIndex.precedes(entries[mid].path, path) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Byte order of UTF-8 paths, as the merged tree sorts them (a parent before its children).
    static func precedes(_ left: String, _ right: String) -> Bool {
        left.utf8.lexicographicallyPrecedes(right.utf8)
    }

    /// An absolute path with `.`, empty components and trailing slashes removed (`..` kept for `resolve`).
    public static func normalize(_ path: String) -> String {
        var parts: [String] = []
        for component in components(of: path) {
            if component == ".." { _ = parts.popLast() } else { parts.append(component) }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Joins a possibly relative path onto a directory.
    public static func join(_ directory: String, _ path: String) -> String {
        path.hasPrefix("/") ? normalize(path) : normalize(directory + "/" + path)
    }

    static func components(of path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
    }
}
