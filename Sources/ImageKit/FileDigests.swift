import Foundation
import Crypto

/// Receives the sha256 of every regular file's contents while the loader streams the layers (opt-in: hashing costs CPU).
///
/// Called concurrently from layer workers: implementations synchronise their own state.
public protocol ImageFileDigestObserver: Sendable {
    /// `path` is absolute as written in layer `layer`; `sha256` is `sha256:HEX` of the entry's bytes.
    func digested(_ path: String, layer: Int, sha256: String)
}

/// Keeps every regular file's content digest by layer and path, so a merged-tree entry can be looked up by where it came from.
public final class FileDigestCollector: ImageFileDigestObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var byLayer: [Int: [String: String]] = [:]

    public init() {}

    public func digested(_ path: String, layer: Int, sha256: String) {
        lock.lock(); defer { lock.unlock() }
        // A layer may name a path twice; the later header wins, as it does in the merged tree.
        byLayer[layer, default: [:]][path] = sha256
    }

    /// The digest of a regular file as layer `layer` wrote it; nil when that layer held no regular file at `path`.
    public func digest(of path: String, layer: Int) -> String? {
        lock.lock(); defer { lock.unlock() }
        return byLayer[layer]?[path]
    }

    /// The digest of a merged-tree entry's contents: its own for a file, its target's for a hardlink; nil otherwise.
    public func digest(of entry: TreeEntry, in tree: MergedTree) -> String? {
        switch entry.type {
        case .file: return digest(of: entry.path, layer: entry.layer)
        case .hardlink:
            guard let target = entry.link, let file = tree.entry(at: target), file.type == .file else { return nil }
            return digest(of: file.path, layer: file.layer)
        default: return nil
        }
    }
}

/// Hashes an entry's bytes as they stream past, so a file digest costs no second read.
struct EntryHasher {
    private var hasher = SHA256()

    mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
    mutating func update(_ data: Data) { hasher.update(data: data) }

    func finalize() -> String {
        // Formatted by table: this runs once per file of images with hundreds of thousands of files.
        let hex = Array("0123456789abcdef".utf8)
        var text = Array("sha256:".utf8)
        text.reserveCapacity(71)
        for byte in hasher.finalize() {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
