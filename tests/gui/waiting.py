"""Waiting in GUI tests without fixed sleeps.

A check that something does *not* happen waits for a positive proof that the
event loop (or the training worker) got past the point where it would have
happened, never for a fixed time:

* :func:`event_loop_turn`: a zero-delay timer posted now has fired, so every event
  and zero-delay timer posted before it has been handled;
* :func:`worker_round_trip`: the training worker answered a request sent now, so it
  has handled every command sent before, and whatever it emitted before answering
  has been delivered;
* :func:`wait_until_no_timer_pending`: every short single-shot timer of a widget
  (the views' paced redraws) has fired;
* :func:`wait_views_current`: every view of a main window has caught up with the
  newest snapshot (each does in its own event-loop turn, see ``gui/view_turns.py``;
  what a view answers is the newest already, this waits for what it draws).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

TIMEOUT_MS = 10_000


def process_events() -> None:
    """Deliver every event already posted (layout requests, queued signals, deferred
    deletes) and handle what they post in turn, without waiting for the clock."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, 0)
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)


def event_loop_turn(qtbot, timeout: int = TIMEOUT_MS) -> None:
    """Wait until a zero-delay timer posted now has fired, then deliver what it left."""
    fired: list[bool] = []
    QTimer.singleShot(0, lambda: fired.append(True))
    qtbot.waitUntil(lambda: bool(fired), timeout=timeout)
    process_events()


def worker_round_trip(qtbot, controller):
    """Ask the training worker what its next step is and deliver everything it emitted
    before it answered; returns its answer (a StepExplanation: ``.epoch`` is the epoch
    its trainer trains next)."""
    answer = controller.explain_next_step()
    event_loop_turn(qtbot)
    return answer


def pending_timers(widget, shorter_than_ms: int = 2000) -> list[QTimer]:
    """The active single-shot timers under ``widget`` that fire within ``shorter_than_ms``
    (paced repaints; not a 20-second autosave countdown)."""
    return [
        timer
        for timer in widget.findChildren(QTimer)
        if timer.isActive() and timer.isSingleShot() and timer.interval() < shorter_than_ms
    ]


def wait_until_no_timer_pending(qtbot, widget, timeout: int = TIMEOUT_MS) -> None:
    """Wait until every paced redraw of ``widget``'s views has run, then a turn more."""
    qtbot.waitUntil(lambda: not pending_timers(widget), timeout=timeout)
    event_loop_turn(qtbot)


def wait_views_current(qtbot, window, timeout: int = TIMEOUT_MS) -> None:
    """Wait until every view of ``window`` has had its turn for the newest snapshot."""
    qtbot.waitUntil(window.views_current, timeout=timeout)
