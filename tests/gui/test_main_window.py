"""The main window: what the student sees after Step, Run, Reset, Save and Open."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget
from waiting import event_loop_turn, process_events

from backprop_lab.core import ParameterRef, Trainer, seed_example
from backprop_lab.gui.dialogs import ErrorDialog
from backprop_lab.gui.main_window import MainWindow, app_settings
from backprop_lab.gui.weight_table import format_value

TIMEOUT = 30_000  # an upper bound for waits on signals: a loaded CI machine can take seconds


def wait_epoch(qtbot, window, epoch):
    qtbot.waitUntil(
        lambda: (
            window.controller.current_snapshot().epoch == epoch and not window.controller.is_running
        ),
        timeout=TIMEOUT,
    )


def test_opens_on_the_seed_example_ready_to_step(main_window):
    assert main_window.network_view.snapshot().layer_sizes == (2, 3, 3, 1)
    assert set(main_window.menus) == {
        "file",
        "edit",
        "view",
        "training",
        "data",
        "inspect",
        "practice",
        "help",
    }
    assert main_window.training_actions.step.isEnabled()
    assert main_window.control_panel.epoch_label.text() == "0"
    assert "Epoch 0" in main_window.epoch_label.text()


def test_step_shows_the_cores_loss_and_weights(qtbot, main_window):
    qtbot.keyClick(main_window, Qt.Key.Key_Right)  # the Step shortcut
    wait_epoch(qtbot, main_window, 1)
    core = Trainer(**seed_example())
    record = core.step(1)[0]
    shown = main_window.network_view.snapshot()
    assert shown.epoch == 1
    for mine, expected in zip(shown.weights, core.net.weights, strict=True):
        np.testing.assert_array_equal(mine, expected)
    epochs, train_loss, _test = main_window.loss_plot.history()
    assert list(epochs) == [1]
    assert train_loss[0] == record.train_loss
    # the readouts show the loss of the weights shown
    assert main_window.control_panel.epoch_label.text() == "1"
    assert main_window.control_panel.loss_label.text() == f"{shown.train_loss:.6g}"
    assert f"{shown.train_loss:.6g}" in main_window.loss_label.text()


def test_space_runs_and_pauses_and_the_plot_keeps_every_epoch(qtbot, main_window):
    actions = main_window.training_actions
    with qtbot.waitSignal(main_window.controller.state_changed, timeout=TIMEOUT):
        qtbot.keyClick(main_window, Qt.Key.Key_Space)
    assert actions.run_pause.text() == "&Pause"
    assert not actions.step.isEnabled()
    assert main_window.state_label.text() == "Running"
    qtbot.waitUntil(lambda: main_window.loss_plot.point_count() > 30, timeout=TIMEOUT)
    with qtbot.waitSignal(main_window.controller.state_changed, timeout=TIMEOUT):
        qtbot.keyClick(main_window, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: actions.run_pause.text() == "&Run" and actions.step.isEnabled(), timeout=TIMEOUT
    )
    epoch = main_window.controller.current_snapshot().epoch
    epochs, train_loss, _test = main_window.loss_plot.history()
    assert list(epochs) == list(range(1, epoch + 1))
    core = Trainer(**seed_example())
    np.testing.assert_array_equal(train_loss, [r.train_loss for r in core.step(epoch)])


def test_reset_restores_the_initial_weights_and_clears_the_plot(qtbot, main_window):
    main_window.controller.step(30)
    wait_epoch(qtbot, main_window, 30)
    qtbot.keyClick(main_window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    shown = main_window.network_view.snapshot()
    assert shown.epoch == 0
    assert all(np.all(w == 0.1) for w in shown.weights)
    assert main_window.loss_plot.point_count() == 0
    assert main_window.control_panel.epoch_label.text() == "0"


def test_save_then_open_round_trips_the_session(qtbot, main_window, tmp_path):
    window = main_window
    window.controller.set_learning_rate(0.5)
    window.controller.step(25)
    wait_epoch(qtbot, window, 25)
    saved = window.controller.current_snapshot()
    path = tmp_path / "lesson.bplab"
    assert window.save_project_to(path)
    assert path.is_file() and "lesson.bplab" in window.windowTitle()
    epochs_before, losses_before, _ = window.loss_plot.history()
    losses_before = np.array(losses_before)

    window.controller.reset()
    window.controller.set_learning_rate(2.0)
    assert window.controller.current_snapshot().epoch == 0

    assert window.open_project_from(path)
    snapshot = window.controller.current_snapshot()
    assert snapshot.epoch == 25
    for mine, expected in zip(snapshot.weights, saved.weights, strict=True):
        np.testing.assert_array_equal(mine, expected)
    assert window.controller.settings()["learning_rate"] == 0.5
    epochs, losses, _ = window.loss_plot.history()
    assert list(epochs) == list(epochs_before)
    np.testing.assert_array_equal(losses, losses_before)
    # Training continues exactly where the saved session stopped.
    window.controller.step(1)
    wait_epoch(qtbot, window, 26)
    core = Trainer(**seed_example())
    core.learning_rate = 0.5
    core.step(26)
    np.testing.assert_array_equal(
        window.controller.current_snapshot().weights[0], core.net.weights[0]
    )
    # Reset goes back to the saved initial weights.
    window.controller.reset()
    assert all(np.all(w == 0.1) for w in window.controller.current_snapshot().weights)


def test_a_bad_project_file_leaves_the_session_untouched(qtbot, main_window, tmp_path):
    main_window.controller.step(5)
    wait_epoch(qtbot, main_window, 5)
    before = main_window.controller.current_snapshot()
    bad = tmp_path / "broken.bplab"
    bad.write_text('{"format": "backprop-lab-project", "version": 1, "network": ')
    assert not main_window.open_project_from(bad)
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog)]
    assert dialogs and dialogs[-1].isVisible()
    assert "broken.bplab" in dialogs[-1].summary_label.text()
    assert main_window.controller.current_snapshot() is before
    assert main_window.loss_plot.point_count() == 5
    for dialog in dialogs:
        dialog.close()


def test_error_dialog_copies_its_details(qtbot):
    dialog = ErrorDialog("It broke.", "Traceback: line 1")
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == "It broke.\n\nTraceback: line 1\n"


def test_exports_write_files(qtbot, main_window, tmp_path):
    main_window.controller.step(10)
    wait_epoch(qtbot, main_window, 10)
    assert main_window.export_loss_csv(tmp_path / "loss.csv")
    rows = (tmp_path / "loss.csv").read_text().strip().splitlines()
    assert len(rows) == 11  # header + 10 epochs
    for name in ("net.png", "net.svg"):
        assert main_window.export_network_image(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 100
    for name in ("loss.png", "loss.svg"):
        assert main_window.export_loss_plot_image(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 100


def test_divergence_pauses_and_tells_the_student(qtbot, main_window):
    controller = main_window.controller
    controller.set_architecture([3, 3], "linear", bias=False, init="constant", init_seed=0)
    controller.set_learning_rate(10)
    with qtbot.waitSignal(controller.diverged, timeout=TIMEOUT):
        controller.run()
    qtbot.waitUntil(lambda: not controller.is_running, timeout=TIMEOUT)
    box = main_window.divergence_message
    assert box is not None and box.isVisible() and not box.isModal()
    assert "smaller learning rate" in box.text()
    assert "diverged" in main_window.statusBar().currentMessage()
    assert all(np.all(np.isfinite(w)) for w in main_window.network_view.snapshot().weights)
    assert main_window.training_actions.step.isEnabled()


def test_architecture_change_from_the_settings_panel_resets_and_says_so(qtbot, main_window):
    panel = main_window.settings_panel
    panel.layer_count_box.setValue(1)
    assert panel.apply_button.isEnabled()
    panel.bias_check.setChecked(True)
    panel.apply_button.click()
    assert main_window.network_view.snapshot().layer_sizes == (2, 3, 1)
    assert "reset" in main_window.statusBar().currentMessage()
    assert not panel.apply_button.isEnabled()


def test_view_menu_toggles_every_dock(main_window):
    view_actions = set(main_window.menus["view"].actions())
    for dock in main_window.findChildren(QDockWidget):
        assert dock.toggleViewAction() in view_actions
        dock.toggleViewAction().trigger()
        assert dock.isHidden()
        dock.toggleViewAction().trigger()
        assert not dock.isHidden()


def test_hidden_weight_dock_catches_up_when_shown(qtbot, main_window):
    dock = main_window.docks["weights"]
    dock.hide()
    main_window.controller.step(3)
    wait_epoch(qtbot, main_window, 3)
    table = main_window.weight_table
    qtbot.waitUntil(main_window.views_current, timeout=TIMEOUT)
    # It holds the newest snapshot, but a hidden table fills no cells for it ...
    assert table.snapshot().epoch == 3
    assert table.refresh_pending()
    dock.show()
    # ... until it is shown.
    qtbot.waitUntil(lambda: not table.refresh_pending(), timeout=TIMEOUT)
    assert table.cell_text(ParameterRef(0, 0, 0)) == format_value(
        main_window.controller.current_snapshot().weights[0][0, 0]
    )


def test_geometry_and_view_choices_are_remembered(qtbot, private_settings):
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.resize(1000, 700)
    first.set_colour_mode("gradient")
    first.log_y_action.setChecked(True)
    first.close()
    saved = json.loads(app_settings().value("view/settings"))
    assert saved["colour_mode"] == "gradient" and saved["log_y"] is True
    assert str(private_settings) in app_settings().fileName()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.network_view.colour_mode() == "gradient"
    assert second.log_y_action.isChecked()
    second.close()


def test_closing_while_running_stops_the_thread(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.controller.run()
    qtbot.waitUntil(lambda: window.loss_plot.point_count() > 5, timeout=TIMEOUT)
    window.close()
    assert not window.controller.thread_is_alive()


def test_weight_edit_from_the_view_reaches_the_network(qtbot, main_window):
    from backprop_lab.core import ParameterRef

    ref = ParameterRef(0, 1, 2)
    with qtbot.waitSignal(main_window.controller.snapshot_ready, timeout=TIMEOUT):
        main_window.network_view.weight_edit_requested.emit(ref, 0.42)
    assert ref.value_in(main_window.network_view.snapshot().weights, None) == 0.42
    main_window.network_view.weight_edit_requested.emit(ref, float("nan"))
    assert "not changed" in main_window.statusBar().currentMessage()


def test_uncaught_exception_shows_a_dialog_logs_it_and_the_app_keeps_running(
    qtbot, main_window, tmp_path, monkeypatch
):
    import sys

    from backprop_lab.gui import app

    monkeypatch.setattr(app, "log_directory", lambda: tmp_path / "logs")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    app.install_excepthook()
    try:
        raise RuntimeError("boom from a slot")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog)]
    assert dialogs and "boom from a slot" in dialogs[-1].details_view.toPlainText()
    assert "boom from a slot" in (tmp_path / "logs" / "errors.log").read_text()
    for dialog in dialogs:
        dialog.close()
    main_window.controller.step()
    wait_epoch(qtbot, main_window, 1)


@pytest.mark.parametrize("name", ["XOR", "Noisy sine"])
def test_example_datasets_from_the_data_menu(qtbot, main_window, name):
    # The menu entry opens the example dialog (size, noise, split); accept its defaults.
    main_window.data_tools.run_dialog = lambda dialog: True
    main_window.data_tools.confirm_adapt = lambda message: True  # 1-input data
    main_window.dataset_actions[name].trigger()
    train, _test = main_window.controller.dataset()
    assert train.name == name
    main_window.controller.step()
    wait_epoch(qtbot, main_window, 1)
    assert main_window.network_view.snapshot().inputs.shape[0] == len(train.inputs)


# ---------------------------------------------------------------- default layout
def _shown_window(qtbot, width=1440, height=900):
    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    # The first show sizes the docks after the window is laid out (a zero-delay timer).
    event_loop_turn(qtbot)
    return window


def _on_top(dock) -> bool:
    """Visible and not hidden behind another tab of its group."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def _tab_bars_with_tabs(window):
    from PySide6.QtWidgets import QTabBar

    return [
        bar
        for bar in window.findChildren(QTabBar)
        if bar.parent() is window and bar.isVisible() and bar.count() > 0
    ]


def test_default_layout_shows_the_essentials_at_1440_by_900(qtbot):
    window = _shown_window(qtbot)
    docks = window.docks
    for name in ("controls", "loss", "weights", "data_plot", "phases"):
        assert _on_top(docks[name]), f"{name} is not visible in the default layout"
    # The network gets the largest area of the window.
    network = window.network_view.size()
    for name in ("controls", "loss", "weights", "data_plot"):
        size = docks[name].size()
        assert network.width() * network.height() > size.width() * size.height()
    assert network.width() >= 550 and network.height() >= 420
    # The seed network's W1 (2 x 3) and W2 (3 x 3) fit in the weight dock unscrolled:
    # two titles, two header rows, five rows, and the colour legend.
    assert docks["weights"].height() >= 300
    # The inspection panels are tabs: one click away, never a dock of their own.
    tabbed = {d.objectName() for d in window.tabifiedDockWidgets(docks["phases"])}
    assert {"dock_chain_rule", "dock_gradient_check"} <= tabbed
    assert "dock_rewind" in {d.objectName() for d in window.tabifiedDockWidgets(docks["weights"])}
    assert "dock_mistakes" in {
        d.objectName() for d in window.tabifiedDockWidgets(docks["controls"])
    }
    assert "dock_data" in {d.objectName() for d in window.tabifiedDockWidgets(docks["data_plot"])}
    window.close()


def test_no_stray_tab_bar_is_drawn(qtbot):
    """Every visible tab bar belongs to a tab group, and none lies over the loss plot."""
    window = _shown_window(qtbot)
    loss = window.docks["loss"].geometry()
    groups = []
    for bar in _tab_bars_with_tabs(window):
        titles = [bar.tabText(i) for i in range(bar.count())]
        groups.append(titles)
        assert not bar.geometry().intersects(loss), f"tab bar {titles} over the loss plot"
    expected = [
        ["Training", "Network settings", "Mistakes lab"],
        ["Step phases", "Chain rule", "Gradient check"],
        ["Weights", "Rewind", "Practice"],
        ["Data plot", "Data", "Loss landscape"],
        ["Loss", "Layer statistics"],
    ]
    assert sorted(groups) == sorted(expected)
    window.close()


def test_restore_default_layout_brings_every_dock_back(qtbot):
    window = _shown_window(qtbot)
    window.docks["weights"].hide()
    window.docks["loss"].setFloating(True)
    window.docks["chain_rule"].raise_()
    window.default_layout_action.trigger()
    # The old tab bars go with the next deferred deletes: wait for the new arrangement.
    qtbot.waitUntil(
        lambda: not window.docks["loss"].isFloating() and len(_tab_bars_with_tabs(window)) == 5,
        timeout=TIMEOUT,
    )
    for name in ("controls", "loss", "weights", "data_plot", "phases"):
        assert _on_top(window.docks[name]), name
    window.close()


def test_a_layout_saved_by_an_older_arrangement_is_not_restored(qtbot):
    from backprop_lab.gui.main_window import DOCK_LAYOUT_VERSION

    first = _shown_window(qtbot)
    first.docks["weights"].hide()
    store = app_settings()
    store.setValue("window/state", first.saveState(DOCK_LAYOUT_VERSION - 1))
    store.sync()
    first._closed = True  # keep the old-version state in the store
    first.close()
    assert first.controller.shutdown()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    event_loop_turn(qtbot)  # past the first show's sizing and restoring
    assert not second.docks["weights"].isHidden()
    second.close()
    # The current version is restored: a hidden dock stays hidden.
    third = MainWindow()
    qtbot.addWidget(third)
    third.show()
    third.docks["weights"].hide()
    third.close()
    fourth = MainWindow()
    qtbot.addWidget(fourth)
    fourth.show()
    qtbot.waitExposed(fourth)
    event_loop_turn(qtbot)
    assert fourth.docks["weights"].isHidden()
    fourth.close()


def test_status_readouts_do_not_relayout_the_window(qtbot, main_window):
    """The epoch and loss change with every snapshot; their labels have a fixed size,
    so a new text never asks the status bar (and the window) for a new layout."""
    from PySide6.QtCore import QEvent, QObject

    class LayoutRequests(QObject):
        count = 0

        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.LayoutRequest:
                self.count += 1
            return False

    process_events()
    counter = LayoutRequests()
    bar = main_window.statusBar()
    bar.installEventFilter(counter)
    snapshot = main_window.controller.current_snapshot()
    for epoch, loss in ((1, 0.5), (12_345, 1.23456e-7), (123_456_789, 123456.0)):
        main_window._show_status(dataclasses.replace(snapshot, epoch=epoch))
        main_window.state_label.setText("Running" if epoch % 2 else "Paused")
        main_window.loss_label.setText(f"Loss {loss:.6g}")
        QApplication.processEvents()
    bar.removeEventFilter(counter)
    assert counter.count == 0
    assert "123,456,789" in main_window.epoch_label.text()
    for label in (main_window.epoch_label, main_window.loss_label, main_window.state_label):
        assert label.minimumSize() == label.maximumSize()
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()


def test_the_loss_now_and_the_plots_point_are_told_apart(qtbot, main_window):
    # The panel shows the loss of the weights shown; the plot's point for an epoch
    # is measured before that epoch's update, i.e. the panel's value one epoch earlier.
    from backprop_lab.core import Trainer, seed_example

    main_window.controller.step(2)
    qtbot.waitUntil(lambda: main_window.controller.current_snapshot().epoch == 2, timeout=10_000)
    main_window.flush_losses()
    main_window.loss_plot.flush()
    core = Trainer(**seed_example())
    records = core.step(2)
    epochs, train, _test = main_window.loss_plot.history()
    assert list(epochs) == [1, 2]
    assert train[-1] == records[-1].train_loss
    assert main_window.controller.current_snapshot().train_loss == core.train_loss()
    assert "before its update" in main_window.loss_plot.readout_text()
    assert "before its update" in main_window.control_panel.loss_label.toolTip()


def test_the_mistakes_lab_switches_are_saved_with_the_project(qtbot, main_window, tmp_path):
    import json

    from backprop_lab.core import Mistakes

    seeds_code = Mistakes(derivative_of_pre_activation=True, pre_activation_in_update=True)
    main_window.controller.set_mistakes(seeds_code)
    path = tmp_path / "lesson.bplab"
    assert main_window.save_project_to(path)
    main_window.controller.set_mistakes(Mistakes())
    assert main_window.open_project_from(path, show_errors=False, ask_to_save=False)
    assert main_window.controller.mistakes() == seeds_code
    switches = main_window.inspector.mistakes.switches
    assert switches["derivative_of_pre_activation"].isChecked()
    assert switches["pre_activation_in_update"].isChecked()

    # A file whose mistakes entry makes no sense is refused whole.
    data = json.loads(path.read_text(encoding="utf-8"))
    data["settings"]["mistakes"] = {"forgot_the_chain_rule": True}
    bad = tmp_path / "bad.bplab"
    bad.write_text(json.dumps(data), encoding="utf-8")
    main_window.controller.set_mistakes(Mistakes())
    assert not main_window.open_project_from(bad, show_errors=False, ask_to_save=False)
    assert main_window.controller.mistakes() == Mistakes()
    assert "not understood" in main_window.statusBar().currentMessage()
