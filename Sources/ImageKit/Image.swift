import Foundation

/// A loaded image: where it came from, its config, its layers and its merged filesystem.
public final class Image: Sendable {
    public let reference: ImageReference
    public let format: ImageFormat
    public let manifestDigest: String
    public let configDigest: String
    public let repoTags: [String]
    public let config: ImageConfig
    public let layers: [LayerInfo]
    public let tree: MergedTree
    /// Platforms an image index offered (`linux/amd64`, `linux/arm64/v8` …); empty when the image had no index.
    public let availablePlatforms: [String]

    init(
        reference: ImageReference, format: ImageFormat, manifestDigest: String, configDigest: String, repoTags: [String],
        config: ImageConfig, layers: [LayerInfo], tree: MergedTree, availablePlatforms: [String]
    ) {
        self.reference = reference; self.format = format; self.manifestDigest = manifestDigest
        self.configDigest = configDigest; self.repoTags = repoTags; self.config = config; self.layers = layers
        self.tree = tree; self.availablePlatforms = availablePlatforms
    }

    /// `os/architecture[/variant]` of the image config.
    public var platform: String {
        [config.os, config.architecture, config.variant].compactMap { $0 }.joined(separator: "/")
    }
}

// Source: https://github.com/opencontainers/image-spec/blob/main/descriptor.md
struct OCIDescriptor: Codable, Sendable {
    struct Platform: Codable, Sendable {
        var architecture: String
        var os: String
        var variant: String?
    }
    var mediaType: String?
    var digest: String
    var size: Int64
    var annotations: [String: String]?
    var platform: Platform?
}

// Source: https://github.com/opencontainers/image-spec/blob/main/image-index.md
struct OCIIndex: Codable, Sendable {
    var schemaVersion: Int?
    var mediaType: String?
    var manifests: [OCIDescriptor]
}

// Source: https://github.com/opencontainers/image-spec/blob/main/manifest.md
struct OCIManifest: Codable, Sendable {
    var schemaVersion: Int?
    var mediaType: String?
    var config: OCIDescriptor?
    var layers: [OCIDescriptor]?
    var manifests: [OCIDescriptor]?
}

// Source: https://github.com/moby/moby/blob/master/image/tarexport/tarexport.go (manifestItem)
struct DockerManifestItem: Codable, Sendable {
    var config: String
    var repoTags: [String]?
    var layers: [String]

    enum CodingKeys: String, CodingKey { case config = "Config", repoTags = "RepoTags", layers = "Layers" }
}
