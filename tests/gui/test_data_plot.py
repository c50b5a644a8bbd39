"""The data plot: clicks edit the right point; the map and curve equal net.predict."""

import warnings

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow
from waiting import event_loop_turn

from backprop_lab.core.boundary import grid_for
from backprop_lab.core.data import Dataset
from backprop_lab.core.datasets import gaussians, sine, train_test_split
from backprop_lab.core.limits import MAX_SAMPLES
from backprop_lab.core.network import Network
from backprop_lab.core.snapshot import take_snapshot
from backprop_lab.core.trainer import Trainer
from backprop_lab.gui.colors import ANCHOR_COLOURS, diverging_rgba
from backprop_lab.gui.data_plot import MAP_RESOLUTION, MAP_UPDATES_PER_SECOND, DataPlot
from backprop_lab.gui.point_layer import COLOUR_LEVELS
from backprop_lab.gui.steady import is_shown


@pytest.fixture
def plane(qtbot):
    train, test = train_test_split(gaussians(40, seed=1), 0.25, seed=0)
    plot = DataPlot(train, test)
    plot.resize(500, 450)
    qtbot.addWidget(plot)
    plot.show()
    qtbot.waitExposed(plot)
    plot.view_box.setRange(xRange=(-2, 2), yRange=(-2, 2), padding=0)
    QApplication.processEvents()
    return plot


def widget_pos(plot, x, y) -> QPoint:
    """Data coordinates -> scene -> the plot widget's viewport pixels."""
    scene = plot.view_box.mapViewToScene(QPointF(x, y))
    return plot.plot_widget.mapFromScene(scene)


def test_click_adds_a_point_of_the_chosen_class_where_clicked(qtbot, plane):
    plane.class_combo.setCurrentIndex(1)
    with qtbot.waitSignal(plane.point_added, timeout=1000) as blocker:
        qtbot.mouseClick(
            plane.plot_widget.viewport(),
            Qt.MouseButton.LeftButton,
            pos=widget_pos(plane, 0.5, -1.0),
        )
    row = blocker.args[0]
    assert row.shape == (3,)
    pixel = (2 - -2) / plane.view_box.width()  # one pixel in data units
    assert row[0] == pytest.approx(0.5, abs=1.5 * pixel)
    assert row[1] == pytest.approx(-1.0, abs=1.5 * pixel)
    assert row[2] == 1.0
    plane.class_combo.setCurrentIndex(0)
    with qtbot.waitSignal(plane.point_added, timeout=1000) as blocker:
        qtbot.mouseClick(
            plane.plot_widget.viewport(),
            Qt.MouseButton.LeftButton,
            pos=widget_pos(plane, -1.5, 1.5),
        )
    assert blocker.args[0][0] == pytest.approx(-1.5, abs=1.5 * pixel)
    assert blocker.args[0][2] == 0.0


def test_right_click_and_shift_click_remove_the_nearest_training_point(qtbot, plane):
    train, _ = plane.dataset()
    x, y = train.inputs[5]
    with qtbot.waitSignal(plane.point_removed, timeout=1000) as blocker:
        qtbot.mouseClick(
            plane.plot_widget.viewport(), Qt.MouseButton.RightButton, pos=widget_pos(plane, x, y)
        )
    assert blocker.args == [5]
    x, y = train.inputs[7]
    with qtbot.waitSignal(plane.point_removed, timeout=1000) as blocker:
        qtbot.mouseClick(
            plane.plot_widget.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.ShiftModifier,
            widget_pos(plane, x, y),
        )
    assert blocker.args == [7]


def test_right_click_far_from_points_removes_nothing(qtbot, plane):
    removed = []
    plane.point_removed.connect(removed.append)
    qtbot.mouseClick(
        plane.plot_widget.viewport(), Qt.MouseButton.RightButton, pos=widget_pos(plane, 1.9, -1.9)
    )
    assert removed == []
    assert "No training point" in plane.hint.text()


def _send(widget, kind, pos, buttons):
    button = Qt.MouseButton.LeftButton
    event = QMouseEvent(
        kind,
        QPointF(pos),
        widget.mapToGlobal(QPointF(pos)),
        button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def test_drag_moves_a_training_point(qtbot, plane):
    train, _ = plane.dataset()
    index = 3
    start = widget_pos(plane, *train.inputs[index])
    end = widget_pos(plane, 1.25, 0.75)
    viewport = plane.plot_widget.viewport()
    moved = []
    plane.point_moved.connect(lambda i, row: moved.append((i, row)))
    left = Qt.MouseButton.LeftButton
    _send(viewport, QMouseEvent.Type.MouseButtonPress, start, left)
    for t in np.linspace(0, 1, 6)[1:]:
        point = start + (end - start) * t
        _send(viewport, QMouseEvent.Type.MouseMove, point, left)
    pixel = 4 / plane.view_box.width()
    # While dragging, the point is drawn where the last move delivered took it (pyqtgraph
    # may merge moves), on the way from its place to the end; the others stay put.
    drawn = plane.train_scatter.positions()
    origin, target = train.inputs[index], np.array([1.25, 0.75])
    share = (drawn[index] - origin) / (target - origin)
    assert share[0] == pytest.approx(share[1], abs=0.02) and 0.1 < share[0] <= 1.01
    others = np.arange(train.n_samples) != index
    np.testing.assert_array_equal(drawn[others], train.inputs[others])
    _send(viewport, QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)
    assert len(moved) == 1
    i, row = moved[0]
    assert i == index
    assert row[0] == pytest.approx(1.25, abs=1.5 * pixel)
    assert row[1] == pytest.approx(0.75, abs=1.5 * pixel)
    assert row[2] == train.targets[index, 0]  # the class stays


def test_heatmap_is_net_predict_on_the_grid(qtbot, plane):
    net = Network([2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], seed=5)
    plane.set_network(net)
    image = plane.map_image.image
    np.testing.assert_array_equal(image, plane.heatmap_values())
    assert image.shape == (MAP_RESOLUTION, MAP_RESOLUTION)
    train, test = plane.dataset()
    grid = grid_for(np.vstack([train.inputs, test.inputs]), resolution=MAP_RESOLUTION)
    expected = net.predict(grid.points).reshape(grid.shape)
    np.testing.assert_allclose(image, expected, atol=1e-6)
    # The image's pixel (i, j) sits on grid point (xs[j], ys[i]).
    rect = plane.map_image.mapRectToParent(plane.map_image.boundingRect())
    step = grid.xs[1] - grid.xs[0]
    assert rect.left() == pytest.approx(grid.xs[0] - step / 2)
    assert rect.width() == pytest.approx(step * MAP_RESOLUTION)
    assert plane.map_image.levels is not None


def test_heatmap_follows_snapshots(qtbot, plane):
    train, test = plane.dataset()
    net = Network([2, 4, 1], ["tanh", "sigmoid"], seed=0)
    trainer = Trainer(net, train.inputs, train.targets, learning_rate=0.5)
    plane.set_snapshot(take_snapshot(trainer))
    before = plane.heatmap_values().copy()
    trainer.step(20)
    plane.set_snapshot(take_snapshot(trainer))
    after = plane.heatmap_values()
    assert not np.allclose(before, after)
    grid = grid_for(np.vstack([train.inputs, test.inputs]), resolution=MAP_RESOLUTION)
    np.testing.assert_allclose(
        after, trainer.net.predict(grid.points).reshape(grid.shape), atol=1e-6
    )


def test_fitted_curve_equals_predict_and_click_adds_x_and_target(qtbot):
    data = sine(30, seed=2)
    plot = DataPlot(data)
    plot.resize(400, 300)
    qtbot.addWidget(plot)
    plot.show()
    qtbot.waitExposed(plot)
    assert plot.mode() == "curve"
    net = Network([1, 6, 1], ["tanh", "linear"], seed=1)
    plot.set_network(net)
    xs, outputs = plot.curve_values()
    np.testing.assert_array_equal(outputs, net.predict(xs[:, None]))
    drawn_x, drawn_y = plot.fitted_curve_item.getData()
    np.testing.assert_array_equal(drawn_y, outputs[:, 0])
    assert drawn_x[0] < data.inputs.min() and drawn_x[-1] > data.inputs.max()
    assert plot.heatmap_values() is None
    plot.view_box.setRange(xRange=(0, 1), yRange=(-1, 1), padding=0)
    QApplication.processEvents()
    with qtbot.waitSignal(plot.point_added, timeout=1000) as blocker:
        qtbot.mouseClick(
            plot.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=widget_pos(plot, 0.5, 0.25)
        )
    assert blocker.args[0] == pytest.approx([0.5, 0.25], abs=0.02)


def test_other_input_counts_get_a_clear_message(qtbot):
    data = Dataset(np.zeros((3, 3)), np.zeros((3, 1)), ("a", "b", "c"), ("t",))
    plot = DataPlot(data)
    qtbot.addWidget(plot)
    assert plot.mode() == "none"
    assert plot.stack.currentWidget() is plot.message
    assert "needs 1 or 2 inputs" in plot.message.text() and "3" in plot.message.text()
    plot.set_network(Network([3, 2, 1]))
    assert plot.heatmap_values() is None and plot.curve_values() is None


def test_snapshot_of_a_stale_network_is_ignored(qtbot, plane):
    plane.set_network(Network([1, 2, 1]))
    assert plane.heatmap_values() is None


def test_regression_points_and_new_point_value(qtbot):
    data = Dataset(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[2.0], [4.0]]), ("a", "b"), ("y",))
    plot = DataPlot(data)
    qtbot.addWidget(plot)
    assert not plot.class_combo.isVisibleTo(plot)
    plot.target_spin.setValue(3.5)
    np.testing.assert_array_equal(plot.new_point_targets(), [3.5])
    drawn = plot.train_scatter.drawn_colours("brush")
    assert tuple(drawn[0]) != tuple(drawn[1])


def _snapshots(train, count: int, epochs_between: int = 5):
    net = Network([2, 4, 1], ["tanh", "sigmoid"], seed=3)
    trainer = Trainer(net, train.inputs, train.targets, learning_rate=0.5)
    out = []
    for _ in range(count):
        trainer.step(epochs_between)
        out.append(take_snapshot(trainer))
    return out


def _predict_on_grid(plot, snapshot) -> np.ndarray:
    train, test = plot.dataset()
    grid = grid_for(np.vstack([train.inputs, test.inputs]), resolution=MAP_RESOLUTION)
    net = Network.from_arrays(snapshot.weights, snapshot.biases, snapshot.activations)
    return net.predict(grid.points).reshape(grid.shape)


def test_streamed_snapshots_draw_fewer_maps_and_end_on_the_latest(qtbot, plane):
    train, _test = plane.dataset()
    snapshots = _snapshots(train, 12)
    before = plane.render_count
    for snapshot in snapshots:  # a burst, as while training at full speed
        plane.set_snapshot(snapshot)
    assert plane.render_count - before < len(snapshots)  # most were not drawn
    # The timer draws the latest one without being asked.
    qtbot.waitUntil(lambda: not plane.render_pending(), timeout=2000)
    np.testing.assert_allclose(
        plane.map_image.image, _predict_on_grid(plane, snapshots[-1]), atol=1e-6
    )
    assert plane.next_render_interval() >= 1.0 / MAP_UPDATES_PER_SECOND


def test_a_map_tabbed_away_is_not_drawn_until_its_tab_is_shown(qtbot):
    train, test = train_test_split(gaussians(40, seed=1), 0.25, seed=0)
    window = QMainWindow()
    qtbot.addWidget(window)
    plot = DataPlot(train, test)
    plot_dock = QDockWidget("Data plot", window)
    plot_dock.setWidget(plot)
    other_dock = QDockWidget("Other", window)
    other_dock.setWidget(QLabel("another panel"))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, plot_dock)
    window.tabifyDockWidget(plot_dock, other_dock)
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    other_dock.raise_()
    qtbot.waitUntil(lambda: not is_shown(plot), timeout=1000)
    assert plot.isVisible()  # Qt moves a tabbed-away dock off screen; it does not hide it
    before = plot.render_count
    snapshots = _snapshots(train, 3)
    for snapshot in snapshots:
        plot.set_snapshot(snapshot)
    # Tabbed away: no redraw is even scheduled, and none happens in the meantime.
    assert not plot._render_timer.isActive()
    event_loop_turn(qtbot)
    assert plot.render_count == before and plot.render_pending()
    plot_dock.raise_()
    qtbot.waitUntil(lambda: not plot.render_pending(), timeout=2000)
    assert plot.render_count == before + 1
    np.testing.assert_allclose(
        plot.map_image.image, _predict_on_grid(plot, snapshots[-1]), atol=1e-6
    )


def test_the_grid_follows_the_axis_ticks_and_sits_between_map_and_points(qtbot, plane):
    low, high = plane.view_box.viewRange()[0]  # 1:1 may widen the -2..2 asked for
    ticks = plane.plot_item.getAxis("bottom").tickValues(low, high, plane.view_box.width())
    assert plane.grid.values("bottom") == sorted(float(v) for v in ticks[0][1])
    assert plane.plot_item.getAxis("bottom").grid is False  # not the axes' costly grid
    z_grid = plane.grid.lines[0].zValue()
    assert plane.map_image.zValue() < z_grid < plane.train_scatter.zValue()


def test_huge_regression_values_colour_the_map_without_overflow(qtbot):
    rng = np.random.default_rng(4)
    inputs = rng.uniform(size=(6, 2))
    targets = rng.uniform(size=(6, 1)) * 1e150
    data = Dataset(inputs, targets, ("a", "b"), ("y",))
    plot = DataPlot(data)
    plot.resize(400, 300)
    qtbot.addWidget(plot)
    plot.show()
    qtbot.waitExposed(plot)
    net = Network([2, 3, 1], ["linear", "linear"], seed=0)
    net.weights = [w * 1e150 for w in net.weights[:1]] + net.weights[1:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pyqtgraph's float32 overflow would fail here
        plot.set_network(net)
        plot.grab()
    grid = grid_for(inputs, resolution=MAP_RESOLUTION)
    values = plot.heatmap_values()
    np.testing.assert_allclose(values, net.predict(grid.points).reshape(grid.shape), rtol=1e-9)
    # The image holds the same picture: each pixel's place in the colour range.
    centre, half = plot._colour_range()
    low, high = plot.map_image.levels
    np.testing.assert_allclose(
        (plot.map_image.image - low) / (high - low),
        np.clip((values - centre) / half, -2, 2) / 2 + 0.5,
        atol=1e-9,
    )


def test_two_input_data_is_shown_one_to_one_and_curves_are_not(qtbot, plane):
    assert plane.aspect_locked()
    x_range, y_range = plane.view_box.viewRange()
    pixels = plane.view_box.boundingRect()
    x_per_pixel = (x_range[1] - x_range[0]) / pixels.width()
    y_per_pixel = (y_range[1] - y_range[0]) / pixels.height()
    assert abs(x_per_pixel / y_per_pixel - 1.0) < 0.02


def test_unitless_axes_get_no_si_prefix(plane):
    for name in ("left", "bottom"):
        assert not plane.plot_item.getAxis(name).autoSIPrefix


def test_the_frame_follows_a_dark_palette_and_the_grid_is_translucent(qtbot, plane):
    from PySide6.QtGui import QColor, QPalette

    dark = QPalette(plane.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor(30, 30, 30))
    dark.setColor(QPalette.ColorRole.Text, QColor(230, 230, 230))
    plane.setPalette(dark)
    QApplication.processEvents()
    assert plane.plot_widget.backgroundBrush().color() == QColor(30, 30, 30)
    assert plane.plot_item.getAxis("left").textPen().color() == QColor(230, 230, 230)
    # Grid lines over the decision map are see-through, not near-white stripes.
    assert all(line.opts["pen"].color().alpha() < 255 for line in plane.grid.lines.values())


def test_many_points_are_drawn_as_one_array_per_colour(qtbot):
    """20,000 training and 5,000 test samples: one scatter item (one pen, one brush) per
    class, each holding that class's points as arrays; every point has its class colour."""
    rng = np.random.default_rng(7)
    n_train, n_test = MAX_SAMPLES, 5000
    inputs = rng.normal(size=(n_train + n_test, 2))
    targets = (inputs[:, :1] + inputs[:, 1:] > 0).astype(float)
    data = Dataset(inputs, targets, ("x1", "x2"), ("t",), "classification")
    train, test = data.subset(np.arange(n_train)), data.subset(np.arange(n_train, n_train + n_test))
    plot = DataPlot(train, test)
    qtbot.addWidget(plot)
    plot.resize(500, 450)
    plot.show()
    qtbot.waitExposed(plot)
    deep = ANCHOR_COLOURS[[0, -1]].astype(np.uint8)
    assert plot.train_scatter.item_count() == 2 and plot.test_scatter.item_count() == 2
    assert sum(len(item.data) for item in plot.train_scatter.items) == n_train
    fills = plot.train_scatter.drawn_colours("brush")[:, :3]
    np.testing.assert_array_equal(fills, deep[train.targets[:, 0].astype(int)])
    np.testing.assert_array_equal(plot.train_scatter.positions(), train.inputs)
    # Test points: hollow squares outlined in their class colour.
    outlines = plot.test_scatter.drawn_colours("pen")[:, :3]
    np.testing.assert_array_equal(outlines, deep[test.targets[:, 0].astype(int)])
    assert {tuple(c) for c in plot.test_scatter.drawn_colours("brush")} == {(255, 255, 255, 200)}
    for item in plot.train_scatter.items:
        x, y = item.getData()
        assert len(x) == len(y) and item.opts["brush"] is not None
    plot.set_show_test(False)
    assert not any(item.isVisible() for item in plot.test_scatter.items)


def test_regression_shades_are_grouped_but_look_the_same(qtbot):
    rng = np.random.default_rng(8)
    inputs = rng.uniform(-1, 1, size=(3000, 2))
    targets = np.sin(3 * inputs[:, :1]) * 5 + 2
    plot = DataPlot(Dataset(inputs, targets, ("a", "b"), ("y",), "regression"))
    qtbot.addWidget(plot)
    centre, half = plot._colour_range()
    exact = diverging_rgba(targets[:, 0] - centre, half).astype(int)
    drawn = plot.train_scatter.drawn_colours("brush").astype(int)
    assert np.abs(drawn - exact).max() <= 3  # out of 255: not visible
    assert 2 < plot.train_scatter.item_count() <= COLOUR_LEVELS


def test_new_data_outside_the_view_is_shown_whole_and_an_edit_keeps_the_zoom(qtbot, plane):
    train, test = plane.dataset()
    plane.view_box.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
    QApplication.processEvents()
    before = plane.view_box.viewRange()
    # An edit (one more point inside the view) keeps the user's range.
    row = np.array([[0.1, 0.2]])
    edited = Dataset(
        np.vstack([train.inputs, row]),
        np.vstack([train.targets, [[1.0]]]),
        train.input_names,
        train.target_names,
    )
    plane.set_data(edited, test)
    after = plane.view_box.viewRange()
    # (1:1 may widen x a little when the hint below the plot rewraps.)
    assert after[1] == before[1] and after[0] == pytest.approx(before[0], rel=0.02)
    # Other data, far away (an imported file with the same columns): shown whole.
    far = Dataset(train.inputs + 100.0, train.targets, train.input_names, train.target_names)
    plane.set_data(far, None)
    (x0, x1), (y0, y1) = plane.view_box.viewRange()
    assert x0 <= far.inputs[:, 0].min() and far.inputs[:, 0].max() <= x1
    assert y0 <= far.inputs[:, 1].min() and far.inputs[:, 1].max() <= y1
