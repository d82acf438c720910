public import Facts
public import Rules

/// One image of a comparison: what pins it and what it runs on.
public struct DiffImage: Sendable, Equatable {
    public var reference: String
    public var manifestDigest: String
    public var configDigest: String
    public var repoTags: [String]
    /// `os/architecture[/variant]`.
    public var platform: String
    /// Uncompressed bytes of the merged filesystem.
    public var size: Int64

    public init(reference: String, manifestDigest: String, configDigest: String, repoTags: [String], platform: String, size: Int64) {
        self.reference = reference; self.manifestDigest = manifestDigest; self.configDigest = configDigest
        self.repoTags = repoTags; self.platform = platform; self.size = size
    }
}

/// A config value that differs; `key` names the variable, label, port or volume of the map-like fields.
public struct ConfigChange: Sendable, Equatable {
    /// The OCI config key (`Env`, `Entrypoint` …) or `platform` / `repoTags`.
    public var field: String
    public var key: String?
    /// Null when the value was absent in the old image.
    public var old: JSONValue
    /// Null when the value is absent in the new image.
    public var new: JSONValue

    public init(field: String, key: String? = nil, old: JSONValue, new: JSONValue) {
        self.field = field; self.key = key; self.old = old; self.new = new
    }
}

/// A layer of one side, with the history instruction that made it.
public struct DiffLayer: Sendable, Equatable {
    /// 0-based position in its own image.
    public var index: Int
    public var digest: String
    public var size: Int64
    public var createdBy: String?

    public init(index: Int, digest: String, size: Int64, createdBy: String?) {
        self.index = index; self.digest = digest; self.size = size; self.createdBy = createdBy
    }
}

/// One path of a merged filesystem as the comparison sees it.
public struct DiffFile: Sendable, Equatable {
    public var path: String
    /// `file`, `dir`, `symlink`, `hardlink`, `char`, `block` or `fifo`, as `inspect --files` spells them.
    public var type: String
    public var mode: UInt32
    public var uid: Int
    public var gid: Int
    public var size: Int64
    public var link: String?
    /// `sha256:…` of a regular file's (or a hardlink target's) contents.
    public var sha256: String?

    public init(path: String, type: String, mode: UInt32, uid: Int, gid: Int, size: Int64, link: String?, sha256: String?) {
        self.path = path; self.type = type; self.mode = mode; self.uid = uid; self.gid = gid; self.size = size
        self.link = link; self.sha256 = sha256
    }
}

/// A path present in both images whose type, contents, mode, owner or link target differ.
public struct FileChange: Sendable, Equatable {
    /// What differs, in this order when several do: `type`, `content`, `mode`, `owner`, `link`.
    public var aspects: [String]
    public var old: DiffFile
    public var new: DiffFile

    public init(aspects: [String], old: DiffFile, new: DiffFile) {
        self.aspects = aspects; self.old = old; self.new = new
    }
}

/// An installed package whose presence or version differs; `old` nil when added, `new` nil when removed.
public struct PackageChange: Sendable, Equatable {
    /// Where the package comes from: `dpkg`, `apk`, `rpm`, `python` …
    public var manager: String
    public var name: String
    public var old: String?
    public var new: String?

    public init(manager: String, name: String, old: String?, new: String?) {
        self.manager = manager; self.name = name; self.old = old; self.new = new
    }
}

/// Everything that differs between an approved image and its new version: the result of `tre-lint diff`.
public struct DiffReport: Sendable, Equatable {
    public var tool: ToolInfo
    public var old: DiffImage
    public var new: DiffImage
    /// Config, platform and tag differences, in the contract's config key order.
    public var config: [ConfigChange]
    public var usersAdded: [PasswdUser]
    public var usersRemoved: [PasswdUser]
    public var usersChanged: [(old: PasswdUser, new: PasswdUser)]
    /// Layers both images start with, by digest.
    public var sharedLayers: Int
    public var layersRemoved: [DiffLayer]
    public var layersAdded: [DiffLayer]
    public var filesAdded: [DiffFile]
    public var filesRemoved: [DiffFile]
    public var filesChanged: [FileChange]
    public var packages: [PackageChange]
    public var oldCUDA: DetectedCUDA
    public var newCUDA: DetectedCUDA
    /// Static findings of the new image that the old one did not have (compared by rule and location).
    public var newFindings: [Finding]
    /// Static findings of the old image that the new one no longer has.
    public var resolvedFindings: [Finding]

    public init(
        tool: ToolInfo, old: DiffImage, new: DiffImage, config: [ConfigChange], usersAdded: [PasswdUser], usersRemoved: [PasswdUser],
        usersChanged: [(old: PasswdUser, new: PasswdUser)], sharedLayers: Int, layersRemoved: [DiffLayer], layersAdded: [DiffLayer],
        filesAdded: [DiffFile], filesRemoved: [DiffFile], filesChanged: [FileChange], packages: [PackageChange],
        oldCUDA: DetectedCUDA, newCUDA: DetectedCUDA, newFindings: [Finding], resolvedFindings: [Finding]
    ) {
        self.tool = tool; self.old = old; self.new = new; self.config = config
        self.usersAdded = usersAdded; self.usersRemoved = usersRemoved; self.usersChanged = usersChanged
        self.sharedLayers = sharedLayers; self.layersRemoved = layersRemoved; self.layersAdded = layersAdded
        self.filesAdded = filesAdded; self.filesRemoved = filesRemoved; self.filesChanged = filesChanged
        self.packages = packages; self.oldCUDA = oldCUDA; self.newCUDA = newCUDA
        self.newFindings = newFindings; self.resolvedFindings = resolvedFindings
    }

    public static func == (lhs: DiffReport, rhs: DiffReport) -> Bool {
        lhs.jsonValue == rhs.jsonValue
    }

    /// True when the images are the same in everything the comparison looks at.
    public var isEmpty: Bool {
        config.isEmpty && usersAdded.isEmpty && usersRemoved.isEmpty && usersChanged.isEmpty && layersRemoved.isEmpty
            && layersAdded.isEmpty && filesAdded.isEmpty && filesRemoved.isEmpty && filesChanged.isEmpty && packages.isEmpty
            && oldCUDA == newCUDA && newFindings.isEmpty && resolvedFindings.isEmpty
    }

    /// Whether a new finding reaches `threshold`: the `diff --fail-on` verdict.
    public func newFindingsFail(at threshold: FailThreshold) -> Bool {
        RuleEngine.verdict(for: newFindings, failOn: threshold) == .fail
    }
}
