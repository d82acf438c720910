import CLibArchive
import Crypto
import Foundation

/// File type bits as libarchive reports them (its AE_IF* macros are casts Swift cannot import).
enum FileTypeBits {
    static let mask: UInt32 = 0o170000
    static let regular: UInt32 = 0o100000
    static let directory: UInt32 = 0o040000
    static let symlink: UInt32 = 0o120000
    static let character: UInt32 = 0o020000
    static let block: UInt32 = 0o060000
    static let fifo: UInt32 = 0o010000
}

/// Where a blob's bytes are: a byte range of a file (a member of an image tarball, or a whole file of an OCI layout).
public struct BlobLocation: Sendable, Equatable {
    public var file: String
    public var offset: Int64
    public var length: Int64
    /// The member or file name, for messages.
    public var name: String
}

/// Owns one libarchive read handle; errors carry libarchive's own message.
final class ArchiveReader {
    let handle: OpaquePointer
    let context: String
    private var stream: BlobStream?

    init(context: String) throws {
        guard let handle = archive_read_new() else {
            throw ImageError.archive(context: context, code: ARCHIVE_FATAL, message: "cannot allocate a libarchive reader")
        }
        self.handle = handle
        self.context = context
    }

    deinit { archive_read_free(handle) }

    var errorMessage: String {
        archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    func check(_ status: Int32, _ what: String) throws {
        if status < ARCHIVE_WARN { throw ImageError.archive(context: "\(context): \(what)", code: status, message: errorMessage) }
    }

    /// Opens a tar, possibly gzip- or zstd-compressed, streamed from `stream`.
    func openLayer(_ stream: BlobStream) throws {
        try check(archive_read_support_format_tar(handle), "tar support")
        try check(archive_read_support_filter_gzip(handle), "gzip support")
        try check(archive_read_support_filter_zstd(handle), "zstd support")
        try open(stream)
    }

    /// Starts reading from `stream`, which this reader keeps alive.
    private func open(_ stream: BlobStream) throws {
        self.stream = stream
        let status = archive_read_open2(
            handle, Unmanaged.passUnretained(stream).toOpaque(), nil,
            { _, clientData, bufferOut in
                guard let clientData, let bufferOut else { return -1 }
                let stream = Unmanaged<BlobStream>.fromOpaque(clientData).takeUnretainedValue()
                let count = stream.read()
                // libarchive reports a failed read as a fatal error; BlobStream.failure keeps the reason.
                if count < 0 { return -1 }
                bufferOut.pointee = stream.currentBuffer
                return la_ssize_t(count)
            }, nil, nil)
        try check(status, "opening")
    }

    /// Opens an uncompressed tar streamed out of another reader's decompressed data.
    func openLayer(_ source: DecompressedSource) throws {
        try check(archive_read_support_format_tar(handle), "tar support")
        let status = archive_read_open2(
            handle, Unmanaged.passUnretained(source).toOpaque(), nil,
            { _, clientData, bufferOut in
                guard let clientData, let bufferOut else { return -1 }
                let source = Unmanaged<DecompressedSource>.fromOpaque(clientData).takeUnretainedValue()
                guard let block = source.next() else { return -1 }
                bufferOut.pointee = block.baseAddress
                return la_ssize_t(block.count)
            }, nil, nil)
        try check(status, "opening")
    }

    /// Opens a gzip or zstd stream as one raw entry, to read its decompressed bytes.
    func openDecompressor(_ stream: BlobStream) throws {
        try check(archive_read_support_format_raw(handle), "raw support")
        try check(archive_read_support_filter_gzip(handle), "gzip support")
        try check(archive_read_support_filter_zstd(handle), "zstd support")
        try open(stream)
        _ = try nextHeader()
    }

    /// Opens an uncompressed tar file for a pass over its headers (libarchive seeks past member data).
    func openOuterTar(path: String) throws {
        try check(archive_read_support_format_tar(handle), "tar support")
        try check(archive_read_open_filename(handle, path, 1 << 16), "opening")
    }

    /// The next header, or nil at the end; a truncated or corrupt archive throws (never loops on ARCHIVE_FATAL).
    func nextHeader() throws -> OpaquePointer? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        try check(status, "reading a header")
        return entry
    }

    /// The next block of the current entry's data, or nil at its end.
    func nextDataBlock() throws -> UnsafeRawBufferPointer? {
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        let status = archive_read_data_block(handle, &buffer, &size, &offset)
        if status == ARCHIVE_EOF { return nil }
        try check(status, "reading data")
        return UnsafeRawBufferPointer(start: buffer, count: size)
    }

    var uncompressedBytes: Int64 { archive_filter_bytes(handle, 0) }
    var filterCode: Int32 { archive_filter_code(handle, 0) }
}

/// Feeds a byte range of a file to libarchive through `pread`, hashing every byte exactly once as it passes.
final class BlobStream {
    let location: BlobLocation
    private let fd: Int32
    private var position: Int64
    private let end: Int64
    private let buffer: UnsafeMutableRawPointer
    private let bufferSize: Int
    private var hasher = SHA256()
    let hashing: Bool
    private(set) var consumed: Int64 = 0
    private(set) var failure: String?
    /// Told the size of each block read, for progress: once per block, never per entry.
    var onRead: ((Int) -> Void)?

    init(_ location: BlobLocation, hashing: Bool = true, bufferSize: Int = 1 << 20) throws {
        self.location = location
        fd = open(location.file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageError.notFound("\(location.file): \(String(cString: strerror(errno)))") }
        position = location.offset
        end = location.offset + location.length
        self.bufferSize = bufferSize
        buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        self.hashing = hashing
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// Fills the buffer with the next bytes; 0 at the end of the range, -1 on an I/O error.
    func read() -> Int {
        let wanted = Int(min(Int64(bufferSize), end - position))
        if wanted <= 0 { return 0 }
        let count = pread(fd, buffer, wanted, off_t(position))
        if count < 0 {
            failure = String(cString: strerror(errno))
            return -1
        }
        if count > 0 {
            if hashing { hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: count)) }
            position += Int64(count)
            consumed += Int64(count)
            onRead?(count)
        }
        return count
    }

    var currentBuffer: UnsafeRawPointer { UnsafeRawPointer(buffer) }

    /// Reads (and hashes) whatever the archive reader left unread, so the digest covers the whole blob.
    func drain() throws {
        while true {
            let count = read()
            if count == 0 { return }
            if count < 0 { throw ImageError.archive(context: location.name, code: ARCHIVE_FATAL, message: failure ?? "read error") }
        }
    }

    /// True when the underlying file ended before the range did.
    var truncated: Bool { position < end }

    func digest() -> String {
        "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// The decompressed bytes of a compressed blob, hashed as they pass (docker-archive diff_ids name the uncompressed tar).
final class DecompressedSource {
    let decompressor: ArchiveReader
    let stream: BlobStream
    private var hasher = SHA256()
    private(set) var produced: Int64 = 0
    private(set) var failure: (any Error)?
    private let empty = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    init(_ stream: BlobStream) throws {
        self.stream = stream
        decompressor = try ArchiveReader(context: "layer \(stream.location.name)")
        try decompressor.openDecompressor(stream)
    }

    deinit { empty.deallocate() }

    /// The next decompressed block; empty at the end, nil on an error (kept in `failure`).
    func next() -> UnsafeRawBufferPointer? {
        do {
            guard let block = try decompressor.nextDataBlock() else { return UnsafeRawBufferPointer(start: empty, count: 0) }
            hasher.update(bufferPointer: block)
            produced += Int64(block.count)
            return block
        } catch {
            failure = error
            return nil
        }
    }

    /// Decompresses (and hashes) whatever the tar reader left, so the digest covers the whole tar stream.
    func drain() throws {
        while true {
            guard let block = next() else { throw failure ?? ImageError.archive(context: decompressor.context, code: ARCHIVE_FATAL, message: "read error") }
            if block.count == 0 { return }
        }
    }

    func digest() -> String {
        "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// Whether a blob starts with the gzip or zstd magic number.
func blobLooksCompressed(_ location: BlobLocation) -> Bool {
    guard location.length >= 4, let head = try? readBlob(
        BlobLocation(file: location.file, offset: location.offset, length: 4, name: location.name), limit: 4)
    else { return false }
    let bytes = [UInt8](head)
    return bytes.starts(with: [0x1f, 0x8b]) || bytes.starts(with: [0x28, 0xb5, 0x2f, 0xfd])
}

/// Reads a byte range of a file whole (JSON documents), refusing anything over `limit`.
func readBlob(_ location: BlobLocation, limit: Int64) throws -> Data {
    if location.length > limit { throw ImageError.jsonTooLarge(member: location.name, size: location.length, limit: limit) }
    let fd = open(location.file, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ImageError.notFound("\(location.file): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var data = Data(count: Int(location.length))
    var done = 0
    let total = Int(location.length)
    try data.withUnsafeMutableBytes { raw in
        guard let base = raw.baseAddress else { return }
        while done < total {
            let count = pread(fd, base + done, total - done, off_t(location.offset) + off_t(done))
            if count < 0 { throw ImageError.archive(context: location.name, code: ARCHIVE_FATAL, message: String(cString: strerror(errno))) }
            if count == 0 { throw ImageError.archive(context: location.name, code: ARCHIVE_FATAL, message: "truncated: the file ends inside this member") }
            done += count
        }
    }
    return data
}

func sha256Digest(_ data: Data) -> String {
    "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
