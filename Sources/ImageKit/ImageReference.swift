import Foundation

/// Which image a user named, and how to open it (`docker-archive:PATH`, `oci:DIR[:REF]`, a bare path …).
public struct ImageReference: Sendable, Equatable, CustomStringConvertible {
    /// How the image is stored or reached.
    public enum Source: Sendable, Equatable {
        /// A path whose layout is detected when loading: a directory is an OCI layout, a tarball is told apart by its members.
        case path(String)
        case dockerArchive(String)
        case ociArchive(String)
        /// An OCI layout directory and, optionally, the `org.opencontainers.image.ref.name` to pick.
        case ociLayout(String, reference: String?)
        /// An image in the local Podman store, exported through `podman save` when loaded.
        case podman(String)
        /// An image in a Docker daemon, exported through `docker save` when loaded.
        case dockerDaemon(String)
    }

    public let source: Source
    /// The text the reference was parsed from.
    public let text: String

    public init(parsing text: String) throws {
        self.text = text
        func nonEmpty(_ value: Substring, _ prefix: String) throws -> String {
            guard !value.isEmpty else { throw ImageError.unsupportedReference("\(prefix): needs a path or name after the colon") }
            return String(value)
        }
        if let rest = text.dropPrefix("docker-archive:") {
            source = .dockerArchive(try nonEmpty(rest, "docker-archive"))
        } else if let rest = text.dropPrefix("oci-archive:") {
            source = .ociArchive(try nonEmpty(rest, "oci-archive"))
        } else if let rest = text.dropPrefix("oci:") {
            let value = try nonEmpty(rest, "oci")
            // `oci:DIR:REF` splits at the first colon whose left side is an existing directory (skopeo splits at the first).
            let colons = value.indices.filter { value[$0] == ":" }
            if FileManager.default.fileExists(atPath: value) || colons.isEmpty {
                source = .ociLayout(value, reference: nil)
            } else {
                let split = colons.first { FileManager.default.fileExists(atPath: String(value[..<$0])) } ?? colons[0]
                let ref = String(value[value.index(after: split)...])
                source = .ociLayout(String(value[..<split]), reference: ref.isEmpty ? nil : ref)
            }
        } else if let rest = text.dropPrefix("podman:") {
            source = .podman(try Self.engineImageName(rest, reference: text))
        } else if let rest = text.dropPrefix("docker-daemon:") {
            source = .dockerDaemon(try Self.engineImageName(rest, reference: text))
        } else {
            guard !text.isEmpty else { throw ImageError.unsupportedReference("an empty image reference") }
            source = .path(text)
        }
    }

    public var description: String { text }

    /// The engine whose store holds the image, and the image's name there, for `podman:` and `docker-daemon:` references.
    public var engineImage: (engine: ImageStoreEngine, name: String)? {
        switch source {
        case .podman(let name): (.podman, name)
        case .dockerDaemon(let name): (.docker, name)
        default: nil
        }
    }

    private static func engineImageName(_ name: Substring, reference: String) throws -> String {
        if let problem = engineImageNameProblem(String(name)) {
            throw EngineExportError.invalidName(reference: reference, reason: name.isEmpty ? "a name is needed after the colon" : problem)
        }
        return String(name)
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? self.dropFirst(prefix.count) : nil
    }
}
