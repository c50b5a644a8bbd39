"""The layer statistics dock: costs nothing while hidden, follows reset, examples and rewind."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from backprop_lab.core.layer_stats import snapshot_layer_stats, weight_histograms
from backprop_lab.gui.layer_stats_panel import layer_colours, layer_names
from backprop_lab.gui.steady import is_shown

TIMEOUT = 10_000


def wait_epoch(qtbot, window, epoch):
    qtbot.waitUntil(lambda: window.controller.current_snapshot().epoch == epoch, timeout=TIMEOUT)


def show_panel(qtbot, window):
    dock = window.docks["layer_stats"]
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: is_shown(window.layer_stats), timeout=TIMEOUT)
    QApplication.processEvents()
    return window.layer_stats


def step(qtbot, window, epochs):
    target = window.controller.current_snapshot().epoch + epochs
    window.controller.step(epochs)
    wait_epoch(qtbot, window, target)
    QApplication.processEvents()


def test_the_dock_is_a_tab_beside_the_loss_plot_which_stays_on_top(main_window):
    dock = main_window.docks["layer_stats"]
    assert dock in main_window.tabifiedDockWidgets(main_window.docks["loss"])
    assert is_shown(main_window.loss_plot)
    assert not is_shown(main_window.layer_stats)
    assert dock.toggleViewAction() in main_window.menu("view").actions()


def test_hidden_it_computes_nothing_and_catches_up_when_shown(qtbot, main_window):
    panel = main_window.layer_stats
    before = panel.refresh_count
    step(qtbot, main_window, 3)
    assert panel.refresh_count == before and panel.is_stale()
    show_panel(qtbot, main_window)
    qtbot.waitUntil(lambda: not panel.is_stale(), timeout=TIMEOUT)
    history = main_window.inspector.rewind.history
    series = panel.series()
    np.testing.assert_array_equal(series.epochs, history.epochs())
    assert series.epochs[-1] == 3
    for row, epoch in enumerate(series.epochs):
        expected = snapshot_layer_stats(history.at_or_before(int(epoch)))
        np.testing.assert_allclose(series.activation_mean[row], expected.activation_mean)
        np.testing.assert_allclose(series.gradient_norm_mean[row], expected.gradient_norm_mean)
        np.testing.assert_allclose(series.gradient_norm_max[row], expected.gradient_norm_max)
    latest = main_window.controller.current_snapshot()
    hist = panel.histograms()
    np.testing.assert_array_equal(hist.counts, weight_histograms(latest.weights).counts)
    assert panel.heading.text().startswith("Epoch 3,")
    # Live while shown: new epochs arrive.
    step(qtbot, main_window, 2)
    qtbot.waitUntil(lambda: panel.series().epochs[-1] == 5, timeout=TIMEOUT)
    # Tabbed away again: nothing.
    main_window.docks["loss"].raise_()
    qtbot.waitUntil(lambda: not is_shown(panel), timeout=TIMEOUT)
    count = panel.refresh_count
    step(qtbot, main_window, 2)
    assert panel.refresh_count == count


def test_the_drawn_curves_are_the_statistics(qtbot, main_window):
    main_window.example_actions["vanishing"].trigger()
    panel = show_panel(qtbot, main_window)
    step(qtbot, main_window, 4)
    qtbot.waitUntil(lambda: panel.series().epochs[-1] == 4, timeout=TIMEOUT)
    series = panel.series()
    assert series.n_layers == 6
    _low, _high, _band, mean = panel._curves["gradient"][0]
    xs, ys = mean.getOriginalDataset()
    np.testing.assert_array_equal(xs, series.epochs)
    np.testing.assert_allclose(ys, series.gradient_norm_mean[:, 0])
    _low, high, _band, mean = panel._curves["activation"][2]
    np.testing.assert_allclose(mean.getOriginalDataset()[1], series.activation_mean[:, 2])
    np.testing.assert_allclose(high.getOriginalDataset()[1], series.activation_p90[:, 2])
    # The vanishing gradients: layer 1's line sits three decades under the outputs'.
    assert series.gradient_norm_mean[0, 0] < series.gradient_norm_mean[0, -1] / 1000
    assert panel.legend_text() == "Layer ■ 1 ■ 2 ■ 3 ■ 4 ■ 5 ■ 6 outputs"
    assert "1 = hidden 1" in panel.legend.toolTip()


def test_units_without_gradient_are_counted_not_drawn_at_zero(qtbot, main_window):
    panel = show_panel(qtbot, main_window)
    assert "without gradient" not in panel.legend_text()
    # A ReLU layer whose units never fire: no gradient reaches their weights.
    main_window.controller.set_architecture([3], "relu", bias=False, init="constant", init_seed=0)
    weights = [np.full(w.shape, -1.0) for w in main_window.controller.current_snapshot().weights]
    weights[1][:] = 1.0
    main_window.controller.set_parameters(weights)
    qtbot.waitUntil(lambda: "3 without gradient" in panel.legend_text(), timeout=TIMEOUT)
    _low, _high, _band, mean = panel._curves["gradient"][0]
    assert np.isnan(mean.getOriginalDataset()[1][-1])  # left out, not drawn at 0


def test_reset_and_a_new_example_start_the_statistics_again(qtbot, main_window):
    panel = show_panel(qtbot, main_window)
    step(qtbot, main_window, 4)
    with qtbot.waitSignal(main_window.controller.network_reset, timeout=TIMEOUT):
        main_window.controller.reset()
    qtbot.waitUntil(lambda: list(panel.series().epochs) == [0], timeout=TIMEOUT)
    main_window.example_actions["three_gaussians"].trigger()
    qtbot.waitUntil(lambda: panel.series().n_layers == 2, timeout=TIMEOUT)
    assert list(panel.series().epochs) == [0]
    assert panel.histograms().counts.shape[0] == 2
    assert panel.histograms().counts[1].sum() == 4 * 3 + 0  # W2 of 2-4-3 (biases left out)


def test_rewind_shows_that_epochs_weights_and_marks_it(qtbot, main_window):
    panel = show_panel(qtbot, main_window)
    for _ in range(6):
        step(qtbot, main_window, 1)  # one snapshot per epoch, all kept
    rewind = main_window.inspector.rewind
    assert 2 in rewind.history.epochs()
    rewind.show_epoch(2)
    qtbot.waitUntil(lambda: panel.shown_epoch() == 2, timeout=TIMEOUT)
    past = rewind.history.at_or_before(2)
    np.testing.assert_array_equal(panel.histograms().counts, weight_histograms(past.weights).counts)
    assert all(m.isVisible() and m.value() == 2 for m in panel._markers)
    assert "(rewound)" in panel.heading.text()
    assert panel.series().epochs[-1] == 6  # the curves still run to the latest epoch
    rewind.go_live()
    qtbot.waitUntil(lambda: panel.shown_epoch() == 6, timeout=TIMEOUT)
    assert not any(m.isVisible() for m in panel._markers)


@pytest.mark.parametrize("sizes", [(2, 1), (2, 3, 1), (2, 8, 8, 8, 8, 8, 8, 8, 8, 1)])
def test_names_and_colours_one_per_layer(sizes):
    names = layer_names(sizes)
    assert len(names) == len(sizes) - 1 and names[-1] == "outputs"
    colours = layer_colours(len(names))
    assert len(set(colours)) == len(colours)
    assert all(sum(c) < 3 * 235 for c in colours)  # none too pale on white
