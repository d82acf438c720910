import Foundation
import Testing

/// Folders, the repository and processes, for the tests of the action, `init` and `report`.
enum ActionHarness {
    /// A fresh temporary folder, removed by the caller.
    static func folder(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The repository root, found from this file.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs the built `tre-lint` binary; tests that use it need `swift build` first.
    static func treLint(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String, errors: String) {
        let binary = root.appendingPathComponent(".build/debug/tre-lint")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build tre-lint first (swift build)")
        return try run(binary.path, arguments, in: directory)
    }

    /// Runs a program to its end, collecting both output streams through files (no pipe can fill and block it).
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil)
        throws -> (status: Int32, output: String, errors: String)
    {
        let scratch = try folder("process")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close(); try err.close()
        return (process.terminationStatus, try String(contentsOf: outURL, encoding: .utf8), try String(contentsOf: errURL, encoding: .utf8))
    }
}
