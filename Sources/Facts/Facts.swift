import ImageKit
import DockerfileKit

/// Namespace for the facts rules stand on.
public enum FactsKit {}
