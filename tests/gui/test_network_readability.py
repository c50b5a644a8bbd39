"""No text in the network view is drawn below the readable minimum, at any allowed size."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from backprop_lab.core import Network, Trainer, take_snapshot
from backprop_lab.gui.network_view import NetworkView

SHAPES = [(2, 3, 3, 1), (2, 16, 16, 1), (2, 16, 16, 16, 1)]
#: The network view's size in the 1280x720 and 1440x900 windows (and a roomy one).
VIEW_SIZES = [(560, 300), (700, 430), (1100, 700)]


def _view(qtbot, sizes, width, height, maps):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    T = (X[:, :1] > 0).astype(float)
    trainer = Trainer(Network(list(sizes), "tanh"), X, T, learning_rate=0.1)
    trainer.step(1)
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    view.set_snapshot(take_snapshot(trainer))
    view.set_names(["sleep_hours/10", "exam_score/100"], ["passed_the_final_exam"])
    view.set_node_maps([[rng.random((8, 8)) for _ in range(n)] for n in sizes] if maps else None)
    view.set_node_maps_visible(maps)
    QApplication.processEvents()
    return view


@pytest.mark.parametrize("maps", [False, True], ids=["plain", "unit-maps"])
@pytest.mark.parametrize("sizes", SHAPES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("width,height", VIEW_SIZES, ids=lambda v: str(v))
def test_no_text_is_drawn_below_the_readable_minimum(qtbot, sizes, width, height, maps):
    view = _view(qtbot, sizes, width, height, maps)
    texts = view.drawn_texts()
    assert texts, "the view draws its headings at least"
    minimum = view.readable_min_pixels()
    small = [(text, round(px, 1)) for text, px in texts if px < minimum - 0.01]
    assert small == [], f"below {minimum:.1f} px"
    drawn = {text for text, _ in texts}
    # The output is labelled as the output, the target apart from it.
    assert "P" in drawn
    assert not any(text == "passed_the_final_exam" for text in drawn)


def test_what_does_not_fit_is_said_not_shrunk(qtbot):
    view = _view(qtbot, (2, 16, 16, 16, 1), 560, 300, maps=False)
    plan = view.text_plan()
    assert not plan.show_values
    assert any("node values" in note for note in plan.notes)
    qtbot.waitUntil(lambda: "Left out at this size: node values" in view._hint.text(), timeout=2000)
    roomy = _view(qtbot, (2, 3, 3, 1), 1100, 700, maps=False)
    assert roomy.text_plan().show_values
    assert any(text == "0.00" or "." in text for text, _ in roomy.drawn_texts())


def test_unit_map_thumbnails_leave_a_gap_between_neighbours(qtbot):
    view = _view(qtbot, (2, 16, 16, 1), 560, 300, maps=True)
    layout = view._layout
    assert 2 * layout.map_half_side < layout.node_spacing * 0.9
