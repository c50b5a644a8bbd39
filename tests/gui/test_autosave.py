"""Autosave: written while there are changes, removed on a clean exit, offered after a crash."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from cli_helpers import run_cli
from PySide6.QtWidgets import QApplication
from waiting import event_loop_turn

from backprop_lab.core.project_file import load_project
from backprop_lab.gui.autosave import (
    AUTOSAVE_INTERVAL_MS,
    CrashedSession,
    find_crashed_sessions,
    offer_crashed_session,
)
from backprop_lab.gui.dialogs import ErrorDialog
from backprop_lab.gui.main_window import MainWindow

TIMEOUT = 30_000  # an upper bound for waits on signals: a loaded CI machine can take seconds


def wait_epoch(qtbot, window, epoch):
    qtbot.waitUntil(
        lambda: (
            window.controller.current_snapshot().epoch == epoch and not window.controller.is_running
        ),
        timeout=TIMEOUT,
    )


def crashed_autosave(qtbot, folder, epochs=3):
    """Leave an autosave behind the way a crashed Backprop Lab would (no lock, no clean exit)."""
    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    window.controller.step(epochs)
    wait_epoch(qtbot, window, epochs)
    saver = window.enable_autosave(directory=folder)
    assert saver.save_now()
    path = saver.path.with_name("autosave-4000000.bplab")  # a process that is gone
    saver.path.rename(path)
    saver.stop(remove=False)
    window.set_modified(False)
    window.close()
    return path


def test_a_change_is_autosaved_within_30_seconds(main_window, tmp_path):
    # Was every 3 minutes: a kill lost up to 3 minutes of work (issue 10).
    saver = main_window.enable_autosave(directory=tmp_path)
    assert saver.is_active() and saver.interval_ms() == AUTOSAVE_INTERVAL_MS <= 30_000


def test_the_autosave_is_written_off_the_gui_thread(qtbot, main_window, tmp_path, monkeypatch):
    import threading

    from backprop_lab.gui import autosave

    threads = []
    real_write = autosave._write

    def spy(path, project):
        threads.append(threading.current_thread())
        return real_write(path, project)

    monkeypatch.setattr(autosave, "_write", spy)
    saver = main_window.enable_autosave(interval_ms=20, directory=tmp_path)
    with qtbot.waitSignal(saver.saved, timeout=TIMEOUT):
        main_window.controller.set_learning_rate(0.5)
    assert threads and threads[0] is not threading.main_thread()
    assert load_project(saver.path).settings["learning_rate"] == 0.5


def test_saving_or_discarding_removes_the_autosave(qtbot, main_window, tmp_path):
    saver = main_window.enable_autosave(interval_ms=20, directory=tmp_path)
    with qtbot.waitSignal(saver.saved, timeout=TIMEOUT):
        main_window.controller.set_learning_rate(0.5)
    assert saver.path.exists()
    assert main_window.save_project_to(tmp_path / "mine.bplab")
    assert not saver.path.exists()
    with qtbot.waitSignal(saver.saved, timeout=TIMEOUT):
        main_window.controller.set_learning_rate(0.25)
    # Discarded for an example (offscreen nobody is asked: the changes are discarded):
    # a restart must not offer the session the student threw away.
    assert main_window.open_example("xor")
    assert not saver.path.exists()
    # No countdown and no write in flight is left to bring it back.
    qtbot.waitUntil(lambda: not saver._runner.busy, timeout=TIMEOUT)
    event_loop_turn(qtbot)
    assert not saver.path.exists() and not saver.is_pending()


def test_a_clean_close_waits_for_a_write_in_flight_then_removes_it(qtbot, tmp_path):
    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    saver = window.enable_autosave(interval_ms=1, directory=tmp_path)
    window.controller.set_learning_rate(0.5)
    qtbot.waitUntil(lambda: saver._runner.busy or saver.path.exists(), timeout=TIMEOUT)
    window.close()
    assert not saver.path.exists()
    assert find_crashed_sessions(tmp_path) == []


def test_autosaves_only_while_modified_and_a_clean_close_removes_it(qtbot, tmp_path):
    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    saver = window.enable_autosave(interval_ms=30, directory=tmp_path)
    assert not saver.is_pending()  # nothing changed: no countdown, no write
    event_loop_turn(qtbot)
    assert not saver.path.exists()  # nothing written
    window.controller.step(4)
    wait_epoch(qtbot, window, 4)
    assert window.is_modified()
    qtbot.waitUntil(saver.path.exists, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: load_project(saver.path).epoch == 4, timeout=TIMEOUT)
    # The write runs off the GUI thread; its "saved" arrives through the event loop.
    qtbot.waitUntil(lambda: saver.last_saved is not None, timeout=TIMEOUT)
    assert window.is_modified()  # an autosave is not a save: the "*" stays
    # Another start while this one runs does not take its autosave for a crash.
    assert find_crashed_sessions(tmp_path) == []
    window.close()
    assert not saver.path.exists()
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".bplab"] == []


def test_an_autosave_that_cannot_be_written_says_so_and_training_goes_on(
    qtbot, main_window, tmp_path
):
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("x")
    saver = main_window.enable_autosave(interval_ms=10_000, directory=blocker)
    main_window.controller.step()
    wait_epoch(qtbot, main_window, 1)
    assert not saver.save_now()
    assert "Autosave" in main_window.statusBar().currentMessage()
    main_window.controller.step()
    wait_epoch(qtbot, main_window, 2)


def test_the_question_names_the_time():
    session = CrashedSession(None, dt.datetime.combine(dt.date.today(), dt.time(14, 2)))
    assert session.question() == (
        "Backprop Lab did not close properly. Restore the session autosaved at 14:02?"
    )
    older = CrashedSession(None, dt.datetime(2024, 3, 5, 9, 30))
    assert "5 March 2024, 09:30" in older.question()


def test_after_a_crash_the_autosave_is_offered_and_restored(qtbot, tmp_path):
    path = crashed_autosave(qtbot, tmp_path, epochs=3)
    assert [s.path for s in find_crashed_sessions(tmp_path)] == [path]
    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    questions = []

    def ask(question):
        questions.append(question)
        return True

    assert offer_crashed_session(window, ask, tmp_path)
    assert questions[0].startswith("Backprop Lab did not close properly. Restore the session")
    assert window.controller.current_snapshot().epoch == 3
    assert window.loss_plot.point_count() == 3
    assert window.is_modified() and window.windowTitle().startswith("Restored session")
    assert window.project_path is None
    assert not path.exists()  # offered once
    assert not offer_crashed_session(window, ask, tmp_path)
    window.set_modified(False)
    window.close()


def test_declining_keeps_the_fresh_session_and_forgets_the_autosave(qtbot, tmp_path):
    path = crashed_autosave(qtbot, tmp_path)
    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    assert not offer_crashed_session(window, lambda _q: False, tmp_path)
    assert window.controller.current_snapshot().epoch == 0 and not window.is_modified()
    assert not path.exists()
    window.close()


@pytest.mark.parametrize(
    "content", [b"", b'{"format": "backprop-lab-project", "version": 1, "netw', b"\x89PNG\r\n"]
)
def test_a_corrupt_autosave_is_reported_and_discarded(qtbot, tmp_path, content):
    path = tmp_path / "autosave-4000001.bplab"
    path.write_bytes(content)
    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    before = window.controller.current_snapshot()
    assert not offer_crashed_session(window, lambda _q: True, tmp_path)
    assert window.controller.current_snapshot() is before and not window.is_modified()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog)]
    assert dialogs and "could not be restored" in dialogs[-1].summary_label.text()
    assert "Autosave not restored" in window.statusBar().currentMessage()
    assert not path.exists()
    for dialog in dialogs:
        dialog.close()
    window.controller.step()
    wait_epoch(qtbot, window, 1)
    window.set_modified(False)
    window.close()


def test_only_the_newest_of_several_is_offered_and_all_are_cleared(qtbot, tmp_path):
    first = crashed_autosave(qtbot, tmp_path, epochs=1)
    older = first.with_name("autosave-4000002.bplab")
    first.rename(older)
    os.utime(older, (1_000_000_000, 1_000_000_000))
    newest = crashed_autosave(qtbot, tmp_path, epochs=2)
    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    assert offer_crashed_session(window, lambda _q: True, tmp_path)
    assert window.controller.current_snapshot().epoch == 2
    assert not older.exists() and not newest.exists()
    window.set_modified(False)
    window.close()


def test_headless_runs_never_ask_and_leave_the_autosave_for_later(qtbot, tmp_path):
    folder = tmp_path / "data" / "Backprop Lab" / "Backprop Lab" / "autosave"
    folder.mkdir(parents=True)
    path = crashed_autosave(qtbot, folder)
    for args in (
        ["--self-test"],
        ["--screenshot", str(tmp_path / "shot.png")],
        ["--export-step", str(tmp_path / "step.csv")],
    ):
        result = run_cli(*args, tmp_path=tmp_path)
        assert result.returncode == 0, result.stderr
        assert path.exists()
