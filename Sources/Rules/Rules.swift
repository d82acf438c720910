import Facts
import Sandbox

/// Namespace for the rule engine.
public enum RulesKit {}
