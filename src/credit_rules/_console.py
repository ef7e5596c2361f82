"""What credit_rules prints with: rich when the ``[cli]`` extra is installed, plain text if not.

rich gives a person at a terminal colour, boxed tables and progress bars; nothing in the
output depends on it. A service that installs credit_rules without the extra still gets a
working ``credit-rules`` command and :func:`credit_rules.explain.render_text`, printing the same
lines as plain text (see :mod:`credit_rules._plain`). Type checking always sees rich's classes,
which the stand-ins mirror.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

#: Whether rich is installed, and so whether colour, tables and progress bars are available.
RICH: bool

if TYPE_CHECKING:
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text
    from rich.tree import Tree

    RICH = True
else:
    try:
        from rich.console import Console
        from rich.padding import Padding
        from rich.table import Table
        from rich.text import Text
        from rich.tree import Tree

        RICH = True
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] != "rich":
            raise
        from credit_rules._plain import Console, Padding, Table, Text, Tree

        RICH = False

__all__ = ["RICH", "Console", "Padding", "Table", "Text", "Tree"]
