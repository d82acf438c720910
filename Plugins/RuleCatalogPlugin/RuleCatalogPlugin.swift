import Foundation
import PackagePlugin

/// Embeds every `rules/*.yaml` into the target as Swift source, so the tool needs no files beside its binary.
@main
struct RuleCatalogPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let rulesDirectory = context.package.directoryURL.appending(path: "rules")
        // The target reaches rules/ through the RuleFiles symlink, so SwiftPM lists the rule files as the target's own:
        // adding, removing or editing one re-plans the build and re-runs the generator.
        let ruleFiles = (target.sourceModule?.sourceFiles.map(\.url) ?? [])
            .filter { $0.pathExtension == "yaml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedRuleFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(ruleFiles.count) rule files from rules/",
                executable: try context.tool(named: "RuleCatalogGenerator").url,
                arguments: [rulesDirectory.path, output.path],
                inputFiles: ruleFiles,
                outputFiles: [output]
            )
        ]
    }
}
