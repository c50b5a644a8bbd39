"""Three classes (one-hot targets, a softmax output): one colour per class in the data plot."""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from backprop_lab.core.boundary import decision_map
from backprop_lab.core.datasets import gaussians, three_gaussians, train_test_split
from backprop_lab.core.presets import PRESETS
from backprop_lab.gui.class_colours import (
    CLASS_COLOURS,
    MAP_STRENGTH,
    class_map_rgba,
    class_rgba,
    is_multiclass,
)
from backprop_lab.gui.data_plot import DataPlot
from backprop_lab.gui.dataset_dialog import DataPreview


@pytest.fixture
def three(qtbot):
    train, test = train_test_split(three_gaussians(60, seed=1), 0.25, seed=0)
    plot = DataPlot(train, test)
    plot.resize(500, 450)
    qtbot.addWidget(plot)
    plot.show()
    qtbot.waitExposed(plot)
    return plot


def test_only_one_hot_classification_columns_count_as_classes():
    assert is_multiclass(three_gaussians(9))
    assert not is_multiclass(gaussians(9))  # one 0/1 column: orange and blue as before
    ds = three_gaussians(9)
    regression = type(ds)(ds.inputs, ds.targets, ds.input_names, ds.target_names, "r")
    assert not is_multiclass(regression)


def test_each_point_has_its_class_colour(three):
    train, _test = three.dataset()
    assert three.is_multiclass()
    drawn = three.train_scatter.drawn_colours("brush")  # read back from the scatter items
    classes = train.targets.argmax(axis=1)
    assert len(set(classes)) == 3
    assert len(drawn) == train.n_samples
    for rgba, k in zip(drawn, classes):
        assert tuple(int(c) for c in rgba[:3]) == tuple(int(c) for c in CLASS_COLOURS[k])
    # Drawn as arrays: one scatter item (one brush) per class, not one symbol per point.
    assert three.train_scatter.item_count() == 3
    # Every output is shown at once: no "Show: class 1" selector.
    assert three.output_combo.isHidden()
    assert [three.class_combo.itemText(i) for i in range(3)] == [
        "class 1 (orange)",
        "class 2 (blue)",
        "class 3 (green)",
    ]


def test_a_click_adds_a_one_hot_point_of_the_chosen_class(three):
    three.class_combo.setCurrentIndex(2)
    np.testing.assert_array_equal(three.new_point_targets(), [0.0, 0.0, 1.0])
    three.class_combo.setCurrentIndex(0)
    np.testing.assert_array_equal(three.new_point_targets(), [1.0, 0.0, 0.0])


def test_the_map_shows_the_most_likely_class_of_the_trained_softmax_net(three):
    trainer = PRESETS["three_gaussians"].trainer()
    trainer.step(300)
    three.set_network(trainer.net)
    values = three.heatmap_values()
    assert values.shape[-1] == 3
    np.testing.assert_allclose(values, decision_map(trainer.net, three._grid))
    image = three.map_image.image
    assert image.shape == (*values.shape[:2], 4) and image.dtype == np.uint8
    np.testing.assert_array_equal(image, class_map_rgba(values))
    winners = values.argmax(axis=-1)
    assert set(np.unique(winners)) == {0, 1, 2}  # all three regions are on the map
    # A point the net is sure about has (almost) the class colour at full map strength.
    i, j = np.unravel_index(np.argmax(values[..., 2]), winners.shape)
    sure = 255 - MAP_STRENGTH * (255 - CLASS_COLOURS[2])
    np.testing.assert_allclose(image[i, j, :3], sure, atol=3)


def test_map_colour_is_white_where_the_classes_are_equally_likely():
    outputs = np.array([[[1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0], [np.nan, 0.5, 0.5]]])
    rgba = class_map_rgba(outputs)
    np.testing.assert_array_equal(rgba[0, 0, :3], [255, 255, 255])
    np.testing.assert_allclose(
        rgba[0, 1, :3], 255 - MAP_STRENGTH * (255 - CLASS_COLOURS[0]), atol=0.5
    )
    np.testing.assert_array_equal(rgba[0, 2, :3], [200, 200, 200])  # not a number: grey


def test_switching_back_to_two_classes_restores_orange_and_blue(three):
    train, test = train_test_split(gaussians(40, seed=1), 0.25, seed=0)
    three.set_data(train, test)
    QApplication.processEvents()
    assert not three.is_multiclass()
    assert three.class_combo.itemText(1) == "class 1 (blue)"
    np.testing.assert_array_equal(three.new_point_targets(), [0.0])


def test_the_example_data_preview_colours_three_classes(qtbot):
    preview = DataPreview()
    qtbot.addWidget(preview)
    ds = three_gaussians(30, seed=0)
    preview.show_data(ds, None)
    shown = [tuple(int(c) for c in rgba[:3]) for rgba in preview.train_scatter.drawn_colours()]
    assert shown == [tuple(int(c) for c in rgba[:3]) for rgba in class_rgba(ds.targets)]
