"""Decision maps, per-unit maps and fitted curves equal a per-point loop over the network."""

import numpy as np
import pytest

from backprop_lab.core.boundary import data_bounds, decision_map, fitted_curve, grid_for, node_maps
from backprop_lab.core.network import Network


@pytest.fixture
def net_2_8_8_1():
    return Network([2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], init="xavier", seed=3)


def test_grid_covers_the_data_with_a_margin():
    X = np.array([[0.0, -1.0], [2.0, 3.0], [1.0, 1.0]])
    grid = grid_for(X, resolution=5, margin=0.25)
    assert grid.bounds == (-0.5, 2.5, -2.0, 4.0)
    assert grid.shape == (5, 5)
    np.testing.assert_allclose(grid.xs, np.linspace(-0.5, 2.5, 5))
    # y outermost: the second row of points has the second y and every x.
    np.testing.assert_allclose(grid.points[5:10, 0], grid.xs)
    np.testing.assert_allclose(grid.points[5:10, 1], grid.ys[1])


def test_grid_accepts_objects_with_inputs_and_explicit_bounds():
    class Data:
        inputs = np.array([[0.0, 0.0], [1.0, 1.0]])

    assert grid_for(Data(), resolution=3, margin=0.0).bounds == (0.0, 1.0, 0.0, 1.0)
    assert grid_for((-1, 1, 0, 2), resolution=3).bounds == (-1.0, 1.0, 0.0, 2.0)


def test_constant_column_still_gives_a_rectangle():
    assert data_bounds(np.array([[1.0, 5.0], [1.0, 6.0]]), margin=0.0) == (0.0, 2.0, 5.0, 6.0)


@pytest.mark.parametrize("bad", [(1, 0, 0, 1), (0, 1, 2, 2), (0, np.inf, 0, 1), np.zeros((3, 3))])
def test_bad_bounds_or_data_are_rejected(bad):
    with pytest.raises(ValueError):
        grid_for(bad)


def test_decision_map_equals_predict_point_by_point(net_2_8_8_1):
    grid = grid_for((-2, 2, -1, 3), resolution=7)
    exact = decision_map(net_2_8_8_1, grid, dtype=np.float64)
    shown = decision_map(net_2_8_8_1, grid)
    assert exact.shape == shown.shape == (7, 7, 1)
    assert shown.dtype == np.float32
    for i, y in enumerate(grid.ys):
        for j, x in enumerate(grid.xs):
            expected = net_2_8_8_1.predict(np.array([[x, y]]))[0]
            np.testing.assert_allclose(exact[i, j], expected, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(shown[i, j], expected, rtol=0, atol=1e-6)


def test_display_precision_handles_every_activation():
    net = Network([2, 5, 4, 3, 2], ["sigmoid", "relu", "linear", "softmax"], seed=4)
    grid = grid_for((-3, 3, -3, 3), resolution=20)
    np.testing.assert_allclose(
        decision_map(net, grid), decision_map(net, grid, dtype=np.float64), atol=1e-5
    )


def test_decision_map_keeps_every_output():
    net = Network([2, 4, 3], ["relu", "softmax"], seed=1)
    grid = grid_for((0, 1, 0, 1), resolution=4)
    values = decision_map(net, grid)
    assert values.shape == (4, 4, 3)
    np.testing.assert_allclose(values[2, 1], net.predict([[grid.xs[1], grid.ys[2]]])[0])


def test_node_maps_equal_each_units_activation(net_2_8_8_1):
    grid = grid_for((-1, 1, -1, 1), resolution=5)
    maps = node_maps(net_2_8_8_1, grid, dtype=np.float64)
    assert [len(layer) for layer in maps] == [2, 8, 8, 1]
    np.testing.assert_array_equal(maps[0][0][3], grid.xs)
    np.testing.assert_array_equal(maps[0][1][:, 2], grid.ys)
    for i, y in enumerate(grid.ys):
        for j, x in enumerate(grid.xs):
            trace = net_2_8_8_1.forward(np.array([[x, y]]))
            for layer, outputs in enumerate(trace.activations, start=1):
                for unit in range(outputs.shape[1]):
                    assert maps[layer][unit][i, j] == pytest.approx(outputs[0, unit], abs=1e-14)
    np.testing.assert_array_equal(
        maps[-1][0], decision_map(net_2_8_8_1, grid, dtype=np.float64)[:, :, 0]
    )
    shown = node_maps(net_2_8_8_1, grid)
    np.testing.assert_allclose(shown[1][3], maps[1][3], atol=1e-6)


def test_maps_need_two_inputs():
    with pytest.raises(ValueError, match="2 inputs"):
        decision_map(Network([3, 2, 1]), grid_for((0, 1, 0, 1), resolution=2))


def test_fitted_curve_equals_predict():
    net = Network([1, 6, 1], ["tanh", "linear"], seed=2)
    xs, outputs = fitted_curve(net, (-3.0, 3.0), n=50)
    assert xs.shape == (50,) and outputs.shape == (50, 1)
    assert xs[0] == -3.0 and xs[-1] == 3.0
    for x, out in zip(xs, outputs, strict=True):
        np.testing.assert_allclose(out, net.predict(np.array([[x]]))[0], rtol=1e-12)


def test_fitted_curve_rejects_bad_input():
    with pytest.raises(ValueError, match="1 input"):
        fitted_curve(Network([2, 1]), (0, 1))
    with pytest.raises(ValueError):
        fitted_curve(Network([1, 1]), (1, 1))


def test_weights_too_large_for_float32_fall_back_to_exact_float64():
    # A diverging run can leave weights that overflow float32 but not float64.
    net = Network.from_arrays(
        [np.full((2, 2), 1e39), np.full((2, 1), 1e-30)], None, ["linear", "linear"]
    )
    grid = grid_for((-1.0, 1.0, -1.0, 1.0), resolution=5)
    values = decision_map(net, grid)
    assert np.all(np.isfinite(values))
    np.testing.assert_array_equal(values.reshape(-1, 1), net.predict(grid.points))
