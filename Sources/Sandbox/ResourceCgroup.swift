import Foundation

/// A cgroup that tre-lint creates above the container's own, holding the memory and pids limits.
///
/// The engine removes the container's cgroup when the container exits; this parent outlives it, so its peak
/// memory, OOM-kill count and pids-limit count can still be read afterwards.
final class ResourceCgroup {
    let name: String
    private let unified: Bool
    private static let root = "/sys/fs/cgroup"

    /// The path to give the engine as the container's cgroup parent.
    var path: String { "/" + name }

    private let pidsLimit: Int
    private let memoryLimit: Int64

    init(name: String, limits: SandboxLimits, cleanup: CleanupStack) throws {
        self.name = name
        pidsLimit = limits.pids
        memoryLimit = limits.memoryBytes
        unified = FileManager.default.fileExists(atPath: Self.root + "/cgroup.controllers")
        let manager = FileManager.default
        if unified {
            let dir = Self.root + "/" + name
            try Self.make(dir)
            cleanup.push { Self.removeTree(dir) }
            try Self.write(dir + "/memory.max", String(limits.memoryBytes))
            try? Self.write(dir + "/memory.swap.max", "0")
            try Self.write(dir + "/pids.max", String(limits.pids))
        } else {
            let memory = Self.root + "/memory/" + name, pids = Self.root + "/pids/" + name
            guard manager.fileExists(atPath: Self.root + "/memory"), manager.fileExists(atPath: Self.root + "/pids") else {
                throw SandboxError.engineFailed("the memory and pids cgroup controllers are not mounted under \(Self.root)")
            }
            cleanup.push {
                // The engine creates the same parent in the other v1 hierarchies (cpu, devices…) when it nests under it.
                let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: Self.root)) ?? []
                for hierarchy in hierarchies { Self.removeTree(Self.root + "/" + hierarchy + "/" + name) }
            }
            try Self.make(memory)
            try Self.make(pids)
            try Self.write(memory + "/memory.limit_in_bytes", String(limits.memoryBytes))
            // Without swap accounting the limit alone still holds the container to its memory.
            try? Self.write(memory + "/memory.memsw.limit_in_bytes", String(limits.memoryBytes))
            try Self.write(pids + "/pids.max", String(limits.pids))
        }
    }

    /// Highest memory use seen, in bytes.
    var peakMemoryBytes: Int64? {
        let file = unified ? "\(Self.root)/\(name)/memory.peak" : "\(Self.root)/memory/\(name)/memory.max_usage_in_bytes"
        return Self.read(file).flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// How many processes the kernel killed for running out of memory here.
    var oomKills: Int {
        let file = unified ? "\(Self.root)/\(name)/memory.events" : "\(Self.root)/memory/\(name)/memory.oom_control"
        return Self.counter("oom_kill", in: file)
    }

    /// Whether memory use ran into the limit (the kernel then reclaims, and kills when it cannot).
    ///
    /// On cgroup v1 the OOM-kill count lands in the victim's own cgroup, which the engine has removed by now, and
    /// the parent's fail counters stay at zero on current kernels; a peak at the limit is what is left to tell.
    var reachedMemoryLimit: Bool {
        if unified && Self.counter("max", in: "\(Self.root)/\(name)/memory.events") > 0 { return true }
        guard let peak = peakMemoryBytes else { return false }
        return Double(peak) >= Double(memoryLimit) * 0.98
    }

    /// Whether the container reached its pids limit (forks then fail).
    ///
    /// The kernel counts a refused fork in the cgroup of the forking task, which the engine has removed by now, so
    /// the parent's highest process count (`pids.peak`) is what is left to tell.
    var reachedPidsLimit: Bool {
        let dir = unified ? "\(Self.root)/\(name)" : "\(Self.root)/pids/\(name)"
        if Self.counter("max", in: dir + "/pids.events") > 0 { return true }
        guard let peak = Self.read(dir + "/pids.peak").flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            return false
        }
        return peak >= pidsLimit
    }

    private static func counter(_ key: String, in file: String) -> Int {
        for line in (read(file) ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return Int(parts[1]) ?? 0 }
        }
        return 0
    }

    private static func make(_ dir: String) throws {
        guard mkdir(dir, 0o755) == 0 || errno == EEXIST else {
            throw SandboxError.engineFailed("cannot create cgroup \(dir): \(errnoText())")
        }
    }

    private static func write(_ file: String, _ value: String) throws {
        guard let handle = FileHandle(forWritingAtPath: file) else {
            throw SandboxError.engineFailed("cannot open \(file) to set a limit")
        }
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(value.utf8))
    }

    private static func read(_ file: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: file))).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Cgroup directories are removed leaf first with rmdir; their control files cannot be deleted.
    private static func removeTree(_ dir: String) {
        guard let children = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for child in children {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + child, isDirectory: &isDir), isDir.boolValue {
                removeTree(dir + "/" + child)
            }
        }
        for _ in 0..<50 {
            if rmdir(dir) == 0 || errno == ENOENT { return }
            // A just-killed process may still be leaving the cgroup.
            usleep(20_000)
        }
    }
}
