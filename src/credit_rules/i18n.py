"""The language of messages, help and reasons: English or Chinese, chosen explicitly.

The analysts who read credit_rules' output are mostly Chinese; the integrators who call it
often are not. Nothing here keeps a current language: :func:`language_from_environment` turns
an environment into a choice, :func:`translator` turns a choice into a ``gettext`` function, and
the caller passes that function on, so a library call never depends on who set which global.

The catalogues are gettext ``.po`` files under ``credit_rules/locale``, maintained with Babel
(``pybabel extract/update``); the compiled ``.mo`` files beside them ship in the wheel and are
read with the standard library's :mod:`gettext`, so Babel is a tool of the developers only.
English is the source language: its messages are the ``msgid`` themselves.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Literal, get_args

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
