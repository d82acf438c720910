import CLibArchive
import Foundation

/// The members of an image tarball (indexed in one pass over its headers) or the files of an OCI layout directory.
struct BlobStore: Sendable {
    enum Storage: Sendable {
        case tarball(path: String, members: [String: Member])
        case directory(root: String)
    }

    struct Member: Sendable {
        var offset: Int64
        var size: Int64
        var symlinkTarget: String?
        var hardlinkTarget: String?
        var isRegular: Bool
    }

    let storage: Storage
    let displayName: String
    /// The decompressed copy of a compressed tarball, kept as long as anything reads from it.
    var temporary: TemporaryFile?

    static func directory(_ root: String) -> BlobStore {
        BlobStore(storage: .directory(root: root), displayName: root)
    }

    /// Indexes a tarball's members: offsets and sizes from the headers, seeking past the data.
    /// A gzip- or zstd-compressed tarball (`docker save | gzip`) is first decompressed to a temporary file, within the caps.
    /// `displayName` names the tarball in messages when `path` means nothing to the user (an engine export).
    static func tarball(_ path: String, options: ImageReadOptions, displayName: String? = nil) throws -> BlobStore {
        let shownName = displayName ?? path
        var attributes = stat()
        guard stat(path, &attributes) == 0 else { throw ImageError.notFound(shownName) }
        let fileSize = Int64(attributes.st_size)
        if fileSize == 0 { throw ImageError.unrecognisedFormat(path: shownName, reason: "the file is empty") }
        let location = BlobLocation(file: path, offset: 0, length: fileSize, name: shownName)
        guard blobLooksCompressed(location) else { return try indexTarball(path, fileSize: fileSize, displayName: shownName) }
        let temporary = try decompressToTemporaryFile(location, options: options)
        var store = try indexTarball(temporary.path, fileSize: temporary.size, displayName: shownName)
        store.temporary = temporary
        return store
    }

    private static func decompressToTemporaryFile(_ location: BlobLocation, options: ImageReadOptions) throws -> TemporaryFile {
        let temporary = try TemporaryFile()
        let stream = try BlobStream(location, hashing: false)
        let tracker = ProgressTracker(
            options.progress, stage: .decompressing, subject: location.name, parts: [(name: location.name, total: location.length)])
        defer { tracker?.finish() }
        if let tracker { stream.onRead = { tracker.advance(part: 0, by: Int64($0)) } }
        let source = try DecompressedSource(stream)
        while true {
            guard let block = source.next() else {
                throw source.failure ?? ImageError.archive(context: location.name, code: -30, message: "cannot decompress")
            }
            if block.count == 0 { break }
            if source.produced > options.maxUncompressedBytes { throw ImageError.uncompressedSizeExceeded(limit: options.maxUncompressedBytes) }
            let consumed = max(1, source.stream.consumed)
            if source.produced > options.ratioGraceBytes, source.produced / consumed > options.maxCompressionRatio {
                throw ImageError.compressionRatioExceeded(
                    layer: location.name, ratio: source.produced / consumed, limit: options.maxCompressionRatio)
            }
            try temporary.append(block)
        }
        return temporary
    }

    private static func indexTarball(_ path: String, fileSize: Int64, displayName: String) throws -> BlobStore {
        let reader = try ArchiveReader(context: path)
        do {
            try reader.openOuterTar(path: path)
        } catch {
            throw ImageError.unrecognisedFormat(path: displayName, reason: "not a tar archive (\(reader.errorMessage))")
        }
        var members: [String: Member] = [:]
        // A member's data begins where the next header begins, minus its padded size.
        var pending: (name: String, member: Member)?
        func settle(nextHeaderAt position: Int64) throws {
            guard let (name, pendingMember) = pending else { return }
            var member = pendingMember
            if member.isRegular {
                let padded = (member.size + 511) / 512 * 512
                member.offset = position - padded
                guard member.offset >= 512, member.offset + member.size <= fileSize else {
                    throw ImageError.archive(context: path, code: ARCHIVE_FATAL, message: "member \(name) lies outside the file (truncated?)")
                }
            }
            members[name] = member
            pending = nil
        }
        var count = 0
        while true {
            let entry: OpaquePointer?
            do {
                entry = try reader.nextHeader()
            } catch {
                if count == 0 { throw ImageError.unrecognisedFormat(path: displayName, reason: "not a tar archive (\(reader.errorMessage))") }
                throw error
            }
            try settle(nextHeaderAt: archive_read_header_position(reader.handle))
            guard let entry else { break }
            count += 1
            guard let rawName = archive_entry_pathname(entry) else { continue }
            let name = normaliseMemberName(String(cString: rawName))
            let type = UInt32(archive_entry_filetype(entry))
            var member = Member(offset: 0, size: archive_entry_size(entry), symlinkTarget: nil, hardlinkTarget: nil, isRegular: false)
            if let target = archive_entry_hardlink(entry) {
                member.hardlinkTarget = normaliseMemberName(String(cString: target))
            } else if type == FileTypeBits.symlink {
                member.symlinkTarget = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
            } else if type == FileTypeBits.regular {
                member.isRegular = true
            }
            pending = (name, member)
        }
        return BlobStore(storage: .tarball(path: path, members: members), displayName: displayName)
    }

    func contains(_ name: String) -> Bool {
        (try? locate(name)) != nil
    }

    /// Where a member's bytes are, following symlinks and hardlinks between members; traversal is refused.
    func locate(_ rawName: String) throws -> BlobLocation {
        var name = try safeMemberName(rawName)
        switch storage {
        case .directory(let root):
            let file = root + "/" + name
            var attributes = stat()
            guard lstat(file, &attributes) == 0 else { throw ImageError.missingMember(archive: displayName, member: name) }
            guard attributes.st_mode & S_IFMT == S_IFREG else {
                throw ImageError.unsafeMemberPath("\(name) in \(displayName) is not a regular file")
            }
            return BlobLocation(file: file, offset: 0, length: Int64(attributes.st_size), name: name)
        case .tarball(let path, let members):
            for _ in 0..<16 {
                guard let member = members[name] else { throw ImageError.missingMember(archive: displayName, member: name) }
                if let target = member.hardlinkTarget {
                    name = try safeMemberName(target)
                } else if let target = member.symlinkTarget {
                    let directory = name.split(separator: "/").dropLast().joined(separator: "/")
                    name = try lexicallyResolved(target.hasPrefix("/") ? target : directory + "/" + target, original: rawName)
                } else if member.isRegular {
                    return BlobLocation(file: path, offset: member.offset, length: member.size, name: name)
                } else {
                    throw ImageError.unsafeMemberPath("\(name) in \(displayName) is not a regular file")
                }
            }
            throw ImageError.unsafeMemberPath("\(rawName) in \(displayName): too many links")
        }
    }

    func read(_ name: String, limit: Int64) throws -> Data {
        try readBlob(try locate(name), limit: limit)
    }
}

/// Strips `./` and leading slashes so members compare by name.
func normaliseMemberName(_ name: String) -> String {
    name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.joined(separator: "/")
}

/// A member name from a manifest: relative, without `..`, never empty.
func safeMemberName(_ name: String) throws -> String {
    let components = name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    guard !components.isEmpty, !components.contains(".."), !name.hasPrefix("/"), !name.contains("\0") else {
        throw ImageError.unsafeMemberPath(name)
    }
    return components.joined(separator: "/")
}

/// Resolves `..` in a member link target lexically, refusing targets that climb above the archive's top.
private func lexicallyResolved(_ path: String, original: String) throws -> String {
    var stack: [Substring] = []
    for component in path.split(separator: "/", omittingEmptySubsequences: true) where component != "." {
        if component == ".." {
            guard stack.popLast() != nil else { throw ImageError.unsafeMemberPath(original) }
        } else {
            stack.append(component)
        }
    }
    guard !stack.isEmpty else { throw ImageError.unsafeMemberPath(original) }
    return stack.joined(separator: "/")
}

/// A file in the temporary directory, removed when the last reader lets go of it.
final class TemporaryFile: Sendable {
    let path: String
    let descriptor: Int32
    /// False for an adopted file that no longer has a name of its own.
    private let unlinkWhenDone: Bool

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/tre-lint-image-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { throw ImageError.extraction(path: NSTemporaryDirectory(), reason: String(cString: strerror(errno))) }
        descriptor = fd
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        unlinkWhenDone = true
    }

    /// Takes over an open file that was already unlinked: `path` reopens it through /proc for as long as this object lives.
    init(adoptingUnlinked descriptor: Int32) {
        self.descriptor = descriptor
        path = "/proc/self/fd/\(descriptor)"
        unlinkWhenDone = false
    }

    deinit {
        close(descriptor)
        if unlinkWhenDone { unlink(path) }
    }

    var size: Int64 { Int64(lseek(descriptor, 0, SEEK_END)) }

    func append(_ block: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < block.count {
            let count = write(descriptor, block.baseAddress.map { $0 + done }, block.count - done)
            if count < 0 { throw ImageError.extraction(path: path, reason: String(cString: strerror(errno))) }
            done += count
        }
    }
}
