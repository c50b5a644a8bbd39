"""The chain-rule panel and the step phases show the next Step's own numbers (issue 14).

Every number is checked against an independent core Trainer replaying the same
example, and against what the next Step then does.
"""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core.inspect import explain_next_step, format_value
from backprop_lab.core.presets import PRESETS
from backprop_lab.core.snapshot import ParameterRef

TIMEOUT = 10_000


def open_and_train(qtbot, window, key, epochs, **settings):
    window.example_actions[key].trigger()
    controller = window.controller
    for name, value in settings.items():
        getattr(controller, f"set_{name}")(value)
    if epochs:
        controller.step(epochs)
    qtbot.waitUntil(lambda: controller.live_snapshot().epoch == epochs, timeout=TIMEOUT)
    reference = PRESETS[key].trainer()
    for name, value in settings.items():
        setattr(reference, name, value)
    reference.step(epochs)
    return controller, reference


def show_chain_rule(window, ref):
    dock = window.inspector.docks["chain_rule"]
    dock.show()
    dock.raise_()
    panel = window.inspector.chain_rule
    panel.show_parameter(ref)
    panel.refresh()
    return panel


@pytest.mark.parametrize(
    ("key", "epochs", "settings"),
    [
        ("spirals", 3, {}),  # momentum 0.9, full batch: the velocity matters
        ("xor", 2, {"batch_size": 16}),  # minibatches: 10 updates per Step
        ("seed", 0, {}),  # plain gradient descent, the post's example
    ],
)
def test_chain_rule_shows_exactly_the_next_step(qtbot, main_window, key, epochs, settings):
    controller, reference = open_and_train(qtbot, main_window, key, epochs, **settings)
    expected = explain_next_step(reference)
    ref = ParameterRef(1 if key != "xor" else 0, 0, 0)
    panel = show_chain_rule(main_window, ref)
    terms = panel.terms()
    update = terms.update_explanation
    want = expected.parameter_value(ref, "new")
    assert update.new_value == want  # bit for bit: the worker's trainer state
    assert terms.epoch_end_value == expected.parameter_value(ref, "epoch_end")
    text = panel.plain_text()
    digits = 4
    for equation in update.equations:
        assert equation.check()
        assert equation.substituted(digits) in text
    assert format_value(want, digits) in text
    if expected.n_updates > 1:
        assert "This Step makes" in text and f"{expected.n_updates} updates" in text
    else:
        assert "This Step makes" not in text
    # The next Step gives what the panel said.
    controller.step(1)
    qtbot.waitUntil(lambda: controller.live_snapshot().epoch == epochs + 1, timeout=TIMEOUT)
    live = controller.live_snapshot()
    assert ref.value_in(live.weights, live.biases) == terms.epoch_end_value


def test_softmax_with_cross_entropy_shows_the_simplified_delta(qtbot, main_window):
    _controller, reference = open_and_train(qtbot, main_window, "three_gaussians", 1)
    panel = show_chain_rule(main_window, ParameterRef(1, 0, 2))  # into output 3
    sample = panel.terms().samples[0]
    delta = sample.delta_explanation
    assert delta.kind == "simplified"
    text = panel.plain_text()
    assert delta.text in text
    for equation in delta.equations:
        assert equation.check() and equation.substituted(4) in text
    expected = explain_next_step(reference)
    row = expected.sample_indices.index(sample.sample)
    assert sample.delta == expected.deltas[1][row, 2]


@pytest.mark.parametrize(("key", "derivative"), [("sine", "1"), ("xor", "tanh")])
def test_a_hidden_or_linear_output_delta_uses_its_own_derivative(
    qtbot, main_window, key, derivative
):
    open_and_train(qtbot, main_window, key, 0)
    layer = 1 if key == "sine" else 0  # sine: into the linear output; xor: a tanh unit
    panel = show_chain_rule(main_window, ParameterRef(layer, 0, 0))
    text = panel.plain_text()
    assert "σ′" not in text  # no sigmoid anywhere on this path
    equations = panel.terms().samples[0].delta_explanation.equations
    assert all(eq.check() for eq in equations)
    if derivative == "tanh":
        assert "tanh′" in text


def test_step_phases_apply_the_next_step_with_momentum_and_minibatches(qtbot, main_window):
    controller, reference = open_and_train(qtbot, main_window, "xor", 2, batch_size=32)
    controller.set_momentum(0.5)
    reference.momentum = 0.5
    expected = explain_next_step(reference)
    stepper = main_window.inspector.phase_stepper
    for _ in range(len(expected.phases)):
        stepper.step_phase()
    shown = stepper.explanation()
    assert shown.n_updates == expected.n_updates > 1
    for a, b in zip(shown.new_weights, expected.new_weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert "This Step makes" in stepper.note_text()
    headers = stepper.table_headers()
    assert headers[3] == "Δ = v = μv − η·g" and headers[-1].startswith("after all")
    row = stepper.table_rows()[0]
    ref = ParameterRef(1, 0, 0)
    assert row[0] == "w₁₁⁽²⁾"
    assert row[-1] == f"{expected.parameter_value(ref, 'epoch_end'):.7g}".replace("-", "−")
    stepper.step_phase()  # Apply update: the next Step
    qtbot.waitUntil(lambda: controller.live_snapshot().epoch == 3, timeout=TIMEOUT)
    reference.step(1)
    for a, b in zip(controller.live_snapshot().weights, reference.net.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert "next Step (epoch 3" in stepper.status_text()
