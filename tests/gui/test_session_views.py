"""Issue 10's regressions: one Session, and every view draws its shown state.

Each test is one bullet of the issue, tried as a new user would, through the
real main window.
"""

from __future__ import annotations

import numpy as np
import pytest
from waiting import wait_until_no_timer_pending

from backprop_lab.core import ParameterRef
from backprop_lab.core.project_file import load_project, serialise_project
from backprop_lab.core.session import Session
from backprop_lab.gui import loss_plot as loss_plot_module
from backprop_lab.gui.gradient_check_panel import STALE_COLOUR

TIMEOUT = 10_000


def step_to(qtbot, window, epochs: int) -> None:
    """Step ``epochs`` epochs and wait until the live network has them."""
    target = window.session.live_snapshot.epoch + epochs
    with qtbot.waitSignal(
        window.controller.live_snapshot_ready,
        timeout=TIMEOUT,
        check_params_cb=lambda s: s.epoch == target,
    ):
        window.controller.step(epochs)
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=TIMEOUT)


def test_rewind_agrees_with_itself_in_every_view(qtbot, main_window):
    window = main_window
    inspector = window.inspector
    step_to(qtbot, window, 1)
    step_to(qtbot, window, 49)
    # Select a weight so the chain rule shows numbers, and raise it (it skips work hidden).
    inspector.docks["chain_rule"].raise_()
    window.network_view.parameter_selected.emit(ParameterRef(2, 0, 0))
    inspector.rewind.show_epoch(1)
    shown = window.session.shown_snapshot
    assert shown.epoch == 1 and window.session.live_snapshot.epoch == 50
    assert window.network_view.snapshot() is shown
    assert window.weight_table.snapshot() is shown
    assert window.control_panel.epoch_label.text() == "1"  # the Training panel
    assert window.epoch_label.text() == "Epoch 1 (rewound)"  # the status bar
    assert window.data_tools.plot_snapshot is shown  # the data plot
    qtbot.waitUntil(lambda: "(epoch 1)" in inspector.chain_rule.message_text(), timeout=TIMEOUT)
    assert window.loss_plot.marker() == 1
    assert window.loss_plot.readout_text().startswith("rewound: epoch 1 ")
    # A live frame does not take a view back to live.
    step_to(qtbot, window, 1)
    assert window.network_view.snapshot() is shown
    assert window.data_tools.plot_snapshot is shown
    inspector.rewind.go_live()
    live = window.session.live_snapshot
    assert live.epoch == 51
    assert window.network_view.snapshot() is live and window.data_tools.plot_snapshot is live
    assert window.epoch_label.text() == "Epoch 51" and window.loss_plot.marker() is None


def test_step_and_run_buttons_train_the_live_network_and_show_it(qtbot, main_window):
    window = main_window
    step_to(qtbot, window, 1)
    step_to(qtbot, window, 4)
    window.inspector.rewind.show_epoch(1)
    with qtbot.waitSignal(
        window.controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.epoch == 6
    ):
        window.training_actions.step.trigger()
    assert window.session.is_live and window.network_view.snapshot().epoch == 6
    window.inspector.rewind.show_epoch(1)
    window.training_actions.run_pause.trigger()
    assert window.session.is_live
    window.training_actions.run_pause.trigger()
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=TIMEOUT)


def test_weights_cannot_be_edited_on_a_rewound_network(qtbot, main_window):
    step_to(qtbot, main_window, 3)
    main_window.inspector.rewind.show_epoch(1)
    assert not main_window.network_view.is_editable()
    main_window.inspector.rewind.go_live()
    assert main_window.network_view.is_editable()


def test_open_example_leaves_no_stale_gradient_check(qtbot, main_window):
    check = main_window.inspector.gradient_check
    check.run_check()
    assert "all 18" in check.summary_text().lower() or "agree" in check.summary_text()
    for key in ("xor", "circles"):
        if key not in main_window.example_actions:
            continue
        assert main_window.open_example(key)
        assert check.is_out_of_date()
        assert check.summary_text().startswith("Out of date")
        assert check.row_colour(0) == STALE_COLOUR  # no green rows of another network
        check.run_check()
        assert not check.is_out_of_date()


def test_a_weight_edit_marks_the_gradient_check_out_of_date(qtbot, main_window):
    check = main_window.inspector.gradient_check
    check.run_check()
    main_window.controller.set_parameter(ParameterRef(0, 0, 0), 0.7)
    assert check.summary_text().startswith("Out of date")


def test_open_example_refits_the_loss_axes(qtbot, main_window):
    window = main_window
    window.controller.set_learning_rate(10)
    step_to(qtbot, window, 200)
    window.loss_plot.flush()
    assert window.open_example("xor")
    wait_until_no_timer_pending(qtbot, window)  # laid out and repainted as on screen
    (_, x_high), (_, y_high) = window.loss_plot.view_box.viewRange()
    assert x_high <= 11 and y_high <= 1.1  # not the seed run's 200 epochs
    step_to(qtbot, window, 5)
    window.loss_plot.flush()
    qtbot.waitUntil(lambda: window.loss_plot.view_box.viewRange()[0][1] < 50, timeout=TIMEOUT)


def test_reset_after_a_huge_loss_refits_the_axes(qtbot, main_window):
    window = main_window
    window.session.history.append([1, 2], [1e300, 1e299])
    window.loss_plot.history_changed("append")
    window.loss_plot.flush()
    window.controller.reset()
    window.loss_plot.flush()
    assert window.loss_plot.view_box.viewRange()[1][1] <= 1.1


def test_all_correct_keeps_constant_initialisation_and_the_seed_network(qtbot, main_window):
    mistakes = main_window.inspector.mistakes
    mistakes.reproduce_seed_code()
    before = main_window.session.initial_network()
    mistakes.switch_all_off()
    assert main_window.controller.settings()["init"] == "constant"
    assert mistakes.switches["constant_initialisation"].isChecked()
    assert not main_window.controller.mistakes().any
    after = main_window.session.initial_network()
    assert all(np.array_equal(a, b) for a, b in zip(before.weights, after.weights))
    step_to(qtbot, main_window, 1)
    np.testing.assert_allclose(main_window.session.live_snapshot.weights[2], 0.23868457, atol=5e-9)


def test_save_then_open_round_trips_the_whole_session_byte_for_byte(qtbot, main_window, tmp_path):
    window = main_window
    assert window.open_example("xor")
    window.controller.set_learning_rate(0.25)
    window.inspector.mistakes.set_switch("derivative_of_pre_activation", True)
    step_to(qtbot, window, 30)
    first = tmp_path / "a.bplab"
    assert window.save_project_to(first)
    before = serialise_project(window.session.to_project())
    assert window.new_session()
    assert window.open_project_from(first)
    assert serialise_project(window.session.to_project()) == before
    second = tmp_path / "b.bplab"
    assert window.save_project_to(second)
    assert second.read_bytes() == first.read_bytes()
    assert not window.is_modified()


def test_the_project_is_read_from_the_session_not_the_loss_plot(qtbot, main_window, monkeypatch):
    step_to(qtbot, main_window, 5)

    def no(*_args, **_kwargs):
        raise AssertionError("the project was read from the loss plot widget")

    monkeypatch.setattr(loss_plot_module.LossPlot, "history", no)
    project = main_window.project()
    assert project.loss_history["epoch"].tolist() == [1, 2, 3, 4, 5]
    assert project.epoch == 5


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda p: p.settings.__setitem__("init_seed", [1, 2]),  # a TypeError once
        lambda p: p.settings.__setitem__("learning_rate", "fast"),
        lambda p: p.settings.__setitem__("mistakes", {"typo": True}),
        lambda p: p.settings.__setitem__("hidden_layer_sizes", [5000]),
    ],
)
def test_a_refused_project_changes_nothing(qtbot, main_window, tmp_path, corrupt):
    window = main_window
    step_to(qtbot, window, 3)
    path = tmp_path / "good.bplab"
    assert window.save_project_to(path)
    project = load_project(path)
    corrupt(project)
    before = serialise_project(window.session.to_project())
    assert not window._load_project(project, path, show_errors=False)
    assert serialise_project(window.session.to_project()) == before
    assert window.data_tools.table.dataset().n_samples == window.session.train.n_samples


def test_the_window_and_controller_share_one_session(main_window):
    session = main_window.session
    assert isinstance(session, Session)
    assert main_window.controller.session is session
    assert main_window.loss_plot._history is session.history
    assert main_window.inspector.rewind.history is session.rewind
