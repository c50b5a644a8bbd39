"""The live loss plot keeps every epoch, draws lazily, reads out on hover and exports exactly."""

from __future__ import annotations

import csv
import math
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage
from waiting import event_loop_turn, process_events

from backprop_lab.core import Trainer, seed_example
from backprop_lab.core.loss_history import LossHistory
from backprop_lab.gui.loss_plot import (
    DISPLAY_LIMIT,
    MAX_REPAINT_INTERVAL_MS,
    REPAINT_INTERVAL_MS,
    LossPlot,
    MinMaxPyramid,
    _close_path_data,
    decimated,
    next_repaint_interval_ms,
)


@pytest.fixture
def plot(qtbot):
    widget = LossPlot("half_sse")
    qtbot.addWidget(widget)
    widget.resize(640, 400)
    return widget


def _seed_losses(epochs: int) -> tuple[np.ndarray, np.ndarray]:
    trainer = Trainer(**seed_example())
    records = trainer.step(epochs)
    return (
        np.array([r.epoch for r in records], dtype=np.int64),
        np.array([r.train_loss for r in records]),
    )


def test_history_keeps_every_appended_point_over_many_appends(plot):
    rng = np.random.default_rng(1)
    total = 0
    sizes = rng.integers(1, 3000, size=120)
    all_train, all_test = [], []
    for size in sizes:
        epochs = np.arange(total + 1, total + size + 1)
        train = rng.random(size)
        test = rng.random(size)
        plot.append(epochs, train, test)
        total += size
        all_train.append(train)
        all_test.append(test)
        assert plot.point_count() == total
    assert total > 100_000
    epochs, train, test = plot.history()
    assert epochs.dtype == np.int64 and train.dtype == np.float64
    np.testing.assert_array_equal(epochs, np.arange(1, total + 1))
    np.testing.assert_array_equal(train, np.concatenate(all_train))
    np.testing.assert_array_equal(test, np.concatenate(all_test))
    # Amortised doubling: capacity stays within twice what is stored (24 bytes an epoch,
    # and about 2.3 for each curve's min/max pyramid).
    assert plot.memory_bytes() <= 2 * 29 * total


def test_history_returns_copies(plot):
    plot.append(np.array([1, 2]), np.array([0.5, 0.25]), np.array([np.nan, np.nan]))
    epochs, train, _ = plot.history()
    train[0] = 99.0
    epochs[0] = 99
    assert plot.history()[1][0] == 0.5
    assert plot.history()[0][0] == 1


def test_clear_empties_the_plot(plot, qtbot):
    plot.show()
    plot.append(np.arange(1, 11), np.linspace(1, 0.1, 10), np.full(10, np.nan))
    plot.flush()
    assert plot.train_curve.getData()[0] is not None
    plot.clear()
    assert plot.point_count() == 0
    assert all(a.size == 0 for a in plot.history())
    plot.flush()
    assert plot.train_curve.getData()[0] is None
    assert plot.readout_text() == "No epochs trained yet"


def test_seed_losses_from_the_core_are_stored_exactly(plot):
    epochs, train = _seed_losses(50)
    plot.append(epochs[:20], train[:20], np.full(20, np.nan))
    plot.append(epochs[20:], train[20:], None)
    stored_epochs, stored_train, stored_test = plot.history()
    np.testing.assert_array_equal(stored_epochs, np.arange(1, 51))
    np.testing.assert_array_equal(stored_train, train)
    assert np.isnan(stored_test).all()


def test_bad_input_is_refused_and_the_history_kept(plot):
    plot.append(np.array([1, 2, 3]), np.array([0.3, 0.2, 0.1]), np.array([0.4, 0.3, 0.2]))
    before = plot.history()
    with pytest.raises(ValueError, match="epochs but 2 training losses"):
        plot.append(np.array([4, 5, 6]), np.array([0.1, 0.1]), np.array([0.1, 0.1, 0.1]))
    with pytest.raises(ValueError, match="strictly increasing"):
        plot.append(np.array([5, 4]), np.array([0.1, 0.1]), np.array([0.1, 0.1]))
    with pytest.raises(ValueError, match="whole numbers"):
        plot.append(np.array([4.5]), np.array([0.1]), np.array([0.1]))
    with pytest.raises(ValueError, match="1-D"):
        plot.set_history(np.ones((2, 2)), np.ones((2, 2)), None)
    after = plot.history()
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)


def test_appending_an_earlier_epoch_replaces_the_later_history(plot):
    """After a rewind, training resumes from an earlier epoch: one history, not two."""
    plot.append(np.arange(1, 11), np.arange(10.0), np.full(10, np.nan))
    plot.append(np.array([6, 7]), np.array([60.0, 70.0]), np.array([1.0, 2.0]))
    epochs, train, test = plot.history()
    np.testing.assert_array_equal(epochs, [1, 2, 3, 4, 5, 6, 7])
    np.testing.assert_array_equal(train, [0, 1, 2, 3, 4, 60, 70])
    np.testing.assert_array_equal(test, [np.nan] * 5 + [1.0, 2.0])
    assert plot.has_test_loss()


def test_set_history_replaces_everything(plot):
    plot.append(np.arange(1, 6), np.ones(5), np.ones(5))
    plot.set_history(np.array([10, 20]), np.array([0.5, 0.25]), np.array([np.nan, np.nan]))
    epochs, train, _ = plot.history()
    np.testing.assert_array_equal(epochs, [10, 20])
    np.testing.assert_array_equal(train, [0.5, 0.25])
    assert not plot.has_test_loss()


def test_test_curve_hidden_without_test_losses(plot):
    plot.show()
    plot.append(np.arange(1, 6), np.linspace(1, 0.5, 5), np.full(5, np.nan))
    plot.flush()
    assert not plot.test_curve.isVisible()
    assert [label.text for _, label in plot.legend.items] == ["training"]
    plot.append(np.arange(6, 9), np.linspace(0.4, 0.3, 3), np.array([0.5, 0.45, 0.4]))
    plot.flush()
    assert plot.test_curve.isVisible()
    assert [label.text for _, label in plot.legend.items] == ["training", "test"]
    _x, y = plot.test_curve.getData()
    np.testing.assert_array_equal(y[-3:], [0.5, 0.45, 0.4])
    plot.clear()
    plot.flush()
    assert not plot.test_curve.isVisible()
    assert [label.text for _, label in plot.legend.items] == ["training"]


def test_log_y_with_zero_and_negative_losses_does_not_crash(plot, qtbot):
    plot.show()
    plot.append(np.arange(1, 6), np.array([1.0, 0.1, 0.0, -1e-3, 0.01]), np.zeros(5))
    plot.set_log_y(True)
    assert plot.log_y() and plot.log_checkbox.isChecked()
    assert plot.plot_item.getAxis("left").logMode
    plot.flush()
    image = plot.grab().toImage()
    assert not image.isNull()
    plot.log_checkbox.setChecked(False)
    assert not plot.log_y()
    assert not plot.plot_item.getAxis("left").logMode
    plot.grab()


def test_all_zero_losses_in_log_mode(plot):
    plot.show()
    plot.set_log_y(True)
    plot.append(np.arange(1, 4), np.zeros(3), np.full(3, np.nan))
    plot.flush()
    assert not plot.grab().toImage().isNull()


def test_csv_export_round_trips_exactly(plot, tmp_path):
    epochs, train = _seed_losses(30)
    test = train * 1.1 + 1e-17
    test[:5] = np.nan  # epochs without a test loss
    plot.append(epochs, train, test)
    path = tmp_path / "loss.csv"
    plot.export_csv(path)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["epoch", "train_loss", "test_loss"]
    assert len(rows) == 31
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 31))
    assert [float(r[1]) for r in rows[1:]] == train.tolist()
    assert [r[2] for r in rows[1:6]] == [""] * 5
    assert [float(r[2]) for r in rows[6:]] == test[5:].tolist()


def test_csv_export_without_test_set_has_empty_cells(plot, tmp_path):
    plot.append(np.array([1, 2]), np.array([0.1, 1e-300]), None)
    path = tmp_path / "loss.csv"
    plot.export_csv(path)
    assert path.read_text(encoding="utf-8").splitlines() == [
        "epoch,train_loss,test_loss",
        "1,0.1,",
        "2,1e-300,",
    ]


def test_png_and_svg_export_write_valid_files(plot, tmp_path):
    plot.show()
    epochs, train = _seed_losses(40)
    plot.append(epochs, train, train * 1.2)
    plot.set_marker(20)
    png = tmp_path / "loss.png"
    plot.export_image(png)
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 800
    svg = tmp_path / "loss.svg"
    plot.export_image(svg)
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert root.iter("{http://www.w3.org/2000/svg}path") is not None
    assert "loss (half_sse)" in svg.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        plot.export_image(tmp_path / "loss.gif")


def test_svg_close_path_rewrite():
    assert _close_path_data("M0,0 L5,0 L5,5 L0,0 Z") == "M0,0 L5,0 L5,5 L0,0 L0,0"
    assert _close_path_data("M1,1 L2,2Z M3,3 L4,4") == "M1,1 L2,2 L1,1 M3,3 L4,4"


def test_repaint_is_coalesced_and_skipped_while_hidden(plot, qtbot):
    plot.append(np.arange(1, 4), np.array([0.3, 0.2, 0.1]), None)
    assert not plot._repaint_timer.isActive()  # hidden: no repaint even scheduled
    event_loop_turn(qtbot)
    assert plot.train_curve.getData()[0] is None  # stored, not drawn
    plot.show()
    qtbot.waitUntil(lambda: plot.train_curve.getData()[0] is not None, timeout=2000)
    plot.append(np.arange(4, 6), np.array([0.05, 0.04]), None)
    plot.append(np.arange(6, 8), np.array([0.03, 0.02]), None)
    assert plot.train_curve.getData()[0].size == 3  # not repainted per append
    qtbot.waitUntil(lambda: plot.train_curve.getData()[0].size == 7, timeout=2000)


def test_hover_readout_shows_nearest_epoch(plot, qtbot):
    plot.show()
    epochs, train = _seed_losses(20)
    test = train + 0.01
    plot.append(epochs, train, test)
    plot.flush()
    process_events()
    view_box = plot.plot_item.getViewBox()

    def hover(epoch: float, loss: float) -> None:
        plot._on_mouse_moved(view_box.mapViewToScene(QPointF(epoch, loss)))

    hover(7.3, float(train[6]))
    assert plot.hovered_epoch() == 7
    text = plot.readout_text()
    assert "epoch 7" in text
    assert f"training {train[6]:.6g}" in text
    assert f"test {test[6]:.6g}" in text
    assert plot.readout_label.text() == text
    assert plot.hover_line.isVisible() and plot.hover_line.value() == 7
    hover(7.6, float(train[7]))
    assert plot.hovered_epoch() == 8
    assert f"training {train[7]:.6g}" in plot.readout_label.text()
    # Outside the plot area: back to the latest epoch.
    plot._on_mouse_moved(QPointF(-50.0, -50.0))
    assert plot.hovered_epoch() is None
    assert plot.readout_text().startswith("latest: epoch 20")
    assert not plot.hover_line.isVisible()


def test_hover_readout_in_log_mode(plot, qtbot):
    plot.show()
    plot.append(np.arange(1, 101), np.geomspace(1, 1e-4, 100), None)
    plot.set_log_y(True)
    plot.flush()
    process_events()
    view_box = plot.plot_item.getViewBox()
    plot._on_mouse_moved(view_box.mapViewToScene(QPointF(50.2, math.log10(0.01))))
    assert plot.hovered_epoch() == 50
    assert f"training {np.geomspace(1, 1e-4, 100)[49]:.6g}" in plot.readout_text()


def test_nearest_index(plot):
    assert plot.nearest_index(3.0) is None
    plot.append(np.array([10, 20, 30]), np.array([1.0, 2.0, 3.0]), None)
    assert plot.nearest_index(-5) == 0
    assert plot.nearest_index(14.9) == 0
    assert plot.nearest_index(15.1) == 1
    assert plot.nearest_index(1000) == 2
    assert plot.nearest_index(float("nan")) is None


def test_marker_and_labels(plot):
    plot.set_marker(12)
    assert plot.marker() == 12
    assert plot.marker_line.isVisible() and plot.marker_line.value() == 12
    assert plot.marker_line.label.format == "epoch 12"
    plot.set_marker(None)
    assert plot.marker() is None and not plot.marker_line.isVisible()
    plot.set_loss_name("mse")
    assert plot.plot_item.getAxis("left").labelText == "loss (mse)"
    assert plot.plot_item.getAxis("bottom").labelText == "epoch"


def test_million_epochs_memory_and_drawn_points_are_bounded(plot, qtbot):
    plot.show()
    n = 1_000_000
    epochs = np.arange(1, n + 1)
    train = 1.0 / np.sqrt(epochs)
    for start in range(0, n, 250_000):
        plot.append(epochs[start : start + 250_000], train[start : start + 250_000], None)
    assert plot.point_count() == n
    assert plot.memory_bytes() <= 2 * 29 * n
    plot.flush()
    plot.grab()
    # What is drawn is downsampled to about two points a pixel column, not a million.
    drawn_x, drawn_y = plot.train_curve.getData()
    assert drawn_x.size < 10_000
    assert drawn_y.max() == pytest.approx(1.0)  # peak downsampling keeps the extremes
    np.testing.assert_array_equal(plot.history()[1], train)


def _growing_pyramid(values: np.ndarray, rng) -> MinMaxPyramid:
    """A pyramid fed ``values`` in random-sized pieces, as the plot is while training."""
    pyramid = MinMaxPyramid()
    stored = 0
    while stored < values.size:
        stored = min(values.size, stored + int(rng.integers(1, 700)))
        pyramid.update(values[:stored])
    return pyramid


def _check_buckets(pyramid, values, start, stop, max_buckets):
    starts, lows, highs = pyramid.buckets(values, start, stop, max_buckets)
    assert starts.size <= max_buckets + 2
    ends = np.r_[starts[1:], min(values.size, starts[-1] + (starts[1] - starts[0]))]
    assert starts[0] <= start and ends[-1] >= stop  # the buckets cover the range ...
    np.testing.assert_array_equal(starts[1:], ends[:-1])  # ... without gaps or overlaps
    for first, end, low, high in zip(starts, ends, lows, highs, strict=True):
        piece = values[first:end]
        if np.isnan(piece).all():
            assert np.isnan(low) and np.isnan(high)
        else:  # exactly the bucket's own extremes, NaN ignored
            assert low == np.nanmin(piece) and high == np.nanmax(piece)


def test_pyramid_buckets_hold_the_exact_min_and_max_of_every_bucket():
    rng = np.random.default_rng(3)
    values = rng.normal(size=60_000).cumsum()
    values[rng.integers(0, values.size, 300)] = np.nan
    values[20_000:20_700] = np.nan  # a stretch without values
    values[12_345] = 1e6  # one spike
    pyramid = _growing_pyramid(values, rng)
    for start, stop, max_buckets in [
        (0, values.size, 500),
        (0, values.size, 37),
        (1_001, 59_999, 640),
        (12_000, 12_400, 50),
        (59_000, 60_000, 3),
        (7, 9, 100),
    ]:
        _check_buckets(pyramid, values, start, stop, max_buckets)
    _starts, lows, highs = pyramid.buckets(values, 0, values.size, 500)
    assert np.nanmax(highs) == 1e6 and np.nanmin(lows) == np.nanmin(values)


def test_pyramid_after_truncation_equals_a_fresh_one():
    rng = np.random.default_rng(4)
    values = rng.random(10_000)
    pyramid = _growing_pyramid(values, rng)
    pyramid.truncate(4_321)
    replaced = values.copy()
    replaced[4_321:] = rng.random(10_000 - 4_321) + 5.0
    pyramid.update(replaced)
    fresh = MinMaxPyramid()
    fresh.update(replaced)
    assert len(pyramid.levels) == len(fresh.levels)
    for (low, high), (fresh_low, fresh_high) in zip(pyramid.levels, fresh.levels, strict=True):
        np.testing.assert_array_equal(low.data, fresh_low.data)
        np.testing.assert_array_equal(high.data, fresh_high.data)
    _check_buckets(pyramid, replaced, 0, replaced.size, 300)


def test_decimated_curve_is_bounded_and_keeps_peaks_and_ends():
    n = 200_000
    epochs = np.arange(1, n + 1)
    values = 1.0 / np.sqrt(epochs)
    values[123_457] = 7.0
    values[150_001] = -3.0
    pyramid = MinMaxPyramid()
    pyramid.update(values)
    x, y = decimated(pyramid, epochs, values, 0, n, 400)
    assert x.size <= 2 * (400 + 2) + 2
    assert y.max() == 7.0 and y.min() == -3.0
    assert (x[0], y[0]) == (1.0, 1.0) and (x[-1], y[-1]) == (float(n), values[-1])
    assert np.all(np.diff(x) >= 0)
    # Few values: drawn as they are.
    x, y = decimated(pyramid, epochs, values, 10, 20, 400)
    np.testing.assert_array_equal(x, epochs[10:20])
    np.testing.assert_array_equal(y, values[10:20])


def test_repaint_interval_adapts_to_the_cost_of_a_repaint(plot, qtbot):
    assert next_repaint_interval_ms(0.0) == REPAINT_INTERVAL_MS
    assert next_repaint_interval_ms(0.005) == REPAINT_INTERVAL_MS
    assert next_repaint_interval_ms(0.05) == 200
    assert next_repaint_interval_ms(30.0) == MAX_REPAINT_INTERVAL_MS
    plot.show()
    qtbot.waitExposed(plot)
    plot.append(np.arange(1, 11), np.linspace(1, 0.1, 10), None)
    plot.flush()
    plot.plot_widget.last_paint_seconds = 0.1  # as if the last repaint took 100 ms
    assert plot.repaint_interval_ms() >= 400
    plot.append(np.arange(11, 13), np.array([0.09, 0.08]), None)
    assert plot._repaint_timer.interval() >= 400
    plot.plot_widget.last_paint_seconds = 0.0
    plot.flush()
    assert plot.repaint_interval_ms() < 400


def test_view_follows_the_data_without_relayout_every_frame(plot, qtbot):
    plot.show()
    qtbot.waitExposed(plot)
    view_box = plot.view_box
    changes = []
    view_box.sigRangeChanged.connect(lambda *args: changes.append(view_box.viewRange()))
    losses = 1.0 / np.sqrt(np.arange(1, 5001))
    plot.append(np.arange(1, 1001), losses[:1000], None)
    plot.flush()
    plot.grab()
    changes.clear()
    for start in range(1001, 1201, 20):  # 20 more epochs a frame: inside the headroom
        plot.append(np.arange(start, start + 20), losses[start - 1 : start + 19], None)
        plot.flush()
        plot.grab()
    assert changes == []
    (x_low, x_high), (y_low, y_high) = view_box.viewRange()
    assert x_low <= 1 and x_high >= 1200 and y_low <= losses[1199] and y_high >= 1.0
    plot.append(np.arange(1201, 5001), losses[1200:], None)  # outgrown: a new range
    plot.flush()
    plot.grab()
    assert changes and view_box.viewRange()[0][1] >= 5000
    assert plot.grid_values("bottom")  # the grid follows the axis ticks
    ticks = plot.plot_item.getAxis("left").tickValues(*view_box.viewRange()[1], view_box.height())
    assert plot.grid_values("left") == sorted(float(v) for v in ticks[0][1])


def test_zoomed_in_draws_only_the_visible_epochs_until_view_all(plot, qtbot):
    plot.show()
    qtbot.waitExposed(plot)
    n = 100_000
    epochs = np.arange(1, n + 1)
    train = 1.0 / np.sqrt(epochs)
    plot.append(epochs, train, None)
    plot.flush()
    plot.view_box.setXRange(50_000, 50_100, padding=0)  # as a mouse zoom does
    assert not plot.view_box.autoRangeEnabled()[0]
    qtbot.waitUntil(lambda: plot.train_curve.getData()[0].size < 200, timeout=2000)
    x, y = plot.train_curve.getData()
    assert x.min() >= 49_999 and x.max() <= 50_102
    np.testing.assert_array_equal(y, train[x.astype(int) - 1])  # every epoch, exactly
    plot.view_box.autoRange()  # "View All"
    assert plot.view_box.autoRangeEnabled()[0]
    plot.flush()
    assert plot.train_curve.getData()[0].max() == n


def test_huge_finite_losses_are_drawn_clipped_but_stored_exactly(plot, qtbot):
    plot.show()
    qtbot.waitExposed(plot)
    train = np.array([1e300, 1.7e308, 3e38, 1e39, 5.0])
    test = np.array([1e308, 2.0, np.nan, 1e-300, -1.7e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pyqtgraph's overflow warnings would fail here
        plot.append(np.arange(1, 6), train, test)
        plot.flush()
        plot.grab()
        (_x_low, _x_high), (y_low, y_high) = plot.view_box.viewRange()
        assert np.isfinite([y_low, y_high]).all() and y_high >= 1e300  # the data is in view
        plot.set_log_y(True)
        plot.grab()
    _epochs, stored_train, stored_test = plot.history()
    np.testing.assert_array_equal(stored_train, train)
    np.testing.assert_array_equal(stored_test, test)
    drawn = plot.train_curve.getData()[1]
    assert np.nanmax(np.abs(drawn)) <= DISPLAY_LIMIT


def _wait_for_paint(qtbot, plot, before: int) -> int:
    qtbot.waitUntil(lambda: plot.plot_widget.paint_count > before)
    event_loop_turn(qtbot)
    event_loop_turn(qtbot)
    return plot.plot_widget.paint_count - before


def test_new_data_repaints_the_plot_once_also_when_the_range_grows(plot, qtbot):
    """pyqtgraph fits the range while painting and then paints everything again; the
    plot fits it before, so each batch of losses costs one paint, range change or not."""
    plot.show()
    qtbot.waitExposed(plot)
    plot.append(np.arange(1, 11), np.linspace(1.0, 0.5, 10), None)
    plot.flush()
    _wait_for_paint(qtbot, plot, 0)
    start, changed, counts = 10, 0, []
    for size in (10, 40, 200, 5, 3000, 20_000, 7, 100_000):
        epochs = np.arange(start + 1, start + size + 1)
        before_range = plot.view_box.viewRange()
        before = plot.plot_widget.paint_count
        plot.append(epochs, 1.0 / epochs, None)
        plot.flush()
        counts.append(_wait_for_paint(qtbot, plot, before))
        changed += plot.view_box.viewRange() != before_range
        start += size
    assert counts == [1] * len(counts)
    assert changed >= 3  # the range did grow along the way
    x, _y = plot.train_curve.getData()
    assert x[-1] == start and plot.view_box.viewRange()[0][1] >= start


def test_a_growing_history_decimates_as_a_fresh_one_would(plot, qtbot):
    """The plot reduces only the new buckets of a growing history (and none of a
    truncated one's old ones): what it draws equals a decimation from scratch."""
    plot.show()
    rng = np.random.default_rng(8)
    total, train_all, test_all = 0, [], []
    for step in range(40):
        size = int(rng.integers(500, 30_000))
        epochs = np.arange(total + 1, total + size + 1)
        train, test = rng.random(size), rng.random(size)
        if step == 25:  # training went back: later epochs are replaced by new values
            total = total // 2
            epochs = np.arange(total + 1, total + size + 1)
            del_at = total
            train_all = [np.concatenate(train_all)[:del_at]]
            test_all = [np.concatenate(test_all)[:del_at]]
        plot.append(epochs, train, test)
        total += size
        train_all.append(train)
        test_all.append(test)
        plot.flush()
        every_train, every_test = np.concatenate(train_all), np.concatenate(test_all)
        buckets = plot.drawn_bucket_count()
        for curve, values in ((plot.train_curve, every_train), (plot.test_curve, every_test)):
            fresh = MinMaxPyramid()
            fresh.update(values)
            x, y = decimated(fresh, np.arange(1, total + 1), values, 0, total, buckets)
            drawn_x, drawn_y = curve.getData()
            np.testing.assert_array_equal(drawn_x, x)
            np.testing.assert_array_equal(drawn_y, y)


def test_a_history_replaced_by_an_earlier_copy_is_drawn_from_its_own_values(plot):
    """Opening an older copy of a history and training on from it: the buckets the plot
    reduced for the longer history are not reused for the copy's new values."""
    plot.show()
    rng = np.random.default_rng(9)
    history = LossHistory()
    plot.use_history(history)
    history.append(np.arange(1, 501), rng.random(500))
    early = history.copy()  # 500 epochs: drawn whole, without buckets
    history.append(np.arange(501, 300_001), rng.random(299_500))
    plot.history_changed("append")
    plot.flush()
    history.replace_from(early)
    plot.history_changed("replace")
    values = np.concatenate([early.arrays()[1], rng.random(299_500)])
    history.append(np.arange(501, 300_001), values[500:])
    plot.history_changed("append")
    plot.flush()
    fresh = MinMaxPyramid()
    fresh.update(values)
    x, y = decimated(fresh, np.arange(1, 300_001), values, 0, 300_000, plot.drawn_bucket_count())
    drawn_x, drawn_y = plot.train_curve.getData()
    np.testing.assert_array_equal(drawn_x, x)
    np.testing.assert_array_equal(drawn_y, y)
