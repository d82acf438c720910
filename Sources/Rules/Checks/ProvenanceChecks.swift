import TRECore
import Facts
import Foundation

/// TRE501: the image's tag names a registry the TRE cannot pull from.
struct RegistryCheck: RuleCheck {
    let id = "TRE501"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let allowed = Set(context.configuration.registries.map { $0.lowercased() })
        return context.facts.repoTags.compactMap { tag in
            let registry = Self.registry(of: tag)
            // `localhost/…` is how podman names an image it built and nobody pushed yet: no registry to judge.
            guard registry != "localhost", !allowed.contains(registry) else { return nil }
            return Violation(
                rule: id,
                message: "The tag \(tag) names the registry \(registry); ces-pull fetches only from \(listed(context.configuration.registries)), so the TRE cannot pull it.",
                location: Location(kind: .imageConfig, path: "RepoTags"))
        }
    }

    /// The registry part of a reference, as Docker reads it: the first component when it looks like a host.
    static func registry(of reference: String) -> String {
        let parts = reference.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let first = parts.first else { return "docker.io" }
        let host = String(first)
        if host.contains(".") || host.contains(":") || host == "localhost" { return host.lowercased() }
        return "docker.io"
    }
}

/// TRE502: no OCI source / revision labels.
struct SourceLabelsCheck: RuleCheck {
    let id = "TRE502"
    static let required = ["org.opencontainers.image.source", "org.opencontainers.image.revision"]

    func check(_ context: StaticCheckContext) -> [Violation] {
        let labels = context.facts.config.labels ?? [:]
        let missing = Self.required.filter { (labels[$0] ?? "").isEmpty }
        guard !missing.isEmpty else { return [] }
        return [Violation(
            rule: id,
            message: "The image has no \(missing.joined(separator: " or ")) label: TRE staff cannot trace it to the git repository and commit it was built from.",
            location: context.facts.stepLocation("LABEL", field: "Labels"))]
    }
}

/// TRE503: the base image is not pinned by digest.
struct UnpinnedBaseCheck: RuleCheck {
    let id = "TRE503"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        if facts.build.fromDockerfile {
            return facts.build.baseImages.filter { !$0.pinned }.map { base in
                Violation(
                    rule: id,
                    message: "FROM \(base.reference) is not pinned by digest: the same Dockerfile can build a different image tomorrow. Add @sha256:… to the reference.",
                    location: base.location)
            }
        }
        // Without a Dockerfile only the OCI base-image annotations, when the builder wrote them, tell.
        let labels = facts.config.labels ?? [:]
        guard let base = labels["org.opencontainers.image.base.name"], (labels["org.opencontainers.image.base.digest"] ?? "").isEmpty,
              !base.contains("@sha256:") else { return [] }
        return [Violation(
            rule: id,
            message: "The base image \(base) is recorded without a digest: it was not pinned, so rebuilding may give a different image.",
            location: Location(kind: .imageConfig, path: "Labels"))]
    }
}

/// TRE504: secret material in a file, found by content.
struct SecretFileCheck: RuleCheck {
    let id = "TRE504"
    func check(_ context: StaticCheckContext) -> [Violation] {
        context.facts.secrets.map { secret in
            let deletedNote = secret.visible ? "" : " A later layer deletes or replaces it, but layer \(secret.layer) still ships its bytes to anyone who pulls the image."
            return Violation(
                rule: id,
                message: "\(secret.path) holds \(secret.kind.phrase) (line \(secret.line)).\(deletedNote) Images are copied and kept; secrets in them leak.",
                location: Location(kind: .imageFile, path: secret.path, line: secret.line, layer: secret.layer))
        }
    }
}

/// TRE505: a secret-looking value in the config's Env or in the history.
struct SecretConfigCheck: RuleCheck {
    let id = "TRE505"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        var violations: [Violation] = []
        for name in facts.environment.keys.sorted() {
            guard let kind = SecretScanner.scanAssignmentText("\(name)=\(facts.environment[name] ?? "")") else { continue }
            violations.append(Violation(
                rule: id,
                message: "The Env variable \(name) holds \(kind.phrase): everyone who can pull the image can read it with `inspect`.",
                location: facts.envLocation(name)))
        }
        for (index, entry) in (facts.imageConfig.history ?? []).enumerated() {
            guard let text = entry.createdBy, let kind = SecretScanner.scanAssignmentText(text) else { continue }
            // A secret in ENV is already reported above from the config.
            if text.contains("ENV "), violations.contains(where: { $0.message.contains(kind.phrase) }) { continue }
            violations.append(Violation(
                rule: id,
                message: "History entry \(index + 1) (a build step's command line) holds \(kind.phrase): build arguments and commands are stored in the image for anyone to read. Use build secrets (`RUN --mount=type=secret`).",
                location: Location(kind: .dockerfile, path: BuildRecord.historyPath, line: index + 1)))
        }
        return violations
    }
}

/// TRE506: setuid or setgid files beyond the base system's own.
struct SetuidCheck: RuleCheck {
    let id = "TRE506"
    func check(_ context: StaticCheckContext) -> [Violation] {
        context.facts.files.entries.compactMap { entry in
            guard entry.type == .file, entry.mode & 0o6000 != 0,
                  !BaseSystemSetuid.names.contains((entry.path as NSString).lastPathComponent) else { return nil }
            let bits = entry.mode & 0o4000 != 0 ? "setuid" : "setgid"
            return Violation(
                rule: id,
                message: "\(entry.path) is \(bits) (mode 0\(String(entry.mode & 0o7777, radix: 8))): it is not part of the base system, and engines run with no-new-privileges, so it gains nothing but review questions.",
                location: Location(kind: .imageFile, path: entry.path, layer: entry.layer))
        }
    }
}

/// TRE507: the image is larger than the size budget.
struct SizeBudgetCheck: RuleCheck {
    let id = "TRE507"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let size = UInt64(max(0, context.facts.totalSize))
        let budget = context.configuration.sizeBudget
        guard size > budget else { return [] }
        return [Violation(
            rule: id,
            message: "The image's filesystem holds \(ByteCount.text(Int64(clamping: size))), over the \(ByteCount.text(Int64(clamping: budget))) budget: pulling it through ces-pull is slow and fills the TRE's storage.",
            location: Location(kind: .imageConfig, path: "rootfs"))]
    }
}

/// TRE508: space wasted by files that later layers overwrite or delete.
struct WastedSpaceCheck: RuleCheck {
    let id = "TRE508"
    static let threshold: Int64 = 50 * 1024 * 1024

    func check(_ context: StaticCheckContext) -> [Violation] {
        let wasted = context.facts.wasted
        let total = wasted.reduce(Int64(0)) { $0 + $1.size }
        guard total >= Self.threshold, let largest = wasted.max(by: { $0.size < $1.size }) else { return [] }
        let biggest = wasted.sorted { $0.size > $1.size }.prefix(3).map { "\($0.path) (\(ByteCount.text($0.size)), layer \($0.layer))" }
        return [Violation(
            rule: id,
            message: "\(ByteCount.text(total)) of the image is files that later layers overwrite or delete, e.g. \(biggest.joined(separator: ", ")): delete them in the same RUN that creates them.",
            location: Location(kind: .imageFile, path: largest.path, layer: largest.layer))]
    }
}
