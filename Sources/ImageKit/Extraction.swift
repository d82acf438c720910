public import Foundation

/// Choices for writing an image's root filesystem to a directory.
public struct ExtractionOptions: Sendable {
    /// Keep owners and create real device nodes; nil means "when running as root".
    public var preserveOwnership: Bool?
    /// Layers written at the same time.
    public var parallelism: Int
    /// Told how many bytes of file contents are written; nil for silence.
    public var progress: (any ProgressHandler)?

    public init(
        preserveOwnership: Bool? = nil, parallelism: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: (any ProgressHandler)? = nil
    ) {
        self.preserveOwnership = preserveOwnership
        self.parallelism = max(1, parallelism)
        self.progress = progress
    }
}

extension Image {
    /// Writes the merged filesystem under `directory` (created if missing, must be empty): nothing lands outside it.
    ///
    /// Every path is created relative to a directory descriptor with `O_NOFOLLOW` on each component, so neither
    /// `..`, absolute names, symlinks planted by earlier entries nor hardlinks can reach outside the target.
    public func extractRootFilesystem(to directory: URL, options: ExtractionOptions = .init()) throws {
        try RootFilesystemWriter(tree: tree, root: directory.path, options: options).write()
    }
}

/// Writes a merged tree through directory descriptors, never following a symlink on the way.
struct RootFilesystemWriter {
    let tree: MergedTree
    let root: String
    let privileged: Bool
    let parallelism: Int
    let progress: (any ProgressHandler)?

    init(tree: MergedTree, root: String, options: ExtractionOptions) {
        self.tree = tree
        self.root = root
        privileged = options.preserveOwnership ?? (geteuid() == 0)
        parallelism = options.parallelism
        progress = options.progress
    }

    func write() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw ImageError.extraction(path: root, reason: String(cString: strerror(errno))) }
        defer { close(rootFD) }
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: root), !existing.isEmpty {
            throw ImageError.extraction(path: root, reason: "the target directory is not empty")
        }
        let entries = tree.entries
        // Directories and non-file entries in path order (parents first); file bytes per layer; hardlinks; then directory modes.
        var filesByLayer: [Int32: [Int32: [Int]]] = [:]
        var linked: [Int] = []
        for (index, entry) in entries.enumerated() {
            switch entry.type {
            case .dir:
                try withParent(rootFD, entry.path) { parent, name in
                    if mkdirat(parent, name, 0o700) != 0, errno != EEXIST { throw failure(entry.path) }
                }
            case .symlink:
                try withParent(rootFD, entry.path) { parent, name in
                    if symlinkat(entry.link ?? "", parent, name) != 0 { throw failure(entry.path) }
                }
            case .fifo, .char, .block:
                try withParent(rootFD, entry.path) { parent, name in
                    let type: mode_t = entry.type == .fifo ? S_IFIFO : entry.type == .char ? S_IFCHR : S_IFBLK
                    if entry.type == .fifo || privileged {
                        let device = deviceNumber(major: entry.deviceMajor, minor: entry.deviceMinor)
                        if mknodat(parent, name, type | mode_t(entry.mode & 0o777), entry.type == .fifo ? 0 : device) != 0 {
                            throw failure(entry.path)
                        }
                    } else {
                        // Unprivileged: an empty regular file stands in for the device node.
                        let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                        guard fd >= 0 else { throw failure(entry.path) }
                        close(fd)
                    }
                }
            case .file:
                let location = tree.location(ofEntryAt: index)
                filesByLayer[location.layer, default: [:]][location.ordinal, default: []].append(index)
            case .hardlink:
                // A hardlink whose target was since replaced or deleted keeps the bytes it was made with: write them as a file.
                let location = tree.location(ofEntryAt: index)
                if let target = entry.link, let targetIndex = tree.indexOf(target), entries[targetIndex].type == .file,
                    tree.location(ofEntryAt: targetIndex) == location
                {
                    linked.append(index)
                } else {
                    filesByLayer[location.layer, default: [:]][location.ordinal, default: []].append(index)
                }
            }
        }
        try writeFiles(rootFD, filesByLayer)
        for index in linked {
            let entry = entries[index]
            guard let target = entry.link else { continue }
            try withParent(rootFD, target) { targetParent, targetName in
                try withParent(rootFD, entry.path) { parent, name in
                    if linkat(targetParent, targetName, parent, name, 0) != 0 { throw failure(entry.path) }
                }
            }
        }
        // Owners, modes and times last, deepest first, so a read-only directory does not block writing below it.
        let linkedSet = Set(linked)
        for index in entries.indices.reversed() where !linkedSet.contains(index) {
            let entry = entries[index]
            try withParent(rootFD, entry.path) { parent, name in
                if privileged, fchownat(parent, name, uid_t(clamping: entry.uid), gid_t(clamping: entry.gid), AT_SYMLINK_NOFOLLOW) != 0 {
                    throw failure(entry.path)
                }
                // chown clears setuid bits, so the mode comes after it.
                if entry.type != .symlink, fchmodat(parent, name, mode_t(entry.mode & 0o7777), 0) != 0 { throw failure(entry.path) }
                let time = timespec(tv_sec: time_t(entry.modificationTime), tv_nsec: 0)
                let times = [time, time]
                _ = utimensat(parent, name, times, AT_SYMLINK_NOFOLLOW)
            }
        }
    }

    private func writeFiles(_ rootFD: Int32, _ filesByLayer: [Int32: [Int32: [Int]]]) throws {
        let layers = filesByLayer.keys.sorted()
        let results = LockedResults<Void>(count: layers.count)
        let next = LockedCounter()
        let tracker = ProgressTracker(progress, stage: .extracting, subject: root, parts: layers.map { layer in
            let bytes = (filesByLayer[layer] ?? [:]).values.reduce(Int64(0)) { sum, indices in
                sum + (indices.first.map { tree.entries[$0].size } ?? 0)
            }
            return (name: layer < 0 ? "empty files" : "layer \(layer + 1)", total: bytes)
        })
        defer { tracker?.finish() }
        DispatchQueue.concurrentPerform(iterations: min(parallelism, max(1, layers.count))) { _ in
            while let slot = next.take(below: layers.count) {
                let layer = layers[slot]
                let byOrdinal = filesByLayer[layer] ?? [:]
                var meter = ProgressMeter(tracker, part: slot)
                tracker?.begin(part: slot)
                let outcome = Result<Void, any Error> {
                    if layer < 0 {
                        for indices in byOrdinal.values { for index in indices { try writeFile(rootFD, tree.entries[index].path) { nil } } }
                        return
                    }
                    try tree.streamEntries(layer: Int(layer), ordinals: Set(byOrdinal.keys)) { ordinal, blocks in
                        // One header holds one file's bytes; the stream can be read once.
                        guard let index = byOrdinal[ordinal]?.first else { return }
                        try writeFile(rootFD, tree.entries[index].path) {
                            let block = try blocks()
                            meter.add(block?.count ?? 0)
                            return block
                        }
                    }
                }
                meter.flush()
                if case .success = outcome { tracker?.finish(part: slot) }
                results.set(slot, outcome)
            }
        }
        for slot in layers.indices { try results.value(slot)?.get() }
    }

    private func writeFile(_ rootFD: Int32, _ path: String, data: () throws -> UnsafeRawBufferPointer?) throws {
        try withParent(rootFD, path) { parent, name in
            let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw failure(path) }
            defer { close(fd) }
            while let block = try data() {
                var done = 0
                while done < block.count {
                    let count = Glibc.write(fd, block.baseAddress.map { $0 + done }, block.count - done)
                    if count < 0 { throw failure(path) }
                    done += count
                }
            }
        }
    }

    /// Opens the parent directory of `path` below the root without following any symlink, and runs `body` with it.
    private func withParent<T>(_ rootFD: Int32, _ path: String, _ body: (Int32, String) throws -> T) throws -> T {
        var components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let name = components.popLast(), !components.contains(".."), name != "..", name != "." else {
            throw ImageError.extraction(path: path, reason: "not a path inside the image")
        }
        var fd = rootFD
        defer { if fd != rootFD { close(fd) } }
        for component in components {
            let child = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { throw failure(path) }
            if fd != rootFD { close(fd) }
            fd = child
        }
        return try body(fd, name)
    }

    private func failure(_ path: String) -> ImageError {
        ImageError.extraction(path: path, reason: String(cString: strerror(errno)))
    }
}

extension MergedTree {
    /// Streams one layer and, for each wanted header position, hands over a block reader for that entry's data.
    func streamEntries(layer: Int, ordinals: Set<Int32>, _ deliver: (Int32, () throws -> UnsafeRawBufferPointer?) throws -> Void) throws {
        let location = layerBlobs[layer]
        let stream = try BlobStream(location, hashing: false)
        let reader = try ArchiveReader(context: "layer \(location.name)")
        try reader.openLayer(stream)
        var ordinal: Int32 = 0
        var remaining = ordinals.count
        while remaining > 0, try reader.nextHeader() != nil {
            defer { ordinal &+= 1 }
            guard ordinals.contains(ordinal) else { continue }
            try deliver(ordinal) { try reader.nextDataBlock() }
            remaining -= 1
        }
    }
}

/// The Linux `dev_t` for a major/minor pair (glibc's `makedev`, a macro Swift cannot import).
func deviceNumber(major: Int32, minor: Int32) -> dev_t {
    let major = UInt64(UInt32(bitPattern: major)), minor = UInt64(UInt32(bitPattern: minor))
    return dev_t(((major & 0xffff_f000) << 32) | ((major & 0xfff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0xff))
}
