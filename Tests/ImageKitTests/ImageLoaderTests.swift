import Foundation
import ImageKit
import Testing
import TestSupport

@Suite struct ImageLoaderTests {
    @Test(arguments: ImageBuilder.Layout.allCases)
    func readsEveryLayoutWithDigestsAndMergedTree(layout: ImageBuilder.Layout) throws {
        let scratch = try Scratch()
        let url = scratch.path(layout == .ociLayoutDirectory ? "layout" : "image.tar")
        let spec = ImageSpec(layers: basicLayers, config: ContainerConfig(user: "1000", env: ["PATH=/usr/bin"], cmd: ["tool"]))
        let built = try ImageBuilder.write(spec, layout: layout, to: url)
        let image = try ImageLoader.load(try ImageReference(parsing: url.path))

        let expectedFormat: ImageFormat = switch layout {
        case .dockerArchive, .docker25: .dockerArchive
        case .ociArchive: .ociArchive
        case .ociLayoutDirectory: .ociLayout
        }
        #expect(image.format == expectedFormat)
        #expect(image.configDigest == built.configDigest)
        if layout != .dockerArchive { #expect(image.manifestDigest == built.manifestDigest) }
        #expect(image.config.config?.user == "1000")
        #expect(image.layers.count == 3)
        #expect(image.layers.map(\.createdBy) == basicLayers.map(\.createdBy))
        #expect(image.layers.map(\.entries) == [8, 2, 1])
        if layout != .dockerArchive { #expect(image.layers.map(\.digest) == built.layerDigests) }

        let tree = image.tree
        #expect(tree.entries.map(\.path) == ["/bin", "/etc", "/etc/app.conf", "/etc/os-release", "/opt", "/usr", "/usr/bin", "/usr/bin/tool"])
        let tool = try #require(tree.entry(at: "/usr/bin/tool"))
        #expect(tool.layer == 2 && tool.mode == 0o4755 && tool.type == .file)
        #expect(tree.entry(at: "/etc/app.conf")?.uid == 1000)
        #expect(tree.entry(at: "/opt/old.bin") == nil)
        #expect(tree.shadowed.map(\.path).sorted() == ["/opt/old.bin", "/usr/bin/tool"])
        #expect(tree.shadowed.first { $0.path == "/opt/old.bin" }?.hiddenByLayer == 1)
        #expect(try tree.resolve("/bin/tool")?.path == "/usr/bin/tool")
        #expect(String(decoding: try tree.contents(of: "/bin/tool", limit: 1 << 20), as: UTF8.self) == "#!/bin/sh\necho v2\n")
        let batch = try tree.contents(of: ["/etc/os-release", "/etc/app.conf", "/usr/bin/tool"], limit: 4)
        #expect(batch.mapValues { String(decoding: $0, as: UTF8.self) } == ["/etc/os-release": "ID=d", "/etc/app.conf": "key=", "/usr/bin/tool": "#!/b"])
        #expect(tree.children(of: "/usr").map(\.path) == ["/usr/bin"])
        #expect(tree.children(of: "/").map(\.path) == ["/bin", "/etc", "/opt", "/usr"])
        #expect(tree.totalSize == Int64("ID=debian\n".utf8.count + "key=value\n".utf8.count + "#!/bin/sh\necho v2\n".utf8.count))
    }

    @Test func transportPrefixesSelectTheLayout() throws {
        let scratch = try Scratch()
        let docker = scratch.path("d.tar"), oci = scratch.path("o.tar"), layout = scratch.path("layout")
        let spec = ImageSpec(layers: basicLayers)
        try ImageBuilder.write(spec, layout: .dockerArchive, to: docker)
        try ImageBuilder.write(spec, layout: .ociArchive, to: oci)
        try ImageBuilder.write(spec, layout: .ociLayoutDirectory, to: layout)
        #expect(try ImageLoader.load(ImageReference(parsing: "docker-archive:" + docker.path)).format == .dockerArchive)
        #expect(try ImageLoader.load(ImageReference(parsing: "oci-archive:" + oci.path)).format == .ociArchive)
        #expect(try ImageLoader.load(ImageReference(parsing: "oci:" + layout.path + ":localhost/test/image:1")).format == .ociLayout)
        #expect(try ImageLoader.load(ImageReference(parsing: "oci:" + layout.path)).format == .ociLayout)
        #expect(throws: ImageError.self) { try ImageLoader.load(ImageReference(parsing: "oci-archive:" + docker.path)) }
        #expect(throws: ImageError.self) { try ImageLoader.load(ImageReference(parsing: "oci:" + layout.path + ":nope")) }
    }

    @Test func emptyReferencesAreRefused() throws {
        #expect(throws: ImageError.self) { try ImageReference(parsing: "oci-archive:") }
        #expect(throws: ImageError.self) { try ImageReference(parsing: "") }
    }

    @Test func picksLinuxAmd64FromAnIndexOrNamesThePlatforms() throws {
        let scratch = try Scratch()
        let url = scratch.path("index.tar")
        let built = try ImageBuilder.write(ImageSpec(layers: basicLayers), layout: .ociArchive, to: url)
        func index(_ platforms: [(String, String)], real: Int) throws -> Data {
            let manifests: [[String: Any]] = platforms.enumerated().map { position, platform in
                let digest = position == real ? built.manifestDigest : "sha256:" + String(repeating: "a", count: 64)
                return ["mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": 10,
                        "platform": ["os": platform.0, "architecture": platform.1]]
            }
            return try JSONSerialization.data(withJSONObject: ["schemaVersion": 2, "manifests": manifests])
        }
        var tampering = Tampering()
        tampering.indexOverride = try index([("linux", "arm64"), ("linux", "amd64")], real: 1)
        let image = try buildAndLoad(ImageSpec(layers: basicLayers), tampering: tampering, in: scratch)
        #expect(image.availablePlatforms == ["linux/arm64", "linux/amd64"])
        #expect(image.manifestDigest == built.manifestDigest)

        tampering.indexOverride = try index([("linux", "arm64"), ("windows", "amd64")], real: 0)
        let message = loadError(ImageSpec(layers: basicLayers), tampering: tampering, in: scratch)
        #expect(message == "the image index has no linux/amd64 image; it has: linux/arm64, windows/amd64")
    }

    @Test func observersSeeSmallFilesInTheSamePass() throws {
        final class Collector: ImageContentObserver, @unchecked Sendable {
            let lock = NSLock()
            var seen: [String: String] = [:]
            func wants(_ path: String, size: Int64, layer: Int) -> Bool { path.hasPrefix("/etc/") }
            func observe(_ path: String, layer: Int, contents: Data) {
                lock.lock(); defer { lock.unlock() }
                seen["\(layer):\(path)"] = String(decoding: contents, as: UTF8.self)
            }
        }
        let scratch = try Scratch()
        let collector = Collector()
        _ = try buildAndLoad(ImageSpec(layers: basicLayers), observers: [collector], in: scratch)
        #expect(collector.seen == ["0:/etc/os-release": "ID=debian\n", "1:/etc/app.conf": "key=value\n"])
    }
}

@Suite("Image builder")
struct ImageBuilderDeterminismTests {
    @Test("the same spec gives the same digests when built in different seconds (gzip header carries no time)")
    func sameSpecSameDigests() throws {
        let scratch = try Scratch()
        let first = try ImageBuilder.write(ImageSpec(layers: basicLayers), layout: .ociArchive, to: scratch.path("first.tar"))
        // Cross a second boundary: a time stamped anywhere in the output would now differ.
        Thread.sleep(forTimeInterval: 1.1)
        let second = try ImageBuilder.write(ImageSpec(layers: basicLayers), layout: .ociArchive, to: scratch.path("second.tar"))
        #expect(first.manifestDigest == second.manifestDigest)
    }
}
