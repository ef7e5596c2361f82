"""References between procedural events: what an event names must already be on record.

A Ganzhou ``objection_decided`` decides an objection that was filed (Art 20); a
``repair_decided`` decides an application that was made (Art 25); an objection may name the
evaluation it disputes (Arts 12 and 19). The engine reads these events by the id they name, so
one naming an id never recorded would silently discharge nothing, or double an agenda item. The
ledger therefore refuses it on entry, with
:class:`~credit_rules.errors.MissingReference` naming the event and the missing id.

The table is data, kept in each regulation's ledger pack (:mod:`credit_rules.ledger.regulations`):
(event type, field) -> the event type that introduces the id under the same field name. An
entry applies only where the event has the field set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from credit_rules.engine.references import References, introduced, unknown_names
from credit_rules.errors import MissingReference
from credit_rules.model.events import Event


def check_references(
    history: Sequence[Event],
    added: Sequence[Event],
    labels: Sequence[str],
    references: References,
) -> None:
    """Refuse the first of ``added`` naming an id neither ``history`` nor an earlier event of
    ``added`` introduces."""
    referring = {event_type for event_type, _ in references}
    if not any(event.type in referring for event in added):
        return
    known = introduced(history, references)
    for event, label in zip(added, labels, strict=True):
        for name, value in unknown_names(event, references, known):
            raise MissingReference(label, event.type, name, value, event.subject)
        known |= introduced([event], references)


class Introductions:
    """:func:`check_references` for a long stream of events (a bulk load), one event at a time
    and without holding the stream: the ids introduced so far are kept per subject, and only
    for subjects whose events introduce or refer to one."""

    def __init__(self, references: References, history: Callable[[str], Sequence[Event]]) -> None:
        self._references = references
        self._referring = {event_type for event_type, _ in references}
        self._introducing = {source for source in references.values()}
        self._history = history
        self._known: dict[str, set[tuple[str, str]]] = {}

    def _of(self, subject: str) -> set[tuple[str, str]]:
        known = self._known.get(subject)
        if known is None:
            known = self._known[subject] = introduced(self._history(subject), self._references)
        return known

    def concerned(self, events: Sequence[Event]) -> list[int]:
        """The indices of ``events`` that refer to an id or introduce one, in order."""
        types = self._referring | self._introducing
        if not types:
            return []
        return [index for index, event in enumerate(events) if event.type in types]

    def check(self, event: Event, labels: Sequence[str], index: int) -> None:
        """Refuse ``event`` (``labels[index]``) if it names an id not introduced before it;
        else note its own. The label is made only for the message."""
        if event.type in self._referring:
            for name, value in unknown_names(event, self._references, self._of(event.subject)):
                raise MissingReference(labels[index], event.type, name, value, event.subject)
        if event.type in self._introducing:
            self._of(event.subject).update(introduced([event], self._references))
