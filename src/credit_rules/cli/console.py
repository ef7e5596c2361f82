"""Where the commands write for people: rich consoles, and a progress bar for long runs.

Rich decides colour per stream: colour on a terminal, none under ``NO_COLOR`` (no-color.org),
and no escape codes at all when the output is piped or redirected, so ``credit-rules evaluate
x.yaml > out.txt`` gives plain text. Automatic highlighting (numbers, dates) is off: the
commands style what matters themselves, and a date coloured at random reads as emphasis.
Without the ``[cli]`` extra the consoles are plain ones that print as rich does on a pipe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from credit_rules._console import RICH, Console

if RICH:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )


def stdout_console() -> Console:
    """The console for results. It looks up ``sys.stdout`` when it prints, so a redirected
    or captured stdout (pytest's capsys) is honoured."""
    return Console(highlight=False)


def stderr_console() -> Console:
    """The console for progress and notes, kept apart so that piped results stay clean."""
    return Console(stderr=True, highlight=False)


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
