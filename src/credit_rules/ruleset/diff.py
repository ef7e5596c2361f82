"""What changed between two versions of a ruleset, entry by entry.

An analyst who edits a ruleset, or a higher level that lays a layer over one (Ganzhou Art 28),
needs to see the change in the file's own terms before looking at what it does to people:
which parameters, rules, articles and interpretations were added, removed or changed, and in
which field. Entries are matched by id (articles by number), as layering matches them, so a
moved entry is not a change. Positions in the file (line numbers) are never compared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from credit_rules.i18n import N_, Message
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import expression_text
from credit_rules.ruleset.render import cites_text, value_text

ChangeKind = Literal["added", "removed", "changed"]

#: Sections in the order a ruleset file lists them, with the word for one entry.
SECTIONS: Mapping[str, str] = {
    "identity": N_("identity"),
    "articles": N_("article"),
    "terms": N_("term"),
    "parameters": N_("parameter"),
    "registers": N_("register"),
    "facts": N_("fact"),
    "outcomes": N_("outcome"),
    "rules": N_("rule"),
    "interpretations": N_("interpretation"),
}
_KINDS: Mapping[str, str] = {
    "added": N_("added"),
    "removed": N_("removed"),
    "changed": N_("changed"),
}


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry, as the file would write it before and after."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Change:
    """One entry added, removed or changed; ``cites`` are the articles the entry cites."""

    section: str
    key: str
    kind: ChangeKind
    cites: tuple[ir.Cite, ...]
    fields: tuple[FieldChange, ...] = ()

    @property
    def ref(self) -> str:
        """``"parameters.record_validity"``: the same key layering and explanations use."""
        return f"{self.section}.{self.key}"

    @property
    def label(self) -> str:
        """``parameter record_validity (Art 14)`` or ``Art 14``: how a person names it."""
        if self.section == "articles":
            return Message("Art {article}", article=self.key)
        if self.section == "identity":
            return Message("the ruleset's identity")
        entry = Message(SECTIONS[self.section])
        if not self.cites:
            return Message("{entry} {key}", entry=entry, key=self.key)
        return Message(
            "{entry} {key} ({cites})", entry=entry, key=self.key, cites=cites_text(self.cites)
        )

    def summary(self, width: int = 60) -> str:
        """One line: what happened, and for a change each field old → new (shortened)."""
        if self.kind != "changed":
            return Message("{entry} {kind}", entry=self.label, kind=Message(_KINDS[self.kind]))
        parts = [
            f"{f.field}: {_shorten(f.old, width)} → {_shorten(f.new, width)}" for f in self.fields
        ]
        return self.label + Message.raw(": " + "; ".join(parts))


@dataclass(frozen=True)
class StructuralDiff:
    old: ir.Ruleset
    new: ir.Ruleset
    changes: tuple[Change, ...]

    def in_section(self, section: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.section == section)

    def by_ref(self) -> dict[str, Change]:
        return {c.ref: c for c in self.changes}

    @property
    def empty(self) -> bool:
        return not self.changes

    def as_json(self) -> dict[str, Any]:
        return {
            "old": _identity_json(self.old),
            "new": _identity_json(self.new),
            "changes": [
                {
                    "section": c.section,
                    "key": c.key,
                    "kind": c.kind,
                    "cites": [
                        {"article": x.article, **({"item": x.item} if x.item else {})}
                        for x in c.cites
                    ],
                    "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in c.fields],
                }
                for c in self.changes
            ],
        }


def diff_rulesets(old: ir.Ruleset, new: ir.Ruleset) -> StructuralDiff:
    """Every entry of ``old`` and ``new`` that differs, section by section, in file order."""
    changes: list[Change] = []
    identity = _compare(_identity(old), _identity(new))
    if identity:
        changes.append(Change("identity", "ruleset", "changed", new.in_force_cites, identity))
    for section, (entries, key, describe) in _SECTION_READERS.items():
        changes.extend(_section(section, entries(old), entries(new), key, describe))
    return StructuralDiff(old, new, tuple(changes))


def _section(
    section: str,
    old: Sequence[Any],
    new: Sequence[Any],
    key: Callable[[Any], str],
    describe: Callable[[Any], dict[str, str]],
) -> list[Change]:
    before = {key(entry): entry for entry in old}
    after = {key(entry): entry for entry in new}
    found: list[Change] = []
    for name, entry in before.items():
        if name not in after:
            found.append(Change(section, name, "removed", _cites(entry)))
            continue
        fields = _compare(describe(entry), describe(after[name]))
        if fields:
            found.append(Change(section, name, "changed", _cites(after[name]), fields))
    for name, entry in after.items():
        if name not in before:
            found.append(Change(section, name, "added", _cites(entry)))
    return found


def _compare(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[FieldChange, ...]:
    names = list(dict.fromkeys([*old, *new]))
    return tuple(
        FieldChange(name, old.get(name, "(none)"), new.get(name, "(none)"))
        for name in names
        if old.get(name) != new.get(name)
    )


def _cites(entry: Any) -> tuple[ir.Cite, ...]:
    if isinstance(entry, ir.Article):
        return (ir.Cite(entry.number),)
    cites: tuple[ir.Cite, ...] = getattr(entry, "cites", ())
    return cites


def _shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _text(text: ir.Text) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def _prefixed(prefix: str, values: Mapping[str, str]) -> dict[str, str]:
    return {f"{prefix}.{k}": v for k, v in values.items()}


def _opt(expr: Any) -> str:
    return "(none)" if expr is None else expression_text(expr)


def _identity(r: ir.Ruleset) -> dict[str, str]:
    return {
        "id": r.id,
        "version": r.version,
        **_prefixed("title", _text(r.title)),
        "document_number": r.document_number,
        **_prefixed("jurisdiction", _text(r.jurisdiction)),
        "region": r.region or "(none)",
        "issued": r.issued.isoformat() if r.issued else "(none)",
        "in_force_from": r.in_force_from.isoformat(),
        "in_force_until": r.in_force_until.isoformat() if r.in_force_until else "(none)",
        "in_force_cites": cites_text(r.in_force_cites),
        "vocabulary": r.vocabulary,
        "subject_kinds": ", ".join(r.subject_kinds),
    }


def _identity_json(r: ir.Ruleset) -> dict[str, str]:
    return {"id": r.id, "version": r.version, "digest": r.digest, "source": r.source}


def _article(a: ir.Article) -> dict[str, str]:
    fields = {"role": a.role, "why_context": a.why_context or "(none)", "zh": a.zh, "en": a.en}
    for item in a.items:
        fields[f"items[{item.number}].zh"] = item.zh
        fields[f"items[{item.number}].en"] = item.en
    return fields


def _term(t: ir.Term) -> dict[str, str]:
    return {"kind": t.kind, **_prefixed("description", _text(t.description)), "cites": _c(t)}


def _parameter(p: ir.Parameter) -> dict[str, str]:
    return {
        "type": p.type,
        "value": value_text(p.value),
        "min": "(none)" if p.min is None else str(p.min),
        "max": "(none)" if p.max is None else str(p.max),
        **_prefixed("description", _text(p.description)),
        "cites": _c(p),
    }


def _register(r: ir.Register) -> dict[str, str]:
    return {
        "entered_by": r.entered_by,
        "key": r.key,
        "validity": r.validity or "(none)",
        "removed_by.event": r.removed_by_event or "(none)",
        "removed_by.action": r.removed_by_action or "(none)",
        "removed_by.where": _opt(r.removed_by_where),
        **_prefixed("description", _text(r.description)),
        "cites": _c(r),
    }


def derivation_text(derivation: ir.Derivation) -> str:
    """How a fact is derived, in one line of the file's vocabulary."""
    if isinstance(derivation, ir.CountOf | ir.LatestEntryOf):
        what = "count" if isinstance(derivation, ir.CountOf) else "latest_entry"
        where = f" where {expression_text(derivation.where)}" if derivation.where else ""
        return f"{what} of {derivation.register} valid on {derivation.valid_on}{where}"
    if isinstance(derivation, ir.EventQuery):
        names = {"first": "first_event", "last": "last_event"}
        what = names.get(derivation.pick, f"{derivation.pick}_events")
        where = f" where {expression_text(derivation.where)}" if derivation.where else ""
        value = f" value {expression_text(derivation.value)}" if derivation.value else ""
        return f"{what} {derivation.event_type}{where}{value}"
    return expression_text(derivation.expr)


def _fact(f: ir.Fact) -> dict[str, str]:
    return {
        "type": f.type,
        "derivation": derivation_text(f.derivation),
        "for_each": f.for_each or "(none)",
        **_prefixed("description", _text(f.description)),
        "cites": _c(f),
    }


def _outcome(o: ir.Outcome) -> dict[str, str]:
    return {"kind": o.kind, **_prefixed("description", _text(o.description)), "cites": _c(o)}


def _rule(r: ir.Rule) -> dict[str, str]:
    fields = {
        "for_each": r.on,
        "when": expression_text(r.when),
        "outcome": r.outcome,
        "from": expression_text(r.from_),
        "until": _opt(r.until),
        "group": r.group or "(none)",
        "priority": str(r.priority),
        "period": r.period or "(none)",
        **_prefixed("description", _text(r.description)),
        "cites": _c(r),
    }
    if r.excluding is not None:
        x = r.excluding
        fields["excluding"] = f"{x.event_type} where {_opt(x.where)} ({x.until_field})"
    if r.extended_by is not None:
        e = r.extended_by
        times = "any number of times" if e.max_times is None else f"{e.max_times} time(s)"
        fields["extended_by"] = f"{e.event_type}.{e.field} up to {e.cap}, {times}"
    return fields


def _interpretation(i: ir.Interpretation) -> dict[str, str]:
    fields = {
        **_prefixed("question", _text(i.question)),
        "default": i.default,
        "parameter": i.parameter or "(none)",
        "rationale": i.rationale,
        "cites": _c(i),
    }
    for alternative in i.alternatives:
        fields[f"alternatives.{alternative.id}"] = (
            f"{alternative.en} (value {value_text(alternative.value)})"
        )
    return fields


def _c(entry: Any) -> str:
    return cites_text(_cites(entry))


_SECTION_READERS: Mapping[
    str,
    tuple[
        Callable[[ir.Ruleset], Sequence[Any]],
        Callable[[Any], str],
        Callable[[Any], dict[str, str]],
    ],
] = {
    "articles": (lambda r: r.articles, lambda a: str(a.number), _article),
    "terms": (lambda r: r.terms, lambda t: t.id, _term),
    "parameters": (lambda r: r.parameters, lambda p: p.id, _parameter),
    "registers": (lambda r: r.registers, lambda g: g.id, _register),
    "facts": (lambda r: r.facts, lambda f: f.id, _fact),
    "outcomes": (lambda r: r.outcomes, lambda o: o.id, _outcome),
    "rules": (lambda r: r.rules, lambda r: r.id, _rule),
    "interpretations": (lambda r: r.interpretations, lambda i: i.id, _interpretation),
}
