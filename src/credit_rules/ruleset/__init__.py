"""Ruleset files: reading YAML with line numbers, the schema, the expression language, the IR."""
