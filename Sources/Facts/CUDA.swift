public import Foundation

/// A dotted version number compared numerically (`12.4.1` > `12.1`).
public struct DottedVersion: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var components: [Int]
    /// The version as written (`530.30.02` keeps its zero), when it was parsed from text.
    private var spelled: String?

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        components = parts.compactMap { $0 }
        spelled = text
    }

    public init(components: [Int]) { self.components = components }

    // `12.1` and `12.1.0` are the same version, as `<` already treats them.
    public static func == (lhs: DottedVersion, rhs: DottedVersion) -> Bool { !(lhs < rhs) && !(rhs < lhs) }
    public func hash(into hasher: inout Hasher) {
        var trimmed = components[...]
        while trimmed.last == 0 { trimmed = trimmed.dropLast() }
        hasher.combine(Array(trimmed))
    }

    public var major: Int { components.first ?? 0 }
    public var minor: Int? { components.count > 1 ? components[1] : nil }
    public var description: String { spelled ?? components.map(String.init).joined(separator: ".") }

    public static func < (lhs: DottedVersion, rhs: DottedVersion) -> Bool {
        for index in 0..<max(lhs.components.count, rhs.components.count) {
            let left = index < lhs.components.count ? lhs.components[index] : 0
            let right = index < rhs.components.count ? rhs.components[index] : 0
            if left != right { return left < right }
        }
        return false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let version = DottedVersion(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a version: \(text)"))
        }
        self = version
    }
}

/// Where a CUDA version was read from.
public enum CUDAVersionSourceKind: String, Sendable, Codable, CaseIterable {
    /// `CUDA_VERSION` in the image's Env.
    case environment = "env"
    /// `NVIDIA_REQUIRE_CUDA` in the image's Env (what the NVIDIA container toolkit enforces against the driver).
    case requirement = "env-require"
    /// `/usr/local/cuda*/version.json` or `version.txt`.
    case toolkit
    /// The `libcudart.so.X.Y` file name.
    case libcudart
    /// PyTorch's `torch/version.py` (`cuda = '12.1'`).
    case pytorch
    /// TensorFlow's or JAX's build info.
    case framework
    /// An `nvidia-*-cuXX` wheel's metadata.
    case wheel
    /// A conda package record (`cudatoolkit`, `cuda-cudart`, `pytorch-cuda`).
    case conda
}

/// One place the image says which CUDA it carries.
public struct CUDAVersionSource: Sendable, Equatable, Codable {
    public var kind: CUDAVersionSourceKind
    /// The file or variable the version came from.
    public var path: String
    public var version: DottedVersion
    /// Whether the source states a minor version (wheel suffixes such as `-cu12` state only the major).
    public var precise: Bool

    public init(kind: CUDAVersionSourceKind, path: String, version: DottedVersion, precise: Bool = true) {
        self.kind = kind; self.path = path; self.version = version; self.precise = precise
    }
}

/// The CUDA an image carries, as `inspect` reports it: the runtime version and every source seen.
public struct DetectedCUDA: Sendable, Equatable, Codable {
    /// The runtime version: the toolkit's own files first, then the base image's env, then what frameworks were built for.
    public var version: DottedVersion?
    public var sources: [CUDAVersionSource]

    public init(sources: [CUDAVersionSource]) {
        self.sources = sources
        let order: [CUDAVersionSourceKind] = [.libcudart, .toolkit, .environment, .requirement, .pytorch, .framework, .conda, .wheel]
        let precise = sources.filter(\.precise)
        version = order.lazy.compactMap { kind in
            precise.filter { $0.kind == kind }.map(\.version).max()
        }.first ?? sources.map(\.version).max()
    }

    /// True when the image holds no sign of CUDA at all.
    public var isEmpty: Bool { sources.isEmpty }
}

/// Reads CUDA versions out of the files and variables that state them.
public enum CUDADetector {
    /// Paths whose contents state a CUDA version (read through the content observer or lazily).
    public static func wantsContents(of path: String) -> Bool {
        // The prefix test first: the pattern would otherwise run on every file of the image.
        if path.hasPrefix("/usr/local/cuda"), toolkitFile.matches(path) { return true }
        if path.hasSuffix("/torch/version.py") { return true }
        if path.hasSuffix("/tensorflow/python/platform/build_info.py") { return true }
        if path.hasSuffix("/jaxlib/version.py") || path.hasSuffix("/jax_plugins/xla_cuda12/__init__.py") { return false }
        if path.hasSuffix(".json"), path.containsBytes("/conda-meta/"), condaRecordName.matches(String(PathText.lastComponent(path))) {
            return true
        }
        return false
    }

    static let toolkitFile = Pattern(#"^/usr/local/cuda[^/]*/version\.(json|txt)$"#)
    static let condaRecordName = Pattern(#"^(cudatoolkit|cuda-cudart|cuda-version|pytorch-cuda|cuda-runtime)-[0-9]"#)
    private static let libcudartName = Pattern(#"^libcudart\.so\.([0-9]+(?:\.[0-9]+)*)$"#)
    private static let wheelName = Pattern(#"^nvidia[-_](.+?)[-_]cu([0-9]+)$"#, caseInsensitive: true)
    private static let jsonCudart = Pattern(#""cuda_cudart"\s*:\s*\{[^}]*"version"\s*:\s*"([0-9.]+)""#)
    private static let jsonCuda = Pattern(#""cuda"\s*:\s*\{[^}]*"version"\s*:\s*"([0-9.]+)""#)
    private static let versionTxt = Pattern(#"CUDA Version ([0-9.]+)"#)
    private static let torchCuda = Pattern(#"^cuda\s*(?::\s*[\w\[\]]+\s*)?=\s*['"]([0-9.]+)['"]"#)
    private static let tensorflowCuda = Pattern(#"['"]cuda_version['"]\s*:\s*['"]([0-9.]+)['"]"#)
    private static let requireCuda = Pattern(#"cuda>=([0-9.]+)"#)
    private static let condaVersion = Pattern(#""version"\s*:\s*"([0-9.]+)""#)

    /// Sources from the image's environment variables.
    public static func fromEnvironment(_ environment: [String: String]) -> [CUDAVersionSource] {
        var sources: [CUDAVersionSource] = []
        if let value = environment["CUDA_VERSION"], let version = DottedVersion(value) {
            sources.append(CUDAVersionSource(kind: .environment, path: "CUDA_VERSION", version: version))
        }
        if let value = environment["NVIDIA_REQUIRE_CUDA"], let text = requireCuda.firstCapture(in: value),
           let version = DottedVersion(text) {
            sources.append(CUDAVersionSource(kind: .requirement, path: "NVIDIA_REQUIRE_CUDA", version: version))
        }
        return sources
    }

    /// A source from a file name alone: `libcudart.so.12.1.105`.
    public static func fromFileName(_ path: String) -> CUDAVersionSource? {
        let name = String(PathText.lastComponent(path))
        // The prefix test first: this runs for every file of the image, the pattern only for candidates.
        guard name.hasPrefix("libcudart"), let text = libcudartName.firstCapture(in: name), let version = DottedVersion(text) else { return nil }
        return CUDAVersionSource(kind: .libcudart, path: path, version: version, precise: version.components.count > 1)
    }

    /// A source from an installed wheel: `nvidia-cuda-runtime-cu12 12.1.105` states 12.1; other `nvidia-*-cu12` only 12.
    public static func fromDistribution(name: String, version: String, path: String) -> CUDAVersionSource? {
        guard let match = wheelName.firstMatch(in: name),
              let libraryRange = Range(match.range(at: 1), in: name), let majorRange = Range(match.range(at: 2), in: name),
              let major = Int(name[majorRange]) else { return nil }
        let library = name[libraryRange].lowercased().replacingOccurrences(of: "_", with: "-")
        // Only the CUDA runtime's own wheels carry the CUDA version; cuDNN, NCCL, cuFFT… number themselves.
        if ["cuda-runtime", "cuda-nvrtc", "cuda-cupti"].contains(library), let full = DottedVersion(version),
           full.major == major, full.components.count > 1 {
            return CUDAVersionSource(kind: .wheel, path: path, version: DottedVersion(components: Array(full.components.prefix(2))))
        }
        return CUDAVersionSource(kind: .wheel, path: path, version: DottedVersion(components: [major]), precise: false)
    }

    /// A source from the contents of a file `wantsContents(of:)` accepted.
    public static func fromContents(path: String, text: String) -> CUDAVersionSource? {
        if toolkitFile.matches(path) {
            let captured = path.hasSuffix(".json")
                ? (jsonCudart.firstCapture(in: text) ?? jsonCuda.firstCapture(in: text)) : versionTxt.firstCapture(in: text)
            return captured.flatMap(DottedVersion.init).map { CUDAVersionSource(kind: .toolkit, path: path, version: $0) }
        }
        if path.hasSuffix("/torch/version.py") {
            for line in text.split(separator: "\n") {
                if let captured = torchCuda.firstCapture(in: String(line)), let version = DottedVersion(captured) {
                    return CUDAVersionSource(kind: .pytorch, path: path, version: version)
                }
            }
            return nil
        }
        if path.hasSuffix("build_info.py") {
            return tensorflowCuda.firstCapture(in: text).flatMap(DottedVersion.init).map {
                CUDAVersionSource(kind: .framework, path: path, version: $0)
            }
        }
        if path.contains("/conda-meta/") {
            guard let captured = condaVersion.firstCapture(in: text), let full = DottedVersion(captured) else { return nil }
            return CUDAVersionSource(kind: .conda, path: path, version: DottedVersion(components: Array(full.components.prefix(2))))
        }
        return nil
    }

    /// Every CUDA source in an image: its Env, version files, libcudart names, framework builds, wheels and conda records.
    public static func detect(
        index: FileIndex, environment: [String: String], distributions: [PythonDistribution], read: ([String]) -> [String: Data]
    ) -> DetectedCUDA {
        var cudaSources = CUDADetector.fromEnvironment(environment)
        var contentPaths: [String] = []
        for entry in index.entries where entry.type == .file || entry.type == .symlink {
            if let source = CUDADetector.fromFileName(entry.path), !entry.path.contains("-packages/nvidia/") {
                cudaSources.append(source)
            }
            if entry.type == .file, CUDADetector.wantsContents(of: entry.path) { contentPaths.append(entry.path) }
        }
        let cudaFiles = read(contentPaths)
        for path in contentPaths.sorted() {
            if let data = cudaFiles[path], let source = CUDADetector.fromContents(path: path, text: String(decoding: data, as: UTF8.self)) {
                cudaSources.append(source)
            }
        }
        for distribution in distributions {
            if let source = CUDADetector.fromDistribution(name: distribution.name, version: distribution.version, path: distribution.path) {
                cudaSources.append(source)
            }
            let frameworks: Set<String> = ["torch", "tensorflow", "jaxlib", "torchvision", "torchaudio"]
            if frameworks.contains(distribution.name), let cuda = distribution.cudaFromLocalVersion,
               !cudaSources.contains(where: { $0.kind == .pytorch && distribution.name == "torch" }) {
                cudaSources.append(CUDAVersionSource(kind: distribution.name == "torch" ? .pytorch : .framework, path: distribution.path, version: cuda))
            }
        }
        // libcudart appears once per symlink in the usual chain (so.12 → so.12.1.105): keep one per version.
        var seenLibcudart: Set<String> = []
        cudaSources = cudaSources.filter { source in
            source.kind != .libcudart || seenLibcudart.insert(source.version.description).inserted
        }
        return DetectedCUDA(sources: cudaSources)
    }

    /// The oldest Linux driver each CUDA release needs (NVIDIA's CUDA Toolkit release notes, table 3).
    /// The NVIDIA container toolkit refuses to start an image whose `NVIDIA_REQUIRE_CUDA` exceeds what the driver supports.
    // Source: https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html#id5
    public static let minimumDrivers: [(cuda: DottedVersion, driver: DottedVersion)] = [
        ("10.0", "410.48"), ("10.1", "418.39"), ("10.2", "440.33"), ("11.0", "450.36.06"), ("11.1", "455.23"),
        ("11.2", "460.27.03"), ("11.3", "465.19.01"), ("11.4", "470.42.01"), ("11.5", "495.29.05"), ("11.6", "510.39.01"),
        ("11.7", "515.43.04"), ("11.8", "520.61.05"), ("12.0", "525.60.13"), ("12.1", "530.30.02"), ("12.2", "535.54.03"),
        ("12.3", "545.23.06"), ("12.4", "550.54.14"), ("12.5", "555.42.02"), ("12.6", "560.28.03"), ("12.8", "570.26"),
        ("12.9", "575.51.03"), ("13.0", "580.65.06"),
    ].compactMap { pair in
        guard let cuda = DottedVersion(pair.0), let driver = DottedVersion(pair.1) else { return nil }
        return (cuda, driver)
    }

    /// The oldest driver that runs `cuda` (its major.minor row, or the nearest older row).
    public static func minimumDriver(for cuda: DottedVersion) -> DottedVersion? {
        let key = DottedVersion(components: Array(cuda.components.prefix(2)))
        return minimumDrivers.last(where: { $0.cuda <= key })?.driver
    }
}
