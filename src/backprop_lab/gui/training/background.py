"""Work off the GUI thread: submit a pure function, receive its result as a signal.

:class:`BackgroundRunner` is for work a view or the window needs now and then
and that takes longer than a frame (writing an autosave, computing a decision
map or a loss landscape). The function runs on a :class:`QThreadPool` thread
and must not touch any widget or any object another thread changes: give it
immutable inputs (a snapshot, a copy) and let it return a new value.

*Latest wins*: a runner runs one function at a time. Submitting while one runs
queues the new one, replacing anything queued before it, and only the result of
the most recently submitted function is delivered, so a view that asks again
for every frame gets the newest answer without a backlog of stale work.

:attr:`BackgroundRunner.finished` is emitted on the thread the runner lives in
(the GUI thread) with the function's return value; :attr:`~BackgroundRunner.failed`
with the traceback text when it raised. A runner whose owner lets go of it
while its function runs stays alive until the result has reached the GUI thread,
and is freed there (a pool thread never holds a reference to a runner).
Together with the training worker, this module is the only place in Backprop
Lab that starts threads.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot

from .worker import _hold_garbage_collection, _release_garbage_collection

_shared_pool: QThreadPool | None = None


def shared_pool() -> QThreadPool:
    """The pool runners use unless given their own: one thread (training has the other core)."""
    global _shared_pool
    if _shared_pool is None:
        _shared_pool = QThreadPool()
        _shared_pool.setObjectName("backprop-lab background")
        _shared_pool.setMaxThreadCount(1)
        _shared_pool.setExpiryTimeout(30_000)
    return _shared_pool


class _Flight:
    """How many of a runner's functions are running: plain Python, safe on any thread."""

    def __init__(self) -> None:
        self.count = 0
        self.returned = threading.Condition()

    def started(self) -> None:
        with self.returned:
            self.count += 1

    def ended(self) -> None:
        with self.returned:
            self.count -= 1
            self.returned.notify_all()


class _Relay(QObject):
    """Carries results from pool threads to the GUI thread; lives as long as the app.

    A pool thread never holds a reference to a runner (a QObject of the GUI
    thread): had it held the last one, the runner would be destroyed on the pool
    thread while the GUI thread delivers the result to it (a crash seen once in
    about fifteen runs of a cancelled load). The task carries a key instead; the
    GUI thread looks the runner up in ``_waiting`` when the result arrives.
    """

    # (runner key, ticket, result, error text or None), emitted on a pool thread.
    done = Signal(int, int, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.done.connect(self._deliver)

    @Slot(int, int, object, object)
    def _deliver(self, key: int, ticket: int, result: Any, error: object) -> None:
        _release_garbage_collection()
        runner = _waiting.pop(key, None)
        if runner is not None and shiboken6.isValid(runner):
            runner._on_task_done(ticket, result, error)


_relay: _Relay | None = None
# Runners with a function running, by key: kept alive here (on the GUI thread) until
# their result has been delivered, even when their owner let go of them meanwhile.
_waiting: dict[int, BackgroundRunner] = {}
_keys = itertools.count(1)


def _the_relay() -> _Relay:
    global _relay
    if _relay is None or not shiboken6.isValid(_relay):
        _relay = _Relay()
        app = QCoreApplication.instance()
        if app is not None and _relay.thread() is not app.thread():
            _relay.moveToThread(app.thread())
    return _relay


class _Task(QRunnable):
    def __init__(self, relay: _Relay, key: int, flight: _Flight, ticket: int, fn, args, kwargs):
        super().__init__()
        self.setAutoDelete(True)
        self._relay = relay
        self._key = key
        self._flight = flight
        self._ticket = ticket
        self._fn = fn
        self._args = args
        self._kwargs = kwargs

    def run(self) -> None:  # runs on a pool thread
        result = error = None
        try:
            result = self._fn(*self._args, **self._kwargs)
        except BaseException:  # reported to the GUI thread, never lost
            error = traceback.format_exc()
        finally:
            self._fn = self._args = self._kwargs = None
            self._flight.ended()
        # Queued to the relay, which lives in the GUI thread. It is gone only when
        # the app is being torn down (Python frees it at exit while a function still
        # ran): then nobody is left to deliver to, and nothing must be raised here.
        relay = self._relay
        if shiboken6.isValid(relay):
            try:
                relay.done.emit(self._key, self._ticket, result, error)
            except RuntimeError:  # deleted between the check and the emit
                pass


class BackgroundRunner(QObject):
    """Runs one pure function at a time off the GUI thread; the latest submitted wins.

    Examples
    --------
    >>> runner = BackgroundRunner()                       # doctest: +SKIP
    >>> runner.finished.connect(view.show_decision_map)  # doctest: +SKIP
    >>> runner.submit(decision_map, snapshot, grid)      # doctest: +SKIP
    """

    #: the return value of the latest submitted function
    finished = Signal(object)
    #: the traceback text when the latest submitted function raised
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool if pool is not None else shared_pool()
        self._ticket = 0
        self._running_ticket: int | None = None
        self._queued: tuple[int, Callable[..., Any], tuple, dict] | None = None
        # Functions started and not yet returned (counted on the pool thread, so
        # that wait() never depends on the GUI thread's event loop).
        self._flight = _Flight()
        self._key = next(_keys)
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
        """Run ``fn(*args, **kwargs)`` off the GUI thread; returns a ticket number.

        Anything submitted earlier and not yet started is dropped; the result of
        a function still running is dropped when it ends.
        """
        if self._closed:
            raise RuntimeError("this background runner has been shut down")
        self._ticket += 1
        if self._running_ticket is None:
            self._start(self._ticket, fn, args, kwargs)
        else:
            self._queued = (self._ticket, fn, args, kwargs)
        return self._ticket

    def cancel(self) -> None:
        """Deliver nothing for what was submitted so far (a running function still ends)."""
        self._ticket += 1
        self._queued = None

    @property
    def busy(self) -> bool:
        """True while a function runs or waits to run."""
        return self._running_ticket is not None or self._queued is not None

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until every started function has returned; True when none runs."""
        flight = self._flight
        with flight.returned:
            return flight.returned.wait_for(lambda: flight.count == 0, timeout_ms / 1000)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Drop queued work, wait for the running function and deliver nothing more."""
        self._closed = True
        self.cancel()
        return self.wait(timeout_ms)

    def _start(self, ticket: int, fn, args, kwargs) -> None:
        self._running_ticket = ticket
        self._flight.started()
        _waiting[self._key] = self
        # Python's automatic collection would run in the pool thread too (json.loads
        # of a project allocates millions of objects) and could free a cycle holding
        # widgets there; off while a function runs, as while a training worker lives.
        _hold_garbage_collection()
        self._pool.start(_Task(_the_relay(), self._key, self._flight, ticket, fn, args, kwargs))

    def _on_task_done(self, ticket: int, result: Any, error: object) -> None:
        self._running_ticket = None
        queued, self._queued = self._queued, None
        if queued is not None and not self._closed:
            self._start(*queued)
        if self._closed or ticket != self._ticket:
            return
        if error is not None:
            self.failed.emit(str(error))
        else:
            self.finished.emit(result)
