"""What an evaluation returns: the JSON contract (tests/contract/) as typed, immutable values.

A result's cause is data. Every decision, duty and deadline names its :class:`Trigger` (the
event that set it off: type, key, date and place in the subject's history) and its
:class:`Provenance` (the facts and parameters the rule read, with their values). The readable
``because`` in Chinese and English is rendered from those two when someone asks for it, and no
code ever reads a reason's text back.

Decisions, duties, deadlines and triggers are frozen ``msgspec.Struct`` values that the garbage
collector does not track (``gc=False``): a population of a million subjects yields a million and
a half of them, built in C as fast as a tuple, and a tracked object each would make the
collector's full passes walk them again and again while they are made (on 1,000,000 persons
those passes were two fifths of ``evaluate``). Nothing they hold refers back to them, so no
cycle needs the collector. They still carry pydantic schemas, so models that embed them (a
ledger's report) validate and serialise them, and ``model_dump(mode="json")`` gives exactly the
contract's JSON.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Generic, Literal, NamedTuple, Protocol, Self, TypeVar, cast

import msgspec
from pydantic import Field, GetCoreSchemaHandler, PrivateAttr
from pydantic_core import core_schema

from credit_rules._masking import mask_text
from credit_rules.errors import NotEvaluated, require
from credit_rules.i18n import Lang, date_text, flag_text, none_text, period_text
from credit_rules.model import json_text, trigger_text
from credit_rules.model._base import Frozen
from credit_rules.periods import Period

ReasonValue = bool | int | str | dt.date | None | tuple[str, ...]
DumpMode = Literal["python", "json"]


class Citation(Frozen):
    """An article (and item) of the regulation, quoted in Chinese with an English rendering."""

    article: int = Field(ge=1)
    item: int | None = Field(default=None, ge=1)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Reason(NamedTuple):
    """One fact or parameter a rule used, with the value it had, in both languages."""

    name: str
    value: ReasonValue
    en: str
    zh: str

    def model_dump(self, *, mode: DumpMode = "python", **_: Any) -> dict[str, Any]:
        value: Any = self.value
        if mode == "json":
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
        return {"name": self.name, "value": value, "en": self.en, "zh": self.zh}

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return _Schema.of(cls, handler)


class ExcludedDays(Frozen):
    """Days (inclusive) that do not count towards a deadline, and why (Ganzhou Art 20)."""

    first: dt.date
    last: dt.date
    reason: str


class RulesetRef(Frozen):
    """Which ruleset, and exactly which text of it, produced a result."""

    id: str
    version: str
    digest: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")


# -- the cause as data --------------------------------------------------------------------------


class Trigger(msgspec.Struct, frozen=True, gc=False):
    """The event that set a result off: its type, the id it names (record, objection,
    application or evaluation; None where the event names none), its date, and its position in
    the subject's history as the engine ordered it (``seq``, from 0)."""

    type: str
    key: str | None
    date: dt.date
    seq: int | None = None

    def dump(self, mode: DumpMode = "python") -> dict[str, Any]:
        day: Any = self.date.isoformat() if mode == "json" else self.date
        found: dict[str, Any] = {"type": self.type, "key": self.key, "date": day}
        if self.seq is not None:
            found["seq"] = self.seq
        return found

    def label(self) -> str:
        """``"<type> <key>"`` for people; services join on the fields, never on this text."""
        return trigger_text.labelled(self.type, self.key)

    def __repr__(self) -> str:
        # A record or application key is sometimes an identity number (subject ids often
        # are): masked as in every message (credit_rules._masking).
        return mask_text(
            f"Trigger(type={self.type!r}, key={self.key!r}, date={self.date!r}, seq={self.seq!r})"
        )


#: The JSON text of each trigger and of its reason, remembered for one document (or across
#: documents, by a caller that keeps the dict), by the trigger and its event's Chinese name.
TriggerTexts = dict[tuple[Trigger, str], tuple[str, str]]


def _masked_repr(result: msgspec.Struct) -> str:
    """A result's ``repr`` with identity numbers masked (its subject is often one)."""
    return mask_text(msgspec.Struct.__repr__(result))


@dataclass(frozen=True, slots=True)
class RuleText:
    """What one rule's explanations say whatever the case: built once per rule and engine.

    ``steps`` lists, in the order the rule reads them, either a finished reason (a parameter
    with its value, an override by a layer, what the outcome means) or the position of a fact
    in the provenance's values, whose reason depends on the value.
    """

    rule: str
    outcome: str
    fact_names: tuple[str, ...]
    fact_texts: tuple[tuple[str, str], ...]
    fact_overrides: tuple[Reason | None, ...]
    parameters: tuple[tuple[str, Any], ...]
    steps: tuple[Reason | int, ...]
    cites: tuple[Citation, ...]
    #: The event that triggers the rule in the ruleset's Chinese words (失信信息录入), for the
    #: trigger's reason; empty where the ruleset gives none, and the event's id is shown.
    trigger_zh: str = ""
    #: The JSON text its results write alike (json_text.Fragments); not part of its value.
    json: json_text.Fragments = field(
        default_factory=json_text.Fragments, compare=False, hash=False, repr=False
    )
    #: The whole tails of its results' JSON by fact values, fewer of them (they are large).
    json_tails: json_text.Fragments = field(
        default_factory=lambda: json_text.Fragments(json_text.TAIL_LIMIT),
        compare=False,
        hash=False,
        repr=False,
    )

    @property
    def meaning(self) -> Reason:
        """What the outcome is, in the ruleset's words: the last of ``steps``, where the
        engine puts it; the bare id for a text built without it."""
        last = self.steps[-1] if self.steps else None
        if isinstance(last, Reason) and last.name == "outcome":
            return last
        return Reason(name="outcome", value=self.outcome, en=self.outcome, zh=self.outcome)


class Provenance(NamedTuple):
    """The facts a rule read (their values, in the rule's order) and the rule's fixed texts."""

    values: tuple[Any, ...]
    text: RuleText

    @property
    def facts(self) -> dict[str, Any]:
        return dict(zip(self.text.fact_names, self.values, strict=True))

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.text.parameters)

    def dump(self, mode: DumpMode = "python") -> dict[str, Any]:
        return {
            "facts": {name: _dumped(value, mode) for name, value in self.facts.items()},
            "parameters": {name: _dumped(v, mode) for name, v in self.text.parameters},
        }

    def reasons(self, trigger: Trigger) -> tuple[Reason, ...]:
        """The trigger, then every fact and parameter the rule read with its value, then what
        the outcome means: the ``because`` of the JSON contract, rendered now."""
        text = self.text
        found = [trigger_reason(trigger, text.trigger_zh)]
        for step in text.steps:
            if isinstance(step, Reason):
                found.append(step)
                continue
            name, value = text.fact_names[step], self.values[step]
            zh, en = text.fact_texts[step]
            found.append(described(name, value, zh, en))
            override = text.fact_overrides[step]
            if override is not None:
                found.append(override)
        return tuple(found)


def trigger_reason(trigger: Trigger, named_zh: str = "") -> Reason:
    """What set the rule off: the event, its key if any, and its date. ``named_zh`` is the
    event in the ruleset's Chinese words (RuleText.trigger_zh), shown in the Chinese text
    in place of its id."""
    # Made as the tuple it is: a NamedTuple's own __new__ is a Python function.
    reason: Reason = new_tuple(Reason, ("trigger", *_trigger_words(trigger, named_zh)))
    return reason


def _trigger_words(trigger: Trigger, named_zh: str = "") -> tuple[str, str, str]:
    """The trigger reason's value, English and Chinese. The value and the English name the
    event by its id, which services and scenarios use; the Chinese by the ruleset's words
    for it (触发事件：2008年3月10日 失信信息录入 r1)."""
    day, day_zh = _dated(trigger.date)
    return trigger_text.worded(trigger.type, named_zh or trigger.type, trigger.key, day, day_zh)


_dated = trigger_text.dated


def reason_value(value: Any) -> ReasonValue:
    """A fact's or parameter's value as a reason shows it (a period as text, "1 year")."""
    if isinstance(value, bool | int | str | dt.date) or value is None:
        return value
    return str(value)


#: Makes a NamedTuple from a tuple of all its fields, without its Python-level ``__new__``
#: (the engine makes records, occasions and provenances by the million; results and
#: triggers are structs, built in C by their own class).
new_tuple: Callable[[type[Any], tuple[Any, ...]], Any] = tuple.__new__
_PERIOD_TEXT = re.compile(r"\d+ (day|month|year|working day)s?")


def shown(value: Any, lang: Lang = "en") -> str:
    """A value as a person reads it in ``lang``: 否/是, 1年, 0日, 2009年5月20日 in Chinese."""
    if value is None:
        return none_text(lang)
    if isinstance(value, bool):
        return flag_text(value, lang)
    if isinstance(value, dt.date):
        return date_text(value, lang)
    if isinstance(value, Period):
        return period_text(value.count, value.unit, lang)
    if lang == "zh" and isinstance(value, str) and _PERIOD_TEXT.fullmatch(value):
        # A period already written out in English by reason_value ("5 years").
        period = Period.parse(value)
        return period_text(period.count, period.unit, lang)
    if isinstance(value, tuple):
        return (
            "、".join(shown(v, lang) for v in value)
            if lang == "zh"
            else ", ".join(shown(v, lang) for v in value)
        )
    return str(value)


def described(name: str, value: Any, zh: str, en: str) -> Reason:
    """A reason reading "<description>: <value>" in each language, the value shown in that
    language; ``value`` is kept as :func:`reason_value` gives it (a period as English text)."""
    return Reason(
        name=name,
        value=reason_value(value),
        en=f"{en}: {shown(value, 'en')}",
        zh=f"{zh}：{shown(value, 'zh')}",
    )


def _dumped(value: Any, mode: DumpMode) -> Any:
    if mode == "python":
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Period):
        return str(value)
    if isinstance(value, tuple):
        return [_dumped(item, mode) for item in value]
    return value


def _cites(cites: tuple[Citation, ...], mode: DumpMode) -> list[dict[str, Any]]:
    # A citation's fields are all plain values, so both modes dump alike; each result gets
    # its own dicts, which a caller may change freely.
    return [{"article": c.article, "item": c.item, "zh": c.zh, "en": c.en} for c in cites]


def _because(provenance: Provenance, trigger: Trigger, mode: DumpMode) -> list[dict[str, Any]]:
    return [reason.model_dump(mode=mode) for reason in provenance.reasons(trigger)]


# -- JSON text (json_text.py says why) ----------------------------------------------------------


def _json_ready(value: Any) -> Any:
    return _dumped(value, "json")


def _reason_json(reason: Reason) -> str:
    """The reason as :meth:`Reason.model_dump` gives it, encoded: written directly when its
    value is plain (every trigger's reason, most facts'), through the dict otherwise."""
    value = reason.value
    if value is not None and type(value) not in _PLAIN_VALUES:
        return json_text.encode(reason.model_dump(mode="json"))
    string = json_text.string
    return (
        f'{{"name":{string(reason.name)},"value":{json_text.value(value, _json_ready)},'
        f'"en":{string(reason.en)},"zh":{string(reason.zh)}}}'
    )


#: Values :func:`json_text.value` writes itself, as ``json.dumps`` would.
_PLAIN_VALUES = frozenset({str, int, bool, dt.date})


def _fact_reasons_json(text: RuleText, step: int, value: Any) -> str:
    name, (zh, en) = text.fact_names[step], text.fact_texts[step]
    written = _reason_json(described(name, value, zh, en))
    override = text.fact_overrides[step]
    return written if override is None else f"{written},{_reason_json(override)}"


def _parameters_json(text: RuleText) -> str:
    return json_text.obj([(name, json_text.value(v, _json_ready)) for name, v in text.parameters])


def _cites_json(text: RuleText) -> str:
    return json_text.encode(_cites(text.cites, "json"))


def _tail_json(text: RuleText, values: tuple[Any, ...]) -> tuple[str, str]:
    """A result's JSON members after its trigger, in two parts around the trigger's reason,
    which opens ``because``: provenance and citations up to it, the other reasons after it."""
    memo = text.json
    facts = ",".join(
        f"{memo.get(('name', index), json_text.string, name)}:"
        f"{json_text.value(values[index], _json_ready)}"
        for index, name in enumerate(text.fact_names)
    )
    because = []
    for index, step in enumerate(text.steps):
        if isinstance(step, Reason):
            because.append(memo.get(("step", index), _reason_json, step))
            continue
        item = values[step]
        because.append(
            memo.get(
                ("fact", step, json_text.shape(item), item), _fact_reasons_json, text, step, item
            )
        )
    parameters = memo.get("parameters", _parameters_json, text)
    cites = memo.get("cites", _cites_json, text)
    head = (
        f'"provenance":{{"facts":{{{facts}}},"parameters":{parameters}}},"cites":{cites},'
        f'"because":['
    )
    return head, "".join(f",{reason}" for reason in because) + "]}"


#: A JSON string literal (json_text.string), one global lookup away: each result's head
#: writes two.
_string = json_text.string

#: A document's pieces: text, or the UTF-8 bytes of the text.
_Text = TypeVar("_Text", str, bytes)


def _as_text(text: str) -> str:
    return text


_AS_UTF8: Callable[[str], bytes] = str.encode


class _QuotedDays(dict[dt.date | None, str]):
    """Each day as a JSON value (``"2020-03-04"``, and None as ``null``), made the first time
    it is asked for: ``date.isoformat`` costs ten times a dict lookup, and a population's
    results, two or three days each, fall on a few thousand days."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__({None: "null"})

    def __missing__(self, day: dt.date | None) -> str:
        assert day is not None  # None is always present
        text = self[day] = f'"{day.isoformat()}"'
        return text


class WrittenList(NamedTuple):
    """A list of results ("decisions", "duties") as a backend that holds them in columns
    writes it (:class:`ColumnTexts`): how many results, and for the results from one place
    to another, each one's first piece of JSON (led by a comma: :data:`FIRST_TEMPLATES`) and
    its trigger's reason, as text or as UTF-8 bytes; None for a result the document writes
    itself. Asked a range at a time, so that a population's pieces are never all held."""

    size: int
    pieces: Callable[[int, int], tuple[Sequence[str | bytes | None], Sequence[str | bytes | None]]]


#: By the name of the list, what the columns write of it.
WrittenColumns = Mapping[str, WrittenList]


class ColumnTexts(Protocol):
    """The texts of an evaluation's results, made together by a backend that holds them in
    columns (``credit_rules.columnar``): one pass over a column instead of several string
    operations per result and per trigger, which is most of what a document costs. Their
    words and layout come from this package as templates (:mod:`credit_rules.model.
    trigger_text`, :data:`FIRST_TEMPLATES`), so nothing is written two ways; a result they
    leave out (one whose text needs escaping, say) is written by the document as any other."""

    def texts(self, utf8: bool) -> WrittenColumns: ...


class _Document(Generic[_Text]):
    """What one JSON document remembers while it is written: the text of each trigger and
    each provenance its results share, found by the shared object itself (an identity, not a
    hash of its fields: a population's document asks once per result), and each rule's name.
    A document is written from one evaluation or one result, which holds every trigger and
    provenance it shares alive until the document is written: no other object can take the
    id of one seen, so a hit by id is the same object.

    ``out`` gives a piece of the document as it is written: the text itself, or its UTF-8
    bytes. Bytes are what a file or a socket takes in the end, and the long shared pieces
    (citations and reasons, mostly Chinese) are then encoded once, not once per result."""

    __slots__ = ("_days", "_names", "by_value", "days", "out", "rules", "tails", "triggers")

    def __init__(self, out: Callable[[str], _Text], by_value: TriggerTexts | None = None) -> None:
        self.out: Callable[[str], _Text] = out
        #: A caller's dict of triggers' texts by value, kept across results
        #: (:meth:`_ResultParts.json_pieces`). A document of its own remembers a trigger by
        #: the object alone: an evaluation shares one object per trigger, so a lookup by
        #: value (a hash of its fields, per trigger) would never find one, and two equal
        #: triggers that are different objects only cost their text twice.
        self.by_value: TriggerTexts | None = by_value
        self.rules: dict[str, str] = {}
        #: The days of the results' own fields, as JSON values.
        self.days: _QuotedDays = _QuotedDays()
        #: Each day's ISO and Chinese text: a population's triggers fall on a few thousand.
        self._days: dict[dt.date, tuple[str, str]] = {}
        #: Each event type and its Chinese name, escaped (:func:`_trigger_json`): a
        #: population's triggers are of a few types, and a lookup costs less than escaping.
        self._names: dict[tuple[str, str], tuple[str, str]] = {}
        #: Read by :meth:`_ResultParts._pieces` itself (a method call per result costs more
        #: than the lookup); :meth:`trigger` and :meth:`tail` fill them.
        self.triggers: dict[int, tuple[str, _Text]] = {}
        self.tails: dict[int, tuple[_Text, _Text]] = {}

    def trigger(self, trigger: Trigger, named_zh: str) -> tuple[str, _Text]:
        """The trigger's JSON (a short text, written into the result's first piece) and its
        reason's, as the document's pieces are, for a trigger not seen yet. Every rule a
        trigger sets off names its event alike (``named_zh``), so its text is remembered once."""
        day = trigger.date
        dated = self._days.get(day)
        if dated is None:
            iso, zh = _dated(day)
            dated = self._days[day] = (iso, json_text.inside(zh))
        names = self._names.get((trigger.type, named_zh))
        if names is None:
            kind = json_text.inside(trigger.type)
            names = (kind, json_text.inside(named_zh) if named_zh else kind)
            self._names[(trigger.type, named_zh)] = names
        written, reason = _trigger_json(trigger, self.by_value, named_zh, dated, names)
        texts = (written, self.out(reason))
        self.triggers[id(trigger)] = texts
        return texts

    def tail(self, provenance: Provenance) -> tuple[_Text, _Text]:
        """Everything after the trigger: it depends only on the rule and the values of the
        facts it read, which most of a rule's results share, so the rule remembers it by
        values (and their shapes: 1 and True are equal keys but different JSON). For a
        provenance not seen yet in this document."""
        text, values = provenance.text, provenance.values
        tail = text.json_tails.get((values, json_text.shape(values)), _tail_json, text, values)
        pieces = (self.out(tail[0]), self.out(tail[1]))
        self.tails[id(provenance)] = pieces
        return pieces


def _trigger_json(
    trigger: Trigger,
    seen: TriggerTexts | None,
    named_zh: str,
    dated: tuple[str, str],
    names: tuple[str, str],
) -> tuple[str, str]:
    """The trigger's JSON and its reason's, remembered in ``seen`` for one document;
    ``dated`` is its day as ISO text and as escaped Chinese text, ``names`` its type and
    the event's Chinese name (or its type), escaped (:meth:`_Document.trigger`)."""
    # By the trigger and its event's Chinese name: one dict may serve results of two
    # rulesets, whose words for the same event differ.
    found = seen.get((trigger, named_zh)) if seen is not None else None
    if found is None:
        # Written directly, in the order of Trigger.dump: a population's document has a
        # trigger for every two or three results, and a dict encoded costs several times more.
        # Each name is escaped once and its text put inside the others as it is: JSON escapes
        # character by character, so "a b" escaped is a escaped, a space, b escaped.
        day, day_zh = dated
        kind, named = names
        key = trigger.key
        if key is None:
            keyed = "null"
        else:
            keyed = _string(key)
            key = keyed[1:-1]
        seq = None if trigger.seq is None else int.__repr__(trigger.seq)
        found = trigger_text.json_texts(kind, named, key, keyed, day, day_zh, seq)
        if seen is not None:
            seen[(trigger, named_zh)] = found
    return found


def _day(value: dt.date | None, mode: DumpMode) -> Any:
    return value.isoformat() if (mode == "json" and value is not None) else value


class _Schema:
    """A pydantic schema for a result: validated as itself, dumped as the contract says."""

    @staticmethod
    def of(cls: type[Any], handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        def serialise(value: Any, info: core_schema.SerializationInfo) -> Any:
            return value.model_dump(mode="json" if info.mode_is_json() else "python")

        return core_schema.is_instance_schema(
            cls,
            serialization=core_schema.plain_serializer_function_ser_schema(
                serialise, info_arg=True
            ),
        )


# -- results ----------------------------------------------------------------------------------


class SupportsWrite(Protocol):
    """Anything with a text ``write``: an open file, ``io.StringIO``, a response writer."""

    def write(self, text: str, /) -> object: ...


class SupportsWriteBytes(Protocol):
    """A binary stream's ``write``: a file opened ``"wb"``, ``io.BytesIO``, a socket's file."""

    def write(self, data: bytes, /) -> object: ...


class _Cause(Protocol):
    @property
    def rule(self) -> str: ...
    @property
    def trigger(self) -> Trigger: ...
    @property
    def provenance(self) -> Provenance: ...


def _decision_first(
    separator: str,
    subject: str,
    outcome: str,
    start: str,
    stop: str,
    active: str,
    provisional: str,
    rule: str,
    written: str,
) -> str:
    """A decision's first piece of JSON, from its fields written as JSON values: the one
    place its layout is written, for the Python writer and (as a template) the columns."""
    return (
        f'{separator}{{"subject":{subject},"outcome":{outcome},"from":{start},"until":{stop},'
        f'"active":{active},"provisional":{provisional},"rule":{rule},"trigger":{written},'
    )


def _duty_first(
    separator: str,
    subject: str,
    name: str,
    on: str,
    provisional: str,
    rule: str,
    written: str,
) -> str:
    """A duty's first piece of JSON, as :func:`_decision_first`."""
    return (
        f'{separator}{{"subject":{subject},"name":{name},"on":{on},'
        f'"provisional":{provisional},"rule":{rule},"trigger":{written},'
    )


#: The parts of a result's first piece of JSON, each written as a JSON value, in the order
#: :data:`FIRST_TEMPLATES` numbers them, by the list of results it is in.
FIRST_PARTS: dict[str, tuple[str, ...]] = {
    "decisions": (
        "subject",
        "outcome",
        "from",
        "until",
        "active",
        "provisional",
        "rule",
        "trigger",
    ),
    "duties": ("subject", "name", "on", "provisional", "rule", "trigger"),
}
#: A result's first piece of JSON after the first result of its list (led by a comma), as a
#: template (:func:`credit_rules.model.json_text.template`) of :data:`FIRST_PARTS`.
FIRST_TEMPLATES: dict[str, json_text.Template] = {
    "decisions": json_text.template(_decision_first(",", *json_text.holes(8))),
    "duties": json_text.template(_duty_first(",", *json_text.holes(6))),
}


class _ResultParts:
    """What decisions, duties and deadlines share beyond their fields."""

    __slots__ = ()

    @property
    def cites(self) -> tuple[Citation, ...]:
        """The articles the result's rule cites."""
        return cast(_Cause, self).provenance.text.cites

    @property
    def meaning(self) -> Reason:
        """What the outcome is, in the ruleset's words in zh and en (``written_warning`` is
        书面警告, a written warning): what a reader who does not know the ids is shown."""
        return cast(_Cause, self).provenance.text.meaning

    @property
    def because(self) -> tuple[Reason, ...]:
        """The reasons in zh and en, rendered now from the trigger and the provenance."""
        cause = cast(_Cause, self)
        return cause.provenance.reasons(cause.trigger)

    def _cause(self, mode: DumpMode) -> dict[str, Any]:
        """Rule, trigger, provenance and citations, as the contract's JSON has them."""
        cause = cast(_Cause, self)
        return {
            "rule": cause.rule,
            "trigger": cause.trigger.dump(mode),
            "provenance": cause.provenance.dump(mode),
            "cites": _cites(cause.provenance.text.cites, mode),
        }

    def _reasons(self, mode: DumpMode) -> list[dict[str, Any]]:
        cause = cast(_Cause, self)
        return _because(cause.provenance, cause.trigger, mode)

    def _first_json(self, separator: str, days: _QuotedDays, rule: str, written: str) -> str:
        """The result's first piece of JSON: ``separator``, its own fields (each result type
        has its own, :data:`FIRST_TEMPLATES`), its days written as ``days`` has them, its
        ``rule`` and ``written`` trigger as JSON values, up to its provenance."""
        raise NotImplementedError

    def json_text(self, triggers: TriggerTexts | None = None) -> str:
        """The result as the contract's JSON text: ``json.loads`` of it equals
        ``model_dump(mode="json")``. ``triggers`` remembers the text of triggers several
        results share, for one document."""
        return "".join(self.json_pieces(triggers))

    def json_pieces(self, triggers: TriggerTexts | None = None) -> tuple[str, ...]:
        """:meth:`json_text` in the pieces it is made of, which a document joins once with
        all the others (joining each result's first would copy its text twice)."""
        return self._pieces(_Document(_as_text, triggers), "")

    def _pieces(self, document: _Document[_Text], separator: str) -> tuple[_Text, ...]:
        """The result's pieces, the first led by ``separator`` (the comma before every result
        of a list but its first: a piece of its own would be one more per result)."""
        # Annotated, not cast: ``typing.cast`` is a function call, and this runs per result.
        cause: _Cause = self  # type: ignore[assignment]
        trigger, provenance = cause.trigger, cause.provenance
        seen = document.triggers.get(id(trigger))
        written, reason = (
            seen if seen is not None else document.trigger(trigger, provenance.text.trigger_zh)
        )
        known = document.tails.get(id(provenance))
        tail = known if known is not None else document.tail(provenance)
        rule = document.rules.get(cause.rule)
        if rule is None:
            rule = document.rules[cause.rule] = _string(cause.rule)
        return (
            document.out(self._first_json(separator, document.days, rule, written)),
            tail[0],
            reason,
            tail[1],
        )

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return _Schema.of(cls, handler)


class Decision(msgspec.Struct, _ResultParts, frozen=True, gc=False):
    """A measure on a subject, from a day to a day (both inclusive; ``until`` None is open).

    ``provisional`` is true when the measure, or its days, rest on a count of working days
    that reaches a year whose holiday schedule the calendar does not have yet (from the
    trigger's day to the latest of its days and the dates its rule read): a report formed
    on a day counted through next year's unpublished holidays may still move.
    """

    subject: str
    outcome: str
    from_: dt.date
    until: dt.date | None
    active: bool
    rule: str
    trigger: Trigger
    provenance: Provenance
    provisional: bool = False

    __repr__ = _masked_repr

    def _first_json(self, separator: str, days: _QuotedDays, rule: str, written: str) -> str:
        return _decision_first(
            separator,
            _string(self.subject),
            _string(self.outcome),
            days[self.from_],
            days[self.until],
            "true" if self.active else "false",
            "true" if self.provisional else "false",
            rule,
            written,
        )

    def model_dump(self, *, mode: DumpMode = "python", **_: Any) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "outcome": self.outcome,
            "from": _day(self.from_, mode),
            "until": _day(self.until, mode),
            "active": self.active,
            "provisional": self.provisional,
            **self._cause(mode),
            "because": self._reasons(mode),
        }


class Duty(msgspec.Struct, _ResultParts, frozen=True, gc=False):
    """An act the administration owes a subject on a day (to notify it, to give it its report).

    Duties are not measures on the subject, so they are kept apart from ``decisions``; they
    share the decision's names for who, which rule, which trigger and which articles, and
    its ``provisional``: a duty owed on a day counted in working days into a year whose
    holiday schedule is not out yet may still move, and says so rather than pass a guessed
    day for a known one.
    """

    subject: str
    name: str
    on: dt.date
    rule: str
    trigger: Trigger
    provenance: Provenance
    provisional: bool = False

    __repr__ = _masked_repr

    @property
    def outcome(self) -> str:
        return self.name

    def _first_json(self, separator: str, days: _QuotedDays, rule: str, written: str) -> str:
        return _duty_first(
            separator,
            _string(self.subject),
            _string(self.name),
            days[self.on],
            "true" if self.provisional else "false",
            rule,
            written,
        )

    def model_dump(self, *, mode: DumpMode = "python", **_: Any) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "name": self.name,
            "on": _day(self.on, mode),
            "provisional": self.provisional,
            **self._cause(mode),
            "because": self._reasons(mode),
        }


class Deadline(msgspec.Struct, _ResultParts, frozen=True, gc=False):
    """A day by which an act is due, counted on the PRC calendar.

    ``provisional`` is true when the count reaches into a year whose holiday schedule the
    calendar does not have yet; ``provisional_reason`` then says which year.
    """

    subject: str
    name: str
    start: dt.date
    due: dt.date
    provisional: bool
    rule: str
    trigger: Trigger
    provenance: Provenance
    unit: str = "working_days"
    count: int = 0
    excluded: tuple[ExcludedDays, ...] = ()
    extended_by: int = 0
    provisional_reason: str | None = None

    __repr__ = _masked_repr

    @property
    def outcome(self) -> str:
        return self.name

    def _pieces(self, document: _Document[_Text], separator: str) -> tuple[_Text, ...]:
        # Deadlines are few (one per procedure, not per day of a measure): the dicts will do.
        return (document.out(separator + json_text.encode(self.model_dump(mode="json"))),)

    def model_dump(self, *, mode: DumpMode = "python", **_: Any) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "name": self.name,
            "start": _day(self.start, mode),
            "due": _day(self.due, mode),
            "provisional": self.provisional,
            **self._cause(mode),
            "unit": self.unit,
            "count": self.count,
            "excluded": [e.model_dump(mode=mode) for e in self.excluded],
            "extended_by": self.extended_by,
            "provisional_reason": self.provisional_reason,
            "because": self._reasons(mode),
        }


Result = Decision | Duty | Deadline


#: How many results :meth:`Evaluation.write_json` joins into each write: about a megabyte
#: of a population's document.
_WRITE_RESULTS = 512
#: How many results' pieces a backend that holds them in columns makes at once
#: (:class:`WrittenList`): about ten megabytes of first pieces, at a small fixed cost each.
_COLUMN_RESULTS = 64 * _WRITE_RESULTS


#: The fields :meth:`Evaluation.of` gives, as the set every evaluation it makes shares.
_EVALUATION_FIELDS = {"ruleset", "as_of", "decisions", "deadlines", "duties", "subjects"}


class _SubjectIndex(NamedTuple):
    active: dict[str, tuple[Decision, ...]]
    evaluated: frozenset[str]


def _made_batches(
    document: _Document[_Text],
    results: Sequence[Result],
    made: WrittenList,
    batch: list[_Text],
) -> Iterator[list[_Text]]:
    """:meth:`Evaluation._batches` for a list whose first pieces and reasons the columns
    make (:class:`WrittenList`), :data:`_COLUMN_RESULTS` at a time: each result then only
    finds its tail. ``batch`` holds what goes before the list."""
    tails = document.tails
    for chunk in range(0, len(results), _COLUMN_RESULTS):
        end = min(chunk + _COLUMN_RESULTS, len(results))
        pieces = cast("tuple[Sequence[_Text | None], Sequence[_Text]]", made.pieces(chunk, end))
        firsts, reasons = pieces
        for start in range(chunk, end, _WRITE_RESULTS):
            stop = min(start + _WRITE_RESULTS, end)
            for at, first, reason in zip(
                range(start, stop),
                firsts[start - chunk : stop - chunk],
                reasons[start - chunk : stop - chunk],
                strict=True,
            ):
                result = results[at]
                if first is None:
                    batch += result._pieces(document, "," if at else "")
                    continue
                provenance = result.provenance
                tail = tails.get(id(provenance))
                if tail is None:
                    tail = document.tail(provenance)
                # The first piece is led by the comma every result but the list's first takes.
                batch += (first if at else first[1:], tail[0], reason, tail[1])
            yield batch
            batch = []
    if batch:
        yield batch


class Evaluation(Frozen):
    """Everything that applies to the subjects on ``as_of``, and the history that led there."""

    ruleset: RulesetRef
    as_of: dt.date
    decisions: tuple[Decision, ...]
    deadlines: tuple[Deadline, ...]
    duties: tuple[Duty, ...] = ()
    #: The ids of every subject evaluated, those with nothing to report too (for
    #: :meth:`outcomes`; not part of the JSON contract, so no dump writes it).
    subjects: tuple[str, ...] = Field(default=(), exclude=True)

    # What applies on as_of by subject, and every subject evaluated, built on the first
    # question about one subject: a service asks about subject after subject of one population
    # evaluation, and a scan of it per question would make n questions cost n².
    _by_subject: _SubjectIndex | None = PrivateAttr(default=None)
    # The texts of the results, made together by a columnar backend when a document is
    # written (ColumnTexts); not part of the value.
    _columns: ColumnTexts | None = PrivateAttr(default=None)

    def active(self, subject: str | None = None) -> tuple[Decision, ...]:
        """The decisions that apply on ``as_of`` (for one subject, or all)."""
        if subject is None:
            return tuple(d for d in self.decisions if d.active)
        require(subject, str, "subject")
        index = self._index()
        if subject not in index.evaluated:
            # As outcomes: nothing active for a subject never evaluated would read as
            # "blameless" (a mistyped id, say).
            raise NotEvaluated(subject, len(self.subjects))
        return index.active.get(subject, ())

    def outcomes(self, subject: str) -> frozenset[str]:
        """The names of the outcomes that apply to ``subject`` on ``as_of``.

        A subject that was not evaluated is refused (:class:`~credit_rules.errors.NotEvaluated`)
        rather than answered with an empty set, which would read as "blameless"."""
        require(subject, str, "subject")
        index = self._index()
        if subject not in index.evaluated:
            raise NotEvaluated(subject, len(self.subjects))
        return frozenset(d.outcome for d in index.active.get(subject, ()))

    def __eq__(self, other: object) -> bool:
        # The index is a cache of the fields, not part of the value: pydantic's own equality
        # would tell an evaluation that was asked a question from one that was not.
        if not isinstance(other, Evaluation):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = Frozen.__hash__

    def __getstate__(self) -> dict[Any, Any]:
        # Pickled without its columns (a cache of how to write it, not part of its value): a
        # pickle stays as small as the results and opens where polars is not installed; it
        # writes the same document through the Python writer.
        state = super().__getstate__()
        private = state.get("__pydantic_private__")
        if private:
            state["__pydantic_private__"] = {**private, "_columns": None}
        return state

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; its index is built again when asked, since ``update`` may change the
        results it was built from."""
        copied = super().model_copy(update=update, deep=deep)
        copied._by_subject = None
        copied._columns = None
        return copied

    def _index(self) -> _SubjectIndex:
        # Built at most once per evaluation in the usual case; two threads asking first at
        # the same moment build equal indexes and either one is kept.
        index = self._by_subject
        if index is None:
            active: dict[str, list[Decision]] = {}
            for decision in self.decisions:
                if decision.active:
                    active.setdefault(decision.subject, []).append(decision)
            evaluated = set(self.subjects)
            evaluated.update(r.subject for results in self._results() for r in results)
            index = _SubjectIndex(
                {subject: tuple(found) for subject, found in active.items()},
                frozenset(evaluated),
            )
            self._by_subject = index
        return index

    def _results(self) -> tuple[tuple[Result, ...], ...]:
        return (self.decisions, self.deadlines, self.duties)

    @classmethod
    def of(
        cls,
        ruleset: RulesetRef,
        as_of: dt.date,
        decisions: tuple[Decision, ...],
        deadlines: tuple[Deadline, ...],
        duties: tuple[Duty, ...],
        subjects: tuple[str, ...] = (),
        columns: ColumnTexts | None = None,
    ) -> Evaluation:
        """An evaluation from values the engine built and trusts, without validating them
        again (``model_construct`` walks every field's default; a one-subject request in a
        web service would spend a tenth of its time there)."""
        evaluation = cls.__new__(cls)
        fields = {
            "ruleset": ruleset,
            "as_of": as_of,
            "decisions": decisions,
            "deadlines": deadlines,
            "duties": duties,
            "subjects": subjects,
        }
        object.__setattr__(evaluation, "__dict__", fields)
        # One set of the fields given, shared by every evaluation made here, as frozen models
        # share theirs (model/_base.py, Frozen.model_post_init says why that is safe).
        object.__setattr__(evaluation, "__pydantic_fields_set__", _EVALUATION_FIELDS)
        object.__setattr__(evaluation, "__pydantic_extra__", None)
        object.__setattr__(
            evaluation,
            "__pydantic_private__",
            {"_by_subject": None, "_columns": columns},
        )
        return evaluation

    def results(self) -> tuple[Result, ...]:
        """Decisions, duties and deadlines together, for consumers that treat them alike."""
        return (*self.decisions, *self.duties, *self.deadlines)

    def model_dump_json(self, *, indent: int | None = None, **options: Any) -> str:
        """The JSON contract as text, written straight from the results (json_text.py
        says why); ``json.loads`` of it equals ``model_dump(mode="json")``. With ``indent`` or
        options pydantic knows, pydantic's own serialiser writes it."""
        if indent is not None or options:
            return super().model_dump_json(indent=indent, **options)
        return "".join(self.json_parts())

    def write_json(self, stream: SupportsWrite | SupportsWriteBytes) -> None:
        """Write the text of :meth:`model_dump_json` to ``stream`` piece by piece: a
        population's document runs to gigabytes, and the pieces are never all held at once.
        A binary stream (``io.RawIOBase`` or ``io.BufferedIOBase``: a file opened ``"wb"``, a
        socket's file, ``io.BytesIO``) gets the text's UTF-8 bytes, encoded piece by piece,
        each long piece the results share once: about twice as fast as a text stream, which
        encodes every result's citations and reasons again. Anything else gets text. The
        pieces go out joined, a few hundred results at a time: a stream's ``write`` per piece
        (several per result) costs more than the joining."""
        if isinstance(stream, io.RawIOBase | io.BufferedIOBase):
            for batch in self._batches(_Document(_AS_UTF8)):
                stream.write(b"".join(batch))
        else:
            write = cast(SupportsWrite, stream).write
            for pieces in self._batches(_Document(_as_text)):
                write("".join(pieces))

    def json_parts(self) -> Iterator[str]:
        """The JSON text in pieces, a few per result (joined, :meth:`model_dump_json`)."""
        return chain.from_iterable(self._batches(_Document(_as_text)))

    def _batches(self, document: _Document[_Text]) -> Iterator[list[_Text]]:
        """The document's pieces, :data:`_WRITE_RESULTS` results' worth at a time: a list
        extended by each result's pieces costs less than a generator yielding them one by
        one, several per result."""
        out = document.out
        # Read from the private dict: an evaluation pickled before it had columns lacks them.
        source: ColumnTexts | None = (self.__pydantic_private__ or {}).get("_columns")
        columns = None if source is None else source.texts(out is _AS_UTF8)
        ruleset = json_text.encode(self.ruleset.model_dump(mode="json"))
        batch = [out(f'{{"ruleset":{ruleset},"as_of":"{self.as_of.isoformat()}"')]
        for name, results in (
            ("decisions", self.decisions),
            ("deadlines", self.deadlines),
            ("duties", self.duties),
        ):
            batch.append(out(f',"{name}":['))
            made = None if columns is None else columns.get(name)
            if made is not None and made.size == len(results):
                yield from _made_batches(document, results, made, batch)
                batch = []
            else:
                separator = ""
                for start in range(0, len(results), _WRITE_RESULTS):
                    for result in results[start : start + _WRITE_RESULTS]:
                        batch += result._pieces(document, separator)
                        separator = ","
                    yield batch
                    batch = []
            batch.append(out("]"))
        batch.append(out("}"))
        yield batch

    def model_dump(self, *, mode: str = "python", **options: Any) -> dict[str, Any]:
        """The JSON contract (``mode="json"``) or the same with Python values. Built directly
        from the results: a population's evaluation holds hundreds of thousands, and
        going through pydantic's serialiser for each costs as much as building it. Options
        pydantic knows (``include``, ``exclude``…) take pydantic's own path."""
        if options or mode not in ("python", "json"):
            return super().model_dump(mode=mode, **options)
        dump_mode: DumpMode = "json" if mode == "json" else "python"
        return {
            "ruleset": self.ruleset.model_dump(mode=dump_mode),
            "as_of": _day(self.as_of, dump_mode),
            "decisions": [d.model_dump(mode=dump_mode) for d in self.decisions],
            "deadlines": [d.model_dump(mode=dump_mode) for d in self.deadlines],
            "duties": [d.model_dump(mode=dump_mode) for d in self.duties],
        }
