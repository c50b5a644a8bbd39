"""The chain-rule panel writes the seed's equations with the core's numbers."""

import inspect_fixtures
import numpy as np
import pytest

from backprop_lab.core import NO_MISTAKES, Mistakes, Network
from backprop_lab.core.snapshot import ParameterRef
from backprop_lab.gui.chain_rule_panel import ChainRulePanel
from backprop_lab.gui.phase_stepper import format_number

# The shared fixtures (a real controller on the seed example) and helpers.
controller = inspect_fixtures.controller
wait_for_snapshot = inspect_fixtures.wait_for_snapshot


@pytest.fixture
def panel(qtbot, controller):
    widget = ChainRulePanel(controller)
    qtbot.addWidget(widget)
    widget.resize(600, 700)
    widget.show()
    return widget


def core_gradients(controller, mistakes=NO_MISTAKES):
    snap = controller.current_snapshot()
    net = Network.from_arrays(snap.weights, snap.biases, snap.activations)
    train, _ = controller.dataset()
    trace = net.forward(train.inputs)
    return trace, net.backward(trace, train.targets, "half_sse", mistakes)


def test_placeholder_until_a_parameter_is_selected(panel):
    assert "Click a weight" in panel.plain_text()
    assert panel.terms() is None


def test_output_weight_shows_design_gradient(panel):
    panel.set_digits(9)
    panel.show_parameter(ParameterRef(2, 0, 0))
    text = panel.plain_text()
    assert "∂E/∂w₁₁⁽³⁾ = −0.138684574" in text
    assert "summed over the 3 samples" in text
    assert "new w₁₁⁽³⁾ = 0.1 − (−0.138684574) = 0.238684574" in text
    # half SSE with a sigmoid output: the product with σ′, numbers substituted.
    assert "δ⁽³⁾ = ∂E/∂P × σ′(a⁽³⁾)" in text
    assert "δ⁽³⁾ = (−0.45954895) × 0.248363713 = −0.114135283" in text


def test_hidden_weight_shows_every_term_of_the_delta_sum(panel, controller):
    panel.show_parameter(ParameterRef(1, 0, 1))  # w_21(2)
    trace, grads = core_gradients(controller)
    terms = panel.terms()
    text = panel.plain_text()
    for n, s in enumerate(terms.samples):
        assert s.delta == grads.deltas[1][n, 1]
        assert s.factor == trace.activations[0][n, 0]
        line = (
            f"∂En/∂w₂₁⁽²⁾ = δ₂⁽²⁾ · h(a₁⁽¹⁾) = {format_number(s.delta)} × "
            f"{format_number(s.factor)} = {format_number(s.gradient)}"
        )
        assert line in text
        last = s.delta_explanation.equations[-1]
        assert last.check() and last.value == s.delta
        assert last.substituted(4) in text
    assert terms.total == grads.weights[1][0, 1]
    assert f"∂E/∂w₂₁⁽²⁾ = {format_number(terms.total)}" in text


def test_one_sample_and_biases(qtbot, panel, controller):
    panel.set_sample(1)
    panel.show_parameter(ParameterRef(0, 1, 2))
    assert [s.sample for s in panel.terms().samples] == [1]
    # Row 1 is the post's sample 2: everything is counted from 1.
    assert "Sample 2" in panel.plain_text() and "Sample 1\n" not in panel.plain_text()
    controller.set_architecture([2], "sigmoid", True, "xavier", 0)  # emits network_reset
    # W1[1,2] no longer exists in a 2-2-1 network: the panel forgets it.
    assert panel.parameter() is None
    panel.show_parameter(ParameterRef(0, None, 1))
    _trace, grads = core_gradients(controller)
    assert panel.terms().samples[0].gradient == grads.deltas[0][1, 1]
    assert "∂En/∂b₂⁽¹⁾ = δ₂⁽¹⁾" in panel.plain_text()


def test_mistakes_are_marked_and_change_the_numbers(qtbot, panel, controller):
    wrong = Mistakes(derivative_of_pre_activation=True, pre_activation_in_update=True)
    wait_for_snapshot(qtbot, controller, lambda: controller.set_mistakes(wrong))
    panel.show_parameter(ParameterRef(1, 0, 1))
    text = panel.plain_text()
    assert "Mistake (a) is on" in text and "Mistake (b) is on" in text
    trace, grads = core_gradients(controller, wrong)
    s = panel.terms().samples[0]
    assert s.factor == trace.pre_activations[0][0, 0]
    assert s.delta == grads.deltas[1][0, 1]
    a2 = trace.pre_activations[1][0, 1]
    assert s.derivative == pytest.approx(a2 * (1 - a2), abs=1e-16)
    assert panel.terms().total == grads.weights[1][0, 1]
    assert not np.isclose(panel.terms().total, core_gradients(controller)[1].weights[1][0, 1])


def test_follows_training(qtbot, panel, controller):
    panel.show_parameter(ParameterRef(2, 1, 0))
    before = panel.terms().total
    wait_for_snapshot(qtbot, controller, lambda: controller.step(1), epoch=1)
    assert panel.terms().total != before
    assert panel.terms().total == core_gradients(controller)[1].weights[2][1, 0]


def test_while_training_a_slow_refresh_is_spaced_out(panel):
    import backprop_lab.gui.chain_rule_panel as module

    panel.show_parameter(ParameterRef(2, 0, 0))  # the seed: a refresh takes milliseconds
    assert panel.running_refresh_interval() == module.RUNNING_REFRESH_SECONDS
    panel._refresh_seconds = 2.0  # a big network's next step takes seconds to explain
    assert panel.running_refresh_interval() == pytest.approx(2.0 / module.REFRESH_SHARE)


def test_the_worker_is_given_longer_to_explain_a_big_batch(controller):
    from backprop_lab.gui.phase_stepper import explain_timeout

    assert explain_timeout(controller) == pytest.approx(10.0, abs=1e-3)  # the seed

    # 2-256x8-1 on 20,000 samples: about 38 s.
    class Big:
        def current_snapshot(self):
            return type("S", (), {"layer_sizes": (2, *[256] * 8, 1)})()

        def dataset(self):
            return (type("D", (), {"n_samples": 20_000})(), None)

    assert explain_timeout(Big()) == pytest.approx(10 + 30 * 20_000 * 459_520 / 1e10)
