import Foundation
import ImageKit
import Testing
import TestSupport

/// Each hostile image must fail with one line naming the problem: never a crash, a hang or a write outside.
@Suite struct HostileInputTests {
    let scratch: Scratch
    init() throws { scratch = try Scratch() }

    func expectRefused(
        _ layers: [LayerSpec], layout: ImageBuilder.Layout = .ociArchive, tampering: Tampering = .init(),
        options: ImageReadOptions = .init(), containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let message = loadError(ImageSpec(layers: layers), layout: layout, tampering: tampering, options: options, in: scratch)
        #expect(message?.contains(fragment) == true, "got: \(message ?? "no error")", sourceLocation: sourceLocation)
        #expect(message.map { !$0.contains("\n") } ?? true, sourceLocation: sourceLocation)
    }

    static func raw(_ name: String, type: UInt32 = 0o100000, link: String? = nil, hardlink: String? = nil, size: Int64 = 0) -> EntrySpec {
        EntrySpec(
            name: Array(name.utf8),
            kind: .raw(typeBits: type, link: link.map { Array($0.utf8) }, hardlink: hardlink.map { Array($0.utf8) },
                       content: .synthetic(size: size, fill: 0x41)),
            mode: 0o644)
    }

    @Test func pathTraversalInLayerEntries() {
        expectRefused([LayerSpec([Self.raw("../../etc/passwd", size: 4)])], containing: "path traversal")
        expectRefused([LayerSpec([Self.raw("usr/../../escape", size: 4)])], containing: "path traversal")
    }

    @Test func pathTraversalInManifestPathsAndDigests() {
        var tampering = Tampering()
        tampering.layerPathOverrides = [0: "../../../etc/passwd"]
        expectRefused(basicLayers, layout: .dockerArchive, tampering: tampering, containing: "unsafe member path")
        tampering.layerPathOverrides = [0: "/etc/passwd"]
        expectRefused(basicLayers, layout: .dockerArchive, tampering: tampering, containing: "unsafe member path")
        tampering.layerPathOverrides = [0: "sha256:../../../../etc/passwd"]
        expectRefused(basicLayers, layout: .ociArchive, tampering: tampering, containing: "invalid digest")
        expectRefused(basicLayers, layout: .ociLayoutDirectory, tampering: tampering, containing: "invalid digest")
    }

    @Test func hardlinksToOutsideOrToNothing() {
        expectRefused([LayerSpec([Self.raw("etc/shadow-copy", hardlink: "../../etc/shadow")])], containing: "path traversal")
        expectRefused([LayerSpec([.hardlink("etc/shadow-copy", to: "etc/shadow")])], containing: "not a file in the image")
        expectRefused([LayerSpec([.dir("etc"), .hardlink("etc/dir-link", to: "etc")])], containing: "not a file in the image")
    }

    @Test func escapingWhiteouts() {
        expectRefused([LayerSpec([.dir("a")]), LayerSpec([Self.raw("a/.wh..")])], containing: "whiteout escapes")
        expectRefused([LayerSpec([.dir("a")]), LayerSpec([Self.raw("a/.wh.../../etc")])], containing: "path traversal")
    }

    @Test(arguments: [LayerSpec.Compression.gzip, .zstd])
    func decompressionBombsAreCaughtByTheRatioCap(compression: LayerSpec.Compression) {
        var options = ImageReadOptions()
        options.ratioGraceBytes = 8 << 20
        options.maxCompressionRatio = 100
        expectRefused(
            [LayerSpec([.file("zeros", size: 256 << 20)], compression: compression)], options: options,
            containing: "over the ratio limit")
    }

    @Test func decompressionBombsAreCaughtByTheTotalCap() {
        var options = ImageReadOptions()
        options.maxUncompressedBytes = 16 << 20
        expectRefused(
            [LayerSpec([.file("zeros", size: 64 << 20)], compression: .gzip)], options: options,
            containing: "uncompressed size limit")
    }

    @Test func tooManyEntries() {
        var options = ImageReadOptions()
        options.maxEntries = 10
        expectRefused([LayerSpec((0..<50).map { .file("f\($0)", "x") })], options: options, containing: "more than 10 entries")
    }

    @Test(arguments: [LayerSpec.Compression.none, .gzip, .zstd])
    func truncatedLayers(compression: LayerSpec.Compression) throws {
        let layer = LayerSpec((0..<200).map { .file("file\($0)", size: 4096, fill: UInt8($0 & 0xff)) }, compression: compression)
        let blob = try ImageBuilder.layerBlob(layer).blob
        var tampering = Tampering()
        tampering.truncateLayer = (0, blob.count / 2)
        let message = loadError(ImageSpec(layers: [layer]), tampering: tampering, in: scratch)
        let text = try #require(message)
        #expect(!text.contains("\n"))
        #expect(text.contains("layer") && text.contains("blobs/sha256/"))
    }

    @Test(arguments: [ImageBuilder.Layout.dockerArchive, .docker25, .ociArchive])
    func truncatedTarballs(layout: ImageBuilder.Layout) throws {
        let size = try FileManager.default.attributesOfItem(atPath: {
            let url = scratch.path("whole.tar")
            try ImageBuilder.write(ImageSpec(layers: basicLayers), layout: layout, to: url)
            return url.path
        }())[.size] as? Int ?? 0
        for cut in [size / 3, size / 2, size - 1500] {
            var tampering = Tampering()
            tampering.truncateTo = Int64(cut)
            let message = loadError(ImageSpec(layers: basicLayers), layout: layout, tampering: tampering, in: scratch)
            #expect(message != nil && message?.contains("\n") == false, "cut at \(cut): \(message ?? "loaded")")
        }
    }

    @Test func garbageAndEmptyFiles() throws {
        let empty = scratch.path("empty.tar"), garbage = scratch.path("garbage.tar"), gz = scratch.path("image.tar.gz")
        try Data().write(to: empty)
        try Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }).write(to: garbage)
        try Data([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).write(to: gz)
        for (url, fragment) in [(empty, "empty"), (garbage, "not a tar archive"), (gz, "image.tar.gz")] {
            let error = #expect(throws: ImageError.self) { try ImageLoader.load(ImageReference(parsing: url.path)) }
            #expect(error?.description.contains(fragment) == true, "\(error?.description ?? "")")
        }
        #expect(throws: ImageError.self) { try ImageLoader.load(ImageReference(parsing: scratch.path("missing.tar").path)) }
        let emptyDirectory = scratch.path("emptydir")
        try FileManager.default.createDirectory(at: emptyDirectory, withIntermediateDirectories: true)
        #expect(throws: ImageError.self) { try ImageLoader.load(ImageReference(parsing: emptyDirectory.path)) }
    }

    @Test(arguments: [LayerSpec.Compression.gzip, .zstd])
    func compressedTarballsAreReadThroughATemporaryCopy(compression: LayerSpec.Compression) throws {
        let plain = scratch.path("plain.tar")
        let built = try ImageBuilder.write(ImageSpec(layers: basicLayers), layout: .dockerArchive, to: plain)
        let packed = scratch.path("packed.tar.z")
        try compress(plain, to: packed, compression)
        let image = try ImageLoader.load(ImageReference(parsing: packed.path))
        #expect(image.configDigest == built.configDigest)
        #expect(String(decoding: try image.tree.contents(of: "/etc/app.conf", limit: 100), as: UTF8.self) == "key=value\n")

        var options = ImageReadOptions()
        options.maxUncompressedBytes = 1024
        #expect(throws: ImageError.uncompressedSizeExceeded(limit: 1024)) { try ImageLoader.load(ImageReference(parsing: packed.path), options: options) }
    }

    func compress(_ source: URL, to target: URL, _ compression: LayerSpec.Compression) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = compression == .gzip ? ["sh", "-c", "gzip -c \"$0\" > \"$1\"", source.path, target.path]
            : ["sh", "-c", "zstd -q -c \"$0\" > \"$1\"", source.path, target.path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
    }

    @Test func malformedWronglyTypedAndHugeJSON() {
        var tampering = Tampering()
        tampering.manifestOverride = Data("[{\"Config\": ".utf8)
        expectRefused(basicLayers, layout: .dockerArchive, tampering: tampering, containing: "malformed JSON in manifest.json")
        tampering.manifestOverride = Data(#"{"Config": 5}"#.utf8)
        expectRefused(basicLayers, layout: .dockerArchive, tampering: tampering, containing: "malformed JSON in manifest.json")
        tampering.manifestOverride = Data(#"[{"Config": 5, "Layers": []}]"#.utf8)
        expectRefused(basicLayers, layout: .dockerArchive, tampering: tampering, containing: "expected String at 0.Config")
        tampering.manifestOverride = nil
        tampering.indexOverride = Data(#"{"manifests": "nope"}"#.utf8)
        expectRefused(basicLayers, tampering: tampering, containing: "malformed JSON in index.json")
        tampering.indexOverride = Data(String(repeating: "[", count: 200_000).utf8) + Data(String(repeating: "]", count: 200_000).utf8)
        expectRefused(basicLayers, tampering: tampering, containing: "malformed JSON in index.json")
        tampering.indexOverride = Data("[" .utf8) + Data(repeating: UInt8(ascii: " "), count: 2 << 20) + Data("]".utf8)
        var options = ImageReadOptions()
        options.maxJSONBytes = 1 << 20
        expectRefused(basicLayers, tampering: tampering, options: options, containing: "over the limit")
        tampering.indexOverride = nil
        tampering.configOverride = Data(#"{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": 3}}"#.utf8)
        expectRefused(basicLayers, tampering: tampering, containing: "malformed JSON in config")
    }

    @Test func digestMismatches() {
        var tampering = Tampering()
        tampering.wrongLayerDigests = [1]
        expectRefused(basicLayers, tampering: tampering, containing: "digest mismatch for layer")
        expectRefused(basicLayers, layout: .dockerArchive, tampering: tampering, containing: "digest mismatch for layer")
        tampering = Tampering()
        tampering.wrongConfigDigest = true
        expectRefused(basicLayers, tampering: tampering, containing: "digest mismatch for config")
        expectRefused(basicLayers, layout: .dockerArchive, tampering: tampering, containing: "digest mismatch for config")
        tampering = Tampering()
        for layer in 0..<3 {
            tampering.wrongDiffIDs = [layer]
            expectRefused(basicLayers, layout: .dockerArchive, tampering: tampering, containing: "(diff_id)")
            expectRefused(basicLayers, layout: .docker25, tampering: tampering, containing: "(diff_id)")
        }
    }

    @Test func indexPointingToAMissingBlob() {
        var tampering = Tampering()
        tampering.missingLayers = [2]
        expectRefused(basicLayers, tampering: tampering, containing: "has no member blobs/sha256/")
        expectRefused(basicLayers, layout: .ociLayoutDirectory, tampering: tampering, containing: "has no member blobs/sha256/")
        expectRefused(basicLayers, layout: .dockerArchive, tampering: tampering, containing: "has no member")
    }

    @Test func symlinkLoops() throws {
        let image = try buildAndLoad(
            ImageSpec(layers: [LayerSpec([.symlink("a", to: "b"), .symlink("b", to: "/a"), .symlink("self", to: "self/x")])]),
            in: scratch)
        #expect(throws: ImageError.symlinkLoop(path: "/a/file")) { try image.tree.resolve("/a/file") }
        #expect(throws: ImageError.self) { try image.tree.resolve("/self") }
        #expect(throws: ImageError.self) { try image.tree.contents(of: "/a", limit: 10) }
        expectRefused(
            [LayerSpec([.symlink("a", to: "b"), .symlink("b", to: "a")]), LayerSpec([.file("a/x", "through a loop")])],
            containing: "symlink loop")
    }
}
