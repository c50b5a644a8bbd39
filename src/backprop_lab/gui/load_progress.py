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

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
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
