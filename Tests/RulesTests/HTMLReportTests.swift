import Facts
import Foundation
import ImageKit
import Reports
import Rules
import Testing
import TestSupport
import TRELint

/// Image details as the check pipeline would fill them in, with hostile values wherever an image supplies text.
func sampleImageDetails(hostile: Bool = false) -> ImageDetails {
    let evil = hostile ? "<script>alert('x')</script>\"><img src=x onerror=alert(1)>\u{202E}gpj.exe" : "safe"
    let cuda = DetectedCUDA(sources: [
        CUDAVersionSource(kind: .toolkit, path: "/usr/local/cuda-12.4/version.json", version: DottedVersion(components: [12, 4, 1])),
        CUDAVersionSource(kind: .pytorch, path: "/usr/local/lib/python3.12/site-packages/torch/version.py", version: DottedVersion(components: [12, 1])),
    ])
    var packages = [
        InstalledPackage(ecosystem: .dpkg, name: "libc6", version: "2.36-9+deb12u4", licence: "LGPL-2.1+", path: "/var/lib/dpkg/status"),
        InstalledPackage(ecosystem: .dpkg, name: "zlib1g", version: "1:1.2.13.dfsg-1", path: "/var/lib/dpkg/status"),
        InstalledPackage(ecosystem: .python, name: "numpy", version: "2.1.0", licence: "BSD-3-Clause", path: "/usr/local/lib/python3.12/site-packages/numpy-2.1.0.dist-info"),
        InstalledPackage(ecosystem: .python, name: "torch", version: "2.3.0+cu121", licence: "BSD-3-Clause", path: "/usr/local/lib/python3.12/site-packages/torch-2.3.0+cu121.dist-info"),
        InstalledPackage(ecosystem: .r, name: "data.table", version: "1.15.4", licence: "MPL-2.0 | file LICENSE", path: "/usr/local/lib/R/site-library/data.table/DESCRIPTION"),
    ]
    if hostile {
        packages.append(InstalledPackage(ecosystem: .julia, name: evil, version: evil, licence: evil, path: "/opt/\(evil)/Manifest.toml"))
    }
    return ImageDetails(
        repoTags: ["ghcr.io/example/analysis:1.0"], platform: "linux/amd64", created: "2024-05-01T12:00:00Z", size: 3_456_789_012,
        fileCount: 48_213,
        layers: [
            .init(digest: "sha256:" + String(repeating: "1", count: 64), compressedSize: 29_000_000, size: 80_000_000, entries: 3_500),
            .init(digest: "sha256:" + String(repeating: "2", count: 64), compressedSize: 1_000_000_000, size: 3_376_789_012, entries: 44_713),
        ],
        history: [
            .init(createdBy: "/bin/sh -c #(nop) ADD file:6a0b in / ", layer: 0),
            .init(createdBy: "/bin/sh -c #(nop)  ENV PATH=/usr/local/bin:/usr/bin", layer: nil),
            .init(createdBy: "RUN /bin/sh -c pip install torch numpy && \\\n    rm -rf /root/.cache # \(evil)", layer: 1),
        ],
        start: .init(
            entrypoint: ["/usr/bin/tini", "--"], cmd: ["python3", "/app/run.py", evil], workingDir: "/app", program: "python3",
            resolvedProgram: "/usr/local/bin/python3 → /usr/local/bin/python3.12"),
        user: "", runsAs: "root (uid 0)",
        accounts: [
            PasswdUser(name: "root", uid: 0, gid: 0, home: "/root", shell: "/bin/bash"),
            PasswdUser(name: hostile ? evil : "app", uid: 1000, gid: 1000, home: "/home/app", shell: "/bin/bash"),
        ],
        environment: ["PATH=/usr/local/bin:/usr/bin", "HF_HUB_OFFLINE=1", "NOTE=\(evil)"],
        labels: ["org.opencontainers.image.source": "https://github.com/example/analysis", "x.\(evil)": evil],
        cuda: cuda, packages: PackageInventory(packages: packages, unreadDatabases: hostile ? ["/var/lib/rpm/rpmdb.sqlite"] : []))
}

@Suite("HTML approval report")
struct HTMLReportTests {
    let catalog: RuleCatalog

    init() throws {
        catalog = try sampleCatalog()
    }

    func render(_ report: CheckReport) -> String {
        ReportFormat.html.reporter(ReportSettings(catalog: catalog, failOn: .error)).render(report)
    }

    @Test("a report with image details renders exactly as its golden file")
    func golden() throws {
        let dockerfile = FileManager.default.temporaryDirectory.appendingPathComponent("checkout-\(UUID().uuidString)/Dockerfile").path
        var report = try sampleReport(catalog: catalog, dockerfile: dockerfile, version: TRELintVersion.current)
        report.imageDetails = sampleImageDetails()
        let normalised = GoldenTests.placeholders(in: render(report), dockerfile: dockerfile)
            .replacingOccurrences(of: catalog.digest, with: "{{RULESET}}")
        let file = GoldenTests.directory.appendingPathComponent("check-details.html.golden")
        if ProcessInfo.processInfo.environment["TRE_LINT_UPDATE_GOLDEN"] == "1" {
            try Data(normalised.utf8).write(to: file, options: .atomic)
        }
        #expect(normalised == (try String(contentsOf: file, encoding: .utf8)))
    }

    @Test("hostile image content is escaped: only the reporter's own tags appear, and invisible characters are shown")
    func escaping() throws {
        var report = try sampleReport(catalog: catalog, dockerfile: "Dockerfile", version: "1.0")
        report.image.reference = "oci:/tmp/<b>x</b>"
        report.imageDetails = sampleImageDetails(hostile: true)
        let html = render(report)
        #expect(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\\u{202E}gpj.exe"))
        #expect(!html.unicodeScalars.contains("\u{202E}"))
        let tags = Set(html.matches(of: /<\/?([a-zA-Z0-9!]+)/).map { String($0.output.1).lowercased() })
        let allowed: Set<String> = [
            "!doctype", "html", "head", "meta", "title", "style", "body", "header", "footer", "section", "article", "h1", "h2", "h3",
            "h4", "p", "span", "strong", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "ul", "li",
            "details", "summary",
        ]
        #expect(tags.isSubset(of: allowed), "unexpected tags: \(tags.subtracting(allowed).sorted())")
        // Every attribute the reporter writes is one of its own; none carries an event handler or a URL.
        let attributes = Set(html.matches(of: /<[a-z0-9]+((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*>/).flatMap { match in
            String(match.output.1).matches(of: /\s+([a-z-]+)(?:="[^"]*")?/).map { String($0.output.1) }
        })
        #expect(attributes.isSubset(of: ["lang", "charset", "http-equiv", "content", "name", "class", "id", "open"]), "\(attributes)")
    }

    @Test("the JSON report is unchanged by image details: the contract's keys only")
    func jsonUnchanged() throws {
        let plain = try sampleReport(catalog: catalog, dockerfile: "Dockerfile", version: "1.0")
        var detailed = plain
        detailed.imageDetails = sampleImageDetails()
        #expect(JSONReporter().render(detailed) == JSONReporter().render(plain))
    }

    @Test("the rule-set digest names the rule files' contents, not their order")
    func ruleSetDigest() throws {
        let first = try #require(catalog.entries.first)
        let last = try #require(catalog.entries.last)
        let files = [(first.fileName, first.text), (last.fileName, last.text)]
        let forward = try RuleCatalog(files: files)
        let backward = try RuleCatalog(files: files.reversed())
        #expect(forward.digest == backward.digest)
        #expect(forward.digest.hasPrefix("sha256:") && forward.digest.count == 71)
        let changed = try RuleCatalog(files: [files[0], (last.fileName, files[1].1.replacingOccurrences(of: "Why", with: "Why, really,"))])
        #expect(changed.digest != forward.digest)
        #expect(try RuleCatalog.embedded().digest != forward.digest)
    }

    @Test("check --format html through the pipeline: packages, layers, start program and users come from the image")
    func pipeline() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var spec = InventoryImages.spec()
        spec.layers.insert(
            LayerSpec([
                .dir("etc"), .file("etc/passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nana:x:1000:1000::/home/ana:/bin/bash\n"),
                .dir("bin"), .file("bin/run-analysis", "#!/bin/sh\nexec true\n", mode: 0o755),
                .file("bin/sh", data: Data([0x7F, 0x45, 0x4C, 0x46] + [UInt8](repeating: 0, count: 60)), mode: 0o755),
            ], createdBy: "COPY run-analysis /bin/"), at: 0)
        spec.config = ContainerConfig(user: "ana", env: ["PATH=/bin"], cmd: ["run-analysis", "--fast"])
        let image = directory.appendingPathComponent("image.tar")
        try ImageBuilder.write(spec, layout: .dockerArchive, to: image)
        let output = directory.appendingPathComponent("report.html")
        let request = CheckRequest(image: image.path, format: .html, output: output.path, failOn: .never, noRun: true)
        let code = try CheckCore.run(request, workingDirectory: directory.path, standardOutputIsTerminal: false) { request, settings in
            try CheckAnalyzer.analyze(request, settings: settings)
        }
        #expect(code == 0)
        let html = try String(contentsOf: output, encoding: .utf8)
        for expected in [
            "<td><code>libc6</code></td><td><code>2.36-9+deb12u4</code></td><td>LGPL-2.1+</td>",
            "Julia packages: 2", "R packages: 1", "Alpine packages (apk): 2",
            "<code>/var/lib/rpm/rpmdb.sqlite</code> is present but was not read",
            "<pre>RUN julia -e &apos;using Pkg; Pkg.add(&quot;CSV&quot;)&apos;</pre>",
            "<td><code>/bin/run-analysis</code></td>", "<td><code>#!/bin/sh</code></td>",
            "<td>ana (uid 1000)</td>", "<td><code>ana</code></td><td class=\"number\">1000</td>",
            "<td><code>linux/amd64</code></td>", "The image was not run",
        ] {
            #expect(html.contains(expected), "missing: \(expected)")
        }
        // daemon has no login shell: a system account, left out.
        #expect(!html.contains("<code>daemon</code>"))
    }

    @Test("an image with thousands of packages and files gives a compact report with the long lists collapsed")
    func largeImage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("html-large-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let packageCount = 4_000
        var status = ""
        var entries: [EntrySpec] = [.dir("var"), .dir("var/lib"), .dir("var/lib/dpkg"), .dir("usr"), .dir("usr/share"), .dir("usr/share/doc")]
        for number in 0..<packageCount {
            status += "Package: lib\(number)\nStatus: install ok installed\nVersion: 1.\(number)-1\nDescription: library \(number)\n long text\n\n"
            entries.append(.dir("usr/share/doc/lib\(number)"))
            entries.append(.file("usr/share/doc/lib\(number)/copyright", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: \(number % 3 == 0 ? "MIT" : "GPL-2+")\n"))
            entries.append(.file("usr/share/doc/lib\(number)/changelog.gz", size: 64))
        }
        entries.append(.file("var/lib/dpkg/status", status))
        let site = "usr/lib/python3/dist-packages"
        entries += [.dir("usr/lib"), .dir("usr/lib/python3"), .dir(site)]
        for number in 0..<1_000 {
            entries.append(.dir("\(site)/pkg\(number)-0.\(number).dist-info"))
            entries.append(.file("\(site)/pkg\(number)-0.\(number).dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\(number)\nLicense-Expression: Apache-2.0\n\n"))
        }
        let image = directory.appendingPathComponent("image.tar")
        try ImageBuilder.write(ImageSpec(layers: [LayerSpec(entries, compression: .gzip)], config: ContainerConfig(cmd: ["/bin/true"])), layout: .dockerArchive, to: image)
        let output = directory.appendingPathComponent("report.html")
        let request = CheckRequest(image: image.path, format: .html, output: output.path, failOn: .never, noRun: true)
        _ = try CheckCore.run(request, workingDirectory: directory.path, standardOutputIsTerminal: false) { request, settings in
            try CheckAnalyzer.analyze(request, settings: settings)
        }
        let html = try String(contentsOf: output, encoding: .utf8)
        // About 100 bytes a package: the report lists every package yet stays small enough to mail and archive.
        #expect(html.utf8.count < 200 * (packageCount + 1_000), "\(html.utf8.count) bytes")
        #expect(html.contains("<details><summary>Debian packages (dpkg) (\(packageCount)), collapsed</summary>"))
        #expect(html.contains("<details><summary>Python distributions (1000), collapsed</summary>"))
        #expect(html.contains("Licences: GPL-2+ <span class=\"count\">(2666)</span>; MIT <span class=\"count\">(1334)</span>"))
        #expect(html.contains("<td><code>lib3999</code></td><td><code>1.3999-1</code></td><td>MIT</td>"))
        // The package database path is named once, not on every row.
        #expect(html.components(separatedBy: "/var/lib/dpkg/status").count == 2)
    }

    @Test(
        "the report renders in headless Chromium: the screenshot holds far more than a blank page",
        .enabled(if: HTMLReportTests.chromium() != nil, "chromium is not installed (Debian package `chromium`)"))
    func chromiumScreenshot() throws {
        let chromium = try #require(HTMLReportTests.chromium())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("html-shot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var report = try sampleReport(catalog: catalog, dockerfile: "Dockerfile", version: "1.0")
        report.imageDetails = sampleImageDetails(hostile: true)
        let page = directory.appendingPathComponent("report.html")
        try Data(render(report).utf8).write(to: page)
        let blank = directory.appendingPathComponent("blank.html")
        try Data("<!DOCTYPE html><html><body></body></html>".utf8).write(to: blank)

        let shot = try HTMLReportTests.screenshot(chromium, page, in: directory, name: "report.png")
        let empty = try HTMLReportTests.screenshot(chromium, blank, in: directory, name: "blank.png")
        for png in [shot, empty] {
            #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            // IHDR: width and height, big-endian, at bytes 16 and 20.
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 1200 && height == 1600)
        }
        // Text, tables and coloured badges compress far worse than a blank page.
        #expect(shot.count > 10 * empty.count, "report \(shot.count) bytes, blank \(empty.count) bytes")
    }

    @Test(
        "printing shows collapsed package lists in full, so a printed or PDF archive misses nothing",
        .enabled(if: HTMLReportTests.chromium() != nil, "chromium is not installed (Debian package `chromium`)"))
    func printExpandsCollapsedLists() throws {
        let chromium = try #require(HTMLReportTests.chromium())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("html-print-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var report = try sampleReport(catalog: catalog, dockerfile: "Dockerfile", version: "1.0")
        var details = sampleImageDetails()
        details.packages = PackageInventory(packages: [])
        report.imageDetails = details
        let without = try HTMLReportTests.printedPages(chromium, render(report), in: directory, name: "without")
        details.packages = PackageInventory(packages: (0..<300).map {
            InstalledPackage(ecosystem: .dpkg, name: "lib\($0)", version: "1.\($0)", licence: "MIT", path: "/var/lib/dpkg/status")
        })
        report.imageDetails = details
        let html = render(report)
        #expect(html.contains("(300), collapsed</summary>"))
        let with = try HTMLReportTests.printedPages(chromium, html, in: directory, name: "with")
        // 300 table rows fill several pages; a list left collapsed in print would add about one line.
        #expect(with >= without + 4, "\(with) pages with the packages, \(without) without")
    }

    /// Prints a page to PDF and counts its pages (Chromium writes one `/Type /Page` object per page).
    static func printedPages(_ chromium: String, _ html: String, in directory: URL, name: String) throws -> Int {
        let page = directory.appendingPathComponent("\(name).html")
        try Data(html.utf8).write(to: page)
        let pdf = directory.appendingPathComponent("\(name).pdf")
        try runChromium(chromium, ["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", page.absoluteString], profile: directory.appendingPathComponent("profile-\(name)"))
        let text = String(decoding: try Data(contentsOf: pdf), as: UTF8.self)
        return text.matches(of: /\/Type\s*\/Page[^s]/).count
    }

    static func chromium() -> String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func screenshot(_ chromium: String, _ page: URL, in directory: URL, name: String) throws -> Data {
        let output = directory.appendingPathComponent(name)
        try runChromium(
            chromium, ["--hide-scrollbars", "--window-size=1200,1600", "--screenshot=\(output.path)", page.absoluteString],
            profile: directory.appendingPathComponent("profile-\(name)"))
        return try Data(contentsOf: output)
    }

    static func runChromium(_ chromium: String, _ arguments: [String], profile: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        // Root in CI cannot use Chromium's sandbox; the page is our own file and loads nothing.
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "chromium exited \(process.terminationStatus)")
    }
}
