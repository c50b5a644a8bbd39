"""Optimiser, schedule and L1/L2 settings reach the worker in place, number for number."""

from __future__ import annotations

import numpy as np

from backprop_lab.core import Trainer, seed_example

TIMEOUT = 30_000  # an upper bound for waits on signals: a loaded CI machine can take seconds


def _step(qtbot, controller):
    # A settings change also sends a snapshot (the gradients include the penalty):
    # wait for the epoch itself.
    target = controller.current_snapshot().epoch + 1
    assert controller.step()
    qtbot.waitUntil(lambda: controller.current_snapshot().epoch == target, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not controller.is_running, timeout=TIMEOUT)
    return controller.current_snapshot()


def test_adam_with_a_schedule_and_l2_trains_like_the_core(qtbot, controller):
    options = dict(
        optimizer="adam",
        beta1=0.8,
        lr_schedule="step",
        lr_drop=0.5,
        lr_every=1,
        l2=0.1,
        learning_rate=0.5,
    )
    controller.update_settings(**options)
    core = Trainer(
        **{**seed_example(), "learning_rate": 0.5},
        optimizer="adam",
        beta1=0.8,
        schedule="step",
        schedule_params={"drop": 0.5, "every": 1},
        l2=0.1,
    )
    for _ in range(2):
        snapshot = _step(qtbot, controller)
        core.step(1)
    for shown, expected in zip(snapshot.weights, core.net.weights, strict=True):
        np.testing.assert_array_equal(shown, expected)
    assert snapshot.penalty == core.penalty()
    # A hyperparameter change keeps Adam's state (t goes on counting), as in the core.
    controller.update_settings(beta2=0.9)
    core.set_optimizer(beta2=0.9)
    snapshot = _step(qtbot, controller)
    core.step(1)
    for shown, expected in zip(snapshot.weights, core.net.weights, strict=True):
        np.testing.assert_array_equal(shown, expected)


def test_gradient_check_panel_includes_the_penalty_and_says_why_a_step_net_cannot_learn(
    qtbot, controller
):
    from backprop_lab.gui.gradient_check_panel import GradientCheckPanel

    controller.update_settings(l2=0.5)
    panel = GradientCheckPanel(controller)
    qtbot.addWidget(panel)
    rows = panel.run_check()
    assert rows and all(r.passed() for r in rows)
    assert "penalty" in panel.detail_text()
    controller.set_architecture((3, 3), ("step", "sigmoid", "sigmoid"), False, "constant")
    qtbot.waitUntil(lambda: controller.current_snapshot().activations[0] == "step", timeout=TIMEOUT)
    panel.run_check()
    assert "step activation" in panel.detail_text() and "Nothing below" in panel.detail_text()
