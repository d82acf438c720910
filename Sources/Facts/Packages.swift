import ImageKit

/// An installed Python distribution, from its `.dist-info` or `.egg-info` directory.
public struct PythonDistribution: Sendable, Equatable, Codable {
    /// The normalised project name (PEP 503: lower case, runs of `-_.` as `-`).
    public var name: String
    public var version: String
    /// The metadata directory.
    public var path: String
    /// `License-Expression`, a one-line `License`, or the licence classifiers of its metadata; nil when none is declared.
    public var licence: String?

    public init(name: String, version: String, path: String, licence: String? = nil) {
        self.name = name; self.version = version; self.path = path; self.licence = licence
    }

    /// PEP 503 normalisation, so `Huggingface_Hub` and `huggingface-hub` compare equal.
    public static func normalize(_ name: String) -> String {
        var result = ""
        var lastWasSeparator = false
        for char in name.lowercased() {
            if char == "-" || char == "_" || char == "." {
                if !lastWasSeparator { result.append("-") }
                lastWasSeparator = true
            } else {
                result.append(char)
                lastWasSeparator = false
            }
        }
        return result
    }

    /// Distributions found in the tree: the metadata directory names carry name and version (`torch-2.3.0+cu121.dist-info`).
    public static func find(in index: FileIndex) -> [PythonDistribution] {
        var found: [PythonDistribution] = []
        for entry in index.entries where entry.type == .dir {
            guard entry.path.containsBytes("-packages/") else { continue }
            let name = StartCommand.baseName(entry.path)
            let stem: Substring
            if name.hasSuffix(".dist-info") {
                stem = name.dropLast(".dist-info".count)
            } else if name.hasSuffix(".egg-info") {
                stem = name.dropLast(".egg-info".count)
            } else {
                continue
            }
            // Wheel metadata directories are `{name}-{version}` with `-` in the name escaped as `_`.
            let parts = stem.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count >= 2, let first = parts.first, !first.isEmpty else { continue }
            found.append(PythonDistribution(name: normalize(String(first)), version: String(parts[1]), path: entry.path))
        }
        return found
    }

    /// The CUDA version a framework wheel names in its local version label (`2.3.0+cu121` → 12.1).
    public var cudaFromLocalVersion: DottedVersion? {
        guard let plus = version.firstIndex(of: "+") else { return nil }
        let label = version[version.index(after: plus)...]
        guard label.hasPrefix("cu"), let digits = Int(label.dropFirst(2)), digits >= 100 else { return nil }
        return DottedVersion(components: [digits / 10, digits % 10])
    }
}

/// Hugging Face libraries: any of them reaches the Hub unless told to stay offline.
public enum HuggingFace {
    public static let libraries: Set<String> = [
        "huggingface-hub", "transformers", "diffusers", "datasets", "sentence-transformers", "hf-xet", "hf-transfer",
    ]
}

/// Setuid/setgid programs every distribution's base system ships (passwd, su, mount…): not added by the image's author.
public enum BaseSystemSetuid {
    public static let names: Set<String> = [
        "su", "passwd", "chsh", "chfn", "gpasswd", "newgrp", "mount", "umount", "chage", "expiry", "unix_chkpwd",
        "ping", "ping6", "wall", "write", "ssh-agent", "crontab", "newuidmap", "newgidmap", "pam_timestamp_check",
        "dbus-daemon-launch-helper", "utempter", "bsd-write", "ssh-keysign", "fusermount", "fusermount3", "bwrap",
    ]
}
