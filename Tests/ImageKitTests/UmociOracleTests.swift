import Foundation
import ImageKit
import Testing

/// On an image built by Podman from real Debian packages, the merged tree must equal what `umoci unpack` writes.
@Suite(.serialized) struct UmociOracleTests {
    static let podmanPath = ["/usr/bin/podman", "/usr/local/bin/podman"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let baseTag = "localhost/tre-lint-test/minbase:12"
    static let imageTag = "localhost/tre-lint-test/oracle:1"

    @Test(.enabled(if: podmanPath != nil, "podman is not installed"), .timeLimit(.minutes(15)))
    func mergedTreeEqualsUmociUnpack() throws {
        let scratch = try Scratch()
        try Self.ensureBaseImage(scratch)
        let context = scratch.path("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data("#!/bin/sh\necho analysing\n".utf8).write(to: context.appendingPathComponent("run.sh"))
        try Data("""
            FROM \(Self.baseTag)
            RUN rm -rf /usr/share/doc/* /var/log/apt && useradd -m -u 1500 researcher \\
             && mkdir -p /data/out && chown researcher:researcher /data/out && chmod 2775 /data/out
            RUN ln -s /data/out /output && cp /usr/bin/env /usr/local/bin/env-suid && chmod 4755 /usr/local/bin/env-suid \\
             && ln /usr/bin/env /usr/local/bin/env-hard && mkfifo /data/fifo && echo hello > /etc/motd
            COPY --chmod=750 run.sh /usr/local/bin/run.sh
            RUN rm -rf /var/cache/debconf && rm /etc/motd && mkdir /etc/motd && chmod 700 /root
            """.utf8).write(to: context.appendingPathComponent("Containerfile"))
        try Self.run(["podman", "build", "--quiet", "--network", "none", "-t", Self.imageTag, context.path])
        let docker = scratch.path("oracle.docker.tar"), oci = scratch.path("oracle.oci.tar"), layout = scratch.path("layout")
        try Self.run(["podman", "save", "--quiet", "--format", "docker-archive", "-o", docker.path, Self.imageTag])
        try Self.run(["podman", "save", "--quiet", "--format", "oci-archive", "-o", oci.path, Self.imageTag])
        try Self.run(["skopeo", "copy", "--quiet", "oci-archive:" + oci.path, "oci:" + layout.path + ":oracle"])
        let bundle = scratch.path("bundle")
        try Self.run(["umoci", "unpack", "--image", layout.path + ":oracle", bundle.path])
        let expected = try Self.describeTree(bundle.appendingPathComponent("rootfs"))
        #expect(expected.count > 3000)

        for reference in ["docker-archive:" + docker.path, oci.path, "oci:" + layout.path + ":oracle"] {
            let image = try ImageLoader.load(try ImageReference(parsing: reference))
            let actual = Self.describe(image.tree)
            let missing = expected.keys.filter { actual[$0] == nil }.sorted()
            let extra = actual.keys.filter { expected[$0] == nil }.sorted()
            let different = expected.keys.filter { actual[$0] != nil && actual[$0] != expected[$0] }.sorted()
            #expect(missing.isEmpty, "\(reference): missing \(missing.prefix(5))")
            #expect(extra.isEmpty, "\(reference): extra \(extra.prefix(5))")
            #expect(different.isEmpty, "\(reference): \(different.prefix(3).map { "\($0): umoci \(expected[$0] ?? "") tre-lint \(actual[$0] ?? "")" })")
            #expect(image.tree.entry(at: "/usr/local/bin/env-hard")?.type == .hardlink)
            #expect(image.tree.entry(at: "/etc/motd")?.type == .dir)
        }
    }

    /// path → "type mode uid gid size link", with hardlinks described as the files they are on disk.
    static func describe(_ tree: MergedTree) -> [String: String] {
        var result: [String: String] = [:]
        for entry in tree.entries {
            let type = entry.type == .hardlink ? "file" : entry.type.rawValue
            let size = entry.type == .file || entry.type == .hardlink ? String(entry.size) : "-"
            let link = entry.type == .symlink ? entry.link ?? "" : ""
            result[entry.path] = "\(type) \(String(entry.mode, radix: 8)) \(entry.uid) \(entry.gid) \(size) \(link)"
        }
        return result
    }

    static func describeTree(_ root: URL) throws -> [String: String] {
        let listing = try run(["find", root.path, "-mindepth", "1", "-printf", "%P\\t%y\\t%m\\t%U\\t%G\\t%s\\t%l\\n"])
        var result: [String: String] = [:]
        let types = ["f": "file", "d": "dir", "l": "symlink", "c": "char", "b": "block", "p": "fifo"]
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 7 else { continue }
            let type = types[fields[1]] ?? fields[1]
            let size = type == "file" ? fields[5] : "-"
            result["/" + fields[0]] = "\(type) \(fields[2]) \(fields[3]) \(fields[4]) \(size) \(type == "symlink" ? fields[6] : "")"
        }
        return result
    }

    /// A Debian bookworm minbase image from Debian's mirror, built once and kept in Podman's store.
    static func ensureBaseImage(_ scratch: Scratch) throws {
        if (try? run(["podman", "image", "exists", baseTag])) != nil { return }
        if (try? run(["podman", "image", "exists", "localhost/base/bookworm-minbase:12"])) != nil {
            try run(["podman", "tag", "localhost/base/bookworm-minbase:12", baseTag])
            return
        }
        let rootfs = scratch.path("minbase.tar")
        try run(["mmdebstrap", "--quiet", "--variant=minbase", "--mode=root", "bookworm", rootfs.path])
        try run(["podman", "import", "--quiet", "--change", "CMD [\"bash\"]", rootfs.path, baseTag])
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let collected = LockedData()
        let reader = Thread { collected.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !collected.done { usleep(1000) }
        guard process.terminationStatus == 0 else {
            let message = String(decoding: collected.value.suffix(2000), as: UTF8.self)
            throw CommandFailure(description: "\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(message)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A helper command that failed, with its stderr.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}

/// Data handed over from a reader thread.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    func set(_ value: Data) { lock.lock(); data = value; finished = true; lock.unlock() }
    var done: Bool { lock.lock(); defer { lock.unlock() }; return finished }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data }
}
