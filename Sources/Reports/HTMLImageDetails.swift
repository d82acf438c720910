public import Facts

/// What the approval report shows about the image beyond findings and run: plain data the check pipeline fills in, so
/// the reporter never reads an image itself.
public struct ImageDetails: Codable, Sendable, Equatable {
    /// One step of the image's build history, with the layer it made (nil for steps that only change the config).
    public struct HistoryStep: Codable, Sendable, Equatable {
        public var createdBy: String?
        public var created: String?
        /// Index into `layers`.
        public var layer: Int?

        public init(createdBy: String?, created: String? = nil, layer: Int?) {
            self.createdBy = createdBy; self.created = created; self.layer = layer
        }
    }

    /// One layer blob.
    public struct Layer: Codable, Sendable, Equatable {
        public var digest: String
        public var compressedSize: Int64
        public var size: Int64
        public var entries: Int

        public init(digest: String, compressedSize: Int64, size: Int64, entries: Int) {
            self.digest = digest; self.compressedSize = compressedSize; self.size = size; self.entries = entries
        }
    }

    /// How the container starts.
    public struct Start: Codable, Sendable, Equatable {
        public var entrypoint: [String]?
        public var cmd: [String]?
        public var workingDir: String?
        /// The program the command runs after wrappers (`tini`, `env`), as the command names it.
        public var program: String?
        /// Where that program resolves in the image (symlinks followed), or why it does not.
        public var resolvedProgram: String?
        /// The `#!` line of a script start program.
        public var shebang: String?

        public init(
            entrypoint: [String]?, cmd: [String]?, workingDir: String?, program: String? = nil, resolvedProgram: String? = nil,
            shebang: String? = nil
        ) {
            self.entrypoint = entrypoint; self.cmd = cmd; self.workingDir = workingDir; self.program = program
            self.resolvedProgram = resolvedProgram; self.shebang = shebang
        }
    }

    public var repoTags: [String]
    /// `linux/amd64`, with the variant when there is one.
    public var platform: String
    public var created: String?
    /// Uncompressed bytes of the merged filesystem.
    public var size: Int64
    /// Paths in the merged filesystem.
    public var fileCount: Int
    public var layers: [Layer]
    public var history: [HistoryStep]
    public var start: Start
    /// `USER` as written (empty when unset).
    public var user: String
    /// Who that makes the process: `root (uid 0)`, `app (uid 1000)`, or that the name is unknown.
    public var runsAs: String
    /// Accounts worth a reviewer's look: root, login accounts, and the `USER` account.
    public var accounts: [PasswdUser]
    public var environment: [String]
    public var labels: [String: String]
    public var cuda: DetectedCUDA
    public var packages: PackageInventory

    public init(
        repoTags: [String], platform: String, created: String?, size: Int64, fileCount: Int, layers: [Layer],
        history: [HistoryStep], start: Start, user: String, runsAs: String, accounts: [PasswdUser], environment: [String],
        labels: [String: String], cuda: DetectedCUDA, packages: PackageInventory
    ) {
        self.repoTags = repoTags; self.platform = platform; self.created = created; self.size = size
        self.fileCount = fileCount; self.layers = layers; self.history = history; self.start = start; self.user = user
        self.runsAs = runsAs; self.accounts = accounts; self.environment = environment; self.labels = labels
        self.cuda = cuda; self.packages = packages
    }
}
