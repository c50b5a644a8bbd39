"""Backpropagation's gradients agree with central differences, for any network."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_lab.core import Mistakes, Network, gradient_check, max_relative_error, seed_example

HIDDEN = ["sigmoid", "tanh", "linear", "relu"]


@st.composite
def problems(draw):
    n_inputs = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=3))
    loss = draw(st.sampled_from(["half_sse", "mse", "cross_entropy"]))
    if loss == "cross_entropy":
        output = draw(st.sampled_from(["sigmoid", "softmax"]))
        n_outputs = draw(st.integers(2, 3)) if output == "softmax" else draw(st.integers(1, 2))
    else:
        output = draw(st.sampled_from(["sigmoid", "tanh", "linear", "softmax"]))
        n_outputs = draw(st.integers(1, 3))
    activations = [draw(st.sampled_from(HIDDEN)) for _ in hidden] + [output]
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 10_000))
    n_samples = draw(st.integers(1, 6))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_inputs))
    if output == "softmax" and loss == "cross_entropy":
        T = np.eye(n_outputs)[rng.integers(0, n_outputs, size=n_samples)]
    else:
        T = rng.uniform(0.05, 0.95, size=(n_samples, n_outputs))
    init = draw(st.sampled_from(["uniform", "xavier", "he"]))
    net = Network(
        [n_inputs, *hidden, n_outputs], activations, init=init, bias=bias, seed=seed, init_value=0.8
    )
    if net.biases is not None:
        net.biases = [rng.normal(0.0, 0.5, size=b.shape) for b in net.biases]
    # Relu's kink makes a finite difference meaningless right at a = 0.
    if "relu" in activations:
        assume(all(np.all(np.abs(a) > 1e-4) for a in net.forward(X).pre_activations))
    return net, X, T, loss


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_backprop_matches_central_differences(problem):
    net, X, T, loss = problem
    rows = gradient_check(net, X, T, loss)
    assert len(rows) == net.n_parameters
    bad = [r for r in rows if not r.passed(1e-6)]
    assert not bad, bad[:3]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(0, 1000))
def test_minibatch_gradient_is_the_gradient_of_that_batch(batch_size, seed):
    # A minibatch step must equal a full-batch step on exactly those samples.
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(5, 2))
    T = rng.uniform(size=(5, 1))
    net = Network([2, 3, 1], ["tanh", "sigmoid"], seed=seed)
    idx = rng.permutation(5)[:batch_size]
    rows = gradient_check(net, X[idx], T[idx], "mse")
    # The one agreement rule (relative 1e-6, or below the rounding noise of the central
    # difference): a fixed relative threshold alone failed on gradients near 1e-7.
    assert all(r.passed() for r in rows), [r for r in rows if not r.passed()]


def test_gradient_check_leaves_the_network_unchanged():
    setup = seed_example()
    before = [w.copy() for w in setup["net"].weights]
    gradient_check(setup["net"], setup["X"], setup["T"])
    for w, b in zip(setup["net"].weights, before):
        np.testing.assert_array_equal(w, b)


@pytest.mark.parametrize(
    ("mistakes", "unaffected"),
    [
        # The output delta is computed right, so the output layer stays correct.
        (Mistakes(derivative_of_pre_activation=True), "W3"),
        # The first layer multiplies by X, which has no pre-activation to confuse.
        (Mistakes(pre_activation_in_update=True), "W1"),
    ],
)
def test_each_seed_mistake_fails_the_gradient_check(mistakes, unaffected):
    setup = seed_example()
    rows = gradient_check(setup["net"], setup["X"], setup["T"], mistakes=mistakes)
    assert max_relative_error(rows) > 1e-2
    assert all(r.passed() for r in rows if r.name.startswith(unaffected))
    assert not all(r.passed() for r in rows if not r.name.startswith(unaffected))


def test_no_mistakes_pass_the_check_on_the_seed_example():
    setup = seed_example()
    rows = gradient_check(setup["net"], setup["X"], setup["T"])
    assert [r.name for r in rows[:3]] == ["w₁₁⁽¹⁾", "w₂₁⁽¹⁾", "w₃₁⁽¹⁾"]
    assert max_relative_error(rows) < 1e-6


def test_the_agreement_rule_follows_the_numbers_scale():
    from backprop_lab.core.gradcheck import RELATIVE_TOLERANCE, gradients_agree, noise_floor

    floor = noise_floor(0.05, 1e-6)
    assert 1e-10 < floor < 1e-8  # about 50 ulp of the loss, magnified by 1/eps
    assert noise_floor(0.0, 1e-6) == noise_floor(1e-3, 1e-6)  # a floor under the floor
    assert noise_floor(0.05, 1e-4) < floor  # a larger step magnifies rounding less
    # The case the issue measured: 1.8e-7 with a relative error of 7.6e-6 is exact to 3e-12.
    analytic = 1.8e-7
    numeric = analytic * (1 + 2 * 7.6e-6)
    assert not abs(analytic - numeric) < RELATIVE_TOLERANCE * (abs(analytic) + abs(numeric))
    assert gradients_agree(analytic, numeric, floor)
    # A real mistake is far above both.
    assert not gradients_agree(0.1, 0.12, floor)
    assert gradients_agree(0.1, 0.1 * (1 + 1e-7), floor)
