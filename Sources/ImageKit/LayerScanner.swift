import CLibArchive
import Foundation

/// One header of a layer tar, normalised: absolute path, no `..`, whiteouts recognised.
struct LayerEntry: Sendable {
    enum Kind: Sendable, Equatable {
        case entry(EntryType)
        /// `.wh.NAME`: hides `path` of the lower layers.
        case whiteout
        /// `.wh..wh..opq`: hides what lower layers hold under the directory `path`.
        case opaque
    }

    var path: String
    var kind: Kind
    var mode: UInt32
    var uid: Int
    var gid: Int
    var size: Int64
    var link: String?
    var deviceMajor: Int32
    var deviceMinor: Int32
    var modificationTime: Int64
    /// Position of the header in the layer tar, to find the entry again for its contents.
    var ordinal: Int32
}

/// What one pass over a layer produced.
struct LayerScan: Sendable {
    var entries: [LayerEntry]
    var rawDigest: String
    var compressedSize: Int64
    var uncompressedSize: Int64
    var compressed: Bool
    var filterCode: Int32
    /// Digest of the uncompressed tar, when it was asked for and differs from the blob's.
    var uncompressedDigest: String?
}

/// Shared running totals for the caps over all layers, updated from layer workers.
final class ReadBudget: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: Int64 = 0
    private var entries = 0
    let options: ImageReadOptions

    init(_ options: ImageReadOptions) { self.options = options }

    func add(bytes delta: Int64) throws {
        lock.lock()
        bytes += delta
        let total = bytes
        lock.unlock()
        if total > options.maxUncompressedBytes { throw ImageError.uncompressedSizeExceeded(limit: options.maxUncompressedBytes) }
    }

    func addEntry() throws {
        lock.lock()
        entries += 1
        let total = entries
        lock.unlock()
        if total > options.maxEntries { throw ImageError.tooManyEntries(limit: options.maxEntries) }
    }
}

/// Streams one layer blob once: lists its entries, hashes its bytes, enforces the caps, and shows observers small files.
func scanLayer(
    _ location: BlobLocation, index: Int, budget: ReadBudget, observers: [any ImageContentObserver],
    hashUncompressed: Bool = false, fileDigests: (any ImageFileDigestObserver)? = nil, progress: ProgressTracker? = nil
) throws -> LayerScan {
    let stream = try BlobStream(location)
    if let progress { stream.onRead = { progress.advance(part: index, by: Int64($0)) } }
    let reader = try ArchiveReader(context: "layer \(location.name)")
    // A compressed docker-archive layer is checked against its diff_id too: decompress in one reader, hash, untar in another.
    let decompressed = hashUncompressed && blobLooksCompressed(location) ? try DecompressedSource(stream) : nil
    if let decompressed { try reader.openLayer(decompressed) } else { try reader.openLayer(stream) }
    let options = budget.options
    var entries: [LayerEntry] = []
    var ordinal: Int32 = 0
    var accounted: Int64 = 0

    func checkCaps() throws {
        let produced = decompressed?.produced ?? reader.uncompressedBytes
        if produced > accounted {
            try budget.add(bytes: produced - accounted)
            accounted = produced
        }
        if produced > options.ratioGraceBytes, stream.consumed > 0 {
            let ratio = produced / stream.consumed
            if ratio > options.maxCompressionRatio {
                throw ImageError.compressionRatioExceeded(layer: location.name, ratio: ratio, limit: options.maxCompressionRatio)
            }
        }
    }

    func nextHeader() throws -> OpaquePointer? {
        do {
            return try reader.nextHeader()
        } catch {
            throw decompressed?.failure ?? error
        }
    }

    while let header = try nextHeader() {
        defer { ordinal &+= 1 }
        try budget.addEntry()
        try checkCaps()
        guard let entry = try layerEntry(header, ordinal: ordinal, layerName: location.name) else {
            try skipData(reader, checkCaps)
            continue
        }
        var hasher = fileDigests != nil && entry.kind == .entry(.file) ? EntryHasher() : nil
        if case .entry(.file) = entry.kind, !observers.isEmpty, entry.size <= options.maxObservedFileSize {
            let interested = observers.filter { $0.wants(entry.path, size: entry.size, layer: index) }
            if !interested.isEmpty {
                var contents = Data(capacity: Int(entry.size))
                while let block = try reader.nextDataBlock() {
                    contents.append(block.bindMemory(to: UInt8.self))
                    if Int64(contents.count) > options.maxObservedFileSize { break }
                }
                hasher?.update(contents)
                for observer in interested { observer.observe(entry.path, layer: index, contents: contents) }
            }
        }
        if hasher != nil {
            try skipData(reader, checkCaps) { hasher?.update($0) }
        } else {
            try skipData(reader, checkCaps)
        }
        if let hasher, let fileDigests { fileDigests.digested(entry.path, layer: index, sha256: hasher.finalize()) }
        entries.append(entry)
    }
    try checkCaps()
    try decompressed?.drain()
    let uncompressed = decompressed?.produced ?? reader.uncompressedBytes
    let filter = decompressed?.decompressor.filterCode ?? reader.filterCode
    try stream.drain()
    if stream.truncated {
        throw ImageError.archive(context: "layer \(location.name)", code: ARCHIVE_FATAL, message: "truncated blob")
    }
    return LayerScan(
        entries: entries, rawDigest: stream.digest(), compressedSize: stream.consumed,
        uncompressedSize: filter == ARCHIVE_FILTER_NONE ? stream.consumed : uncompressed,
        compressed: filter != ARCHIVE_FILTER_NONE, filterCode: filter, uncompressedDigest: decompressed?.digest())
}

/// Reads past an entry's data block by block, so a bomb inside one entry is still caught by the caps.
private func skipData(
    _ reader: ArchiveReader, _ checkCaps: () throws -> Void, passing consume: (UnsafeRawBufferPointer) -> Void = { _ in }
) throws {
    var blocks = 0
    while let block = try reader.nextDataBlock() {
        consume(block)
        blocks += 1
        if blocks & 15 == 0 { try checkCaps() }
    }
}

/// Turns a libarchive header into a normalised entry; nil for the root itself and for aufs bookkeeping names.
private func layerEntry(_ header: OpaquePointer, ordinal: Int32, layerName: String) throws -> LayerEntry? {
    guard let rawPath = archive_entry_pathname(header) else {
        throw ImageError.unsafeEntry(layer: layerName, path: "(unnamed entry \(ordinal))", reason: "no path name")
    }
    let name = String(decoding: UnsafeRawBufferPointer(start: rawPath, count: strlen(rawPath)), as: UTF8.self)
    guard let path = try normaliseEntryPath(name, layer: layerName) else { return nil }
    let mode = UInt32(archive_entry_mode(header))
    var entry = LayerEntry(
        path: path, kind: .entry(.file), mode: mode & 0o7777, uid: Int(archive_entry_uid(header)),
        gid: Int(archive_entry_gid(header)), size: max(0, archive_entry_size(header)), link: nil,
        deviceMajor: Int32(truncatingIfNeeded: archive_entry_rdevmajor(header)),
        deviceMinor: Int32(truncatingIfNeeded: archive_entry_rdevminor(header)),
        modificationTime: Int64(archive_entry_mtime(header)), ordinal: ordinal)

    let base = path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...]
    if base.hasPrefix(".wh.") {
        let parent = parentPath(path)
        if base == ".wh..wh..opq" {
            entry.kind = .opaque
            entry.path = parent
            return entry
        }
        if base.hasPrefix(".wh..wh.") { return nil }
        let hidden = base.dropFirst(4)
        guard !hidden.isEmpty, hidden != ".", hidden != ".." else {
            throw ImageError.unsafeEntry(layer: layerName, path: name, reason: "whiteout escapes its directory")
        }
        entry.kind = .whiteout
        entry.path = (parent == "/" ? "" : parent) + "/" + hidden
        return entry
    }

    if let target = archive_entry_hardlink(header) {
        let targetName = String(decoding: UnsafeRawBufferPointer(start: target, count: strlen(target)), as: UTF8.self)
        guard let targetPath = try normaliseEntryPath(targetName, layer: layerName) else {
            throw ImageError.unsafeEntry(layer: layerName, path: name, reason: "hardlink to the image root")
        }
        entry.kind = .entry(.hardlink)
        entry.link = targetPath
        return entry
    }
    switch mode & FileTypeBits.mask {
    case FileTypeBits.regular: entry.kind = .entry(.file)
    case FileTypeBits.directory: entry.kind = .entry(.dir); entry.size = 0
    case FileTypeBits.symlink:
        entry.kind = .entry(.symlink)
        entry.size = 0
        let target = archive_entry_symlink(header)
        entry.link = target.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) } ?? ""
    case FileTypeBits.character: entry.kind = .entry(.char); entry.size = 0
    case FileTypeBits.block: entry.kind = .entry(.block); entry.size = 0
    case FileTypeBits.fifo: entry.kind = .entry(.fifo); entry.size = 0
    default:
        throw ImageError.unsafeEntry(layer: layerName, path: name, reason: "unsupported entry type (socket or unknown)")
    }
    return entry
}

/// `/`-rooted and normalised, as Docker reads layer names: absolute names are taken relative to the root; `..` is refused.
func normaliseEntryPath(_ name: String, layer: String) throws -> String? {
    var result = ""
    result.reserveCapacity(name.utf8.count + 1)
    for component in name.split(separator: "/", omittingEmptySubsequences: true) {
        if component == "." { continue }
        if component == ".." { throw ImageError.unsafeEntry(layer: layer, path: name, reason: "path traversal (..)") }
        result += "/"
        result += component
    }
    if name.contains("\0") { throw ImageError.unsafeEntry(layer: layer, path: name, reason: "NUL in name") }
    return result.isEmpty ? nil : result
}

func parentPath(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
}
