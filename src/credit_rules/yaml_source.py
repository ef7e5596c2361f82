"""Safe YAML reading that remembers where every value came from.

Only the safe loader is used, so no tag can build a Python object. Each value's path (like
``("rules", 3, "when")``) is mapped to its line and column, so schema errors found later can
point at the exact place in the file. Duplicate mapping keys, which plain YAML silently
collapses, are errors here.

It sits at the bottom of the package, beside :mod:`credit_rules.errors`, because files of every
layer are read with it: calendar overlays, rulesets and scenarios.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from credit_rules.errors import Problem, ScenarioError, why_not_a_date
from credit_rules.i18n import N_, Message
from credit_rules.limits import DEFAULT_LIMITS, Limits, check_bytes, too_large

Path = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each path of a YAML document starts (1-based line and column)."""

    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    #: How a path of the checked document is written in the file, where the two differ: a
    #: layer's entry ``rules[0]`` is ``rules[8]`` once laid over its base's eight rules, and
    #: a problem must name the place the writer can find (by prefix, longest first).
    written_as: dict[Path, Path] = field(default_factory=dict)
    #: Entries that are not in this file at all but in the ruleset a layer extends, with the
    #: words that say so: a problem in one (a base rule reading a fact the layer changed) is
    #: named there, not at the nearest line of the layer, which has nothing to do with it.
    inherited: dict[Path, Message] = field(default_factory=dict)

    def field(self, path: Path) -> str:
        """``path`` as written in the file, formatted as a problem names a field."""
        for cut in range(len(path), 0, -1):
            written = self.written_as.get(tuple(path[:cut]))
            if written is not None:
                return format_path((*written, *path[cut:]))
        return format_path(path)

    def locate(self, path: Path) -> tuple[int | None, int | None]:
        """The position of ``path``, or of its nearest ancestor that the file has."""
        for cut in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:cut]))
            if found is not None:
                return found
        return None, None

    def problem(self, path: Path, message: str) -> Problem:
        if len(path) >= 2:
            where = self.inherited.get(tuple(path[:2]))
            if where is not None:
                return Problem(
                    Message("{message}{where}", message=message, where=where), self.field(path)
                )
        line, column = self.locate(path)
        return Problem(message, field=self.field(path), line=line, column=column)


def plain(value: Any) -> str:
    """A value from a YAML file written back as YAML would write it (a date as 2009-05-20,
    text as itself, a mapping inline), never as a Python repr; cut short when long, and never
    an error of its own (an integer over Python's 4,300-digit limit cannot be printed)."""
    try:
        text = _plain(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__} too large to print"
    except yaml.YAMLError:
        # A value YAML has no form for (a Decimal, a time of day, an object): its own text.
        try:
            text = str(value)
        except Exception:
            return f"a {type(value).__name__}"
    if not text.isascii():
        # A lone surrogate (text no UTF-8 encoder takes) written as its escape, so that the
        # message naming it can itself be printed and logged.
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 120 else text[:119] + "…"


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000).strip()


def format_path(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class YamlSyntaxError(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.message)


class _Loader(yaml.SafeLoader):
    """The safe loader, with YAML 1.1's surprise booleans turned off.

    Plain YAML reads ``on``, ``off``, ``yes``, ``no`` (and ``y``/``n``) as booleans, so a key
    ``on:`` or a value ``no`` silently becomes True or False. Here only ``true`` and ``false``
    are booleans; everything else stays the text the analyst wrote.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

# libyaml's parser reads a ruleset about eight times faster than the pure-Python one and its
# nodes carry the same line and column marks, so the source map is identical. Resolving tags
# stays in Python (the resolver table above), so both read the same values. Its error messages
# are terser and its marks for an unclosed bracket point past the end, so a document it refuses
# is read again by the pure-Python loader, whose message is the one shown: broken files are rare
# and small, and a message must not depend on whether libyaml happened to be installed.
_FastLoader: type[yaml.SafeLoader] = _Loader
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

    _FastLoader = _CLoader  # type: ignore[assignment]


def read_yaml(
    text: str, limits: Limits = DEFAULT_LIMITS, source: str | None = None
) -> tuple[Any, SourceMap]:
    """Parse one YAML document safely, returning plain data and its source map.

    The event stream is scanned against ``limits`` first (see :mod:`credit_rules.limits`), so a
    billion-laughs document or one nested 100,000 deep is refused before any node is built and
    before anything recursive runs on it. Raises :class:`YamlSyntaxError` or
    :class:`~credit_rules.errors.LimitExceeded` (naming ``source``)."""
    if len(text) > limits.max_bytes:
        check_bytes(len(text), limits, source)
    if _FastLoader is not _Loader:
        try:
            _scan(_FastLoader, text, limits, source)
            return _read(_FastLoader, text)
        except yaml.MarkedYAMLError as error:
            # libyaml refuses nesting past its own limit while scanning ahead, before the
            # scan sees a deep event; the pure-Python scanner would take seconds to say so.
            deep = error.problem_mark
            if "maximum nesting depth" in str(error.problem) and deep is not None:
                raise too_large(
                    source,
                    "max_depth",
                    limits.max_depth + 1,
                    limits.max_depth,
                    "the nesting",
                    line=deep.line + 1,
                    column=deep.column + 1,
                ) from None
        except yaml.YAMLError:
            pass  # read again below, for the pure-Python loader's message and position
    try:
        _scan(_Loader, text, limits, source)
        return _read(_Loader, text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        wide = _full_width_colon(text, line) or _unclosed_quote(text, line)
        if wide is not None:
            raise YamlSyntaxError(wide) from None
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        problem = Problem(
            Message(
                "not valid YAML: {plain_words}{enclosing}",
                plain_words=_plain_words(message),
                enclosing=_enclosing(text, line),
            ),
            line=line,
            column=column,
        )
        raise YamlSyntaxError(problem) from None
    except yaml.reader.ReaderError as error:
        # A control character or a byte that is no character: its position is in characters.
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        found = f"U+{error.character:04X}" if isinstance(error.character, int) else "a byte"
        problem = Problem(
            Message(
                "not valid YAML: the character {found} is not allowed (control "
                "characters and unpaired surrogates cannot appear in a YAML file)",
                found=found,
            ),
            line=line,
            column=column,
        )
        raise YamlSyntaxError(problem) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(Problem(Message("not valid YAML: {error}", error=error))) from None


#: What the YAML parser's own words mean for a person editing the file.
_SYNTAX = (
    (
        "expected <block end>",
        N_(
            "the indentation is off: this line is indented differently from the lines it "
            "belongs with (indent every entry of a list or mapping by the same spaces)"
        ),
    ),
    (
        "mapping values are not allowed here",
        N_(
            "a ':' where a value was expected: this line is perhaps indented more than the key "
            "above it (indent every entry of a mapping by the same spaces); else add a space "
            "after the colon of the key before, or put text that contains ': ' in quotes"
        ),
    ),
    (
        "could not find expected ':'",
        N_(
            "a line that is not 'key: value' inside a mapping (check the indentation and the colon)"
        ),
    ),
    ("found character '\\t'", N_("a tab: YAML is indented with spaces only")),
    ("found unexpected end of stream", N_("a quote or bracket is opened and never closed")),
    (
        "did not find expected ',' or ']'",
        N_("a list in [ ] is not closed, or its items are not separated by commas"),
    ),
    (
        "did not find expected ',' or '}'",
        N_("a mapping in { } is not closed, or its entries are not separated by commas"),
    ),
    (
        "did not find expected key",
        N_("the indentation is off, or a list item ('- ') is where a key was expected"),
    ),
    ("found duplicate anchor", N_("an anchor (&name) is defined twice")),
    (
        "expected ',' or ']'",
        N_("a list in [ ] is not closed, or its items are not separated by commas"),
    ),
    (
        "expected ',' or '}'",
        N_("a mapping in { } is not closed, or its entries are not separated by commas"),
    ),
    ("found undefined alias", N_("an alias (*name) names no anchor (&name) defined before it")),
    (
        "expected a single document",
        N_("more than one YAML document ('---' starts another); a file holds one"),
    ),
    ("found unhashable key", N_("a key that is a list or a mapping; a key is a plain name")),
    (
        "found unknown escape character",
        N_(
            "an unknown escape (a backslash) inside double quotes; use single quotes, or write "
            "the backslash twice"
        ),
    ),
    ("found duplicate YAML directive", N_("the %YAML directive is given twice")),
)
#: PyYAML's words for a character no value can start with, and the character.
_CANNOT_START = re.compile(r"found character '(?P<char>.+?)' that cannot start any token")

_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[^\s#:'\"{}\[\],-][^:#{}\[\]]*?):(\s|$)")


def _plain_words(message: str) -> str:
    # The parser's particular cases first (a tab is one), then its general one.
    for words, plain_text in _SYNTAX:
        if words in message:
            return Message(plain_text)
    character = _CANNOT_START.search(message)
    if character is not None:
        return Message(
            "the character {char!r} cannot start a value here; put the value in quotes",
            char=character.group("char"),
        )
    return Message.raw(message)


#: A name as a key of a ruleset or scenario writes it.
_NAME = r"[A-Za-z_][\w-]*"
#: A name, then a full-width colon (``article：9``), as a Chinese keyboard gives it.
_NAME_WIDE_COLON = _NAME + r"\s*(?P<colon>：)"
#: A key typed with a full-width colon (``value： 5 years``) at the start of a line.
_WIDE_KEY = re.compile(r"^(\s*(?:-\s+)?)" + _NAME_WIDE_COLON)


def _full_width_colon(text: str, line: int | None) -> Problem | None:
    """The problem a parser error stands for if the line it names, or the one before (the
    parser notices one line late), is a key followed by a full-width colon: YAML sees no
    key there at all, and its own words say nothing of the character. A ``：`` inside text
    (a Chinese description) is left alone."""
    if line is None:
        return None
    lines = text.splitlines()
    for number in (line - 1, line):
        if 0 < number <= len(lines):
            found = _WIDE_KEY.match(lines[number - 1])
            if found is not None:
                typed = lines[number - 1][found.end(1) :].split(" #")[0].strip()
                return Problem(
                    wide_colon_key(typed)
                    or Message(
                        "not valid YAML: '：' is a full-width colon; a key needs ':' and a space"
                    ),
                    line=number,
                    column=found.start("colon") + 1,
                )
    return None


#: A key and a value joined by a full-width colon inside braces (``{article：9}``): YAML
#: reads one key, ``article：9``, with no value.
_WIDE_IN_KEY = re.compile(_NAME_WIDE_COLON)


def wide_colon_key(typed: str) -> Message | None:
    """What to say of text that is a name, a full-width colon and more (``article：15``): a
    key and its value the writer joined with the wrong colon, and how to write them. None for
    any other text (a Chinese description with a ``：`` in it starts with no name)."""
    found = _WIDE_IN_KEY.match(typed)
    if found is None:
        return None
    name, rest = typed[: found.start("colon")].rstrip(), typed[found.end("colon") :].strip()
    return Message(
        "not valid YAML: '：' in {key!r} is a full-width colon; a key needs ':' and a "
        "space ({fixed!r})",
        key=typed,
        fixed=name + ": " + rest,
    )


def _check_key_colon(key_node: yaml.Node, path: Path) -> None:
    """Refuse a plain key that is a name, a full-width colon and more: one mistake, said once
    and where it is, instead of a missing field, an unknown key and whatever else follows
    from a mapping that lost its field. A quoted key is what the writer meant."""
    if not isinstance(key_node, yaml.ScalarNode) or key_node.style:  # None, or "" (libyaml)
        return
    key = str(key_node.value)
    message = wide_colon_key(key)
    if message is None:
        return
    raise YamlSyntaxError(
        Problem(
            message,
            field=format_path(path),
            line=key_node.start_mark.line + 1,
            column=key_node.start_mark.column + key.index("：") + 1,
        )
    )


#: A value that opens a quote (``key: "text``, ``- 'text``), and the rest of its line.
_QUOTE_OPENED = re.compile(
    r"^\s*(?:-\s+)?(?:" + _NAME + r"""\s*:\s+)?(?P<quote>["'])(?P<rest>.*)$"""
)
#: A line that starts an entry of its own: a key, or an item of a list.
_ENTRY = re.compile(r"^\s*(?:-\s|" + _NAME + r":(?:\s|$))")


def _unclosed_quote(text: str, line: int | None) -> Problem | None:
    """The problem a parser error stands for if a quote opened on an earlier line is never
    closed on it: YAML lets a quoted value run over many lines, so it reads on to the next
    quote, perhaps in a description far below, and fails there with words about indentation.
    A quote counts as left open only if the next line starts an entry of its own (a key or a
    list item), which the rest of a quoted value spread over lines does not."""
    if line is None:
        return None
    lines = text.splitlines()
    for number in range(1, min(line, len(lines))):
        found = _QUOTE_OPENED.match(lines[number - 1])
        if found is None or not _ENTRY.match(lines[number]):
            continue
        quote, rest = found.group("quote"), found.group("rest")
        closed = rest.replace("''", "") if quote == "'" else re.sub(r"\\.", "", rest)
        if quote not in closed:
            return Problem(
                Message(
                    "not valid YAML: the quote {quote} opened here is not closed on its line; "
                    "YAML read on into the lines below and failed at line {line}",
                    quote=quote,
                    line=line,
                ),
                line=number,
                column=found.start("quote") + 1,
            )
    return None


def not_utf8(raw: bytes, error: UnicodeDecodeError) -> Problem:
    """A file that is not UTF-8, located at the first byte that is not: an editor that
    saved in GBK changes one line, and that line is the one to look at."""
    line_start = raw.rfind(b"\n", 0, error.start) + 1
    return Problem(
        Message("the file is not UTF-8 ({reason})", reason=error.reason),
        line=raw.count(b"\n", 0, error.start) + 1,
        column=error.start - line_start + 1,
    )


def _enclosing(text: str, line: int | None) -> str:
    """`` (under 'events')``: the key of the block the bad line sits in, found as the nearest
    earlier line indented less, so the message names the field as well as the line."""
    if line is None:
        return ""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return ""
    here = lines[line - 1]
    indent = len(here) - len(here.lstrip())
    for previous in reversed(lines[: line - 1]):
        if not previous.strip() or previous.lstrip().startswith("#"):
            continue
        match = _KEY_LINE.match(previous)
        # A list item's own keys are the item's fields; the block is named by the key the
        # list hangs from.
        if match is not None and previous.lstrip().startswith("-"):
            continue
        if match is not None and len(match.group("indent")) < indent:
            return Message(" (under '{key}')", key=match.group("key").strip())
    return ""


# A plain scalar YAML 1.1 reads as an integer (decimal, hex, octal, binary, sexagesimal).
_INTEGER = re.compile(r"[-+]?(?:0b[0-1_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_:]*)\Z")


def _scan(
    loader_class: type[yaml.SafeLoader], text: str, limits: Limits, source: str | None
) -> None:
    """Walk the event stream once, in constant space per level, refusing at the first event
    that crosses a limit. An alias counts as every value of the node it names, so the count is
    what building the document would cost, known before building it."""
    loader = loader_class(text)
    sizes: dict[str, int] = {}
    # One frame per open collection: [entries so far, values inside, anchor, entries allowed].
    # A mapping's entries are its keys and values, so it is allowed twice the list length.
    stack: list[list[Any]] = []
    frame: list[Any] = [0, 0, None, 1 << 62]  # the document itself
    total = aliases = 0
    max_nodes, max_depth, max_digits = limits.max_nodes, limits.max_depth, limits.max_int_digits
    get_event = loader.get_event

    def refuse(event: Any, limit: str, value: int, allowed: int, what: str) -> None:
        mark = event.start_mark
        raise too_large(
            source, limit, value, allowed, what, line=mark.line + 1, column=mark.column + 1
        )

    try:
        while True:
            event = get_event()  # type: ignore[no-untyped-call]
            kind = event.__class__
            if kind is yaml.ScalarEvent:
                count = 1
                value = event.value
                if (
                    len(value) > max_digits
                    and event.implicit[0]
                    and not event.style
                    and _INTEGER.match(value)
                ):
                    refuse(
                        event,
                        "max_int_digits",
                        len(value),
                        max_digits,
                        Message("a number"),
                    )
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                count = 1
                if len(stack) >= max_depth:
                    refuse(
                        event,
                        "max_depth",
                        len(stack) + 1,
                        max_depth,
                        Message("the nesting"),
                    )
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                _, size, anchor, _ = frame
                frame = stack.pop()
                frame[1] += size - 1  # the start already counted itself
                if anchor is not None:
                    sizes[anchor] = size
                continue
            elif kind is yaml.AliasEvent:
                aliases += 1
                if aliases > limits.max_aliases:
                    refuse(
                        event,
                        "max_aliases",
                        aliases,
                        limits.max_aliases,
                        Message("the aliases"),
                    )
                count = sizes.get(event.anchor or "", 1)
            elif kind is yaml.StreamEndEvent:
                break
            else:
                continue
            total += count
            if total > max_nodes:
                refuse(event, "max_nodes", total, max_nodes, Message("the number of values"))
            frame[0] += 1
            frame[1] += count
            if frame[0] > frame[3]:
                entries = frame[0] // 2 if frame[3] > limits.max_list_length else frame[0]
                refuse(
                    event,
                    "max_list_length",
                    entries,
                    limits.max_list_length,
                    Message("this list"),
                )
            if count == 1 and kind is not yaml.ScalarEvent and kind is not yaml.AliasEvent:
                allowed = limits.max_list_length
                if kind is yaml.MappingStartEvent:
                    allowed *= 2
                stack.append(frame)
                frame = [0, 1, event.anchor, allowed]
    finally:
        loader.dispose()


def _read(loader_class: type[yaml.SafeLoader], text: str) -> tuple[Any, SourceMap]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, SourceMap()
        source_map = SourceMap()
        _check_and_map(node, (), source_map)
        return loader.construct_document(node), source_map
    finally:
        loader.dispose()


_TIMESTAMP = "tag:yaml.org,2002:timestamp"


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def iso_date(text: str, field: str) -> dt.date:
    """``text`` as a date when it is exactly YYYY-MM-DD and a real day, like a date in a file
    (a time, a week date or ``20090601`` is refused, not guessed at)."""
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    message = Message("{text!r} is not a date: {why}", text=text, why=why_not_a_date(text.strip()))
    raise ScenarioError(None, [Problem(message, field=field)])


def _check_date(node: yaml.ScalarNode, path: Path) -> None:
    """Dates only, as the format documents: a timestamp with a time of day means an instant,
    which no regulation's day-counting knows what to do with, and reading only its date would
    silently drop the time zone that may put it on another day. YAML resolves 2030-02-30 as a
    date and then fails with a bare ValueError while building it; it is caught here, where the
    node still knows its line."""
    value = str(node.value)
    if not _DATE.match(value):
        message = Message(
            "{value} is a timestamp; write a date as YYYY-MM-DD, without a time", value=value
        )
    else:
        try:
            dt.date.fromisoformat(value)
            return
        except ValueError:
            message = Message(
                "{value} is not a real date: {why_not_a_date}",
                value=value,
                why_not_a_date=why_not_a_date(value),
            )
    raise YamlSyntaxError(
        Problem(
            message,
            field=format_path(path),
            line=node.start_mark.line + 1,
            column=node.start_mark.column + 1,
        )
    )


_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


def _check_and_map(node: yaml.Node, path: Path, source_map: SourceMap) -> None:
    source_map.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _PLAIN_TAGS:
        # Refuse any other tag before anything is built: rulesets hold data, never objects.
        raise YamlSyntaxError(
            Problem(
                Message("the YAML tag {tag!r} is not allowed; write plain values", tag=node.tag),
                field=format_path(path),
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
            )
        )
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise YamlSyntaxError(
                    Problem(
                        Message(
                            "duplicate key {key!r} (first on line {seen})", key=key, seen=seen[key]
                        ),
                        field=format_path((*path, key)),
                        line=key_node.start_mark.line + 1,
                        column=key_node.start_mark.column + 1,
                    )
                )
            seen[key] = key_node.start_mark.line + 1
            _check_key_colon(key_node, path)
            _check_and_map(value_node, (*path, key), source_map)
            # A field is where its key is written: for an unknown key or a nested block that
            # is the line the analyst looks for, and for a scalar it is the same line anyway.
            source_map.positions[(*path, key)] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
    elif isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP:
        _check_date(node, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _check_and_map(item, (*path, index), source_map)
