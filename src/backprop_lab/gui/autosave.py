"""Autosave: the session is written every few minutes while it has unsaved changes.

Each running Backprop Lab writes its own file, ``autosave-<pid>.bplab``, in the
platform's app-data folder (``QStandardPaths.AppLocalDataLocation``/``autosave``)
and holds a lock file next to it for as long as it runs. A clean exit removes
both. An autosave whose lock is no longer held belongs to a Backprop Lab that
did not close properly (a crash, a kill, a power cut): the next start offers it
back (:func:`offer_crashed_session`). Writes go through
:func:`backprop_lab.core.project_file.save_project`, which is atomic, so a crash
in the middle of an autosave never leaves a half-written file.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal

from backprop_lab.core.project_file import PROJECT_SUFFIX, ProjectFileError, save_project

#: How often the session is autosaved while it has unsaved changes.
AUTOSAVE_INTERVAL_MS = 3 * 60 * 1000
AUTOSAVE_PREFIX = "autosave-"


def autosave_directory() -> Path:
    """``<app-data>/autosave`` (created on first write)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    if not base:
        base = str(Path.home() / ".backprop-lab")
    return Path(base) / "autosave"


def _lock_path(autosave: Path) -> Path:
    return autosave.with_suffix(".lock")


@dataclass(frozen=True)
class CrashedSession:
    """An autosave left behind by a Backprop Lab that did not close properly."""

    path: Path
    saved_at: _dt.datetime

    def question(self) -> str:
        """What the student is asked at start."""
        when = self.saved_at.strftime("%H:%M")
        if self.saved_at.date() != _dt.date.today():
            when = self.saved_at.strftime("%d %B %Y, %H:%M")
        return f"Backprop Lab did not close properly. Restore the session autosaved at {when}?"

    def discard(self) -> None:
        """Delete the autosave (and its stale lock)."""
        for path in (self.path, _lock_path(self.path)):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                pass


def find_crashed_sessions(directory: Path | None = None) -> list[CrashedSession]:
    """Autosaves whose Backprop Lab is no longer running, newest first."""
    directory = autosave_directory() if directory is None else Path(directory)
    try:
        candidates = list(directory.glob(f"{AUTOSAVE_PREFIX}*{PROJECT_SUFFIX}"))
    except OSError:
        return []
    found = []
    for path in candidates:
        lock = QLockFile(str(_lock_path(path)))
        lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        if not lock.tryLock(0):
            continue  # another Backprop Lab is running and owns this autosave
        lock.unlock()
        try:
            stamp = path.stat().st_mtime
        except OSError:
            continue
        found.append(CrashedSession(path, _dt.datetime.fromtimestamp(stamp)))
    found.sort(key=lambda s: s.saved_at, reverse=True)
    return found


class Autosaver(QObject):
    """Writes ``window.project()`` every ``interval_ms`` while ``window.is_modified()``.

    Attributes
    ----------
    path
        This process's autosave file.
    """

    #: (path) after a successful autosave.
    saved = Signal(object)
    #: (message) when an autosave could not be written (training goes on).
    failed = Signal(str)

    def __init__(
        self,
        window,
        interval_ms: int = AUTOSAVE_INTERVAL_MS,
        directory: Path | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        directory = autosave_directory() if directory is None else Path(directory)
        self.path = directory / f"{AUTOSAVE_PREFIX}{os.getpid()}{PROJECT_SUFFIX}"
        self._lock: QLockFile | None = None
        self.last_saved: _dt.datetime | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_ms))
        self._timer.timeout.connect(self.save_now)

    def start(self) -> None:
        """Take this process's lock and start the timer."""
        if self._lock is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self.failed.emit(f"Autosave is off: cannot create {self.path.parent}: {exc}")
                return
            lock = QLockFile(str(_lock_path(self.path)))
            lock.setStaleLockTime(0)
            if lock.tryLock(0):
                self._lock = lock
        self._timer.start()

    def is_active(self) -> bool:
        """Whether the timer runs."""
        return self._timer.isActive()

    def interval_ms(self) -> int:
        """Milliseconds between autosaves."""
        return self._timer.interval()

    def save_now(self) -> bool:
        """Write the session now if it has unsaved changes; True when a file was written."""
        if not self._window.is_modified():
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            save_project(self.path, self._window.project())
        except (OSError, ValueError, ProjectFileError) as exc:
            self.failed.emit(f"Autosave failed: {exc}")
            return False
        self.last_saved = _dt.datetime.now()
        self.saved.emit(self.path)
        return True

    def stop(self, remove: bool = True) -> None:
        """Stop the timer; on a clean exit also delete the autosave and release the lock."""
        self._timer.stop()
        if remove:
            for path in (self.path,):
                try:
                    path.unlink()
                except OSError:
                    pass
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None


def offer_crashed_session(
    window,
    ask: Callable[[str], bool],
    directory: Path | None = None,
) -> bool:
    """At start: offer the newest autosave of a crashed session; True when it was restored.

    ``ask(question) -> bool`` is the Yes/No question. A restored or declined
    autosave is deleted (so the question comes once); one that cannot be read
    is reported in an error dialog and deleted, and the start goes on.
    Older orphaned autosaves are deleted too.
    """
    sessions = find_crashed_sessions(directory)
    if not sessions:
        return False
    newest, *older = sessions
    for session in older:
        session.discard()
    restored = False
    if ask(newest.question()):
        restored = window.restore_autosave(newest.path)
    newest.discard()
    return restored
