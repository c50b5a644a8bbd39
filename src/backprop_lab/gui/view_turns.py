"""Views catch up with a new snapshot one at a time, each in its own event-loop turn.

A snapshot used to reach every view in the turn it arrived: the network view's
colours, the weight tables' cells and the data plot's map were recomputed there,
and Qt painted them all (with the loss plot) in the next paint, one stretch of
30-50 ms on a 2-64-64-1 network in which the GUI thread answered nothing else.

Now each view *stores* the snapshot at once (cheap: whatever asks a view,
a test or a tooltip, gets the newest numbers, computed on demand) and marks
itself behind; :class:`ViewTurns` then lets one view at a time catch up (its
recompute, and the widget's repaint request), each in a turn of its own:

* turn 0: the snapshot's own turn (the session, the loss plot, the labels);
* turn 1: Qt paints what turn 0 changed;
* turn 2, 3, ...: one view each, while Qt paints the view of the turn before.

A turn is a posted event of low priority, posted after the paint request of
the turn before, so Qt paints a view before the next one starts; timers (and
input) are handled between turns. A newer snapshot supersedes an older one: a
view always catches up with what it stores, the newest; views that caught up
in this round are marked behind again, and the round goes on where it was
(round robin), so none waits more than one round. A view that cannot be seen
costs nothing here (it catches up when shown).

:meth:`ViewTurns.is_current` tells whether every view has caught up, the
:attr:`ViewTurns.caught_up` signal says when they have, and
:meth:`ViewTurns.catch_up_now` brings them all up to date at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal

_TURN = QEvent.Type(QEvent.registerEventType())
#: False: every view catches up in the snapshot's own turn, as before (for A/B
#: measurements in tests/benchmarks; the behaviour is the same, only later or sooner).
ONE_VIEW_PER_TURN = True


class _TurnEvent(QEvent):
    def __init__(self, round_id: int) -> None:
        super().__init__(_TURN)
        self.round_id = round_id


class ViewTurns(QObject):
    """Views that catch up with the newest snapshot one per event-loop turn.

    Signals
    -------
    caught_up()
        Every view has caught up with the snapshot it stores.
    """

    caught_up = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._catch_ups: dict[str, Callable[[], None]] = {}
        self._behind: set[str] = set()
        #: Where the round robin goes on (index into _names).
        self._next = 0
        #: Turns still to wait before the first view of a round (the paint of turn 0).
        self._lead_in = 0
        self._posted = False
        #: Bumped by catch_up_now: a turn posted before it is stale.
        self._round = 0

    def add(self, name: str, catch_up: Callable[[], None]) -> None:
        """A view, in the order views catch up; ``catch_up()`` recomputes what it stores
        and asks Qt to repaint it (nothing while it cannot be seen)."""
        if name in self._catch_ups:
            raise ValueError(f"view {name!r} is already added")
        self._names.append(name)
        self._catch_ups[name] = catch_up

    def names(self) -> list[str]:
        return list(self._names)

    def mark_behind(self, names: list[str] | None = None) -> None:
        """These views (default: all) store a newer snapshot than they show."""
        behind = self._names if names is None else names
        if not behind:
            return
        was_idle = not self._behind
        self._behind.update(behind)
        if not ONE_VIEW_PER_TURN:
            self.catch_up_now()
            return
        if was_idle:
            self._lead_in = 1  # let Qt paint what the snapshot's own turn changed
        self._post()

    def is_current(self) -> bool:
        """True when every view shows the snapshot it stores."""
        return not self._behind

    def behind(self) -> list[str]:
        """The views still to catch up, in order."""
        return [name for name in self._names if name in self._behind]

    def catch_up_now(self) -> None:
        """Bring every view up to date at once (an export, a close, a test)."""
        self._round += 1
        self._posted = False
        while self._behind:
            self._run_next()
        self.caught_up.emit()

    # ------------------------------------------------------------ turns
    def _post(self) -> None:
        if self._posted or not self._behind:
            return
        self._posted = True
        QCoreApplication.postEvent(
            self, _TurnEvent(self._round), Qt.EventPriority.LowEventPriority.value
        )

    def event(self, event: QEvent) -> bool:
        if event.type() != _TURN:
            return super().event(event)
        if event.round_id != self._round:
            return True  # catch_up_now ran since it was posted
        self._posted = False
        if self._lead_in > 0:
            self._lead_in -= 1
        elif self._behind:
            self._run_next()
        if self._behind:
            self._post()
        else:
            self.caught_up.emit()
        return True

    def _run_next(self) -> None:
        count = len(self._names)
        for step in range(count):
            index = (self._next + step) % count
            name = self._names[index]
            if name in self._behind:
                self._next = (index + 1) % count
                self._behind.discard(name)
                self._catch_ups[name]()
                return
        self._behind.clear()
