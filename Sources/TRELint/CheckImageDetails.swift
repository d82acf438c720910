import Facts
import ImageKit
import Reports

extension ImageDetails {
    /// The approval report's view of an image, from the loaded image and its facts.
    init(image: Image, facts: ImageFacts) {
        let config = facts.config
        var layerOfStep: [Int?] = []
        var nextLayer = 0
        for step in image.config.history ?? [] {
            if step.emptyLayer == true {
                layerOfStep.append(nil)
            } else {
                layerOfStep.append(nextLayer < image.layers.count ? nextLayer : nil)
                nextLayer += 1
            }
        }
        let history = zip(image.config.history ?? [], layerOfStep).map { step, layer in
            HistoryStep(createdBy: step.createdBy, created: step.created, layer: layer)
        }
        self.init(
            repoTags: image.repoTags, platform: image.platform, created: image.config.created, size: facts.totalSize,
            fileCount: facts.files.entries.count,
            layers: image.layers.map { Layer(digest: $0.digest, compressedSize: $0.compressedSize, size: $0.size, entries: $0.entries) },
            history: history,
            start: Start(
                entrypoint: config.entrypoint, cmd: config.cmd, workingDir: config.workingDir,
                program: facts.effectiveArgv.first, resolvedProgram: facts.startProgram.map(ImageDetails.resolution),
                shebang: facts.startProgram?.shebang.map { "#!" + $0.joined(separator: " ") }),
            user: config.user ?? "", runsAs: ImageDetails.runsAs(facts.runAs),
            accounts: ImageDetails.accountsWorthReview(facts.users, runAs: facts.runAs),
            environment: config.env ?? [], labels: config.labels ?? [:], cuda: facts.cuda, packages: facts.packages)
    }

    static func runsAs(_ runAs: RunAsUser) -> String {
        guard let uid = runAs.uid else { return "unknown: `\(runAs.spelled)` is not in /etc/passwd, so the engines refuse to start" }
        let name = runAs.account?.name ?? "no /etc/passwd entry"
        return "\(name) (uid \(uid))"
    }

    static func resolution(_ program: StartProgram) -> String {
        switch program.problem {
        case .notFound(let searched)?: return "not found (searched \(searched.joined(separator: ", ")))"
        case .notAFile(let path)?: return "\(path) is not a file"
        case .notExecutable(let path, let mode)?: return "\(path) is not executable (mode \(String(mode & 0o7777, radix: 8)))"
        case .notExecutableByOthers(let path, let mode)?:
            return "\(path) is executable only by its owner or group (mode \(String(mode & 0o7777, radix: 8)))"
        case .interpreterMissing(let script, let interpreter)?: return "\(script): its interpreter \(interpreter) is missing"
        case nil:
            let target = program.target?.path ?? program.foundAt ?? program.requested
            if let found = program.foundAt, found != target { return "\(found) → \(target)" }
            return target
        }
    }

    /// Root, accounts with a login shell or a regular uid, and the account `USER` names: system accounts with
    /// `nologin` are the distribution's own and would only bury the ones a reviewer needs.
    static func accountsWorthReview(_ users: UserDatabase, runAs: RunAsUser) -> [PasswdUser] {
        users.users.filter { user in
            user.uid == 0 || user.uid == runAs.uid || (user.uid >= 1000 && user.uid < 65534)
                || !(user.shell.hasSuffix("nologin") || user.shell.hasSuffix("/false") || user.shell.isEmpty || user.shell == "/bin/sync")
        }
    }
}
