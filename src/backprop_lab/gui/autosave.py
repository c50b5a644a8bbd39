"""Autosave: the session is written soon after every change, off the GUI thread.

A change of the session (``session.events.changed``) starts a countdown of
:data:`AUTOSAVE_INTERVAL_MS`; when it ends, an immutable copy of the session
(:meth:`~backprop_lab.core.session.Session.to_project`) is written on the
background runner's thread, so the GUI never waits for the file (a 1M-epoch
history is megabytes). When the session stops being modified (it was saved, or
the student discarded it for New, Open or an example) the autosave is removed:
a restart never offers a session the student threw away.

Each running Backprop Lab writes its own file, ``autosave-<pid>.bplab``, in the
platform's app-data folder (``QStandardPaths.AppLocalDataLocation``/``autosave``)
and holds a lock file next to it for as long as it runs. A clean exit removes
both. An autosave whose lock is no longer held belongs to a Backprop Lab that
did not close properly (a crash, a kill, a power cut): the next start offers it
back (:func:`offer_crashed_session`). Writes go through
:func:`backprop_lab.core.project_file.save_project`, which is atomic, so a crash
in the middle of an autosave never leaves a half-written file: only a temporary
file next to it, which the next start removes (:func:`remove_orphaned_temporaries`)
while the last completed autosave is still offered. Only the process that holds
the lock writes or deletes its autosave.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal

from backprop_lab.core.files import TEMPORARY_SUFFIX
from backprop_lab.core.project_file import (
    PROJECT_SUFFIX,
    Project,
    ProjectFileError,
    save_project,
)
from backprop_lab.gui.training.background import BackgroundRunner

#: At most this long after a change, the session is in its autosave (well within 30 s).
AUTOSAVE_INTERVAL_MS = 20 * 1000
AUTOSAVE_PREFIX = "autosave-"

#: The temporary files of an interrupted autosave write: ``.autosave-<pid>.bplab.<hex>.tmp``.
_TEMPORARY = re.compile(
    rf"^\.({re.escape(AUTOSAVE_PREFIX)}\d+{re.escape(PROJECT_SUFFIX)})\.[0-9a-f]+"
    rf"{re.escape(TEMPORARY_SUFFIX)}$"
)


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


def _owner_is_gone(autosave: Path) -> bool:
    """Whether no running Backprop Lab holds the lock of ``autosave``."""
    lock = QLockFile(str(_lock_path(autosave)))
    lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
    if not lock.tryLock(0):
        return False
    lock.unlock()
    return True


def remove_orphaned_temporaries(directory: Path | None = None) -> list[Path]:
    """Delete temporary files of autosave writes a crash interrupted; returns them.

    A temporary file belongs to the autosave it was going to replace; it is
    deleted only when that autosave's Backprop Lab is no longer running (a
    running one may be writing it right now).
    """
    directory = autosave_directory() if directory is None else Path(directory)
    removed: list[Path] = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None or not _owner_is_gone(directory / match.group(1)):
            continue
        with contextlib.suppress(OSError):
            entry.unlink()
            removed.append(entry)
    return removed


def find_crashed_sessions(directory: Path | None = None) -> list[CrashedSession]:
    """Completed autosaves whose Backprop Lab is no longer running, newest first.

    Orphaned temporary files (a write interrupted by a crash) are removed on the
    way: they never hold a complete session; the autosave they were going to
    replace does, and is offered.
    """
    directory = autosave_directory() if directory is None else Path(directory)
    remove_orphaned_temporaries(directory)
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


def _write(path: Path, project) -> Path:
    """Runs on the background thread: ``project`` is an immutable copy of the session
    (a :class:`Project`, or the copied parts of one: checking them is done here too)."""
    if isinstance(project, dict):
        project = Project(**project)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_project(path, project)
    return path


class _Guard:
    """Orders a background write against a removal of the same autosave.

    A removal (the session was saved or discarded) bumps the generation under
    the lock; a write that started before it finds the generation changed when
    it is about to replace the file and writes nothing, so a discarded session
    never comes back, even when the write ends after the removal.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = 0


def _guarded_write(path: Path, project, guard: _Guard, generation: int) -> Path | None:
    if isinstance(project, dict):
        project = Project(**project)  # checked here, off the GUI thread
    with guard.lock:
        if guard.generation != generation:
            return None  # removed meanwhile: the session was saved or discarded
        return _write(path, project)


class Autosaver(QObject):
    """Writes ``window.session.to_project()`` at most ``interval_ms`` after a change.

    The write runs off the GUI thread; the file is removed as soon as the session
    is no longer modified (saved or discarded) and on a clean exit.

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
        self._session = window.session
        directory = autosave_directory() if directory is None else Path(directory)
        self.path = directory / f"{AUTOSAVE_PREFIX}{os.getpid()}{PROJECT_SUFFIX}"
        self._lock: QLockFile | None = None
        self._guard = _Guard()
        self._started = False
        self.last_saved: _dt.datetime | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(interval_ms))
        self._timer.timeout.connect(self._write_in_background)
        self._runner = BackgroundRunner(self)
        self._runner.finished.connect(self._written)
        self._runner.failed.connect(self._write_failed)
        self._session.events.changed.connect(self._on_changed)
        self._session.events.modified.connect(self._on_modified)

    def start(self) -> None:
        """Take this process's lock and autosave from now on."""
        if self._lock is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self.failed.emit(f"Autosave is off: cannot create {self.path.parent}: {exc}")
                return
            lock = QLockFile(str(_lock_path(self.path)))
            lock.setStaleLockTime(0)
            if not lock.tryLock(0):
                # Another Backprop Lab owns this file: never write or delete it.
                self.failed.emit(
                    f"Autosave is off: another Backprop Lab holds {_lock_path(self.path).name}"
                )
                return
            self._lock = lock
        self._started = True
        if self._session.modified:
            self._timer.start()

    def is_active(self) -> bool:
        """Whether changes are autosaved."""
        return self._started

    def owns_lock(self) -> bool:
        """Whether this process holds the autosave's lock (only then it writes or deletes)."""
        return self._lock is not None

    def interval_ms(self) -> int:
        """The longest time between a change and its autosave, in milliseconds."""
        return self._timer.interval()

    def is_pending(self) -> bool:
        """Whether a change waits to be written (countdown or a write in flight)."""
        return self._timer.isActive() or self._runner.busy

    def save_now(self) -> bool:
        """Write the session now (on this thread) if it has unsaved changes; True when a
        file was written."""
        if not self._session.modified or not self.owns_lock():
            return False
        self._timer.stop()
        try:
            _write(self.path, self._session.to_project())
        except (OSError, ValueError, ProjectFileError) as exc:
            self.failed.emit(f"Autosave failed: {exc}")
            return False
        self._written(self.path)
        return True

    def stop(self, remove: bool = True) -> None:
        """Stop autosaving; on a clean exit also delete the autosave and release the lock."""
        self._started = False
        self._timer.stop()
        # A write still in flight would bring the file back after it is removed.
        self._runner.cancel()
        self._runner.wait()
        if remove:
            self._remove()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    # ------------------------------------------------------------ internals
    def _on_changed(self, _what: str) -> None:
        if self._started and self._session.modified and not self._timer.isActive():
            self._timer.start()

    def _on_modified(self, modified: bool) -> None:
        if not modified:
            # Saved, or discarded for another session: nothing here is worth recovering.
            self._timer.stop()
            self._runner.cancel()
            self._remove()

    def _write_in_background(self) -> None:
        if not (self._started and self._session.modified and self.owns_lock()):
            return
        try:
            # Copies made here, in a few milliseconds; checked and written off the GUI thread.
            project = self._session.project_parts()
        except ValueError as exc:
            self.failed.emit(f"Autosave failed: {exc}")
            return
        self._runner.submit(_guarded_write, self.path, project, self._guard, self._guard.generation)

    def _written(self, path) -> None:
        if path is None:
            return  # the autosave was removed while this write ran: nothing written
        if not self._session.modified:
            self._remove()  # saved or discarded while the write ran
            return
        self.last_saved = _dt.datetime.now()
        self.saved.emit(path)

    def _write_failed(self, details: str) -> None:
        last = details.strip().splitlines()[-1] if details.strip() else "unknown error"
        self.failed.emit(f"Autosave failed: {last}")

    def _remove(self) -> None:
        if not self.owns_lock():
            return  # the file belongs to the Backprop Lab that holds the lock
        with self._guard.lock:
            self._guard.generation += 1
            try:
                self.path.unlink()
            except OSError:
                pass


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
