"""Random interleavings of everything a student can click, through the real main window.

Hypothesis draws sequences of Step, Step N, Run, Pause, Reset, Re-initialise,
data edits (table cells and whole new data sets of other widths), architecture
changes (settings panel and controller), learning-rate changes (including ones
that diverge), weight edits, Open example, rewinding and back to live, the
mistakes lab's switches, undoing data edits, the chain rule, step phases and
gradient check, and short or no waits between them. After every action, and
after the event loop has run a little, the window must be consistent:

* no exception anywhere (pytest-qt fails the test on an exception in a Qt slot),
* every view shows the Session's shown epoch and network: the network view, the
  weight table, the status bar, the Training panel, the loss readout, the data
  plot and the rewind panel show exactly ``session.shown_snapshot``; the chain
  rule, the step phases and the gradient check show numbers of that network or
  say they are out of date,
* the epoch never goes backwards except after Reset, Re-initialise, a new
  architecture, a data set of another width, an example, or a divergence,
* every weight shown is a finite number;

and closing the window joins the training thread within a few seconds.
"""

from __future__ import annotations

import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from waiting import event_loop_turn, worker_round_trip

from backprop_lab.core import ParameterRef
from backprop_lab.core.data import Dataset
from backprop_lab.gui.main_window import MainWindow

# Actions that may legitimately move the epoch backwards (or to 0).
RESETTING = {
    "reset",
    "reinitialise",
    "architecture",
    "panel_architecture",
    "new_data",
    "example",
    "undo",  # undoing a change of the data's width rebuilds the network
    "mistake",  # (c) constant initialisation rebuilds the network
}

actions = st.one_of(
    st.tuples(st.just("step")),
    st.tuples(st.just("step_n"), st.integers(1, 40)),
    st.tuples(st.just("run")),
    st.tuples(st.just("pause")),
    st.tuples(st.just("reset")),
    st.tuples(st.just("reinitialise"), st.integers(0, 1000)),
    st.tuples(st.just("cell_edit"), st.integers(0, 2), st.floats(-5, 5, allow_nan=False)),
    st.tuples(st.just("new_data"), st.integers(1, 3), st.integers(1, 3), st.integers(1, 12)),
    st.tuples(
        st.just("architecture"),
        st.lists(st.integers(1, 6), min_size=0, max_size=3),
        st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
    ),
    st.tuples(st.just("panel_architecture"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("learning_rate"), st.sampled_from([0.01, 0.5, 1.0, 10.0, 500.0])),
    st.tuples(st.just("weight"), st.floats(-3, 3, allow_nan=False)),
    st.tuples(st.just("example"), st.sampled_from(["seed", "xor"])),
    st.tuples(st.just("wait"), st.integers(0, 60)),
    st.tuples(st.just("rewind"), st.floats(0, 1)),
    st.tuples(st.just("live")),
    st.tuples(
        st.just("mistake"),
        st.sampled_from(
            ["derivative_of_pre_activation", "pre_activation_in_update", "constant_initialisation"]
        ),
        st.booleans(),
    ),
    st.tuples(st.just("all_correct")),
    st.tuples(st.just("undo")),
    st.tuples(st.just("select")),
    st.tuples(st.just("phase")),
    st.tuples(st.just("gradient_check")),
)


def pump(qtbot, window, turns: int) -> None:
    """Let the app run for ``turns`` rounds (at least one): in each the training worker
    answers a request (so, running, it trained on to an epoch boundary) and the event
    loop delivers what it sent. No fixed sleeps: the same sequence interleaves the same."""
    for _ in range(max(1, turns)):
        try:
            worker_round_trip(qtbot, window.controller)
        except ValueError:  # no live trainer to ask: the event loop alone
            event_loop_turn(qtbot)


def check_consistent(window) -> None:
    """Every view shows the Session's shown epoch and network (or says it is out of date)."""
    controller = window.controller
    session = window.session
    current = session.shown_snapshot
    assert controller.current_snapshot() is current
    shown = window.network_view.snapshot()
    assert shown is current, (shown.epoch, shown.layer_sizes, current.epoch, current.layer_sizes)
    table = window.weight_table.snapshot()
    assert table is current
    assert all(np.all(np.isfinite(w)) for w in current.weights)
    train, _test = controller.dataset()
    assert (train.n_inputs, train.n_outputs) == (current.layer_sizes[0], current.layer_sizes[-1])
    # Status bar and Training panel: the shown epoch.
    assert window.epoch_label.text().startswith(f"Epoch {current.epoch:,}")
    assert ("(rewound)" in window.epoch_label.text()) == (not session.is_live)
    assert window.control_panel.epoch_label.text() == f"{current.epoch:,}"
    # The loss plot draws the session's history; its readout and marker the shown epoch.
    assert window.loss_plot.point_count() == len(session.history)
    readout = window.loss_plot.readout_text()
    if session.is_live:
        assert window.loss_plot.marker() is None
        assert "rewound" not in readout
    else:
        assert window.loss_plot.marker() == current.epoch
        if window.loss_plot.hovered_epoch() is None:
            assert readout.startswith(f"rewound: epoch {current.epoch:,}")
    # The data plot follows the shown network.
    assert window.data_tools.plot_snapshot is current
    # The rewind panel says live or rewound as the session does.
    assert window.inspector.rewind.is_live() == session.is_live
    # Views derived from the network: its numbers, or marked out of date.
    inspector = window.inspector
    check = inspector.gradient_check
    if check.rows():
        assert check.is_out_of_date() == check.summary_text().startswith("Out of date")
    explanation = inspector.phase_stepper.explanation()
    if explanation is not None:
        assert inspector.phase_stepper._weights_still_match()
    chain = inspector.chain_rule
    if chain.parameter() is not None and not chain._stale and chain.message_text():
        if "Cannot show" not in chain.message_text():
            assert f"(epoch {current.epoch})" in chain.message_text()


def apply(window, action) -> None:
    name, *args = action
    controller = window.controller
    actions = window.training_actions
    if name == "step":
        actions.step.trigger()
    elif name == "step_n":
        actions.set_step_count(args[0])
        actions.step_n.trigger()
    elif name == "run":
        if not controller.is_running:
            actions.run_pause.trigger()
    elif name == "pause":
        if controller.is_running:
            actions.run_pause.trigger()
    elif name == "reset":
        actions.reset.trigger()
    elif name == "reinitialise":
        controller.reinitialise(args[0])
    elif name == "cell_edit":
        row, value = args
        table = window.data_tools.table
        if row < table.dataset().n_samples:
            table.set_cell_text(row, 0, f"{value:.4g}")
    elif name == "new_data":
        n_in, n_out, n = args
        rng = np.random.default_rng(n)
        data = Dataset(
            rng.normal(size=(n, n_in)),
            rng.uniform(size=(n, n_out)),
            tuple(f"x{i + 1}" for i in range(n_in)),
            tuple(f"t{i + 1}" for i in range(n_out)),
        )
        window.data_tools.apply_data(data, None, "random data")
    elif name == "architecture":
        hidden, activation = args
        try:
            controller.set_architecture(hidden, activation, bias=True, init="xavier", init_seed=1)
        except ValueError:
            pass  # refused (e.g. an activation the loss cannot use): nothing changed
    elif name == "panel_architecture":
        count, bias = args
        panel = window.settings_panel
        panel.layer_count_box.setValue(count)
        panel.bias_check.setChecked(bias)
        panel.apply_architecture()
    elif name == "learning_rate":
        window.control_panel.learning_rate_box.setValue(args[0])
    elif name == "weight":
        sizes = controller.current_snapshot().layer_sizes
        window.network_view.weight_edit_requested.emit(
            ParameterRef(len(sizes) - 2, 0, sizes[-2] - 1), args[0]
        )
    elif name == "example":
        window.open_example(args[0])
    elif name == "rewind":
        live = window.session.live_snapshot.epoch
        window.inspector.rewind.show_epoch(round(args[0] * live))
    elif name == "live":
        window.inspector.rewind.go_live()
    elif name == "mistake":
        key, on = args
        window.inspector.mistakes.set_switch(key, on)
    elif name == "all_correct":
        window.inspector.mistakes.switch_all_off()
    elif name == "undo":
        window.data_tools.table.undo_stack.undo()
    elif name == "select":
        sizes = controller.current_snapshot().layer_sizes
        window.network_view.parameter_selected.emit(ParameterRef(len(sizes) - 2, 0, 0))
    elif name == "phase":
        if not controller.is_running:
            window.inspector._step_phase()
    elif name == "gradient_check":
        window.inspector.gradient_check.run_check()


def run_sequence(qtbot, window, sequence, diverged) -> None:
    last_epoch = window.session.live_snapshot.epoch
    for action, turns in sequence:
        seen_divergences = len(diverged)
        apply(window, action)
        check_consistent(window)
        pump(qtbot, window, turns)
        check_consistent(window)
        epoch = window.session.live_snapshot.epoch
        if action[0] not in RESETTING and len(diverged) == seen_divergences:
            assert epoch >= last_epoch, (action, last_epoch, epoch)
        last_epoch = epoch
    # Let whatever is still queued arrive, then check once more.
    pump(qtbot, window, 3)
    check_consistent(window)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(st.tuples(actions, st.integers(0, 15)), min_size=1, max_size=12))
def test_any_interleaving_keeps_the_window_consistent(qtbot, main_window, sequence):
    # One window for every example, like a student who never stops clicking;
    # each example starts from a new session.
    window = main_window
    window.data_tools.confirm_adapt = lambda _message: True
    if window.controller.is_running:
        window.controller.pause()
    assert window.new_session()
    diverged = []
    window.controller.diverged.connect(diverged.append)
    try:
        run_sequence(qtbot, window, sequence, diverged)
    finally:
        window.controller.diverged.disconnect(diverged.append)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(st.tuples(actions, st.integers(0, 10)), min_size=1, max_size=6))
def test_closing_at_any_moment_joins_the_thread_quickly(qtbot, sequence):
    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    window.show()
    window.data_tools.confirm_adapt = lambda _message: True
    diverged = []
    window.controller.diverged.connect(diverged.append)
    try:
        run_sequence(qtbot, window, sequence, diverged)
        window.controller.run()  # close in the middle of a run
        pump(qtbot, window, 1)
    finally:
        start = time.perf_counter()
        assert window.close()
        elapsed = time.perf_counter() - start
        assert not window.controller.thread_is_alive()
        assert elapsed < 3.0
