// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "tre-lint",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tre-lint", targets: ["TRELintCLI"]),
        .library(name: "TRELint", targets: ["TRELint"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // libarchive, as the system provides it.
        .systemLibrary(
            name: "CLibArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"]), .brew(["libarchive"])]
        ),
        // What every layer shares: the TRE's mount points, finding locations, configuration value errors, program search.
        .target(name: "TRECore", swiftSettings: strict),
        // Reading exported images: archives, OCI/Docker models, digests, merged tree, safe extraction.
        .target(
            name: "ImageKit",
            dependencies: ["TRECore", "CLibArchive", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // BuildKit-exact Dockerfile parsing, stages, shell words, history → Dockerfile.
        .target(name: "DockerfileKit", swiftSettings: strict),
        // What the rules need, computed once from image and Dockerfile.
        .target(name: "Facts", dependencies: ["TRECore", "ImageKit", "DockerfileKit"], swiftSettings: strict),
        // Running the image as the TRE would and observing it.
        .target(name: "Sandbox", dependencies: ["TRECore", "ImageKit"], swiftSettings: strict),
        // The rule catalog (embedded from rules/), configuration and the rule engine.
        .target(
            name: "Rules",
            dependencies: ["TRECore", "Facts", "Sandbox", "Yams", .product(name: "Crypto", package: "swift-crypto")],
            // RuleFiles is a symlink to rules/: its YAML files feed RuleCatalogPlugin, which embeds them.
            exclude: ["RuleFiles/README.md"],
            swiftSettings: strict,
            plugins: ["RuleCatalogPlugin"]
        ),
        // Turns rules/*.yaml into Swift source at build time, so the binary carries its catalog.
        .executableTarget(name: "RuleCatalogGenerator", swiftSettings: strict),
        .plugin(name: "RuleCatalogPlugin", capability: .buildTool(), dependencies: ["RuleCatalogGenerator"]),
        // Reporters: tty, json, sarif, junit, github, markdown, html.
        .target(name: "Reports", dependencies: ["TRECore", "Facts", "Rules", "Sandbox"], swiftSettings: strict),
        // The core entry points the CLI calls: check, inspect, run, parse.
        .target(
            name: "TRELint",
            dependencies: ["TRECore", "ImageKit", "DockerfileKit", "Facts", "Sandbox", "Rules", "Reports"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "TRELintCLI",
            dependencies: ["TRELint", "TRECore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        // Builds docker-archive / OCI image tarballs from a declarative description, for tests and fixtures.
        .target(name: "TestSupport", dependencies: ["CLibArchive", "ImageKit"], swiftSettings: strict),
        .testTarget(name: "ImageKitTests", dependencies: ["ImageKit", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "DockerfileKitTests", dependencies: ["DockerfileKit"], exclude: ["Corpus"], swiftSettings: strict),
        .testTarget(name: "SandboxTests", dependencies: ["TRECore", "Sandbox", "TestSupport", "Yams"], swiftSettings: strict),
        .testTarget(
            name: "RulesTests",
            dependencies: ["TRECore", "Rules", "Reports", "TRELint", "TestSupport"],
            exclude: ["Fixtures", "Golden"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "TRELint", "TRELintCLI", "DockerfileKit", "Reports", "Rules", "Sandbox", "TestSupport", "Yams",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
    ]
)
