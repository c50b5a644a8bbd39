"""Playground's toggles: discretize output, show/hide test data (data plot and View menu)."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication

from backprop_lab.core.boundary import decision_map
from backprop_lab.core.presets import PRESETS
from backprop_lab.gui.class_colours import CLASS_COLOURS, MAP_STRENGTH

TIMEOUT = 10_000


def trained_plot(qtbot, window, key, epochs):
    window.example_actions[key].trigger()
    target = epochs
    window.controller.step(epochs)
    qtbot.waitUntil(lambda: window.controller.current_snapshot().epoch == target, timeout=TIMEOUT)
    plot = window.data_tools.plot
    plot.flush()
    return plot


def test_discretize_shows_the_picked_class_for_two_classes(qtbot, main_window):
    plot = trained_plot(qtbot, main_window, "circles", 50)
    net = main_window.controller.current_network()
    outputs = decision_map(net, plot._grid)[:, :, 0]
    np.testing.assert_allclose(plot.heatmap_values(), outputs)
    assert len(np.unique(plot.heatmap_values())) > 2  # shades of how sure
    main_window.discretize_action.trigger()
    assert plot.discretize() and plot.discretize_box.isChecked()
    shown = plot.heatmap_values()
    np.testing.assert_array_equal(shown, (outputs >= 0.5).astype(shown.dtype))
    assert set(np.unique(shown)) == {0.0, 1.0}
    plot.discretize_box.setChecked(False)  # the box and the menu agree
    assert not main_window.discretize_action.isChecked()
    np.testing.assert_allclose(plot.heatmap_values(), outputs)


def test_discretize_gives_full_class_colours_for_three_classes(qtbot, main_window):
    plot = trained_plot(qtbot, main_window, "three_gaussians", 100)
    plot.set_discretize(True)
    image = plot.map_image.image
    winners = plot.heatmap_values().argmax(axis=-1)
    expected = np.rint(255 - MAP_STRENGTH * (255 - CLASS_COLOURS[winners])).astype(np.uint8)
    np.testing.assert_array_equal(image[..., :3], expected)
    assert main_window.discretize_action.isChecked()


def test_discretize_is_offered_for_classification_only(qtbot, main_window):
    plot = trained_plot(qtbot, main_window, "sine", 1)
    assert not plot.discretize_box.isEnabled()


def test_test_data_can_be_hidden_and_shown_again(qtbot, main_window):
    plot = trained_plot(qtbot, main_window, "xor", 1)
    _train, test = main_window.controller.dataset()
    assert test is not None and len(plot.test_scatter) == test.n_samples
    assert plot.test_scatter.isVisible()
    main_window.show_test_action.trigger()
    QApplication.processEvents()
    assert not plot.show_test() and not plot.test_scatter.isVisible()
    assert not plot.show_test_box.isChecked()
    # Still the same data: only the drawing is hidden, the test loss goes on.
    assert main_window.controller.dataset()[1] is test
    plot.show_test_box.setChecked(True)
    assert plot.test_scatter.isVisible() and main_window.show_test_action.isChecked()
    assert PRESETS["xor"].test_fraction > 0
