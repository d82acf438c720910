import Foundation
import ImageKit
import TestSupport

/// A temporary directory per test, removed when the value goes away.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("imagekit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// Builds `spec` in `layout` inside `scratch` and loads it back.
func buildAndLoad(
    _ spec: ImageSpec, layout: ImageBuilder.Layout = .ociArchive, tampering: Tampering = .init(),
    options: ImageReadOptions = .init(), observers: [any ImageContentObserver] = [], in scratch: Scratch
) throws -> Image {
    let url = scratch.path("image-\(UUID().uuidString)" + (layout == .ociLayoutDirectory ? "" : ".tar"))
    try ImageBuilder.write(spec, layout: layout, to: url, tampering: tampering)
    return try ImageLoader.load(try ImageReference(parsing: url.path), options: options, observers: observers)
}

/// The error loading `spec` gives, as its one-line description (nil when it loads).
func loadError(
    _ spec: ImageSpec, layout: ImageBuilder.Layout = .ociArchive, tampering: Tampering = .init(),
    options: ImageReadOptions = .init(), in scratch: Scratch
) -> String? {
    do {
        _ = try buildAndLoad(spec, layout: layout, tampering: tampering, options: options, in: scratch)
        return nil
    } catch {
        return String(describing: error)
    }
}

let basicLayers: [LayerSpec] = [
    LayerSpec([
        .dir("etc"), .file("etc/os-release", "ID=debian\n"), .dir("usr"), .dir("usr/bin"),
        .file("usr/bin/tool", "#!/bin/sh\necho hi\n", mode: 0o755), .symlink("bin", to: "usr/bin"),
        .dir("opt"), .file("opt/old.bin", size: 4096, fill: 7),
    ], createdBy: "ADD rootfs.tar /"),
    LayerSpec([
        .whiteout("opt/old.bin"), .file("etc/app.conf", "key=value\n", uid: 1000, gid: 1000),
    ], compression: .gzip, createdBy: "RUN rm /opt/old.bin && echo key=value > /etc/app.conf"),
    LayerSpec([.file("usr/bin/tool", "#!/bin/sh\necho v2\n", mode: 0o4755)], compression: .zstd, createdBy: "COPY tool /usr/bin/"),
]
