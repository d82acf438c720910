public import Foundation

/// A file of a lower layer that a later layer overwrote or deleted: space the image carries but cannot use.
public struct ShadowedEntry: Sendable, Equatable, Codable {
    public var path: String
    public var size: Int64
    public var layer: Int
    public var hiddenByLayer: Int

    public init(path: String, size: Int64, layer: Int, hiddenByLayer: Int) {
        self.path = path; self.size = size; self.layer = layer; self.hiddenByLayer = hiddenByLayer
    }
}

/// Where a file's bytes live: which layer, and which header of that layer's tar.
struct ContentLocation: Sendable, Equatable {
    var layer: Int32
    var ordinal: Int32
    static let none = ContentLocation(layer: -1, ordinal: -1)
}

/// The image's filesystem with all layers applied, whiteouts and opaque directories honoured.
public final class MergedTree: Sendable {
    /// Every path except the root, sorted by the bytes of the path.
    public let entries: [TreeEntry]
    /// Files of lower layers overwritten or deleted by later layers.
    public let shadowed: [ShadowedEntry]
    /// Bytes of the regular files of the merged filesystem (hardlinks counted once).
    public let totalSize: Int64
    let locations: [ContentLocation]
    let layerBlobs: [BlobLocation]
    /// The decompressed copy of a compressed tarball the layer blobs point into, if any.
    let temporary: TemporaryFile?

    init(
        entries: [TreeEntry], locations: [ContentLocation], shadowed: [ShadowedEntry], layerBlobs: [BlobLocation],
        temporary: TemporaryFile? = nil
    ) {
        self.temporary = temporary
        self.entries = entries
        self.locations = locations
        self.shadowed = shadowed
        self.layerBlobs = layerBlobs
        totalSize = entries.reduce(0) { $1.type == .file ? $0 + $1.size : $0 }
    }

    /// The entry at exactly this path, not following any link.
    public func entry(at path: String) -> TreeEntry? {
        indexOf(path).map { entries[$0] }
    }

    func indexOf(_ path: String) -> Int? {
        let normal = normalisedLookupPath(path)
        let position = lowerBound(normal)
        guard position < entries.count, entries[position].path == normal else { return nil }
        return position
    }

    private func lowerBound(_ path: String) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if pathPrecedes(entries[middle].path, path) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The direct children of a directory, sorted by path.
    public func children(of path: String) -> [TreeEntry] {
        let normal = normalisedLookupPath(path)
        let prefix = normal == "/" ? "/" : normal + "/"
        var result: [TreeEntry] = []
        var position = lowerBound(prefix)
        while position < entries.count {
            let candidate = entries[position].path
            guard candidate.hasPrefix(prefix) else { break }
            if !candidate.utf8.dropFirst(prefix.utf8.count).contains(UInt8(ascii: "/")) { result.append(entries[position]) }
            position += 1
        }
        return result
    }

    /// Follows symlinks in every component, inside the image root only (`..` stops at `/`); nil when nothing is there.
    public func resolve(_ path: String) throws -> TreeEntry? {
        guard let resolved = try resolvedPath(path) else { return nil }
        return entry(at: resolved)
    }

    /// The path with every symlink component replaced by its target, or nil when a component is missing.
    public func resolvedPath(_ path: String) throws -> String? {
        guard path.hasPrefix("/") else { throw ImageError.pathOutsideImage(path: path) }
        var pending = path.split(separator: "/", omittingEmptySubsequences: true).reversed().map(String.init)
        var current: [String] = []
        var hops = 0
        while let component = pending.popLast() {
            if component == "." { continue }
            if component == ".." { _ = current.popLast(); continue }
            let candidate = "/" + (current + [component]).joined(separator: "/")
            guard let index = indexOf(candidate) else { return nil }
            let entry = entries[index]
            if entry.type == .symlink, let target = entry.link {
                hops += 1
                if hops > 40 { throw ImageError.symlinkLoop(path: path) }
                if target.hasPrefix("/") { current = [] }
                pending.append(contentsOf: target.split(separator: "/", omittingEmptySubsequences: true).reversed().map(String.init))
            } else {
                current.append(component)
            }
        }
        return "/" + current.joined(separator: "/")
    }

    /// A file's contents, following symlinks and hardlinks; at most `limit` bytes (a prefix of larger files).
    public func contents(of path: String, limit: Int64) throws -> Data {
        let results = try contents(of: [path], limit: limit)
        guard let data = results[path] else { throw ImageError.noSuchFile(path: path) }
        return data
    }

    /// Several files' contents in one pass per layer; a path that is missing or not a regular file throws.
    public func contents(of paths: [String], limit: Int64) throws -> [String: Data] {
        var wanted: [Int32: [Int32: [String]]] = [:]
        for path in paths {
            guard let resolved = try resolvedPath(path), let index = indexOf(resolved) else { throw ImageError.noSuchFile(path: path) }
            guard entries[index].type == .file || entries[index].type == .hardlink else { throw ImageError.notARegularFile(path: path) }
            let location = locations[index]
            wanted[location.layer, default: [:]][location.ordinal, default: []].append(path)
        }
        var results: [String: Data] = [:]
        for (layer, ordinals) in wanted.sorted(by: { $0.key < $1.key }) {
            guard layer >= 0, Int(layer) < layerBlobs.count else { continue }
            try readEntries(layer: Int(layer), ordinals: Set(ordinals.keys), limit: limit) { ordinal, data in
                for path in ordinals[ordinal] ?? [] { results[path] = data }
            }
        }
        return results
    }

    /// Streams one layer and hands over the data (at most `limit` bytes) of the entries at the given header positions.
    func readEntries(layer: Int, ordinals: Set<Int32>, limit: Int64, _ deliver: (Int32, Data) throws -> Void) throws {
        try streamEntries(layer: layer, ordinals: ordinals) { ordinal, nextBlock in
            var data = Data()
            while let block = try nextBlock() {
                let room = Int(limit) - data.count
                if room <= 0 { break }
                data.append(contentsOf: UnsafeRawBufferPointer(rebasing: block.prefix(room)))
            }
            try deliver(ordinal, data)
        }
    }

    /// The location of an entry's bytes, for extraction.
    func location(ofEntryAt index: Int) -> ContentLocation { locations[index] }
}

/// Byte order of UTF-8 paths, so parents sort before their children and the order is the same everywhere.
@inline(__always)
func pathPrecedes(_ left: String, _ right: String) -> Bool {
    let fast = left.utf8.withContiguousStorageIfAvailable { leftBytes in
        right.utf8.withContiguousStorageIfAvailable { rightBytes -> Bool in
            let common = min(leftBytes.count, rightBytes.count)
            if common > 0, let leftBase = leftBytes.baseAddress, let rightBase = rightBytes.baseAddress {
                let order = memcmp(leftBase, rightBase, common)
                if order != 0 { return order < 0 }
            }
            return leftBytes.count < rightBytes.count
        }
    }
    if let result = fast ?? nil { return result }
    return left.utf8.lexicographicallyPrecedes(right.utf8)
}

func normalisedLookupPath(_ path: String) -> String {
    let components = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    return "/" + components.joined(separator: "/")
}
