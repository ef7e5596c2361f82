"""One module per ``credit-rules`` subcommand.

Each module defines ``register(subparsers)``, which adds its parser and sets ``run`` as the
default ``func``. :mod:`credit_rules.cli.main` finds the modules here, so a new command is a new
file and nothing else.
"""
