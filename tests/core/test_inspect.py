"""explain_step and chain_rule_terms: the seed example's numbers, exactly the core's."""

import numpy as np
import pytest

from backprop_lab.core import Mistakes, Network, ParameterRef, Trainer, gradient_check, seed_example
from backprop_lab.core.inspect import (
    Phase,
    all_parameter_refs,
    chain_rule_terms,
    explain_snapshot,
    explain_step,
)
from backprop_lab.core.snapshot import take_snapshot

SEED_MISTAKES = Mistakes(derivative_of_pre_activation=True, pre_activation_in_update=True)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


@pytest.fixture
def seed():
    return seed_example()


def explain(seed, **kwargs):
    return explain_step(seed["net"], seed["X"], seed["T"], "half_sse", 1.0, **kwargs)


def test_seed_step_has_design_numbers(seed):
    e = explain(seed)
    np.testing.assert_allclose(e.weight_gradients[2].ravel(), [-0.138684574] * 3, atol=1e-9)
    np.testing.assert_allclose(e.new_weights[2], np.full((3, 1), 0.23868457), atol=1e-8)
    np.testing.assert_allclose(e.new_weights[0], [[0.10032772] * 3, [0.10034179] * 3], atol=1e-8)
    np.testing.assert_allclose(
        e.activations[-1].ravel(), [0.54045105, 0.54034353, 0.54042039], atol=1e-8
    )
    np.testing.assert_array_equal(e.old_weights[2], np.full((3, 1), 0.1))
    np.testing.assert_array_equal(e.weight_updates[2], -1.0 * e.weight_gradients[2])


def test_new_weights_equal_the_trainers_step_bit_for_bit():
    setup = seed_example()
    setup["net"] = Network([2, 3, 2], "tanh", init="xavier", bias=True, seed=3)
    setup["T"] = np.tile(setup["T"], (1, 2)) * [1, -0.5]
    setup["learning_rate"] = 0.7
    e = explain_step(setup["net"], setup["X"], setup["T"], "half_sse", 0.7)
    trainer = Trainer(**setup)
    trainer.step(1)
    for expected, got in zip(e.new_weights, trainer.net.weights, strict=True):
        np.testing.assert_array_equal(expected, got)
    for expected, got in zip(e.new_biases, trainer.net.biases, strict=True):
        np.testing.assert_array_equal(expected, got)


def test_deltas_and_gradients_are_the_cores(seed):
    for mistakes in (Mistakes(), SEED_MISTAKES):
        net = seed["net"]
        grads = net.backward(net.forward(seed["X"]), seed["T"], "half_sse", mistakes)
        e = explain(seed, mistakes=mistakes)
        for a, b in zip(e.deltas, grads.deltas, strict=True):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(e.weight_gradients, grads.weights, strict=True):
            np.testing.assert_array_equal(a, b)


def test_explain_does_not_change_the_network(seed):
    before = [w.copy() for w in seed["net"].weights]
    explain(seed)
    for a, b in zip(before, seed["net"].weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_gradients_equal_central_differences():
    net = Network([2, 4, 3, 2], ["tanh", "sigmoid", "linear"], init="xavier", bias=True, seed=1)
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    e = explain_step(net, X, T, "mse", 0.1)
    rows = gradient_check(net, X, T, "mse")
    analytic = [g for g in e.weight_gradients] + [g for g in e.bias_gradients]
    flat = np.concatenate([g.ravel() for g in analytic])
    numeric = np.array([r.numeric for r in rows])
    np.testing.assert_allclose(flat, numeric, rtol=1e-6, atol=1e-9)


def test_one_sample_step_uses_only_that_row(seed):
    e = explain(seed, sample=1)
    assert e.sample == 1 and e.sample_indices == (1,) and e.n_samples == 1
    np.testing.assert_array_equal(e.inputs, seed["X"][1:2])
    net = seed["net"]
    grads = net.backward(net.forward(seed["X"][1:2]), seed["T"][1:2])
    np.testing.assert_array_equal(e.weight_gradients[0], grads.weights[0])
    with pytest.raises(ValueError, match="sample 3 does not exist"):
        explain(seed, sample=3)


def test_phases_walk_forward_backward_update():
    e = explain(seed_example())
    titles = [p.title for p in e.phases]
    assert titles == [
        "Forward · layer 1",
        "Forward · layer 2",
        "Forward · layer 3",
        "Backward · layer 3",
        "Backward · layer 2",
        "Backward · layer 1",
        "Update · layer 1",
        "Update · layer 2",
        "Update · layer 3",
    ]
    assert e.phases[3] == Phase("backward", 3)


def test_bad_learning_rate_is_refused(seed):
    with pytest.raises(ValueError, match="learning rate"):
        explain_step(seed["net"], seed["X"], seed["T"], "half_sse", 0.0)


def test_output_weight_chain_rule_matches_seed_formula(seed):
    e = explain(seed)
    terms = chain_rule_terms(e, ParameterRef(2, 0, 0))
    assert terms.is_output_layer and terms.layer == 3 and terms.factor_kind == "activation"
    assert terms.total == e.weight_gradients[2][0, 0]
    P = e.activations[-1][:, 0]
    t = seed["T"][:, 0]
    hand_delta = -(t - P) * P * (1 - P)
    for n, s in enumerate(terms.samples):
        assert s.delta == e.deltas[2][n, 0]
        assert s.delta == pytest.approx(hand_delta[n], abs=1e-15)
        assert s.factor == e.activations[1][n, 0]
        assert s.gradient == s.delta * s.factor
        assert s.output_error * s.derivative == pytest.approx(s.delta, abs=1e-16)
    assert sum(s.gradient for s in terms.samples) == pytest.approx(-0.138684574, abs=1e-9)


def test_hidden_delta_is_sum_over_next_layer_term_by_term(seed):
    e = explain(seed)
    terms = chain_rule_terms(e, ParameterRef(0, 1, 2))
    assert terms.factor_kind == "input" and len(terms.samples) == 3
    for n, s in enumerate(terms.samples):
        assert [t.next_unit for t in s.delta_sum_terms] == [0, 1, 2]
        for t in s.delta_sum_terms:
            assert t.delta == e.deltas[1][n, t.next_unit]
            assert t.weight == e.old_weights[1][2, t.next_unit]
            assert t.product == t.delta * t.weight
        assert s.delta_sum == pytest.approx(sum(t.product for t in s.delta_sum_terms), abs=1e-17)
        h = e.activations[0][n, 2]
        assert s.derivative == h * (1 - h)
        assert s.delta == pytest.approx(s.derivative * s.delta_sum, abs=1e-17)
        assert s.factor == seed["X"][n, 1]
    assert terms.total == e.weight_gradients[0][1, 2]
    one = chain_rule_terms(e, ParameterRef(0, 1, 2), sample=2)
    assert [s.sample for s in one.samples] == [2] and one.total == terms.total


def test_bias_gradient_is_delta():
    net = Network([2, 3, 1], "sigmoid", bias=True, seed=0)
    X, T = seed_example()["X"], seed_example()["T"]
    e = explain_step(net, X, T, "half_sse", 0.5)
    terms = chain_rule_terms(e, ParameterRef(0, None, 1))
    assert terms.factor_kind == "bias"
    assert [s.gradient for s in terms.samples] == list(e.deltas[0][:, 1])
    assert terms.total == e.bias_gradients[0][1]
    assert terms.new_value == e.new_biases[0][1]
    with pytest.raises(ValueError, match="no biases"):
        chain_rule_terms(explain(seed_example()), ParameterRef(0, None, 1))


def test_mistakes_show_in_chain_rule_as_the_seeds_wrong_code(seed):
    e = explain(seed, mistakes=SEED_MISTAKES)
    X, t = seed["X"], seed["T"]
    W1, W2, W3 = (np.full((2, 3), 0.1), np.full((3, 3), 0.1), np.full((3, 1), 0.1))
    a1 = X @ W1
    a2 = sigmoid(a1) @ W2
    o = sigmoid(sigmoid(a2) @ W3)
    o_delta = -(t - o) * o * (1 - o)
    a2_delta = (o_delta @ W3.T) * a2 * (1 - a2)  # sigmoidPrime(a2): the seed's mistake (a)
    terms = chain_rule_terms(e, ParameterRef(1, 0, 1))
    assert terms.factor_kind == "pre_activation"
    for n, s in enumerate(terms.samples):
        assert s.derivative == pytest.approx(a2[n, 1] * (1 - a2[n, 1]), abs=1e-16)
        assert s.delta == pytest.approx(a2_delta[n, 1], abs=1e-16)
        assert s.factor == pytest.approx(a1[n, 0], abs=1e-16)  # a1.T, mistake (b)
    assert terms.total == pytest.approx((a1.T @ a2_delta)[0, 1], abs=1e-15)


def test_chain_rule_refuses_unknown_parameters(seed):
    e = explain(seed)
    with pytest.raises(ValueError, match="weight layers 1 to 3"):
        chain_rule_terms(e, ParameterRef(3, 0, 0))
    with pytest.raises(ValueError, match="units 0 to 2"):
        chain_rule_terms(e, ParameterRef(1, 0, 5))
    with pytest.raises(ValueError, match="not part of this step"):
        chain_rule_terms(explain(seed, sample=0), ParameterRef(1, 0, 0), sample=1)


def test_explain_snapshot_matches_explain_step(seed):
    trainer = Trainer(**seed)
    trainer.step(2)
    snap = take_snapshot(trainer)
    a = explain_snapshot(snap, trainer.X, trainer.T, learning_rate=1.0)
    b = explain_step(trainer.net, trainer.X, trainer.T, "half_sse", 1.0)
    for x, y in zip(a.new_weights, b.new_weights, strict=True):
        np.testing.assert_array_equal(x, y)


def test_all_parameter_refs_follow_gradient_check_order():
    net = Network([2, 3, 1], "sigmoid", bias=True)
    X, T = seed_example()["X"], seed_example()["T"]
    names = [r.name for r in gradient_check(net, X, T)]
    assert [r.name for r in all_parameter_refs(net.layer_sizes, True)] == names
