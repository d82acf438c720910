import TRECore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A container engine whose local image store tre-lint reads through the engine's own `save` command.
public enum ImageStoreEngine: String, Sendable, Equatable {
    case podman
    /// The Docker daemon, reached through the `docker` client.
    case docker

    /// The transport prefix that names this engine's images (`podman:NAME`, `docker-daemon:NAME`).
    public var transport: String { self == .podman ? "podman" : "docker-daemon" }
}

/// Why an image in an engine's store could not be exported; each description is one line saying what to do.
public enum EngineExportError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidName(reference: String, reason: String)
    case engineMissing(reference: String, engine: ImageStoreEngine)
    case daemonUnreachable(reference: String, detail: String)
    case imageNotFound(reference: String, engine: ImageStoreEngine, name: String)
    case exportFailed(reference: String, engine: ImageStoreEngine, detail: String)

    public var description: String {
        switch self {
        case .invalidName(let reference, let reason):
            "\(reference) does not name an image: \(reason)"
        case .engineMissing(let reference, let engine):
            "\(reference) needs the \(engine.rawValue) command, which is not installed (or not on PATH): install it, "
                + "or pass a tarball saved where the image is (`\(engine.rawValue) save -o image.tar NAME`)"
        case .daemonUnreachable(let reference, let detail):
            "\(reference): cannot reach the Docker daemon (\(detail)): start it (`sudo systemctl start docker`), "
                + "or pass a tarball saved with `docker save -o image.tar NAME`"
        case .imageNotFound(let reference, let engine, let name):
            "\(reference): \(engine.rawValue) has no image \(name): `\(engine.rawValue) images` lists the images it has; "
                + "pull or build it first"
        case .exportFailed(let reference, let engine, let detail):
            "\(reference): `\(engine.rawValue) save` failed: \(detail)"
        }
    }
}

extension ImageReference {
    /// Why `name` cannot be handed to an engine's command line as an image name, or nil when it can.
    ///
    /// The grammar is the distribution reference's (`[HOST[:PORT]/]PATH[:TAG][@DIGEST]`, lower-case path components),
    /// which also covers image ids; anything else, and above all a leading `-`, never reaches the engine.
    static func engineImageNameProblem(_ name: String) -> String? {
        if name.hasPrefix("-") { return "it starts with '-', which the engine would read as an option" }
        if name.utf8.count > 255 { return "it is longer than 255 characters" }
        let component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
        let hostComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
        let host = "\(hostComponent)(?:\\.\(hostComponent))*(?::[0-9]+)?"
        let tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
        let digest = "[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}"
        let pattern = "(?:\(host)/)?\(component)(?:/\(component))*(?::\(tag))?(?:@\(digest))?"
        guard let regex = try? Regex(pattern), (try? regex.wholeMatch(in: name)) != nil else {
            return "an image name is [HOST[:PORT]/]PATH[:TAG] or PATH@sha256:DIGEST, with a lower-case PATH "
                + "(letters, digits, '.', '_', '-' and '/'), or an image id"
        }
        return nil
    }
}

extension Image {
    /// For an image exported from an engine's store, a path at which other programs of this user (the sandbox's
    /// `podman load`) can read the export while this image lives; nil for other images.
    public var exportedArchivePath: String? {
        guard reference.engineImage != nil, let export = tree.temporary else { return nil }
        return "/proc/\(getpid())/fd/\(export.descriptor)"
    }
}

/// Exports an image from an engine's store into a private temporary folder and hands back the open, already unlinked
/// archive: nothing stays on disk once the export is open, whatever happens to the process afterwards.
enum EngineExport {
    /// Writes `name` from `engine`'s store as a docker-archive and returns it open; `reference` is what the user typed.
    ///
    /// `executable` replaces the engine command found on PATH, and `searchPath` PATH itself (tests use stand-ins).
    static func export(
        _ name: String, from engine: ImageStoreEngine, reference: String, options: ImageReadOptions, executable: String? = nil,
        searchPath: String? = nil
    ) throws -> TemporaryFile {
        guard let command = executable ?? locate(engine.rawValue, searchPath: searchPath) else {
            throw EngineExportError.engineMissing(reference: reference, engine: engine)
        }
        let folder = try PrivateFolder(in: options.temporaryDirectory ?? NSTemporaryDirectory())
        defer { folder.remove() }
        return try ExportInterrupts.protecting(folder) {
            try checkExists(name, engine: engine, command: command, reference: reference, folder: folder)
            let archive = folder.path + "/image.tar"
            let arguments = engine == .podman
                ? ["save", "--quiet", "--format", "docker-archive", "--output", archive, "--", name]
                : ["save", "--output", archive, "--", name]
            let tracker = ProgressTracker(
                options.progress, stage: .exporting, subject: reference, parts: [(name: "\(engine.rawValue) save", total: 0)])
            defer { tracker?.finish() }
            var reported: Int64 = 0
            let result = try EngineCommand.run(command, arguments, folder: folder) {
                // Polled while the engine writes, so the terminal shows the export growing.
                var info = stat()
                guard let tracker, stat(archive, &info) == 0, Int64(info.st_size) > reported else { return }
                tracker.advance(part: 0, by: Int64(info.st_size) - reported)
                reported = Int64(info.st_size)
            }
            guard result.status == 0 else {
                throw classify(result, name: name, engine: engine, reference: reference, fallback: .exportFailed(
                    reference: reference, engine: engine, detail: result.firstLine))
            }
            let descriptor = open(archive, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw EngineExportError.exportFailed(
                    reference: reference, engine: engine, detail: "it wrote no readable archive (\(String(cString: strerror(errno))))")
            }
            return TemporaryFile(adoptingUnlinked: descriptor)
        }
    }

    /// Asks the engine whether it has the image first, so that a missing image or daemon gets its own clear message.
    private static func checkExists(
        _ name: String, engine: ImageStoreEngine, command: String, reference: String, folder: PrivateFolder
    ) throws {
        let arguments = engine == .podman ? ["image", "exists", "--", name] : ["image", "inspect", "--format", "{{.Id}}", "--", name]
        let result = try EngineCommand.run(command, arguments, folder: folder)
        guard result.status != 0 else { return }
        // `podman image exists` answers 1 for "no such image" and 125 for its own failures.
        if engine == .podman && result.status == 1 && result.errorOutput.isEmpty {
            throw EngineExportError.imageNotFound(reference: reference, engine: engine, name: name)
        }
        throw classify(result, name: name, engine: engine, reference: reference, fallback: .exportFailed(
            reference: reference, engine: engine, detail: result.firstLine))
    }

    private static func classify(
        _ result: EngineCommand.Result, name: String, engine: ImageStoreEngine, reference: String, fallback: EngineExportError
    ) -> EngineExportError {
        let text = result.errorOutput.lowercased()
        if text.contains("cannot connect to the docker daemon") || text.contains("is the docker daemon running")
            || text.contains("error during connect") || text.contains("permission denied while trying to connect")
        {
            return .daemonUnreachable(reference: reference, detail: result.firstLine)
        }
        if text.contains("no such image") || text.contains("image not known") {
            return .imageNotFound(reference: reference, engine: engine, name: name)
        }
        return fallback
    }

    /// The absolute path of a program on PATH (or on `searchPath`).
    static func locate(_ program: String, searchPath: String? = nil) -> String? {
        ProgramSearch.locate(program, path: searchPath)
    }
}

/// A folder only this user can enter (mode 0700, from `mkdtemp`), removed with everything in it.
final class PrivateFolder: Sendable {
    let path: String

    init(in parent: String) throws {
        let base = parent.hasSuffix("/") ? parent : parent + "/"
        var template = Array((base + "tre-lint-export-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard made != nil else { throw ImageError.extraction(path: parent, reason: String(cString: strerror(errno))) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes the folder and what the engine left in it; safe to call more than once, and from a signal handler's queue.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs an engine command with its output in files of the private folder (so a chatty engine cannot fill a pipe and stall).
enum EngineCommand {
    struct Result {
        var status: Int32
        var errorOutput: String

        /// The engine's first error line, without its `Error: ` prefix, for one-line messages.
        var firstLine: String {
            let line = errorOutput.split(whereSeparator: \.isNewline).first.map(String.init) ?? "exit status \(status)"
            return line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line
        }
    }

    static func run(_ command: String, _ arguments: [String], folder: PrivateFolder, whileRunning poll: () -> Void = {}) throws -> Result {
        let errorFile = folder.path + "/stderr-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: errorFile, contents: nil), let errors = FileHandle(forWritingAtPath: errorFile) else {
            throw ImageError.extraction(path: errorFile, reason: "cannot create the engine's error log")
        }
        defer { try? errors.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        // The engine's own scratch files (podman stages blobs in TMPDIR) land in the private folder too, and go with it.
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = folder.path
        process.environment = environment
        do {
            try process.run()
        } catch {
            throw ImageError.extraction(path: command, reason: "cannot start it: \(error.localizedDescription)")
        }
        ExportInterrupts.track(process.processIdentifier)
        defer { ExportInterrupts.untrack(process.processIdentifier) }
        // Polling rather than a termination handler keeps the progress callback on this thread.
        while process.isRunning {
            poll()
            usleep(100_000)
        }
        process.waitUntilExit()
        poll()
        let text = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, errorOutput: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Ctrl-C or SIGTERM during an export kills the engine, removes the private folders and ends the process (exit 130).
///
/// Installed only while an export runs: afterwards the archive has no name on disk, so there is nothing to clean up,
/// and the signals go back to what they were.
enum ExportInterrupts {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var folders: [ObjectIdentifier: PrivateFolder] = [:]
    nonisolated(unsafe) private static var children: Set<Int32> = []
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    nonisolated(unsafe) private static var previous: [Int32: sighandler_t?] = [:]

    static func protecting<T>(_ folder: PrivateFolder, _ body: () throws -> T) rethrows -> T {
        enter(folder)
        defer { leave(folder) }
        return try body()
    }

    static func track(_ pid: Int32) {
        lock.lock(); defer { lock.unlock() }
        children.insert(pid)
    }

    static func untrack(_ pid: Int32) {
        lock.lock(); defer { lock.unlock() }
        children.remove(pid)
    }

    private static func enter(_ folder: PrivateFolder) {
        lock.lock(); defer { lock.unlock() }
        folders[ObjectIdentifier(folder)] = folder
        guard sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM] {
            // The dispatch source needs the default action off; the old one comes back when the last export ends.
            previous[number] = signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { interrupted(by: number) }
            source.resume()
            sources.append(source)
        }
    }

    private static func leave(_ folder: PrivateFolder) {
        lock.lock(); defer { lock.unlock() }
        folders[ObjectIdentifier(folder)] = nil
        guard folders.isEmpty else { return }
        for source in sources { source.cancel() }
        sources = []
        for (number, handler) in previous { signal(number, handler ?? SIG_DFL) }
        previous = [:]
    }

    private static func interrupted(by number: Int32) {
        lock.lock()
        for pid in children { kill(pid, SIGKILL) }
        let pending = Array(folders.values)
        lock.unlock()
        for folder in pending { folder.remove() }
        FileHandle.standardError.write(Data("tre-lint: interrupted; the temporary image export was removed\n".utf8))
        exit(128 + number)
    }
}
