import TRECore
/// The `run:` section of `.tre-lint.yaml`: what the sandbox run uses unless the command line says otherwise.
public struct RunSettings: Codable, Sendable, Equatable {
    /// A folder holding `safe_data/` and optionally `env`, `args` and `opts` files.
    public var fixtures: String?
    /// The profiles to run, by built-in name or as full definitions; all three built-ins when unset.
    public var profiles: [ProfileSpec]?
    /// `auto`, `runc`, `crun`, `podman`, `docker` or `apptainer`.
    public var engine: EngineChoice?
    /// Seconds before the container is killed.
    public var timeout: Double?
    /// Memory limit in GB, as `ces-run -m` takes it.
    public var memory: Double?
    /// The memory in GB a job gets in the TRE when it asks for none (ces-run's default, 4): a run that peaks above it
    /// is TRE909, whatever limit the sandbox ran with.
    public var memoryWarning: Double?
    public var envFile: String?
    public var argFile: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case fixtures, profiles, engine, timeout, memory, memoryWarning = "memory-warning"
        case envFile = "env-file", argFile = "arg-file"
    }

    /// The keys `run:` accepts, as `.tre-lint.yaml` spells them.
    public static let keys = CodingKeys.allCases.map(\.rawValue)

    public init(
        fixtures: String? = nil, profiles: [ProfileSpec]? = nil, engine: EngineChoice? = nil, timeout: Double? = nil,
        memory: Double? = nil, memoryWarning: Double? = nil, envFile: String? = nil, argFile: String? = nil
    ) {
        self.fixtures = fixtures; self.profiles = profiles; self.engine = engine; self.timeout = timeout
        self.memory = memory; self.memoryWarning = memoryWarning; self.envFile = envFile; self.argFile = argFile
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), section: "run")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fixtures = try c.decodeIfPresent(String.self, forKey: .fixtures)
        profiles = try c.decodeIfPresent([ProfileSpec].self, forKey: .profiles)
        engine = try c.decodeIfPresent(EngineChoice.self, forKey: .engine)
        timeout = try c.decodeIfPresent(Double.self, forKey: .timeout)
        memory = try c.decodeIfPresent(Double.self, forKey: .memory)
        memoryWarning = try c.decodeIfPresent(Double.self, forKey: .memoryWarning)
        envFile = try c.decodeIfPresent(String.self, forKey: .envFile)
        argFile = try c.decodeIfPresent(String.self, forKey: .argFile)
    }
}

/// Which container engine runs the sandbox.
public enum EngineChoice: String, Codable, Sendable, CaseIterable {
    case auto, runc, crun, podman, docker, apptainer
}

/// Who the container runs as under a profile.
public enum UserPolicy: String, Codable, Sendable {
    /// The image's `USER`, root when unset (rootless Podman, where root inside is the researcher).
    case image
    /// An arbitrary non-root uid; the image's `USER` is ignored (Apptainer, Kubernetes `runAsUser`).
    case arbitrary
}

/// The primary group of the process under a profile.
public enum GroupPolicy: String, Codable, Sendable {
    /// The group `USER` names, or the user's passwd group, root when unset.
    case image
    /// The project group (Apptainer runs the researcher with the project's group).
    case project
    /// gid 0 (Kubernetes without `runAsGroup`).
    case root
}

/// A user or group that owns a mount: a number or one of `root`, `nobody`, `user` (the profile's uid), `project`.
public enum OwnerSpec: Codable, Sendable, Equatable {
    case id(Int)
    case root, nobody, user, project

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let number = try? c.decode(Int.self) {
            guard (0...0xFFFF_FFFE).contains(number) else {
                throw SandboxError.badConfiguration("owner id \(number) is out of range")
            }
            self = .id(number)
            return
        }
        let word = try c.decode(String.self)
        switch word {
        case "root": self = .root
        case "nobody": self = .nobody
        case "user": self = .user
        case "project": self = .project
        default:
            if let number = Int(word), number >= 0 { self = .id(number); return }
            throw SandboxError.badConfiguration("owner '\(word)' is not a number, root, nobody, user or project")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .id(let number): try c.encode(number)
        case .root: try c.encode("root")
        case .nobody: try c.encode("nobody")
        case .user: try c.encode("user")
        case .project: try c.encode("project")
        }
    }

    func resolve(uid: Int, projectGID: Int) -> Int {
        switch self {
        case .id(let number): number
        case .root: 0
        case .nobody: 65534
        case .user: uid
        case .project: projectGID
        }
    }
}

/// Owner, group and permission bits of one mounted directory, as the container sees them.
public struct MountOwnership: Codable, Sendable, Equatable {
    public var owner: OwnerSpec
    public var group: OwnerSpec
    /// Octal permission bits, `"0770"`.
    public var mode: String

    public init(owner: OwnerSpec, group: OwnerSpec, mode: String) {
        self.owner = owner; self.group = group; self.mode = mode
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: ["owner", "group", "mode"], section: "mount ownership")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        owner = try c.decode(OwnerSpec.self, forKey: .owner)
        group = try c.decode(OwnerSpec.self, forKey: .group)
        if let text = try? c.decode(String.self, forKey: .mode) {
            mode = text
        } else {
            // YAML reads an unquoted 0770 as the decimal number 770; the digits are what the user meant.
            mode = String(try c.decode(Int.self, forKey: .mode))
        }
        guard permissionBits != nil else { throw SandboxError.badConfiguration("mode '\(mode)' is not octal permission bits") }
    }

    /// The mode as a number, or nil when it is not 3–4 octal digits.
    public var permissionBits: UInt32? {
        guard (3...4).contains(mode.count), let bits = UInt32(mode, radix: 8), bits <= 0o7777 else { return nil }
        return bits
    }

    var description: String { "\(mode) \(owner.label):\(group.label)" }
}

extension OwnerSpec {
    var label: String {
        switch self {
        case .id(let number): String(number)
        case .root: "root"
        case .nobody: "nobody"
        case .user: "you"
        case .project: "project-group"
        }
    }
}

/// Owners and modes of the three mounts under one profile.
public struct ProfileMounts: Codable, Sendable, Equatable {
    public var safeData: MountOwnership
    public var scratch: MountOwnership
    public var safeOutputs: MountOwnership

    enum CodingKeys: String, CodingKey, CaseIterable {
        case safeData = "safe-data", scratch, safeOutputs = "safe-outputs"
    }

    public init(safeData: MountOwnership, scratch: MountOwnership, safeOutputs: MountOwnership) {
        self.safeData = safeData; self.scratch = scratch; self.safeOutputs = safeOutputs
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), section: "profile mounts")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        safeData = try c.decode(MountOwnership.self, forKey: .safeData)
        scratch = try c.decode(MountOwnership.self, forKey: .scratch)
        safeOutputs = try c.decode(MountOwnership.self, forKey: .safeOutputs)
    }
}

/// One way a TRE engine runs the container: who it runs as, whether the root filesystem is writable, mount owners.
///
/// In `.tre-lint.yaml` a profile is either a built-in name (`podman`, `apptainer`, `kubernetes`) or a full definition.
public struct ProfileSpec: Codable, Sendable, Equatable {
    public var name: String
    public var user: UserPolicy
    public var group: GroupPolicy
    /// A fixed uid for `arbitrary`; a random non-root uid per run when unset.
    public var uid: Int?
    /// A fixed project gid; a random one per run when unset.
    public var projectGID: Int?
    /// Adds the project group as a supplementary group (Kubernetes `fsGroup`).
    public var fsGroup: Bool
    public var readOnlyRoot: Bool
    /// Binds a fresh `$HOME` from a temporary directory (Apptainer).
    public var bindHome: Bool
    public var mounts: ProfileMounts
    /// The engine's name in messages ("Podman", "Apptainer").
    public var displayName: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, user, group, uid, projectGID = "project-gid", fsGroup = "fs-group"
        case readOnlyRoot = "read-only-root", bindHome = "bind-home", mounts, displayName = "display-name"
    }

    public init(
        name: String, user: UserPolicy, group: GroupPolicy, uid: Int? = nil, projectGID: Int? = nil, fsGroup: Bool = false,
        readOnlyRoot: Bool, bindHome: Bool, mounts: ProfileMounts, displayName: String? = nil
    ) {
        self.name = name; self.user = user; self.group = group; self.uid = uid; self.projectGID = projectGID
        self.fsGroup = fsGroup; self.readOnlyRoot = readOnlyRoot; self.bindHome = bindHome; self.mounts = mounts
        self.displayName = displayName ?? name
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
            guard let builtIn = ProfileSpec.builtIn(named: name) else {
                throw SandboxError.badConfiguration(
                    "unknown profile '\(name)' (built-in: \(ProfileSpec.defaults.map(\.name).joined(separator: ", ")))")
            }
            self = builtIn
            return
        }
        try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), section: "profile")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        let base = ProfileSpec.builtIn(named: name)
        user = try c.decodeIfPresent(UserPolicy.self, forKey: .user) ?? base?.user ?? .arbitrary
        group = try c.decodeIfPresent(GroupPolicy.self, forKey: .group) ?? base?.group ?? .project
        uid = try c.decodeIfPresent(Int.self, forKey: .uid) ?? base?.uid
        projectGID = try c.decodeIfPresent(Int.self, forKey: .projectGID) ?? base?.projectGID
        fsGroup = try c.decodeIfPresent(Bool.self, forKey: .fsGroup) ?? base?.fsGroup ?? false
        readOnlyRoot = try c.decodeIfPresent(Bool.self, forKey: .readOnlyRoot) ?? base?.readOnlyRoot ?? false
        bindHome = try c.decodeIfPresent(Bool.self, forKey: .bindHome) ?? base?.bindHome ?? false
        guard let mounts = try c.decodeIfPresent(ProfileMounts.self, forKey: .mounts) ?? base?.mounts else {
            throw SandboxError.badConfiguration("profile '\(name)' needs mounts (owners and modes of the three mounts)")
        }
        self.mounts = mounts
        displayName = try c.decodeIfPresent(String.self, forKey: .displayName) ?? base?.displayName ?? name
        if let uid, !(1...0xFFFF_FFFE).contains(uid) || uid == 65534, user == .arbitrary {
            throw SandboxError.badConfiguration("profile '\(name)': uid \(uid) is not an ordinary non-root uid")
        }
    }

    /// Rootless Podman as `ces-run` starts it (tre.md): the image's USER, writable root, root-owned mounts.
    public static let podman = ProfileSpec(
        name: "podman", user: .image, group: .image, readOnlyRoot: false, bindHome: false,
        mounts: ProfileMounts(
            safeData: MountOwnership(owner: .nobody, group: .root, mode: "0770"),
            scratch: MountOwnership(owner: .root, group: .root, mode: "0755"),
            safeOutputs: MountOwnership(owner: .root, group: .root, mode: "0755")),
        displayName: "Podman")

    /// Apptainer: the researcher's arbitrary uid with the project group, read-only root, `$HOME` bound in.
    public static let apptainer = ProfileSpec(
        name: "apptainer", user: .arbitrary, group: .project, readOnlyRoot: true, bindHome: true,
        mounts: ProfileMounts(
            safeData: MountOwnership(owner: .nobody, group: .project, mode: "0770"),
            scratch: MountOwnership(owner: .user, group: .project, mode: "0755"),
            safeOutputs: MountOwnership(owner: .user, group: .project, mode: "0755")),
        displayName: "Apptainer")

    /// Kubernetes: `runAsUser` an arbitrary non-root uid, `fsGroup` owning the volumes, writable root.
    public static let kubernetes = ProfileSpec(
        name: "kubernetes", user: .arbitrary, group: .root, fsGroup: true, readOnlyRoot: false, bindHome: false,
        mounts: ProfileMounts(
            safeData: MountOwnership(owner: .nobody, group: .project, mode: "2770"),
            scratch: MountOwnership(owner: .root, group: .project, mode: "2775"),
            safeOutputs: MountOwnership(owner: .root, group: .project, mode: "2775")),
        displayName: "Kubernetes")

    /// The profiles run when none are named.
    public static let defaults: [ProfileSpec] = [.podman, .apptainer, .kubernetes]

    /// A built-in profile by name.
    public static func builtIn(named name: String) -> ProfileSpec? {
        defaults.first { $0.name == name }
    }
}
