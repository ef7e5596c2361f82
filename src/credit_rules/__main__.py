"""``python -m credit_rules``: the same command line as ``credit-rules``, for environments
where the script is not on the PATH."""

from credit_rules.cli.entry import main

raise SystemExit(main())
