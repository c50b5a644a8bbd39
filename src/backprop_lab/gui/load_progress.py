"""Progress and Cancel for loads that take longer than about a second.

:class:`LoadProgress` is the ``progress`` callback the core's loaders take
(``read_csv(..., progress=...)``): the loader calls it now and then with the
share done. Nothing is shown for a quick load; once one has run for
:data:`~backprop_lab.core.limits.PROGRESS_AFTER_SECONDS`, a progress dialog
with a Cancel button appears, and the events waiting in the GUI are handled at
every call, so the window repaints and the Cancel click arrives. Returning
False makes the loader stop with ``LoadCancelled`` (the current session stays
as it was: the loaders build new objects and replace nothing).

No thread is involved: the core parses in slices and hands control back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from backprop_lab.core.limits import PROGRESS_AFTER_SECONDS


class LoadProgress:
    """A progress callback that shows a cancellable dialog after a second.

    Parameters
    ----------
    parent
        The window the dialog belongs to.
    label
        What is being done, e.g. ``"Reading spirals.csv…"``.
    after_seconds
        How long a load runs before the dialog appears.
    """

    def __init__(
        self, parent: QWidget | None, label: str, after_seconds: float = PROGRESS_AFTER_SECONDS
    ) -> None:
        self._parent = parent
        self._label = label
        self._after = after_seconds
        self._start = time.monotonic()
        self.dialog: QProgressDialog | None = None
        self.cancelled = False
        self.calls = 0

    def __call__(self, fraction: float) -> bool:
        self.calls += 1
        if self.dialog is None and time.monotonic() - self._start >= self._after:
            self.dialog = QProgressDialog(self._label, "Cancel", 0, 1000, self._parent)
            self.dialog.setWindowTitle("Backprop Lab")
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(0)
            self.dialog.canceled.connect(self.cancel)
            self.dialog.show()
        if self.dialog is not None:
            self.dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        return not self.cancelled

    def cancel(self) -> None:
        """Stop the load at the next call (what the dialog's Cancel button does)."""
        self.cancelled = True

    def close(self) -> None:
        """Hide the dialog (the load is over)."""
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None


#: Above this many (samples x weights) a new network's first snapshot (a forward and
#: backward pass over every sample) is computed off the GUI thread: 2-256x8-1 on
#: 20,000 + 20,000 samples is 1.8e10 (seconds); below it the thread hop would cost
#: more than the pass (2-64-64-1 on 1,000 samples: 4.4e6).
OFF_THREAD_WORK = 50_000_000


def snapshot_work(layer_sizes, train, test=None) -> int:
    """About how much work a snapshot of a network of ``layer_sizes`` on this data is."""
    weights = sum((a + 1) * b for a, b in pairwise(layer_sizes))
    samples = train.n_samples + (0 if test is None else test.n_samples)
    return samples * weights


@contextmanager
def network_work(parent: QWidget | None, label: str, work: int) -> Iterator[BackgroundLoad]:
    """A :class:`BackgroundLoad` for computing a new network's first snapshot: off the
    GUI thread when ``work`` (:func:`snapshot_work`) is above :data:`OFF_THREAD_WORK`,
    inline otherwise; closed at the end of the ``with`` block."""
    progress = BackgroundLoad(parent, label, inline=work < OFF_THREAD_WORK)
    try:
        yield progress
    finally:
        progress.close()


class LoadCancelledByUser(Exception):
    """The user pressed Cancel while :meth:`BackgroundLoad.run` waited (nothing changed)."""


class BackgroundLoad:
    """Run a loader off the GUI thread, with a cancellable progress dialog after a second.

    For loads that are one long call (``json.loads`` of a project file, building and
    checking a Session): :meth:`run` hands the pure function to a background thread
    and keeps the GUI's event loop going until it returns, so the window repaints and
    the Cancel click arrives. Nothing is shown for a quick load; after
    :data:`~backprop_lab.core.limits.PROGRESS_AFTER_SECONDS` a dialog with a busy bar
    and Cancel appears (window-modal: the window repaints but takes no input).
    Cancel raises :class:`LoadCancelledByUser` at once; the function's result, when
    it ends, is dropped (it builds new objects and replaces nothing).

    :meth:`showing` then says what the window does on the GUI thread (the views
    drawing the new data): the dialog stays up, without Cancel, until :meth:`close`.
    """

    def __init__(
        self,
        parent: QWidget | None,
        label: str,
        after_seconds: float = PROGRESS_AFTER_SECONDS,
        inline: bool = False,
    ) -> None:
        self._parent = parent
        self._label = label
        self._after = after_seconds
        self._start = time.monotonic()
        #: True: :meth:`run` calls on this thread (a small load, done in milliseconds).
        self.inline = inline
        self.dialog: QProgressDialog | None = None
        #: Whether the dialog was shown at any time (for tests and the status bar).
        self.was_shown = False

    def run(self, fn, *args):
        """``fn(*args)`` on a background thread; its value, or its exception raised here."""
        if self.inline:
            return fn(*args)
        from backprop_lab.gui.training.background import BackgroundRunner

        outcome: list = []
        loop = QEventLoop()

        def call():
            try:
                return ("value", fn(*args))
            except BaseException as exc:  # raised again on the GUI thread
                return ("error", exc)

        def done(result) -> None:
            outcome.append(result)
            loop.quit()

        runner = BackgroundRunner()  # the shared background thread (gui/training)
        runner.finished.connect(done)
        runner.failed.connect(lambda text: done(("error", RuntimeError(text))))
        cancelled: list[bool] = []

        def cancel() -> None:
            cancelled.append(True)
            loop.quit()

        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: self._show(cancel))
        if self.dialog is not None:
            self._set_cancellable(cancel)
        else:
            remaining = self._after - (time.monotonic() - self._start)
            timer.start(max(0, int(remaining * 1000)))
        runner.submit(call)
        if not outcome and not cancelled:
            loop.exec()
        timer.stop()
        runner.cancel()  # a result still to come (after Cancel) is dropped
        if self.dialog is not None:
            try:
                self.dialog.canceled.disconnect()
            except (RuntimeError, TypeError):
                pass
        if cancelled and not outcome:
            raise LoadCancelledByUser(self._label)
        kind, value = outcome[0]
        if kind == "error":
            raise value
        return value

    def showing(self, label: str) -> None:
        """The GUI thread is busy with ``label`` (views drawing): shown, without Cancel,
        when the load has already taken long enough to show the dialog."""
        if self.dialog is None and time.monotonic() - self._start < self._after:
            return
        self._show(None)
        self.dialog.setLabelText(label)
        self.dialog.setCancelButton(None)
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents, 50)

    def close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def _show(self, cancel) -> None:
        if self.dialog is None:
            self.dialog = QProgressDialog(self._label, "Cancel", 0, 0, self._parent)
            self.dialog.setWindowTitle("Backprop Lab")
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(0)
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.show()
            self.was_shown = True
        if cancel is not None:
            self._set_cancellable(cancel)

    def _set_cancellable(self, cancel) -> None:
        self.dialog.canceled.connect(cancel)
