"""The mistakes lab: each switch changes the gradient exactly as the seed's wrong code does."""

import inspect_fixtures
import numpy as np
import pytest

from backprop_lab.core import Mistakes, gradient_check, seed_example
from backprop_lab.gui.mistakes_panel import MistakesPanel

# The shared fixtures (a real controller on the seed example) and helpers.
controller = inspect_fixtures.controller
wait_for_snapshot = inspect_fixtures.wait_for_snapshot


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def seed_gradients(derivative_of_pre_activation, pre_activation_in_update):
    """Hand-written NumPy of the seed post's backward pass, with or without its mistakes."""
    setup = seed_example()
    X, t = setup["X"], setup["T"]
    W1, W2, W3 = (np.full((2, 3), 0.1), np.full((3, 3), 0.1), np.full((3, 1), 0.1))
    a1 = X @ W1
    a2 = sigmoid(a1) @ W2
    o = sigmoid(sigmoid(a2) @ W3)
    o_delta = -(t - o) * o * (1 - o)

    def prime(a, h):
        return a * (1 - a) if derivative_of_pre_activation else h * (1 - h)

    a2_delta = (o_delta @ W3.T) * prime(a2, sigmoid(a2))
    a1_delta = (a2_delta @ W2.T) * prime(a1, sigmoid(a1))
    h1 = a1 if pre_activation_in_update else sigmoid(a1)
    h2 = a2 if pre_activation_in_update else sigmoid(a2)
    return [X.T @ a1_delta, h1.T @ a2_delta, h2.T @ o_delta]


@pytest.fixture
def panel(qtbot, controller):
    widget = MistakesPanel(controller)
    qtbot.addWidget(widget)
    return widget


def current_gradients(controller):
    snap = controller.current_snapshot()
    return snap.weight_gradients


def test_starts_in_sync_with_the_controller(panel):
    assert panel.mistakes() == Mistakes()
    # The seed example starts with constant initialisation.
    assert panel.switches["constant_initialisation"].isChecked()
    assert "computed correctly" in panel.status_text()
    for title in ("(a)", "(b)", "(c)"):
        assert any(box.text().startswith(title) for box in panel.switches.values())


@pytest.mark.parametrize(
    ("key", "flags"),
    [
        ("derivative_of_pre_activation", (True, False)),
        ("pre_activation_in_update", (False, True)),
    ],
)
def test_each_mistake_switch_gives_the_seeds_wrong_gradient(qtbot, panel, controller, key, flags):
    with qtbot.waitSignal(panel.mistakes_changed, timeout=2000) as blocker:
        snap = wait_for_snapshot(qtbot, controller, lambda: panel.set_switch(key, True))
    assert blocker.args[0] == Mistakes(*flags)
    assert controller.mistakes() == Mistakes(*flags)
    expected = seed_gradients(*flags)
    correct = seed_gradients(False, False)
    for got, want in zip(snap.weight_gradients, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    # Exactly the layers the mistake touches go wrong: (a) the hidden deltas, so
    # W1 and W2; (b) the factor h(a) of W2 and W3 (W1 multiplies the inputs x).
    wrong = [
        not np.allclose(got, right, rtol=1e-9, atol=0)
        for got, right in zip(snap.weight_gradients, correct, strict=True)
    ]
    assert wrong == ([True, True, False] if flags[0] else [False, True, True])
    setup = seed_example()
    rows = gradient_check(setup["net"], setup["X"], setup["T"], mistakes=controller.mistakes())
    assert not all(r.passed() for r in rows)
    assert "computed wrongly" in panel.status_text()
    snap = wait_for_snapshot(qtbot, controller, lambda: panel.set_switch(key, False))
    for got, want in zip(snap.weight_gradients, correct, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_seed_code_reproduces_the_printed_wrong_update(qtbot, panel, controller):
    panel.reproduce_seed_code()
    assert controller.mistakes() == Mistakes(True, True)
    snap = wait_for_snapshot(qtbot, controller, lambda: controller.step(1), epoch=1)
    np.testing.assert_allclose(snap.weights[2], np.full((3, 1), 0.14122566), atol=1e-8)
    np.testing.assert_allclose(snap.weights[0], [[0.10008983] * 3, [0.10009367] * 3], atol=1e-8)


def test_constant_initialisation_switch_rebuilds_the_network(qtbot, panel, controller):
    with qtbot.waitSignal(controller.network_reset, timeout=2000) as blocker:
        panel.set_switch("constant_initialisation", False)
    snap = blocker.args[0]
    assert controller.settings()["init"] == "xavier"
    assert not np.allclose(snap.weights[0], snap.weights[0][:, :1])  # symmetry broken
    with qtbot.waitSignal(controller.network_reset, timeout=2000) as blocker:
        panel.set_switch("constant_initialisation", True)
    snap = blocker.args[0]
    assert controller.settings()["init"] == "constant"
    for W in snap.weights:
        np.testing.assert_array_equal(W, np.full(W.shape, 0.1))
    assert "stay identical" in panel.status_text()
    # With constant weights the hidden units stay identical after training.
    snap = wait_for_snapshot(qtbot, controller, lambda: controller.step(20), epoch=20)
    for W in snap.weights:
        np.testing.assert_allclose(W, np.repeat(W[:, :1], W.shape[1], axis=1), atol=1e-15)


def test_settings_changed_elsewhere_update_the_switch(qtbot, panel, controller):
    settings = controller.settings()
    controller.set_architecture(settings["hidden_layer_sizes"], "sigmoid", False, "he", 1)
    assert not panel.switches["constant_initialisation"].isChecked()
    panel.set_switch("constant_initialisation", True)
    panel.set_switch("constant_initialisation", False)
    assert controller.settings()["init"] == "he"  # back to the previous initialisation
