"""New activations, exact cross-entropy, target checks and L1/L2 against central differences."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_lab.core import Network, Trainer, gradient_check
from backprop_lab.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, get_activation
from backprop_lab.core.losses import TargetError, get_loss, validate_targets
from backprop_lab.core.network import no_gradient_reason

SMOOTH = ["sigmoid", "tanh", "linear", "leaky_relu", "elu", "softplus", "sine", "gaussian", "relu"]
KINKED = {"relu", "leaky_relu", "elu"}


@st.composite
def problems(draw):
    n_inputs = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    loss = draw(st.sampled_from(["half_sse", "mse", "cross_entropy"]))
    if loss == "cross_entropy":
        output = draw(st.sampled_from(["sigmoid", "softmax"]))
        n_outputs = draw(st.integers(2, 3)) if output == "softmax" else draw(st.integers(1, 3))
    else:
        output = draw(st.sampled_from([*SMOOTH, "softmax"]))
        n_outputs = draw(st.integers(1, 3))
    activations = [draw(st.sampled_from(SMOOTH)) for _ in hidden] + [output]
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 10_000))
    l1 = draw(st.sampled_from([0.0, 0.0, 0.01, 0.3]))
    l2 = draw(st.sampled_from([0.0, 0.0, 0.05, 1.0]))
    n_samples = draw(st.integers(1, 6))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_inputs))
    if output == "softmax":
        T = np.eye(n_outputs)[rng.integers(0, n_outputs, size=n_samples)]
    elif loss == "cross_entropy":
        # Multi-label: multi-hot 0/1 rows, or soft targets in [0, 1].
        if draw(st.booleans()):
            T = rng.integers(0, 2, size=(n_samples, n_outputs)).astype(float)
        else:
            T = rng.uniform(0.0, 1.0, size=(n_samples, n_outputs))
    else:
        T = rng.uniform(-1.0, 1.0, size=(n_samples, n_outputs))
    features = None
    if n_inputs == 2 and draw(st.booleans()):
        # Feature inputs are part of the network: the gradient check goes through them.
        pool = ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]
        features = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=7, unique=True))
    n_nodes = n_inputs if features is None else len(features)
    net = Network(
        [n_nodes, *hidden, n_outputs],
        activations,
        init="xavier",
        bias=bias,
        seed=seed,
        features=features,
        n_inputs=None if features is None else n_inputs,
    )
    if net.biases is not None:
        net.biases = [rng.normal(0.0, 0.5, size=b.shape) for b in net.biases]
    # A finite difference is meaningless right at a kink, and |w| at w = 0.
    if KINKED & set(activations):
        assume(all(np.all(np.abs(a) > 1e-4) for a in net.forward(X).pre_activations))
    if l1:
        assume(all(np.all(np.abs(w) > 1e-4) for w in net.weights))
    return net, X, T, loss, l1, l2


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(problems())
def test_every_activation_loss_and_penalty_matches_central_differences(problem):
    net, X, T, loss, l1, l2 = problem
    rows = gradient_check(net, X, T, loss, l1=l1, l2=l2)
    assert len(rows) == net.n_parameters
    bad = [r for r in rows if not r.passed(1e-6)]
    assert not bad, bad[:3]


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_derivative_matches_central_differences(name):
    act = get_activation(name)
    a = np.linspace(-3.1, 2.9, 41).reshape(1, -1)
    h = act.function(a)
    eps = 1e-6
    if name == "softmax":
        # The Jacobian via backprop against differences of a weighted sum.
        g = np.arange(1.0, 42.0).reshape(1, -1) / 41
        numeric = np.array(
            [
                (g @ act.function(a + eps * e).T - g @ act.function(a - eps * e).T)[0, 0]
                / (2 * eps)
                for e in np.eye(41)
            ]
        )
        np.testing.assert_allclose(act.backprop(a, h, g)[0], numeric, atol=1e-8)
        return
    numeric = (act.function(a + eps) - act.function(a - eps)) / (2 * eps)
    if name == "step":
        np.testing.assert_array_equal(act.derivative(a, h), 0.0)
        assert not act.has_useful_gradient
        return
    np.testing.assert_allclose(act.derivative(a, h), numeric, atol=1e-7)
    assert act.has_useful_gradient and act.label and act.formula and act.derivative_formula


def test_every_hidden_activation_trains_per_layer():
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(20, 2))
    T = (X[:, :1] * X[:, 1:] > 0).astype(float)
    for name in HIDDEN_ACTIVATIONS:
        net = Network([2, 4, 3, 1], [name, "tanh", "sigmoid"], seed=1)
        trainer = Trainer(net, X, T, learning_rate=0.5, loss="cross_entropy")
        losses = [r.train_loss for r in trainer.step(30)]
        assert np.all(np.isfinite(losses)), name
        if name != "step":
            assert losses[-1] < losses[0], name


def test_step_activation_says_why_nothing_learns():
    net = Network([2, 3, 1], ["step", "sigmoid"], seed=0)
    reason = no_gradient_reason(net)
    assert reason is not None and "step" in reason and "Layer 1" in reason
    assert no_gradient_reason(Network([2, 3, 1], ["tanh", "sigmoid"])) is None
    X = np.array([[0.5, -0.2], [-0.3, 0.8]])
    T = np.array([[1.0], [0.0]])
    before = net.weights[0].copy()
    Trainer(net, X, T, learning_rate=1.0).step(20)
    np.testing.assert_array_equal(net.weights[0], before)  # nothing below the step learns
    rows = gradient_check(net, X, T)
    assert all(r.analytic == 0.0 for r in rows[:6]) and all(r.passed() for r in rows)


def test_cross_entropy_of_a_saturated_output_is_exact_and_checks():
    # One sigmoid output with pre-activation -15 for target 1: E = log(1 + e^15).
    net = Network.from_arrays([[[1.0]]], [[0.0]], "sigmoid")
    X, T = np.array([[-15.0]]), np.array([[1.0]])
    assert net.loss(X, T, "cross_entropy") == pytest.approx(np.log1p(np.exp(15.0)), rel=1e-14)
    far = np.array([[-800.0]])
    assert net.loss(far, T, "cross_entropy") == pytest.approx(800.0, rel=1e-14)
    rows = gradient_check(net, X, T, "cross_entropy")
    assert all(r.passed() for r in rows), rows
    # Softmax: log-sum-exp, no cap either.
    net = Network.from_arrays([np.eye(2)], None, "softmax")
    X, T = np.array([[0.0, 40.0]]), np.array([[1.0, 0.0]])
    assert net.loss(X, T, "cross_entropy") == pytest.approx(40.0, rel=1e-12)
    assert all(r.passed() for r in gradient_check(net, X, T, "cross_entropy"))


def test_cross_entropy_from_outputs_only_has_no_cap():
    loss = get_loss("cross_entropy")
    P = np.array([[1e-20]])
    assert loss.value(P, np.array([[1.0]])) == pytest.approx(-np.log(1e-20))


def test_multi_label_sigmoid_outputs_with_multi_hot_targets():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    T = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X.sum(1) > 0]).astype(float)
    net = Network([2, 6, 3], ["tanh", "sigmoid"], seed=0)
    trainer = Trainer(net, X, T, learning_rate=0.5, loss="cross_entropy")
    records = trainer.step(200)
    assert records[-1].train_loss < 0.3 * records[0].train_loss
    assert all(r.passed() for r in gradient_check(net, X[:5], T[:5], "cross_entropy"))


def test_softmax_rejects_targets_that_are_not_one_hot_naming_the_rows():
    T = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=float)
    with pytest.raises(TargetError, match=r"rows 2 and 4 \(of 4\)"):
        validate_targets(T, "softmax", "cross_entropy")
    net = Network([2, 3], "softmax")
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="one-hot"):
        Trainer(net, X, T, loss="cross_entropy")
    with pytest.raises(ValueError, match="one-hot"):
        Trainer(net, X, T, loss="half_sse")
    Trainer(net, X, np.eye(3)[[0, 1, 2, 0]], loss="cross_entropy")


def test_class_label_2_is_rejected_for_a_sigmoid_output_with_cross_entropy():
    net = Network([1, 1], "sigmoid")
    X = np.zeros((3, 1))
    T = np.array([[0.0], [1.0], [2.0]])
    with pytest.raises(ValueError, match=r"row 3 \(of 3\).*label of 2 needs one-hot targets"):
        Trainer(net, X, T, loss="cross_entropy")
    trainer = Trainer(net, X, T, loss="half_sse")  # a regression target is fine
    with pytest.raises(ValueError, match="row 3"):
        trainer.loss = "cross_entropy"
    assert trainer.loss == "half_sse"


def test_l1_l2_penalise_weights_not_biases_and_are_reported_apart():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 2))
    T = rng.uniform(size=(10, 1))
    net = Network([2, 3, 1], ["tanh", "sigmoid"], seed=2)
    net.biases = [np.full(3, 2.0), np.full(1, 2.0)]
    expected = 0.1 * sum(np.abs(w).sum() for w in net.weights) + 0.5 * 0.2 * sum(
        (w * w).sum() for w in net.weights
    )
    assert net.penalty(0.1, 0.2) == pytest.approx(expected)
    trainer = Trainer(net.copy(), X, T, l1=0.1, l2=0.2)
    data_loss = trainer.train_loss()
    record = trainer.step(1)[0]
    assert record.train_loss == pytest.approx(data_loss)
    assert record.penalty == pytest.approx(expected)
    grads = net.backward(net.forward(X), T, l1=0.1, l2=0.2)
    plain = net.backward(net.forward(X), T)
    for g, p, w in zip(grads.weights, plain.weights, net.weights):
        np.testing.assert_allclose(g, p + 0.2 * w + 0.1 * np.sign(w))
    for g, p in zip(grads.biases, plain.biases):
        np.testing.assert_array_equal(g, p)
    # Strong L2 shrinks the weights toward zero; biases are not pulled.
    trainer = Trainer(net.copy(), X, T, learning_rate=0.1, l2=5.0)
    trainer.step(200)
    assert max(np.abs(w).max() for w in trainer.net.weights) < 0.05
    assert trainer.net.biases[0].mean() > 1.0
