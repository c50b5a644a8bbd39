"""The network view's unit maps for feature inputs: one thumbnail per feature node."""

import numpy as np

from backprop_lab.core import Network
from backprop_lab.core.datasets import circles
from backprop_lab.gui.data_tools import display_node_maps


def test_the_network_view_gets_a_map_thumbnail_per_feature_input():
    net = Network(
        [3, 2, 1], ["tanh", "sigmoid"], features=["x1", "x1_sq", "x1_x2"], n_inputs=2, seed=0
    )
    maps = display_node_maps(net, circles(40, seed=0))
    assert maps is not None and [len(layer) for layer in maps] == [3, 2, 1]
    x1, x1_sq = maps[0][0], maps[0][1]
    assert np.all(np.abs(x1_sq) <= 1.0) and x1_sq.min() >= 0.0  # x₁² never negative
    assert not np.allclose(x1, x1_sq)
