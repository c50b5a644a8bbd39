"""Autosave never loses and never resurrects: written off the GUI thread, removed on save and
discard, orphans cleaned, only the lock owner deletes, and kill -9 at any moment is harmless."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from backprop_lab.core.project_file import load_project
from backprop_lab.gui import autosave as autosave_module
from backprop_lab.gui.autosave import (
    Autosaver,
    find_crashed_sessions,
    offer_crashed_session,
    remove_orphaned_temporaries,
)
from backprop_lab.gui.main_window import MainWindow

TIMEOUT = 30_000  # an upper bound for waits on signals: a loaded CI machine can take seconds


def stepped(qtbot, window, epochs):
    start = window.controller.current_snapshot().epoch
    window.controller.step(epochs)
    qtbot.waitUntil(
        lambda: (
            window.controller.current_snapshot().epoch == start + epochs
            and not window.controller.is_running
        ),
        timeout=TIMEOUT,
    )


def new_window(qtbot):
    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    return window


def close(window):
    window.set_modified(False)
    window.close()


def test_the_write_runs_off_the_gui_thread_and_is_announced(qtbot, tmp_path, monkeypatch):
    window = new_window(qtbot)
    saver = window.enable_autosave(interval_ms=10_000, directory=tmp_path)
    threads = []
    real = autosave_module.save_project

    def recording(path, project):
        threads.append(threading.current_thread())
        return real(path, project)

    monkeypatch.setattr(autosave_module, "save_project", recording)
    stepped(qtbot, window, 3)
    with qtbot.waitSignal(saver.saved, timeout=TIMEOUT):
        saver._write_in_background()
    assert threads and threads[0] is not threading.main_thread()
    assert load_project(saver.path).epoch == 3
    close(window)


def test_the_timer_writes_a_change_without_being_asked(qtbot, tmp_path):
    window = new_window(qtbot)
    saver = window.enable_autosave(interval_ms=50, directory=tmp_path)
    with qtbot.waitSignal(saver.saved, timeout=TIMEOUT):
        stepped(qtbot, window, 2)
    qtbot.waitUntil(lambda: load_project(saver.path).epoch == 2, timeout=TIMEOUT)
    close(window)


def test_saving_removes_the_autosave(qtbot, tmp_path):
    window = new_window(qtbot)
    saver = window.enable_autosave(interval_ms=10_000, directory=tmp_path / "auto")
    stepped(qtbot, window, 2)
    assert saver.save_now() and saver.path.exists()
    assert window.save_project_to(tmp_path / "work.bplab")
    assert not saver.path.exists()
    assert find_crashed_sessions(tmp_path / "auto") == []
    window.close()


def test_discarding_removes_the_autosave_and_a_write_in_flight_cannot_bring_it_back(
    qtbot, tmp_path, monkeypatch
):
    window = new_window(qtbot)
    saver = window.enable_autosave(interval_ms=10_000, directory=tmp_path)
    stepped(qtbot, window, 2)
    assert saver.save_now()
    gate = threading.Event()
    real = autosave_module.save_project

    def slow(path, project):
        gate.wait(5)
        return real(path, project)

    monkeypatch.setattr(autosave_module, "save_project", slow)
    stepped(qtbot, window, 1)
    saver._write_in_background()  # a write starts ...
    assert saver.is_pending()
    window.ask_save_changes = lambda question: "discard"
    assert window.new_session()  # ... the student discards the session meanwhile ...
    assert not saver.path.exists()
    gate.set()  # ... and the write ends afterwards
    qtbot.waitUntil(lambda: not saver.is_pending(), timeout=TIMEOUT)
    QApplication.processEvents()
    assert not saver.path.exists()
    assert find_crashed_sessions(tmp_path) == []
    window.close()


def test_recovery_offers_only_the_last_undiscarded_session(qtbot, tmp_path):
    # Session A is autosaved, then discarded for New; session B is changed and autosaved;
    # then the app dies (no clean exit): only B comes back.
    window = new_window(qtbot)
    saver = window.enable_autosave(interval_ms=10_000, directory=tmp_path)
    stepped(qtbot, window, 5)
    assert saver.save_now()
    window.ask_save_changes = lambda question: "discard"
    assert window.new_session()
    stepped(qtbot, window, 2)
    assert saver.save_now()
    crashed = saver.path.with_name("autosave-4000010.bplab")
    saver.path.rename(crashed)
    saver.stop(remove=False)
    close(window)
    sessions = find_crashed_sessions(tmp_path)
    assert [s.path for s in sessions] == [crashed]
    assert load_project(crashed).epoch == 2
    again = new_window(qtbot)
    assert offer_crashed_session(again, lambda question: True, tmp_path)
    assert again.controller.current_snapshot().epoch == 2
    close(again)


def test_orphaned_temporary_files_are_cleaned_and_the_completed_autosave_offered(qtbot, tmp_path):
    window = new_window(qtbot)
    saver = window.enable_autosave(interval_ms=10_000, directory=tmp_path)
    stepped(qtbot, window, 3)
    assert saver.save_now()
    crashed = saver.path.with_name("autosave-4000011.bplab")
    saver.path.rename(crashed)
    orphan = tmp_path / ".autosave-4000011.bplab.0123456789ab.tmp"
    orphan.write_bytes(b'{"format": "backprop-lab-pro')  # a write the crash cut short
    first_only = tmp_path / ".autosave-4000012.bplab.00ff00ff00ff.tmp"
    first_only.write_bytes(b"{")  # a kill during the very first autosave
    mine = saver.path.parent / f".{saver.path.name}.abcdefabcdef.tmp"
    mine.write_bytes(b"{")  # a running Backprop Lab's write in progress: left alone
    removed = remove_orphaned_temporaries(tmp_path)
    assert sorted(removed) == sorted([orphan, first_only])
    assert mine.exists()
    assert [s.path for s in find_crashed_sessions(tmp_path)] == [crashed]
    mine.unlink()
    saver.stop(remove=False)
    close(window)


def test_only_the_lock_owner_deletes(qtbot, tmp_path):
    owner = new_window(qtbot)
    saver = owner.enable_autosave(interval_ms=10_000, directory=tmp_path)
    stepped(qtbot, owner, 1)
    assert saver.save_now()
    # A second Autosaver for the same file (same process id) cannot take the lock ...
    other_window = new_window(qtbot)
    other = Autosaver(other_window, 10_000, tmp_path)
    messages = []
    other.failed.connect(messages.append)
    other.start()
    assert not other.owns_lock() and messages and "another Backprop Lab" in messages[0]
    assert not other.is_active()
    stepped(qtbot, other_window, 1)
    assert not other.save_now()
    # ... so it neither writes nor deletes the owner's autosave.
    other.stop(remove=True)
    assert saver.path.exists()
    other_window.close()
    close(owner)
    assert not saver.path.exists()


# ------------------------------------------------------------------ kill -9
#: A single-threaded "zygote" process imports everything once, then forks one victim
#: per "go" line: the victim autosaves and saves new versions of a project as fast as
#: it can, logging each completed write, until the test kills it with SIGKILL. Forking
#: from a warm process makes 50 kills cost seconds instead of 50 interpreter starts.
ZYGOTE = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    import numpy as np
    from PySide6.QtCore import QLockFile
    from backprop_lab.core import Network, Project, seed_dataset
    from backprop_lab.core.project_file import save_project
    from backprop_lab.core.project_file import save_project as write_autosave

    folder, work = Path(sys.argv[1]), Path(sys.argv[2])
    net = Network([2, 3, 3, 1], "sigmoid", init="xavier", seed=1)
    n = 60_000

    def victim(log):
        autosave = folder / f"autosave-{os.getpid()}.bplab"
        lock = QLockFile(str(autosave.with_suffix(".lock")))
        lock.setStaleLockTime(0)
        assert lock.tryLock(0)
        for version in range(1, 10_000):
            history = {
                "epoch": np.arange(1, n + 1),
                "train_loss": np.full(n, 1.0 / version),
                "test_loss": np.full(n, np.nan),
            }
            notes = {"notes": f"{os.getpid()}.{version}"}
            project = Project(net, net.copy(), seed_dataset(), None, notes, n, history)
            write_autosave(autosave, project)
            os.write(log, f"autosaved {version}\\n".encode())
            save_project(work, project)
            os.write(log, f"saved {version}\\n".encode())

    print("ready", flush=True)
    for line in sys.stdin:
        log_path = line.strip()
        pid = os.fork()
        if pid == 0:
            log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                victim(log)
            finally:
                os._exit(0)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print(status, flush=True)
    """
)


def _check_after_kill(folder: Path, work: Path, log: Path, pid: int) -> bool:
    """Everything a kill may leave behind is complete; True when the kill hit mid-writing."""
    lines = log.read_text().split("\n")[:-1] if log.exists() else []
    autosaved = [int(line.split()[1]) for line in lines if line.startswith("autosaved ")]
    saved = [int(line.split()[1]) for line in lines if line.startswith("saved ")]
    # The project file: always a complete project, the version last reported or newer.
    project = load_project(work)
    if saved:
        owner, version = project.settings["notes"].split(".")
        assert int(owner) == pid and int(version) >= saved[-1]
    # The autosave: offered whenever one was completed, never older than reported.
    sessions = find_crashed_sessions(folder)
    if autosaved:
        assert [s.path.name for s in sessions] == [f"autosave-{pid}.bplab"]
        restored = load_project(sessions[0].path)
        assert int(restored.settings["notes"].split(".")[1]) >= autosaved[-1]
    for session in sessions:
        load_project(session.path)  # never corrupt
        session.discard()
    assert [p.name for p in folder.iterdir() if p.suffix == ".tmp"] == []
    return bool(autosaved)


def test_kill_9_at_random_moments_never_corrupts_or_loses_a_project(tmp_path):
    from backprop_lab.core import Network, Project, seed_dataset
    from backprop_lab.core.project_file import save_project

    folder = tmp_path / "autosave"
    folder.mkdir()
    work = tmp_path / "work.bplab"
    net = Network([2, 3, 3, 1], "sigmoid", init="xavier", seed=1)
    save_project(work, Project(net, net.copy(), seed_dataset(), None, {"notes": "0.0"}, 0))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    zygote = subprocess.Popen(
        [sys.executable, "-c", ZYGOTE, str(folder), str(work)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert zygote.stdout.readline().strip() == "ready"
        rng = random.Random(13)
        after_an_autosave = 0
        for kill in range(50):
            log = tmp_path / f"victim-{kill}.log"
            zygote.stdin.write(f"{log}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            time.sleep(rng.uniform(0.0, 0.4))
            os.kill(pid, signal.SIGKILL)
            status = int(zygote.stdout.readline())
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            after_an_autosave += _check_after_kill(folder, work, log, pid)
        # Kills landed both before the first autosave completed and after some.
        assert 10 < after_an_autosave < 50
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
