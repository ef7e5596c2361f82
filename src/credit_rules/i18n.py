"""The language of messages, help and reasons: English or Chinese, chosen explicitly.

The analysts who read credit_rules' output are mostly Chinese; the integrators who call it
often are not. Nothing here keeps a current language: :func:`language_from_environment` turns
an environment into a choice, :func:`translator` turns a choice into a ``gettext`` function, and
the caller passes that function on, so a library call never depends on who set which global.

The catalogues are gettext ``.po`` files under ``credit_rules/locale``, maintained with Babel
(``pybabel extract/update``); the compiled ``.mo`` files beside them ship in the wheel and are
read with the standard library's :mod:`gettext`, so Babel is a tool of the developers only.
English is the source language: its messages are the ``msgid`` themselves.

Errors are raised deep in the library, long before anyone knows who will read them, so they
carry a :class:`Message`: the English text (it *is* a ``str``, so every caller that reads an
error as text keeps working) plus the template and parameters it was made from, which
:meth:`Message.render` turns into the language the caller asks for. The language is a
parameter of ``render``, never a setting the library looks up (decision 18).
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final, Literal, get_args

Lang = Literal["en", "zh"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)
DOMAIN = "credit_rules"

#: ``gettext``-style: an English message in, the message in the chosen language out.
Gettext = Callable[[str], str]

#: The variables gettext consults, in its own order of precedence.
_LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language_from_environment(environ: Mapping[str, str]) -> Lang:
    """``zh`` when the first locale variable that is set names Chinese, else ``en``.

    ``LANGUAGE`` may list several languages (``zh_CN:en``); the first one counts. ``C`` and
    ``POSIX`` mean no preference, so they give English like an unset locale.
    """
    for name in _LOCALE_VARIABLES:
        value = environ.get(name, "")
        if not value:
            continue
        first = value.split(":")[0].strip().lower()
        return "zh" if first.startswith("zh") else "en"
    return "en"


@cache
def _catalogue(lang: Lang) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    folder = resources.files("credit_rules") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with folder.open("rb") as stream:
        return gettext.GNUTranslations(stream)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (it is translated where
    it is shown, in the language chosen there)."""
    return message


def translator(lang: Lang) -> Gettext:
    """The ``gettext`` function for ``lang``; English returns each message unchanged."""
    return _catalogue(lang).gettext


# -- values ----------------------------------------------------------------------------------

_UNITS_ZH = {"days": "日", "months": "个月", "years": "年", "working_days": "个工作日"}


def date_text(day: dt.date, lang: Lang) -> str:
    """2009-05-20, or 2009年5月20日 as Chinese documents write a date."""
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def period_text(count: int, unit: str, lang: Lang) -> str:
    """``1 year``/``0 days``, or 1年/0日/5个工作日 as the regulations write a period."""
    if lang == "zh":
        return f"{count}{_UNITS_ZH.get(unit, unit)}"
    plain = unit.replace("_", " ")
    return f"{count} {plain[:-1] if count == 1 else plain}"


def flag_text(value: bool, lang: Lang) -> str:
    if lang == "zh":
        return "是" if value else "否"
    return "yes" if value else "no"


def none_text(lang: Lang) -> str:
    return "无" if lang == "zh" else "none"


def named_text(identifier: str, words_zh: str, lang: Lang | None) -> str:
    """An outcome (or any id a ruleset describes) as a reader of ``lang`` knows it: in
    Chinese, the ruleset's Chinese words and then the id in brackets (书面警告（written_warning）),
    the words being what the reader knows and the id what scenarios, the JSON and
    ``--outcome`` name; in English, the id alone."""
    if lang != "zh" or words_zh == identifier:
        return identifier
    return f"{words_zh}（{identifier}）"


# -- messages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Both:
    """Text this library did not write but has in both languages (a reason the engine gave,
    in a ruleset's own words): shown in the reader's language, never looked up."""

    en: str
    zh: str


@dataclass(frozen=True)
class EventPlace:
    """Where an event stands in the input a message is about, written ``events[3]``: a
    parameter rather than text, so that a caller that names events otherwise (a ledger's
    ``seq 4``) renames it with :meth:`Message.with_places` and the message keeps its
    translation, instead of having its English text rewritten."""

    index: int

    def __str__(self) -> str:
        return f"events[{self.index}]"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


#: One piece of a message: a template and its parameters, text that is shown as it is (a
#: name, a piece of a file, anything not written by this library), or such text in both
#: languages.
_Part = tuple[str, Mapping[str, Any]] | str | _Both


class Message(str):
    """A message in English that can also be rendered in Chinese.

    ``Message("{name} is not a date", name=text)`` is the English text, a ``str`` like any
    other; ``.render("zh")`` translates the template with the catalogue and fills in the
    parameters written in that language: a date as 2009年5月20日, ``True`` as 是, a nested
    :class:`Message` rendered in the same language. ``+`` keeps the pieces, so a message and a
    hint (``"; did you mean X?"``) render together. The template is the ``msgid``: Babel finds
    it with the keyword ``Message`` (babel.cfg, tools/update_catalogue.py).
    """

    _parts: tuple[_Part, ...]

    def __new__(cls, template: str, /, **params: Any) -> Message:
        return cls._of(((template, params),))

    @classmethod
    def _of(cls, parts: tuple[_Part, ...]) -> Message:
        message = str.__new__(cls, "".join(_render_part(part, "en") for part in parts))
        message._parts = parts
        return message

    @classmethod
    def raw(cls, text: str) -> Message:
        """``text`` as it is in every language: something this library did not write."""
        return cls._of(_parts_of(text))

    @classmethod
    def bilingual(cls, en: str, zh: str) -> Message:
        """Text this library did not write but has in both languages (a reason from a
        ruleset's own descriptions): ``en`` in English, ``zh`` in Chinese."""
        return cls._of((_Both(en, zh),))

    def render(self, lang: Lang) -> str:
        """The message in ``lang``; English gives the text itself."""
        if lang == "en":
            return str(self)
        return "".join(_render_part(part, lang) for part in self._parts)

    def map_values(self, change: Callable[[str], str]) -> Message:
        """The same message with ``change`` applied to every text parameter and raw piece (how
        identity numbers are masked before a message is kept)."""

        def value(item: Any) -> Any:
            if isinstance(item, Message):
                return item.map_values(change)
            if isinstance(item, str):
                return change(item)
            return item

        def part(item: _Part) -> _Part:
            if isinstance(item, str):
                return change(item)
            if isinstance(item, _Both):
                return _Both(change(item.en), change(item.zh))
            template, params = item
            return template, {name: value(v) for name, v in params.items()}

        return Message._of(tuple(part(item) for item in self._parts))

    def with_places(self, name: Callable[[int], str]) -> Message:
        """The same message with every :class:`EventPlace` among its parameters (nested
        messages' too) named ``name(index)`` instead: the template, and so its translation,
        is kept."""

        def value(item: Any) -> Any:
            if isinstance(item, EventPlace):
                return name(item.index)
            if isinstance(item, Message):
                return item.with_places(name)
            return item

        def part(item: _Part) -> _Part:
            if isinstance(item, str | _Both):
                return item
            template, params = item
            return template, {key: value(v) for key, v in params.items()}

        return Message._of(tuple(part(item) for item in self._parts))

    def __add__(self, other: str) -> Message:
        return Message._of(self._parts + _parts_of(other))

    def __radd__(self, other: str) -> Message:
        return Message._of(_parts_of(other) + self._parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message._of, (self._parts,))


def _parts_of(text: str) -> tuple[_Part, ...]:
    return text._parts if isinstance(text, Message) else (str(text),)


def listed(items: Iterable[str], lang: Lang | None) -> str:
    """Names listed as the reader's language lists them: "a, b" in English, "a、b" in
    Chinese, where a comma between names reads as a slip of the keyboard."""
    return listing(items).render(lang or "en")


def clauses(lang: Lang | None) -> str:
    """What separates the clauses of a summary ("3 passed, 1 failed"): a full-width comma in
    Chinese."""
    return "，" if lang == "zh" else ", "


def join(separator: str, items: Iterable[str]) -> Message:
    """``separator.join(items)`` keeping each item's translation."""
    parts: tuple[_Part, ...] = ()
    for index, item in enumerate(items):
        parts += (_parts_of(separator) if index else ()) + _parts_of(item)
    return Message._of(parts)


def listing(items: Iterable[str]) -> Message:
    """Names listed for a message, "a, b" in English and "a、b" in Chinese (:func:`listed`
    for text already in one language)."""
    return join(Message.bilingual(", ", "、"), items)


@dataclass(frozen=True)
class Quantity:
    """A count of a unit in a message (``3 working days``, 3个工作日): a period the way
    :func:`period_text` writes one in the reader's language."""

    count: int
    unit: str

    def __str__(self) -> str:
        return period_text(self.count, self.unit, "en")


def render(text: str, lang: Lang) -> str:
    """``text`` in ``lang`` when it is a :class:`Message`; any other text as it is."""
    return text.render(lang) if isinstance(text, Message) else str(text)


def value_text(value: Any, lang: Lang) -> Any:
    """A parameter of a message as the language writes it; numbers and names stay as they are
    (so a template's ``{count:,}`` or ``{name!r}`` still applies)."""
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, BaseException):
        # An error of this library kept inside another message: its own paragraph, rendered.
        rendered = getattr(value, "render", None)
        if callable(rendered):
            return rendered(lang)
        first = value.args[0] if value.args else None
        return first.render(lang) if isinstance(first, Message) else str(value)
    if isinstance(value, bool):
        return flag_text(value, lang)
    if isinstance(value, Quantity):
        return period_text(value.count, value.unit, lang)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return date_text(value, lang)
    return value


def _render_part(part: _Part, lang: Lang) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, _Both):
        return part.zh if lang == "zh" else part.en
    template, params = part
    translated = template if lang == "en" else translator(lang)(template)
    if not params:
        # Like gettext's convention: a message without parameters is text, braces and all.
        return translated
    return translated.format(**{name: value_text(v, lang) for name, v in params.items()})


#: Between alternatives: "a or b", "a 或 b" (built once the module's renderers exist).
OR: Final = Message.bilingual(" or ", " 或 ")
