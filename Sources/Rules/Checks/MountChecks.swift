import TRECore
import Facts
import Foundation

/// TRE201: a mount point is missing from the image.
struct MissingMountPointCheck: RuleCheck {
    let id = "TRE201"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        return facts.mounts.all.filter { !facts.files.isDirectory($0) }.map { mount in
            Violation(
                rule: id,
                message: "\(mount) is not a directory in the image. The TRE mounts it at run time; engines that cannot create the mount point on a read-only image (Apptainer) fail, and the sample containers create all three.",
                location: Location(kind: .imageFile, path: mount))
        }
    }
}

/// TRE202: content under a mount point is hidden by the mount.
struct ContentUnderMountCheck: RuleCheck {
    let id = "TRE202"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        return facts.mounts.all.compactMap { mount in
            let hidden = facts.files.descendants(of: mount)
            guard let first = hidden.first else { return nil }
            return Violation(
                rule: id,
                message: "The image ships \(hidden.count) path(s) under \(mount) (\(listed(hidden.map(\.path)))): the TRE mounts over \(mount), so the container never sees them.",
                location: Location(kind: .imageFile, path: first.path, layer: first.layer))
        }
    }
}

/// TRE203: VOLUME is declared.
struct VolumeCheck: RuleCheck {
    let id = "TRE203"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        let volumes = (facts.config.volumes ?? [:]).keys.sorted()
        return volumes.map { volume in
            Violation(
                rule: id,
                message: "VOLUME \(volume) is declared: engines create an anonymous volume there that outlives nothing and hides what the image ships; the TRE provides its own mounts.",
                location: facts.stepLocation("VOLUME", field: "Volumes") { $0.arguments.contains(volume) })
        }
    }
}

/// TRE204: a hard-coded input file under /safe_data.
struct HardCodedInputCheck: RuleCheck {
    let id = "TRE204"
    func check(_ context: StaticCheckContext) -> [Violation] {
        signalViolations(context, rule: id, kind: .hardCodedInput) { place, signal in
            "\(place) opens the fixed input \(signal.detail ?? "file"): the container cannot run on other data without a rebuild."
        }
    }
}

/// TRE205: the start-up code reads the data mount but takes no list of inputs from config, env or arguments.
struct NoInputListCheck: RuleCheck {
    let id = "TRE205"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        // A compiled program or another runtime the scripts hand over to may well take a config: stay silent.
        guard facts.startupCodeFullyRead, facts.signals(.readsConfiguration).isEmpty,
              let (source, signal) = facts.signals(.readsData).first else { return [] }
        return [Violation(
            rule: id,
            message: "The start-up code reads \(facts.mounts.safeData) (\(facts.describe(source, signal))) but nothing names its inputs: no config file, environment variable, argument or directory listing was found.",
            location: facts.signalLocation(source, signal))]
    }
}

/// TRE206: the start-up code never writes to /safe_outputs.
struct NoOutputsCheck: RuleCheck {
    let id = "TRE206"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        guard facts.startupCodeFullyRead, facts.signals(.writesOutputs).isEmpty else { return [] }
        // An output directory handed over through the image's Env counts: the code reads it from there.
        let outputs = facts.mounts.safeOutputs
        guard !facts.environment.values.contains(where: { $0.contains(outputs) }) else { return [] }
        let files = facts.startupCode.compactMap(\.path)
        return [Violation(
            rule: id,
            message: "None of the start-up code (\(listed(files))) mentions \(outputs): only what the container writes there is kept after the run.",
            location: facts.commandLocation)]
    }
}

/// TRE207: temporary files are not directed to /scratch.
struct TempDirectoryCheck: RuleCheck {
    let id = "TRE207"
    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        let scratch = facts.mounts.scratch
        let pointed = ["TMPDIR", "TMP", "TEMP"].contains { name in
            facts.environment[name].map { $0 == scratch || $0.hasPrefix(scratch + "/") } ?? false
        }
        guard !pointed, facts.signals(.setsTempToScratch).isEmpty else { return [] }
        return [Violation(
            rule: id,
            message: "TMPDIR (or TMP) does not point to \(scratch): temporary files go to /tmp on the root filesystem, which may be read-only and is not sized for data.",
            location: facts.envLocation("TMPDIR"))]
    }
}

/// TRE208: data files shipped in the image.
struct DataInImageCheck: RuleCheck {
    let id = "TRE208"
    /// Files smaller than this are fixtures or lookup tables, not datasets.
    static let threshold: Int64 = 1024 * 1024
    static let dataExtensions: Set<String> = [
        "csv", "tsv", "parquet", "xlsx", "xls", "dcm", "nii", "h5", "hdf5", "sav", "dta", "rds", "rdata", "rda", "feather",
        "arrow", "sas7bdat", "xpt", "mat", "edf", "bam", "cram", "vcf", "fastq", "fq",
    ]

    func check(_ context: StaticCheckContext) -> [Violation] {
        let facts = context.facts
        return facts.files.entries.compactMap { entry in
            guard entry.type == .file, entry.size >= Self.threshold, Self.isData(entry.path),
                  !isPackagePath(entry.path), !facts.mounts.all.contains(where: { entry.path.hasPrefix($0 + "/") }) else { return nil }
            return Violation(
                rule: id,
                message: "\(entry.path) (\(ByteCount.text(entry.size))) is a data file shipped inside the image: data belongs in \(facts.mounts.safeData), where governance controls it, not in an image that can be copied.",
                location: Location(kind: .imageFile, path: entry.path, layer: entry.layer))
        }
    }

    static func isData(_ path: String) -> Bool {
        var name = (path as NSString).lastPathComponent.lowercased()
        for compressed in [".gz", ".bz2", ".xz", ".zst"] where name.hasSuffix(compressed) { name = String(name.dropLast(compressed.count)) }
        return dataExtensions.contains((name as NSString).pathExtension)
    }

    /// Libraries' own files and baked-in models are not research data.
    private func isPackagePath(_ path: String) -> Bool {
        let lower = path.lowercased()
        let packagePrefixes = ["/usr/lib/", "/usr/share/", "/usr/local/lib/", "/usr/local/share/", "/opt/conda/", "/lib/"]
        return packagePrefixes.contains(where: lower.hasPrefix)
            || ["-packages/", "/site-library/", "/r/library/", "/.julia/", "/share/julia/", "/.cache/", "/model", "weights", "checkpoint"]
                .contains(where: lower.contains)
    }
}
