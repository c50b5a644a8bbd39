"""The background runner: a pure function off the GUI thread, its result as a signal."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QThread
from waiting import process_events

from backprop_lab.gui.training import BackgroundRunner

TIMEOUT = 5000


@pytest.fixture
def runner(qtbot):
    r = BackgroundRunner()
    yield r
    assert r.shutdown(), "a background function did not return"


def test_the_result_arrives_on_the_gui_thread(qtbot, runner):
    gui_thread = QThread.currentThread()
    ran_on = []
    arrived_on = []

    def work(a, b):
        ran_on.append(QThread.currentThread())
        return a @ b

    runner.finished.connect(lambda result: arrived_on.append(QThread.currentThread()))
    a = np.arange(6.0).reshape(2, 3)
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT) as blocker:
        runner.submit(work, a, a.T)
    np.testing.assert_array_equal(blocker.args[0], a @ a.T)
    assert ran_on and ran_on[0] is not gui_thread
    assert arrived_on == [gui_thread]
    assert not runner.busy


def test_the_latest_submitted_wins(qtbot, runner):
    release = threading.Event()
    started = threading.Event()
    ran = []

    def slow(value):
        started.set()
        release.wait(TIMEOUT / 1000)
        ran.append(value)
        return value

    def quick(value):
        ran.append(value)
        return value

    results = []
    runner.finished.connect(results.append)
    runner.submit(slow, 1)
    assert started.wait(TIMEOUT / 1000)
    for value in (2, 3, 4):
        runner.submit(quick, value)  # each replaces the one queued before it
    assert runner.busy
    release.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    process_events()  # anything else queued to the GUI thread arrives now
    assert ran == [1, 4]  # 2 and 3 never ran
    assert results == [4]  # 1 was superseded while it ran


def test_an_error_is_reported_not_lost(qtbot, runner):
    def broken():
        raise ZeroDivisionError("on purpose")

    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT) as blocker:
        runner.submit(broken)
    assert "ZeroDivisionError: on purpose" in blocker.args[0]
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT) as blocker:
        runner.submit(lambda: "still works")
    assert blocker.args[0] == "still works"


def test_cancel_and_shutdown_deliver_nothing_more(qtbot):
    runner = BackgroundRunner()
    release = threading.Event()
    results = []
    runner.finished.connect(results.append)
    runner.submit(lambda: release.wait(TIMEOUT / 1000) and "late")
    runner.cancel()
    release.set()
    assert runner.wait()
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    assert results == []
    assert runner.shutdown()
    with pytest.raises(RuntimeError):
        runner.submit(lambda: None)


def test_a_runner_let_go_while_its_function_runs_is_freed_on_the_gui_thread(qtbot):
    """An owner may drop its runner mid-run (a cancelled File > Open does). The runner
    must then live until its result reaches the GUI thread and be freed there: freed
    on the pool thread, it was destroyed while the GUI thread delivered the result to
    it, and the test process crashed with a segmentation fault."""
    import gc
    import weakref

    runner = BackgroundRunner()
    release = threading.Event()
    started = threading.Event()
    freed_on = []
    weakref.finalize(runner, lambda: freed_on.append(threading.current_thread()))

    def work():
        started.set()
        release.wait(TIMEOUT / 1000)
        return "done"

    runner.submit(work)
    runner.cancel()  # as BackgroundLoad does after Cancel
    assert started.wait(TIMEOUT / 1000)
    del runner
    gc.collect()
    assert freed_on == [], "the runner was freed while its function still ran"
    release.set()
    qtbot.waitUntil(lambda: freed_on != [], timeout=TIMEOUT)
    assert freed_on == [threading.main_thread()]


def test_automatic_garbage_collection_is_off_while_a_function_runs(qtbot, runner):
    """Collected on the pool thread, a cycle holding widgets would be freed there."""
    import gc

    assert gc.isenabled()
    seen = []
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT):
        runner.submit(lambda: seen.append(gc.isenabled()))
    assert seen == [False]
    assert gc.isenabled()


def test_a_function_ending_after_the_relay_is_gone_raises_nothing_and_later_work_arrives(qtbot):
    """At exit Python frees the app-lifetime relay while a pool thread may still run a
    function (closing the window mid-computation). The pool thread then had nothing to
    emit through and printed "Signal source has been deleted" from QRunnable.run; it
    must end quietly, and a runner made afterwards gets a new relay."""
    import shiboken6

    from backprop_lab.gui.training import background

    runner = BackgroundRunner()
    release, started, ended = threading.Event(), threading.Event(), threading.Event()

    def work():
        started.set()
        release.wait(TIMEOUT / 1000)
        return "late"

    def wrapped():
        try:
            return work()
        finally:
            ended.set()

    runner.submit(wrapped)
    assert started.wait(TIMEOUT / 1000)
    shiboken6.delete(background._the_relay())
    release.set()
    assert ended.wait(TIMEOUT / 1000)
    assert runner.wait(TIMEOUT)
    process_events()  # pytest-qt fails this test if run() raised in the pool thread
    background._waiting.pop(runner._key, None)  # its result can never come now

    fresh = BackgroundRunner()
    with qtbot.waitSignal(fresh.finished, timeout=TIMEOUT) as blocker:
        fresh.submit(lambda: 42)
    assert blocker.args == [42]
    assert shiboken6.isValid(background._the_relay())
