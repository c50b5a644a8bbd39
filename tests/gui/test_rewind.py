"""Rewind shows the stored weights of past epochs and returns to live."""

import inspect_fixtures
import numpy as np
import pytest

from backprop_lab.gui.loss_plot import LossPlot
from backprop_lab.gui.rewind import RewindPanel

# The shared fixtures (a real controller on the seed example) and helpers.
controller = inspect_fixtures.controller
network_view = inspect_fixtures.network_view
wait_for_snapshot = inspect_fixtures.wait_for_snapshot


@pytest.fixture
def loss_plot(qtbot):
    plot = LossPlot("half_sse")
    qtbot.addWidget(plot)
    return plot


@pytest.fixture
def rewind(qtbot, controller, network_view, loss_plot):
    panel = RewindPanel(controller, network_view, None, loss_plot, capacity=8)
    qtbot.addWidget(panel)
    return panel


def train_epochs(qtbot, controller, n):
    # Live snapshots: while rewound, the views (and snapshot_ready) keep the rewound one.
    snapshots = []
    for _ in range(n):
        target = controller.live_snapshot().epoch + 1
        with qtbot.waitSignal(
            controller.live_snapshot_ready,
            timeout=5000,
            check_params_cb=lambda snapshot, target=target: snapshot.epoch == target,
        ) as blocker:
            controller.step(1)
        snapshots.append(blocker.args[0])
    return snapshots


def test_rewind_shows_the_stored_weights(qtbot, rewind, controller, network_view, loss_plot):
    snapshots = train_epochs(qtbot, controller, 5)
    assert rewind.slider().maximum() == 5 and rewind.is_live()
    rewind.slider().setValue(2)
    assert not rewind.is_live()
    shown = network_view.snapshot()
    assert shown.epoch == 2
    np.testing.assert_array_equal(shown.weights[2], snapshots[1].weights[2])
    assert loss_plot.marker() == 2
    assert "Showing epoch 2" in rewind.position_text()
    rewind.go_live()
    assert network_view.snapshot().epoch == 5 and loss_plot.marker() is None
    assert rewind.slider().value() == 5


def test_live_snapshots_are_stored_but_not_shown_while_rewound(
    qtbot, rewind, controller, network_view
):

    train_epochs(qtbot, controller, 3)
    rewind.show_epoch(1)
    train_epochs(qtbot, controller, 2)
    assert network_view.snapshot().epoch == 1
    assert rewind.history.epochs()[-1] == 5 and rewind.slider().maximum() == 5
    rewind.slider().setValue(5)  # dragging to the end is live again
    assert rewind.is_live() and network_view.snapshot().epoch == 5


def test_long_runs_keep_every_kth_epoch_and_say_so(qtbot, rewind, controller, network_view):
    train_epochs(qtbot, controller, 20)
    assert rewind.history.stride >= 2
    assert "epoch kept for long runs" in rewind.stride_text()
    assert rewind.memory_text().startswith("Memory: ")
    assert rewind.memory_text().endswith(" of at most 200 MB.")
    kept = rewind.history.epochs()
    assert len(kept) <= 9
    missing = next(e for e in range(20) if e not in kept)
    rewind.show_epoch(missing)
    assert network_view.snapshot().epoch == max(e for e in kept if e <= missing)
    assert "nearest kept" in rewind.position_text()


def test_reset_clears_the_history(qtbot, rewind, controller):
    train_epochs(qtbot, controller, 3)
    rewind.show_epoch(1)
    with qtbot.waitSignal(rewind.rewound, timeout=2000) as blocker:
        controller.reset()
    assert blocker.args[0] is None and rewind.is_live()
    assert rewind.history.epochs() == [0]
    assert not rewind.slider().isEnabled()


def test_a_panel_out_of_sight_catches_up_when_shown(qtbot, rewind, controller):
    """Hidden (its dock tabbed away), the panel skips the per-snapshot work; shown, it
    says what is kept now."""
    train_epochs(qtbot, controller, 3)
    assert rewind._position.text() != "Live: epoch 3"  # nothing done while out of sight
    rewind.show()
    qtbot.waitExposed(rewind)
    assert rewind._position.text() == "Live: epoch 3"
    assert rewind._slider.maximum() == 3
    train_epochs(qtbot, controller, 1)  # in sight: at once
    assert rewind._position.text() == "Live: epoch 4" and rewind._slider.maximum() == 4
