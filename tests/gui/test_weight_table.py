"""The weight table shows the snapshot's numbers in the network view's colours."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QTableView
from waiting import event_loop_turn, process_events

from backprop_lab.core import Network, ParameterRef, Trainer, seed_example, take_snapshot
from backprop_lab.gui.colors import diverging_qcolor, text_colour_for
from backprop_lab.gui.steady import is_shown
from backprop_lab.gui.weight_table import (
    NO_VALUE_TEXT,
    SELECTED_ROLE,
    WeightTable,
    format_value,
    unit_names,
)


@pytest.fixture
def table(qtbot):
    widget = WeightTable()
    qtbot.addWidget(widget)
    widget.resize(600, 700)
    widget.show()
    return widget


def _biased_trainer(steps: int = 0) -> Trainer:
    net = Network([2, 4, 3, 2], ["tanh", "tanh", "sigmoid"], init="xavier", bias=True, seed=3)
    rng = np.random.default_rng(0)
    trainer = Trainer(net, rng.normal(size=(8, 2)), rng.random((8, 2)), learning_rate=0.5)
    if steps:
        trainer.step(steps)
    return trainer


def _all_refs(snap):
    for layer, w in enumerate(snap.weights):
        for source in range(w.shape[0]):
            for target in range(w.shape[1]):
                yield ParameterRef(layer, source, target), float(w[source, target])
        if snap.biases is not None:
            for target, b in enumerate(snap.biases[layer]):
                yield ParameterRef(layer, None, target), float(b)


def _colour_tuple(colour):
    return colour.red(), colour.green(), colour.blue(), colour.alpha()


def test_seed_example_tables_show_every_weight(table):
    trainer = Trainer(**seed_example())
    trainer.step(1)
    snap = take_snapshot(trainer)
    table.set_snapshot(snap)
    assert table.table_count() == 3
    assert table.title(0) == "W1: inputs → hidden 1 (2 × 3)"
    model = table.model(0)
    assert (model.rowCount(), model.columnCount()) == (2, 3)  # no bias row without biases
    headers = [model.headerData(r, Qt.Orientation.Vertical) for r in range(2)]
    assert headers == ["x1", "x2"]
    columns = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
    assert columns == ["h1(1)", "h2(1)", "h3(1)"]
    assert table.model(2).headerData(0, Qt.Orientation.Horizontal) == "P"
    # After one correct step every W3 entry is 0.23868457 (docs/architecture.md).
    assert [table.cell_text(ParameterRef(2, s, 0)) for s in range(3)] == ["0.2387"] * 3
    assert table.cell_text(ParameterRef(0, 1, 2)) == "0.1003"
    for ref, value in _all_refs(snap):
        assert table.cell_text(ref) == format_value(value)
        assert repr(value) in table.cell_tooltip(ref)
        assert ref.name in table.cell_tooltip(ref)


def test_backgrounds_use_the_shared_colour_map_and_scale(table):
    trainer = _biased_trainer(3)
    snap = take_snapshot(trainer)
    table.set_snapshot(snap)
    limit = max(np.abs(a).max() for a in (*snap.weights, *snap.biases))
    assert table.colour_limit() == pytest.approx(limit)
    assert table.legend.limit() == pytest.approx(limit)
    for ref, value in _all_refs(snap):
        background = table.cell_background(ref)
        assert _colour_tuple(background) == _colour_tuple(diverging_qcolor(value, limit))
        expected_text = text_colour_for(background)
        assert _colour_tuple(table.cell_foreground(ref)) == _colour_tuple(expected_text)
    table.set_scale("fixed", 0.25)
    assert table.scale().mode == "fixed" and table.colour_limit() == 0.25
    assert table.legend.scale_mode() == "fixed"
    for ref, value in _all_refs(snap):
        expected = diverging_qcolor(value, 0.25)
        assert _colour_tuple(table.cell_background(ref)) == _colour_tuple(expected)
    with pytest.raises(ValueError):
        table.set_scale("fixed", -1.0)
    assert table.colour_limit() == 0.25  # the previous scale stays
    table.set_scale("auto")
    assert table.colour_limit() == pytest.approx(limit)


def test_signs_get_different_colours(table):
    snap = take_snapshot(_biased_trainer())
    table.set_snapshot(snap)
    negative = next(ref for ref, v in _all_refs(snap) if v < -0.3)
    positive = next(ref for ref, v in _all_refs(snap) if v > 0.3)
    neg, pos = table.cell_background(negative), table.cell_background(positive)
    assert neg.red() > neg.blue()  # orange for negative
    assert pos.blue() > pos.red()  # blue for positive


def test_bias_row_present_iff_network_has_biases(table):
    snap = take_snapshot(_biased_trainer())
    table.set_snapshot(snap)
    assert table.title(1) == "W2 + b2: hidden 1 → hidden 2 (4 × 3)"
    for layer, w in enumerate(snap.weights):
        model = table.model(layer)
        assert model.rowCount() == w.shape[0] + 1
        assert model.headerData(w.shape[0], Qt.Orientation.Vertical) == "b"
        for target, b in enumerate(snap.biases[layer]):
            assert table.cell_text(ParameterRef(layer, None, target)) == format_value(b)
    table.set_snapshot(take_snapshot(Trainer(**seed_example())))
    assert all(table.model(layer).rowCount() == n for layer, n in enumerate([2, 3, 3]))
    table.select(ParameterRef(0, None, 0))  # no bias in this network: nothing highlighted
    assert not any(table.index_of(r).data(SELECTED_ROLE) for r, _ in _all_refs(table.snapshot()))


def test_select_highlights_exactly_one_cell(table):
    snap = take_snapshot(_biased_trainer())
    table.set_snapshot(snap)
    ref = ParameterRef(1, 2, 1)
    table.select(ref)
    assert table.selected() == ref
    for other, _ in _all_refs(snap):
        index = table.index_of(other)
        assert index.data(SELECTED_ROLE) == (other == ref)
    bias = ParameterRef(2, None, 0)
    table.select(bias)
    assert table.index_of(bias).data(SELECTED_ROLE)
    assert not table.index_of(ref).data(SELECTED_ROLE)
    table.select(None)
    assert not any(table.index_of(r).data(SELECTED_ROLE) for r, _ in _all_refs(snap))


def test_clicking_a_cell_emits_its_parameter(table, qtbot):
    table.set_snapshot(take_snapshot(_biased_trainer()))
    for ref in (ParameterRef(0, 1, 3), ParameterRef(1, None, 2)):
        view = table.view(ref.layer)
        index = table.index_of(ref)
        with qtbot.waitSignal(table.parameter_selected, timeout=1000) as blocker:
            qtbot.mouseClick(
                view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
            )
        assert blocker.args == [ref]
        assert table.selected() == ref
        assert index.data(SELECTED_ROLE)


def test_select_does_not_emit(table, qtbot):
    table.set_snapshot(take_snapshot(_biased_trainer()))
    with qtbot.assertNotEmitted(table.parameter_selected):
        table.select(ParameterRef(0, 0, 0))


def test_value_kind_shows_gradients_and_updates(table, qtbot):
    trainer = _biased_trainer()
    table.set_snapshot(take_snapshot(trainer))
    table.set_value_kind("update")
    qtbot.waitUntil(lambda: table.legend.title() == "last update Δw (no update yet)", timeout=1000)
    assert table.cell_text(ParameterRef(0, 0, 0)) == NO_VALUE_TEXT
    assert "no update yet" in table.cell_tooltip(ParameterRef(0, 0, 0))
    table.set_value_kind("gradient")
    snap = take_snapshot(trainer)
    table.set_snapshot(snap)
    qtbot.waitUntil(lambda: table.legend.title() == "gradient dE/dw", timeout=1000)
    gradients = [(ParameterRef(r.layer, r.source, r.target), 0.0) for r, _ in _all_refs(snap)]
    limit = max(np.abs(a).max() for a in (*snap.weight_gradients, *snap.bias_gradients))
    assert table.colour_limit() == pytest.approx(limit)
    for ref, _ in gradients:
        value = ref.value_in(snap.weight_gradients, snap.bias_gradients)
        assert table.cell_text(ref) == format_value(value)
        assert "gradient dE/d" in table.cell_tooltip(ref)
        assert _colour_tuple(table.cell_background(ref)) == _colour_tuple(
            diverging_qcolor(value, limit)
        )
    trainer.step(1)
    snap = take_snapshot(trainer)
    table.set_snapshot(snap)
    table.set_value_kind("update")
    for ref, _ in _all_refs(snap):
        value = ref.value_in(snap.last_weight_updates, snap.last_bias_updates)
        assert table.cell_text(ref) == format_value(value)
    table.set_value_kind("weight")
    for ref, value in _all_refs(snap):
        assert table.cell_text(ref) == format_value(value)
    with pytest.raises(ValueError, match="value kind"):
        table.set_value_kind("activation")
    assert table.value_kind() == "weight"


def test_scales_are_kept_per_value_kind(table):
    table.set_snapshot(take_snapshot(_biased_trainer(1)))
    table.set_scale("fixed", 2.0)
    table.set_value_kind("gradient")
    assert table.scale().mode == "auto"
    table.set_value_kind("weight")
    assert table.colour_limit() == 2.0


def test_live_updates_change_cells_in_place(table, qtbot):
    trainer = _biased_trainer()
    table.set_snapshot(take_snapshot(trainer))
    model = table.model(0)
    resets = []
    model.modelReset.connect(lambda: resets.append(True))
    trainer.step(3)
    snap = take_snapshot(trainer)
    with qtbot.waitSignal(model.dataChanged, timeout=1000):
        table.set_snapshot(snap)
    assert table.model(0) is model
    assert resets == []
    for ref, value in _all_refs(snap):
        assert table.cell_text(ref) == format_value(value)


def test_no_work_while_hidden(table, qtbot):
    trainer = _biased_trainer()
    table.set_snapshot(take_snapshot(trainer))
    model = table.model(0)
    changes = []
    model.dataChanged.connect(lambda *args: changes.append(args))
    table.hide()
    trainer.step(2)
    snap = take_snapshot(trainer)
    for _ in range(5):
        table.set_snapshot(snap)
    assert changes == []
    table.show()
    assert len(changes) == 1
    for ref, value in _all_refs(snap):
        assert table.cell_text(ref) == format_value(value)


def test_streamed_snapshots_are_coalesced(table, qtbot):
    trainer = _biased_trainer()
    table.set_snapshot(take_snapshot(trainer))
    model = table.model(0)
    changes = []
    model.dataChanged.connect(lambda *args: changes.append(args))
    snaps = []
    for _ in range(10):
        trainer.step(1)
        snaps.append(take_snapshot(trainer))
    for snap in snaps:
        table.set_snapshot(snap)
    assert len(changes) <= 1  # ten snapshots in a burst: at most one immediate refresh
    qtbot.waitUntil(lambda: not table._dirty, timeout=1000)
    assert len(changes) <= 2
    for ref, value in _all_refs(snaps[-1]):
        if ref.layer == 0:
            assert model.index(*model.cell_of(ref)).data() == format_value(value)


def test_selection_from_a_newer_network_waits_for_its_snapshot(table):
    """The network view may select a parameter before this table has that network."""
    table.set_snapshot(take_snapshot(Trainer(**seed_example())))
    ref = ParameterRef(1, None, 2)  # a bias: the seed network has none
    table.select(ref)
    assert table.selected() == ref
    snap = take_snapshot(_biased_trainer())
    table.set_snapshot(snap)
    assert table.selected() == ref
    assert table.index_of(ref).data(SELECTED_ROLE)
    table.set_snapshot(take_snapshot(Trainer(**seed_example())))
    assert table.selected() is None


def test_architecture_change_rebuilds_tables(table, qtbot):
    seed_snap = take_snapshot(Trainer(**seed_example()))
    table.set_snapshot(seed_snap)
    table.select(ParameterRef(2, 1, 0))
    snap = take_snapshot(_biased_trainer(2))
    table.set_snapshot(snap)
    assert table.table_count() == 3
    assert [(table.model(i).rowCount(), table.model(i).columnCount()) for i in range(3)] == [
        (3, 4),
        (5, 3),
        (4, 2),
    ]
    assert table.model(2).headerData(1, Qt.Orientation.Horizontal) == "P2"
    assert table.selected() == ParameterRef(2, 1, 0)  # still exists: kept
    for ref, value in _all_refs(snap):
        assert table.cell_text(ref) == format_value(value)
    small = Trainer(Network([1, 1], "linear", init="constant", bias=False), [[1.0]], [[2.0]])
    table.set_snapshot(take_snapshot(small))
    assert table.table_count() == 1
    assert table.selected() is None  # W3 is gone: selection dropped
    assert table.title(0) == "W1: inputs → output (1 × 1)"
    assert table.cell_text(ParameterRef(0, 0, 0)) == "0.1"
    # Only the current tables remain in the widget.
    views = table.findChildren(QTableView)
    assert views == [table.view(0)]
    qtbot.waitUntil(views[0].isVisible, timeout=1000)
    table.set_snapshot(None)
    assert table.table_count() == 0 and table.empty_label.isVisible()


def test_selection_survives_a_compatible_snapshot(table):
    table.set_snapshot(take_snapshot(_biased_trainer()))
    ref = ParameterRef(2, 2, 1)
    table.select(ref)
    table.set_snapshot(take_snapshot(_biased_trainer(2)))
    assert table.selected() == ref
    assert table.index_of(ref).data(SELECTED_ROLE)


def test_names_and_number_format(table):
    assert unit_names([2, 3, 3, 1]) == [
        ["x1", "x2"],
        ["h1(1)", "h2(1)", "h3(1)"],
        ["h1(2)", "h2(2)", "h3(2)"],
        ["P"],
    ]
    assert format_value(0.23868457) == "0.2387"
    assert format_value(-0.000138684574) == "-0.0001387"
    assert format_value(-0.0) == "0"
    assert format_value(float("nan")) == "nan"
    table.set_snapshot(take_snapshot(Trainer(**seed_example())))
    table.set_names(["hours", "sleep"], ["score"])
    model = table.model(0)
    assert model.headerData(1, Qt.Orientation.Vertical) == "sleep"
    assert table.model(2).headerData(0, Qt.Orientation.Horizontal) == "score"
    assert "sleep → h2(1)" in table.cell_tooltip(ParameterRef(0, 1, 1))


def test_nan_weights_are_shown_as_nan_in_the_invalid_colour(table):
    net = Network.from_arrays([np.array([[np.nan, 1.0]])], None, ["linear"])
    snap = take_snapshot(Trainer(net, [[1.0]], [[0.0, 0.0]]))
    table.set_snapshot(snap)
    assert table.cell_text(ParameterRef(0, 0, 0)) == "nan"
    assert _colour_tuple(table.cell_background(ParameterRef(0, 0, 0))) == (200, 0, 200, 255)
    assert table.cell_text(ParameterRef(0, 0, 1)) == "1"


def test_a_tabbed_away_table_waits_and_catches_up_when_its_tab_is_raised(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    table = WeightTable()
    table_dock, other_dock = QDockWidget("Weights", window), QDockWidget("Other", window)
    table_dock.setWidget(table)
    other_dock.setWidget(QLabel("another panel"))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, table_dock)
    window.tabifyDockWidget(table_dock, other_dock)
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    trainer = Trainer(**seed_example())
    table.set_snapshot(take_snapshot(trainer))
    table.refresh()
    other_dock.raise_()
    qtbot.waitUntil(lambda: not is_shown(table), timeout=1000)
    trainer.step(50)
    latest = take_snapshot(trainer)
    table.set_snapshot(latest)
    # Tabbed away: no refresh is even scheduled, and none happens in the meantime.
    assert not table._refresh_timer.isActive()
    event_loop_turn(qtbot)
    assert table.refresh_pending()
    table_dock.raise_()
    qtbot.waitUntil(lambda: not table.refresh_pending(), timeout=2000)
    ref = ParameterRef(2, 0, 0)
    assert table.cell_text(ref) == format_value(latest.weights[2][0, 0])


def test_only_the_cells_in_view_are_made(qtbot, table):
    # A 2-64-64-64-1 network: the first tables fill the view, the last ones are
    # scrolled out of it; a repaint makes texts only for the cells painted, and
    # the tables out of view compute not even their colours.
    net = Network([2, 64, 64, 64, 1], "tanh", init="xavier", bias=True, seed=0)
    rng = np.random.default_rng(1)
    trainer = Trainer(net, rng.normal(size=(20, 2)), rng.random((20, 1)))
    table.set_snapshot(take_snapshot(trainer))
    table.refresh()
    process_events()
    trainer.step(1)
    table.set_snapshot(take_snapshot(trainer))
    table.refresh()
    process_events()  # let the repaint the new values asked for happen
    models = [table.model(i) for i in range(table.table_count())]
    total = sum(m.rowCount() * m.columnCount() for m in models)
    assert 0 < sum(m.texts_made() for m in models) < total / 4
    assert models[0].colours_made()
    assert not models[-1].colours_made() and models[-1].texts_made() == 0
    # What is shown is still every number, in the network view's colours.
    ref = ParameterRef(2, 5, 7)
    value = float(trainer.net.weights[2][5, 7])
    assert table.cell_text(ref) == format_value(value)


def test_a_snapshot_with_the_same_numbers_repaints_nothing(table, qtbot):
    """A network that no longer learns (saturated, or a layer that does not change)
    costs nothing per snapshot: equal numbers emit no change, make no cell again."""
    trainer = _biased_trainer(steps=2)
    table.set_snapshot(take_snapshot(trainer))
    table.refresh()
    changes = []
    for layer in range(table.table_count()):
        table.model(layer).dataChanged.connect(lambda *args: changes.append(args))
    texts = [table.cell_text(ref) for ref, _value in _all_refs(take_snapshot(trainer))]
    made = [table.model(layer).texts_made() for layer in range(table.table_count())]
    again = take_snapshot(trainer)  # a new snapshot object, the same numbers
    table.set_snapshot(again)
    table.refresh()
    assert changes == []
    assert [table.model(layer).texts_made() for layer in range(table.table_count())] == made
    assert [table.cell_text(ref) for ref, _value in _all_refs(again)] == texts
    # Other numbers, or another kind of number, still show.
    trainer.step(1)
    table.set_snapshot(take_snapshot(trainer))
    table.refresh()
    assert len(changes) == table.table_count()
    table.set_value_kind("gradient")
    assert len(changes) == 2 * table.table_count()
