public import TRECore
import Foundation
public import Sandbox
import Yams

/// The lowest severity that makes `check` fail (exit 1); `none` (`.never`) never fails.
public enum FailThreshold: String, Sendable, CaseIterable, Codable {
    // `never` rather than `none`, so that `failOn: .none` on an optional cannot be misread as "not given".
    case error, warning, info, never = "none"

    /// Whether a finding of this severity makes the run fail.
    public func fails(on severity: Severity) -> Bool {
        switch self {
        case .error: severity >= .error
        case .warning: severity >= .warning
        case .info: true
        case .never: false
        }
    }
}

/// CUDA expectations of the site: the oldest runtime accepted and the installed NVIDIA driver.
public struct CUDASettings: Sendable, Equatable {
    /// Oldest CUDA runtime the TRE accepts (TRE401); `tre.md` asks for 11.1.
    public var minimum: String
    /// The site's NVIDIA driver version (TRE403); nil when unknown.
    public var driver: String?

    public init(minimum: String = "11.1", driver: String? = nil) {
        self.minimum = minimum; self.driver = driver
    }
}

extension RunSettings {
    /// These settings with every value `overrides` sets taking precedence, as command-line options do over the file.
    public func overridden(by overrides: RunSettings) -> RunSettings {
        RunSettings(
            fixtures: overrides.fixtures ?? fixtures, profiles: overrides.profiles ?? profiles,
            engine: overrides.engine ?? engine, timeout: overrides.timeout ?? timeout, memory: overrides.memory ?? memory,
            memoryWarning: overrides.memoryWarning ?? memoryWarning, envFile: overrides.envFile ?? envFile, argFile: overrides.argFile ?? argFile
        )
    }
}

/// The settings of `.tre-lint.yaml`, with the contract's defaults where a key is absent.
public struct Configuration: Sendable, Equatable {
    public var failOn: FailThreshold
    /// Rule ids never reported.
    public var ignore: Set<String>
    /// Per-rule severity overrides.
    public var severity: [String: Severity]
    /// The paths the TRE mounts, for TREs that name them otherwise than `tre.md`'s defaults.
    public var mounts: MountPoints
    /// Registries the TRE can pull from (TRE501).
    public var registries: [String]
    public var cuda: CUDASettings
    /// Largest acceptable uncompressed image size in bytes (TRE507).
    public var sizeBudget: UInt64
    /// The sandbox run's settings; relative paths are already resolved against the file's directory.
    public var run: RunSettings
    /// The file these settings came from; nil for the defaults.
    public var source: String?

    public static let defaultRegistries = ["ghcr.io", "git.ecdf.ed.ac.uk:5050"]
    public static let defaultSizeBudget: UInt64 = 20 * 1024 * 1024 * 1024
    /// The file name looked up in the working directory and beside the Dockerfile.
    public static let fileName = ".tre-lint.yaml"

    public init(
        failOn: FailThreshold = .error, ignore: Set<String> = [], severity: [String: Severity] = [:],
        mounts: MountPoints = .standard, registries: [String] = Configuration.defaultRegistries,
        cuda: CUDASettings = CUDASettings(), sizeBudget: UInt64 = Configuration.defaultSizeBudget,
        run: RunSettings = RunSettings(), source: String? = nil
    ) {
        self.failOn = failOn; self.ignore = ignore; self.severity = severity; self.mounts = mounts
        self.registries = registries; self.cuda = cuda; self.sizeBudget = sizeBudget; self.run = run
        self.source = source
    }

    /// Finds the configuration file: `explicit` if given (it must exist), else the working directory's, else the one beside the Dockerfile.
    public static func locate(explicit: String?, workingDirectory: String, dockerfile: String?) throws -> String? {
        let files = FileManager.default
        if let explicit {
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: explicit, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw ConfigurationError(file: explicit, problem: "no such configuration file")
            }
            return explicit
        }
        var candidates = [URL(fileURLWithPath: workingDirectory).appendingPathComponent(fileName).path]
        if let dockerfile {
            candidates.append(URL(fileURLWithPath: dockerfile).deletingLastPathComponent().appendingPathComponent(fileName).path)
        }
        return candidates.first { files.fileExists(atPath: $0) }
    }

    /// Reads and checks a configuration file; relative paths under `run` are taken from the file's directory.
    public static func load(path: String, catalog: RuleCatalog) throws -> Configuration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, problem: "cannot be read as UTF-8 text")
        }
        let baseDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, file: path, baseDirectory: baseDirectory, catalog: catalog)
    }

    /// Parses configuration text; `file` names it in errors.
    public static func parse(_ text: String, file: String, baseDirectory: String, catalog: RuleCatalog) throws -> Configuration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: file, problem: "not valid YAML: \(oneLine(error))")
        }
        // An empty file is a valid configuration that keeps every default.
        guard let node else { return Configuration(source: file) }
        let raw: RawConfiguration
        do {
            raw = try YAMLDecoder().decode(RawConfiguration.self, from: node)
        } catch let error as ConfigurationProblem {
            throw ConfigurationError(file: file, problem: error.message)
        } catch let error as DecodingError {
            throw ConfigurationError(file: file, problem: DecodingErrorDescription.describe(error))
        }
        return try raw.resolve(file: file, baseDirectory: baseDirectory, catalog: catalog)
    }
}

/// A configuration file that cannot be used: one line naming the file and the key.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var problem: String

    public var description: String { "\(file): \(problem)" }
}

/// A problem found while decoding, before the file name is known to the decoder.
private struct ConfigurationProblem: Error {
    var message: String
}

/// A coding key for any mapping key, to list the keys a mapping really has.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Rejects keys outside `allowed`, naming the full path (`run.engin`) so a typo is found at once.
private func rejectUnknownKeys(in decoder: any Decoder, allowed: [String]) throws {
    let container = try decoder.container(keyedBy: AnyKey.self)
    for key in container.allKeys where !allowed.contains(key.stringValue) {
        throw unknownKey(path: decoder.codingPath + [key], allowed: allowed)
    }
}

/// The same check one level down, for sections decoded by the sandbox's own types; a value that is not a mapping is
/// left for the type check to report.
private func rejectUnknownKeys<K: CodingKey>(under key: K, of container: KeyedDecodingContainer<K>, allowed: [String]) throws {
    guard container.contains(key), let nested = try? container.nestedContainer(keyedBy: AnyKey.self, forKey: key) else { return }
    for member in nested.allKeys where !allowed.contains(member.stringValue) {
        throw unknownKey(path: container.codingPath + [key, member], allowed: allowed)
    }
}

private func unknownKey(path: [any CodingKey], allowed: [String]) -> ConfigurationProblem {
    ConfigurationProblem(message: "unknown key `\(DecodingErrorDescription.path(path))` (allowed here: \(allowed.joined(separator: ", ")))")
}

/// Decodes the value at `key` as `T`, reporting a wrong type by key path rather than by Swift type.
private func value<T: Decodable, K: CodingKey>(
    _ type: T.Type, _ container: KeyedDecodingContainer<K>, _ key: K, expected: String
) throws -> T? {
    guard container.contains(key) else { return nil }
    let keyPath = DecodingErrorDescription.path(container.codingPath + [key])
    do {
        if try container.decodeNil(forKey: key) { return nil }
        return try container.decode(T.self, forKey: key)
    } catch let error as DecodingError {
        // A fault deeper inside the value (`run.timeout`) is named by its own path; one at the key by what it should be.
        if let deeper = error.codingPath, deeper.count > container.codingPath.count + 1 {
            throw ConfigurationProblem(message: DecodingErrorDescription.describe(error))
        }
        throw ConfigurationProblem(message: "`\(keyPath)` must be \(expected)")
    } catch let error as SandboxError {
        switch error {
        case .badConfiguration(let text), .badFixtures(let text), .engineFailed(let text):
            throw ConfigurationProblem(message: "`\(keyPath)`: \(detail(text, under: key))")
        }
    } catch let error as ConfigurationValueError {
        throw ConfigurationProblem(message: "`\(keyPath)`: \(detail(error.description, under: key))")
    }
}

/// A section's message without its leading `section: `, which the key path in front of it already names.
private func detail<K: CodingKey>(_ text: String, under key: K) -> String {
    text.hasPrefix("\(key.stringValue): ") ? String(text.dropFirst(key.stringValue.count + 2)) : text
}

extension DecodingError {
    /// The path of the value the error is about.
    fileprivate var codingPath: [any CodingKey]? {
        switch self {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): context.codingPath
        case .keyNotFound(let key, let context): context.codingPath + [key]
        @unknown default: nil
        }
    }
}

private func path(_ container: KeyedDecodingContainer<some CodingKey>, _ key: some CodingKey) -> String {
    DecodingErrorDescription.path(container.codingPath + [key])
}

private struct RawConfiguration: Decodable {
    var failOn: String?
    var ignore: [String]?
    var severity: [String: String]?
    var mounts: MountPoints?
    var registries: [String]?
    var cuda: RawCUDA?
    var sizeBudget: (value: String, key: String)?
    var run: RunSettings?

    enum Keys: String, CodingKey, CaseIterable {
        case failOn = "fail-on", ignore, severity, mounts, registries, cuda, sizeBudget = "size-budget", run
    }

    static let mountKeys = ["safe-data", "scratch", "safe-outputs"]
    static let runKeys = RunSettings.keys

    init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: Keys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: Keys.self)
        failOn = try value(String.self, container, .failOn, expected: "one of error, warning, info, none")
        ignore = try value([String].self, container, .ignore, expected: "a list of rule ids")
        severity = try value([String: String].self, container, .severity, expected: "a mapping from rule id to error, warning or info")
        try rejectUnknownKeys(under: .mounts, of: container, allowed: Self.mountKeys)
        mounts = try value(MountPoints.self, container, .mounts, expected: "a mapping with safe-data, scratch, safe-outputs")
        registries = try value([String].self, container, .registries, expected: "a list of registry hosts")
        cuda = try value(RawCUDA.self, container, .cuda, expected: "a mapping with minimum, driver")
        if let budget = try value(String.self, container, .sizeBudget, expected: "a size such as 20GiB, 500MB or a number of bytes") {
            sizeBudget = (budget, path(container, Keys.sizeBudget))
        }
        try rejectUnknownKeys(under: .run, of: container, allowed: Self.runKeys)
        if let run = try? container.nestedContainer(keyedBy: AnyKey.self, forKey: .run),
           let engine = try? run.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "engine")),
           EngineChoice(rawValue: engine) == nil {
            let choices = EngineChoice.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationProblem(message: "`run.engine` must be one of \(choices), not `\(engine)`")
        }
        run = try value(RunSettings.self, container, .run, expected: "a mapping with \(Self.runKeys.joined(separator: ", "))")
    }

    func resolve(file: String, baseDirectory: String, catalog: RuleCatalog) throws -> Configuration {
        func fail(_ message: String) -> ConfigurationError { ConfigurationError(file: file, problem: message) }
        func ruleID(_ id: String, key: String) throws -> String {
            guard let rule = catalog.rule(id) else { throw fail("`\(key)` names unknown rule \(id)") }
            return rule.id
        }
        func absolute(_ path: String?) -> String? {
            guard let path else { return nil }
            return path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardized.path
        }
        var configuration = Configuration(source: file)
        if let failOn {
            guard let threshold = FailThreshold(rawValue: failOn) else {
                throw fail("`fail-on` must be one of error, warning, info, none, not `\(failOn)`")
            }
            configuration.failOn = threshold
        }
        for id in ignore ?? [] {
            configuration.ignore.insert(try ruleID(id, key: "ignore"))
        }
        for (id, name) in severity ?? [:] {
            guard let level = Severity(rawValue: name) else {
                throw fail("`severity.\(id)` must be error, warning or info, not `\(name)`")
            }
            configuration.severity[try ruleID(id, key: "severity.\(id)")] = level
        }
        if let mounts { configuration.mounts = mounts }
        if let registries { configuration.registries = registries }
        if let cuda {
            for (key, version) in [("cuda.minimum", cuda.minimum), ("cuda.driver", cuda.driver)] {
                if let version, !Self.isVersion(version) {
                    throw fail("`\(key)` must be a version such as 11.1 or 535.104.05, not `\(version)`")
                }
            }
            configuration.cuda = CUDASettings(minimum: cuda.minimum ?? "11.1", driver: cuda.driver)
        }
        if let sizeBudget {
            guard let bytes = ByteSize.parse(sizeBudget.value) else {
                throw fail("`\(sizeBudget.key)` must be a size such as 20GiB, 500MB or a number of bytes, not `\(sizeBudget.value)`")
            }
            configuration.sizeBudget = bytes
        }
        if var run {
            if let timeout = run.timeout, !(timeout > 0) { throw fail("`run.timeout` must be a positive number of seconds") }
            if let memory = run.memory, !(memory > 0) { throw fail("`run.memory` must be a positive number of gigabytes") }
            if let warning = run.memoryWarning, !(warning > 0) {
                throw fail("`run.memory-warning` must be a positive number of gigabytes")
            }
            run.fixtures = absolute(run.fixtures)
            run.envFile = absolute(run.envFile)
            run.argFile = absolute(run.argFile)
            configuration.run = run
        }
        return configuration
    }

    private static func isVersion(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.count <= 4 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }
}

private struct RawCUDA: Decodable {
    var minimum: String?
    var driver: String?

    enum Keys: String, CodingKey, CaseIterable {
        case minimum, driver
    }

    init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: Keys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: Keys.self)
        minimum = try value(String.self, container, .minimum, expected: "a version such as 11.1")
        driver = try value(String.self, container, .driver, expected: "a driver version such as 535.104.05")
    }
}

/// Parses sizes as users write them: `20GiB` (binary), `500MB` (decimal), `1.5 GB`, or a plain number of bytes.
public enum ByteSize {
    private static let units: [(suffix: String, factor: Double)] = [
        ("kib", 1024), ("mib", 1024 * 1024), ("gib", 1024 * 1024 * 1024), ("tib", 1024 * 1024 * 1024 * 1024),
        ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12), ("k", 1024), ("m", 1024 * 1024), ("g", 1024 * 1024 * 1024),
        ("t", 1024 * 1024 * 1024 * 1024), ("b", 1),
    ]

    /// The number of bytes, or nil when the text is not a size or does not fit in 64 bits.
    public static func parse(_ text: String) -> UInt64? {
        let lowered = text.trimmingWhitespace().lowercased()
        var number = Substring(lowered)
        var factor = 1.0
        for unit in units where lowered.hasSuffix(unit.suffix) {
            number = lowered.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        let digits = String(number).trimmingWhitespace()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(digits), value >= 0
        else { return nil }
        let bytes = (value * factor).rounded()
        guard bytes < Double(UInt64.max) else { return nil }
        return UInt64(bytes)
    }
}
