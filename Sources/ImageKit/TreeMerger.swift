import Foundation

/// Applies layers in order, as container runtimes do: whiteouts and opaque directories hide lower layers,
/// later entries replace earlier ones, and writes through a symlinked directory land where it points, inside the root.
struct TreeMerger {
    private struct Node {
        var entry: TreeEntry
        var location: ContentLocation
    }

    private var nodes: [String: Node] = [:]
    private var shadowed: [ShadowedEntry] = []
    private var symlinkCount = 0
    private var cleanDirectories: Set<String> = []
    private var redirects: [String: String] = [:]

    mutating func apply(layer: Int, entries: [LayerEntry], name: String) throws {
        // Whiteouts hide what lower layers hold, whatever their place in this layer's tar.
        var hiddenDirectories: [String] = []
        var openedDirectories: [String] = []
        for entry in entries {
            switch entry.kind {
            case .whiteout:
                let path = try resolveParent(of: entry.path, layer: name, original: entry.path) ?? entry.path
                if let node = nodes[path] {
                    remove(path, by: layer)
                    if node.entry.type == .dir { hiddenDirectories.append(path) }
                }
            case .opaque:
                let path = try resolveParent(of: entry.path, layer: name, original: entry.path) ?? entry.path
                openedDirectories.append(path)
            case .entry:
                continue
            }
        }
        if !hiddenDirectories.isEmpty || !openedDirectories.isEmpty {
            removeDescendants(of: Set(hiddenDirectories + openedDirectories), by: layer)
        }
        var replacedDirectories: [String] = []
        defer {
            // A directory replaced by a non-directory loses what was below it: one pass per layer, not one per replacement.
            let gone = Set(replacedDirectories.filter { nodes[$0]?.entry.type != .dir })
            if !gone.isEmpty { removeDescendants(of: gone, by: layer) }
        }
        for entry in entries {
            guard case .entry(let type) = entry.kind else {
                if entry.kind == .opaque { try ensureDirectory(entry.path, layer: layer, name: name, from: entry) }
                continue
            }
            let path = try resolveParent(of: entry.path, layer: name, original: entry.path) ?? entry.path
            try ensureParents(of: path, layer: layer, name: name)
            var treeEntry = TreeEntry(
                path: path, type: type, mode: entry.mode, uid: entry.uid, gid: entry.gid, size: entry.size, link: entry.link,
                layer: layer, deviceMajor: entry.deviceMajor, deviceMinor: entry.deviceMinor,
                modificationTime: entry.modificationTime)
            var location = ContentLocation(layer: Int32(layer), ordinal: entry.ordinal)
            if type == .hardlink {
                guard let rawTarget = entry.link,
                    let target = try resolveParent(of: rawTarget, layer: name, original: rawTarget) ?? Optional(rawTarget),
                    let targetNode = nodes[target], targetNode.entry.type != .dir
                else {
                    throw ImageError.unsafeEntry(
                        layer: name, path: entry.path, reason: "hardlink to \(entry.link ?? "nothing"), which is not a file in the image")
                }
                if target == path { continue }
                if targetNode.entry.type == .file || targetNode.entry.type == .hardlink {
                    treeEntry.link = targetNode.entry.type == .hardlink ? targetNode.entry.link : target
                    treeEntry.size = targetNode.entry.size
                } else {
                    // A hardlink to a symlink, fifo or device is another name for that inode: the same kind of entry.
                    treeEntry.type = targetNode.entry.type
                    treeEntry.link = targetNode.entry.link
                    treeEntry.deviceMajor = targetNode.entry.deviceMajor
                    treeEntry.deviceMinor = targetNode.entry.deviceMinor
                    treeEntry.mode = targetNode.entry.mode
                }
                location = targetNode.location
            }
            if let existing = nodes[path] {
                if existing.entry.type == .dir {
                    if type == .dir {
                        nodes[path] = Node(entry: treeEntry, location: location)
                        continue
                    }
                    replacedDirectories.append(path)
                }
                remove(path, by: layer)
            }
            if treeEntry.type == .symlink {
                symlinkCount += 1
                if !redirects.isEmpty { redirects.removeAll() }
            }
            nodes[path] = Node(entry: treeEntry, location: location)
        }
    }

    private mutating func ensureDirectory(_ path: String, layer: Int, name: String, from entry: LayerEntry) throws {
        guard path != "/" else { return }
        try ensureParents(of: path, layer: layer, name: name)
        if let existing = nodes[path], existing.entry.type == .dir { return }
        if nodes[path] != nil { remove(path, by: layer) }
        nodes[path] = Node(entry: TreeEntry(path: path, type: .dir, mode: 0o755, layer: layer), location: .none)
    }

    /// Creates missing parent directories, and replaces a non-directory that stands where a parent must be.
    private mutating func ensureParents(of path: String, layer: Int, name: String) throws {
        var missing: [String] = []
        var parent = parentPath(path)
        while parent != "/" {
            if let existing = nodes[parent] {
                if existing.entry.type == .dir { break }
                remove(parent, by: layer)
            }
            missing.append(parent)
            parent = parentPath(parent)
        }
        for directory in missing.reversed() {
            nodes[directory] = Node(entry: TreeEntry(path: directory, type: .dir, mode: 0o755, layer: layer), location: .none)
        }
    }

    /// The path with symlinked parent directories replaced by their targets (resolved inside the root), or nil if unchanged.
    ///
    /// Directories already seen are remembered (clean, or where they lead), so each entry costs one lookup of its parent
    /// rather than a walk over every component: deep trees and many symlinks stay linear.
    private mutating func resolveParent(of path: String, layer: String, original: String) throws -> String? {
        guard symlinkCount > 0 else { return nil }
        let parent = parentPath(path)
        let resolved = try resolveDirectory(parent, layer: layer, original: original)
        guard resolved != parent else { return nil }
        let base = path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...]
        return (resolved == "/" ? "" : resolved) + "/" + base
    }

    private mutating func resolveDirectory(_ directory: String, layer: String, original: String) throws -> String {
        var chain: [String] = []
        var ancestor = directory
        var base = "/"
        while ancestor != "/" {
            if cleanDirectories.contains(ancestor) { base = ancestor; break }
            if let target = redirects[ancestor] { base = target; break }
            chain.append(ancestor)
            ancestor = parentPath(ancestor)
        }
        var current = base
        for prefix in chain.reversed() {
            let component = prefix[prefix.index(after: prefix.lastIndex(of: "/") ?? prefix.startIndex)...]
            let candidate = (current == "/" ? "" : current) + "/" + component
            if let node = nodes[candidate], node.entry.type == .symlink, let target = node.entry.link {
                current = try resolveThroughLinks(target.hasPrefix("/") ? target : current + "/" + target, layer: layer, original: original)
            } else {
                current = candidate
            }
            if current == prefix {
                if nodes[prefix]?.entry.type == .dir { cleanDirectories.insert(prefix) }
            } else {
                redirects[prefix] = current
            }
        }
        return current
    }

    /// Resolves every component of a path through symlinks, `..` stopping at the root; loops are refused.
    private func resolveThroughLinks(_ path: String, layer: String, original: String) throws -> String {
        var pending = Array(path.split(separator: "/", omittingEmptySubsequences: true).reversed())
        var resolved: [Substring] = []
        var hops = 0
        while let component = pending.popLast() {
            if component == "." { continue }
            if component == ".." { _ = resolved.popLast(); continue }
            let candidate = "/" + (resolved + [component]).joined(separator: "/")
            if let node = nodes[candidate], node.entry.type == .symlink, let target = node.entry.link {
                hops += 1
                if hops > 40 { throw ImageError.unsafeEntry(layer: layer, path: original, reason: "symlink loop in its parent directories") }
                if target.hasPrefix("/") { resolved = [] }
                pending.append(contentsOf: target.split(separator: "/", omittingEmptySubsequences: true).reversed())
            } else {
                resolved.append(component)
            }
        }
        return "/" + resolved.joined(separator: "/")
    }

    /// Forgets what directories resolve to: a directory that was remembered as clean is gone.
    private mutating func forgetResolutions() {
        if !cleanDirectories.isEmpty { cleanDirectories.removeAll() }
        if !redirects.isEmpty { redirects.removeAll() }
    }

    private mutating func remove(_ path: String, by layer: Int) {
        guard let node = nodes.removeValue(forKey: path) else { return }
        // Remembered resolutions that went through this path are stale now.
        if node.entry.type == .symlink, !redirects.isEmpty { redirects.removeAll() }
        if node.entry.type == .dir, cleanDirectories.contains(path) { forgetResolutions() }
        if node.entry.type == .symlink { symlinkCount -= 1 }
        if node.entry.type == .file { shadowed.append(ShadowedEntry(path: path, size: node.entry.size, layer: node.entry.layer, hiddenByLayer: layer)) }
    }

    /// Removes everything below the given directories (not the directories themselves) in one pass.
    private mutating func removeDescendants(of directories: Set<String>, by layer: Int) {
        var doomed: [String] = []
        for path in nodes.keys {
            var ancestor = parentPath(path)
            while ancestor != "/" {
                if directories.contains(ancestor) { doomed.append(path); break }
                ancestor = parentPath(ancestor)
            }
            if ancestor == "/", directories.contains("/") { doomed.append(path) }
        }
        for path in doomed { remove(path, by: layer) }
    }

    consuming func finish(layerBlobs: [BlobLocation], keeping temporary: TemporaryFile?) -> MergedTree {
        // Sort positions, not nodes, and let the dictionary go before building the arrays: one copy of the tree at a time.
        var entries = nodes.values.map(\.entry)
        var locations = nodes.values.map(\.location)
        nodes = [:]
        var order = Array(entries.indices)
        order.sort { pathPrecedes(entries[$0].path, entries[$1].path) }
        entries = order.map { entries[$0] }
        locations = order.map { locations[$0] }
        return MergedTree(
            entries: entries, locations: locations,
            shadowed: shadowed.sorted { pathPrecedes($0.path, $1.path) }, layerBlobs: layerBlobs,
            temporary: temporary)
    }
}
