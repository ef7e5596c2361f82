"""Where the commands write for people: rich consoles, and a progress bar for long runs.

Rich decides colour per stream: colour on a terminal, none under ``NO_COLOR`` (no-color.org).
Output that is piped or redirected (``credit-rules evaluate x.yaml > out.txt``) is printed by
the plain stand-ins of :mod:`credit_rules._plain` whether rich is installed or not: rich would
draw its boxed tables 80 columns wide there, wrapping headers and cutting a long cell short
with "…", and a file or a program reading the output would lose what was cut. Automatic
highlighting (numbers, dates) is off: the commands style what matters themselves, and a date
coloured at random reads as emphasis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from credit_rules import _plain
from credit_rules._console import RICH, Console, Padding, Table, Text, Tree

if RICH:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )


class PipeAwareConsole(Console):
    """rich's console on a terminal; on a pipe or a file, every line as the plain stand-ins
    print it (aligned columns, nothing wrapped or cut). Whether the stream is a terminal is
    asked when each line is printed, so a stream redirected later (pytest's capsys) is
    honoured."""

    def print(self, *objects: Any, **options: Any) -> None:
        if self.is_terminal:
            super().print(*objects, **options)
            return
        file = self.file
        file.write(" ".join(_plain.render(plain(item)) for item in objects) + "\n")


def plain(item: Any) -> Any:
    """``item`` (a string, or one of rich's Text, Table, Tree and Padding) as the plain
    stand-in that prints the same words. Without rich they are the stand-ins already."""
    if not RICH:
        return item
    if isinstance(item, Text):
        return item.plain
    if isinstance(item, Table):
        table = _plain.Table(
            title=None if item.title is None else str(plain(item.title)),
            show_header=item.show_header,
        )
        for column in item.columns:
            table.add_column(str(plain(column.header)), justify=column.justify)
        for row in zip(*(list(column.cells) for column in item.columns), strict=True):
            table.add_row(*(_plain.render(plain(cell)) for cell in row))
        return table
    if isinstance(item, Tree):
        tree = _plain.Tree(_plain.render(plain(item.label)))
        tree.children = [plain(child) for child in item.children]
        return tree
    if isinstance(item, Padding):
        return _plain.Padding(_plain.render(plain(item.renderable)), (0, 0, 0, item.left))
    return item


def stdout_console() -> Console:
    """The console for results. It looks up ``sys.stdout`` when it prints, so a redirected
    or captured stdout (pytest's capsys) is honoured."""
    return PipeAwareConsole(highlight=False)


def stderr_console() -> Console:
    """The console for progress and notes, kept apart so that piped results stay clean."""
    return PipeAwareConsole(stderr=True, highlight=False)


@contextmanager
def progress_bar(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """A bar on stderr while a long run advances; nothing at all when stderr is not a
    terminal, so logs and CI output are not filled with redraws, or without rich."""
    console = stderr_console()
    if not RICH or not console.is_terminal or total <= 0:
        yield lambda _: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda advance: progress.advance(task, advance)
