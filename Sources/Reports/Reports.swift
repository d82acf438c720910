import Rules

/// Namespace for reporters.
public enum ReportsKit {}
