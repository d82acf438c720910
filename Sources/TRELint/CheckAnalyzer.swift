import Foundation
import DockerfileKit
import Facts
public import ImageKit
import Rules
import Reports
import Sandbox

/// The image → violations step of `check` and `run`: reads the image once, gathers the facts, runs every enabled
/// static check, and runs the sandbox unless told not to.
public enum CheckAnalyzer {
    /// Reads the image and the Dockerfile, runs every enabled rule check and the sandbox, and returns what they found;
    /// `progress` is told how reading, extraction and the run go.
    public static func analyze(
        _ request: CheckRequest, settings: CheckSettings, progress: (any ProgressHandler)? = nil
    ) throws -> CheckAnalysis {
        let reference = try ImageReference(parsing: request.image)
        let readOptions = ImageReadOptions(progress: progress)

        var violations: [Violation] = []
        var suppressions: [InlineSuppression] = []
        var details: ImageDetails?
        let image: Image
        if request.staticChecks {
            // The collector sees small files during the loader's single pass, so secrets and start-up code cost no second read.
            let collector = FactsCollector()
            image = try ImageLoader.load(reference, options: readOptions, observers: [collector])
            let dockerfile = try request.dockerfile.map { try Dockerfile.parse(contentsOf: URL(fileURLWithPath: $0)) }
            let (facts, found) = try staticChecks(
                of: image, collector: collector, dockerfile: dockerfile, dockerfilePath: request.dockerfile, settings: settings)
            if request.format == .html { details = ImageDetails(image: image, facts: facts) }
            violations = found
            suppressions = (dockerfile?.instructions ?? []).flatMap { instruction in
                instruction.suppressions.map {
                    InlineSuppression(
                        ruleIDs: $0.rules, startLine: instruction.startLine, endLine: instruction.endLine, path: request.dockerfile)
                }
            }
        } else {
            image = try ImageLoader.load(reference, options: readOptions)
        }

        var run: SandboxReport?
        if !request.noRun {
            var sandbox = SandboxRequest(
                image: SandboxImage(image, progress: progress), settings: settings.configuration.run, mounts: settings.configuration.mounts,
                optFile: request.runExtras.optFile.map { URL(fileURLWithPath: $0) })
            sandbox.keepOutputs = request.runExtras.keepOutputs.map { URL(fileURLWithPath: $0) }
            sandbox.safeDataWritable = request.runExtras.safeDataWritable
            sandbox.gpu = request.runExtras.gpu
            if let cores = request.runExtras.cores { sandbox.limits.cores = cores }
            sandbox.progress = progress
            let outcome = try SandboxRunner.run(sandbox)
            violations += outcome.violations.map(Violation.init)
            run = outcome.report
        }
        return CheckAnalysis(
            image: ImageIdentity(reference: request.image, manifestDigest: image.manifestDigest, configDigest: image.configDigest),
            violations: violations, suppressions: suppressions, run: run, imageDetails: details)
    }

    /// The facts of an image already read with `collector` among its observers, and what the enabled static checks find in them.
    static func staticChecks(
        of image: Image, collector: FactsCollector, dockerfile: Dockerfile?, dockerfilePath: String?, settings: CheckSettings
    ) throws -> (facts: ImageFacts, violations: [Violation]) {
        let engine = RuleEngine(catalog: settings.catalog, configuration: settings.configuration)
        let facts = try FactsGatherer(mounts: settings.configuration.mounts).gather(
            FactsInput(image: image, dockerfile: dockerfile, dockerfilePath: dockerfilePath), collector: collector)
        let violations = engine.violations(
            from: StaticChecks.registry, context: StaticCheckContext(facts: facts, configuration: settings.configuration))
        return (facts, violations)
    }
}
