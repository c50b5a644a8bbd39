"""A new network (opened, applied, reset) costs the views only what they show.

What is not shown waits: unit maps switched off are not computed, a panel tabbed
away lists the new network's parameters when it is brought to the front (or asked).
What is shown is still the new network's. Sample lists hold a page, not every
sample, and can still choose the last one; the first snapshot of a project opened
or a network applied in Network settings is computed off the GUI thread.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPushButton
from waiting import event_loop_turn

from backprop_lab.core import Network, Project
from backprop_lab.core import session as session_module
from backprop_lab.core.data import Dataset
from backprop_lab.core.project_file import save_project, serialise_project_bytes
from backprop_lab.core.session import Session
from backprop_lab.gui import data_table as data_table_module
from backprop_lab.gui import data_tools as data_tools_module
from backprop_lab.gui import load_progress, project_io
from backprop_lab.gui.load_progress import BackgroundLoad
from backprop_lab.gui.network_view import NetworkView
from backprop_lab.gui.sample_chooser import PAGE_SIZE
from backprop_lab.gui.steady import is_shown
from backprop_lab.gui.training.background import shared_pool

TIMEOUT = 30_000


def xor_data(n: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 2))
    return Dataset(x, (x[:, :1] * x[:, 1:] > 0).astype(float), ("x1", "x2"), ("t",))


def session_bytes(window) -> bytes:
    return serialise_project_bytes(window.project())


def set_hidden_layers(panel, sizes) -> None:
    panel.layer_count_box.setValue(len(sizes))
    for (_label, box, _activation), units in zip(panel._layer_rows, sizes, strict=True):
        box.setValue(units)


@pytest.fixture
def count_map_calls(monkeypatch):
    calls = []
    real = data_tools_module.display_node_maps

    def counting(*args, **kwargs):
        calls.append(args[0].layer_sizes)
        return real(*args, **kwargs)

    monkeypatch.setattr(data_tools_module, "display_node_maps", counting)
    return calls


def test_unit_maps_switched_off_are_not_computed_for_a_new_network(
    qtbot, main_window, count_map_calls
):
    tools, view = main_window.data_tools, main_window.network_view
    assert not tools.node_maps_action.isChecked()
    main_window.controller.set_architecture([6, 5], "tanh", True, "xavier", 3)
    main_window.controller.set_data(xor_data(50, 1), None)
    assert count_map_calls == []
    assert tools.last_node_maps is None and view._node_map_images is None
    assert view._maps_check.isEnabled()  # switching them on is still offered...
    view._maps_check.setChecked(True)  # ...and computes them, for this network
    assert count_map_calls == [[2, 6, 5, 1]]
    assert [len(layer) for layer in tools.last_node_maps] == [2, 6, 5, 1]
    assert view.node_maps_visible() and view._node_map_images is not None


def test_unit_maps_switched_on_follow_every_new_network(qtbot, main_window, count_map_calls):
    tools = main_window.data_tools
    tools.node_maps_action.trigger()
    main_window.controller.set_architecture([4], "tanh", True, "xavier", 3)
    assert [len(layer) for layer in tools.last_node_maps] == [2, 4, 1]
    main_window.controller.reset()
    assert count_map_calls[-1] == [2, 4, 1] and len(count_map_calls) == 3


def test_unit_maps_of_a_big_network_are_computed_off_the_gui_thread(
    qtbot, main_window, monkeypatch
):
    monkeypatch.setattr(data_tools_module, "MAPS_OFF_THREAD_UNITS", 0)
    threads = []
    real = data_tools_module.display_node_maps

    def recording(net, *args):
        threads.append((threading.current_thread(), tuple(net.layer_sizes)))
        return real(net, *args)

    monkeypatch.setattr(data_tools_module, "display_node_maps", recording)
    tools, view = main_window.data_tools, main_window.network_view
    tools.node_maps_action.trigger()
    qtbot.waitUntil(lambda: tools.last_node_maps is not None, timeout=TIMEOUT)
    assert threads and threads[0][0] is not threading.main_thread()
    assert view._node_map_images is not None
    main_window.controller.set_architecture([6], "tanh", True, "xavier", 3)
    assert view._node_map_images is None  # not the old network's while the new ones come
    qtbot.waitUntil(lambda: tools.last_node_maps is not None, timeout=TIMEOUT)
    assert [len(layer) for layer in tools.last_node_maps] == [2, 6, 1]
    assert [len(row) for row in view._node_map_images] == [2, 6, 1]
    assert all(thread is not threading.main_thread() for thread, _sizes in threads)
    # Switched off while one is computed: its result is dropped.
    main_window.controller.set_architecture([5], "tanh", True, "xavier", 3)
    tools.node_maps_action.trigger()
    qtbot.waitUntil(lambda: shared_pool().activeThreadCount() == 0, timeout=60_000)
    event_loop_turn(qtbot)
    assert tools.last_node_maps is None and view._node_map_images is None


def test_a_landscape_tabbed_away_lists_a_new_network_only_when_shown(
    qtbot, main_window, monkeypatch
):
    panel = main_window.landscape_panel
    qtbot.waitUntil(lambda: main_window.data_tools.plot.isVisible(), timeout=TIMEOUT)
    assert not is_shown(panel)  # a tab behind the data plot
    fills = []
    real = panel._fill_choices
    monkeypatch.setattr(panel, "_fill_choices", lambda s: fills.append(s.layer_sizes) or real(s))
    main_window.controller.set_architecture([7, 6], "tanh", True, "xavier", 3)
    main_window.controller.set_architecture([5, 4], "tanh", True, "xavier", 3)
    assert fills == []
    main_window.docks["landscape"].raise_()
    qtbot.waitUntil(lambda: bool(fills), timeout=TIMEOUT)
    assert fills == [(2, 5, 4, 1)]  # once, for the network shown now
    ref_a, ref_b = panel.refs()
    assert ref_a.layer == 0 and ref_b.layer == 2 and panel.combo_a.count() > 0


def test_a_landscape_tabbed_away_answers_for_the_new_network(qtbot, main_window):
    panel = main_window.landscape_panel
    main_window.controller.set_architecture([3, 2], "tanh", True, "xavier", 3)
    _ref_a, ref_b = panel.refs()  # asked while hidden: listed now
    snapshot = main_window.controller.current_snapshot()
    assert ref_b.layer == len(snapshot.layer_sizes) - 2
    assert panel.combo_a.count() == panel.combo_b.count() > 0


def test_the_network_view_lists_a_page_of_20000_samples_and_chooses_the_last(qtbot):
    session = Session(xor_data(20_000, 2), None)
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_snapshot(session.live_snapshot)
    chooser = view.sample_chooser()
    assert chooser.count() == 20_000 and chooser.is_paged()
    assert view._sample_combo.count() == PAGE_SIZE + 1  # the batch mean and one page
    with qtbot.waitSignal(view.sample_changed) as changed:
        view.set_sample(19_999)
    assert changed.args == [19_999]
    assert view._sample_combo.currentData() == 19_999
    assert chooser.page() == chooser.page_count() - 1
    assert view._sample_combo.count() <= PAGE_SIZE + 1
    view.node_colours(1)  # drawn (the view is not shown: it draws when asked)
    np.testing.assert_array_equal(
        view._node_values[1], session.live_snapshot.node_values(1, 19_999)
    )
    # As the user does it: the first page, then the last entry of the last page.
    chooser.set_page(0)
    assert view.sample() == 0
    chooser.page_spin.setValue(chooser.page_count())
    with qtbot.waitSignal(view.sample_changed) as changed:
        view._sample_combo.setCurrentIndex(view._sample_combo.count() - 1)
    assert changed.args == [19_999] and view.sample() == 19_999
    # A new snapshot of the same data keeps the choice and the list.
    view.set_snapshot(session.live_snapshot)
    assert view.sample() == 19_999 and view._sample_combo.currentData() == 19_999


def test_the_network_view_lists_every_sample_of_small_data(qtbot):
    session = Session(xor_data(30, 3), None)
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_snapshot(session.live_snapshot)
    combo = view._sample_combo
    assert [combo.itemData(i) for i in range(combo.count())] == [None, *range(30)]
    assert combo.itemText(0) == "batch mean" and combo.itemText(30) == "sample 30"
    assert view.sample_chooser().page_row.isHidden()


def test_the_data_table_formats_only_the_rows_it_is_asked_for(qtbot, monkeypatch):
    formatted = []
    real = data_table_module.format_number
    monkeypatch.setattr(
        data_table_module, "format_number", lambda v: formatted.append(v) or real(v)
    )
    data = xor_data(20_000, 4)
    model = data_table_module.DataTableModel(data)
    assert model.rowCount() == 20_000 and formatted == []
    assert model.cell_text(19_999, 1) == real(data.inputs[19_999, 1])
    assert model.row_texts(5) == [real(v) for v in (*data.inputs[5], *data.targets[5])]
    assert len(formatted) == 6
    assert model.to_dataset() is data  # still the data, unformatted


@pytest.fixture
def project_file(tmp_path):
    """A project over OFF_THREAD_BYTES (it opens off the GUI thread)."""
    rng = np.random.default_rng(5)
    data = xor_data(5000, 6)
    net = Network([2, 16, 1], "tanh", init="xavier", seed=1)
    epochs = 20_000
    history = {
        "epoch": np.arange(1, epochs + 1),
        "train_loss": rng.uniform(size=epochs),
        "test_loss": rng.uniform(size=epochs),
    }
    path = tmp_path / "open.bplab"
    save_project(path, Project(net, net.copy(), data, xor_data(5000, 7), {}, epochs, history))
    assert path.stat().st_size >= project_io.OFF_THREAD_BYTES
    return path


def snapshot_threads(monkeypatch) -> list:
    threads = []
    real = session_module.take_snapshot

    def recording(trainer):
        threads.append(threading.current_thread())
        return real(trainer)

    monkeypatch.setattr(session_module, "take_snapshot", recording)
    return threads


def test_opening_a_large_project_computes_no_snapshot_on_the_gui_thread(
    qtbot, main_window, project_file, monkeypatch
):
    threads = snapshot_threads(monkeypatch)
    assert main_window.open_project_from(project_file, show_errors=False, ask_to_save=False)
    assert threads and threading.main_thread() not in threads
    assert main_window.session.epoch == 20_000
    assert main_window.network_view.snapshot() is main_window.session.live_snapshot


def test_apply_builds_a_big_network_off_the_gui_thread(qtbot, main_window, monkeypatch):
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    threads = snapshot_threads(monkeypatch)
    panel = main_window.settings_panel
    set_hidden_layers(panel, [9, 4])
    assert panel.apply_architecture()
    assert threads and threading.main_thread() not in threads
    snapshot = main_window.controller.current_snapshot()
    assert snapshot.layer_sizes == (2, 9, 4, 1) and snapshot.epoch == 0
    assert main_window.network_view.snapshot() is snapshot
    assert "New network 2-9-4-1" in main_window.statusBar().currentMessage()


def test_apply_of_a_small_network_stays_on_the_gui_thread(qtbot, main_window, monkeypatch):
    threads = snapshot_threads(monkeypatch)
    set_hidden_layers(main_window.settings_panel, [4])
    assert main_window.settings_panel.apply_architecture()
    assert threads == [threading.main_thread()]


def test_cancelling_apply_changes_nothing(qtbot, main_window, monkeypatch):
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)

    class CancelAtOnce(BackgroundLoad):
        def __init__(self, parent, label, inline=False):
            super().__init__(parent, label, after_seconds=0.0, inline=inline)

        def _show(self, on_cancel) -> None:
            super()._show(on_cancel)
            if on_cancel is not None:
                QTimer.singleShot(0, lambda: self.dialog.findChild(QPushButton).click())

    monkeypatch.setattr(load_progress, "BackgroundLoad", CancelAtOnce)
    release = threading.Event()
    real = Session.prepare_network

    def slow(self, settings):  # still building when Cancel is pressed
        release.wait(30)
        return real(self, settings)

    monkeypatch.setattr(Session, "prepare_network", slow)
    before = session_bytes(main_window)
    panel = main_window.settings_panel
    set_hidden_layers(panel, [8])
    try:
        assert not panel.apply_architecture()
    finally:
        release.set()
    assert "cancelled" in main_window.statusBar().currentMessage()
    assert session_bytes(main_window) == before
    assert panel.apply_button.isEnabled()  # the edit is still there to apply
    qtbot.waitUntil(lambda: shared_pool().activeThreadCount() == 0, timeout=60_000)
    event_loop_turn(qtbot)
    assert session_bytes(main_window) == before
    assert main_window.controller.current_snapshot().layer_sizes == (2, 3, 3, 1)


def trained_epochs(qtbot, controller, epochs: int) -> None:
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        controller.step(epochs)
    qtbot.waitUntil(
        lambda: not controller.is_running and controller.current_snapshot().epoch == epochs,
        timeout=TIMEOUT,
    )


def test_reset_of_a_big_network_computes_its_snapshot_off_the_gui_thread(
    qtbot, main_window, monkeypatch
):
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    controller = main_window.controller
    trained_epochs(qtbot, controller, 2)
    threads = snapshot_threads(monkeypatch)
    main_window.training_actions.reset.trigger()
    assert threads and threading.main_thread() not in threads
    snapshot = controller.current_snapshot()
    assert snapshot.epoch == 0
    for w, w0 in zip(snapshot.weights, controller.initial_network().weights, strict=True):
        np.testing.assert_array_equal(w, w0)
    assert main_window.network_view.snapshot() is snapshot


def test_reinitialise_of_a_big_network_computes_its_snapshot_off_the_gui_thread(
    qtbot, main_window, monkeypatch
):
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    controller = main_window.controller
    old_seed = controller.session.settings.init_seed
    threads = snapshot_threads(monkeypatch)
    main_window.training_actions.reinitialise.trigger()
    assert threads and threading.main_thread() not in threads
    settings = controller.session.settings
    assert settings.init_seed != old_seed
    expected = settings.build_network(2, 1)
    for w, w0 in zip(controller.current_snapshot().weights, expected.weights, strict=True):
        np.testing.assert_array_equal(w, w0)


def test_reset_of_a_small_network_stays_on_the_gui_thread(qtbot, main_window, monkeypatch):
    controller = main_window.controller
    trained_epochs(qtbot, controller, 1)
    threads = snapshot_threads(monkeypatch)
    main_window.training_actions.reset.trigger()
    assert controller.current_snapshot().epoch == 0
    assert threads in ([], [threading.main_thread()])  # [] when its first snapshot is kept
