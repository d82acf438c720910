import Foundation
import ImageKit
import Testing
import TestSupport

/// Valid but unusual layers load, and mean what Docker and containerd make of them.
@Suite struct UnusualInputTests {
    let scratch: Scratch
    init() throws { scratch = try Scratch() }

    @Test func twoHundredThousandEntries() throws {
        let entries: [EntrySpec] = (0..<200).map { .dir("d\($0)") } + (0..<200_000).map { .file("d\($0 % 200)/f\($0)", "") }
        let image = try buildAndLoad(ImageSpec(layers: [LayerSpec(entries, compression: .gzip)]), in: scratch)
        #expect(image.tree.entries.count == 200_200)
        #expect(image.layers[0].entries == 200_200)
        #expect(image.tree.entry(at: "/d7/f199807")?.type == .file)
    }

    @Test func tenKilobytePaths() throws {
        let components = (0..<1000).map { _ in "abcdefghi" }
        let deep = components.joined(separator: "/")
        let image = try buildAndLoad(ImageSpec(layers: [LayerSpec([.file(deep + "/leaf", "deep")])]), in: scratch)
        let leaf = "/" + deep + "/leaf"
        #expect(leaf.utf8.count > 10_000)
        #expect(image.tree.entry(at: leaf)?.size == 4)
        #expect(String(decoding: try image.tree.contents(of: leaf, limit: 100), as: UTF8.self) == "deep")
        #expect(image.tree.entries.count == 1001)
    }

    @Test func nonUTF8NamesAreNotFatal() throws {
        let latin1: [UInt8] = Array("opt/caf".utf8) + [0xE9] + Array(".txt".utf8)
        let entry = EntrySpec(name: latin1, kind: .file(.data(Data("x".utf8))), mode: 0o644)
        let image = try buildAndLoad(ImageSpec(layers: [LayerSpec([.dir("opt"), entry])]), layout: .dockerArchive, in: scratch)
        #expect(image.tree.children(of: "/opt").count == 1)
        #expect(image.tree.children(of: "/opt").first?.path.hasPrefix("/opt/caf") == true)
    }

    @Test func duplicateEntriesLastWins() throws {
        let image = try buildAndLoad(
            ImageSpec(layers: [LayerSpec([.file("etc/motd", "first"), .file("etc/motd", "second!", mode: 0o600)])]), in: scratch)
        #expect(image.tree.entry(at: "/etc/motd")?.mode == 0o600)
        #expect(String(decoding: try image.tree.contents(of: "/etc/motd", limit: 100), as: UTF8.self) == "second!")
        #expect(image.tree.entry(at: "/etc")?.type == .dir)
    }

    @Test func setuidDevicesAndFifos() throws {
        let image = try buildAndLoad(ImageSpec(layers: [LayerSpec([
            .file("usr/bin/sudo", "elf", mode: 0o4755), .dir("tmp", mode: 0o1777), .file("usr/bin/wall", "elf", mode: 0o2755),
            .charDevice("dev/null", major: 1, minor: 3), .blockDevice("dev/sda", major: 8, minor: 0), .fifo("run/pipe"),
        ])]), in: scratch)
        let tree = image.tree
        #expect(tree.entry(at: "/usr/bin/sudo")?.mode == 0o4755)
        #expect(tree.entry(at: "/usr/bin/wall")?.mode == 0o2755)
        #expect(tree.entry(at: "/tmp")?.mode == 0o1777)
        let null = try #require(tree.entry(at: "/dev/null"))
        #expect(null.type == .char && null.deviceMajor == 1 && null.deviceMinor == 3)
        #expect(tree.entry(at: "/dev/sda")?.type == .block)
        #expect(tree.entry(at: "/run/pipe")?.type == .fifo)
        #expect(tree.entry(at: "/run")?.type == .dir)
    }

    @Test func absoluteNamesAreRelativeToTheRoot() throws {
        let image = try buildAndLoad(ImageSpec(layers: [LayerSpec([
            .file("/etc/hosts", "127.0.0.1 localhost\n"), .file("./etc/hostname", "box\n"), .file("//usr///lib/./x", "x"),
        ])]), in: scratch)
        #expect(image.tree.entries.map(\.path) == ["/etc", "/etc/hostname", "/etc/hosts", "/usr", "/usr/lib", "/usr/lib/x"])
    }

    @Test func writesThroughSymlinkedDirectoriesStayInsideTheRoot() throws {
        let image = try buildAndLoad(ImageSpec(layers: [
            LayerSpec([.dir("usr"), .dir("usr/lib"), .symlink("lib", to: "usr/lib"), .symlink("escape", to: "../../../../tmp")]),
            LayerSpec([.file("lib/libfoo.so", "foo"), .file("escape/planted", "inside")]),
        ]), in: scratch)
        let tree = image.tree
        #expect(tree.entry(at: "/usr/lib/libfoo.so")?.layer == 1)
        #expect(tree.entry(at: "/lib")?.type == .symlink)
        #expect(tree.entry(at: "/tmp/planted")?.size == 6)
        #expect(tree.entry(at: "/escape")?.type == .symlink)
        #expect(String(decoding: try tree.contents(of: "/lib/libfoo.so", limit: 10), as: UTF8.self) == "foo")
    }

    @Test func writeThroughFollowsSymlinksAddedLater() throws {
        let image = try buildAndLoad(ImageSpec(layers: [
            LayerSpec([.dir("b"), .symlink("a", to: "b"), .dir("d")]),
            LayerSpec([.file("a/c/x", "x")]),
            LayerSpec([.whiteout("b/c"), .symlink("b/c", to: "/d"), .file("a/c/y", "y")]),
        ]), in: scratch)
        let tree = image.tree
        #expect(tree.entry(at: "/d/y")?.layer == 2)
        #expect(tree.entry(at: "/b/c")?.type == .symlink)
        #expect(tree.entry(at: "/b/c/x") == nil)
        #expect(tree.shadowed.map(\.path) == ["/b/c/x"])
    }

    @Test func manyDirectoriesReplacedByFilesAndDeepSymlinkedTrees() throws {
        let count = 20_000
        let image = try buildAndLoad(ImageSpec(layers: [
            LayerSpec((0..<count).flatMap { [EntrySpec.dir("r/d\($0)"), .file("r/d\($0)/inner", "i")] } + [.symlink("link", to: "r")]),
            LayerSpec((0..<count).map { .file("r/d\($0)", "now a file") } + (0..<count).map { .file("link/n\($0 % 100)/f\($0)", "") }),
        ]), in: scratch)
        #expect(image.tree.entry(at: "/r/d19999")?.type == .file)
        #expect(image.tree.entry(at: "/r/d19999/inner") == nil)
        #expect(image.tree.entry(at: "/r/n99/f19999")?.type == .file)
        #expect(image.tree.shadowed.count == count)
    }

    @Test func whiteoutsAndOpaqueDirectories() throws {
        let image = try buildAndLoad(ImageSpec(layers: [
            LayerSpec([.dir("a"), .file("a/keep", "k"), .dir("a/sub"), .file("a/sub/gone", "g"), .dir("b"), .file("b/old", "o")]),
            LayerSpec([.whiteout("a/sub"), .file("b/new", "n"), .opaque("b"), .dir("c"), .file("c/x", "x")]),
            LayerSpec([.whiteout("c"), .file("a/sub", "now a file")]),
        ]), in: scratch)
        #expect(image.tree.entries.map(\.path) == ["/a", "/a/keep", "/a/sub", "/b", "/b/new"])
        #expect(image.tree.entry(at: "/a/sub")?.type == .file)
        #expect(Set(image.tree.shadowed.map(\.path)) == ["/a/sub/gone", "/b/old", "/c/x"])
    }

    @Test func hardlinksKeepTheirTargetsContents() throws {
        let image = try buildAndLoad(ImageSpec(layers: [
            LayerSpec([.file("usr/bin/python3.11", "python", mode: 0o755), .hardlink("usr/bin/python3", to: "usr/bin/python3.11")]),
            LayerSpec([.hardlink("usr/bin/py", to: "/usr/bin/python3")]),
        ]), in: scratch)
        let link = try #require(image.tree.entry(at: "/usr/bin/py"))
        #expect(link.type == .hardlink && link.link == "/usr/bin/python3.11" && link.size == 6 && link.layer == 1)
        #expect(String(decoding: try image.tree.contents(of: "/usr/bin/py", limit: 100), as: UTF8.self) == "python")
    }

    @Test func hardlinksToSymlinksAndFifosAreMoreNamesForThem() throws {
        let image = try buildAndLoad(ImageSpec(layers: [LayerSpec([
            .symlink("sh", to: "busybox"), .hardlink("ash", to: "sh"), .fifo("pipe"), .hardlink("pipe2", to: "pipe"),
        ])]), in: scratch)
        #expect(image.tree.entry(at: "/ash")?.type == .symlink && image.tree.entry(at: "/ash")?.link == "busybox")
        #expect(image.tree.entry(at: "/pipe2")?.type == .fifo)
    }
}
