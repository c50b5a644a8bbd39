"""The shared diverging colour map, colour scale and legend."""

import itertools

import numpy as np
import pytest
from PySide6.QtGui import QColor

from backprop_lab.gui.colors import (
    INVALID_COLOUR,
    ColourLegend,
    ColourScale,
    diverging_qcolor,
    diverging_rgba,
    relative_luminance,
    sequential_rgba,
    text_colour_for,
)


def saturation(rgba) -> int:
    return QColor(int(rgba[0]), int(rgba[1]), int(rgba[2])).hsvSaturation()


def test_zero_is_neutral_grey_positive_blue_negative_orange():
    zero, positive, negative = diverging_rgba(np.array([0.0, 0.8, -0.8]), 1.0)
    assert zero[0] == zero[1] == zero[2] and 150 < zero[0] < 230
    assert positive[2] > positive[0] + 60  # blue
    assert negative[0] > negative[2] + 60  # orange
    assert positive.dtype == np.uint8 and np.all(positive[3] == 255)


def test_larger_magnitude_is_more_saturated_on_both_sides():
    values = np.linspace(0.0, 1.0, 11)
    for sign in (1.0, -1.0):
        colours = diverging_rgba(sign * values, 1.0)
        sats = [saturation(c) for c in colours]
        assert all(b > a for a, b in itertools.pairwise(sats)), sats


def test_values_scale_with_the_limit_and_clip_beyond_it():
    np.testing.assert_array_equal(diverging_rgba([0.5], 1.0), diverging_rgba([5.0], 10.0))
    np.testing.assert_array_equal(diverging_rgba([3.0], 1.0), diverging_rgba([1.0], 1.0))
    np.testing.assert_array_equal(diverging_rgba([-3.0], 1.0), diverging_rgba([-1.0], 1.0))


def test_vectorised_shape_and_non_finite_values_are_flagged():
    colours = diverging_rgba(np.array([[0.1, np.nan], [np.inf, -0.2]]), 1.0)
    assert colours.shape == (4, 4) and colours.dtype == np.uint8
    assert tuple(colours[1]) == INVALID_COLOUR and tuple(colours[2]) == INVALID_COLOUR
    assert diverging_rgba(np.zeros(0), 1.0).shape == (0, 4)


def test_qcolor_matches_the_array_form():
    colour = diverging_qcolor(-0.3, 0.6)
    expected = diverging_rgba([-0.3], 0.6)[0]
    assert (colour.red(), colour.green(), colour.blue(), colour.alpha()) == tuple(expected)


def _simulate(rgb: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    linear = (rgb / 255.0) ** 2.2
    return np.clip(matrix @ linear, 0, 1) ** (1 / 2.2) * 255


@pytest.mark.parametrize(
    "matrix",
    [
        # Viénot, Brettel & Mollon (1999): protanopia and deuteranopia in linear RGB.
        np.array([[0.11238, 0.88762, 0], [0.11238, 0.88762, 0], [0.00401, -0.00401, 1]]),
        np.array([[0.29275, 0.70725, 0], [0.29275, 0.70725, 0], [-0.02234, 0.02234, 1]]),
    ],
)
def test_negative_and_positive_stay_distinct_for_colour_blind_viewers(matrix):
    negative, zero, positive = diverging_rgba(np.array([-1.0, 0.0, 1.0]), 1.0)[:, :3]
    sim_negative = _simulate(negative.astype(float), matrix)
    sim_positive = _simulate(positive.astype(float), matrix)
    sim_zero = _simulate(zero.astype(float), matrix)
    assert np.linalg.norm(sim_negative - sim_positive) > 120
    assert np.linalg.norm(sim_negative - sim_zero) > 60
    assert np.linalg.norm(sim_positive - sim_zero) > 60


def test_auto_scale_is_the_largest_finite_magnitude_shown():
    scale = ColourScale("auto")
    assert scale.limit_for([np.array([[0.1, -0.7]]), np.array([0.3, np.nan])]) == 0.7
    assert scale.limit_for(np.array([0.0, 0.0])) == ColourScale.EMPTY_LIMIT
    assert scale.limit_for(None) == ColourScale.EMPTY_LIMIT


def test_fixed_scale_ignores_values_and_rejects_bad_limits():
    assert ColourScale("fixed", 2.5).limit_for(np.array([10.0])) == 2.5
    for bad in (None, 0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="limit"):
            ColourScale("fixed", bad)
    with pytest.raises(ValueError, match="auto"):
        ColourScale("sometimes")


def test_text_colour_contrasts_with_the_background():
    assert text_colour_for((24, 82, 168)) == QColor("white")
    assert text_colour_for((200, 200, 200)) == QColor("black")
    assert text_colour_for((253, 231, 37)) == QColor("black")
    assert text_colour_for(QColor(68, 1, 84)) == QColor("white")


def test_sequential_map_gets_lighter_with_the_value():
    colours = sequential_rgba(np.linspace(0, 1, 9), 0.0, 1.0)
    luminance = [relative_luminance(c) for c in colours]
    assert all(b > a for a, b in itertools.pairwise(luminance))
    np.testing.assert_array_equal(
        sequential_rgba([-1.0, 1.0], -1.0, 1.0), sequential_rgba([0.0, 1.0], 0.0, 1.0)
    )


def test_legend_ticks_match_its_limit_and_its_bar_runs_orange_to_blue(qtbot):
    legend = ColourLegend("dE/dw", 0.2387)
    qtbot.addWidget(legend)
    assert legend.tick_labels() == ["\u22120.239", "0", "0.239"]
    legend.set_limit(2.0, "fixed")
    assert legend.tick_labels() == ["\u22122", "0", "2"]
    assert legend.heading() == "dE/dw (fixed scale)"
    assert "2" in legend.toolTip()
    legend.resize(240, legend.sizeHint().height())
    image = legend.grab().toImage()
    y = image.height() // 2
    row = [image.pixelColor(x, y) for x in range(image.width())]
    coloured = [c for c in row if c.hsvSaturation() > 120]
    assert coloured, "the gradient bar was not drawn"
    assert coloured[0].red() > coloured[0].blue()  # left end: negative, orange
    assert coloured[-1].blue() > coloured[-1].red()  # right end: positive, blue


def test_legend_repaints_only_when_what_it_draws_changes(qtbot):
    legend = ColourLegend("weight", 0.5)
    qtbot.addWidget(legend)
    repaints = []
    legend.update = lambda: repaints.append(legend.tick_labels())
    legend.set_limit(0.50004)  # an auto scale creeping: the same 3 digits are drawn
    legend.set_title("weight")
    assert repaints == []
    assert legend.limit() == 0.50004
    legend.set_limit(0.5012)
    assert repaints == [["\u22120.501", "0", "0.501"]]
    assert "0.501" in legend.toolTip()
    legend.set_limit(0.5012, "fixed")
    legend.set_title("dE/dw")
    assert len(repaints) == 3
    assert legend.heading() == "dE/dw (fixed scale)"
