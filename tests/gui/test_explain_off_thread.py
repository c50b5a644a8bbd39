"""A big step explanation is waited for without freezing the window.

Above ``load_progress.OFF_THREAD_WORK`` (forced to 0 here) the Step phases panel
waits for the worker's answer (or computes a rewound epoch's step) off the GUI
thread while the event loop runs. The worker is held back until a timer of the
GUI thread lets it go, so the answer can only arrive if the GUI thread kept
handling events meanwhile: no timing, no sleeps.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton
from waiting import event_loop_turn, worker_round_trip

from backprop_lab.core.snapshot import ParameterRef
from backprop_lab.gui import chain_rule_panel as chain_rule_module
from backprop_lab.gui import load_progress
from backprop_lab.gui.chain_rule_panel import COMPUTING_TEXT
from backprop_lab.gui.training import worker as worker_module
from backprop_lab.gui.training.background import shared_pool

TIMEOUT = 10_000


class Gate:
    """Holds the worker's explanations until :meth:`open` (or 20 s, so nothing hangs)."""

    def __init__(self, monkeypatch) -> None:
        self.opened = threading.Event()
        self.answered = threading.Event()
        real = worker_module.explain_next_step

        def held(trainer):
            self.opened.wait(20)
            try:
                return real(trainer)
            finally:
                self.answered.set()

        monkeypatch.setattr(worker_module, "explain_next_step", held)

    def open(self) -> None:
        self.opened.set()

    def open_when_the_event_loop_turns(self) -> list[bool]:
        """Open from a GUI-thread timer, so an answer can only come if the event loop
        ran meanwhile; the list returned gets True when the timer fired."""
        ticked: list[bool] = []
        QTimer.singleShot(0, lambda: (ticked.append(True), self.open()))
        return ticked


@pytest.fixture
def spirals(qtbot, main_window):
    main_window.example_actions["spirals"].trigger()
    controller = main_window.controller
    controller.step(2)
    qtbot.waitUntil(lambda: controller.live_snapshot().epoch == 2, timeout=TIMEOUT)
    worker_round_trip(qtbot, controller)  # every snapshot of those epochs has arrived
    return main_window


def same_explanation(a, b) -> None:
    assert a.epoch == b.epoch and a.sample == b.sample and a.loss_value == b.loss_value
    for name in ("weight_gradients", "new_weights", "deltas", "activations"):
        for x, y in zip(getattr(a, name), getattr(b, name), strict=True):
            assert np.array_equal(x, y)


def cancel_when_shown(owner) -> tuple[list[QProgressDialog], QTimer]:
    """Press Cancel in the first progress dialog of ``owner`` as soon as it is shown;
    returns the dialogs seen (one, once it was) and the timer watching for it."""
    seen: list[QProgressDialog] = []

    def press_cancel_when_shown() -> None:
        dialogs = [d for d in owner.findChildren(QProgressDialog) if d.isVisible()]
        if dialogs:
            poll.stop()
            seen.append(dialogs[0])
            dialogs[0].findChild(QPushButton).click()  # its Cancel button

    poll = QTimer()
    poll.timeout.connect(press_cancel_when_shown)
    poll.start(20)
    return seen, poll


def background_idle(qtbot) -> None:
    """Wait until the background thread has handed back what it ran, and it arrived."""
    qtbot.waitUntil(lambda: shared_pool().activeThreadCount() == 0, timeout=TIMEOUT)
    event_loop_turn(qtbot)
    event_loop_turn(qtbot)


def test_the_next_step_is_waited_for_while_the_window_runs(qtbot, spirals, monkeypatch):
    stepper = spirals.inspector.phase_stepper
    stepper.set_sample(None)
    stepper.step_phase()  # small: asked and waited for here, as always
    inline, inline_rows = stepper.explanation(), stepper.table_rows()
    stepper.cancel()

    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    ticked = gate.open_when_the_event_loop_turns()
    stepper.step_phase()
    # The worker answered only after the GUI thread ran the timer: it was not blocked.
    assert ticked == [True]
    assert stepper.current_phase() is not None
    same_explanation(stepper.explanation(), inline)
    assert stepper.table_rows() == inline_rows
    stepper.finish_step()  # the update applies as the next Step, as before
    qtbot.waitUntil(lambda: spirals.controller.live_snapshot().epoch == 3, timeout=TIMEOUT)


def test_one_samples_step_is_computed_off_the_gui_thread(qtbot, spirals, monkeypatch):
    # One sample's step (like a rewound epoch's) is computed from the shown weights.
    stepper = spirals.inspector.phase_stepper
    stepper.set_sample(3)
    stepper.step_phase()
    inline, inline_rows = stepper.explanation(), stepper.table_rows()
    assert inline.sample == 3
    stepper.cancel()

    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    stepper.step_phase()
    assert ticked == [True]  # the event loop turned while the step was computed
    same_explanation(stepper.explanation(), inline)
    assert stepper.table_rows() == inline_rows


def test_cancel_delivers_nothing(qtbot, spirals, monkeypatch):
    controller = spirals.controller
    stepper = spirals.inspector.phase_stepper
    stepper.set_sample(None)
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    view = spirals.network_view
    texts_before = view.node_texts()
    weights_before = [w.copy() for w in controller.live_snapshot().weights]
    seen, poll = cancel_when_shown(stepper)
    stepper.step_phase()  # returns when Cancel is pressed in its dialog
    poll.stop()
    assert seen, "the progress dialog with Cancel never appeared"
    assert stepper.explanation() is None and stepper.current_phase() is None
    assert "cancelled" in stepper.status_text()
    gate.open()
    qtbot.waitUntil(gate.answered.is_set, timeout=TIMEOUT)
    background_idle(qtbot)
    # The late answer is dropped: nothing is shown, nothing changed.
    assert stepper.explanation() is None and stepper.current_phase() is None
    assert view.node_texts() == texts_before
    assert controller.live_snapshot().epoch == 2
    for a, b in zip(controller.live_snapshot().weights, weights_before, strict=True):
        assert np.array_equal(a, b)
    # And the next walk works.
    stepper.step_phase()
    assert stepper.current_phase() is not None


def test_an_answer_for_a_replaced_network_is_not_shown(qtbot, spirals, monkeypatch):
    stepper = spirals.inspector.phase_stepper
    stepper.set_sample(None)
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)

    def replace_then_answer() -> None:
        spirals.example_actions["xor"].trigger()  # a new network while the worker explains
        gate.open()

    QTimer.singleShot(0, replace_then_answer)
    stepper.step_phase()
    assert gate.answered.is_set()
    assert stepper.explanation() is None and stepper.current_phase() is None
    assert "changed" in stepper.status_text()
    background_idle(qtbot)
    assert stepper.explanation() is None


def test_run_pressed_while_waiting_drops_the_answer(qtbot, spirals, monkeypatch):
    controller = spirals.controller
    stepper = spirals.inspector.phase_stepper
    stepper.set_sample(None)
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    clicks: list[bool] = []

    def run_and_click_again() -> None:
        controller.run()  # the student presses Run before the dialog appears
        stepper.step_phase()  # and Step phase again: ignored (or refused while running)
        clicks.append(True)
        gate.open()

    QTimer.singleShot(0, run_and_click_again)
    stepper.step_phase()
    assert clicks == [True]
    assert stepper.explanation() is None and stepper.current_phase() is None
    controller.pause()
    qtbot.waitUntil(lambda: not controller.is_running, timeout=TIMEOUT)
    worker_round_trip(qtbot, controller)
    assert stepper.explanation() is None and stepper.current_phase() is None


def test_a_settings_change_meanwhile_outdates_the_answer(qtbot, spirals, monkeypatch):
    stepper = spirals.inspector.phase_stepper
    stepper.set_sample(None)
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    rate = spirals.controller.settings()["learning_rate"]

    def change_then_answer() -> None:
        spirals.controller.set_learning_rate(rate / 2)
        gate.open()

    QTimer.singleShot(0, change_then_answer)
    stepper.step_phase()
    assert stepper.explanation() is None
    assert "changed" in stepper.status_text()


# ------------------------------------------------------------------ chain rule
def chain_rule(window):
    dock = window.inspector.docks["chain_rule"]
    dock.show()
    dock.raise_()
    return window.inspector.chain_rule


def test_the_chain_rule_of_a_big_step_arrives_without_blocking(qtbot, spirals, monkeypatch):
    panel = chain_rule(spirals)
    ref = ParameterRef(1, 0, 0)
    panel.show_parameter(ref)  # small: computed here, at once
    inline_text, inline = panel.plain_text(), panel.terms()
    panel.show_parameter(None)

    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    panel.show_parameter(ref)
    # Returned while the worker is still held: the GUI thread did not wait for it.
    assert not gate.answered.is_set()
    assert panel.is_computing() and panel.message_text() == COMPUTING_TEXT
    assert "Computing the chain rule of" in panel.plain_text()  # not a stale placeholder
    gate.open()
    qtbot.waitUntil(lambda: not panel.is_computing(), timeout=TIMEOUT)
    assert panel.plain_text() == inline_text
    assert panel.terms().update_explanation.new_value == inline.update_explanation.new_value
    assert panel.terms().epoch_end_value == inline.epoch_end_value
    assert panel.message_text().startswith("The numbers of the next step")


def test_the_chain_rule_drops_an_answer_outdated_on_arrival(qtbot, spirals, monkeypatch):
    controller = spirals.controller
    panel = chain_rule(spirals)
    ref = ParameterRef(1, 0, 0)
    panel.show_parameter(ref)
    old_text = panel.plain_text()
    rate = controller.settings()["learning_rate"]
    rendered: list[float] = []
    real_render = chain_rule_module.render_chain_rule

    def render(terms, explanation, digits):
        rendered.append(explanation.learning_rate)
        return real_render(terms, explanation, digits)

    monkeypatch.setattr(chain_rule_module, "render_chain_rule", render)
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    panel.refresh()
    assert panel.is_computing()
    assert panel.plain_text() == old_text  # the old numbers stay until the new arrive
    controller.set_learning_rate(rate / 2)  # meanwhile: the answer on its way is outdated
    gate.open()
    qtbot.waitUntil(lambda: not panel.is_computing(), timeout=TIMEOUT)
    assert rendered and all(r == rate / 2 for r in rendered)  # the outdated one never shown
    shown = panel.plain_text()
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", math.inf)
    panel.refresh()  # computed here: the same numbers
    assert panel.plain_text() == shown != old_text


def test_the_step_export_waits_for_a_big_step_while_the_window_runs(
    qtbot, spirals, monkeypatch, tmp_path
):
    from backprop_lab.gui import inspector as inspector_module

    inspector = spirals.inspector
    inspector.phase_stepper.set_sample(None)
    inline = tmp_path / "inline.csv"
    rows = inspector.export_step(inline)  # small: computed here, as always

    waited = tmp_path / "waited.csv"
    monkeypatch.setattr(
        inspector_module.QFileDialog, "getSaveFileName", lambda *a, **k: (str(waited), "")
    )
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    ticked = gate.open_when_the_event_loop_turns()
    inspector.export_step_dialog()
    # The worker answered only after the GUI thread ran the timer: it was not blocked.
    assert ticked == [True]
    assert waited.read_text(encoding="utf-8") == inline.read_text(encoding="utf-8")
    assert f"Wrote {rows} numbers" in spirals.statusBar().currentMessage()


def test_a_cancelled_step_export_writes_nothing(qtbot, spirals, monkeypatch, tmp_path):
    from backprop_lab.gui import inspector as inspector_module

    inspector = spirals.inspector
    inspector.phase_stepper.set_sample(None)
    path = tmp_path / "step.csv"
    monkeypatch.setattr(
        inspector_module.QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "")
    )
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    seen, poll = cancel_when_shown(spirals)
    inspector.export_step_dialog()  # returns when Cancel is pressed in its dialog
    poll.stop()
    assert seen, "the progress dialog with Cancel never appeared"
    assert "cancelled" in spirals.statusBar().currentMessage()
    gate.open()
    qtbot.waitUntil(gate.answered.is_set, timeout=TIMEOUT)
    background_idle(qtbot)
    assert not path.exists()
