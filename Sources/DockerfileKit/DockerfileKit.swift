/// Namespace for BuildKit-compatible Dockerfile parsing.
public enum DockerfileKit {}
