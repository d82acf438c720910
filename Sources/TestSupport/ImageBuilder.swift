import CLibArchive
import Crypto
public import Foundation
public import ImageKit

/// One entry of a test layer, described declaratively.
public struct EntrySpec: Sendable {
    /// What kind of tar header to write.
    public enum Kind: Sendable {
        case file(FileContent)
        case directory
        case symlink(target: String)
        case hardlink(target: String)
        case characterDevice(major: Int32, minor: Int32)
        case blockDevice(major: Int32, minor: Int32)
        case fifo
        /// A hostile escape hatch: any name bytes, any file-type bits, any link target, any declared size.
        case raw(typeBits: UInt32, link: [UInt8]?, hardlink: [UInt8]?, content: FileContent)
    }

    /// A regular file's bytes: given, or `size` bytes of `fill` generated while writing.
    public enum FileContent: Sendable {
        case data(Data)
        case synthetic(size: Int64, fill: UInt8)
    }

    public var name: [UInt8]
    public var kind: Kind
    public var mode: UInt32
    public var uid: Int
    public var gid: Int
    public var modificationTime: Int64

    public init(name: [UInt8], kind: Kind, mode: UInt32, uid: Int = 0, gid: Int = 0, modificationTime: Int64 = 1_700_000_000) {
        self.name = name; self.kind = kind; self.mode = mode; self.uid = uid; self.gid = gid
        self.modificationTime = modificationTime
    }

    public static func file(_ path: String, _ contents: String, mode: UInt32 = 0o644, uid: Int = 0, gid: Int = 0) -> EntrySpec {
        EntrySpec(name: Array(path.utf8), kind: .file(.data(Data(contents.utf8))), mode: mode, uid: uid, gid: gid)
    }

    public static func file(_ path: String, data: Data, mode: UInt32 = 0o644, uid: Int = 0, gid: Int = 0) -> EntrySpec {
        EntrySpec(name: Array(path.utf8), kind: .file(.data(data)), mode: mode, uid: uid, gid: gid)
    }

    public static func file(_ path: String, size: Int64, fill: UInt8 = 0, mode: UInt32 = 0o644) -> EntrySpec {
        EntrySpec(name: Array(path.utf8), kind: .file(.synthetic(size: size, fill: fill)), mode: mode)
    }

    public static func dir(_ path: String, mode: UInt32 = 0o755, uid: Int = 0, gid: Int = 0) -> EntrySpec {
        EntrySpec(name: Array(path.utf8), kind: .directory, mode: mode, uid: uid, gid: gid)
    }

    public static func symlink(_ path: String, to target: String) -> EntrySpec {
        EntrySpec(name: Array(path.utf8), kind: .symlink(target: target), mode: 0o777)
    }

    public static func hardlink(_ path: String, to target: String) -> EntrySpec {
        EntrySpec(name: Array(path.utf8), kind: .hardlink(target: target), mode: 0o644)
    }

    /// `.wh.NAME` beside `path`, hiding `path` of lower layers.
    public static func whiteout(_ path: String) -> EntrySpec {
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        let name = path.split(separator: "/").last.map(String.init) ?? ""
        return EntrySpec(name: Array(((parent.isEmpty ? "" : parent + "/") + ".wh." + name).utf8), kind: .file(.data(Data())), mode: 0o644)
    }

    /// `.wh..wh..opq` inside `directory`, hiding what lower layers hold below it.
    public static func opaque(_ directory: String) -> EntrySpec {
        let trimmed = directory.split(separator: "/").joined(separator: "/")
        return EntrySpec(name: Array(((trimmed.isEmpty ? "" : trimmed + "/") + ".wh..wh..opq").utf8), kind: .file(.data(Data())), mode: 0o644)
    }

    public static func charDevice(_ path: String, major: Int32, minor: Int32, mode: UInt32 = 0o666) -> EntrySpec {
        EntrySpec(name: Array(path.utf8), kind: .characterDevice(major: major, minor: minor), mode: mode)
    }

    public static func blockDevice(_ path: String, major: Int32, minor: Int32, mode: UInt32 = 0o660) -> EntrySpec {
        EntrySpec(name: Array(path.utf8), kind: .blockDevice(major: major, minor: minor), mode: mode)
    }

    public static func fifo(_ path: String, mode: UInt32 = 0o644) -> EntrySpec {
        EntrySpec(name: Array(path.utf8), kind: .fifo, mode: mode)
    }
}

/// One layer of a test image.
public struct LayerSpec: Sendable {
    /// How the layer blob is compressed.
    public enum Compression: Sendable { case none, gzip, zstd }

    public var entries: [EntrySpec]
    public var compression: Compression
    /// The history line for this layer.
    public var createdBy: String

    public init(_ entries: [EntrySpec], compression: Compression = .none, createdBy: String = "COPY . /") {
        self.entries = entries; self.compression = compression; self.createdBy = createdBy
    }
}

/// A whole test image: layers, process config, platform, tags.
public struct ImageSpec: Sendable {
    public var layers: [LayerSpec]
    public var config: ContainerConfig
    public var architecture: String
    public var os: String
    public var variant: String?
    /// History; nil derives one line per layer from `createdBy`.
    public var history: [HistoryEntry]?
    public var repoTags: [String]

    public init(
        layers: [LayerSpec], config: ContainerConfig = .init(), architecture: String = "amd64", os: String = "linux",
        variant: String? = nil, history: [HistoryEntry]? = nil, repoTags: [String] = ["localhost/test/image:1"]
    ) {
        self.layers = layers; self.config = config; self.architecture = architecture; self.os = os
        self.variant = variant; self.history = history; self.repoTags = repoTags
    }

    /// A runnable image: a static busybox at `/bin/busybox` with its applets as symlinks, then `layers` on top.
    public static func busybox(
        layers: [LayerSpec] = [], config: ContainerConfig = .init(cmd: ["/bin/sh"]), busyboxPath: String = "/bin/busybox"
    ) throws -> ImageSpec {
        guard let binary = FileManager.default.contents(atPath: busyboxPath) else {
            throw BuilderError("no static busybox at \(busyboxPath) (install Debian's busybox-static)")
        }
        var entries: [EntrySpec] = [
            .dir("bin"), .dir("etc"), .dir("tmp", mode: 0o1777), .dir("root", mode: 0o700), .dir("usr"), .dir("usr/bin"),
            .dir("proc"), .dir("sys"), .dir("dev"), .dir("home"), .dir("var"), .dir("var/tmp", mode: 0o1777),
            .file("bin/busybox", data: binary, mode: 0o755),
            .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
            .file("etc/group", "root:x:0:\nnogroup:x:65534:\n"),
        ]
        for applet in busyboxApplets(busyboxPath) where applet != "busybox" {
            entries.append(.symlink("bin/" + applet, to: "busybox"))
        }
        return ImageSpec(layers: [LayerSpec(entries, createdBy: "ADD busybox /bin/")] + layers, config: config)
    }

    private static func busyboxApplets(_ path: String) -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--list"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return ["sh", "ls", "cat", "echo", "id", "env", "sleep", "mkdir", "touch"] }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.contains("/") }
    }
}

/// Ways to break a generated image on purpose, for hostile-input tests.
public struct Tampering: Sendable {
    /// Layer indices whose recorded digest is replaced by a wrong one.
    public var wrongLayerDigests: Set<Int> = []
    /// Layer indices whose config diff_id is replaced by a wrong one.
    public var wrongDiffIDs: Set<Int> = []
    public var wrongConfigDigest = false
    /// Replaces manifest.json (docker layouts) or the image manifest blob (OCI layouts).
    public var manifestOverride: Data?
    public var configOverride: Data?
    public var indexOverride: Data?
    /// Names of layer members to write in manifest.json / the OCI manifest instead of the real ones.
    public var layerPathOverrides: [Int: String] = [:]
    /// Extra members written into the tarball (or files into the layout directory) before the image's own.
    public var extraMembers: [(name: String, data: Data)] = []
    /// Drops these blobs from the output (by layer index) while still listing them.
    public var missingLayers: Set<Int> = []
    /// Cuts the finished tarball to this many bytes.
    public var truncateTo: Int64?
    /// Cuts a layer blob to this many bytes (keeping its recorded digest of the whole blob).
    public var truncateLayer: (index: Int, bytes: Int)?

    public init() {}
}

/// An error building a test image.
public struct BuilderError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What was written: the digests a reader should report.
public struct BuiltImage: Sendable {
    public var url: URL
    public var manifestDigest: String
    public var configDigest: String
    public var layerDigests: [String]
    public var diffIDs: [String]
}

/// Writes docker-archive, Docker 25+, oci-archive and OCI layout images from an `ImageSpec`, with libarchive's writer.
public enum ImageBuilder {
    /// The on-disk layout to write.
    public enum Layout: Sendable, CaseIterable {
        /// `podman save` / classic `docker save`: `HEX.tar` layers, `HEX.json` config, `ID/layer.tar` symlinks, manifest.json last.
        case dockerArchive
        /// `docker save` since Docker 25: an OCI layout plus manifest.json.
        case docker25
        case ociArchive
        case ociLayoutDirectory
    }

    @discardableResult
    public static func write(_ spec: ImageSpec, layout: Layout, to url: URL, tampering: Tampering = .init()) throws -> BuiltImage {
        var layerBlobs: [(blob: Data, digest: String, diffID: String, mediaType: String)] = []
        for layer in spec.layers {
            let (blob, diffID) = try layerBlob(layer)
            let mediaType: String
            switch layer.compression {
            case .none: mediaType = "application/vnd.oci.image.layer.v1.tar"
            case .gzip: mediaType = "application/vnd.oci.image.layer.v1.tar+gzip"
            case .zstd: mediaType = "application/vnd.oci.image.layer.v1.tar+zstd"
            }
            layerBlobs.append((blob, digest(blob), diffID, mediaType))
        }
        if let (index, bytes) = tampering.truncateLayer, layerBlobs.indices.contains(index) {
            layerBlobs[index].blob = layerBlobs[index].blob.prefix(bytes)
        }
        var diffIDs = layerBlobs.map(\.diffID)
        for index in tampering.wrongDiffIDs where diffIDs.indices.contains(index) { diffIDs[index] = "sha256:" + String(repeating: "0", count: 64) }
        let history = spec.history ?? spec.layers.map { HistoryEntry(created: "2024-01-01T00:00:00Z", createdBy: $0.createdBy) }
        let config = ImageConfig(
            architecture: spec.architecture, os: spec.os, variant: spec.variant, created: "2024-01-01T00:00:00Z",
            config: spec.config, rootfs: RootFS(diffIDs: diffIDs), history: history)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let configData = try tampering.configOverride ?? encoder.encode(config)
        var configDigest = digest(configData)
        let realConfigDigest = configDigest
        if tampering.wrongConfigDigest { configDigest = "sha256:" + String(repeating: "1", count: 64) }
        var recordedLayerDigests = layerBlobs.map(\.digest)
        for index in tampering.wrongLayerDigests where recordedLayerDigests.indices.contains(index) {
            recordedLayerDigests[index] = "sha256:" + String(repeating: "2", count: 64)
        }

        var members: [(name: String, data: Data?, symlink: String?)] = tampering.extraMembers.map { ($0.name, $0.data, nil) }
        func hex(_ digest: String) -> String { String(digest.dropFirst(7)) }
        let manifestDigest: String
        switch layout {
        case .dockerArchive:
            var layerPaths: [String] = []
            for (index, layer) in layerBlobs.enumerated() {
                let name = hex(recordedLayerDigests[index]) + ".tar"
                if !tampering.missingLayers.contains(index) { members.append((name, layer.blob, nil)) }
                let id = hex(digest(Data((layer.diffID + "\(index)").utf8)))
                members.append((id, nil, nil))
                members.append((id + "/layer.tar", nil, "../" + name))
                layerPaths.append(tampering.layerPathOverrides[index] ?? name)
            }
            members.append((hex(configDigest) + ".json", configData, nil))
            let manifest = try tampering.manifestOverride ?? JSONSerialization.data(withJSONObject: [
                ["Config": hex(configDigest) + ".json", "RepoTags": spec.repoTags, "Layers": layerPaths]
            ], options: [.sortedKeys, .withoutEscapingSlashes])
            members.append(("manifest.json", manifest, nil))
            manifestDigest = digest(manifest)
        case .docker25, .ociArchive, .ociLayoutDirectory:
            members.append(("oci-layout", Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), nil))
            for (index, layer) in layerBlobs.enumerated() where !tampering.missingLayers.contains(index) {
                members.append(("blobs/sha256/" + hex(recordedLayerDigests[index]), layer.blob, nil))
            }
            members.append(("blobs/sha256/" + hex(configDigest), configData, nil))
            let layerDescriptors: [[String: Any]] = layerBlobs.enumerated().map { index, layer in
                ["mediaType": layer.mediaType, "digest": tampering.layerPathOverrides[index] ?? recordedLayerDigests[index], "size": layer.blob.count]
            }
            let manifest = try tampering.manifestOverride ?? JSONSerialization.data(withJSONObject: [
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": configDigest, "size": configData.count],
                "layers": layerDescriptors,
            ] as [String: Any], options: [.sortedKeys, .withoutEscapingSlashes])
            manifestDigest = digest(manifest)
            members.append(("blobs/sha256/" + hex(manifestDigest), manifest, nil))
            var descriptor: [String: Any] = [
                "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifestDigest, "size": manifest.count,
            ]
            if let tag = spec.repoTags.first { descriptor["annotations"] = ["org.opencontainers.image.ref.name": tag, "io.containerd.image.name": tag] }
            let index = try tampering.indexOverride ?? JSONSerialization.data(withJSONObject: [
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [descriptor],
            ] as [String: Any], options: [.sortedKeys, .withoutEscapingSlashes])
            members.append(("index.json", index, nil))
            if layout == .docker25 {
                let dockerManifest = try JSONSerialization.data(withJSONObject: [
                    ["Config": "blobs/sha256/" + hex(configDigest), "RepoTags": spec.repoTags,
                     "Layers": layerBlobs.indices.map { tampering.layerPathOverrides[$0] ?? "blobs/sha256/" + hex(recordedLayerDigests[$0]) }]
                ], options: [.sortedKeys, .withoutEscapingSlashes])
                members.append(("manifest.json", dockerManifest, nil))
            }
        }

        if layout == .ociLayoutDirectory {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            for member in members {
                let target = url.appendingPathComponent(member.name)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                if let data = member.data { try data.write(to: target) }
            }
        } else {
            try writeTar(members, to: url.path)
            if let size = tampering.truncateTo { _ = truncate(url.path, off_t(size)) }
        }
        return BuiltImage(
            url: url, manifestDigest: manifestDigest, configDigest: realConfigDigest, layerDigests: layerBlobs.map(\.digest),
            diffIDs: layerBlobs.map(\.diffID))
    }

    /// Writes a layer tar (through a compressing raw writer when asked), returning the blob and the tar's digest.
    public static func layerBlob(_ layer: LayerSpec) throws -> (blob: Data, diffID: String) {
        let output = OutputSink()
        let compressor = try Writer(sink: output, rawWithFilter: layer.compression)
        let tarSink = OutputSink(forward: compressor)
        let tar = try Writer(sink: tarSink, rawWithFilter: nil)
        for entry in layer.entries { try tar.add(entry) }
        try tar.finish()
        try compressor.finish()
        return (output.data, "sha256:" + tarSink.hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    private static func writeTar(_ members: [(name: String, data: Data?, symlink: String?)], to path: String) throws {
        let sink = OutputSink(file: path)
        let writer = try Writer(sink: sink, rawWithFilter: nil)
        for member in members {
            if let target = member.symlink {
                try writer.add(.symlink(member.name, to: target))
            } else if let data = member.data {
                try writer.add(.file(member.name, data: data))
            } else {
                try writer.add(.dir(member.name))
            }
        }
        try writer.finish()
        try sink.close()
    }

    static func digest(_ data: Data) -> String {
        "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

/// Where a libarchive writer's bytes go: memory, a file, or another writer (with a running sha256).
final class OutputSink {
    var data = Data()
    var hasher = SHA256()
    private var file: FileHandle?
    private let forward: Writer?

    init(forward: Writer? = nil) { self.forward = forward }

    init(file path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        self.file = FileHandle(forWritingAtPath: path)
        forward = nil
    }

    func write(_ buffer: UnsafeRawBufferPointer) -> Bool {
        hasher.update(bufferPointer: buffer)
        if let forward { return forward.writeData(buffer) }
        if let file { return (try? file.write(contentsOf: Data(buffer))) != nil }
        data.append(contentsOf: buffer)
        return true
    }

    func close() throws { try file?.close() }
}

/// Owns a libarchive write handle: a pax tar writer, or a raw writer that only compresses.
final class Writer {
    let handle: OpaquePointer
    private let sink: OutputSink
    private let raw: Bool

    init(sink: OutputSink, rawWithFilter compression: LayerSpec.Compression?) throws {
        guard let handle = archive_write_new() else { throw BuilderError("cannot allocate a libarchive writer") }
        self.handle = handle
        self.sink = sink
        raw = compression != nil
        if let compression {
            try check(archive_write_set_format_raw(handle))
            switch compression {
            case .none: break
            case .gzip:
                try check(archive_write_add_filter_gzip(handle))
                // gzip stamps the current time into its header by default: the same spec built twice in different
                // seconds would get different digests, and tests that rebuild an image to point at it would flake.
                try check(archive_write_set_filter_option(handle, "gzip", "timestamp", nil))
            case .zstd: try check(archive_write_add_filter_zstd(handle))
            }
        } else {
            try check(archive_write_set_format_pax_restricted(handle))
        }
        try check(archive_write_set_bytes_in_last_block(handle, 1))
        try check(archive_write_open2(
            handle, Unmanaged.passUnretained(sink).toOpaque(), nil,
            { _, clientData, buffer, length in
                guard let clientData else { return -1 }
                let sink = Unmanaged<OutputSink>.fromOpaque(clientData).takeUnretainedValue()
                return sink.write(UnsafeRawBufferPointer(start: buffer, count: length)) ? la_ssize_t(length) : -1
            }, nil, nil))
        if raw {
            guard let entry = archive_entry_new() else { throw BuilderError("cannot allocate an entry") }
            defer { archive_entry_free(entry) }
            archive_entry_set_pathname(entry, "layer")
            archive_entry_set_filetype(entry, 0o100000)
            try check(archive_write_header(handle, entry))
        }
    }

    deinit { archive_write_free(handle) }

    private func check(_ status: Int32) throws {
        if status < ARCHIVE_WARN {
            throw BuilderError(archive_error_string(handle).map { String(cString: $0) } ?? "libarchive write error \(status)")
        }
    }

    func writeData(_ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return true }
        return archive_write_data(handle, base, buffer.count) >= 0
    }

    func add(_ spec: EntrySpec) throws {
        guard let entry = archive_entry_new() else { throw BuilderError("cannot allocate an entry") }
        defer { archive_entry_free(entry) }
        (spec.name + [0]).withUnsafeBufferPointer { name in
            name.baseAddress.map { $0.withMemoryRebound(to: CChar.self, capacity: name.count) { archive_entry_copy_pathname(entry, $0) } }
        }
        archive_entry_set_uid(entry, la_int64_t(spec.uid))
        archive_entry_set_gid(entry, la_int64_t(spec.gid))
        archive_entry_set_mtime(entry, time_t(spec.modificationTime), 0)
        var content: EntrySpec.FileContent?
        func setLink(_ bytes: [UInt8], hard: Bool) {
            (bytes + [0]).withUnsafeBufferPointer { link in
                link.baseAddress.map {
                    $0.withMemoryRebound(to: CChar.self, capacity: link.count) {
                        hard ? archive_entry_copy_hardlink(entry, $0) : archive_entry_copy_symlink(entry, $0)
                    }
                }
            }
        }
        switch spec.kind {
        case .file(let fileContent):
            archive_entry_set_mode(entry, mode_t(0o100000 | (spec.mode & 0o7777)))
            content = fileContent
        case .directory:
            archive_entry_set_mode(entry, mode_t(0o040000 | (spec.mode & 0o7777)))
        case .symlink(let target):
            archive_entry_set_mode(entry, mode_t(0o120000 | 0o777))
            setLink(Array(target.utf8), hard: false)
        case .hardlink(let target):
            archive_entry_set_mode(entry, mode_t(0o100000 | (spec.mode & 0o7777)))
            setLink(Array(target.utf8), hard: true)
            archive_entry_set_size(entry, 0)
        case .characterDevice(let major, let minor), .blockDevice(let major, let minor):
            let isChar: Bool
            if case .characterDevice = spec.kind { isChar = true } else { isChar = false }
            archive_entry_set_mode(entry, mode_t((isChar ? 0o020000 : 0o060000) | (spec.mode & 0o7777)))
            archive_entry_set_rdevmajor(entry, dev_t(UInt32(bitPattern: major)))
            archive_entry_set_rdevminor(entry, dev_t(UInt32(bitPattern: minor)))
        case .fifo:
            archive_entry_set_mode(entry, mode_t(0o010000 | (spec.mode & 0o7777)))
        case .raw(let typeBits, let link, let hardlink, let rawContent):
            archive_entry_set_mode(entry, mode_t(typeBits | (spec.mode & 0o7777)))
            if let link { setLink(link, hard: false) }
            if let hardlink { setLink(hardlink, hard: true) }
            content = rawContent
        }
        switch content {
        case .data(let data)?: archive_entry_set_size(entry, la_int64_t(data.count))
        case .synthetic(let size, _)?: archive_entry_set_size(entry, la_int64_t(size))
        case nil: break
        }
        try check(archive_write_header(handle, entry))
        switch content {
        case .data(let data)?:
            try data.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress, buffer.count > 0 else { return }
                if archive_write_data(handle, base, buffer.count) < 0 { try check(ARCHIVE_FATAL) }
            }
        case .synthetic(let size, let fill)?:
            let chunk = [UInt8](repeating: fill, count: 1 << 20)
            var remaining = size
            while remaining > 0 {
                let count = Int(min(remaining, Int64(chunk.count)))
                try chunk.withUnsafeBytes { buffer in
                    guard let base = buffer.baseAddress else { return }
                    if archive_write_data(handle, base, count) < 0 { try check(ARCHIVE_FATAL) }
                }
                remaining -= Int64(count)
            }
        case nil: break
        }
    }

    func finish() throws {
        try check(archive_write_close(handle))
    }
}
