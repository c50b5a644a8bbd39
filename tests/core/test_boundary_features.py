"""Maps over the plane for networks with feature inputs (x1², sin x2, ...): the transform is
part of the network, so the map is what net.predict gives, and the input maps are the features."""

import numpy as np
import pytest

from backprop_lab.core import Network
from backprop_lab.core.boundary import decision_map, grid_for, node_maps


@pytest.fixture
def featured():
    features = ["x1_sq", "x2_sq", "x1_x2", "sin_x1"]
    return Network([4, 3, 1], ["tanh", "sigmoid"], features=features, n_inputs=2, seed=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_decision_map_of_a_featured_network_is_its_prediction(featured, dtype):
    grid = grid_for(np.array([[-1.0, -1.0], [1.0, 1.0]]), resolution=25)
    shown = decision_map(featured, grid, dtype=dtype)
    expected = featured.predict(grid.points).reshape(shown.shape)
    np.testing.assert_allclose(shown, expected, atol=1e-6 if dtype is np.float32 else 0)


def test_the_input_maps_are_the_feature_inputs(featured):
    grid = grid_for(np.array([[-1.0, -1.0], [1.0, 1.0]]), resolution=9)
    maps = node_maps(featured, grid, dtype=np.float64)
    assert len(maps[0]) == 4 and len(maps[1]) == 3
    x, y = grid.points[:, 0].reshape(grid.shape), grid.points[:, 1].reshape(grid.shape)
    np.testing.assert_allclose(maps[0][0], x**2)
    np.testing.assert_allclose(maps[0][2], x * y)
    np.testing.assert_allclose(maps[0][3], np.sin(x))


def test_plain_networks_keep_the_coordinates_as_input_maps():
    net = Network([2, 2, 1], "sigmoid", seed=1)
    grid = grid_for(np.array([[0.0, 0.0], [1.0, 2.0]]), resolution=5)
    maps = node_maps(net, grid)
    np.testing.assert_array_equal(maps[0][1], grid.points[:, 1].reshape(grid.shape))
    with pytest.raises(ValueError, match="2 inputs"):
        decision_map(Network([3, 1], "sigmoid"), grid)
