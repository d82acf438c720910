import Foundation

/// The on-disk layout an image was exported in.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case dockerArchive = "docker-archive"
    case ociArchive = "oci-archive"
    case ociLayout = "oci-layout"
}

/// The kind of a filesystem entry, spelled as `inspect --files` prints it.
public enum EntryType: String, Sendable, Codable, CaseIterable {
    case file, dir, symlink, hardlink, char, block, fifo
}

/// The process settings of an image, as the OCI image config's `config` object holds them.
// Source: https://github.com/opencontainers/image-spec/blob/main/config.md
public struct ContainerConfig: Codable, Sendable, Equatable {
    public var user: String?
    public var env: [String]?
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var workingDir: String?
    public var labels: [String: String]?
    public var exposedPorts: [String: EmptyObject]?
    public var volumes: [String: EmptyObject]?
    public var healthcheck: Healthcheck?
    public var stopSignal: String?

    enum CodingKeys: String, CodingKey {
        case user = "User", env = "Env", entrypoint = "Entrypoint", cmd = "Cmd", workingDir = "WorkingDir"
        case labels = "Labels", exposedPorts = "ExposedPorts", volumes = "Volumes"
        case healthcheck = "Healthcheck", stopSignal = "StopSignal"
    }

    public init(
        user: String? = nil, env: [String]? = nil, entrypoint: [String]? = nil, cmd: [String]? = nil,
        workingDir: String? = nil, labels: [String: String]? = nil, exposedPorts: [String: EmptyObject]? = nil,
        volumes: [String: EmptyObject]? = nil, healthcheck: Healthcheck? = nil, stopSignal: String? = nil
    ) {
        self.user = user; self.env = env; self.entrypoint = entrypoint; self.cmd = cmd
        self.workingDir = workingDir; self.labels = labels; self.exposedPorts = exposedPorts
        self.volumes = volumes; self.healthcheck = healthcheck; self.stopSignal = stopSignal
    }

    /// `Env` as a dictionary, the last definition of a name winning as the engines apply it.
    public var environment: [String: String] {
        var environment: [String: String] = [:]
        for item in env ?? [] {
            guard let equals = item.firstIndex(of: "=") else { continue }
            environment[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return environment
    }
}

/// The `{}` value that OCI uses as a set member in `ExposedPorts` and `Volumes`.
public struct EmptyObject: Codable, Sendable, Equatable, Hashable {
    public init() {}
}

/// Docker's HEALTHCHECK settings (kept by docker-format configs only).
public struct Healthcheck: Codable, Sendable, Equatable {
    public var test: [String]?
    public var interval: Int64?
    public var timeout: Int64?
    public var startPeriod: Int64?
    public var retries: Int?

    enum CodingKeys: String, CodingKey {
        case test = "Test", interval = "Interval", timeout = "Timeout", startPeriod = "StartPeriod", retries = "Retries"
    }

    public init(test: [String]? = nil, interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil, retries: Int? = nil) {
        self.test = test; self.interval = interval; self.timeout = timeout; self.startPeriod = startPeriod; self.retries = retries
    }
}

/// One step of the image's build history.
// Source: https://github.com/opencontainers/image-spec/blob/main/config.md (history)
public struct HistoryEntry: Codable, Sendable, Equatable {
    public var created: String?
    public var createdBy: String?
    public var author: String?
    public var comment: String?
    public var emptyLayer: Bool?

    enum CodingKeys: String, CodingKey {
        case created, createdBy = "created_by", author, comment, emptyLayer = "empty_layer"
    }

    public init(created: String? = nil, createdBy: String? = nil, author: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
        self.created = created; self.createdBy = createdBy; self.author = author; self.comment = comment; self.emptyLayer = emptyLayer
    }
}

/// The layer list of an image config.
public struct RootFS: Codable, Sendable, Equatable {
    public var type: String
    public var diffIDs: [String]

    enum CodingKeys: String, CodingKey { case type, diffIDs = "diff_ids" }

    public init(type: String = "layers", diffIDs: [String]) { self.type = type; self.diffIDs = diffIDs }
}

/// An OCI image configuration (also the shape Docker writes).
// Source: https://github.com/opencontainers/image-spec/blob/main/config.md
public struct ImageConfig: Codable, Sendable, Equatable {
    public var architecture: String
    public var os: String
    public var variant: String?
    public var created: String?
    public var author: String?
    public var config: ContainerConfig?
    public var rootfs: RootFS
    public var history: [HistoryEntry]?

    public init(
        architecture: String = "amd64", os: String = "linux", variant: String? = nil, created: String? = nil,
        author: String? = nil, config: ContainerConfig? = nil, rootfs: RootFS, history: [HistoryEntry]? = nil
    ) {
        self.architecture = architecture; self.os = os; self.variant = variant; self.created = created
        self.author = author; self.config = config; self.rootfs = rootfs; self.history = history
    }
}

/// One layer as read from the image: where it came from and what it held.
public struct LayerInfo: Sendable, Equatable, Codable {
    /// The blob digest, `sha256:…` (the compressed bytes' digest for compressed layers).
    public var digest: String
    public var mediaType: String
    /// Bytes of the blob as stored.
    public var compressedSize: Int64
    /// Bytes of the uncompressed layer tar.
    public var size: Int64
    /// Number of entries in the layer tar.
    public var entries: Int
    /// The history step that produced this layer, when the history lines up with the layers.
    public var createdBy: String?

    public init(digest: String, mediaType: String, compressedSize: Int64, size: Int64, entries: Int, createdBy: String? = nil) {
        self.digest = digest; self.mediaType = mediaType; self.compressedSize = compressedSize
        self.size = size; self.entries = entries; self.createdBy = createdBy
    }
}

/// One path of the merged filesystem.
public struct TreeEntry: Sendable, Equatable, Codable {
    /// Absolute, normalised path inside the image (`/usr/bin/python3`).
    public var path: String
    public var type: EntryType
    /// Permission bits including setuid/setgid/sticky (`0o4755`).
    public var mode: UInt32
    public var uid: Int
    public var gid: Int
    public var size: Int64
    /// Symlink target as written, or the absolute image path a hardlink points to.
    public var link: String?
    /// 0-based index of the layer that provided this entry.
    public var layer: Int
    public var deviceMajor: Int32
    public var deviceMinor: Int32
    public var modificationTime: Int64

    public init(
        path: String, type: EntryType, mode: UInt32, uid: Int = 0, gid: Int = 0, size: Int64 = 0, link: String? = nil,
        layer: Int, deviceMajor: Int32 = 0, deviceMinor: Int32 = 0, modificationTime: Int64 = 0
    ) {
        self.path = path; self.type = type; self.mode = mode; self.uid = uid; self.gid = gid; self.size = size
        self.link = link; self.layer = layer; self.deviceMajor = deviceMajor; self.deviceMinor = deviceMinor
        self.modificationTime = modificationTime
    }
}
