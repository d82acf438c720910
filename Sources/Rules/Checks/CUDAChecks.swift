import TRECore
import Facts

extension CUDAVersionSource {
    /// The file the version came from, or the Env when it is a variable.
    var location: Location {
        path.hasPrefix("/") ? Location(kind: .imageFile, path: path) : Location(kind: .imageConfig, path: "Env")
    }

    var summary: String { "\(version) (\(kind.rawValue): \(path))" }
}

extension [CUDAVersionSource] {
    /// The source that states `version`, a file before an Env variable since the file is what to fix or inspect.
    func preferringFiles(version: DottedVersion) -> CUDAVersionSource? {
        let stating = filter { $0.version == version }
        return stating.first { $0.path.hasPrefix("/") } ?? stating.first ?? first
    }
}

/// TRE401: the CUDA runtime is older than the site's minimum.
struct OldCUDACheck: RuleCheck {
    let id = "TRE401"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let cuda = context.facts.cuda
        guard let version = cuda.version, let minimum = DottedVersion(context.configuration.cuda.minimum), version < minimum,
              let source = cuda.sources.preferringFiles(version: version) else { return [] }
        return [Violation(
            rule: id,
            message: "The image carries CUDA \(version), older than \(minimum), the oldest the TRE's GPUs support; seen in \(listed(cuda.sources.map(\.summary))).",
            location: source.location)]
    }
}

/// TRE402: CUDA versions disagree between sources.
struct CUDAMismatchCheck: RuleCheck {
    let id = "TRE402"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let sources = context.facts.cuda.sources
        let majors = Set(sources.map(\.version.major))
        let minors = Set(sources.filter(\.precise).map { "\($0.version.major).\($0.version.minor ?? 0)" })
        guard majors.count > 1 || minors.count > 1, let reference = context.facts.cuda.version else { return [] }
        // Point at the first source that disagrees with the runtime version.
        let odd = sources.first { source in
            source.version.major != reference.major || (source.precise && source.version.minor != nil && source.version.minor != reference.minor)
        } ?? sources[0]
        return [Violation(
            rule: id,
            message: "CUDA versions disagree: \(listed(sources.map(\.summary), limit: 8)). A framework built for another CUDA than the runtime can fail to load its kernels or need a newer driver.",
            location: odd.location)]
    }
}

/// TRE403: the CUDA runtime needs a newer driver than the site's.
struct CUDADriverCheck: RuleCheck {
    let id = "TRE403"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let cuda = context.facts.cuda
        guard let driverText = context.configuration.cuda.driver, let driver = DottedVersion(driverText),
              let version = cuda.version, let needed = CUDADetector.minimumDriver(for: version), driver < needed else { return [] }
        let source = cuda.sources.preferringFiles(version: version)
        return [Violation(
            rule: id,
            message: "CUDA \(version) needs NVIDIA driver \(needed) or newer; the site's driver is \(driver). The NVIDIA container toolkit refuses to start the image (NVIDIA_REQUIRE_CUDA) or the runtime reports 'driver version is insufficient'.",
            location: source?.location ?? Location(kind: .imageConfig, path: "Env"))]
    }
}
