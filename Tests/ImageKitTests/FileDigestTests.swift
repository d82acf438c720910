import Foundation
import ImageKit
import Testing
import TestSupport

@Suite struct FileDigestTests {
    // Computed with sha256sum, so the test does not check the hasher against itself.
    static let hostsV0 = "sha256:081ef9d5367595d16e30b4b4549d9f43537320508b4ce0788963e10e4f808857"
    static let hostsV1 = "sha256:bb99f7ca5bc76dec7f5ffdc1d620a0dcf0671cc36acdbb39bfbbf7868ddd75c3"
    static let fiveMiBOfA = "sha256:dbbe5517996826bd5861ac22b745d21d11219055d89243ca1aea0ad31f552b12"

    /// Sees /etc files, so one digested file also passes through the content-observer branch of the scanner.
    final class EtcObserver: ImageContentObserver, @unchecked Sendable {
        func wants(_ path: String, size: Int64, layer: Int) -> Bool { path.hasPrefix("/etc/") }
        func observe(_ path: String, layer: Int, contents: Data) {}
    }

    @Test("every regular file's sha256 comes out of the single pass", arguments: [LayerSpec.Compression.none, .gzip, .zstd])
    func digestsMatchTheContents(compression: LayerSpec.Compression) throws {
        let scratch = try Scratch()
        let large = Data(repeating: 0x41, count: 5 << 20)  // above maxObservedFileSize: hashed while skipped, never buffered
        let spec = ImageSpec(layers: [
            LayerSpec([.dir("etc"), .file("etc/hosts", "127.0.0.1 localhost\n"), .file("big", data: large), .symlink("link", to: "big")],
                      compression: compression),
            LayerSpec([.file("etc/hosts", "::1 localhost\n"), .hardlink("again", to: "big")], compression: compression),
        ])
        let url = scratch.path("image.tar")
        try ImageBuilder.write(spec, layout: .dockerArchive, to: url)
        let digests = FileDigestCollector()
        let image = try ImageLoader.load(try ImageReference(parsing: url.path), observers: [EtcObserver()], fileDigests: digests)
        #expect(digests.digest(of: "/etc/hosts", layer: 0) == Self.hostsV0)
        #expect(digests.digest(of: "/etc/hosts", layer: 1) == Self.hostsV1)
        #expect(digests.digest(of: "/big", layer: 0) == Self.fiveMiBOfA)
        let tree = image.tree
        let hosts = try #require(tree.entry(at: "/etc/hosts"))
        #expect(digests.digest(of: hosts, in: tree) == Self.hostsV1)
        let hardlink = try #require(tree.entry(at: "/again"))
        #expect(digests.digest(of: hardlink, in: tree) == Self.fiveMiBOfA)
        #expect(digests.digest(of: try #require(tree.entry(at: "/link")), in: tree) == nil)
        #expect(digests.digest(of: "/etc", layer: 0) == nil)
    }

    @Test func withoutTheHookTheLoaderReadsTheSameImage() throws {
        let scratch = try Scratch()
        let spec = ImageSpec(layers: [LayerSpec([.file("a", "x")])])
        let url = scratch.path("image.tar")
        try ImageBuilder.write(spec, layout: .ociArchive, to: url)
        let plain = try ImageLoader.load(try ImageReference(parsing: url.path))
        let hashed = try ImageLoader.load(try ImageReference(parsing: url.path), fileDigests: FileDigestCollector())
        #expect(plain.tree.entries == hashed.tree.entries && plain.layers == hashed.layers)
    }
}
