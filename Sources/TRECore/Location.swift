/// Where a finding points: a Dockerfile line, a file in the image, the image config, or the sandbox run.
public struct Location: Codable, Sendable, Equatable, Hashable {
    /// What `kind` names, spelled as the JSON report spells it.
    public enum Kind: String, Codable, Sendable {
        case imageFile = "image-file"
        case imageConfig = "image-config"
        case dockerfile
        case run
    }

    public var kind: Kind
    /// A Dockerfile path, an image path, a config field (`Entrypoint`), or a run profile.
    public var path: String?
    /// 1-based line in the Dockerfile or in the image file.
    public var line: Int?
    /// 0-based layer index for image files.
    public var layer: Int?

    public init(kind: Kind, path: String? = nil, line: Int? = nil, layer: Int? = nil) {
        self.kind = kind; self.path = path; self.line = line; self.layer = layer
    }
}
