public import Foundation

/// Limits and choices for reading an image; the default caps are far above anything a real image needs.
public struct ImageReadOptions: Sendable {
    /// Total uncompressed bytes over all layers.
    public var maxUncompressedBytes: Int64
    /// Per blob: uncompressed bytes over compressed bytes, checked while streaming once `ratioGraceBytes` have come out.
    public var maxCompressionRatio: Int64
    /// Uncompressed bytes a blob may produce before the ratio cap applies (small, highly compressible layers are harmless).
    public var ratioGraceBytes: Int64
    /// Entries over all layers.
    public var maxEntries: Int
    /// Bytes of any one JSON document (index, manifest, config).
    public var maxJSONBytes: Int64
    /// The largest regular file whose contents observers are offered.
    public var maxObservedFileSize: Int64
    /// The platform to pick from an image index, as `os/architecture[/variant]`.
    public var platform: String
    /// Layers read at the same time.
    public var parallelism: Int
    /// Told how reading (and exporting, for `podman:` and `docker-daemon:` images) goes; nil for silence.
    public var progress: (any ProgressHandler)?
    /// Where an engine exports `podman:` and `docker-daemon:` images, in a private folder removed right after;
    /// the system's temporary directory when nil.
    public var temporaryDirectory: String?

    public init(
        maxUncompressedBytes: Int64 = 1 << 40,
        maxCompressionRatio: Int64 = 250,
        ratioGraceBytes: Int64 = 1 << 30,
        maxEntries: Int = 20_000_000,
        maxJSONBytes: Int64 = 32 << 20,
        maxObservedFileSize: Int64 = 4 << 20,
        platform: String = "linux/amd64",
        parallelism: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: (any ProgressHandler)? = nil,
        temporaryDirectory: String? = nil
    ) {
        self.maxUncompressedBytes = maxUncompressedBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioGraceBytes = ratioGraceBytes
        self.maxEntries = maxEntries
        self.maxJSONBytes = maxJSONBytes
        self.maxObservedFileSize = maxObservedFileSize
        self.platform = platform
        self.parallelism = max(1, parallelism)
        self.progress = progress
        self.temporaryDirectory = temporaryDirectory
    }
}

/// Sees the contents of small regular files during the single pass over the layers (secrets, version files, scripts).
///
/// Called concurrently from layer workers: implementations synchronise their own state.
public protocol ImageContentObserver: Sendable {
    /// Whether the observer wants the contents of this layer entry (`path` is absolute, as written in the layer).
    func wants(_ path: String, size: Int64, layer: Int) -> Bool
    /// The contents of an entry the observer asked for.
    func observe(_ path: String, layer: Int, contents: Data)
}
