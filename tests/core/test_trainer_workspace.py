"""The trainer's buffered full-batch pass gives the allocating pass's numbers bit for bit."""

import copy

import numpy as np
import pytest

from backprop_lab.core import Mistakes, Network, Trainer
from backprop_lab.core import network as network_module
from backprop_lab.core.activations import HIDDEN_ACTIVATIONS
from backprop_lab.core.inspect import explain_next_step

N_SAMPLES = 400


def _problem(hidden, output, n_outputs=1, features=None, bias=True, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.5, 1.5, size=(N_SAMPLES, 2))
    if output == "softmax":
        labels = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 0] > 0.5)
        T = np.eye(n_outputs)[labels]
    elif output == "sigmoid":
        T = (np.sin(2 * X[:, :1]) > X[:, 1:]).astype(float)
    else:
        T = np.sin(3 * X[:, :1]) * np.cos(2 * X[:, 1:])
    n_in = 2 if features is None else len(features)
    net = Network(
        [n_in, 48, 40, n_outputs],
        [hidden, hidden, output],
        init="xavier",
        bias=bias,
        seed=seed,
        features=features,
        n_inputs=None if features is None else 2,
    )
    return net, X, T


def _allocating(monkeypatch, make):
    # A trainer whose workspace is disabled (it is made on the first epoch).
    with monkeypatch.context() as m:
        m.setattr(network_module, "WORKSPACE_MAX_BYTES", 0)
        trainer = make()
        trainer.step(1)
    assert not trainer._workspace.enabled
    return trainer


def _assert_same(a: Trainer, b: Trainer):
    for x, y in zip(a.net.weights, b.net.weights):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(a.net.biases or (), b.net.biases or ()):
        np.testing.assert_array_equal(x, y)


CASES = [(h, "linear", "mse") for h in HIDDEN_ACTIVATIONS] + [
    ("tanh", "sigmoid", "cross_entropy"),
    ("relu", "sigmoid", "half_sse"),
    ("sigmoid", "softmax", "cross_entropy"),
    ("tanh", "tanh", "half_sse"),
]


@pytest.mark.parametrize(("hidden", "output", "loss"), CASES)
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_buffered_epochs_equal_the_allocating_ones(monkeypatch, hidden, output, loss, optimizer):
    n_out = 3 if output == "softmax" else 1
    net, X, T = _problem(hidden, output, n_out)
    lr = 1.0 if hidden == "sigmoid" else 0.05  # 1.0: the seed's subtraction without a product

    def make():
        return Trainer(net.copy(), X, T, lr, loss, optimizer=optimizer)

    slow = _allocating(monkeypatch, make)
    fast = make()
    records = fast.step(1)
    assert fast._workspace.enabled
    _assert_same(fast, slow)
    records += fast.step(5)
    slow_records = slow.step(5)
    assert [r.train_loss for r in records[1:]] == [r.train_loss for r in slow_records]
    _assert_same(fast, slow)


def test_buffered_pass_with_features_no_biases_and_l2(monkeypatch):
    net, X, T = _problem("tanh", "linear", features=["x1", "x2", "x1_sq", "x1_x2", "sin_x2"])
    unbiased, _, _ = _problem("relu", "linear", bias=False)

    for start in (net, unbiased):

        def make(start=start):
            return Trainer(start.copy(), X, T, 0.05, "mse", l2=0.01, momentum=0.5)

        slow = _allocating(monkeypatch, make)
        fast = make()
        fast.step(6)
        slow.step(5)
        assert fast._workspace.enabled
        _assert_same(fast, slow)


def test_explain_next_step_equals_a_buffered_step():
    net, X, T = _problem("tanh", "linear")
    trainer = Trainer(net, X, T, 0.05, "mse")
    trainer.step(3)
    assert trainer._workspace.enabled
    explanation = explain_next_step(trainer)
    trainer.step(1)
    for a, b in zip(explanation.epoch_end_weights, trainer.net.weights):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(explanation.new_weights, trainer.net.weights):
        np.testing.assert_array_equal(a, b)


def test_workspace_follows_data_network_and_mistakes():
    net, X, T = _problem("sigmoid", "linear")
    trainer = Trainer(net, X, T, 0.5, "mse")
    trainer.step(1)
    ws = trainer._workspace
    assert ws.enabled and ws.n == N_SAMPLES
    trainer.step(1)
    assert trainer._workspace is ws  # kept between calls
    # A copy makes its own buffers.
    twin = copy.deepcopy(trainer)
    assert twin._workspace is None
    twin.step(1)
    trainer.step(1)
    assert twin._workspace.pre[0] is not ws.pre[0]
    _assert_same(twin, trainer)
    # New data with another number of rows: new buffers.
    trainer.set_data(X[:300], T[:300])
    trainer.step(1)
    assert trainer._workspace.n == 300
    # Mistakes are computed by the allocating pass.
    trainer.mistakes = Mistakes(derivative_of_pre_activation=True)
    trainer.step(1)
    assert not trainer._workspace.enabled
    # Small problems (the seed) use the allocating pass: fresh small arrays are cheap.
    tiny = Trainer(Network([2, 3, 1], "sigmoid"), X[:4], T[:4], 0.5, "mse")
    tiny.step(1)
    assert not tiny._workspace.enabled
