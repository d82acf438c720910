import TRECore
public import Foundation
public import ImageKit
import Facts
import Reports
import DockerfileKit

/// Where a CUDA version was found in an image (a version file, a library, an environment variable …).
public struct CUDASource: Codable, Sendable, Equatable {
    public var kind: String
    public var path: String
    public var version: String?

    public init(kind: String, path: String, version: String?) {
        self.kind = kind; self.path = path; self.version = version
    }
}

/// The CUDA toolkit an image carries, as far as the facts tell; `version` nil and no sources when nothing is known.
public struct CUDASummary: Codable, Sendable, Equatable {
    public var version: String?
    public var sources: [CUDASource]

    public init(version: String? = nil, sources: [CUDASource] = []) {
        self.version = version; self.sources = sources
    }

    enum CodingKeys: String, CodingKey { case version, sources }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(sources, forKey: .sources)
    }
}

/// `tre-lint inspect --format json`, in the contract's shape.
public struct InspectReport: Encodable, Sendable {
    /// One history step as the contract prints it.
    public struct Step: Encodable, Sendable, Equatable {
        public var createdBy: String?
        public var emptyLayer: Bool
        enum CodingKeys: String, CodingKey { case createdBy = "created_by", emptyLayer = "empty_layer" }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(createdBy, forKey: .createdBy)
            try container.encode(emptyLayer, forKey: .emptyLayer)
        }
    }

    /// One layer as the contract prints it.
    public struct Layer: Encodable, Sendable, Equatable {
        public var digest: String
        public var mediaType: String
        public var compressedSize: Int64
        public var size: Int64
        public var entries: Int
    }

    /// The config object with every contract key present (null when the image does not set it).
    public struct Config: Encodable, Sendable {
        public var value: ContainerConfig
        enum CodingKeys: String, CodingKey {
            case user = "User", env = "Env", entrypoint = "Entrypoint", cmd = "Cmd", workingDir = "WorkingDir"
            case labels = "Labels", exposedPorts = "ExposedPorts", volumes = "Volumes"
            case healthcheck = "Healthcheck", stopSignal = "StopSignal"
        }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(value.user, forKey: .user)
            try container.encode(value.env, forKey: .env)
            try container.encode(value.entrypoint, forKey: .entrypoint)
            try container.encode(value.cmd, forKey: .cmd)
            try container.encode(value.workingDir, forKey: .workingDir)
            try container.encode(value.labels, forKey: .labels)
            try container.encode(value.exposedPorts, forKey: .exposedPorts)
            try container.encode(value.volumes, forKey: .volumes)
            try container.encode(value.healthcheck, forKey: .healthcheck)
            try container.encode(value.stopSignal, forKey: .stopSignal)
        }
    }

    public var format: String
    public var manifestDigest: String
    public var configDigest: String
    public var repoTags: [String]
    public var architecture: String
    public var os: String
    public var config: Config
    public var history: [Step]
    public var layers: [Layer]
    public var size: Int64
    public var cuda: CUDASummary

    enum CodingKeys: String, CodingKey {
        case format, manifestDigest, configDigest, repoTags, architecture, os, config, history, layers, size, cuda
    }

    public init(image: Image, cuda: CUDASummary = .init()) {
        format = image.format.rawValue
        manifestDigest = image.manifestDigest
        configDigest = image.configDigest
        repoTags = image.repoTags
        architecture = image.config.architecture
        os = image.config.os
        config = Config(value: image.config.config ?? ContainerConfig())
        history = (image.config.history ?? []).map { Step(createdBy: $0.createdBy, emptyLayer: $0.emptyLayer ?? false) }
        layers = image.layers.map {
            Layer(digest: $0.digest, mediaType: $0.mediaType, compressedSize: $0.compressedSize, size: $0.size, entries: $0.entries)
        }
        size = image.tree.totalSize
        self.cuda = cuda
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// `tre-lint inspect`: load an image and describe it.
public enum Inspector {
    public static func load(_ reference: String, options: ImageReadOptions = .init()) throws -> Image {
        try ImageLoader.load(try ImageReference(parsing: reference), options: options)
    }

    /// The CUDA versions the image carries, from every source the facts module knows (read lazily: a few small files).
    public static func cuda(of image: Image) -> CUDASummary {
        let detected = FactsGatherer().cuda(FactsInput(image: image))
        return CUDASummary(
            version: detected.version?.description,
            sources: detected.sources.map { CUDASource(kind: $0.kind.rawValue, path: $0.path, version: $0.version.description) })
    }

    /// The readable summary: format, digest, platform, entrypoint/cmd, user, env, layers with sizes and instructions.
    public static func tty(_ image: Image, cuda: CUDASummary = .init()) -> String {
        let config = image.config.config ?? ContainerConfig()
        var lines: [String] = []
        func field(_ name: String, _ value: String) { lines.append(name.padding(toLength: 12, withPad: " ", startingAt: 0) + value) }
        func words(_ value: [String]?) -> String { value.map { "[" + $0.map { "\"\($0)\"" }.joined(separator: ", ") + "]" } ?? "(none)" }
        field("Image", image.reference.text)
        field("Format", image.format.rawValue)
        field("Digest", image.manifestDigest)
        field("Config", image.configDigest)
        if !image.repoTags.isEmpty { field("Tags", image.repoTags.joined(separator: ", ")) }
        field("Platform", image.platform + (image.availablePlatforms.count > 1 ? " (index offers \(image.availablePlatforms.joined(separator: ", ")))" : ""))
        field("Entrypoint", words(config.entrypoint))
        field("Cmd", words(config.cmd))
        field("User", config.user.flatMap { $0.isEmpty ? nil : $0 } ?? "(root, by default)")
        if let workingDir = config.workingDir, !workingDir.isEmpty { field("WorkingDir", workingDir) }
        field("CUDA", cuda.version ?? "none found")
        field("Size", "\(ByteCount.text(image.tree.totalSize)) in \(image.tree.entries.count) paths")
        lines.append("Env")
        for item in config.env ?? [] { lines.append("  " + item) }
        lines.append("Layers")
        for (index, layer) in image.layers.enumerated() {
            let instruction = (layer.createdBy ?? "(no history)").replacingOccurrences(of: "\n", with: " ")
            let short = instruction.count > 100 ? String(instruction.prefix(97)) + "..." : instruction
            let size = ByteCount.text(layer.size)
            let paddedSize = String(repeating: " ", count: max(0, 10 - size.count)) + size
            lines.append(String(format: "  %2d  ", index) + paddedSize + String(format: "  %7d entries  ", layer.entries) + short)
        }
        if !cuda.sources.isEmpty {
            lines.append("CUDA sources")
            for source in cuda.sources { lines.append("  \(source.version ?? "?")  \(source.kind)  \(source.path)") }
        }
        let history = (image.config.history ?? []).map { (createdBy: $0.createdBy, emptyLayer: $0.emptyLayer ?? false) }
        if !history.isEmpty {
            // The Dockerfile as the history records it: what a reviewer reads when no Dockerfile came with the image.
            lines.append("Dockerfile (rebuilt from history; layer, instruction)")
            lines.append(contentsOf: HistoryDockerfile.rebuild(history: history).listing.split(separator: "\n").map { "  " + $0 })
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `inspect --files`: one JSON object per merged-tree path, sorted, root omitted.
    public static func writeFiles(_ tree: MergedTree, to output: FileHandle) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 17)
        for entry in tree.entries {
            appendFileLine(entry, to: &buffer)
            if buffer.count > 1 << 16 {
                output.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { output.write(Data(buffer)) }
    }

    /// One `--files` line, hand-formatted: this loop runs once per path of multi-gigabyte images.
    public static func appendFileLine(_ entry: TreeEntry, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: #"{"path":"#.utf8)
        appendJSONString(entry.path, to: &buffer)
        buffer.append(contentsOf: #","type":""#.utf8)
        buffer.append(contentsOf: entry.type.rawValue.utf8)
        buffer.append(contentsOf: #"","mode":""#.utf8)
        let octal = String(entry.mode & 0o7777, radix: 8)
        for _ in octal.utf8.count..<4 { buffer.append(UInt8(ascii: "0")) }
        buffer.append(contentsOf: octal.utf8)
        buffer.append(contentsOf: #"","uid":"#.utf8)
        buffer.append(contentsOf: String(entry.uid).utf8)
        buffer.append(contentsOf: #","gid":"#.utf8)
        buffer.append(contentsOf: String(entry.gid).utf8)
        buffer.append(contentsOf: #","size":"#.utf8)
        buffer.append(contentsOf: String(entry.size).utf8)
        buffer.append(contentsOf: #","link":"#.utf8)
        if let link = entry.link { appendJSONString(link, to: &buffer) } else { buffer.append(contentsOf: "null".utf8) }
        buffer.append(contentsOf: #","layer":"#.utf8)
        buffer.append(contentsOf: String(entry.layer).utf8)
        buffer.append(contentsOf: "}\n".utf8)
    }

    static func appendJSONString(_ value: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case 0x0A: buffer.append(contentsOf: #"\n"#.utf8)
            case 0x0D: buffer.append(contentsOf: #"\r"#.utf8)
            case 0x09: buffer.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: #"\u00"#.utf8)
                buffer.append(hex[Int(byte >> 4)])
                buffer.append(hex[Int(byte & 0xF)])
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

}
