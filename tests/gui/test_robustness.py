"""Robustness in the real window: divergence, unsaved changes, bad files, uncaught errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from backprop_lab.core import Trainer
from backprop_lab.core.project_file import load_project
from backprop_lab.gui.dialogs import ErrorDialog

TIMEOUT = 30_000  # an upper bound for waits on signals: a loaded CI machine can take seconds
CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def wait_epoch(qtbot, window, epoch):
    qtbot.waitUntil(
        lambda: (
            window.controller.current_snapshot().epoch == epoch and not window.controller.is_running
        ),
        timeout=TIMEOUT,
    )


def error_dialogs():
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog) and w.isVisible()
    ]


def close_error_dialogs():
    for dialog in error_dialogs():
        dialog.close()


def diverging_setup(window):
    """An all-linear 2-3-3-1 net on the seed data at learning rate 10 diverges (epoch 5)."""
    window.controller.set_architecture([3, 3], "linear", bias=False, init="constant", init_seed=0)
    window.controller.set_learning_rate(10)


def core_run_until_divergence(window):
    """What the core does on the same setup: (records kept, epoch it stops at)."""
    controller = window.controller
    train, _test = controller.dataset()
    trainer = Trainer(controller.initial_network(), train.inputs, train.targets, learning_rate=10)
    records = []
    while trainer.divergence is None:
        records += trainer.step(1)
    kept = [r for r in records if r.epoch <= trainer.epoch]
    return kept, trainer


# ------------------------------------------------------------------ divergence
def test_divergence_in_the_window_end_to_end(qtbot, main_window):
    window = main_window
    diverging_setup(window)
    kept, trainer = core_run_until_divergence(window)
    with qtbot.waitSignal(window.controller.diverged, timeout=TIMEOUT):
        window.training_actions.run_pause.trigger()
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=TIMEOUT)

    # Paused, with the last finite weights, the core's rewound epoch and weights.
    shown = window.network_view.snapshot()
    assert shown.epoch == trainer.epoch == window.controller.current_snapshot().epoch
    for mine, core in zip(shown.weights, trainer.net.weights, strict=True):
        np.testing.assert_array_equal(mine, core)
    assert window.state_label.text() == "Paused"
    assert "Epoch 4" in window.epoch_label.text() or f"{trainer.epoch}" in window.epoch_label.text()
    # The status bar and a non-modal message explain it and suggest a smaller rate.
    status = window.statusBar().currentMessage()
    assert "diverged" in status and "smaller learning rate" in status
    box = window.divergence_message
    assert box.isVisible() and not box.isModal()
    assert "smaller learning rate" in box.text() and "last finite weights" in box.informativeText()
    # The loss plot forgets the epoch the trainer undid: it holds exactly the
    # core's records that still count.
    epochs, train_loss, _test = window.loss_plot.history()
    assert list(epochs) == [r.epoch for r in kept]
    np.testing.assert_array_equal(train_loss, [r.train_loss for r in kept])
    assert np.all(np.isfinite(train_loss))

    # From these (huge) weights even a smaller rate gives weights whose loss is
    # inf: Step reports the divergence again at once and nothing moves.
    window.controller.set_learning_rate(0.01)
    with qtbot.waitSignal(window.controller.diverged, timeout=TIMEOUT):
        window.training_actions.step.trigger()
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=TIMEOUT)
    assert window.controller.current_snapshot().epoch == trainer.epoch
    assert np.isfinite(window.controller.current_snapshot().train_loss)
    assert window.loss_plot.point_count() == len(kept)
    assert "(now 0.01)" in window.statusBar().currentMessage()
    assert window.training_actions.step.isEnabled()

    # The message's button resets with a ten times smaller learning rate;
    # Step and Run train again.
    assert window.divergence_reset_button.text() == "Reset with learning rate 0.001"
    window.divergence_reset_button.click()
    assert window.controller.settings()["learning_rate"] == 0.001
    assert window.controller.current_snapshot().epoch == 0
    assert window.loss_plot.point_count() == 0
    window.training_actions.step.trigger()
    wait_epoch(qtbot, window, 1)
    window.training_actions.run_pause.trigger()
    qtbot.waitUntil(lambda: window.controller.current_snapshot().epoch > 20, timeout=TIMEOUT)
    window.training_actions.run_pause.trigger()
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=TIMEOUT)
    window.flush_losses()
    epochs, train_loss, _test = window.loss_plot.history()
    assert epochs[-1] == window.controller.current_snapshot().epoch
    assert np.all(np.isfinite(train_loss)) and train_loss[-1] < train_loss[0]
    assert all(np.all(np.isfinite(w)) for w in window.network_view.snapshot().weights)


def test_stepping_into_divergence_one_epoch_at_a_time(qtbot, main_window):
    window = main_window
    diverging_setup(window)
    kept, trainer = core_run_until_divergence(window)
    diverged = []
    window.controller.diverged.connect(diverged.append)
    for _ in range(trainer.epoch + 3):
        window.training_actions.step.trigger()
        qtbot.waitUntil(lambda: not window.controller.is_running, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: len(diverged) >= 1, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=TIMEOUT)
    window.flush_losses()
    # However many times Step is pressed, the window never shows a non-finite
    # weight nor an epoch the trainer undid.
    assert window.controller.current_snapshot().epoch == trainer.epoch
    assert window.loss_plot.history()[0].max() == trainer.epoch
    assert window.loss_plot.point_count() == len(kept)


def test_saving_after_divergence_keeps_only_epochs_that_count(qtbot, main_window, tmp_path):
    window = main_window
    diverging_setup(window)
    with qtbot.waitSignal(window.controller.diverged, timeout=TIMEOUT):
        window.controller.run()
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=TIMEOUT)
    assert window.save_project_to(tmp_path / "diverged.bplab")
    project = load_project(tmp_path / "diverged.bplab")
    assert project.epoch == window.controller.current_snapshot().epoch
    assert project.loss_history["epoch"].max() == project.epoch


# ------------------------------------------------------------- unsaved changes
class Answers:
    """Stands in for the Save / Discard / Cancel question."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.questions: list[str] = []

    def __call__(self, question: str) -> str:
        self.questions.append(question)
        return self.answers.pop(0)


def test_a_fresh_window_is_unmodified_and_says_so_in_the_title(main_window):
    assert not main_window.is_modified()
    assert not main_window.isWindowModified()
    assert "[*]" in main_window.windowTitle()  # Qt draws "*" there once modified


@pytest.mark.parametrize(
    "change",
    ["step", "data", "weight", "learning_rate", "architecture", "reset", "mistakes"],
)
def test_every_kind_of_change_marks_the_session_modified(qtbot, main_window, change):
    window = main_window
    controller = window.controller
    if change == "step":
        window.training_actions.step.trigger()
        wait_epoch(qtbot, window, 1)
    elif change == "data":
        with qtbot.waitSignal(controller.data_changed, timeout=TIMEOUT):
            window.data_tools.table.set_cell_text(0, 0, "0.5")
    elif change == "weight":
        from backprop_lab.core import ParameterRef

        window.network_view.weight_edit_requested.emit(ParameterRef(0, 0, 0), 0.3)
    elif change == "learning_rate":
        window.control_panel.learning_rate_box.setValue(0.5)
    elif change == "architecture":
        window.settings_panel.layer_count_box.setValue(1)
        window.settings_panel.apply_button.click()
    elif change == "reset":
        window.training_actions.reset.trigger()
    elif change == "mistakes":
        from backprop_lab.core import Mistakes

        controller.set_mistakes(Mistakes(derivative_of_pre_activation=True))
    assert window.is_modified()
    assert window.isWindowModified()


def test_saving_clears_the_modified_marker(qtbot, main_window, tmp_path):
    window = main_window
    window.controller.step(3)
    wait_epoch(qtbot, window, 3)
    assert window.is_modified()
    window.choose_save_path = lambda: str(tmp_path / "mine.bplab")
    assert window.save_project()
    assert not window.is_modified() and not window.isWindowModified()
    assert window.windowTitle().startswith("mine.bplab")


def test_close_with_unsaved_changes_cancel_keeps_everything(qtbot, main_window):
    window = main_window
    window.controller.step(4)
    wait_epoch(qtbot, window, 4)
    answers = Answers("cancel")
    window.ask_save_changes = answers
    assert not window.close()
    assert window.isVisible() and window.controller.thread_is_alive()
    assert window.is_modified() and window.controller.current_snapshot().epoch == 4
    assert "unsaved changes" in answers.questions[0] and "closing" in answers.questions[0]
    window.training_actions.step.trigger()  # still fully working
    wait_epoch(qtbot, window, 5)
    window.ask_save_changes = Answers("discard")
    assert window.close()
    assert not window.controller.thread_is_alive()


def test_close_with_save_writes_the_file_then_closes(qtbot, main_window, tmp_path):
    window = main_window
    window.controller.step(2)
    wait_epoch(qtbot, window, 2)
    window.ask_save_changes = Answers("save")
    window.choose_save_path = lambda: str(tmp_path / "before-closing.bplab")
    assert window.close()
    assert load_project(tmp_path / "before-closing.bplab").epoch == 2


def test_close_with_save_then_cancelled_file_chooser_does_not_close(qtbot, main_window):
    window = main_window
    window.controller.step()
    wait_epoch(qtbot, window, 1)
    window.ask_save_changes = Answers("save")
    window.choose_save_path = lambda: ""
    assert not window.close()
    assert window.controller.thread_is_alive() and window.is_modified()
    window.ask_save_changes = Answers("discard")


def test_new_and_open_ask_first_and_cancel_changes_nothing(qtbot, main_window, tmp_path):
    window = main_window
    window.controller.step(3)
    wait_epoch(qtbot, window, 3)
    other = tmp_path / "other.bplab"
    assert window.save_project_to(other)
    window.controller.step(2)
    wait_epoch(qtbot, window, 5)
    before = window.controller.current_snapshot()
    answers = Answers("cancel", "cancel", "cancel")
    window.ask_save_changes = answers
    assert not window.new_session()
    assert not window.open_project_from(other)
    assert not window.open_example("xor")
    assert window.controller.current_snapshot() is before
    assert window.loss_plot.point_count() == 5 and window.is_modified()
    assert [
        ("new session" in q, "opening other.bplab" in q, "example XOR" in q)
        for q in answers.questions
    ] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    window.ask_save_changes = Answers("discard")
    assert window.open_project_from(other)
    assert window.controller.current_snapshot().epoch == 3 and not window.is_modified()
    window.controller.step()
    wait_epoch(qtbot, window, 4)
    window.ask_save_changes = Answers("discard")
    assert window.new_session()
    assert window.controller.current_snapshot().epoch == 0 and not window.is_modified()


def test_nothing_is_asked_without_changes(qtbot, main_window):
    window = main_window
    window.ask_save_changes = Answers()  # any question would fail (pop from empty list)
    assert window.open_example("xor")
    assert not window.is_modified()
    assert window.windowTitle().startswith("XOR")
    assert window.new_session()


def test_unsaved_changes_question_offers_save_discard_cancel(main_window, tmp_path):
    box = main_window.unsaved_changes_box("“Seed example” has unsaved changes. Save them?")
    buttons = {box.standardButton(b) for b in box.buttons()}
    assert buttons == {
        QMessageBox.StandardButton.Save,
        QMessageBox.StandardButton.Discard,
        QMessageBox.StandardButton.Cancel,
    }
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Save)
    assert box.escapeButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.show()
    box.grab().save(str(tmp_path / "unsaved.png"))
    box.close()


# ------------------------------------------------------- bad files via the GUI
PROJECT_BAD = json.loads((CORPUS / "projects" / "bad" / "expected.json").read_text())
CSV_BAD = json.loads((CORPUS / "csv" / "bad" / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(PROJECT_BAD))
def test_every_bad_project_file_through_open_project_from(qtbot, main_window, name):
    window = main_window
    window.controller.step(2)
    wait_epoch(qtbot, window, 2)
    before = window.controller.current_snapshot()
    settings = window.controller.settings()
    answers = Answers("discard")
    window.ask_save_changes = answers
    assert not window.open_project_from(CORPUS / "projects" / "bad" / name)
    assert answers.questions == []  # a bad file is refused before any question
    assert window.controller.current_snapshot() is before
    assert window.controller.settings() == settings
    assert window.loss_plot.point_count() == 2 and window.is_modified()
    dialogs = error_dialogs()
    assert dialogs and name in dialogs[-1].summary_label.text()
    assert PROJECT_BAD[name] in dialogs[-1].details_view.toPlainText()
    assert name in window.statusBar().currentMessage()
    close_error_dialogs()


def test_a_folder_and_a_missing_file_through_open_project_from(qtbot, main_window, tmp_path):
    before = main_window.controller.current_snapshot()
    for path in (tmp_path, tmp_path / "missing.bplab"):
        assert not main_window.open_project_from(path)
        assert main_window.controller.current_snapshot() is before
        assert path.name in main_window.statusBar().currentMessage()
    close_error_dialogs()


@pytest.mark.parametrize("name", sorted(CSV_BAD))
def test_every_bad_csv_file_through_import_csv(qtbot, main_window, name):
    window = main_window
    tools = window.data_tools
    before = window.controller.dataset()
    snapshot = window.controller.current_snapshot()
    shown = []

    expected = CSV_BAD[name]

    def run_dialog(dialog):
        dialog.targets_spin.setValue(expected["n_targets"])
        shown.append((dialog.error(), dialog.error_label.text()))
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        assert not ok.isEnabled()  # the student cannot accept a broken file
        return False

    tools.run_dialog = run_dialog
    assert not tools.import_csv(str(CORPUS / "csv" / "bad" / name))
    error, label = shown[0]
    assert expected["says"] in error and name in error
    assert "cannot be used" in label
    assert window.controller.dataset() == before
    assert window.controller.current_snapshot() is snapshot
    assert not window.is_modified()


# ------------------------------------------------------------- uncaught errors
def test_an_exception_in_a_qt_slot_shows_the_dialog_and_the_app_keeps_running(
    qtbot, main_window, tmp_path, monkeypatch
):
    from PySide6.QtCore import QTimer

    from backprop_lab.gui import app

    monkeypatch.setattr(app, "log_directory", lambda: tmp_path / "logs")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    app.install_excepthook()
    app_hook = sys.excepthook
    seen = []

    def failing_slot():
        raise ZeroDivisionError("a slot failed on purpose")

    # pytest-qt would turn the error into a test failure; route it through the
    # app's hook instead, as in the running app.
    with qtbot.capture_exceptions() as captured:
        QTimer.singleShot(0, failing_slot)
        qtbot.waitUntil(lambda: len(captured) > 0, timeout=TIMEOUT)
    for exc_type, exc_value, exc_tb in captured:
        seen.append(exc_type)
        app_hook(exc_type, exc_value, exc_tb)
    assert seen == [ZeroDivisionError]
    dialogs = error_dialogs()
    assert dialogs and "a slot failed on purpose" in dialogs[-1].details_view.toPlainText()
    assert not dialogs[-1].isModal()
    assert "errors.log" in " ".join(
        label.text() for label in dialogs[-1].findChildren(type(dialogs[-1].summary_label))
    )
    dialogs[-1].copy_button.click()
    assert "ZeroDivisionError" in QApplication.clipboard().text()
    assert "a slot failed on purpose" in (tmp_path / "logs" / "errors.log").read_text()
    close_error_dialogs()
    main_window.training_actions.step.trigger()
    wait_epoch(qtbot, main_window, 1)


def test_an_error_inside_the_worker_pauses_and_shows_the_dialog(qtbot, main_window, monkeypatch):
    window = main_window
    worker = window.controller._worker
    original = Trainer.step

    def broken_step(self, *args, **kwargs):
        raise FloatingPointError("worker failed on purpose")

    monkeypatch.setattr(Trainer, "step", broken_step)
    with qtbot.waitSignal(window.controller.error_occurred, timeout=TIMEOUT):
        window.controller.run()
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=TIMEOUT)
    dialogs = error_dialogs()
    assert dialogs and "worker failed on purpose" in dialogs[-1].details_view.toPlainText()
    close_error_dialogs()
    monkeypatch.setattr(Trainer, "step", original)
    assert worker is window.controller._worker
    window.training_actions.step.trigger()
    wait_epoch(qtbot, window, 1)
