"""The ``credit-rules`` command line."""
