"""A subject's history as a picture: events, outcomes' periods and deadlines on a date axis.

Reading "cash_settlement 2009-05-20 to 2010-05-20, written_warning 2008-03-10" is work; seeing
two bars and a tick on one axis is not. The drawing is plain SVG written by hand (no plotting
library), so it is small, diffable, opens in any browser, and each mark carries a tooltip with
its rule and citations; :func:`svg_to_png` turns it into a PNG for a report.

What is drawn, labelled in the chosen language (the ids stay beside the names, small, because
analysts search for them):

- each event of the subject as a numbered dot on the events lane, and under the line a key of
  the numbered events (date, what happened, its id), so that no label ever crosses a line or
  another label however many events there are; hollow if the evaluation ignores the event;
- each outcome on its own lane: a measure as a bar over its period (last day inclusive, solid
  if active on ``as_of``, an arrow if open-ended), a one-day measure as a round marker (a bar a
  day wide would be a sliver), a duty as a diamond on its day;
- each deadline as a line from its start to a mark on its due day. On working-day clocks the
  statutory rest days in between are shaded and days excluded by law (Ganzhou Art 20) are
  hatched, which is what makes "15 working days" visibly longer than three weeks;
- a dashed line at ``as_of``.

The picture is drawn in layers, lane backgrounds, then the grid and the ``as_of`` line, then
the marks, then the text, so no line is ever drawn over a label. Fonts: a stack that starts with
the common CJK fonts (which carry Latin letters too), so Chinese never falls back to boxes.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from credit_rules.calendar import WorkingCalendar
from credit_rules.errors import BackendUnavailable, CreditRulesError, InputError, Problem
from credit_rules.i18n import N_, Gettext, Lang, Message, date_text, translator
from credit_rules.model.events import Event
from credit_rules.model.results import Citation, Deadline, Decision, Duty, Evaluation
from credit_rules.model.vocabularies import event_classes, field_of, vocabularies
from credit_rules.ruleset import ir

WIDTH = 1200
LEFT = 290
RIGHT = 40
LANE = 38
FONT = (
    "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei, "
    "DejaVu Sans, Helvetica, Arial, sans-serif"
)
_ONE_DAY = dt.timedelta(days=1)

MEASURE, MEASURE_PAST, DUTY, DEADLINE = "#2563eb", "#93c5fd", "#d97706", "#7c3aed"
REST, EXCLUDED, AS_OF, EVENT = "#e5e7eb", "#fca5a5", "#dc2626", "#111827"
BACKDROP = "#f9fafb"  # the lanes' background

#: What each event type is called (in English; in Chinese in the catalogue), as its event
#: class says (``Event.shown_as``).
EVENT_NAMES = {
    name: cls.shown_as
    for vocabulary in vocabularies()
    for name, cls in event_classes(vocabulary).items()
    if cls.shown_as
}
_KINDS = {"measure": N_("measure"), "duty": N_("duty"), "deadline": N_("deadline")}
_UNITS = {
    "working_days": N_("working days"),
    "days": N_("days"),
    "months": N_("months"),
    "years": N_("years"),
}


def text_width(text: str, size: float) -> float:
    """The width of ``text`` at ``size`` px, near enough to lay labels out: a CJK character is
    a full em, a Latin one a little over half."""
    return sum(
        size if unicodedata.east_asian_width(ch) in ("W", "F") else size * 0.58 for ch in text
    )


def _fit(text: str, size: float, room: float) -> str:
    """``text`` cut with an ellipsis to fit ``room`` px (the whole text is in the tooltip)."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass(frozen=True)
class _Axis:
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def x(self, day: dt.date) -> float:
        """The left edge of ``day``; a day is a band, so periods include their last day."""
        width = WIDTH - LEFT - RIGHT
        return LEFT + (day - self.first).days * width / self.days

    def span(self, first: dt.date, last: dt.date) -> tuple[float, float]:
        start = self.x(max(first, self.first))
        end = self.x(min(last, self.last) + _ONE_DAY)
        return start, max(end - start, 1.5)


@dataclass
class _Words:
    """The language of one picture: messages and how dates are written."""

    lang: Lang
    _: Gettext = field(init=False)

    def __post_init__(self) -> None:
        self._ = translator(self.lang)

    def day(self, day: dt.date) -> str:
        return date_text(day, self.lang)


def render_timeline(
    *,
    ruleset: ir.Ruleset,
    subject: str,
    events: Sequence[Event],
    evaluation: Evaluation,
    calendar: WorkingCalendar,
    lang: Lang = "en",
) -> str:
    """The SVG document (text) of ``subject``'s timeline under ``evaluation``, labelled in
    ``lang``."""
    words = _Words(lang)
    _ = words._
    decisions = [d for d in evaluation.decisions if d.subject == subject]
    duties = [d for d in evaluation.duties if d.subject == subject]
    deadlines = [d for d in evaluation.deadlines if d.subject == subject]
    own_events = sorted((e for e in events if e.subject == subject), key=lambda e: e.date)
    axis = _axis(evaluation.as_of, own_events, decisions, duties, deadlines)
    svg = _Svg()
    title = _("Subject {subject} · {ruleset} {version} · as of {as_of}").format(
        subject=subject,
        ruleset=ruleset.id,
        version=ruleset.version,
        as_of=words.day(evaluation.as_of),
    )
    svg.text(20, 28, title, size=16, weight="bold")
    name = ruleset.title.zh if lang == "zh" else ruleset.title.en
    svg.text(20, 48, f"{name} ({ruleset.document_number})", size=11, fill="#4b5563")
    top = 84.0
    y = _event_lane(svg, axis, top + 8, own_events, evaluation.as_of, ruleset, words)
    outcomes = {o.id: o for o in ruleset.outcomes}
    order = list(dict.fromkeys([d.outcome for d in decisions] + [d.name for d in duties]))
    if not order and not deadlines:
        svg.text(LEFT, y + 22, _("No outcome applies to this subject."), size=12, fill="#4b5563")
        y += LANE
    for outcome in order:
        y = _outcome_lane(
            svg,
            axis,
            y,
            outcomes.get(outcome),
            outcome,
            [d for d in decisions if d.outcome == outcome],
            [d for d in duties if d.name == outcome],
            words,
        )
    for deadline in deadlines:
        y = _deadline_lane(svg, axis, y, outcomes.get(deadline.name), deadline, calendar, words)
    _grid(svg, axis, top, y)
    x = _centre(axis, evaluation.as_of)
    # Over the bars (it is the day everything is read on) and under every label.
    svg.line(x, top, x, y + 4, stroke=AS_OF, width=1.5, dash="6 4")
    as_of_label = _("as of {date}").format(date=words.day(evaluation.as_of))
    # Below the lanes, on the page's white.
    svg.text(x + 4, y + 16, as_of_label, size=10, fill=AS_OF, backdrop="white")
    y = _legend(svg, y + 40, words)
    return svg.document(WIDTH, y + 12, title)


#: The families of :data:`FONT` that hold Chinese glyphs.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def svg_to_png(svg: str, *, scale: float = 2.0) -> bytes:
    """The picture as PNG, for a report or a slide; needs the ``[png]`` extra.

    cairosvg draws with the system's fonts, and a font that lacks Chinese draws boxes ("tofu")
    without a word of warning. So a picture with Chinese text is refused when fontconfig lists
    none of :data:`CJK_FAMILIES`, with the package that installs one; a picture in a report
    must never silently show boxes. (Where fontconfig cannot be asked, e.g. on Windows, cairo
    uses the system's own fonts, which include Microsoft YaHei.)"""
    try:
        import cairosvg  # type: ignore[import-untyped]
    except ModuleNotFoundError:
        raise InputError(
            None,
            [Problem(Message("PNG output needs the [png] extra: pip install 'credit-rules[png]'"))],
        ) from None
    # cairosvg draws with the first family of a font stack only, with no per-glyph fallback,
    # so the stack is narrowed to its first family the system has.
    installed = _installed_families()
    if installed is not None and _CJK.search(svg) and not installed & set(CJK_FAMILIES):
        raise BackendUnavailable(
            Message(
                "the picture has Chinese text, but no CJK font is installed (one of {families}); "
                "install one, e.g. apt-get install fonts-wqy-microhei (Debian, Ubuntu) or "
                "fonts-noto-cjk, or write SVG, which the browser draws with its own fonts",
                families=", ".join(CJK_FAMILIES),
            )
        )
    family = next(
        (f.strip() for f in FONT.split(",") if installed is not None and f.strip() in installed),
        None,
    )
    if family is not None:
        svg = svg.replace(f"font-family={quoteattr(FONT)}", f"font-family={quoteattr(family)}", 1)
    png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)
    return png


def _installed_families() -> set[str] | None:
    """The font families fontconfig lists, or None if it cannot be asked."""
    try:
        listed = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {name.strip() for line in listed.splitlines() for name in line.split(",")}


def _axis(
    as_of: dt.date,
    events: Sequence[Event],
    decisions: Sequence[Decision],
    duties: Sequence[Duty],
    deadlines: Sequence[Deadline],
) -> _Axis:
    days = [as_of, *(e.date for e in events)]
    for d in decisions:
        days.append(d.from_)
        if d.until is not None:
            days.append(d.until)
    days.extend(d.on for d in duties)
    for deadline in deadlines:
        days.extend((deadline.start, deadline.due))
    first, last = min(days), max(days)
    pad = max((last - first).days // 25, 5)
    # Room on the right for the label of whatever ends last ("2009-03-01 – 2010-03-01").
    room = max(pad * 2, (last - first).days // 4)
    return _Axis(first - dt.timedelta(days=pad), last + dt.timedelta(days=room))


def _event_lane(
    svg: _Svg,
    axis: _Axis,
    y: float,
    events: Sequence[Event],
    as_of: dt.date,
    ruleset: ir.Ruleset,
    words: _Words,
) -> float:
    """Numbered dots on one line, and under it the key: one entry per event, in columns."""
    _ = words._
    line_y = y + 22
    # Numbers above the dots, raised a row where two would touch.
    raised: list[tuple[float, int]] = []
    for number, event in enumerate(events, start=1):
        x = _centre(axis, event.date)
        row = 0
        while any(abs(x - other) < 16 and r == row for other, r in raised):
            row += 1
        raised.append((x, row))
        ignored = event.date > as_of or event.date < ruleset.in_force_from
        tooltip = f"{words.day(event.date)} {event.type}" + (
            _(" (ignored: after as_of or before the ruleset was in force)") if ignored else ""
        )
        svg.circle(x, line_y, 4.5, fill="white" if ignored else EVENT, stroke=EVENT, title=tooltip)
        svg.text(
            x,
            line_y - 9 - row * 11,
            str(number),
            size=9,
            fill=EVENT,
            anchor="middle",
            backdrop=True,
        )
    entries = [_event_label(number, event, words) for number, event in enumerate(events, 1)]
    room = WIDTH - RIGHT - LEFT
    widest = max((text_width(e, 10) for e in entries), default=0.0) + 24
    columns = max(1, min(3, int(room // max(widest, 1.0))))
    rows = -(-len(entries) // columns) if entries else 0
    height = max(LANE, 36 + rows * 15 + 6)
    svg.lane_label(y, height, _("Events"), _("what happened"))
    svg.line(LEFT, line_y, WIDTH - RIGHT, line_y, stroke="#9ca3af", width=1, layer="back")
    column_width = room / columns
    for index, (entry, event) in enumerate(zip(entries, events, strict=True)):
        column, row = divmod(index, rows) if rows else (0, 0)
        ignored = event.date > as_of or event.date < ruleset.in_force_from
        svg.text(
            LEFT + column * column_width,
            line_y + 22 + row * 15,
            _fit(entry, 10, column_width - 8),
            size=10,
            fill="#6b7280" if ignored else EVENT,
            backdrop=True,
        )
    return y + height + 6


def _event_label(number: int, event: Event, words: _Words) -> str:
    _ = words._
    name = _(EVENT_NAMES[event.type]) if event.type in EVENT_NAMES else event.type
    text = f"{number}  {words.day(event.date)}  {name}"
    key = field_of(event, "key_fields")
    value = getattr(event, key, None) if key is not None else None
    return f"{text} {value}" if isinstance(value, str) else text


def _lane_names(outcome: ir.Outcome | None, name: str, kind: str, words: _Words) -> tuple[str, str]:
    """The lane's title (the outcome in words) and its small second line (id and kind)."""
    _ = words._
    if outcome is None:
        return name, _(_KINDS.get(kind, kind))
    described = outcome.description.zh if words.lang == "zh" else outcome.description.en
    return described, f"{name} · {_(_KINDS.get(kind, kind))}"


def _outcome_lane(
    svg: _Svg,
    axis: _Axis,
    y: float,
    outcome: ir.Outcome | None,
    name: str,
    decisions: Sequence[Decision],
    duties: Sequence[Duty],
    words: _Words,
) -> float:
    _ = words._
    kind = outcome.kind if outcome is not None else ("duty" if duties else "measure")
    title, subtitle = _lane_names(outcome, name, kind, words)
    svg.lane_label(y, LANE, title, subtitle)
    bar_y, bar_h = y + 9, LANE - 18
    centre = y + LANE / 2
    long = [d for d in decisions if d.until is None or d.until > d.from_]
    bars = [axis.span(d.from_, d.until if d.until is not None else axis.last) for d in long]
    for d in decisions:
        colour = MEASURE if d.active else MEASURE_PAST
        until = words.day(d.until) if d.until else _("open-ended")
        tooltip = _("{name}: {start} to {end}{active}; rule {rule}; {cites}").format(
            name=name,
            start=words.day(d.from_),
            end=until,
            active=_(" (active on as_of)") if d.active else "",
            rule=d.rule,
            cites=_cites(d.cites, words),
        )
        if d not in long:
            # One day: a marker, not a sliver a day wide.
            x = _centre(axis, d.from_)
            svg.circle(x, centre, 6, fill=colour, stroke=MEASURE, title=tooltip)
            label = words.day(d.from_)
            position = _label_position(x - 8, 16, text_width(label, 10), bars)
            if position is not None:
                svg.text(position, centre + 4, label, size=10, fill="#1f2937", backdrop=True)
            continue
        x, w = axis.span(d.from_, d.until if d.until is not None else axis.last)
        svg.rect(x, bar_y, w, bar_h, fill=colour, title=tooltip, radius=3)
        if d.until is None:
            tip = x + w
            svg.polygon(
                [(tip, bar_y - 3), (tip + 9, bar_y + bar_h / 2), (tip, bar_y + bar_h + 3)],
                fill=colour,
            )
        shown_until = words.day(d.until) if d.until else _("open-ended")
        label = f"{words.day(d.from_)} – {shown_until}"
        others = [bar for bar in bars if bar != (x, w)]
        position = _label_position(x, w, text_width(label, 10), others)
        if position is not None:
            inside = position == x + 4
            colour = "white" if inside and d.active else "#1f2937"
            under = (MEASURE if d.active else MEASURE_PAST) if inside else True
            svg.text(position, centre + 4, label, size=10, fill=colour, backdrop=under)
    for duty in duties:
        x = _centre(axis, duty.on)
        tooltip = _("{name} on {day}; rule {rule}; {cites}").format(
            name=name, day=words.day(duty.on), rule=duty.rule, cites=_cites(duty.cites, words)
        )
        svg.polygon(
            [(x, centre - 7), (x + 7, centre), (x, centre + 7), (x - 7, centre)],
            fill=DUTY,
            title=tooltip,
        )
    if duties and not decisions:
        days = sorted({duty.on for duty in duties})
        label = ("、" if words.lang == "zh" else ", ").join(words.day(day) for day in days[-3:])
        last = _centre(axis, days[-1])
        svg.label(last + 10, centre + 4, label, before=_centre(axis, days[0]) - 10)
    return y + LANE


def _label_position(
    x: float, w: float, length: float, others: Sequence[tuple[float, float]]
) -> float | None:
    """Where a bar's label starts: inside the bar, else after it, else before it, wherever it
    crosses no other bar of the lane and stays on the page; None if nowhere (the bar's tooltip
    still says it)."""
    if w > length + 8:
        return x + 4
    for start in (x + w + 8, x - 8 - length):
        end = start + length
        clear = all(end < bx or start > bx + bw for bx, bw in others)
        if clear and start > LEFT and end < WIDTH - 10:
            return start
    return None


def _deadline_lane(
    svg: _Svg,
    axis: _Axis,
    y: float,
    outcome: ir.Outcome | None,
    deadline: Deadline,
    calendar: WorkingCalendar,
    words: _Words,
) -> float:
    _ = words._
    unit = _(_UNITS.get(deadline.unit, deadline.unit))
    amount = f"{deadline.count} {unit}" if words.lang == "en" else f"{deadline.count}{unit}"
    if deadline.extended_by:
        amount += _(" + {count} extended").format(count=deadline.extended_by)
    title, _subtitle = _lane_names(outcome, deadline.name, "deadline", words)
    svg.lane_label(y, LANE, title, f"{deadline.name} · {amount}")
    top, height = y + 5, LANE - 10
    if deadline.unit == "working_days":
        for first, last in _rest_runs(calendar, deadline.start + _ONE_DAY, deadline.due):
            x, w = axis.span(first, last)
            svg.rect(x, top, w, height, fill=REST, title=_rest_title(first, last, words))
    for excluded in deadline.excluded:
        x, w = axis.span(excluded.first, excluded.last)
        svg.rect(
            x,
            top,
            w,
            height,
            fill="url(#excluded)",
            stroke=EXCLUDED,
            title=_("not counted: {first} to {last} ({reason})").format(
                first=words.day(excluded.first),
                last=words.day(excluded.last),
                reason=excluded.reason,
            ),
        )
    centre = y + LANE / 2
    start, due = _centre(axis, deadline.start), _centre(axis, deadline.due)
    svg.line(
        start,
        centre,
        due,
        centre,
        stroke=DEADLINE,
        width=2.5,
        dash="5 3" if deadline.provisional else None,
    )
    svg.circle(
        start,
        centre,
        3.5,
        fill=DEADLINE,
        stroke=DEADLINE,
        title=_("starts {date}").format(date=words.day(deadline.start)),
    )
    tooltip = _("{name} due {date}{provisional}; rule {rule}; {cites}").format(
        name=deadline.name,
        date=words.day(deadline.due),
        provisional=" " + _("(provisional)") if deadline.provisional else "",
        rule=deadline.rule,
        cites=_cites(deadline.cites, words),
    )
    svg.polygon(
        [(due - 7, centre - 9), (due + 7, centre - 9), (due, centre + 2)],
        fill=DEADLINE,
        title=tooltip,
    )
    svg.line(due, centre - 9, due, centre + 10, stroke=DEADLINE, width=2)
    label = _("due {date}").format(date=words.day(deadline.due))
    if deadline.provisional:
        label += " " + _("(provisional)")
    svg.label(due + 10, centre + 4, label, fill=DEADLINE, before=start - 8)
    return y + LANE


def _rest_runs(
    calendar: WorkingCalendar, first: dt.date, last: dt.date
) -> list[tuple[dt.date, dt.date]]:
    """Runs of consecutive rest days in [first, last], on the calendar's published data."""
    runs: list[tuple[dt.date, dt.date]] = []
    day = first
    while day <= last:
        try:
            working = calendar.is_working_day(day)
        except CreditRulesError:
            # Outside the calendar's years nothing is known, so nothing is shaded.
            working = True
        if not working:
            if runs and runs[-1][1] == day - _ONE_DAY:
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        day += _ONE_DAY
    return runs


def _rest_title(first: dt.date, last: dt.date, words: _Words) -> str:
    _ = words._
    if first == last:
        return _("rest day {date}: not counted").format(date=words.day(first))
    return _("rest days {first} to {last}: not counted").format(
        first=words.day(first), last=words.day(last)
    )


def _centre(axis: _Axis, day: dt.date) -> float:
    return (axis.x(day) + axis.x(day + _ONE_DAY)) / 2


def _cites(cites: Iterable[Citation], words: _Words) -> str:
    if words.lang == "zh":
        return "、".join(
            f"第{c.article}条" + (f"第{c.item}项" if c.item is not None else "") for c in cites
        )
    return ", ".join(
        f"Art {c.article}" + (f"({c.item})" if c.item is not None else "") for c in cites
    )


# -- the date axis ----------------------------------------------------------------------------


def _grid(svg: _Svg, axis: _Axis, top: float, bottom: float) -> None:
    """Vertical lines at sensible intervals for the span, under everything, labelled along
    the top."""
    for day, label, major in _ticks(axis):
        x = axis.x(day)
        colour = "#d1d5db" if major else "#e5e7eb"
        svg.line(x, top, x, bottom, stroke=colour, width=1, layer="grid")
        if label:
            svg.text(x + 2, top - 6, label, size=10, fill="#374151")


def _ticks(axis: _Axis) -> list[tuple[dt.date, str, bool]]:
    days = axis.days
    ticks: list[tuple[dt.date, str, bool]] = []
    if days <= 75:
        day = axis.first
        while day <= axis.last:
            if day.weekday() == 0:
                ticks.append((day, day.strftime("%m-%d"), day.day <= 7))
            day += _ONE_DAY
        return ticks
    month = dt.date(axis.first.year, axis.first.month, 1)
    step = 1 if days <= 500 else 3 if days <= 1500 else 12
    while month <= axis.last:
        if month >= axis.first and (month.month - 1) % step == 0:
            label = month.strftime("%Y-%m") if step < 12 or days <= 4000 else str(month.year)
            ticks.append((month, label, month.month == 1))
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return ticks


def _legend(svg: _Svg, y: float, words: _Words) -> float:
    _ = words._
    x = 20.0
    entries = [
        ("rect", MEASURE, _("measure, active on as_of")),
        ("rect", MEASURE_PAST, _("measure, not active")),
        ("dot", MEASURE, _("one-day measure")),
        ("diamond", DUTY, _("duty owed on a day")),
        ("due", DEADLINE, _("deadline: start to due day")),
        ("rect", REST, _("rest day (working-day clocks)")),
        ("rect", EXCLUDED, _("days excluded by law")),
        ("line", AS_OF, _("as of")),
    ]
    for shape, colour, label in entries:
        if x + 24 + text_width(label, 10) > WIDTH - RIGHT:
            x, y = 20.0, y + 20
        if shape == "rect":
            svg.rect(x, y - 9, 18, 11, fill=colour, radius=2)
        elif shape == "dot":
            svg.circle(x + 9, y - 4, 6, fill=colour, stroke=colour)
        elif shape == "diamond":
            svg.polygon(
                [(x + 9, y - 10), (x + 16, y - 4), (x + 9, y + 2), (x + 2, y - 4)], fill=colour
            )
        elif shape == "due":
            svg.line(x, y - 4, x + 18, y - 4, stroke=colour, width=2.5)
        else:
            svg.line(x + 9, y - 11, x + 9, y + 3, stroke=colour, width=1.5, dash="4 3")
        svg.text(x + 24, y, label, size=10, fill="#374151")
        x += 24 + text_width(label, 10) + 16
    return y + 8


# -- SVG writing ------------------------------------------------------------------------------

_LAYERS = ("back", "grid", "shape", "text")


class _Svg:
    """Just enough SVG: elements appended as text to their layer, every string escaped. The
    layers are written bottom to top (lane backgrounds, grid, marks, text), so a line can pass
    under a label but never over it."""

    def __init__(self) -> None:
        self.layers: dict[str, list[str]] = {name: [] for name in _LAYERS}

    def document(self, width: float, height: float, title: str) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
            f'viewBox="0 0 {width} {height:.0f}" font-family={quoteattr(FONT)}>\n'
            f"<title>{escape(title)}</title>\n"
            '<defs><pattern id="excluded" width="6" height="6" '
            'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="#fee2e2"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{EXCLUDED}" stroke-width="3"/>'
            "</pattern></defs>\n"
            f'<rect width="{width}" height="{height:.0f}" fill="white"/>\n'
        )
        body = "\n".join(part for name in _LAYERS for part in self.layers[name])
        return head + body + "\n</svg>\n"

    def lane_label(self, y: float, height: float, name: str, kind: str) -> None:
        self.rect(10, y + 1, WIDTH - 20, height - 2, fill=BACKDROP, layer="back")
        room = LEFT - 30
        self.text(20, y + height / 2 - 1, _fit(name, 12, room), size=12, weight="bold", title=name)
        self.text(20, y + height / 2 + 12, _fit(kind, 9, room), size=9, fill="#6b7280")

    def label(
        self, x: float, y: float, content: str, *, fill: str = "#1f2937", before: float
    ) -> None:
        """A 10px label starting at ``x``, or ending at ``before`` if it would run off the
        right edge."""
        if x + text_width(content, 10) > WIDTH - 12:
            self.text(before, y, content, size=10, fill=fill, anchor="end", backdrop=True)
        else:
            self.text(x, y, content, size=10, fill=fill, backdrop=True)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: int,
        fill: str = "#111827",
        weight: str | None = None,
        anchor: str | None = None,
        title: str | None = None,
        backdrop: bool | str = False,
    ) -> None:
        """Text in the top layer; ``backdrop`` first paints the lane's colour (or the colour
        given) behind it, so that a grid line or the ``as_of`` line passing under a label is
        hidden there."""
        if backdrop:
            colour = backdrop if isinstance(backdrop, str) else BACKDROP
            width = text_width(content, size)
            left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
            self.layers["text"].append(
                f'<rect x="{left - 2:.1f}" y="{y - size:.1f}" width="{width + 4:.1f}" '
                f'height="{size + 4:.1f}" fill="{colour}"/>'
            )
        extra = f' font-weight="{weight}"' if weight else ""
        extra += f' text-anchor="{anchor}"' if anchor else ""
        hover = f"<title>{escape(title)}</title>" if title and title != content else ""
        self.layers["text"].append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}"{extra}>'
            f"{escape(content)}{hover}</text>"
        )

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        stroke: str,
        width: float,
        dash: str | None = None,
        layer: str = "shape",
    ) -> None:
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.layers[layer].append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
            f'stroke-width="{width}"{dashed}/>'
        )

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: str,
        stroke: str | None = None,
        radius: float = 0,
        title: str | None = None,
        layer: str = "shape",
    ) -> None:
        outline = f' stroke="{stroke}"' if stroke else ""
        rounded = f' rx="{radius}"' if radius else ""
        self._shape(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{fill}"{outline}{rounded}',
            "rect",
            title,
            layer,
        )

    def circle(
        self, x: float, y: float, r: float, *, fill: str, stroke: str, title: str | None = None
    ) -> None:
        self._shape(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" stroke="{stroke}" '
            'stroke-width="1.5"',
            "circle",
            title,
            "shape",
        )

    def polygon(
        self, points: Sequence[tuple[float, float]], *, fill: str, title: str | None = None
    ) -> None:
        joined = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        self._shape(f'<polygon points="{joined}" fill="{fill}"', "polygon", title, "shape")

    def _shape(self, opening: str, tag: str, title: str | None, layer: str) -> None:
        if title is None:
            self.layers[layer].append(opening + "/>")
        else:
            self.layers[layer].append(f"{opening}><title>{escape(title)}</title></{tag}>")
