import Facts
import Foundation
import ImageKit
import Testing
import TestSupport

/// Images holding every package database the inventory reads, built layer by layer as a real image would be.
enum InventoryImages {
    static let dpkgStatus = """
        Package: libc6
        Status: install ok installed
        Architecture: amd64
        Multi-Arch: same
        Version: 2.36-9+deb12u4
        Description: GNU C Library: Shared libraries
         Contains the standard libraries that are used by nearly all programs.

        Package: old-tool
        Status: deinstall ok config-files
        Version: 1.0-1

        Package: libssl-dev
        Status: install ok installed
        Version: 3.0.11-1~deb12u2

        Package: freeform
        Status: install ok installed
        Version: 0.5

        """

    static let dep5Copyright = """
        Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
        Upstream-Name: glibc

        Files: *
        Copyright: 1991-2023 Free Software Foundation, Inc.
        License: LGPL-2.1+

        Files: debian/*
        License: GPL-2+

        """

    static let apkInstalled = """
        C:Q1abc=
        P:musl
        V:1.2.4-r2
        A:x86_64
        L:MIT

        C:Q1def=
        P:busybox
        V:1.36.1-r15
        L:GPL-2.0-only

        """

    static let wheelMetadata = """
        Metadata-Version: 2.4
        Name: numpy
        Version: 2.1.0
        License-Expression: BSD-3-Clause
        Classifier: License :: OSI Approved :: BSD License

        A long description that mentions License: GPL-3.0 and must not count.
        """

    static let eggMetadata = """
        Metadata-Version: 1.2
        Name: oldpkg
        Version: 0.9
        License: UNKNOWN
        Classifier: Programming Language :: Python
        Classifier: License :: OSI Approved :: MIT License

        """

    static let rDescription = """
        Package: data.table
        Version: 1.15.4
        Title: Extension of `data.frame`
        License: MPL-2.0 | file
            LICENSE
        Built: R 4.4.0; x86_64-pc-linux-gnu; 2024-05-01 UTC; unix

        """

    static let juliaManifest = """
        # This file is machine-generated - editing it directly is not advised

        julia_version = "1.10.4"
        manifest_format = "2.0"
        project_hash = "0123"

        [[deps.CSV]]
        deps = ["CodecZlib", "Dates"]
        git-tree-sha1 = "6c834533dc1fabd820c1db03c839bf97e45a3fab"
        uuid = "336ed68f-0bac-5ca0-87d4-7b16caf5d00b"
        version = "0.10.14"

        [[deps.Dates]]
        deps = ["Printf"]
        uuid = "ade2ca70-3891-5945-98fb-dc099432e06a"

        [deps.Dates.extensions]
        Ignored = "1"

        """

    static let condaRecord = #"{"name": "openssl", "version": "3.3.1", "build": "h4bc722e_2", "license": "Apache-2.0"}"#

    static func spec() -> ImageSpec {
        let base = LayerSpec([
            .dir("var"), .dir("var/lib"), .dir("var/lib/dpkg"), .file("var/lib/dpkg/status", "Package: stale\nStatus: install ok installed\nVersion: 1\n"),
            .dir("var/lib/rpm"), .file("var/lib/rpm/rpmdb.sqlite", data: Data("SQLite format 3\u{0}".utf8)),
            .dir("lib"), .dir("lib/apk"), .dir("lib/apk/db"), .file("lib/apk/db/installed", apkInstalled),
        ], createdBy: "ADD rootfs.tar /")
        let packages = LayerSpec([
            .dir("var"), .dir("var/lib"), .dir("var/lib/dpkg"), .file("var/lib/dpkg/status", dpkgStatus),
            .dir("usr"), .dir("usr/share"), .dir("usr/share/doc"), .dir("usr/share/doc/libc6"),
            .file("usr/share/doc/libc6/copyright", dep5Copyright),
            // A -dev package's doc directory is a link to its library's, as Debian ships them.
            .dir("usr/share/doc/libssl3"), .file("usr/share/doc/libssl3/copyright", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: Apache-2.0\n"),
            .symlink("usr/share/doc/libssl-dev", to: "libssl3"),
            .dir("usr/share/doc/freeform"), .file("usr/share/doc/freeform/copyright", "This package was debianized by someone.\nLicense: not machine-readable\n"),
        ], createdBy: "RUN apt-get install -y libssl-dev")
        let site = "usr/local/lib/python3.12/site-packages"
        let python = LayerSpec([
            .dir("usr"), .dir("usr/local"), .dir("usr/local/lib"), .dir("usr/local/lib/python3.12"), .dir(site),
            .dir("\(site)/numpy-2.1.0.dist-info"), .file("\(site)/numpy-2.1.0.dist-info/METADATA", wheelMetadata),
            .dir("\(site)/oldpkg-0.9.egg-info"), .file("\(site)/oldpkg-0.9.egg-info/PKG-INFO", eggMetadata),
        ], createdBy: "RUN pip install numpy oldpkg")
        let rLibrary = "usr/local/lib/R/site-library"
        let r = LayerSpec([
            .dir("usr"), .dir("usr/local"), .dir("usr/local/lib"), .dir("usr/local/lib/R"), .dir(rLibrary),
            .dir("\(rLibrary)/data.table"), .file("\(rLibrary)/data.table/DESCRIPTION", rDescription),
            .dir("\(rLibrary)/gone"), .file("\(rLibrary)/gone/DESCRIPTION", "Package: gone\nVersion: 1.0\n"),
        ], createdBy: "RUN Rscript -e 'install.packages(\"data.table\")'")
        let julia = LayerSpec([
            .dir("opt"), .dir("opt/julia"), .dir("opt/julia/environments"), .dir("opt/julia/environments/v1.10"),
            .file("opt/julia/environments/v1.10/Manifest.toml", juliaManifest),
            // A package's own test manifest is not an installed environment.
            .dir("opt/julia/packages"), .dir("opt/julia/packages/CSV"), .file("opt/julia/packages/CSV/Manifest.toml", "[[deps.Nope]]\nversion = \"9\"\n"),
            .dir("opt/conda"), .dir("opt/conda/conda-meta"), .file("opt/conda/conda-meta/openssl-3.3.1-h4bc722e_2.json", condaRecord),
            .dir("usr"), .dir("usr/local"), .dir("usr/local/lib"), .dir("usr/local/lib/R"), .dir(rLibrary),
            .whiteout("\(rLibrary)/gone"),
        ], createdBy: "RUN julia -e 'using Pkg; Pkg.add(\"CSV\")'")
        return ImageSpec(layers: [base, packages, python, r, julia])
    }
}

@Suite("Package inventory")
struct PackagesInventoryTests {
    @Test("every ecosystem is listed with versions and licences, from the merged tree's files", arguments: [true, false])
    func inventory(observe: Bool) throws {
        let facts = try FactsHarness.facts(InventoryImages.spec(), observe: observe)
        let listed = facts.packages.packages.map { "\($0.ecosystem.rawValue) \($0.name) \($0.version) \($0.licence ?? "-") \($0.path)" }
        #expect(listed == [
            "dpkg freeform 0.5 - /var/lib/dpkg/status",
            "dpkg libc6 2.36-9+deb12u4 LGPL-2.1+ /var/lib/dpkg/status",
            "dpkg libssl-dev 3.0.11-1~deb12u2 Apache-2.0 /var/lib/dpkg/status",
            "apk busybox 1.36.1-r15 GPL-2.0-only /lib/apk/db/installed",
            "apk musl 1.2.4-r2 MIT /lib/apk/db/installed",
            "python numpy 2.1.0 BSD-3-Clause /usr/local/lib/python3.12/site-packages/numpy-2.1.0.dist-info",
            "python oldpkg 0.9 MIT License /usr/local/lib/python3.12/site-packages/oldpkg-0.9.egg-info",
            "conda openssl 3.3.1 Apache-2.0 /opt/conda/conda-meta/openssl-3.3.1-h4bc722e_2.json",
            "r data.table 1.15.4 MPL-2.0 | file LICENSE /usr/local/lib/R/site-library/data.table/DESCRIPTION",
            "julia CSV 0.10.14 - /opt/julia/environments/v1.10/Manifest.toml",
            "julia Dates stdlib 1.10.4 - /opt/julia/environments/v1.10/Manifest.toml",
        ])
        #expect(facts.packages.unreadDatabases == ["/var/lib/rpm/rpmdb.sqlite"])
        #expect(facts.packages.ecosystems == [.dpkg, .apk, .python, .conda, .r, .julia])
        // The Python distributions the rules use carry the same licences.
        #expect(facts.pythonDistributions.map { $0.licence ?? "-" }.sorted() == ["BSD-3-Clause", "MIT License"])
    }

    @Test("the inventory alone, without the other facts, matches what gather finds")
    func inventoryAlone() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inventory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("image.tar")
        try ImageBuilder.write(InventoryImages.spec(), layout: .ociArchive, to: url)
        let image = try ImageLoader.load(try ImageReference(parsing: url.path))
        let alone = FactsGatherer().packages(FactsInput(image: image))
        let gathered = try FactsHarness.facts(InventoryImages.spec())
        #expect(alone == gathered.packages)
        #expect(alone.packages.count == 11)
    }

    @Test("free-form and hostile metadata never crash and yield no invented values")
    func hostileMetadata() {
        #expect(PackageFiles.parse("/var/lib/dpkg/status", contents: Data([0xFF, 0xFE, 0x0A, 0x3A, 0x0A])) == .packages([]))
        #expect(PackageFiles.parse("/usr/share/doc/x/copyright", contents: Data("License: MIT\n".utf8)) == .licence(nil))
        #expect(PackageFiles.parse("/opt/conda/conda-meta/x.json", contents: Data("[1, 2".utf8)) == .packages([]))
        #expect(PackageFiles.parse("/srv/app/Manifest.toml", contents: Data("[[deps.\"<script>\"]]\nversion = \"1\"\n".utf8))
            == .packages([InstalledPackage(ecosystem: .julia, name: "<script>", version: "1", path: "/srv/app/Manifest.toml")]))
        #expect(PackageFiles.parse("/etc/hostname", contents: Data("x".utf8)) == nil)
        let longLicence = "Metadata-Version: 2.1\nName: x\nLicense: " + String(repeating: "a", count: 500) + "\n\n"
        #expect(PackageFiles.parse("/l/site-packages/x-1.dist-info/METADATA", contents: Data(longLicence.utf8)) == .licence(nil))
    }
}
