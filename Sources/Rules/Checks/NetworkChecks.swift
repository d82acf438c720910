import TRECore
import Facts
import Foundation

/// TRE301: packages installed at run time.
struct RuntimeInstallCheck: RuleCheck {
    let id = "TRE301"
    func check(_ context: StaticCheckContext) -> [Violation] {
        signalViolations(context, rule: id, kind: .packageInstall) { place, signal in
            "\(place) installs packages at run time (`\(signal.detail ?? signal.code)`): the TRE has no network, so the install fails and the job with it."
        }
    }
}

/// TRE302: downloads at run time.
struct RuntimeDownloadCheck: RuleCheck {
    let id = "TRE302"
    func check(_ context: StaticCheckContext) -> [Violation] {
        signalViolations(context, rule: id, kind: .download) { place, signal in
            "\(place) downloads at run time (`\(signal.detail ?? signal.code)`): the TRE has no network, so the download fails."
        }
    }
}

/// TRE303: Hugging Face libraries without HF_HUB_OFFLINE=1.
struct HuggingFaceOfflineCheck: RuleCheck {
    let id = "TRE303"
    static let truthy: Set<String> = ["1", "true", "yes", "on"]

    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        let libraries = facts.huggingFaceLibraries
        guard !libraries.isEmpty else { return [] }
        let offline = facts.environment["HF_HUB_OFFLINE"].map { Self.truthy.contains($0.lowercased()) } ?? false
        guard !offline, facts.signals(.setsHuggingFaceOffline).isEmpty else { return [] }
        let names = libraries.map { "\($0.name) \($0.version)" }
        return [Violation(
            rule: id,
            message: "Hugging Face libraries are installed (\(listed(names))) but HF_HUB_OFFLINE=1 is not set: they try the Hub first and stall or fail without network.",
            location: facts.envLocation("HF_HUB_OFFLINE"))]
    }
}

/// TRE304: a network licence server is configured.
struct LicenseServerCheck: RuleCheck {
    let id = "TRE304"
    private static let server = try? NSRegularExpression(pattern: #"(^|[:;])\s*[0-9]*@[A-Za-z0-9][\w.-]*"#)

    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        var violations: [Violation] = []
        for (name, value) in facts.environment.sorted(by: { $0.key < $1.key })
        where name.uppercased().contains("LICENSE") || name.uppercased().contains("LICENCE") {
            guard let server = Self.server, server.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil else { continue }
            violations.append(Violation(
                rule: id,
                message: "\(name)=\(value) points at a network licence server: the TRE has no network, so the licensed software will not start.",
                location: facts.envLocation(name)))
        }
        violations += signalViolations(context, rule: id, kind: .licenseServer) { place, signal in
            "\(place) points at a network licence server (\(signal.detail ?? signal.code)): the TRE has no network."
        }
        return violations
    }
}

/// TRE305: proxy variables baked into the image.
struct ProxyVariableCheck: RuleCheck {
    let id = "TRE305"
    static let names: Set<String> = ["http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "rsync_proxy"]

    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        return facts.environment.keys.sorted().filter { Self.names.contains($0.lowercased()) && !(facts.environment[$0] ?? "").isEmpty }
            .map { name in
                Violation(
                    rule: id,
                    message: "\(name) is baked into the image's Env: the build machine's proxy is unreachable from the TRE, and tools that honour it fail or hang.",
                    location: facts.envLocation(name))
            }
    }
}

/// TRE306: a HEALTHCHECK that uses the network.
struct NetworkHealthcheckCheck: RuleCheck {
    let id = "TRE306"
    private static let network = try? NSRegularExpression(
        pattern: #"\b(curl|wget|nc|ncat|netcat|ping|nslookup|dig|telnet)\b|https?://|localhost:|127\.0\.0\.1:"#)

    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        var probes: [(text: String, location: Location)] = []
        if let test = facts.config.healthcheck?.test, test.first != "NONE" {
            probes.append((test.dropFirst().joined(separator: " "), facts.stepLocation("HEALTHCHECK", field: "Healthcheck")))
        } else if let step = facts.build.last("HEALTHCHECK"), !step.arguments.uppercased().hasPrefix("NONE") {
            // OCI configs drop HEALTHCHECK; it survives in the history (or the Dockerfile) only.
            probes.append((step.arguments, step.location))
        }
        return probes.compactMap { probe in
            guard let network = Self.network,
                  network.firstMatch(in: probe.text, range: NSRange(probe.text.startIndex..., in: probe.text)) != nil else { return nil }
            return Violation(
                rule: id,
                message: "The HEALTHCHECK `\(probe.text)` uses the network: without network in the TRE it always fails and engines that honour it mark the job unhealthy.",
                location: probe.location)
        }
    }
}
