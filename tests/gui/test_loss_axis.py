"""The loss plot's tick labels never overlap, also on a log scale."""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtWidgets import QApplication

from backprop_lab.gui.loss_plot import LossPlot


def test_log_scale_tick_labels_keep_a_text_height_apart(qtbot):
    plot = LossPlot("half_sse")
    qtbot.addWidget(plot)
    plot.resize(560, 220)
    plot.show()
    epochs = np.arange(1, 2001)
    plot.append(epochs, 0.09 * np.exp(-epochs / 900) + 0.004)
    plot.set_log_y(True)
    QApplication.processEvents()
    axis = plot.plot_item.getAxis("left")
    (low, high), height = plot.view_box.viewRange()[1], axis.height()
    levels = axis.tickValues(low, high, height)
    shown = []
    for spacing, values in levels:
        texts = axis.tickStrings(values, axis.scale, spacing)
        shown += [
            (float(v) - low) / (high - low) * height
            for v, t in zip(values, texts, strict=True)
            if t
        ]
    assert len(shown) >= 3  # still labelled
    shown.sort()
    gap = axis._min_gap_pixels()
    assert all(b - a >= gap - 1e-9 for a, b in itertools.pairwise(shown))
    # Without the thinning, pyqtgraph labels every minor tick here.
    assert sum(len(v) for _, v in levels) > len(shown)
