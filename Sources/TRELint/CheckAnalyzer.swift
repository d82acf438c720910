/// The image → violations step of `check`: where the coordinator joins the image reader, the facts, the rule checks and
/// the sandbox (branches image, facts, sandbox) to the engine; until then `check` says plainly that it cannot read images.
public enum CheckAnalyzer {
    /// Reads the image and the Dockerfile, runs every enabled rule check and the sandbox, and returns what they found.
    public static func analyze(_ request: CheckRequest, settings: CheckSettings) throws -> CheckAnalysis {
        throw CheckAnalyzerUnavailable(image: request.image)
    }
}

/// This build has no image reader joined to the rule engine yet.
public struct CheckAnalyzerUnavailable: Error, CustomStringConvertible {
    public var image: String
    public var description: String { "cannot check \(image): this build of tre-lint has no image reader joined to the rule engine" }
}
