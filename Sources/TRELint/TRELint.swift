import ImageKit
import DockerfileKit
import Facts
import Sandbox
import Rules
import Reports

/// The version tre-lint reports about itself.
public enum TRELintVersion {
    public static let current = "0.1.0"
}
