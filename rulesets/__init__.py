"""The bundled rulesets, shipped inside the package as ``credit_rules._rulesets``."""
