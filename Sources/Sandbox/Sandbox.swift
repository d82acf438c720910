import ImageKit

/// Namespace for the sandbox run.
public enum SandboxKit {}
