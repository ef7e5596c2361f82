"""Support for testing regulations: hypothesis strategies, scenario expectations, invariants.

This package is public API: suites outside this project import it, for example
``from credit_rules.testing import strategies as crs``.
"""
