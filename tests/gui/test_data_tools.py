"""install_data_tools on the real main window: edits reach the trainer, bad files change nothing."""

import numpy as np
import pytest
from PySide6.QtWidgets import QDockWidget

from backprop_lab.core.boundary import grid_for, node_maps
from backprop_lab.core.data import read_csv
from backprop_lab.core.datasets import make_dataset, seed_dataset, train_test_split
from backprop_lab.core.network import Network

pytest.importorskip("backprop_lab.gui.main_window")

from backprop_lab.gui.data_tools import (
    NODE_MAPS_TEXT,
    display_node_maps,
    install_data_tools,
    normalise_map,
)

TIMEOUT = 30_000  # an upper bound for waits on signals: a loaded CI machine can take seconds


@pytest.fixture
def tools(main_window):
    return install_data_tools(main_window)


def wait_for_training_data(qtbot, window, inputs):
    """The worker applies data at the next epoch boundary: step once and compare."""
    with qtbot.waitSignal(window.controller.snapshot_ready, timeout=TIMEOUT):
        window.controller.step(1)
    qtbot.waitUntil(lambda: not window.controller.is_running, timeout=TIMEOUT)
    np.testing.assert_array_equal(window.controller.current_snapshot().inputs, inputs)


def test_installs_docks_and_menu_entries_once(main_window, tools):
    assert install_data_tools(main_window) is tools
    docks = {d.objectName() for d in main_window.findChildren(QDockWidget)}
    assert {"dock_data", "dock_data_plot"} <= docks
    texts = [a.text() for a in main_window.menus["data"].actions()]
    assert NODE_MAPS_TEXT in texts
    assert "&Import CSV…" in texts
    assert "XOR…" in texts and "Noisy sine…" in texts
    assert tools.table.dataset() == seed_dataset()


def test_valid_table_edit_reaches_the_trainer(qtbot, main_window, tools):
    with qtbot.waitSignal(main_window.controller.data_changed, timeout=TIMEOUT) as blocker:
        tools.table.set_cell_text(0, 0, "0.5")
    train, _test = blocker.args[0]
    assert train.inputs[0, 0] == 0.5
    expected = seed_dataset().inputs.copy()
    expected[0, 0] = 0.5
    wait_for_training_data(qtbot, main_window, expected)
    # The controller's echo does not wipe the table's undo history.
    assert tools.table.undo_stack.canUndo()


def test_invalid_table_edit_never_reaches_the_trainer(qtbot, main_window, tools):
    changes = []
    main_window.controller.data_changed.connect(changes.append)
    tools.table.set_cell_text(1, 1, "oops")
    assert changes == []
    assert main_window.controller.dataset()[0] == seed_dataset()
    assert "Row 2, column 'x2'" in main_window.statusBar().currentMessage()
    wait_for_training_data(qtbot, main_window, seed_dataset().inputs)


def test_plot_click_edits_become_undoable_table_edits(qtbot, main_window, tools):
    tools.plot.point_added.emit(np.array([0.1, 0.2, 0.9]))
    train = main_window.controller.dataset()[0]
    assert train.n_samples == 4
    np.testing.assert_array_equal(train.inputs[3], [0.1, 0.2])
    tools.plot.point_moved.emit(3, np.array([0.3, 0.4, 0.9]))
    np.testing.assert_array_equal(main_window.controller.dataset()[0].inputs[3], [0.3, 0.4])
    tools.plot.point_removed.emit(0)
    assert main_window.controller.dataset()[0].n_samples == 3
    for _ in range(3):
        tools.table.undo_stack.undo()
    assert main_window.controller.dataset()[0] == seed_dataset()
    assert tools.plot.dataset()[0] == seed_dataset()


def test_example_data_with_new_shape_asks_first(qtbot, main_window, tools):
    asked = []
    tools.confirm_adapt = lambda message: asked.append(message) or False
    sine = make_dataset("sine", 40, 0.1, seed=0)
    assert not tools.apply_data(sine, None, "Noisy sine")
    assert "1 input and 1 output" in asked[0] and "2 inputs and 1 output" in asked[0]
    assert main_window.controller.dataset()[0] == seed_dataset()
    tools.confirm_adapt = lambda message: True
    with qtbot.waitSignal(main_window.controller.network_reset, timeout=TIMEOUT):
        assert tools.apply_data(sine, None, "Noisy sine")
    assert main_window.controller.current_snapshot().layer_sizes[0] == 1
    assert tools.table.dataset() == sine
    assert tools.plot.mode() == "curve"
    assert "rebuilt" in main_window.statusBar().currentMessage()


def test_same_shape_data_is_applied_without_asking(qtbot, main_window, tools):
    tools.confirm_adapt = lambda message: pytest.fail("must not ask")
    train, test = train_test_split(make_dataset("xor", 60, 0.05, seed=1), 0.25, 3)
    assert tools.apply_data(train, test, "XOR")
    assert tools.table.test_dataset() == test
    assert tools.table.tabs.isTabEnabled(1)
    assert tools.export_test_action.isEnabled()


def test_example_dialog_entry(qtbot, main_window, tools):
    seen = []

    def accept(dialog):
        dialog.samples_spin.setValue(50)
        dialog.test_spin.setValue(0.2)
        seen.append(dialog.name_combo.currentText())
        return True

    tools.run_dialog = accept
    action = tools.example_actions["Two gaussians"]
    assert action is main_window.dataset_actions["Two gaussians"]  # rerouted, not duplicated
    changes = []
    main_window.controller.data_changed.connect(changes.append)
    action.trigger()
    assert seen == ["Two gaussians"]
    assert len(changes) == 1  # only the dialog's data, not the window's old direct switch
    train, test = main_window.controller.dataset()
    assert (train.n_samples, test.n_samples) == (40, 10)
    assert train.name == "Two gaussians"


def test_bad_csv_import_leaves_everything_unchanged(qtbot, main_window, tools, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,t\n0.1,0.2,0.3\n0.4,,0.6\n", encoding="utf-8")
    shown = []

    def press_import(dialog):
        shown.append(dialog.error())
        return True  # even if the user could accept, nothing may be imported

    tools.run_dialog = press_import
    changes = []
    main_window.controller.data_changed.connect(changes.append)
    assert not tools.import_csv(str(bad))
    assert "bad.csv, line 3" in shown[0]
    assert changes == []
    assert main_window.controller.dataset()[0] == seed_dataset()
    assert tools.table.dataset() == seed_dataset()
    assert "Nothing imported" in main_window.statusBar().currentMessage()


def test_good_csv_import_and_export_round_trip(qtbot, main_window, tools, tmp_path):
    good = tmp_path / "mine.csv"
    good.write_text("a,b,t\n1,2,0.5\n3,4,0.25\n", encoding="utf-8")
    tools.run_dialog = lambda dialog: True
    assert tools.import_csv(str(good))
    train = main_window.controller.dataset()[0]
    np.testing.assert_array_equal(train.inputs, [[1, 2], [3, 4]])
    assert tools.table.model.column_names == ("a", "b", "t")
    out = tmp_path / "out.csv"
    tools.choose_save_path = lambda title: str(out)
    assert tools.export_csv("train")
    written = read_csv(out)
    np.testing.assert_array_equal(written.inputs, train.inputs)
    np.testing.assert_array_equal(written.targets, train.targets)
    assert written.column_names == train.column_names
    assert not tools.export_csv("test")


def test_plot_follows_training_snapshots(qtbot, main_window, tools):
    with qtbot.waitSignal(main_window.controller.snapshot_ready, timeout=TIMEOUT) as blocker:
        main_window.controller.step(3)
    qtbot.waitUntil(lambda: not main_window.controller.is_running, timeout=TIMEOUT)
    snapshot = main_window.controller.current_snapshot()
    tools.plot_dock.show()
    tools._on_snapshot(snapshot)
    net = Network.from_arrays(snapshot.weights, snapshot.biases, snapshot.activations)
    grid = tools.plot._grid
    np.testing.assert_allclose(
        tools.plot.heatmap_values(), net.predict(grid.points).reshape(grid.shape), atol=1e-6
    )
    assert blocker.args[0].epoch >= 1


def test_unit_maps_toggle_feeds_the_network_view(qtbot, main_window, tools):
    view = main_window.network_view
    tools.node_maps_action.trigger()
    assert tools.node_maps_action.isChecked()
    assert view.node_maps_visible()
    snapshot = main_window.controller.current_snapshot()
    net = Network.from_arrays(snapshot.weights, snapshot.biases, snapshot.activations)
    maps = tools.last_node_maps
    assert [len(layer) for layer in maps] == list(snapshot.layer_sizes)
    train = main_window.controller.dataset()[0]
    grid = grid_for(train.inputs, resolution=maps[1][0].shape[0])
    expected = node_maps(net, grid)
    np.testing.assert_allclose(maps[2][1], expected[2][1], atol=1e-6)  # sigmoid: as is
    assert maps[0][0].min() == -1 and maps[0][0].max() == 1
    # Turning it off from the network view's own checkbox unchecks the menu entry.
    view.set_node_maps_visible(False)
    assert not tools.node_maps_action.isChecked()


def test_unit_maps_are_disabled_for_other_input_counts(qtbot, main_window, tools):
    tools.confirm_adapt = lambda message: True
    tools.apply_data(make_dataset("sine", 20, 0.1), None, "Noisy sine")
    assert not tools.node_maps_action.isEnabled()
    assert tools.last_node_maps is None


def test_normalise_map_and_display_maps():
    np.testing.assert_array_equal(normalise_map(np.array([[0.2, 0.9]])), [[0.2, 0.9]])
    np.testing.assert_array_equal(normalise_map(np.array([[-4.0, 2.0]])), [[-1.0, 0.5]])
    data = seed_dataset()
    net = Network([2, 3, 1], ["relu", "linear"], seed=0)
    maps = display_node_maps(net, data)
    assert all(np.abs(m).max() <= 1 for layer in maps for m in layer)
    assert display_node_maps(Network([1, 2, 1]), make_dataset("sine", 10)) is None
