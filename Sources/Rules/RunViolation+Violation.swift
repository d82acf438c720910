import TRECore
public import Sandbox

extension Violation {
    /// A sandbox observation as a violation located in the run, under the profile it concerns.
    public init(_ run: RunViolation) {
        var message = run.message
        // The evidence is what the user needs to act on; add it unless the sandbox's message already lists it.
        let unlisted = run.evidence.filter { !message.contains($0) }
        if !unlisted.isEmpty {
            message += " (\(unlisted.joined(separator: ", ")))"
        }
        self.init(rule: run.rule, message: message, location: Location(kind: .run, path: run.profile))
    }
}
