import Foundation
import PackagePlugin

/// Embeds every `rules/*.yaml` into the target as Swift source, so the tool needs no files beside its binary.
@main
struct RuleCatalogPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let rulesDirectory = context.package.directoryURL.appending(path: "rules")
        let ruleFiles = try FileManager.default
            .contentsOfDirectory(at: rulesDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedRuleFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(ruleFiles.count) rule files from rules/",
                executable: try context.tool(named: "RuleCatalogGenerator").url,
                arguments: [rulesDirectory.path, output.path],
                // The directory itself is an input so that adding or removing a file re-runs the generator,
                // which lists the directory again rather than trusting this list.
                inputFiles: [rulesDirectory] + ruleFiles,
                outputFiles: [output]
            )
        ]
    }
}
