"""With L1/L2 on, the loss plot shows the penalty as its own curve; training stays the data loss."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication

from backprop_lab.core.presets import PRESETS

TIMEOUT = 10_000


def test_the_penalty_curve_follows_the_weights_and_goes_with_regularisation(qtbot, main_window):
    controller = main_window.controller
    main_window.example_actions["xor"].trigger()
    plot = main_window.loss_plot
    assert getattr(plot, "penalty_curve", None) is None or not plot.penalty_curve.isVisible()
    controller.update_settings(l2=0.01, l1=0.001)
    for epoch in range(1, 4):
        controller.step(1)
        qtbot.waitUntil(lambda e=epoch: controller.live_snapshot().epoch == e, timeout=TIMEOUT)
    main_window.penalty_curve.draw()
    QApplication.processEvents()
    epochs, values = main_window.penalty_curve.points()
    assert list(epochs) == [0, 1, 2, 3]
    net = controller.current_network()
    assert values[-1] == net.penalty(0.001, 0.01)
    assert values[-1] > 0
    xs, ys = plot.penalty_curve.getData()
    np.testing.assert_array_equal(xs, epochs)
    np.testing.assert_allclose(ys, values)
    assert plot.penalty_curve.isVisible()
    assert "penalty" in [label.text for _sample, label in plot.legend.items]
    # The training curve is still the data loss, without the penalty.
    reference = PRESETS["xor"].trainer()
    reference.l1, reference.l2 = 0.001, 0.01
    records = reference.step(3)
    _epochs, train, _test = controller.session.history.views()
    np.testing.assert_allclose(train[:3], [r.train_loss for r in records], rtol=1e-12)
    assert records[0].penalty > 0  # the penalty is recorded apart
    controller.update_settings(l2=0.0, l1=0.0)
    assert not plot.penalty_curve.isVisible()
    assert "penalty" not in [label.text for _sample, label in plot.legend.items]
