"""File > Open example: the data, the network and the settings of a preset, ready to train."""

import numpy as np
import pytest

from backprop_lab.core.presets import PRESETS


def wait_epoch(qtbot, window, epoch):
    qtbot.waitUntil(lambda: window.controller.current_snapshot().epoch == epoch, timeout=10_000)


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_opening_an_example_trains_exactly_like_the_core_preset(qtbot, main_window, key):
    main_window.example_actions[key].trigger()
    preset = PRESETS[key]
    snapshot = main_window.controller.current_snapshot()
    train, test = main_window.controller.dataset()
    core = preset.trainer()
    assert snapshot.layer_sizes == tuple(core.net.layer_sizes)
    assert snapshot.epoch == 0 and len(train.inputs) == len(core.X)
    assert (test is None) == (core.X_test is None)
    np.testing.assert_array_equal(train.inputs, core.X)
    main_window.controller.step(3)
    wait_epoch(qtbot, main_window, 3)
    core.step(3)
    for shown, expected in zip(main_window.controller.current_snapshot().weights, core.net.weights):
        np.testing.assert_allclose(shown, expected, rtol=0, atol=1e-12)
    assert main_window.controller.settings()["loss"] == preset.loss
    assert preset.name in main_window.statusBar().currentMessage()


def test_the_seed_example_can_be_reopened_after_another(qtbot, main_window):
    main_window.example_actions["spirals"].trigger()
    assert main_window.controller.current_snapshot().layer_sizes == (2, 16, 16, 1)
    main_window.example_actions["seed"].trigger()
    snapshot = main_window.controller.current_snapshot()
    assert snapshot.layer_sizes == (2, 3, 3, 1)
    np.testing.assert_array_equal(snapshot.weights[2], np.full((3, 1), 0.1))
