"""Load a ruleset file: parse safely, check the schema, type-check every name, freeze the IR.

Every problem is collected and reported together, each with file, line, column and field, so
an analyst fixes a file in one pass rather than one error at a time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePath
from typing import Any, Literal

from pydantic import ValidationError

from credit_rules.errors import (
    ArgumentError,
    Problem,
    RulesetError,
    mask_identities,
    os_reason,
    require,
    shown,
    suggestion,
    validation_message,
)
from credit_rules.i18n import N_, Message, listing
from credit_rules.limits import DEFAULT_LIMITS, Limits, check_bytes, read_capped, too_large
from credit_rules.model.subjects import SUBJECT_CLASSES
from credit_rules.model.vocabularies import event_fields, event_types, field_choices, vocabularies
from credit_rules.periods import Period, in_working_days
from credit_rules.ruleset import ir
from credit_rules.ruleset.analysis import derivation_exprs, uses, with_dependencies
from credit_rules.ruleset.bundle import bundled_ids, bundled_source
from credit_rules.ruleset.expressions import (
    Compare,
    Const,
    Expr,
    ExpressionError,
    Field,
    Ref,
    Type,
    names_in,
    nodes,
    parse,
    type_of,
)
from credit_rules.ruleset.layering import SECTIONS, merge
from credit_rules.ruleset.schema import (
    CiteSpec,
    FactSpec,
    InterpretationSpec,
    RulesetSpec,
    RuleSpec,
    TextSpec,
)
from credit_rules.yaml_source import Path as YamlPath
from credit_rules.yaml_source import (
    SourceMap,
    YamlSyntaxError,
    not_utf8,
    plain,
    read_yaml,
    wide_colon_key,
)


def load_ruleset(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> ir.Ruleset:
    """Load and check a ruleset file. Raises :class:`RulesetError` listing every problem, or
    :class:`~credit_rules.errors.LimitExceeded` for a file larger than ``limits`` allow."""
    if not isinstance(path, str | os.PathLike):
        raise ArgumentError(
            Message("a ruleset's path is text or a path, not {value}", value=shown(path))
        )
    require(limits, Limits, "limits")
    return _load_file(Path(path), limits, ())


def _load_file(file: Path, limits: Limits, chain: tuple[str, ...]) -> ir.Ruleset:
    try:
        data = read_capped(file, limits, str(file))
    except OSError as error:
        raise RulesetError(
            str(file),
            [Problem(Message("cannot read the file: {strerror}", strerror=os_reason(error)))],
        ) from None
    return _loads(data, str(file), file.parent, limits, chain)


def loads_ruleset(
    data: bytes | str,
    *,
    source: str = "<string>",
    base_dir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ir.Ruleset:
    """Load a ruleset from its text. ``base_dir`` resolves a relative ``extends`` path."""
    if not isinstance(data, str | bytes):
        raise ArgumentError(
            Message("a ruleset's text is str or bytes, not {value}", value=shown(data))
        )
    require(limits, Limits, "limits")
    return _loads(data, source, base_dir, limits, ())


def _is_scenario(document: Mapping[str, Any]) -> bool:
    """Whether a document is plainly a scenario: it names a ruleset and an ``as_of`` and has
    no rules of its own."""
    return {"ruleset", "as_of"} <= document.keys() and not {"rules", "extends"} & document.keys()


def _loads(
    data: bytes | str,
    source: str,
    base_dir: Path | None,
    limits: Limits,
    chain: tuple[str, ...],
) -> ir.Ruleset:
    if len(data) > limits.max_bytes:
        check_bytes(len(data), limits, source)
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    check_bytes(len(raw), limits, source)
    document, source_map = _read(raw, source, limits)
    if isinstance(document, dict) and _is_scenario(document):
        # One problem, not a line per key a scenario lacks or has too many.
        raise RulesetError(
            source,
            [
                Problem(
                    Message(
                        "this is a scenario file, not a ruleset: a ruleset has articles, facts "
                        "and rules (a scenario is run with evaluate or test)"
                    ),
                    line=1,
                )
            ],
        )
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    layer: ir.Layer | None = None
    overridden: dict[str, str] = {}
    if "extends" in document:
        chain = (*chain, _identity(source))
        base = _load_base(document["extends"], source, source_map, base_dir, limits, chain)
        base_document = _resolved_document(document["extends"], base_dir, {source}, limits)
        layer_id = str(document.get("id", "<layer>"))
        merged = merge(base_document, document, source_map, layer_id, _lines_of(base))
        document, source_map = merged.document, merged.source_map
        overridden = {**base.overridden, **merged.overridden}
        digest = "sha256:" + hashlib.sha256(f"{base.digest}|{digest}".encode()).hexdigest()
        layer = ir.Layer(
            id=layer_id,
            extends=base.id,
            source=source,
            overridden=tuple(sorted(overridden)),
            added=merged.added,
        )
    try:
        spec = RulesetSpec.model_validate(document)
    except ValidationError as error:
        raise RulesetError(source, _schema_problems(error, source_map, document)) from None
    ruleset = _Checker(spec, source_map, source, digest, limits).build()
    if layer is None:
        return ruleset
    unread = _unread_additions(ruleset, base, layer.added, source_map)
    if unread:
        raise RulesetError(source, unread)
    return dataclasses.replace(ruleset, layers=(*base.layers, layer), overridden=overridden)


def _identity(source: str) -> str:
    """One name per file however it was reached (``a/../b.yaml`` and ``b.yaml`` alike)."""
    if source.startswith("<"):
        return source
    try:
        return str(Path(source).resolve())
    except (OSError, RuntimeError):
        return source


def _read(raw: bytes, source: str, limits: Limits) -> tuple[dict[str, Any], SourceMap]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RulesetError(source, [not_utf8(raw, error)]) from None
    try:
        document, source_map = read_yaml(text, limits, source)
    except YamlSyntaxError as error:
        raise RulesetError(source, [error.problem]) from None
    if not isinstance(document, dict):
        raise RulesetError(
            source, [Problem(Message("a ruleset file must be a YAML mapping"), line=1)]
        )
    return document, source_map


def _unread_additions(
    ruleset: ir.Ruleset, base: ir.Ruleset, added: tuple[str, ...], source_map: SourceMap
) -> list[Problem]:
    """A layer's parameter or fact that its base does not have and nothing reads changes
    nothing: almost always a misspelt id meant to override the base's entry. It is refused,
    naming the closest entries of the base, rather than silently added."""
    used = uses(ruleset, ruleset.rules)
    sections = {
        "parameters": ([p.id for p in base.parameters], used.parameters, Message("parameter")),
        "facts": ([f.id for f in base.facts], used.facts, Message("fact")),
    }
    problems = []
    for entry in added:
        section, _, name = entry.partition(".")
        if section not in sections:
            continue
        known, read, kind = sections[section]
        if name in read:
            continue
        index = next((i for i, e in enumerate(getattr(ruleset, section)) if e.id == name), None)
        path: YamlPath = (section, index, "id") if index is not None else (section,)
        message = Message(
            "{kind} {name} is not in {id}, and nothing reads it, so this layer "
            "entry would change nothing; a layer overrides an entry by repeating "
            "its id",
            kind=kind,
            name=name,
            id=base.id,
        ) + suggestion(name, known)
        # Named by id: the entry's index in the merged document is not the layer's own.
        located = source_map.problem(path, message)
        problems.append(dataclasses.replace(located, field=f"{section}.{name}"))
    return problems


def _resolved_document(
    name: str, base_dir: Path | None, seen: set[str], limits: Limits
) -> dict[str, Any]:
    """The document a layer is laid over, with that document's own ``extends`` resolved first,
    so a layer over a layer keeps everything the middle one inherits."""
    if name in bundled_ids():
        raw, source, here = (
            bundled_source(name),
            f"<bundled>/{name}.yaml",
            None,
        )
    else:
        path = (base_dir or Path.cwd()) / name
        source, here = str(path), path.parent
        try:
            raw = read_capped(path, limits, source)
        except OSError as error:
            problem = Problem(
                Message("cannot read the file: {strerror}", strerror=os_reason(error))
            )
            raise RulesetError(source, [problem]) from None
    if source in seen or len(seen) > limits.max_extends:
        raise RulesetError(source, [Problem(Message("layers extend each other in a cycle"))])
    document, source_map = _read(raw, source, limits)
    if "extends" not in document:
        return document
    below = _resolved_document(str(document["extends"]), here, {*seen, source}, limits)
    return merge(below, document, source_map, str(document.get("id", "<layer>"))).document


def _lines_of(base: ir.Ruleset) -> dict[tuple[str, str], str]:
    """``file:line`` of each entry of ``base``, by section and id. Only for a base of one
    file: a layered base's lines are in several files, and a wrong file is worse than none."""
    if base.layers:
        return {}
    file = PurePath(base.source).name
    # The IR names each section's entries as the file does (ruleset.rules for rules:).
    return {
        (section, str(getattr(entry, key))): f"{file}:{entry.line}"
        for section, key in SECTIONS.items()
        for entry in getattr(base, section)
        if entry.line is not None
    }


def _load_base(
    name: Any,
    source: str,
    source_map: SourceMap,
    base_dir: Path | None,
    limits: Limits,
    chain: tuple[str, ...],
) -> ir.Ruleset:
    """The ruleset a layer extends: a bundled id, or a file relative to the layer's file.
    ``chain`` holds the files above it, so a cycle (a file that extends itself, or two that
    extend each other) is refused at the ``extends`` that closes it."""
    if not isinstance(name, str) or not name:
        raise RulesetError(
            source, [source_map.problem(("extends",), Message("extends names a ruleset"))]
        )
    if name in bundled_ids():
        return loads_ruleset(bundled_source(name), source=f"<bundled>/{name}.yaml")
    path = (base_dir or Path.cwd()) / name
    if not path.is_file():
        known = ", ".join(bundled_ids())
        message = Message(
            "extends {name!r}, which is neither a bundled ruleset ({known}) nor a file",
            name=name,
            known=known,
        )
        raise RulesetError(source, [source_map.problem(("extends",), message)])
    if _identity(str(path)) in chain:
        message = Message(
            "extends {name!r}, which extends this file again: layers may not form a cycle",
            name=name,
        )
        raise RulesetError(source, [source_map.problem(("extends",), message)])
    if len(chain) >= limits.max_extends:
        line = source_map.locate(("extends",))[0]
        raise too_large(
            source, "max_extends", len(chain) + 1, limits.max_extends, "the layers", line=line
        )
    return _load_file(path, limits, chain)


#: A record's validity runs like the Civil Code's periods (Art 201-202), from day to day: a
#: count of working days would make every record's expiry hang on the holiday calendar, which
#: no register is evaluated with.
_VALIDITY_IN_WORKING_DAYS = Message(
    "a register's validity is counted in days, months or years, not in working days"
)


def with_parameters(ruleset: ir.Ruleset, values: Mapping[str, Any]) -> ir.Ruleset:
    """A copy of ``ruleset`` with some parameters changed, each checked against its type and
    declared bounds. The digest changes, so results never claim to come from the file."""
    require(ruleset, ir.Ruleset, "ruleset")
    require(values, Mapping, "values")
    problems: list[Problem] = []
    by_id = {p.id: p for p in ruleset.parameters}
    replaced = dict(by_id)
    for name, raw in sorted(values.items()):
        parameter = by_id.get(name)
        if parameter is None:
            problems.append(
                Problem(Message("no parameter {name!r}", name=name), field=f"parameters.{name}")
            )
            continue
        try:
            value = _coerce_parameter(parameter.type, raw, parameter.min, parameter.max)
        except ValueError as error:
            problems.append(Problem(_said(error), field=f"parameters.{name}"))
            continue
        replaced[name] = dataclasses.replace(parameter, value=value)
        if in_working_days(value) and any(r.validity == name for r in ruleset.registers):
            problems.append(Problem(_VALIDITY_IN_WORKING_DAYS, field=f"parameters.{name}"))
    if problems:
        raise RulesetError(ruleset.source, problems)
    overrides = ",".join(f"{k}={replaced[k].value}" for k in sorted(values))
    digest = "sha256:" + hashlib.sha256(f"{ruleset.digest}|{overrides}".encode()).hexdigest()
    return dataclasses.replace(
        ruleset,
        parameters=tuple(replaced[p.id] for p in ruleset.parameters),
        digest=digest,
        version=f"{ruleset.version}+{overrides}",
    )


#: What each kind of value a field may take is called, by the tag pydantic puts after the
#: field's path when a value fits none of a union's members.
_UNION_MEMBERS = {
    "int": N_("a whole number"),
    "bool": N_("true or false"),
    "str": N_("text"),
}

#: What a parameter's value must be, by its ``type``: the union (whole number, true or false,
#: text) is only what the schema can say before it knows the type.
_PARAMETER_TAKES = {
    "count": N_("a whole number"),
    "flag": N_("true or false"),
    "period": N_("a period, such as '1 year' or '30 days'"),
}


def _union_need(document: Mapping[str, Any], field: tuple[Any, ...], choices: Message) -> Message:
    """What a union field needs, said as narrowly as the document allows: a parameter's value
    by the parameter's own ``type`` when that is one of the types, else every kind it may be."""
    kind = None
    if len(field) == 3 and field[0] == "parameters" and field[2] == "value":
        entries = document.get("parameters")
        entry = entries[field[1]] if isinstance(entries, list) else None
        kind = entry.get("type") if isinstance(entry, Mapping) else None
    if kind in _PARAMETER_TAKES:
        return Message(
            "a {kind} parameter takes {need}", kind=kind, need=Message(_PARAMETER_TAKES[kind])
        )
    return Message("expected one of: {choices}", choices=choices)


def _union_misfits(items: list[Any], document: Mapping[str, Any]) -> list[Any]:
    """The errors, with those of one value that fits none of a union's members (one error
    per member, each at the field's path plus the member's tag) made one, at the field.
    ``value: null`` was three problems on the pseudo-fields ``value.int``, ``value.bool``
    and ``value.str``; a missing value (``null``) is told one is required."""
    members: dict[tuple[Any, ...], list[Any]] = {}
    for item in items:
        loc = tuple(item["loc"])
        if loc and loc[-1] in _UNION_MEMBERS:
            members.setdefault(loc[:-1], []).append(item)
    merged: list[Any] = []
    done: set[tuple[Any, ...]] = set()
    for item in items:
        loc = tuple(item["loc"])
        field = loc[:-1]
        if not loc or loc[-1] not in _UNION_MEMBERS or len(members[field]) < 2:
            merged.append(item)
        elif field not in done:
            done.add(field)
            choices = [Message(_UNION_MEMBERS[i["loc"][-1]]) for i in members[field]]
            need = _union_need(document, field, listing(choices))
            if item.get("input") is None:
                need = Message("a value is required: {need}", need=need)
            merged.append(
                {"type": "union_misfit", "loc": field, "input": item.get("input"), "msg": need}
            )
    return merged


def _not_short_for_a_bad_item(items: list[Any]) -> list[Any]:
    """The errors without "has fewer than N items" for a list whose items are there but
    wrong: pydantic counts only the items that were valid, and the items' own errors are
    the ones to fix."""
    locs = [tuple(item["loc"]) for item in items]

    def has_bad_items(loc: tuple[Any, ...]) -> bool:
        return any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)

    return [
        item
        for item, loc in zip(items, locs, strict=True)
        if item["type"] != "too_short" or not has_bad_items(loc)
    ]


#: pydantic's kinds of error for a value that should have been a mapping.
_MAPPING_WANTED = frozenset({"dict_type", "model_type", "model_attributes_type"})


def _schema_problems(
    error: ValidationError, source_map: SourceMap, document: Mapping[str, Any]
) -> list[Problem]:
    problems = []
    for item in _union_misfits(_not_short_for_a_bad_item(error.errors()), document):
        path: YamlPath = tuple(item["loc"])
        kind = item["type"]
        if kind == "union_misfit":
            message = Message(
                "{message} (got {value})",
                message=item["msg"],
                value=mask_identities(plain(item.get("input"))),
            )
        elif (
            kind in _MAPPING_WANTED
            and isinstance(item.get("input"), str)
            and (wide := wide_colon_key(item["input"])) is not None
        ):
            # ``- article：15`` is one text to YAML where a mapping is wanted: the colon is
            # the mistake to name, not the missing mapping.
            message = wide
        elif kind == "missing":
            message = Message("the required field {key!r} is missing", key=path[-1])
        elif kind == "extra_forbidden":
            message = Message(
                "unknown key {key!r} (check its spelling; unknown keys are errors)", key=path[-1]
            )
        else:
            message = Message(
                "{message} (got {value})",
                message=validation_message(item),
                value=mask_identities(plain(item.get("input"))),
            )
        problems.append(source_map.problem(path, message))
    return problems


# A count parameter has at most as many digits as Limits.max_int_digits allows in a file, also
# when it is set from Python (with_parameters), where no file limit applies.
_LARGEST_COUNT = 10**30


def _coerce_parameter(kind: str, raw: Any, low: int | None, high: int | None) -> ir.ParameterValue:
    if kind == "flag":
        if not isinstance(raw, bool):
            raise ValueError(Message("expected true or false, got {raw}", raw=shown(raw)))
        return raw
    if kind == "count":
        if isinstance(raw, bool):
            # As the file says it, not as Python prints it (True).
            said = "true" if raw else "false"
            raise ValueError(Message("expected a whole number, got {raw}", raw=said))
        if not isinstance(raw, int):
            raise ValueError(Message("expected a whole number, got {raw}", raw=shown(raw)))
        if raw < 0 and low is None:
            raise ValueError(Message("a count cannot be negative, got {raw}", raw=raw))
        # A negative count below a declared minimum is said so below.
        if raw >= _LARGEST_COUNT:
            raise ValueError(
                Message("{raw} is larger than any count a regulation sets", raw=shown(raw))
            )
        number = raw
        value: ir.ParameterValue = raw
    else:
        value = raw if isinstance(raw, Period) else Period.parse(str(raw))
        number = value.count
    if low is not None and number < low:
        raise ValueError(Message("{raw!r} is below the declared minimum {low}", raw=raw, low=low))
    if high is not None and number > high:
        raise ValueError(
            Message("{raw!r} is above the declared maximum {high}", raw=raw, high=high)
        )
    return value


#: A value of each parameter type, standing in for one that was refused (never evaluated: a
#: ruleset with a problem is not built).
_STAND_IN: Mapping[str, ir.ParameterValue] = {
    "flag": False,
    "count": 0,
    "period": Period(1, "years"),
}


class _Checker:
    """Cross-checks a schema-valid file and freezes it into the IR."""

    def __init__(
        self,
        spec: RulesetSpec,
        source_map: SourceMap,
        source: str,
        digest: str,
        limits: Limits = DEFAULT_LIMITS,
    ):
        self.spec = spec
        self.limits = limits
        self.map = source_map
        self.source = source
        self.digest = digest
        self.problems: list[Problem] = []
        #: Facts that could not be built (their problem is reported where they are written):
        #: an expression reading one is not told again that the name is unknown.
        self.unbuilt_facts: set[str] = set()
        #: The fact whose derivation is being built, and its place in the list, if any.
        self.building_fact: tuple[str, int] | None = None
        # Where each key of each mapping is written, so every entry of the IR carries its own
        # lines and nothing later has to read the file again to point at it.
        self.key_lines: dict[YamlPath, dict[str, int]] = {}
        for path, (line, _) in source_map.positions.items():
            if path and isinstance(path[-1], str):
                self.key_lines.setdefault(path[:-1], {})[path[-1]] = line

    def problem(self, path: YamlPath, message: str) -> None:
        self.problems.append(self.map.problem(path, message))

    def line(self, path: YamlPath) -> int | None:
        """The line an entry starts on; None for one a layer kept from the file below."""
        position = self.map.positions.get(path)
        return None if position is None else position[0]

    def lines(self, path: YamlPath) -> Mapping[str, int]:
        # A copy the entry owns, as a plain mapping: rulesets pickle (to worker processes),
        # and a read-only view does not.
        return dict(self.key_lines.get(path, {}))

    def build(self) -> ir.Ruleset:
        spec = self.spec
        if spec.vocabulary not in vocabularies():
            self.problem(
                ("vocabulary",),
                Message(
                    "unknown vocabulary; known: {vocabularies}",
                    vocabularies=", ".join(vocabularies()),
                ),
            )
            raise RulesetError(self.source, self.problems)
        self.events = event_types(spec.vocabulary)
        for index, kind in enumerate(spec.subject_kinds):
            if kind not in SUBJECT_CLASSES:
                self.problem(
                    ("subject_kinds", index), Message("unknown subject kind {kind!r}", kind=kind)
                )
        if spec.in_force_until is not None and spec.in_force_until < spec.in_force_from:
            self.problem(("in_force_until",), Message("in_force_until is before in_force_from"))
        articles = self._articles()
        in_force_cites = self._cites((), spec.in_force_cites, key="in_force_cites")
        terms = self._terms()
        parameters = self._parameters()
        registers = self._registers(parameters)
        outcomes = self._outcomes()
        facts = self._facts(registers, parameters)
        rules = self._rules(registers, parameters, facts, outcomes)
        interpretations = self._interpretations(parameters)
        before_in_force = self._before_in_force(parameters)
        if self.problems:
            raise RulesetError(self.source, self.problems)
        return ir.Ruleset(
            id=spec.id,
            version=spec.version,
            digest=self.digest,
            source=self.source,
            title=_text(spec.title),
            document_number=spec.document_number,
            jurisdiction=_text(spec.jurisdiction),
            region=spec.region,
            issued=spec.issued,
            in_force_from=spec.in_force_from,
            in_force_until=spec.in_force_until,
            in_force_cites=in_force_cites,
            vocabulary=spec.vocabulary,
            subject_kinds=spec.subject_kinds,
            articles=articles,
            terms=terms,
            parameters=tuple(parameters.values()),
            registers=tuple(registers.values()),
            facts=tuple(facts.values()),
            outcomes=tuple(outcomes.values()),
            rules=rules,
            interpretations=interpretations,
            lines=self.lines(()),
            before_in_force=before_in_force,
        )

    def _before_in_force(self, parameters: dict[str, ir.Parameter]) -> ir.BeforeInForce | None:
        spec = self.spec.before_in_force
        if spec is None:
            return None
        path: YamlPath = ("before_in_force",)
        for index, name in enumerate(spec.types):
            if name not in self.events:
                self.problem(
                    (*path, "types", index), Message("unknown event type {name!r}", name=name)
                )
        flag = parameters.get(spec.when)
        if flag is None or not isinstance(flag.value, bool):
            self.problem(
                (*path, "when"), Message("{when!r} is not a flag parameter", when=spec.when)
            )
        return ir.BeforeInForce(spec.types, spec.when, self._cites(path, spec.cites))

    def _unique(
        self,
        section: str,
        ids: list[Any],
        taken: dict[Any, str] | None = None,
        *,
        within: YamlPath = (),
    ) -> None:
        """Refuse an id given twice in ``section`` (a list ``within`` an entry, such as an
        interpretation's alternatives, or a top-level section), and one already ``taken``."""
        seen: dict[Any, int] = {}
        for index, identifier in enumerate(ids):
            if identifier in seen:
                self.problem(
                    (*within, section, index),
                    Message(
                        "duplicate id {identifier!r} (also {other})",
                        identifier=identifier,
                        other=self.map.field((*within, section, seen[identifier])),
                    ),
                )
            elif taken is not None and identifier in taken:
                self.problem(
                    (*within, section, index),
                    Message(
                        "{identifier!r} is already used by {taken}",
                        identifier=identifier,
                        taken=taken[identifier],
                    ),
                )
            seen.setdefault(identifier, index)
            if taken is not None:
                # As the file names it: a layer's own entry by its place in the layer.
                taken.setdefault(identifier, self.map.field((*within, section, index)))

    def _articles(self) -> tuple[ir.Article, ...]:
        spec = self.spec
        self._unique("articles", [a.number for a in spec.articles])
        self.article_items: dict[int, set[int]] = {}
        result = []
        for index, article in enumerate(spec.articles):
            self._unique_items(index, [item.number for item in article.items])
            if article.role == "context" and not article.why_context:
                self.problem(
                    ("articles", index, "why_context"),
                    Message("a context article needs one line saying why nothing here is executed"),
                )
            self.article_items[article.number] = {item.number for item in article.items}
            items = tuple(ir.Item(i.number, i.zh, i.en) for i in article.items)
            result.append(
                ir.Article(
                    article.number,
                    article.role,
                    article.why_context,
                    article.zh,
                    article.en,
                    items,
                    self.line(("articles", index)),
                    self.lines(("articles", index)),
                )
            )
        return tuple(result)

    def _unique_items(self, article_index: int, numbers: list[int]) -> None:
        if len(set(numbers)) != len(numbers):
            self.problem(("articles", article_index, "items"), Message("duplicate item numbers"))

    def _cites(
        self, path: YamlPath, cites: tuple[CiteSpec, ...], key: str = "cites"
    ) -> tuple[ir.Cite, ...]:
        for index, cite in enumerate(cites):
            items = self.article_items.get(cite.article)
            if items is None:
                self.problem(
                    (*path, key, index, "article"),
                    Message(
                        "cites article {article}, which this ruleset does not contain",
                        article=cite.article,
                    ),
                )
            elif cite.item is not None and cite.item not in items:
                self.problem(
                    (*path, key, index, "item"),
                    Message(
                        "cites item {item} of article {article}, which has no such item",
                        item=cite.item,
                        article=cite.article,
                    ),
                )
        return tuple(ir.Cite(c.article, c.item) for c in cites)

    def _terms(self) -> tuple[ir.Term, ...]:
        self._unique("terms", [t.id for t in self.spec.terms])
        terms = []
        for index, term in enumerate(self.spec.terms):
            path: YamlPath = ("terms", index)
            if term.kind == "event":
                self._event((*path, "id"), term.id)
            cites = self._cites(path, term.cites)
            terms.append(
                ir.Term(
                    term.id,
                    term.kind,
                    _text(term.description),
                    cites,
                    self.line(path),
                    self.lines(path),
                )
            )
        return tuple(terms)

    def _not_a_trigger(self, for_each: str, registers: Mapping[str, Any]) -> Message:
        """Why ``for_each`` names nothing a rule or fact can be for, with the closest name."""
        return Message(
            "{for_each!r} is neither a register nor an event type{hint}",
            for_each=for_each,
            hint=suggestion(for_each, [*registers, *self.events]),
        )

    def _parameters(self) -> dict[str, ir.Parameter]:
        self.names: dict[str, str] = {name: "a built-in name" for name in ir.BUILTINS}
        self.names.update({name: "an event in expressions" for name in ir.SCOPE_NAMES})
        self._unique("parameters", [p.id for p in self.spec.parameters], self.names)
        #: Parameters whose value was refused and stands in: nothing is checked against it.
        self.stand_ins: set[str] = set()
        result: dict[str, ir.Parameter] = {}
        for index, p in enumerate(self.spec.parameters):
            path: YamlPath = ("parameters", index)
            cites = self._cites(path, p.cites)
            try:
                value = _coerce_parameter(p.type, p.value, p.min, p.max)
            except ValueError as error:
                # Reported once, here. The parameter keeps its declared type with a stand-in
                # value, so what reads it type-checks and no knock-on error hides this one.
                self.problem((*path, "value"), _said(error))
                value = _STAND_IN[p.type]
                self.stand_ins.add(p.id)
            result.setdefault(
                p.id,
                ir.Parameter(
                    p.id,
                    p.type,
                    value,
                    _text(p.description),
                    cites,
                    p.min,
                    p.max,
                    self.line(path),
                    self.lines(path),
                ),
            )
        return result

    def _registers(self, parameters: dict[str, ir.Parameter]) -> dict[str, ir.Register]:
        self._unique("registers", [r.id for r in self.spec.registers])
        result: dict[str, ir.Register] = {}
        for index, r in enumerate(self.spec.registers):
            path: YamlPath = ("registers", index)
            if not self._event((*path, "entered_by"), r.entered_by):
                continue
            if r.key not in self._fields(r.entered_by):
                self.problem(
                    (*path, "key"),
                    Message(
                        "{entered_by} has no field {key!r}", entered_by=r.entered_by, key=r.key
                    ),
                )
            validity = parameters.get(r.validity) if r.validity is not None else None
            if r.validity is not None and (validity is None or validity.type != "period"):
                self.problem(
                    (*path, "validity"),
                    Message("{validity!r} is not a period parameter", validity=r.validity),
                )
            elif validity is not None and in_working_days(validity.value):
                self.problem((*path, "validity"), _VALIDITY_IN_WORKING_DAYS)
            removal = r.removed_by
            where = None
            if removal is not None and self._event((*path, "removed_by", "event"), removal.event):
                if r.key not in self._fields(removal.event):
                    self.problem(
                        (*path, "removed_by", "event"),
                        Message("{event} has no field {key!r}", event=removal.event, key=r.key),
                    )
                self._removal_action(path, removal.event, removal.action)
                if removal.where is not None:
                    where = self._expr(
                        (*path, "removed_by", "where"),
                        removal.where,
                        self._scope(parameters, {}, None),
                        "flag",
                        {"event": self._fields(removal.event)},
                    )
            result[r.id] = ir.Register(
                id=r.id,
                description=_text(r.description),
                entered_by=r.entered_by,
                key=r.key,
                validity=r.validity,
                removed_by_event=removal.event if removal else None,
                removed_by_action=removal.action if removal else None,
                removed_by_where=where,
                cites=self._cites(path, r.cites),
                line=self.line(path),
                lines=self.lines(path),
            )
        return result

    def _event(self, path: YamlPath, name: str) -> bool:
        if name not in self.events:
            known = ", ".join(sorted(self.events))
            self.problem(
                path,
                Message(
                    "{name!r} is not an event type of this vocabulary ({known})",
                    name=name,
                    known=known,
                ),
            )
            return False
        return True

    def _fields(self, event_type: str) -> Mapping[str, Type]:
        return _ScopeFields(self.spec.vocabulary, event_type)

    def _outcomes(self) -> dict[str, ir.Outcome]:
        self._unique("outcomes", [o.id for o in self.spec.outcomes])
        return {
            o.id: ir.Outcome(
                o.id,
                o.kind,
                _text(o.description),
                self._cites(("outcomes", i), o.cites),
                self.line(("outcomes", i)),
                self.lines(("outcomes", i)),
            )
            for i, o in enumerate(self.spec.outcomes)
        }

    def _trigger_type(
        self, for_each: str | None, registers: Mapping[str, ir.Register]
    ) -> str | None:
        """The event type a trigger stands for: a register's entering event, or the event."""
        if for_each is None:
            return None
        if for_each in registers:
            return registers[for_each].entered_by
        return for_each if for_each in self.events else None

    def _scope(
        self,
        parameters: Mapping[str, ir.Parameter],
        facts: Mapping[str, ir.Fact],
        for_each: str | None,
    ) -> dict[str, Type]:
        """Names an expression may use: built-ins, parameters, and the facts that are computed
        for every trigger or for this one (a fact tied to one trigger reads its fields)."""
        scope: dict[str, Type] = dict(ir.BUILTINS)
        scope.update({p.id: p.type for p in parameters.values()})
        scope.update(
            {f.id: f.type for f in facts.values() if f.for_each is None or f.for_each == for_each}
        )
        return scope

    def _trigger_scope(
        self, for_each: str | None, registers: Mapping[str, ir.Register]
    ) -> dict[str, Mapping[str, Type]]:
        trigger_type = self._trigger_type(for_each, registers)
        return {} if trigger_type is None else {"trigger": self._fields(trigger_type)}

    def _expr(
        self,
        path: YamlPath,
        text: str,
        scope: Mapping[str, Type],
        want: Type | None,
        scopes: Mapping[str, Mapping[str, Type]] | None = None,
    ) -> Expr | None:
        try:
            expr = parse(text, scope, scopes, self.limits)
        except ExpressionError as error:
            said = self._fact_out_of_order(error.name)
            if said is not None:
                error = ExpressionError(said, error.column, error.name)
            elif error.name in self.unbuilt_facts and self.problems:
                return None  # that fact's own problem, reported, is the one to fix
            where = (
                Message(" (column {column} of the expression)", column=error.column)
                if error.column
                else ""
            )
            self.problem(path, Message("{error}{where}", error=error, where=where))
            return None
        if want is not None and type_of(expr) != want:
            self.problem(
                path,
                Message(
                    "this expression is a {type_of}, but a {want} is needed here",
                    type_of=type_of(expr),
                    want=want,
                ),
            )
            return None
        if not self._texts_it_can_hold(path, expr, scopes or {}):
            return None
        return expr

    def _fact_out_of_order(self, name: str | None) -> Message | None:
        """What to say of a fact that a fact's derivation reads before it is in scope: itself,
        or one listed further down (a fact reads only the facts above it, which is what makes
        a cycle impossible). None for a name that is no fact at all."""
        if name is None or self.building_fact is None:
            return None
        building, place = self.building_fact
        if name == building:
            return Message("{name} cannot be derived from itself", name=name)
        below = [i for i, f in enumerate(self.spec.facts) if f.id == name and i > place]
        if not below:
            return None
        line = self.line(("facts", below[0]))
        if line is None:  # the base's fact, below a layer's replacement: no line, no moving it
            return Message(
                "{name} is a fact listed further down, in the ruleset this layer extends; a "
                "fact reads only the facts listed above it, and an entry a layer replaces "
                "keeps the place of the base's entry",
                name=name,
            )
        return Message(
            "{name} is a fact listed further down (line {line}); a fact reads only the facts "
            "listed above it, so move {name} above this one",
            name=name,
            line=line,
        )

    def _removal_action(self, path: YamlPath, event: str, action: str | None) -> None:
        """A register's ``removed_by.action`` is matched against the event's ``action``
        field: one the event cannot hold would remove no record, ever."""
        if action is None:
            return
        allowed = field_choices(self.spec.vocabulary, event).get("action")
        if "action" not in self._fields(event):
            self.problem(
                (*path, "removed_by", "action"),
                Message("{event} has no field {key!r}", event=event, key="action"),
            )
        elif allowed is not None and action not in allowed:
            self._never_held((*path, "removed_by", "action"), action, f"{event}.action", allowed)

    def _texts_it_can_hold(
        self, path: YamlPath, expr: Expr, scopes: Mapping[str, Mapping[str, Type]]
    ) -> bool:
        """Whether every text ``expr`` compares with an enumerated field (or with
        ``subject_kind``) is one it can hold; each that is not is a problem. A misspelt value
        (``event.action == 'deleted'``) would otherwise be a condition that never holds."""
        fine = True
        for node in nodes(expr):
            if not isinstance(node, Compare):
                continue
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if not (isinstance(other, Const) and isinstance(other.value, str)):
                    continue
                named = self._choices(side, scopes)
                if named is not None and other.value not in named[1]:
                    fine = False
                    self._never_held(path, other.value, *named)
        return fine

    def _never_held(self, path: YamlPath, value: str, name: str, allowed: frozenset[str]) -> None:
        self.problem(
            path,
            Message(
                "{value!r} is never a value of {name} ({allowed}), so this "
                "comparison could never hold as written",
                value=value,
                name=name,
                allowed=", ".join(sorted(allowed)),
            ),
        )

    def _choices(
        self, node: Expr, scopes: Mapping[str, Mapping[str, Type]]
    ) -> tuple[str, frozenset[str]] | None:
        """The name of ``node`` and the texts it can hold, if they are a closed list."""
        if isinstance(node, Ref) and node.name == "subject_kind":
            return node.name, frozenset(self.spec.subject_kinds)
        if isinstance(node, Field):
            fields = scopes.get(node.scope)
            if isinstance(fields, _ScopeFields):
                allowed = fields.choices.get(node.name)
                if allowed is not None:
                    return f"{node.scope}.{node.name}", allowed
        return None

    def _facts(
        self, registers: dict[str, ir.Register], parameters: dict[str, ir.Parameter]
    ) -> dict[str, ir.Fact]:
        self._unique("facts", [f.id for f in self.spec.facts], self.names)
        facts: dict[str, ir.Fact] = {}
        kinds = (
            "count",
            "latest_entry",
            "first_event",
            "last_event",
            "count_events",
            "collect_events",
            "expr",
        )
        depths: dict[str, int] = {}
        for index, f in enumerate(self.spec.facts):
            path: YamlPath = ("facts", index)
            # Unbuilt until it is built (a fact that fails is then read by nothing); the facts
            # below are not, so that reading one is said to read it too early.
            if f.id not in facts:  # (a second fact of one id is refused on its own)
                self.unbuilt_facts.add(f.id)
            self.building_fact = (f.id, index)
            given = [k for k in kinds if getattr(f, k) is not None]
            if len(given) != 1:
                self.problem(
                    path, Message("a fact needs exactly one of {kinds}", kinds=", ".join(kinds))
                )
                continue
            if f.id in ir.SCOPE_NAMES:
                self.problem(
                    (*path, "id"), Message("{id!r} is reserved for events in expressions", id=f.id)
                )
                continue
            if f.for_each is not None and self._trigger_type(f.for_each, registers) is None:
                self.problem(
                    (*path, "for_each"),
                    self._not_a_trigger(f.for_each, registers),
                )
                continue
            # Only facts defined above are in scope: this makes cycles impossible.
            scope = self._scope(parameters, facts, f.for_each)
            trigger = self._trigger_scope(f.for_each, registers)
            built = self._derivation(path, given[0], f, scope, trigger, registers)
            if built is None or f.id in facts:
                continue
            derivation, fact_type = built
            self._check_depth((*path, given[0]), f.id, derivation, depths)
            self.unbuilt_facts.discard(f.id)
            facts[f.id] = ir.Fact(
                f.id,
                _text(f.description),
                fact_type,
                derivation,
                self._cites(path, f.cites),
                f.for_each,
                self.line(path),
                self.lines(path),
            )
        self.building_fact = None
        return facts

    def _check_depth(
        self, path: YamlPath, name: str, derivation: ir.Derivation, depths: dict[str, int]
    ) -> None:
        """Record how many facts deep ``name`` is derived (itself included), and refuse it past
        ``Limits.max_fact_depth``. Explanations and backends walk such chains recursively, so
        a chain of a thousand facts would end in a RecursionError long after the file was
        accepted; the limit keeps every walk far inside Python's recursion limit."""
        read = [n for expr in derivation_exprs(derivation) for n in names_in(expr)]
        depth = 1 + max((depths[n] for n in read if n in depths), default=0)
        if depth > self.limits.max_fact_depth:
            line, column = self.map.locate(path)
            raise too_large(
                self.source,
                "max_fact_depth",
                depth,
                self.limits.max_fact_depth,
                Message(
                    "the derivation of {fact}, a chain of {depth} facts,", fact=name, depth=depth
                ),
                line=line,
                column=column,
                field=self.map.field(path),
            )
        depths.setdefault(name, depth)

    def _derivation(
        self,
        path: YamlPath,
        kind: str,
        f: FactSpec,
        scope: Mapping[str, Type],
        trigger: Mapping[str, Mapping[str, Type]],
        registers: Mapping[str, ir.Register],
    ) -> tuple[ir.Derivation, Type] | None:
        if f.expr is not None:
            expr = self._expr((*path, "expr"), f.expr, scope, None, trigger)
            return None if expr is None else (ir.Computed(expr), type_of(expr))
        if f.count is not None or f.latest_entry is not None:
            count = f.count or f.latest_entry
            assert count is not None
            register = registers.get(count.of)
            if register is None:
                self.problem((*path, kind, "of"), Message("no register {of!r}", of=count.of))
                return None
            where = None
            if count.where is not None:
                scopes = {**trigger, "record": self._fields(register.entered_by)}
                where = self._expr((*path, kind, "where"), count.where, scope, "flag", scopes)
                if where is None:
                    return None
            if f.count is not None:
                return ir.CountOf(count.of, count.valid_on, where), "count"
            return ir.LatestEntryOf(count.of, count.valid_on, where), "date"
        query = f.first_event or f.last_event or f.count_events or f.collect_events
        assert query is not None
        if not self._event((*path, kind, "type"), query.type):
            return None
        scopes = {**trigger, "event": self._fields(query.type)}
        where = None
        if query.where is not None:
            where = self._expr((*path, kind, "where"), query.where, scope, "flag", scopes)
            if where is None:
                return None
        pick: Literal["first", "last", "count", "collect"] = (
            "first"
            if f.first_event
            else "last"
            if f.last_event
            else "count"
            if f.count_events
            else "collect"
        )
        if pick == "count":
            if query.value is not None:
                self.problem(
                    (*path, kind, "value"), Message("count_events counts; it takes no 'value'")
                )
                return None
            return ir.EventQuery(pick, query.type, where, None), "count"
        value = None
        value_type: Type = "date"
        if query.value is not None:
            value = self._expr((*path, kind, "value"), query.value, scope, None, scopes)
            if value is None:
                return None
            value_type = type_of(value)
        if pick == "collect":
            if value is None or value_type != "text":
                self.problem(
                    (*path, kind, "value"), Message("collect_events needs a 'value' that is a text")
                )
                return None
            return ir.EventQuery(pick, query.type, where, value), "list"
        return ir.EventQuery(pick, query.type, where, value), value_type

    def _rules(
        self,
        registers: dict[str, ir.Register],
        parameters: dict[str, ir.Parameter],
        facts: dict[str, ir.Fact],
        outcomes: dict[str, ir.Outcome],
    ) -> tuple[ir.Rule, ...]:
        self._unique("rules", [r.id for r in self.spec.rules])
        result = []
        for index, r in enumerate(self.spec.rules):
            path: YamlPath = ("rules", index)
            cites = self._cites(path, r.cites)
            on_register = r.for_each in registers
            if not on_register and r.for_each not in self.events:
                self.problem(
                    (*path, "for_each"),
                    self._not_a_trigger(r.for_each, registers),
                )
                continue
            scope = self._scope(parameters, facts, r.for_each)
            trigger = self._trigger_scope(r.for_each, registers)
            outcome = outcomes.get(r.outcome)
            if outcome is None:
                self.problem(
                    (*path, "outcome"),
                    Message("{outcome!r} is not declared under 'outcomes'", outcome=r.outcome),
                )
            when = self._expr((*path, "when"), r.when, scope, "flag", trigger)
            start = self._expr((*path, "from"), r.from_, scope, "date", trigger)
            until = (
                self._expr((*path, "until"), r.until, scope, "date", trigger)
                if r.until is not None
                else None
            )
            deadline = self._deadline_parts(path, r, outcome, parameters, scope, trigger)
            ranked = self._ranking(path, r, outcome)
            if (
                when is None
                or start is None
                or outcome is None
                or (r.until is not None and until is None)
            ):
                continue
            if deadline is None or not ranked:
                continue
            for position, name in enumerate(r.shows):
                if name in self.unbuilt_facts and self.problems:
                    continue  # that fact's own problem, reported, is the one to fix
                if name not in scope or name in parameters or name in ir.BUILTINS:
                    self.problem(
                        (*path, "shows", position),
                        Message("{name!r} is not a fact here", name=name),
                    )
            reads = with_dependencies(
                names_in(when)
                + names_in(start)
                + (names_in(until) if until else ())
                + tuple(name for name in r.shows if name in facts)
                + ((r.period,) if r.period and r.period in parameters else ()),
                facts,
            )
            period, excluding, extended_by = deadline
            result.append(
                ir.Rule(
                    id=r.id,
                    description=_text(r.description),
                    cites=cites,
                    on=r.for_each,
                    on_register=on_register,
                    when=when,
                    outcome=r.outcome,
                    outcome_kind=outcome.kind,
                    from_=start,
                    until=until,
                    group=r.group,
                    priority=r.priority if r.priority is not None else 0,
                    reads=tuple(dict.fromkeys(reads)),
                    line=self.line(path),
                    period=period,
                    excluding=excluding,
                    extended_by=extended_by,
                    shows=tuple(name for name in r.shows if name in facts),
                    lines=self.lines(path),
                )
            )
        return tuple(result)

    def _ranking(self, path: YamlPath, r: RuleSpec, outcome: ir.Outcome | None) -> bool:
        """Check ``group`` and ``priority``, which decide which measure of a ladder applies on
        a day (docs/decisions/0003). Whatever a rule states there changes results, so nothing
        is assumed: a grouped rule states its rank, and a rank without a group is refused
        rather than ignored. A duty is owed on its one day and a deadline falls on its day
        whatever measure applies, so neither takes a group or a rank, nor a duty an ``until``
        (a deadline's is refused with its other keys)."""
        if outcome is not None and outcome.kind in ("duty", "deadline"):
            refused = False
            if outcome.kind == "duty" and r.until is not None:
                self.problem(
                    (*path, "until"),
                    Message("a duty is owed on its one day ('from'); it takes no 'until'"),
                )
                refused = True
            kind = Message("duty") if outcome.kind == "duty" else Message("deadline")
            for key in ("group", "priority"):
                if getattr(r, key) is not None:
                    self.problem(
                        (*path, key),
                        Message(
                            "{key!r} does not apply to a {kind}: groups rank measures, and a "
                            "{kind} is due whatever measure applies",
                            key=key,
                            kind=kind,
                        ),
                    )
                    refused = True
            return not refused
        if r.group is not None and r.priority is None:
            self.problem(
                (*path, "group"),
                Message(
                    "a rule in group {group!r} must state its 'priority': on a day that several "
                    "measures of the group cover, the highest applies",
                    group=r.group,
                ),
            )
            return False
        if r.group is None and r.priority is not None:
            self.problem(
                (*path, "priority"),
                Message("'priority' ranks the measures of one group, and this rule has no 'group'"),
            )
            return False
        return True

    def _deadline_parts(
        self,
        path: YamlPath,
        r: RuleSpec,
        outcome: ir.Outcome | None,
        parameters: Mapping[str, ir.Parameter],
        scope: Mapping[str, Type],
        trigger: Mapping[str, Mapping[str, Type]],
    ) -> tuple[str | None, ir.Exclusion | None, ir.Extension | None] | None:
        """Check the deadline-only keys: present on deadline rules, absent elsewhere."""
        is_deadline = outcome is not None and outcome.kind == "deadline"
        extra = [k for k in ("period", "excluding", "extended_by") if getattr(r, k) is not None]
        if outcome is not None and not is_deadline:
            for key in extra:
                self.problem(
                    (*path, key), Message("{key!r} belongs to deadline rules only", key=key)
                )
            return (None, None, None) if not extra else None
        if outcome is None:
            return None
        if r.until is not None:
            self.problem((*path, "until"), Message("a deadline has a 'period', not an 'until'"))
        period = parameters.get(r.period) if r.period else None
        if period is None or period.type != "period":
            self.problem(
                (*path, "period"), Message("a deadline needs 'period': a period parameter")
            )
            return None
        excluding = extended_by = None
        if r.excluding is not None:
            spec = r.excluding
            if not self._event((*path, "excluding", "type"), spec.type):
                return None
            fields = self._fields(spec.type)
            for key in ("until_field", "reason_field"):
                name = getattr(spec, key)
                expected: Type = "date" if key == "until_field" else "text"
                if fields.get(name) != expected:
                    self.problem(
                        (*path, "excluding", key),
                        Message(
                            "{type} has no {expected} field {name!r}",
                            type=spec.type,
                            expected=expected,
                            name=name,
                        ),
                    )
                    return None
            where = self._where((*path, "excluding"), spec.where, scope, trigger, fields)
            if spec.where is not None and where is None:
                return None
            excluding = ir.Exclusion(spec.type, where, spec.until_field, spec.reason_field)
        if r.extended_by is not None:
            spec_x = r.extended_by
            if not self._event((*path, "extended_by", "type"), spec_x.type):
                return None
            fields = self._fields(spec_x.type)
            if fields.get(spec_x.field) != "count":
                self.problem(
                    (*path, "extended_by", "field"),
                    Message("{type} has no count {field!r}", type=spec_x.type, field=spec_x.field),
                )
                return None
            cap = parameters.get(spec_x.cap)
            if cap is None or cap.type != "count":
                self.problem(
                    (*path, "extended_by", "cap"),
                    Message("{cap!r} is not a count parameter", cap=spec_x.cap),
                )
                return None
            where = self._where((*path, "extended_by"), spec_x.where, scope, trigger, fields)
            if spec_x.where is not None and where is None:
                return None
            extended_by = ir.Extension(
                spec_x.type, where, spec_x.field, spec_x.cap, spec_x.max_times
            )
        return period.id, excluding, extended_by

    def _where(
        self,
        path: YamlPath,
        text: str | None,
        scope: Mapping[str, Type],
        trigger: Mapping[str, Mapping[str, Type]],
        fields: Mapping[str, Type],
    ) -> Expr | None:
        if text is None:
            return None
        return self._expr((*path, "where"), text, scope, "flag", {**trigger, "event": fields})

    def _interpretations(
        self, parameters: dict[str, ir.Parameter]
    ) -> tuple[ir.Interpretation, ...]:
        self._unique("interpretations", [i.id for i in self.spec.interpretations])
        result = []
        for index, i in enumerate(self.spec.interpretations):
            path: YamlPath = ("interpretations", index)
            cites = self._cites(path, i.cites)
            # Two alternatives of one id would make the default, and any reader choosing by
            # id, silently take whichever came last.
            self._unique("alternatives", [a.id for a in i.alternatives], within=path)
            if i.default not in {a.id for a in i.alternatives}:
                self.problem(
                    (*path, "default"),
                    Message("{default!r} is not one of the alternatives", default=i.default),
                )
            parameter = parameters.get(i.parameter) if i.parameter else None
            if i.parameter and parameter is None:
                self.problem(
                    (*path, "parameter"),
                    Message("no parameter {parameter!r}", parameter=i.parameter),
                )
            meanings = self._alternative_values(path, i, parameter)
            # The file must run what it says it chose; a default that disagrees with the
            # parameter would be exactly the silent guess rulesets exist to prevent.
            if (
                parameter is not None
                and parameter.id not in self.stand_ins
                and i.default in meanings
                and meanings[i.default] != parameter.value
            ):
                self.problem(
                    (*path, "default"),
                    Message(
                        "the default {default!r} means {parameter} = {value}, but the "
                        "parameter is {value2}",
                        default=i.default,
                        parameter=i.parameter,
                        value=next(a.value for a in i.alternatives if a.id == i.default),
                        value2=parameter.value,
                    ),
                )
            result.append(
                ir.Interpretation(
                    i.id,
                    cites,
                    _text(i.question),
                    tuple(ir.Alternative(a.id, a.en, a.value) for a in i.alternatives),
                    i.default,
                    i.parameter,
                    i.rationale,
                    self.line(path),
                    self.lines(path),
                )
            )
        return tuple(result)

    def _alternative_values(
        self, path: YamlPath, i: InterpretationSpec, parameter: ir.Parameter | None
    ) -> dict[str, ir.ParameterValue]:
        """Each alternative's ``value`` as its parameter would hold it, by alternative id.

        Choosing another reading is setting its value into the parameter (``with_parameters``),
        so every alternative's value is checked now, as the parameter's own value is (type and
        declared bounds), not only the default's: otherwise a documented reading such as
        ``5 yaer`` would be found only by whoever tried to run it. A value where the
        interpretation names no parameter would set nothing, and is refused too."""
        meanings: dict[str, ir.ParameterValue] = {}
        for index, alternative in enumerate(i.alternatives):
            if alternative.value is None:
                continue
            where: YamlPath = (*path, "alternatives", index, "value")
            if i.parameter is None:
                self.problem(
                    where,
                    Message(
                        "an alternative's value is set into the interpretation's parameter, "
                        "and this interpretation has none"
                    ),
                )
                continue
            if parameter is None:
                continue  # the unknown parameter is reported once, at 'parameter'
            try:
                value = _coerce_parameter(
                    parameter.type, alternative.value, parameter.min, parameter.max
                )
            except ValueError as error:
                self.problem(where, _said(error))
                continue
            if in_working_days(value) and any(
                r.validity == parameter.id for r in self.spec.registers
            ):
                self.problem(where, _VALIDITY_IN_WORKING_DAYS)
                continue
            meanings.setdefault(alternative.id, value)
        return meanings


def _text(spec: TextSpec) -> ir.Text:
    return ir.Text(spec.zh, spec.en)


class _ScopeFields(Mapping[str, Type]):
    """An event type's fields as an expression's scope types them, with the texts each
    enumerated one allows (what :meth:`_Checker._texts_it_can_hold` checks literals against)."""

    def __init__(self, vocabulary: str, event_type: str) -> None:
        self._fields = event_fields(vocabulary, event_type)
        self.choices = field_choices(vocabulary, event_type)

    def __getitem__(self, name: str) -> Type:
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


def _said(error: ValueError) -> Message:
    """What a value's check said, as its :class:`Message` (``str(error)`` is its English
    text alone, which reached ``--lang zh`` untranslated)."""
    said = error.args[0] if error.args else None
    return said if isinstance(said, Message) else Message.raw(str(error))
