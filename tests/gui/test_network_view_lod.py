"""The network view's level of detail: wide layers draw their strongest edges, and say so."""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from backprop_lab.core import Network, Trainer, take_snapshot
from backprop_lab.core.snapshot import ParameterRef
from backprop_lab.gui.network_view import NetworkView
from backprop_lab.gui.network_view.layout import NetworkLayout
from backprop_lab.gui.network_view.rendering import levels_for


def _snapshot(sizes, samples=40):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(samples, sizes[0]))
    T = (X[:, :1] > 0).astype(float)
    trainer = Trainer(Network(list(sizes), "tanh", init="xavier", seed=1), X, T, 0.1)
    trainer.step(3)
    return take_snapshot(trainer)


@pytest.fixture
def wide_view(qtbot):
    view = NetworkView()
    view.resize(700, 460)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.set_snapshot(_snapshot((2, 64, 64, 1)))
    QApplication.processEvents()
    return view


def test_refs_and_index_are_every_weight_in_edge_order():
    layout = NetworkLayout((2, 3, 4, 1), has_bias=True)
    expected = [
        ParameterRef(layer, i, j)
        for layer, (n, m) in enumerate([(2, 3), (3, 4), (4, 1)])
        for i in range(n)
        for j in range(m)
    ]
    assert list(layout.weight_refs) == expected
    assert [layout.weight_refs[k] for k in range(len(expected))] == expected
    assert layout.weight_refs[-1] == expected[-1]
    for k, ref in enumerate(expected):
        assert ref in layout.ref_index and layout.ref_index[ref] == k
        start = layout.node_positions[ref.layer][ref.source]
        end = layout.node_positions[ref.layer + 1][ref.target]
        np.testing.assert_array_equal(layout.weight_segments[k], [*start, *end])
        assert layout.weight_target_layers[k] == ref.layer + 1
    for missing in (ParameterRef(0, 2, 0), ParameterRef(3, 0, 0), ParameterRef(0, None, 0)):
        assert missing not in layout.ref_index
    with pytest.raises(IndexError):
        layout.weight_refs[len(expected)]


def test_a_wide_network_in_a_small_view_draws_the_strongest_edges_and_says_so(qtbot, wide_view):
    view = wide_view
    layout = view._layout
    total = len(layout.weight_refs)
    left_out = view.edges_left_out()
    assert 0 < left_out < total
    qtbot.waitUntil(lambda: "weakest" in view._hint.text(), timeout=2000)
    assert f"the {left_out:,} weakest of {total:,} edges" in view._hint.text()
    # Per layer pair, no edge left out is stronger than one drawn.
    snap = view.snapshot()
    values = np.concatenate([w.ravel() for w in snap.weights])
    limit = view.colour_limit()
    magnitude = np.abs(levels_for(values, limit))
    drawn = {id(line) for group in view._groups for line in group.lines}
    for layer in range(len(layout.layer_sizes) - 1):
        start, end = int(layout.weight_offsets[layer]), int(layout.weight_offsets[layer + 1])
        lines = layout.weight_lines[start:end]
        shown = np.array([id(line) in drawn for line in lines])
        if shown.all():
            continue
        assert magnitude[start:end][~shown].max() <= magnitude[start:end][shown].min()
    # Every edge is still there for the queries, the tooltip and the click.
    assert view.edge_colours().shape == (total, 4)
    weakest = int(np.argmin(np.abs(values[: int(layout.weight_offsets[1])])))
    ref = layout.weight_refs[weakest]
    assert ref.name in view.edge_tooltip(ref)
    view.select(ref)
    assert view.selected() == ref


def test_a_big_view_and_exports_draw_every_edge(qtbot, tmp_path, wide_view):
    view = wide_view
    groups = view._build_groups(2.0, every_edge=True)[0]
    bias_count = len(view._layout.bias_refs)
    assert sum(len(g.lines) for g in groups) == len(view._layout.weight_refs) + bias_count
    view.export_image(tmp_path / "net.png")
    assert (tmp_path / "net.png").stat().st_size > 0
    small = NetworkView()
    qtbot.addWidget(small)
    small.resize(700, 460)
    small.show()
    small.set_snapshot(_snapshot((2, 16, 16, 1)))
    QApplication.processEvents()
    assert small.edges_left_out() == 0


def test_a_256_wide_network_makes_lines_for_the_edges_drawn_only(qtbot):
    view = NetworkView()
    view.resize(700, 460)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.set_snapshot(_snapshot((2, 256, 256, 256, 1), samples=10))
    view.graphics_view().viewport().repaint()
    layout = view._layout
    assert layout._weight_lines is None  # no QLineF per edge for 131,584 edges
    drawn = sum(len(g.lines) for g in view._groups)
    assert drawn < len(layout.weight_refs) / 10
    assert view.edges_left_out() > 0
    assert view.edge_colours().shape == (len(layout.weight_refs), 4)


def test_a_snapshot_of_big_data_fills_and_explains_nodes_like_a_whole_one(qtbot, monkeypatch):
    from backprop_lab.core import snapshot as snapshot_module

    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    T = (X[:, :1] > 0).astype(float)
    trainer = Trainer(Network([2, 5, 4, 1], ["relu", "tanh", "sigmoid"], seed=4), X, T, 0.1)
    trainer.step(2)
    whole = take_snapshot(trainer)
    monkeypatch.setattr(snapshot_module, "KEEP_ACTIVATIONS_BYTES", 0)
    summary = take_snapshot(trainer)
    assert whole.keeps_every_sample and not summary.keeps_every_sample
    views = []
    for snap in (whole, summary):
        view = NetworkView()
        qtbot.addWidget(view)
        view.resize(600, 400)
        view.show()
        view.set_snapshot(snap)
        views.append(view)
    for sample in (None, 7):
        for view in views:
            view.set_sample(sample)
        for layer in range(4):
            np.testing.assert_array_equal(
                views[0].node_colours(layer), views[1].node_colours(layer)
            )
        assert views[0].node_tooltip(1, 2) == views[1].node_tooltip(1, 2)
