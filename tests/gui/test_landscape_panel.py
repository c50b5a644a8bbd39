"""The Loss landscape dock: what it shows equals the core, live while training."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core.landscape import loss_landscape
from backprop_lab.core.snapshot import ParameterRef

TIMEOUT = 20_000


def show_panel(qtbot, window):
    dock = window.docks["landscape"]
    dock.show()
    dock.raise_()
    panel = window.landscape_panel
    qtbot.waitUntil(lambda: panel.view() is not None, timeout=TIMEOUT)
    return panel


def wait_for_epoch(qtbot, panel, epoch):
    qtbot.waitUntil(
        lambda: (
            panel.view() is not None
            and panel.view().epoch == epoch
            and not panel.controller.is_running
        ),
        timeout=TIMEOUT,
    )


def test_the_dock_shows_the_current_loss_and_the_two_gradients(qtbot, main_window):
    panel = show_panel(qtbot, main_window)
    view = panel.view()
    snapshot = main_window.controller.current_snapshot()
    L = view.landscape
    assert L.current_loss == pytest.approx(snapshot.train_loss, rel=1e-12)
    ref_a, ref_b = panel.refs()
    assert (L.ref_a, L.ref_b) == (ref_a, ref_b)
    grads = (snapshot.weight_gradients, snapshot.bias_gradients)
    assert L.gradient[0] == pytest.approx(ref_a.value_in(*grads), rel=1e-12)
    assert L.gradient[1] == pytest.approx(ref_b.value_in(*grads), rel=1e-12)
    # the arrow drawn is the step -lr * gradient, from the current point
    xs, ys = panel.step_line.getData()
    lr = main_window.controller.settings()["learning_rate"]
    assert xs[1] - xs[0] == pytest.approx(-lr * L.gradient[0])
    assert ys[1] - ys[0] == pytest.approx(-lr * L.gradient[1])
    assert "held at its current value" in panel.note.text()
    assert main_window.docks["landscape"].windowTitle() == "Loss landscape"
    # the seed network gets the full 61 x 61 grid
    assert L.resolution == (61, 61)


def test_live_while_training_with_the_path_taken(qtbot, main_window):
    panel = show_panel(qtbot, main_window)
    controller = main_window.controller
    controller.step(5)
    wait_for_epoch(qtbot, panel, 5)
    snapshot = controller.current_snapshot()
    ref_a, ref_b = panel.refs()
    path = panel.path()
    assert len(path) >= 2
    assert tuple(path[0]) == (0.1, 0.1)  # the seed's initial weights
    assert path[-1, 0] == ref_a.value_in(snapshot.weights, snapshot.biases)
    assert path[-1, 1] == ref_b.value_in(snapshot.weights, snapshot.biases)
    assert panel.view().landscape.current_loss == pytest.approx(snapshot.train_loss, rel=1e-12)
    # the slice's red dot is where the next full-batch step lands
    from backprop_lab.core import Trainer, seed_example

    core = Trainer(**seed_example())
    core.step(6)
    assert panel.view().slice.step_loss == pytest.approx(core.train_loss(), rel=1e-10)
    # Reset clears the path
    controller.reset()
    wait_for_epoch(qtbot, panel, 0)
    assert len(panel.path()) == 1


def test_clicked_edges_become_the_two_weights(qtbot, main_window):
    panel = show_panel(qtbot, main_window)
    first, second = ParameterRef(1, 2, 0), ParameterRef(0, 1, 2)
    main_window.network_view.select(first)
    assert panel.refs()[0] == first
    main_window.network_view.select(second)
    assert panel.refs() == (second, first)
    qtbot.waitUntil(lambda: panel.view().landscape.ref_a == second, timeout=TIMEOUT)
    # the picture is the core's landscape of these two weights
    view = panel.view().landscape
    controller = main_window.controller
    train, _test = controller.dataset()
    core = loss_landscape(
        controller.current_network(),
        train.inputs,
        train.targets,
        "half_sse",
        second,
        first,
        1.0,
        span=float(view.values_a[-1] - view.values_a[len(view.values_a) // 2]),
    )
    np.testing.assert_allclose(view.loss, core.loss, rtol=1e-12)
    with pytest.raises(ValueError):
        panel.set_refs(first, first)


def test_a_too_large_learning_rate_is_called_out(qtbot, main_window):
    panel = show_panel(qtbot, main_window)
    main_window.controller.step(20)
    wait_for_epoch(qtbot, panel, 20)
    main_window.controller.set_learning_rate(400.0)
    qtbot.waitUntil(lambda: panel.view().slice.learning_rate == 400.0, timeout=TIMEOUT)
    assert panel.view().slice.climbs
    assert "too large" in panel.slice_readout.text()


def test_nothing_is_computed_while_the_dock_is_hidden(qtbot, main_window):
    panel = show_panel(qtbot, main_window)
    main_window.docks["landscape"].hide()
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=TIMEOUT)
    panel.wait()
    count = panel.draw_count
    main_window.controller.step(3)
    qtbot.waitUntil(lambda: main_window.controller.current_snapshot().epoch == 3, timeout=TIMEOUT)
    assert not panel.request()
    assert panel.draw_count == count
    main_window.docks["landscape"].show()
    main_window.docks["landscape"].raise_()
    wait_for_epoch(qtbot, panel, 3)
    assert np.isfinite(panel.view().landscape.loss).all()
