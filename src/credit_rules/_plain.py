"""Plain-text stand-ins for the few parts of rich that credit_rules prints with.

rich is the ``[cli]`` extra: colour, boxed tables and progress bars for a person at a terminal.
Without it the command line and :func:`credit_rules.explain.render_text` still print every
line they would print with rich, as plain text, the way rich prints when the output is piped:
no colour, no spinner, no progress bar, and no line ever wrapped. Tables become aligned
columns under a dashed rule. Only the constructor arguments and methods that credit_rules uses
are here; styles are accepted and dropped.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

# What each class accepts as something to print.
Renderable = Any


class Text:
    """A string that rich would style; here only its characters are kept."""

    def __init__(self, text: str = "", style: str | None = None, **_: Any) -> None:
        self.plain = text

    @classmethod
    def assemble(cls, *parts: str | Text | tuple[str, str]) -> Text:
        pieces = []
        for part in parts:
            if isinstance(part, tuple):
                pieces.append(part[0])
            else:
                pieces.append(str(part))
        return cls("".join(pieces))

    def append(self, text: str | Text, style: str | None = None) -> Text:
        self.plain += str(text)
        return self

    def __str__(self) -> str:
        return self.plain


class Table:
    """Columns aligned by display width (a Chinese character takes two), one rule under the
    headers; a cell with several lines makes its row that many lines high."""

    def __init__(self, *, title: str | None = None, show_header: bool = True, **_: Any) -> None:
        self.title = title
        self.show_header = show_header
        self.headers: list[str] = []
        self.right: list[bool] = []
        self.rows: list[list[str]] = []

    def add_column(self, header: str = "", *, justify: str = "left", **_: Any) -> None:
        self.headers.append(header)
        self.right.append(justify == "right")

    def add_row(self, *cells: Renderable, **_: Any) -> None:
        self.rows.append([render(cell) for cell in cells])

    def lines(self) -> list[str]:
        grid = ([self.headers] if self.show_header else []) + self.rows
        widths = [
            max((_width(line) for row in grid for line in row[i].split("\n")), default=0)
            for i in range(len(self.headers))
        ]
        out = [self.title] if self.title else []
        for index, row in enumerate(grid):
            cells = [cell.split("\n") for cell in row]
            for depth in range(max((len(c) for c in cells), default=1)):
                parts = []
                for column, cell in enumerate(cells):
                    text = cell[depth] if depth < len(cell) else ""
                    pad = " " * (widths[column] - _width(text))
                    parts.append(pad + text if self.right[column] else text + pad)
                out.append("  ".join(parts).rstrip())
            if index == 0 and self.show_header:
                out.append("  ".join("-" * width for width in widths))
        return out


class Tree:
    """A label with indented children, guided the way rich guides them."""

    def __init__(self, label: Renderable, **_: Any) -> None:
        self.label = label
        self.children: list[Tree] = []

    def add(self, label: Renderable, **_: Any) -> Tree:
        child = Tree(label)
        self.children.append(child)
        return child

    def lines(self) -> list[str]:
        out = render(self.label).split("\n")
        for index, child in enumerate(self.children):
            last = index == len(self.children) - 1
            first, rest = ("└── ", "    ") if last else ("├── ", "│   ")
            for depth, line in enumerate(child.lines()):
                out.append((first if depth == 0 else rest) + line)
        return out


class Padding:
    """Its content moved right by the left padding; the other sides are dropped."""

    def __init__(self, renderable: Renderable, pad: tuple[int, int, int, int], **_: Any) -> None:
        self.renderable = renderable
        self.left = pad[3]

    def lines(self) -> list[str]:
        return [" " * self.left + line for line in render(self.renderable).split("\n")]


class Console:
    """Writes plain lines to stdout or stderr, looked up when it prints (so that a redirected
    or captured stream is honoured). It behaves as rich's console does on a pipe."""

    #: Without rich there is no live display, so nothing asks for spinners or bars.
    is_terminal = False

    def __init__(
        self, *, file: IO[str] | None = None, stderr: bool = False, width: int = 80, **_: Any
    ) -> None:
        self._file = file
        self._stderr = stderr
        self.width = width  # kept for callers that set it; plain lines are never wrapped

    @property
    def file(self) -> IO[str]:
        if self._file is not None:
            return self._file
        return sys.stderr if self._stderr else sys.stdout

    def print(self, *objects: Renderable, **_: Any) -> None:
        self.file.write(" ".join(render(o) for o in objects) + "\n")

    @contextmanager
    def status(self, message: str, **_: Any) -> Iterator[_Status]:
        yield _Status()


class _Status:
    def update(self, message: str) -> None:
        """A status line is a live display; plain output has none."""


def render(renderable: Renderable) -> str:
    """The plain text of anything the stand-ins (or a caller) hand to ``print``."""
    lines = getattr(renderable, "lines", None)
    if callable(lines):
        return "\n".join(lines())
    return str(renderable)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
