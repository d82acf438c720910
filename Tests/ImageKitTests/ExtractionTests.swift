import Foundation
import ImageKit
import Testing
import TestSupport

@Suite struct ExtractionTests {
    let scratch: Scratch
    init() throws { scratch = try Scratch() }

    @Test func extractsTheMergedTreeWithLinksModesAndOwners() throws {
        let image = try buildAndLoad(ImageSpec(layers: [
            LayerSpec([
                .dir("usr"), .dir("usr/lib"), .symlink("lib", to: "usr/lib"), .file("usr/lib/a.so", "A"),
                .file("home/u/data", "mine", mode: 0o600, uid: 1234, gid: 5678), .dir("ro", mode: 0o555), .file("ro/f", "r"),
                .file("bin/su", "su", mode: 0o4755), .fifo("run/fifo"), .charDevice("dev/null", major: 1, minor: 3),
                .file("old", "gone"),
            ]),
            LayerSpec([.file("lib/b.so", "B"), .hardlink("usr/lib/b-link.so", to: "usr/lib/b.so"), .whiteout("old")], compression: .gzip),
        ]), in: scratch)
        let root = scratch.path("rootfs")
        try image.extractRootFilesystem(to: root)
        let files = FileManager.default
        #expect(try String(contentsOf: root.appendingPathComponent("usr/lib/b.so"), encoding: .utf8) == "B")
        #expect(try files.destinationOfSymbolicLink(atPath: root.appendingPathComponent("lib").path) == "usr/lib")
        #expect(!files.fileExists(atPath: root.appendingPathComponent("old").path))
        var info = stat()
        #expect(lstat(root.appendingPathComponent("bin/su").path, &info) == 0 && info.st_mode & 0o7777 == 0o4755)
        #expect(lstat(root.appendingPathComponent("ro").path, &info) == 0 && info.st_mode & 0o7777 == 0o555)
        #expect(lstat(root.appendingPathComponent("run/fifo").path, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        var link = stat(), target = stat()
        #expect(lstat(root.appendingPathComponent("usr/lib/b-link.so").path, &link) == 0)
        #expect(lstat(root.appendingPathComponent("usr/lib/b.so").path, &target) == 0)
        #expect(link.st_ino == target.st_ino)
        #expect(lstat(root.appendingPathComponent("dev/null").path, &info) == 0)
        if geteuid() == 0 {
            #expect(lstat(root.appendingPathComponent("home/u/data").path, &info) == 0 && info.st_uid == 1234 && info.st_gid == 5678)
            #expect(lstat(root.appendingPathComponent("dev/null").path, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        }
        try? files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.appendingPathComponent("ro").path)
    }

    @Test func unprivilegedExtractionWritesNoDevicesAndKeepsOwnership() throws {
        let image = try buildAndLoad(ImageSpec(layers: [LayerSpec([
            .charDevice("dev/mem", major: 1, minor: 1), .file("home/f", "x", uid: 4321, gid: 4321),
        ])]), in: scratch)
        let root = scratch.path("rootfs")
        try image.extractRootFilesystem(to: root, options: ExtractionOptions(preserveOwnership: false))
        var info = stat()
        #expect(lstat(root.appendingPathComponent("dev/mem").path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && info.st_size == 0)
        #expect(lstat(root.appendingPathComponent("home/f").path, &info) == 0 && info.st_uid == geteuid())
    }

    @Test func nothingLandsOutsideTheTarget() throws {
        let outside = scratch.path("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let image = try buildAndLoad(ImageSpec(layers: [
            LayerSpec([.symlink("up", to: "../outside"), .symlink("abs", to: outside.path), .symlink("sys", to: "/etc")]),
            LayerSpec([.file("up/planted", "x"), .file("abs/planted2", "x"), .file("sys/passwd-planted", "x")]),
        ]), in: scratch)
        let root = scratch.path("rootfs")
        try image.extractRootFilesystem(to: root)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/etc/passwd-planted"))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("outside/planted").path))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("etc/passwd-planted").path))
        #expect(image.tree.entry(at: "/etc/passwd-planted")?.type == .file)
    }

    @Test func hardlinksWhoseTargetWasReplacedKeepTheirOwnBytes() throws {
        let image = try buildAndLoad(ImageSpec(layers: [
            LayerSpec([.file("a", "original"), .hardlink("b", to: "a")]),
            LayerSpec([.file("a", "replaced")]),
        ]), in: scratch)
        let root = scratch.path("rootfs")
        try image.extractRootFilesystem(to: root)
        #expect(try String(contentsOf: root.appendingPathComponent("a"), encoding: .utf8) == "replaced")
        #expect(try String(contentsOf: root.appendingPathComponent("b"), encoding: .utf8) == "original")
        #expect(String(decoding: try image.tree.contents(of: "/b", limit: 100), as: UTF8.self) == "original")
    }

    @Test func refusesANonEmptyTarget() throws {
        let image = try buildAndLoad(ImageSpec(layers: basicLayers), in: scratch)
        let root = scratch.path("rootfs")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: root.appendingPathComponent("existing"))
        #expect(throws: ImageError.self) { try image.extractRootFilesystem(to: root) }
    }
}
