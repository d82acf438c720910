import Foundation

/// Finds the host programs tre-lint drives (podman, docker, runc, ip) by searching `PATH` as a shell would.
public enum ProgramSearch {
    /// The absolute path of `name`: the first executable file in `path` (the environment's `PATH` when nil), then in
    /// `fallbackDirectories`, for programs that live in sbin directories a user's `PATH` may leave out.
    public static func locate(_ name: String, path: String? = nil, fallbackDirectories: [String] = []) -> String? {
        let searched = path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        // Relative folders in PATH would make the answer depend on the working directory: skip them.
        let folders = searched.split(separator: ":").map(String.init).filter { $0.hasPrefix("/") } + fallbackDirectories
        for folder in folders {
            let candidate = folder + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
