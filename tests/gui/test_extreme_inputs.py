"""Extreme inputs through the real window: handled, or refused with a message, never a traceback.

pytest-qt fails a test on any exception raised inside a Qt slot, so each test
also proves that nothing escaped as a traceback.
"""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core import ParameterRef, Trainer
from backprop_lab.core.data import Dataset

TIMEOUT = 10000


def dataset(inputs, targets) -> Dataset:
    inputs = np.asarray(inputs, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    return Dataset(
        inputs,
        targets,
        tuple(f"x{i + 1}" for i in range(inputs.shape[1])),
        tuple(f"t{i + 1}" for i in range(targets.shape[1])),
    )


def use_data(window, data) -> bool:
    window.data_tools.confirm_adapt = lambda _message: True
    return window.data_tools.apply_data(data, None, "the test data")


def step_and_wait(qtbot, window, epochs=1):
    controller = window.controller
    start = controller.current_snapshot().epoch
    outcome = []
    controller.diverged.connect(outcome.append)
    controller.step(epochs)
    qtbot.waitUntil(
        lambda: (
            (outcome or controller.current_snapshot().epoch == start + epochs)
            and not controller.is_running
        ),
        timeout=TIMEOUT,
    )
    controller.diverged.disconnect(outcome.append)
    return outcome[0] if outcome else None


def assert_shows_controllers_network(window):
    snapshot = window.controller.current_snapshot()
    assert window.network_view.snapshot() is snapshot
    assert all(np.all(np.isfinite(w)) for w in snapshot.weights)
    table = window.weight_table.snapshot()
    assert table.layer_sizes == snapshot.layer_sizes


@pytest.mark.parametrize("scale", [1e6, 1e-9])
def test_very_large_and_very_small_values_train_like_the_core(qtbot, main_window, scale):
    window = main_window
    rng = np.random.default_rng(3)
    data = dataset(rng.uniform(size=(6, 2)) * scale, rng.uniform(size=(6, 1)))
    assert use_data(window, data)
    window.controller.set_learning_rate(0.5)
    assert step_and_wait(qtbot, window, 5) is None
    trainer = Trainer(
        window.controller.initial_network(), data.inputs, data.targets, learning_rate=0.5
    )
    trainer.step(5)
    snapshot = window.controller.current_snapshot()
    for mine, core in zip(snapshot.weights, trainer.net.weights, strict=True):
        np.testing.assert_array_equal(mine, core)
    assert np.isfinite(snapshot.train_loss)
    assert window.loss_plot.point_count() == 5
    assert_shows_controllers_network(window)


def test_huge_targets_on_a_linear_output_diverge_with_the_message(qtbot, main_window):
    window = main_window
    window.controller.set_architecture([3], "linear", bias=True, init="xavier", init_seed=0)
    rng = np.random.default_rng(4)
    assert use_data(window, dataset(rng.uniform(size=(5, 2)), rng.uniform(size=(5, 1)) * 1e150))
    divergence = None
    for _ in range(20):
        divergence = step_and_wait(qtbot, window)
        if divergence is not None:
            break
    assert divergence is not None
    assert "smaller learning rate" in window.statusBar().currentMessage()
    assert window.divergence_message.isVisible()
    assert_shows_controllers_network(window)


def test_deleting_every_sample_is_refused_with_a_message(qtbot, main_window):
    window = main_window
    before = window.controller.dataset()
    table = window.data_tools.table
    table.delete_rows(list(range(table.dataset().n_samples)))
    assert window.controller.dataset() == before
    message = window.statusBar().currentMessage()
    assert "at least one row" in message and "last valid data" in message
    assert step_and_wait(qtbot, window) is None  # still trains on the old data
    assert window.controller.current_snapshot().epoch == 1


def test_an_empty_dataset_is_refused_through_the_data_tools(main_window):
    window = main_window
    empty = dataset(np.zeros((0, 2)), np.zeros((0, 1)))
    before = window.controller.dataset()
    assert not use_data(window, empty)
    assert window.controller.dataset() == before
    assert "at least one sample" in window.statusBar().currentMessage()


def test_one_sample_trains(qtbot, main_window):
    window = main_window
    assert use_data(window, dataset([[0.5, 0.25]], [[0.8]]))
    assert step_and_wait(qtbot, window, 3) is None
    assert window.controller.current_snapshot().epoch == 3
    assert_shows_controllers_network(window)


def test_one_input_and_ten_outputs(qtbot, main_window):
    window = main_window
    rng = np.random.default_rng(5)
    assert use_data(window, dataset(rng.uniform(size=(8, 1)), rng.uniform(size=(8, 10))))
    assert window.controller.current_snapshot().layer_sizes == (1, 3, 3, 10)
    assert "rebuilt" in window.statusBar().currentMessage()
    assert step_and_wait(qtbot, window, 4) is None
    assert_shows_controllers_network(window)
    assert window.network_view.snapshot().layer_sizes == (1, 3, 3, 10)
    # Unit maps need two inputs: asking for them says so instead of failing.
    window.data_tools.set_node_maps_visible(True)
    assert "2 inputs" in window.statusBar().currentMessage()


def test_eight_hidden_layers_of_64_units_from_the_settings_panel(qtbot, main_window):
    window = main_window
    panel = window.settings_panel
    panel.layer_count_box.setValue(8)
    for _label, size, activation in panel._layer_rows:
        size.setValue(64)
        activation.setCurrentText("tanh")
    assert panel.apply_architecture()
    sizes = window.controller.current_snapshot().layer_sizes
    assert sizes == (2, *([64] * 8), 1)
    assert step_and_wait(qtbot, window, 3) is None
    assert_shows_controllers_network(window)
    window.network_view.grab()  # draws 8 x 64 units and ~29,000 edges without error


def test_more_than_the_panel_allows_is_refused_with_a_message(main_window):
    window = main_window
    panel = window.settings_panel
    panel.layer_count_box.setValue(99)
    assert panel.layer_count_box.value() == 8  # the spin box stops at the limit
    before = window.controller.current_snapshot()
    for hidden in ([3] * 9, [1000], [0]):
        with pytest.raises(ValueError):
            window.controller.set_architecture(hidden, "sigmoid", False, "constant")
        assert window.controller.current_snapshot() is before


@pytest.mark.parametrize("value", [1e300, -1e300, 1e-300])
def test_extreme_weight_edits_are_taken_and_training_copes(qtbot, main_window, value):
    window = main_window
    ref = ParameterRef(1, 0, 0)
    with qtbot.waitSignal(window.controller.snapshot_ready, timeout=TIMEOUT):
        window.network_view.weight_edit_requested.emit(ref, value)
    assert ref.value_in(window.controller.current_snapshot().weights, None) == value
    step_and_wait(qtbot, window)  # trains, or diverges with the message
    assert_shows_controllers_network(window)
    if not np.isfinite(window.controller.current_snapshot().train_loss):
        assert "diverged" in window.statusBar().currentMessage()


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_weight_edits_are_refused_with_a_message(main_window, value):
    window = main_window
    before = window.controller.current_snapshot()
    window.network_view.weight_edit_requested.emit(ParameterRef(0, 0, 0), float(value))
    assert "not changed" in window.statusBar().currentMessage()
    assert window.controller.current_snapshot() is before


@pytest.mark.parametrize("text", ["1e400", "nan", "-inf", "abc", ""])
def test_a_non_finite_or_non_numeric_cell_is_refused_with_a_message(qtbot, main_window, text):
    window = main_window
    before = window.controller.dataset()
    window.data_tools.table.set_cell_text(0, 0, text)
    assert window.controller.dataset() == before
    assert window.statusBar().currentMessage()  # the table's problem, in words


def test_learning_rate_box_stays_within_what_the_controller_accepts(main_window):
    box = main_window.control_panel.learning_rate_box
    box.setValue(0)
    assert box.value() > 0 and main_window.controller.settings()["learning_rate"] == box.value()
    box.setValue(1e9)
    assert main_window.controller.settings()["learning_rate"] == box.maximum()
