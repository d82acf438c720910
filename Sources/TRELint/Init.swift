public import Foundation

/// One file of a generated project.
public struct ProjectFile: Sendable, Equatable {
    /// The path relative to the project folder, `/`-separated.
    public var path: String
    public var contents: String
    public var executable: Bool

    public init(path: String, contents: String, executable: Bool = false) {
        self.path = path; self.contents = contents; self.executable = executable
    }
}

/// The files of a project that builds an image a TRE can run, for `tre-lint init`.
public enum ProjectTemplate {
    /// The action a generated workflow uses, as `uses:` names it.
    public static let defaultAction = "tre-lint/tre-lint@v1"

    /// Every file of the template for a language, in the order they are written.
    public static func files(for language: ProjectLanguage, action: String = defaultAction) -> [ProjectFile] {
        var files = [
            ProjectFile(path: "Dockerfile", contents: InitTemplates.dockerfile(language)),
            ProjectFile(path: ".dockerignore", contents: InitTemplates.dockerignore),
            ProjectFile(path: "app/\(InitTemplates.scriptName(language))", contents: InitTemplates.script(language), executable: true),
        ]
        if language == .cudaPython {
            files.append(ProjectFile(path: "requirements.txt", contents: InitTemplates.cudaRequirements))
        }
        files += [
            ProjectFile(path: ".tre-lint.yaml", contents: InitTemplates.configuration(language)),
            ProjectFile(path: "safe_data/inputs.txt", contents: InitTemplates.inputList),
            ProjectFile(path: "safe_data/example-a.csv", contents: InitTemplates.exampleA),
            ProjectFile(path: "safe_data/example-b.csv", contents: InitTemplates.exampleB),
            ProjectFile(path: ".github/workflows/tre-lint.yml", contents: InitTemplates.workflow(action: action)),
        ]
        return files
    }

    /// Writes the files into `directory` (created when missing) and returns their paths as written.
    ///
    /// Nothing is written when any file already exists, unless `force`: a half-written project is worse than none.
    @discardableResult
    public static func write(_ files: [ProjectFile], into directory: URL, force: Bool = false) throws -> [String] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw InitError.notADirectory(directory.path)
        }
        let targets = files.map { directory.appendingPathComponent($0.path) }
        if !force {
            let existing = targets.filter { manager.fileExists(atPath: $0.path) || isSymbolicLink($0) }
            if !existing.isEmpty { throw InitError.wouldOverwrite(existing.map(\.path)) }
        }
        var written: [String] = []
        for (file, target) in zip(files, targets) {
            do {
                try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                // A symlink in the way is replaced, never followed: --force must not write outside the project.
                if isSymbolicLink(target) { try manager.removeItem(at: target) }
                try Data(file.contents.utf8).write(to: target, options: .atomic)
                try manager.setAttributes([.posixPermissions: file.executable ? 0o755 : 0o644], ofItemAtPath: target.path)
            } catch {
                throw InitError.cannotWrite(target.path, (error as NSError).localizedDescription)
            }
            written.append(target.path)
        }
        return written
    }

    private static func isSymbolicLink(_ url: URL) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil
    }
}

/// Why `tre-lint init` wrote nothing, in one line.
public enum InitError: Error, CustomStringConvertible, Equatable {
    case wouldOverwrite([String])
    case notADirectory(String)
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .wouldOverwrite(let paths):
            let more = paths.count > 1 ? " (and \(paths.count - 1) more)" : ""
            return "\(paths.first ?? "a file") already exists\(more); nothing was written (use --force to overwrite)"
        case .notADirectory(let path):
            return "\(path) exists and is not a directory"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
