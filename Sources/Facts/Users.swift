/// One line of `/etc/passwd`.
public struct PasswdUser: Sendable, Equatable, Codable {
    public var name: String
    public var uid: Int
    public var gid: Int
    public var home: String
    public var shell: String

    public init(name: String, uid: Int, gid: Int, home: String, shell: String) {
        self.name = name; self.uid = uid; self.gid = gid; self.home = home; self.shell = shell
    }
}

/// The accounts an image defines, and who its `USER` makes the process.
public struct UserDatabase: Sendable, Equatable {
    public var users: [PasswdUser]
    /// Group names by gid from `/etc/group`.
    public var groups: [Int: String]

    public init(passwd: String?, group: String?) {
        users = (passwd ?? "").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 7, !fields[0].hasPrefix("#"), let uid = Int(fields[2]), let gid = Int(fields[3]) else { return nil }
            return PasswdUser(name: fields[0], uid: uid, gid: gid, home: fields[5], shell: fields[6])
        }
        var groups: [Int: String] = [:]
        for line in (group ?? "").split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count >= 3, let gid = Int(fields[2]) { groups[gid] = String(fields[0]) }
        }
        self.groups = groups
    }

    public func user(named name: String) -> PasswdUser? { users.first { $0.name == name } }
    public func user(uid: Int) -> PasswdUser? { users.first { $0.uid == uid } }
}

/// Who the image's `USER` runs the process as.
public struct RunAsUser: Sendable, Equatable {
    /// `USER` as written (empty when unset: root).
    public var spelled: String
    /// The uid it stands for; nil when a name is not in `/etc/passwd` (the engine refuses to start).
    public var uid: Int?
    /// The account, when `/etc/passwd` has it.
    public var account: PasswdUser?

    public init(spelled: String, database: UserDatabase) {
        self.spelled = spelled
        let userPart = spelled.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if userPart.isEmpty {
            uid = 0
            account = database.user(uid: 0)
        } else if let numeric = Int(userPart) {
            uid = numeric
            account = database.user(uid: numeric)
        } else {
            account = database.user(named: userPart)
            uid = account?.uid
        }
    }

    /// True when the process runs as uid 0 (unset USER, `root`, `0`, or a name that maps to uid 0).
    public var isRoot: Bool { uid == 0 }
}
