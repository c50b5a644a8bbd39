"""Random interleavings of everything a student can click, through the real main window.

Hypothesis draws sequences of Step, Step N, Run, Pause, Reset, Re-initialise,
data edits (table cells and whole new data sets of other widths), architecture
changes (settings panel and controller), learning-rate changes (including ones
that diverge), weight edits, Open example, and short or no waits between them.
After every action, and after the event loop has run a little, the window must
be consistent:

* no exception anywhere (pytest-qt fails the test on an exception in a Qt slot),
* the network view and the weight table draw the controller's current network
  (same layer sizes; the view shows exactly the controller's snapshot),
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

from backprop_lab.core import ParameterRef
from backprop_lab.core.data import Dataset
from backprop_lab.gui.main_window import MainWindow

# Actions that may legitimately move the epoch backwards (or to 0).
RESETTING = {"reset", "reinitialise", "architecture", "panel_architecture", "new_data", "example"}

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
)


def pump(qtbot, ms: int) -> None:
    qtbot.wait(ms) if ms else qtbot.wait(1)


def check_consistent(window) -> None:
    controller = window.controller
    current = controller.current_snapshot()
    shown = window.network_view.snapshot()
    assert shown is current, (shown.epoch, shown.layer_sizes, current.epoch, current.layer_sizes)
    table = window._pending_snapshots.get("weights") or window.weight_table.snapshot()
    assert table.layer_sizes == current.layer_sizes
    assert all(np.all(np.isfinite(w)) for w in current.weights)
    train, _test = controller.dataset()
    assert (train.n_inputs, train.n_outputs) == (current.layer_sizes[0], current.layer_sizes[-1])


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


def run_sequence(qtbot, window, sequence, diverged) -> None:
    last_epoch = window.controller.current_snapshot().epoch
    for action, wait_ms in sequence:
        seen_divergences = len(diverged)
        apply(window, action)
        check_consistent(window)
        pump(qtbot, wait_ms)
        check_consistent(window)
        epoch = window.controller.current_snapshot().epoch
        if action[0] not in RESETTING and len(diverged) == seen_divergences:
            assert epoch >= last_epoch, (action, last_epoch, epoch)
        last_epoch = epoch
    # Let whatever is still queued arrive, then check once more.
    pump(qtbot, 20)
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
        qtbot.wait(5)
    finally:
        start = time.perf_counter()
        assert window.close()
        elapsed = time.perf_counter() - start
        assert not window.controller.thread_is_alive()
        assert elapsed < 3.0
