"""Typed inputs (subjects, events) and outputs (evaluations) of the engine."""
