"""Evaluation: compile a ruleset once, then derive facts and decisions for each subject."""
