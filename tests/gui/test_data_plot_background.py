"""The data plot computes big decision maps off the GUI thread and never shows a stale one."""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from backprop_lab.core.boundary import grid_for
from backprop_lab.core.datasets import gaussians, train_test_split
from backprop_lab.core.network import Network
from backprop_lab.core.snapshot import take_snapshot
from backprop_lab.core.trainer import Trainer
from backprop_lab.gui.data_plot import (
    MAP_RESOLUTION,
    MAP_SYNC_MULTIPLY_ADDS,
    DataPlot,
    map_multiply_adds,
)


@pytest.fixture
def plane(qtbot):
    train, test = train_test_split(gaussians(40, seed=1), 0.25, seed=0)
    plot = DataPlot(train, test)
    plot.resize(500, 450)
    qtbot.addWidget(plot)
    plot.show()
    qtbot.waitExposed(plot)
    QApplication.processEvents()
    return plot


def _wide_snapshots(train, count: int):
    net = Network([2, 64, 64, 1], ["tanh", "tanh", "sigmoid"], seed=3)
    trainer = Trainer(net, train.inputs, train.targets, learning_rate=0.5)
    out = []
    for _ in range(count):
        trainer.step(3)
        out.append(take_snapshot(trainer))
    return out


def _predict(plot, net) -> np.ndarray:
    train, test = plot.dataset()
    grid = grid_for(np.vstack([train.inputs, test.inputs]), resolution=MAP_RESOLUTION)
    return net.predict(grid.points).reshape(grid.shape)


def test_a_big_map_streamed_in_is_computed_off_the_gui_thread_and_ends_on_the_latest(qtbot, plane):
    train, _test = plane.dataset()
    snapshots = _wide_snapshots(train, 6)
    assert map_multiply_adds(snapshots[0].network(), plane._grid) > MAP_SYNC_MULTIPLY_ADDS
    computed = []
    plane._map_runner.finished.connect(computed.append)
    for snapshot in snapshots:  # a burst, as while training at full speed
        plane.set_snapshot(snapshot)
    qtbot.waitUntil(lambda: not plane.render_pending(), timeout=5000)
    assert computed  # the map came from the background runner
    latest = Network.from_arrays(
        snapshots[-1].weights, snapshots[-1].biases, ("tanh",) * 2 + ("sigmoid",)
    )
    np.testing.assert_allclose(plane.map_image.image, _predict(plane, latest), atol=1e-6)


def test_a_map_in_flight_when_the_data_changes_is_never_shown(qtbot, plane):
    train, _test = plane.dataset()
    (snapshot,) = _wide_snapshots(train, 1)
    plane.set_snapshot(snapshot)  # computed off the GUI thread
    assert plane.render_pending()
    arrived = []
    plane._map_runner.finished.connect(arrived.append)
    # New data (a wider range): the grid changes, and the map is drawn at once for it.
    moved_train, moved_test = train_test_split(gaussians(40, seed=7), 0.25, seed=0)
    moved_train = type(moved_train)(
        moved_train.inputs * 3.0,
        moved_train.targets,
        moved_train.input_names,
        moved_train.target_names,
    )
    plane.set_data(moved_train, moved_test)
    assert not plane.render_pending()
    drawn = plane.map_image.image.copy()
    net = snapshot.network()
    np.testing.assert_allclose(drawn, _predict(plane, net), atol=1e-6)
    plane._map_runner.wait()
    QApplication.processEvents()  # the old job's result, if any, is delivered now
    np.testing.assert_array_equal(plane.map_image.image, drawn)


def test_a_query_while_a_map_is_in_flight_draws_the_latest_at_once(qtbot, plane):
    train, _test = plane.dataset()
    (snapshot,) = _wide_snapshots(train, 1)
    plane.set_snapshot(snapshot)
    values = plane.heatmap_values()  # does not wait for the background
    assert not plane.render_pending()
    np.testing.assert_allclose(values, _predict(plane, snapshot.network()), atol=1e-6)
