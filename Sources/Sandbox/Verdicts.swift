import TRECore
import Foundation

/// Turns what the runs observed into TRE901–TRE909 violations, worded for the researcher.
enum Verdicts {

    static func violations(for report: SandboxReport, profiles: [ProfileSpec], request: SandboxRequest) -> [RunViolation] {
        var result: [RunViolation] = []
        let byName = Dictionary(profiles.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func label(_ run: ProfileResult) -> String { byName[run.name]?.displayName ?? run.name }
        let mounts = request.mounts

        for run in report.profiles {
            let tailEvidence = run.outputTail ?? []
            if let reason = run.reason {
                result.append(RunViolation(rule: "TRE901", message: "Under \(label(run)) the container could not start: \(reason).",
                                           profile: run.name, evidence: [reason] + tailEvidence))
            } else if run.timedOut {
                result.append(RunViolation(
                    rule: "TRE902",
                    message: "Under \(label(run)) it did not finish within \(formatSeconds(request.limits.timeoutSeconds)) and was killed.",
                    profile: run.name, evidence: tailEvidence))
            } else if !run.passed {
                result.append(RunViolation(rule: "TRE901", message: failureSentence(run, label: label(run), request: request),
                                           profile: run.name, evidence: tailEvidence))
            }
        }

        let attempts = unique(report.profiles.flatMap(\.networkAttempts))
        if !attempts.isEmpty {
            let names = attempts.compactMap { $0.kind == "dns" ? $0.name : nil }
            let addresses = attempts.filter { $0.kind != "dns" }.map(\.summary)
            var parts: [String] = []
            if !names.isEmpty { parts.append("resolve \(names.joined(separator: ", "))") }
            if !addresses.isEmpty { parts.append("connect to \(addresses.joined(separator: ", "))") }
            result.append(RunViolation(
                rule: "TRE903",
                message: "It tried to reach the network, which the TRE does not have: it tried to \(parts.joined(separator: " and ")).",
                profile: report.profiles.first { !$0.networkAttempts.isEmpty }?.name, evidence: attempts.map(\.summary)))
        }

        let writers = report.profiles.filter { !harmfulWrites($0).isEmpty }
        if let first = writers.first {
            let paths = unique(writers.flatMap(harmfulWrites))
            result.append(RunViolation(
                rule: "TRE904",
                message: "Under \(writers.map(label).joined(separator: ", ")) it wrote outside \(mounts.scratch) and \(mounts.safeOutputs): \(listed(paths)). Under Apptainer the root filesystem is read-only, so these writes fail there.",
                profile: first.name, evidence: paths))
        }

        let modifiers = report.profiles.filter { !$0.safeDataModifications.isEmpty }
        if let first = modifiers.first, !request.safeDataWritable {
            let paths = unique(modifiers.flatMap(\.safeDataModifications)).map { $0.hasPrefix("deleted ") ? $0 : mounts.safeData + $0 }
            result.append(RunViolation(
                rule: "TRE905",
                message: "It tried to modify \(mounts.safeData), which the TRE mounts read-only: \(listed(paths)).",
                profile: first.name, evidence: paths))
        }

        let silent = report.profiles.filter { $0.passed && $0.outputs.isEmpty }
        if let first = silent.first {
            result.append(RunViolation(
                rule: "TRE906",
                message: "Under \(silent.map(label).joined(separator: ", ")) it finished without writing anything to \(mounts.safeOutputs), the only place the TRE keeps.",
                profile: first.name))
        }

        let passing = report.profiles.filter(\.passed)
        let failing = report.profiles.filter { !$0.passed }
        if !passing.isEmpty {
            for run in failing {
                let (message, evidence) = mismatch(run, passing: passing, byName: byName, report: report, mounts: mounts)
                result.append(RunViolation(rule: "TRE907", message: message, profile: run.name, evidence: evidence))
            }
        }

        if let check = report.inputListCheck, !check.run.passed {
            let renamed = check.renamed.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }
            var message = "With its inputs renamed (\(renamed.joined(separator: ", ")))"
            message += check.updatedFiles.isEmpty
                ? " it failed: nothing in the fixtures names the inputs, so it must hard-code them."
                : " and \(check.updatedFiles.joined(separator: ", ")) updated to the new names, it failed."
            if !check.oldNamesMentioned.isEmpty {
                message += " Its output still names the old \(check.oldNamesMentioned.joined(separator: ", "))."
            }
            message += " Read the input list from a config file, argument or environment variable instead of fixed names."
            result.append(RunViolation(rule: "TRE908", message: message, profile: check.profile,
                                       evidence: renamed + (check.run.outputTail ?? [])))
        }

        let memoryWarningBytes = request.limits.memoryWarningBytes
        if let heavy = report.profiles.filter({ ($0.peakMemoryBytes ?? 0) > memoryWarningBytes }).first {
            result.append(RunViolation(
                rule: "TRE909",
                message: "Its memory use peaked at \(formatBytes(heavy.peakMemoryBytes ?? 0)) under \(label(heavy)), above the \(formatBytes(memoryWarningBytes)) a TRE job gets by default (ces-run's -m/--memory): ask for more with -m.",
                profile: heavy.name, evidence: ["peak \(heavy.peakMemoryBytes ?? 0) bytes"]))
        }
        return result
    }

    private static func failureSentence(_ run: ProfileResult, label: String, request: SandboxRequest) -> String {
        var sentence = "Under \(label) (as \(run.user))"
        if run.outOfMemory {
            sentence += " it was killed for running out of memory: the limit was \(formatBytes(request.limits.memoryBytes)) (-m/--memory)"
            if let peak = run.peakMemoryBytes { sentence += ", peak \(formatBytes(peak))" }
        } else if run.pidsLimitHit {
            sentence += " it hit the limit of \(request.limits.pids) processes (a fork bomb or a runaway pool of workers)"
            if let code = run.exitCode { sentence += ", then exited with code \(code)" }
        } else if let signal = run.signal {
            sentence += " it was killed by \(signal)"
        } else {
            sentence += " it exited with code \(run.exitCode.map(String.init) ?? "?")"
        }
        if let last = run.outputTail?.last { sentence += "; last output: \(last)" }
        return sentence + "."
    }

    /// Why a run failed where another passed, from what differs between the profiles.
    private static func mismatch(
        _ run: ProfileResult, passing: [ProfileResult], byName: [String: ProfileSpec], report: SandboxReport, mounts: MountPoints
    ) -> (String, [String]) {
        let profile = byName[run.name]
        let label = profile?.displayName ?? run.name
        let passingLabels = passing.map { byName[$0.name]?.displayName ?? $0.name }.joined(separator: " and ")
        let isRoot = run.user == "0:0" || run.user == "0" || run.user == "root" || run.user.hasPrefix("0:") || run.user.hasPrefix("root:")
        let denied = (run.outputTail ?? []).contains { $0.localizedCaseInsensitiveContains("permission denied") }
        let readOnlyHit = (run.outputTail ?? []).contains { $0.localizedCaseInsensitiveContains("read-only file system") }
        var why: String
        if let profile, profile.user == .image, !isRoot {
            let data = profile.mounts.safeData, out = profile.mounts.safeOutputs
            why = "it runs as \(run.user) (its USER), but under \(label) \(mounts.safeData) is \(data.description) and \(mounts.safeOutputs) is \(out.description) inside the container: only root can read the data and write the results. Drop USER: the TRE maps root to you"
        } else if let profile, profile.readOnlyRoot, readOnlyHit || passing.contains(where: { !harmfulWrites($0).isEmpty }) {
            let writes = unique(passing.flatMap(harmfulWrites))
            why = "under \(label) the root filesystem is read-only"
            if !writes.isEmpty { why += ", and elsewhere it writes \(listed(writes))" }
            why += ": write temporary files to \(mounts.scratch) (set TMPDIR) and results to \(mounts.safeOutputs)"
        } else if !isRoot, passing.allSatisfy({ $0.user.hasPrefix("0:") || $0.user == "0:0" }) || denied {
            why = "under \(label) it runs as an arbitrary non-root uid (\(run.user)), not root"
            why += denied ? ", and was refused access (Permission denied)" : ""
            why += ": make what it needs readable and writable by any uid (chmod a+rX, a+w on its own folders), and write only to \(mounts.scratch), \(mounts.safeOutputs) or $HOME"
        } else {
            why = "under \(label) (as \(run.user)) it " + (run.timedOut ? "timed out" : run.reason ?? "exited with code \(run.exitCode.map(String.init) ?? "?")")
        }
        let message = "It works under \(passingLabels) but fails under \(label): \(why)."
        return (message, run.outputTail ?? [])
    }

    /// Writes outside the mounts that fail under a read-only root; Python's bytecode caches are left out, because
    /// Python carries on without them.
    static func harmfulWrites(_ run: ProfileResult) -> [String] {
        run.writesOutsideAllowed.filter { !isBytecodeCache($0) }
    }

    private static func unique<T: Hashable>(_ items: [T]) -> [T] {
        var seen = Set<T>()
        return items.filter { seen.insert($0).inserted }
    }

    private static func listed(_ paths: [String]) -> String {
        paths.count <= 10 ? paths.joined(separator: ", ") : paths.prefix(10).joined(separator: ", ") + " and \(paths.count - 10) more"
    }
}

/// A CPython bytecode cache file, which Python skips writing when it cannot.
func isBytecodeCache(_ path: String) -> Bool {
    path.contains("/__pycache__/") && (path.hasSuffix(".pyc") || path.hasSuffix("/"))
}

func formatBytes(_ bytes: Int64) -> String {
    let mib = Double(bytes) / 1_048_576
    return mib >= 1024 ? String(format: "%.1f GiB", mib / 1024) : String(format: "%.0f MiB", mib)
}

func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
}
