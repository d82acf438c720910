/// The `mounts:` section of `.tre-lint.yaml`: where the TRE mounts its three directories inside the container.
///
/// Both the static rules (what start-up code reads and writes) and the sandbox (what it mounts) need the same three
/// paths, so they live below both.
public struct MountPoints: Codable, Sendable, Equatable, Hashable {
    public var safeData: String
    public var scratch: String
    public var safeOutputs: String

    /// The paths `tre.md` records for the Safe Haven Services TRE.
    public static let standard = MountPoints(safeData: "/safe_data", scratch: "/scratch", safeOutputs: "/safe_outputs")

    enum CodingKeys: String, CodingKey, CaseIterable {
        case safeData = "safe-data", scratch, safeOutputs = "safe-outputs"
    }

    public init(safeData: String, scratch: String, safeOutputs: String) {
        self.safeData = safeData; self.scratch = scratch; self.safeOutputs = safeOutputs
    }

    /// The three paths, data first.
    public var all: [String] { [safeData, scratch, safeOutputs] }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.allCases.map(\.rawValue), section: "mounts")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let standard = MountPoints.standard
        safeData = try c.decodeIfPresent(String.self, forKey: .safeData) ?? standard.safeData
        scratch = try c.decodeIfPresent(String.self, forKey: .scratch) ?? standard.scratch
        safeOutputs = try c.decodeIfPresent(String.self, forKey: .safeOutputs) ?? standard.safeOutputs
        for path in all where !isPlainAbsolutePath(path) {
            throw ConfigurationValueError("mounts: \(path) is not a plain absolute path")
        }
    }
}

/// A configuration value that cannot be used, described in one line.
public struct ConfigurationValueError: Error, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) { self.description = description }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Unknown keys in `.tre-lint.yaml` are an error naming the key (contract.md), not silently ignored.
public func rejectUnknownKeys(_ decoder: any Decoder, allowed: [String], section: String) throws {
    guard let c = try? decoder.container(keyedBy: AnyKey.self) else { return }
    if let unknown = c.allKeys.map(\.stringValue).first(where: { !allowed.contains($0) }) {
        throw ConfigurationValueError("unknown key '\(unknown)' in \(section) (known: \(allowed.joined(separator: ", ")))")
    }
}

/// An absolute path with no empty, `.` or `..` component: safe to use as a mount point.
public func isPlainAbsolutePath(_ path: String) -> Bool {
    guard path.hasPrefix("/"), path.count > 1 else { return false }
    let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
    return parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
}
