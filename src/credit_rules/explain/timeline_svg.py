"""A subject's history as a picture: events, outcomes' periods and deadlines on a date axis.

Reading "cash_settlement 2009-05-20 to 2010-05-20, written_warning 2008-03-10" is work; seeing
two bars and a tick on one axis is not. The drawing is plain SVG written by hand (no plotting
library), so it is small, diffable, opens in any browser, and each bar carries a tooltip with
its rule and citations.

What is drawn:

- each event of the subject as a dot on the events lane (hollow if the evaluation ignores it,
  being after ``as_of`` or before the ruleset was in force);
- each outcome on its own lane: a measure as a bar over its period (last day inclusive, solid
  if active on ``as_of``, an arrow if open-ended), a duty as a diamond on its day;
- each deadline as a line from its start to a mark on its due day. On working-day clocks the
  statutory rest days in between are shaded and days excluded by law (Ganzhou Art 20) are
  hatched, which is what makes "15 working days" visibly longer than three weeks;
- a dashed line at ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from credit_rules.calendar import WorkingCalendar
from credit_rules.errors import CreditRulesError
from credit_rules.model.events import Event
from credit_rules.model.results import Citation, Deadline, Decision, Duty, Evaluation
from credit_rules.model.vocabularies import field_of
from credit_rules.ruleset import ir

WIDTH = 1200
LEFT = 250
RIGHT = 40
LANE = 34
FONT = (
    "DejaVu Sans, Helvetica, Arial, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, "
    "WenQuanYi Micro Hei, sans-serif"
)
_CHAR = 6.0  # average width of one character at 10px, for laying out labels
_ONE_DAY = dt.timedelta(days=1)

MEASURE, MEASURE_PAST, DUTY, DEADLINE = "#2563eb", "#93c5fd", "#d97706", "#7c3aed"
REST, EXCLUDED, AS_OF, EVENT = "#e5e7eb", "#fca5a5", "#dc2626", "#111827"


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


def render_timeline(
    *,
    ruleset: ir.Ruleset,
    subject: str,
    events: Sequence[Event],
    evaluation: Evaluation,
    calendar: WorkingCalendar,
) -> str:
    """The SVG document (text) of ``subject``'s timeline under ``evaluation``."""
    decisions = [d for d in evaluation.decisions if d.subject == subject]
    duties = [d for d in evaluation.duties if d.subject == subject]
    deadlines = [d for d in evaluation.deadlines if d.subject == subject]
    own_events = sorted((e for e in events if e.subject == subject), key=lambda e: e.date)
    axis = _axis(evaluation.as_of, own_events, decisions, duties, deadlines)
    svg = _Svg()
    title = (
        f"Subject {subject} · {ruleset.id} {ruleset.version} · as of {evaluation.as_of.isoformat()}"
    )
    svg.text(20, 28, title, size=16, weight="bold")
    svg.text(
        20,
        48,
        f"{ruleset.title.en} ({ruleset.document_number})",
        size=11,
        fill="#4b5563",
    )
    top = 80.0
    y = _event_lane(svg, axis, top + 8, own_events, evaluation.as_of, ruleset.in_force_from)
    kinds = {o.id: o.kind for o in ruleset.outcomes}
    order = list(dict.fromkeys([d.outcome for d in decisions] + [d.name for d in duties]))
    if not order and not deadlines:
        svg.text(LEFT, y + 22, "No outcome applies to this subject.", size=12, fill="#4b5563")
        y += LANE
    for outcome in order:
        y = _outcome_lane(
            svg,
            axis,
            y,
            outcome,
            kinds.get(outcome, "measure"),
            [d for d in decisions if d.outcome == outcome],
            [d for d in duties if d.name == outcome],
        )
    for deadline in deadlines:
        y = _deadline_lane(svg, axis, y, deadline, calendar)
    _grid(svg, axis, top, y)
    x = _centre(axis, evaluation.as_of)
    svg.line(x, top, x, y + 4, stroke=AS_OF, width=1.5, dash="6 4")
    svg.text(x + 4, y + 14, f"as of {evaluation.as_of.isoformat()}", size=10, fill=AS_OF)
    y = _legend(svg, y + 36)
    return svg.document(WIDTH, y + 12, title)


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
    in_force: dt.date,
) -> float:
    """Dots on one line, their labels stacked in rows so that none overlaps another."""
    rows: list[float] = []
    placed: list[tuple[Event, float, int]] = []
    for event in events:
        x = _centre(axis, event.date)
        label = _event_label(event)
        row = next((i for i, end in enumerate(rows) if end < x - 6), len(rows))
        if row == len(rows):
            rows.append(0.0)
        rows[row] = x + len(label) * _CHAR + 12
        placed.append((event, x, row))
    height = LANE + max(len(rows) - 1, 0) * 15
    svg.lane_label(y, height, "events", "what happened")
    line_y = y + 12
    svg.line(LEFT, line_y, WIDTH - RIGHT, line_y, stroke="#9ca3af", width=1)
    for event, x, row in placed:
        ignored = event.date > as_of or event.date < in_force
        label_y = line_y + 16 + row * 15
        svg.line(x, line_y, x, label_y - 9, stroke="#d1d5db", width=1)
        tooltip = f"{event.date.isoformat()} {event.type}" + (
            " (ignored: after as_of or before the ruleset was in force)" if ignored else ""
        )
        svg.circle(x, line_y, 4.5, fill="white" if ignored else EVENT, stroke=EVENT, title=tooltip)
        text = _event_label(event)
        colour = "#6b7280" if ignored else EVENT
        svg.label(x + 3, label_y, text, fill=colour, before=x - 3, halo=True)
    return y + height + 8


def _event_label(event: Event) -> str:
    key = field_of(event, "key_fields")
    value = getattr(event, key, None) if key is not None else None
    if isinstance(value, str):
        return f"{event.date.isoformat()} {event.type} {value}"
    return f"{event.date.isoformat()} {event.type}"


def _outcome_lane(
    svg: _Svg,
    axis: _Axis,
    y: float,
    outcome: str,
    kind: str,
    decisions: Sequence[Decision],
    duties: Sequence[Duty],
) -> float:
    svg.lane_label(y, LANE, outcome, kind)
    bar_y, bar_h = y + 8, LANE - 16
    bars = [axis.span(d.from_, d.until if d.until is not None else axis.last) for d in decisions]
    for d, (x, w) in zip(decisions, bars, strict=True):
        colour = MEASURE if d.active else MEASURE_PAST
        until = d.until.isoformat() if d.until else "open-ended"
        tooltip = (
            f"{outcome}: {d.from_.isoformat()} to {until}"
            f"{' (active on as_of)' if d.active else ''}; rule {d.rule}; {_cites(d.cites)}"
        )
        svg.rect(x, bar_y, w, bar_h, fill=colour, title=tooltip, radius=3)
        if d.until is None:
            tip = x + w
            svg.polygon(
                [(tip, bar_y - 3), (tip + 9, bar_y + bar_h / 2), (tip, bar_y + bar_h + 3)],
                fill=colour,
            )
        label = f"{d.from_.isoformat()} – {until}"
        others = [bar for bar in bars if bar != (x, w)]
        position = _label_position(x, w, len(label) * _CHAR, others)
        if position is not None:
            inside = position == x + 4
            colour = "white" if inside and d.active else "#1f2937"
            svg.text(position, bar_y + bar_h / 2 + 4, label, size=10, fill=colour)
    for duty in duties:
        x = _centre(axis, duty.on)
        centre = y + LANE / 2
        tooltip = f"{outcome} on {duty.on.isoformat()}; rule {duty.rule}; {_cites(duty.cites)}"
        svg.polygon(
            [(x, centre - 7), (x + 7, centre), (x, centre + 7), (x - 7, centre)],
            fill=DUTY,
            title=tooltip,
        )
    if duties and not decisions:
        last = max(duties, key=lambda d: d.on)
        x = _centre(axis, last.on)
        svg.label(x + 10, y + LANE / 2 + 4, last.on.isoformat(), before=x - 10)
    return y + LANE


def _label_position(
    x: float, w: float, length: float, others: Sequence[tuple[float, float]]
) -> float | None:
    """Where a bar's label starts: inside the bar, else after it, else before it, wherever it
    crosses no other bar of the lane and stays on the page; None if nowhere (the bar's tooltip
    still says it)."""
    if w > length + 8:
        return x + 4
    for start in (x + w + 12, x - 8 - length):
        end = start + length
        clear = all(end < bx or start > bx + bw for bx, bw in others)
        if clear and start > LEFT and end < WIDTH - 10:
            return start
    return None


def _deadline_lane(
    svg: _Svg, axis: _Axis, y: float, deadline: Deadline, calendar: WorkingCalendar
) -> float:
    unit = deadline.unit.replace("_", " ")
    extended = f" + {deadline.extended_by} extended" if deadline.extended_by else ""
    svg.lane_label(y, LANE, deadline.name, f"deadline: {deadline.count} {unit}{extended}")
    top, height = y + 5, LANE - 10
    if deadline.unit == "working_days":
        for first, last in _rest_runs(calendar, deadline.start + _ONE_DAY, deadline.due):
            x, w = axis.span(first, last)
            svg.rect(x, top, w, height, fill=REST, title=_rest_title(first, last))
    for excluded in deadline.excluded:
        x, w = axis.span(excluded.first, excluded.last)
        svg.rect(
            x,
            top,
            w,
            height,
            fill="url(#excluded)",
            stroke=EXCLUDED,
            title=f"not counted: {excluded.first.isoformat()} to {excluded.last.isoformat()} "
            f"({excluded.reason})",
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
        title=f"starts {deadline.start.isoformat()}",
    )
    tooltip = (
        f"{deadline.name} due {deadline.due.isoformat()}"
        f"{' (provisional)' if deadline.provisional else ''}; rule {deadline.rule}; "
        f"{_cites(deadline.cites)}"
    )
    svg.polygon(
        [(due - 7, centre - 9), (due + 7, centre - 9), (due, centre + 2)],
        fill=DEADLINE,
        title=tooltip,
    )
    svg.line(due, centre - 9, due, centre + 10, stroke=DEADLINE, width=2)
    label = f"due {deadline.due.isoformat()}" + (" (provisional)" if deadline.provisional else "")
    svg.label(due + 10, centre + 4, label, fill=DEADLINE, before=due - 10)
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


def _rest_title(first: dt.date, last: dt.date) -> str:
    if first == last:
        return f"rest day {first.isoformat()}: not counted"
    return f"rest days {first.isoformat()} to {last.isoformat()}: not counted"


def _centre(axis: _Axis, day: dt.date) -> float:
    return (axis.x(day) + axis.x(day + _ONE_DAY)) / 2


def _cites(cites: Iterable[Citation]) -> str:
    return ", ".join(
        f"Art {c.article}" + (f"({c.item})" if c.item is not None else "") for c in cites
    )


# -- the date axis ----------------------------------------------------------------------------


def _grid(svg: _Svg, axis: _Axis, top: float, bottom: float) -> None:
    """Vertical lines at sensible intervals for the span, labelled along the top."""
    for day, label, major in _ticks(axis):
        x = axis.x(day)
        svg.line(x, top, x, bottom, stroke="#e5e7eb" if not major else "#d1d5db", width=1)
        if label:
            svg.text(x + 2, top - 4, label, size=10, fill="#374151")


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


def _legend(svg: _Svg, y: float) -> float:
    x = 20.0
    entries = [
        ("rect", MEASURE, "measure, active on as_of"),
        ("rect", MEASURE_PAST, "measure, not active"),
        ("diamond", DUTY, "duty owed on a day"),
        ("due", DEADLINE, "deadline: start to due day"),
        ("rect", REST, "rest day (working-day clocks)"),
        ("rect", EXCLUDED, "days excluded by law"),
        ("line", AS_OF, "as of"),
    ]
    for shape, colour, label in entries:
        if x + 24 + len(label) * _CHAR > WIDTH - RIGHT:
            x, y = 20.0, y + 20
        if shape == "rect":
            svg.rect(x, y - 9, 18, 11, fill=colour, radius=2)
        elif shape == "diamond":
            svg.polygon(
                [(x + 9, y - 10), (x + 16, y - 4), (x + 9, y + 2), (x + 2, y - 4)], fill=colour
            )
        elif shape == "due":
            svg.line(x, y - 4, x + 18, y - 4, stroke=colour, width=2.5)
        else:
            svg.line(x + 9, y - 11, x + 9, y + 3, stroke=colour, width=1.5, dash="4 3")
        svg.text(x + 24, y, label, size=10, fill="#374151")
        x += 24 + len(label) * _CHAR + 14
    return y + 8


# -- SVG writing ------------------------------------------------------------------------------


class _Svg:
    """Just enough SVG: elements appended as text, every string escaped."""

    def __init__(self) -> None:
        self.parts: list[str] = []

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
        return head + "\n".join(self.parts) + "\n</svg>\n"

    def lane_label(self, y: float, height: float, name: str, kind: str) -> None:
        self.rect(10, y + 1, WIDTH - 20, height - 2, fill="#f9fafb")
        self.text(20, y + height / 2 - 1, name, size=12, weight="bold")
        self.text(20, y + height / 2 + 12, kind, size=9, fill="#6b7280")

    def label(
        self,
        x: float,
        y: float,
        content: str,
        *,
        fill: str = "#1f2937",
        before: float,
        halo: bool = False,
    ) -> None:
        """A 10px label starting at ``x``, or ending at ``before`` if it would run off the
        right edge."""
        if x + len(content) * _CHAR > WIDTH - 12:
            self.text(before, y, content, size=10, fill=fill, halo=halo, anchor="end")
        else:
            self.text(x, y, content, size=10, fill=fill, halo=halo)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: int,
        fill: str = "#111827",
        weight: str | None = None,
        halo: bool = False,
        anchor: str | None = None,
    ) -> None:
        bold = f' font-weight="{weight}"' if weight else ""
        bold += f' text-anchor="{anchor}"' if anchor else ""
        # A white outline under the glyphs keeps a label readable where a line crosses it.
        outline = ' stroke="white" stroke-width="3" paint-order="stroke"' if halo else ""
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}"{bold}{outline}>'
            f"{escape(content)}</text>"
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
    ) -> None:
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
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
    ) -> None:
        outline = f' stroke="{stroke}"' if stroke else ""
        rounded = f' rx="{radius}"' if radius else ""
        self._shape(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{fill}"{outline}{rounded}',
            "rect",
            title,
        )

    def circle(
        self, x: float, y: float, r: float, *, fill: str, stroke: str, title: str | None = None
    ) -> None:
        self._shape(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" stroke="{stroke}" '
            'stroke-width="1.5"',
            "circle",
            title,
        )

    def polygon(
        self, points: Sequence[tuple[float, float]], *, fill: str, title: str | None = None
    ) -> None:
        joined = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        self._shape(f'<polygon points="{joined}" fill="{fill}"', "polygon", title)

    def _shape(self, opening: str, tag: str, title: str | None) -> None:
        if title is None:
            self.parts.append(opening + "/>")
        else:
            self.parts.append(f"{opening}><title>{escape(title)}</title></{tag}>")
