"""Explanations: which rule, which facts with which values, which article, in zh and en."""
