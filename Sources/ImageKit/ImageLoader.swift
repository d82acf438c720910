import CLibArchive
import Foundation

/// Opens an image in any supported layout and reads it in one pass over its layers.
public enum ImageLoader {
    /// Reads `reference` once; `observers` see small files and `fileDigests`, when given, receives every regular file's sha256.
    public static func load(
        _ reference: ImageReference, options: ImageReadOptions = .init(), observers: [any ImageContentObserver] = [],
        fileDigests: (any ImageFileDigestObserver)? = nil
    ) throws -> Image {
        let plan: LoadPlan
        switch reference.source {
        case .podman, .dockerDaemon:
            guard let (engine, name) = reference.engineImage else { throw ImageError.unsupportedReference(reference.text) }
            let export = try EngineExport.export(name, from: engine, reference: reference.text, options: options)
            // The archive has no name on disk any more; the tree keeps it open for extraction and the sandbox.
            var store = try BlobStore.tarball(export.path, options: options, displayName: reference.text)
            if store.temporary == nil { store.temporary = export }
            plan = withTemporary(try dockerPlan(store: store, options: options), store)
        case .ociLayout(let directory, let name):
            plan = try ociPlan(store: try directoryStore(directory), format: .ociLayout, refName: name, options: options)
        case .ociArchive(let path):
            let store = try BlobStore.tarball(try existingFile(path), options: options)
            plan = withTemporary(try ociPlan(store: store, format: .ociArchive, refName: nil, options: options), store)
        case .dockerArchive(let path):
            let store = try BlobStore.tarball(try existingFile(path), options: options)
            guard store.contains("manifest.json") else {
                throw ImageError.unrecognisedFormat(path: path, reason: "no manifest.json, so not a docker-archive")
            }
            plan = withTemporary(try dockerPlan(store: store, options: options), store)
        case .path(let path):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ImageError.notFound(path) }
            if isDirectory.boolValue {
                plan = try ociPlan(store: try directoryStore(path), format: .ociLayout, refName: nil, options: options)
            } else {
                let store = try BlobStore.tarball(path, options: options)
                if store.contains("manifest.json") {
                    plan = withTemporary(try dockerPlan(store: store, options: options), store)
                } else if store.contains("index.json") {
                    plan = withTemporary(try ociPlan(store: store, format: .ociArchive, refName: nil, options: options), store)
                } else {
                    throw ImageError.unrecognisedFormat(path: path, reason: "it has neither manifest.json nor index.json")
                }
            }
        }
        return try read(plan, reference: reference, options: options, observers: observers, fileDigests: fileDigests)
    }

    private static func withTemporary(_ plan: LoadPlan, _ store: BlobStore) -> LoadPlan {
        var plan = plan
        plan.temporary = store.temporary
        return plan
    }

    private static func existingFile(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ImageError.notFound(path) }
        if isDirectory.boolValue { throw ImageError.unrecognisedFormat(path: path, reason: "a directory, not a tarball") }
        return path
    }

    private static func directoryStore(_ path: String) throws -> BlobStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImageError.notFound("\(path) (an OCI layout directory)")
        }
        let store = BlobStore.directory(path)
        guard store.contains("index.json") else {
            throw ImageError.unrecognisedFormat(path: path, reason: "no index.json, so not an OCI layout")
        }
        return store
    }

    /// What to read: the config and layer blobs, with the digests to check them against.
    struct LoadPlan {
        struct Layer {
            var location: BlobLocation
            var mediaType: String?
            /// Digest of the blob as stored, when the layout names one.
            var blobDigest: String?
            /// Digest of the uncompressed tar (docker-archive diff_ids).
            var diffID: String?
        }
        var format: ImageFormat
        var manifestDigest: String
        var configDigest: String
        var repoTags: [String]
        var config: ImageConfig
        var layers: [Layer]
        var availablePlatforms: [String]
        /// Keeps a decompressed copy of the tarball alive while the image is in use.
        var temporary: TemporaryFile? = nil
    }

    // MARK: docker-archive (including Docker 25+, whose manifest.json points into an OCI layout)

    private static func dockerPlan(store: BlobStore, options: ImageReadOptions) throws -> LoadPlan {
        let manifestData = try store.read("manifest.json", limit: options.maxJSONBytes)
        let items = try decode([DockerManifestItem].self, manifestData, member: "manifest.json")
        guard let item = items.first else { throw ImageError.malformedJSON(member: "manifest.json", reason: "it lists no image") }
        let configData = try store.read(item.config, limit: options.maxJSONBytes)
        let configDigest = sha256Digest(configData)
        if let named = digestNamed(item.config), named != configDigest {
            throw ImageError.digestMismatch(what: "config \(item.config)", expected: named, actual: configDigest)
        }
        let config = try decode(ImageConfig.self, configData, member: item.config)
        guard config.rootfs.diffIDs.count == item.layers.count else {
            throw ImageError.layerCountMismatch(manifestLayers: item.layers.count, diffIDs: config.rootfs.diffIDs.count)
        }
        var manifestDigest = sha256Digest(manifestData)
        if store.contains("index.json"), let indexData = try? store.read("index.json", limit: options.maxJSONBytes),
            let index = try? JSONDecoder().decode(OCIIndex.self, from: indexData), let first = index.manifests.first
        {
            manifestDigest = first.digest
        }
        var layers: [LoadPlan.Layer] = []
        for (position, path) in item.layers.enumerated() {
            let location = try store.locate(path)
            let diffID = config.rootfs.diffIDs[position]
            try validateDigest(diffID)
            layers.append(LoadPlan.Layer(
                location: location, mediaType: nil, blobDigest: digestNamed(location.name), diffID: diffID))
        }
        return LoadPlan(
            format: .dockerArchive, manifestDigest: manifestDigest, configDigest: configDigest, repoTags: item.repoTags ?? [],
            config: config, layers: layers, availablePlatforms: [])
    }

    /// The digest a member's name spells (`blobs/sha256/HEX`, `HEX.tar`, `HEX.json`), if it spells one.
    static func digestNamed(_ member: String) -> String? {
        let components = member.split(separator: "/")
        if components.count >= 3, components[components.count - 3] == "blobs", components[components.count - 2] == "sha256" {
            let hex = String(components[components.count - 1])
            return isHexDigest(hex) ? "sha256:" + hex : nil
        }
        guard let last = components.last else { return nil }
        let stem = last.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
        return isHexDigest(stem) && (last.hasSuffix(".tar") || last.hasSuffix(".json")) ? "sha256:" + stem : nil
    }

    static func isHexDigest<S: StringProtocol>(_ hex: S) -> Bool {
        hex.utf8.count == 64 && hex.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func validateDigest(_ digest: String) throws {
        guard digest.hasPrefix("sha256:"), isHexDigest(digest.dropFirst(7)) else { throw ImageError.invalidDigest(digest) }
    }

    // MARK: OCI (archive and layout directory)

    private static func ociPlan(store: BlobStore, format: ImageFormat, refName: String?, options: ImageReadOptions) throws -> LoadPlan {
        let indexData = try store.read("index.json", limit: options.maxJSONBytes)
        let index = try decode(OCIIndex.self, indexData, member: "index.json")
        var candidates = index.manifests
        var repoTags: [String] = []
        if let refName {
            candidates = candidates.filter { $0.annotations?["org.opencontainers.image.ref.name"] == refName }
            guard !candidates.isEmpty else {
                let names = index.manifests.compactMap { $0.annotations?["org.opencontainers.image.ref.name"] }
                throw ImageError.unsupportedReference("oci reference \(refName) not in index.json (it has: \(names.joined(separator: ", ")))")
            }
        }
        for descriptor in candidates {
            if let name = descriptor.annotations?["io.containerd.image.name"] ?? descriptor.annotations?["org.opencontainers.image.ref.name"],
                name.contains(":") || name.contains("/")
            {
                repoTags.append(name)
            }
        }
        var available: [String] = []
        var chosen = try choose(candidates, platform: options.platform, available: &available)
        var manifest: OCIManifest
        var depth = 0
        while true {
            let data = try readVerified(store, chosen, options: options, what: "manifest")
            manifest = try decode(OCIManifest.self, data, member: "manifest \(chosen.digest)")
            guard let nested = manifest.manifests else { break }
            depth += 1
            if depth > 4 { throw ImageError.malformedJSON(member: "index \(chosen.digest)", reason: "indexes nested too deeply") }
            chosen = try choose(nested, platform: options.platform, available: &available)
        }
        guard let configDescriptor = manifest.config, let layerDescriptors = manifest.layers else {
            throw ImageError.malformedJSON(member: "manifest \(chosen.digest)", reason: "no config or layers")
        }
        let configData = try readVerified(store, configDescriptor, options: options, what: "config")
        let config = try decode(ImageConfig.self, configData, member: "config \(configDescriptor.digest)")
        guard config.rootfs.diffIDs.count == layerDescriptors.count else {
            throw ImageError.layerCountMismatch(manifestLayers: layerDescriptors.count, diffIDs: config.rootfs.diffIDs.count)
        }
        var layers: [LoadPlan.Layer] = []
        for descriptor in layerDescriptors {
            let location = try store.locate(try blobPath(descriptor.digest))
            guard location.length == descriptor.size else {
                throw ImageError.digestMismatch(
                    what: "layer \(descriptor.digest) size", expected: "\(descriptor.size) bytes", actual: "\(location.length) bytes")
            }
            layers.append(LoadPlan.Layer(
                location: location, mediaType: descriptor.mediaType, blobDigest: descriptor.digest, diffID: nil))
        }
        return LoadPlan(
            format: format, manifestDigest: chosen.digest, configDigest: configDescriptor.digest, repoTags: repoTags,
            config: config, layers: layers, availablePlatforms: available)
    }

    private static func platformName(_ platform: OCIDescriptor.Platform) -> String {
        [platform.os, platform.architecture, platform.variant].compactMap { $0 }.joined(separator: "/")
    }

    private static func choose(_ descriptors: [OCIDescriptor], platform: String, available: inout [String]) throws -> OCIDescriptor {
        let platforms = descriptors.compactMap(\.platform).map(platformName).filter { $0 != "unknown/unknown" }
        if !platforms.isEmpty { available = platforms }
        if descriptors.count == 1, let only = descriptors.first { return only }
        let wanted = platform.split(separator: "/").map(String.init)
        if let match = descriptors.first(where: { descriptor in
            guard let candidate = descriptor.platform else { return false }
            let name = [candidate.os, candidate.architecture] + (candidate.variant.map { [$0] } ?? [])
            return Array(name.prefix(wanted.count)) == wanted
        }) {
            return match
        }
        if platforms.isEmpty, let first = descriptors.first { return first }
        throw ImageError.platformNotFound(wanted: platform, available: platforms)
    }

    private static func blobPath(_ digest: String) throws -> String {
        try validateDigest(digest)
        return "blobs/sha256/" + digest.dropFirst(7)
    }

    private static func readVerified(_ store: BlobStore, _ descriptor: OCIDescriptor, options: ImageReadOptions, what: String) throws -> Data {
        let location = try store.locate(try blobPath(descriptor.digest))
        let data = try readBlob(location, limit: options.maxJSONBytes)
        let actual = sha256Digest(data)
        guard actual == descriptor.digest else { throw ImageError.digestMismatch(what: "\(what) \(location.name)", expected: descriptor.digest, actual: actual) }
        return data
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data, member: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw ImageError.malformedJSON(member: member, reason: describe(error))
        } catch {
            throw ImageError.malformedJSON(member: member, reason: "\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "" : " at \(path)"
        }
        switch error {
        case .typeMismatch(let type, let context): return "expected \(type)\(at(context))"
        case .valueNotFound(let type, let context): return "missing \(type) value\(at(context))"
        case .keyNotFound(let key, let context): return "missing key \(key.stringValue)\(at(context))"
        case .dataCorrupted(let context): return "not valid JSON\(at(context))"
        @unknown default: return "undecodable"
        }
    }

    // MARK: the one pass over the layers

    private static func read(
        _ plan: LoadPlan, reference: ImageReference, options: ImageReadOptions, observers: [any ImageContentObserver],
        fileDigests: (any ImageFileDigestObserver)?
    ) throws -> Image {
        let budget = ReadBudget(options)
        let count = plan.layers.count
        let results = LockedResults<LayerScan>(count: count)
        // Largest layers first, so one big layer does not start last.
        let order = plan.layers.indices.sorted { plan.layers[$0].location.length > plan.layers[$1].location.length }
        let next = LockedCounter()
        let workers = min(options.parallelism, count)
        let progress = ProgressTracker(
            options.progress, stage: .reading, subject: reference.text,
            parts: plan.layers.indices.map { (name: "layer \($0 + 1)", total: plan.layers[$0].location.length) })
        defer { progress?.finish() }
        if workers > 0 {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let slot = next.take(below: count) {
                    let layerIndex = order[slot]
                    if results.anyFailure { return }
                    progress?.begin(part: layerIndex)
                    let outcome = Result { try scanLayer(
                        plan.layers[layerIndex].location, index: layerIndex, budget: budget, observers: observers,
                        hashUncompressed: plan.layers[layerIndex].diffID != nil, fileDigests: fileDigests,
                        progress: progress) }
                    if case .success = outcome { progress?.finish(part: layerIndex) }
                    results.set(layerIndex, outcome)
                }
            }
        }
        var merger = TreeMerger()
        var layers: [LayerInfo] = []
        let history = (plan.config.history ?? []).filter { $0.emptyLayer != true }
        for (position, layer) in plan.layers.enumerated() {
            // Taken, not read: each layer's entry list is freed once merged, so peak memory holds one copy of the tree.
            guard let outcome = results.take(position) else { throw results.firstFailure ?? ImageError.archive(context: layer.location.name, code: ARCHIVE_FATAL, message: "not read") }
            let scan = try outcome.get()
            if let expected = layer.blobDigest, expected != scan.rawDigest {
                throw ImageError.digestMismatch(what: "layer \(layer.location.name)", expected: expected, actual: scan.rawDigest)
            }
            if let diffID = layer.diffID {
                let actual = scan.compressed ? scan.uncompressedDigest ?? "" : scan.rawDigest
                if diffID != actual {
                    throw ImageError.digestMismatch(what: "layer \(layer.location.name) (diff_id)", expected: diffID, actual: actual)
                }
            }
            try merger.apply(layer: position, entries: scan.entries, name: layer.location.name)
            layers.append(LayerInfo(
                digest: layer.blobDigest ?? scan.rawDigest, mediaType: layer.mediaType ?? dockerMediaType(scan.filterCode),
                compressedSize: scan.compressedSize, size: scan.uncompressedSize, entries: scan.entries.count,
                createdBy: history.count == plan.layers.count ? history[position].createdBy : nil))
        }
        let tree = merger.finish(layerBlobs: plan.layers.map(\.location), keeping: plan.temporary)
        return Image(
            reference: reference, format: plan.format, manifestDigest: plan.manifestDigest, configDigest: plan.configDigest,
            repoTags: plan.repoTags, config: plan.config, layers: layers, tree: tree, availablePlatforms: plan.availablePlatforms)
    }

    private static func dockerMediaType(_ filter: Int32) -> String {
        switch filter {
        case ARCHIVE_FILTER_GZIP: "application/vnd.docker.image.rootfs.diff.tar.gzip"
        case ARCHIVE_FILTER_ZSTD: "application/vnd.oci.image.layer.v1.tar+zstd"
        default: "application/vnd.docker.image.rootfs.diff.tar"
        }
    }
}

/// Per-layer results written by concurrent workers; the first failure is kept so the others can stop early.
final class LockedResults<Success>: @unchecked Sendable {
    typealias Value = Result<Success, any Error>
    private let lock = NSLock()
    private var values: [Value?]
    private(set) var firstFailure: (any Error)?

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value) {
        lock.lock(); defer { lock.unlock() }
        values[index] = value
        if case .failure(let error) = value, firstFailure == nil { firstFailure = error }
    }

    func value(_ index: Int) -> Value? {
        lock.lock(); defer { lock.unlock() }
        return values[index]
    }

    func take(_ index: Int) -> Value? {
        lock.lock(); defer { lock.unlock() }
        defer { values[index] = nil }
        return values[index]
    }

    var anyFailure: Bool {
        lock.lock(); defer { lock.unlock() }
        return firstFailure != nil
    }
}

/// Hands out work items to concurrent workers.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take(below limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }
}
