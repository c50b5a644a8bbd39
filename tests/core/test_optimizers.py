"""Every optimiser and schedule against a hand-written reference, step by step."""

import math

import numpy as np
import pytest

from backprop_lab.core import Network, Trainer, seed_example
from backprop_lab.core.optimizers import (
    OPTIMIZER_HYPERPARAMETERS,
    OPTIMIZERS,
    OptimizerError,
    learning_rate_at,
)


def _problem(bias=True):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6, 2))
    T = rng.uniform(size=(6, 1))
    net = Network([2, 3, 1], ["tanh", "sigmoid"], bias=bias, seed=4)
    return net, X, T


def _flat_grads(net, X, T, loss, l1, l2):
    g = net.backward(net.forward(X), T, loss, l1=l1, l2=l2)
    return list(g.weights) + (list(g.biases) if g.biases is not None else [])


def _reference(name, hp, net, X, T, lrs, loss="mse", l1=0.0, l2=0.0):
    """Scalar-by-scalar textbook updates, full batch, one learning rate per epoch."""
    net = net.copy()
    params = [p.copy() for p in net.weights] + [b.copy() for b in (net.biases or [])]
    state = [dict(v=np.zeros_like(p), s=np.zeros_like(p), m=np.zeros_like(p)) for p in params]
    t = 0
    history = []
    n_w = len(net.weights)
    for lr in lrs:
        net.weights = params[:n_w]
        if net.biases is not None:
            net.biases = params[n_w:]
        grads = _flat_grads(net, X, T, loss, l1, l2)
        t += 1
        new = []
        for p, g, st in zip(params, grads, state):
            p = p.copy()
            for idx in np.ndindex(p.shape):
                gi = g[idx]
                if name == "sgd":
                    p[idx] = p[idx] - lr * gi
                elif name == "momentum":
                    st["v"][idx] = hp["momentum"] * st["v"][idx] - lr * gi
                    p[idx] = p[idx] + st["v"][idx]
                elif name == "nesterov":
                    st["v"][idx] = hp["momentum"] * st["v"][idx] - lr * gi
                    p[idx] = p[idx] + hp["momentum"] * st["v"][idx] - lr * gi
                elif name == "rmsprop":
                    st["s"][idx] = hp["rho"] * st["s"][idx] + (1 - hp["rho"]) * gi * gi
                    p[idx] = p[idx] - lr * gi / (math.sqrt(st["s"][idx]) + hp["epsilon"])
                elif name == "adam":
                    st["m"][idx] = hp["beta1"] * st["m"][idx] + (1 - hp["beta1"]) * gi
                    st["v"][idx] = hp["beta2"] * st["v"][idx] + (1 - hp["beta2"]) * gi * gi
                    m_hat = st["m"][idx] / (1 - hp["beta1"] ** t)
                    v_hat = st["v"][idx] / (1 - hp["beta2"] ** t)
                    p[idx] = p[idx] - lr * m_hat / (math.sqrt(v_hat) + hp["epsilon"])
            new.append(p)
        params = new
        history.append([p.copy() for p in params])
    return history


HYPER = {
    "sgd": {},
    "momentum": {"momentum": 0.8},
    "nesterov": {"momentum": 0.7},
    "rmsprop": {"rho": 0.85, "epsilon": 1e-7},
    "adam": {"beta1": 0.85, "beta2": 0.99, "epsilon": 1e-7},
}


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.0), (0.01, 0.1)])
def test_optimizer_matches_reference_with_a_learning_rate_change_mid_run(name, l1, l2):
    net, X, T = _problem()
    lrs = [0.1, 0.1, 0.1, 0.03, 0.03, 0.2]
    reference = _reference(name, HYPER[name], net, X, T, lrs, l1=l1, l2=l2)
    trainer = Trainer(net.copy(), X, T, 0.1, "mse", optimizer=name, l1=l1, l2=l2, **HYPER[name])
    for epoch, lr in enumerate(lrs):
        trainer.learning_rate = lr  # changed mid-run: the state carries on
        trainer.step(1)
        got = list(trainer.net.weights) + list(trainer.net.biases)
        for g, r in zip(got, reference[epoch]):
            np.testing.assert_allclose(g, r, rtol=1e-13, atol=1e-15)
    if name != "sgd":  # plain SGD keeps no state, not even a count
        assert trainer.optimizer_steps == len(lrs)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_with_a_schedule_matches_reference(name):
    net, X, T = _problem(bias=False)
    params = {"drop": 0.5, "every": 2}
    lrs = [learning_rate_at("step", params, 0.2, k) for k in range(6)]
    assert lrs == [0.2, 0.2, 0.1, 0.1, 0.05, 0.05]
    reference = _reference(name, HYPER[name], net, X, T, lrs)
    trainer = Trainer(
        net.copy(),
        X,
        T,
        0.2,
        "mse",
        optimizer=name,
        schedule="step",
        schedule_params=params,
        **HYPER[name],
    )
    for epoch in range(6):
        assert trainer.current_learning_rate == lrs[epoch]
        trainer.step(1)
        for g, r in zip(trainer.net.weights, reference[epoch]):
            np.testing.assert_allclose(g, r, rtol=1e-13, atol=1e-15)


def test_schedules():
    assert learning_rate_at("constant", {}, 0.3, 1000) == 0.3
    assert learning_rate_at("inverse_time", {"decay": 0.5}, 1.0, 0) == 1.0
    assert learning_rate_at("inverse_time", {"decay": 0.5}, 1.0, 4) == pytest.approx(1 / 3)
    assert learning_rate_at("step", {"drop": 0.1, "every": 10}, 1.0, 9) == 1.0
    assert learning_rate_at("step", {"drop": 0.1, "every": 10}, 1.0, 10) == pytest.approx(0.1)
    with pytest.raises(OptimizerError, match="every"):
        Trainer(**seed_example(), schedule="step", schedule_params={"every": 0})
    with pytest.raises(OptimizerError, match="no parameter"):
        Trainer(**seed_example(), schedule="inverse_time", schedule_params={"drop": 0.5})
    with pytest.raises(OptimizerError, match="unknown learning-rate schedule"):
        Trainer(**seed_example(), schedule="cosine")


def test_minibatch_adam_counts_updates_not_epochs():
    net, X, T = _problem()
    trainer = Trainer(net, X, T, 0.01, "mse", batch_size=2, optimizer="adam")
    trainer.step(3)
    assert trainer.optimizer_steps == 9
    assert set(trainer.optimizer_state()) == {"m", "v"}


def test_old_momentum_keyword_and_setter_still_work():
    setup = seed_example()
    trainer = Trainer(**setup, momentum=0.5)
    assert trainer.optimizer == "momentum" and trainer.momentum == 0.5
    trainer.momentum = 0.0
    assert trainer.optimizer == "sgd"
    trainer.momentum = 0.3
    assert trainer.optimizer == "momentum" and trainer.hyperparameters == {"momentum": 0.3}
    trainer.reset_momentum()
    adam = Trainer(**seed_example(), optimizer="adam")
    assert adam.momentum == 0.0
    with pytest.raises(ValueError, match="no momentum"):
        adam.momentum = 0.5
    with pytest.raises(OptimizerError, match="unknown optimiser"):
        Trainer(**seed_example(), optimizer="lbfgs")
    with pytest.raises(OptimizerError, match="beta2"):
        Trainer(**seed_example(), optimizer="adam", beta2=1.0)
    assert set(OPTIMIZER_HYPERPARAMETERS) == set(OPTIMIZERS)


def test_changing_the_optimizer_resets_its_state_and_hyperparameters_keep_it():
    net, X, T = _problem()
    trainer = Trainer(net, X, T, 0.05, "mse", optimizer="adam")
    trainer.step(2)
    state = trainer.optimizer_state()
    trainer.set_optimizer(beta1=0.5)
    assert trainer.optimizer_steps == 2
    np.testing.assert_array_equal(trainer.optimizer_state()["m"][0], state["m"][0])
    trainer.optimizer = "rmsprop"
    assert trainer.optimizer_steps == 0 and trainer.optimizer_state() == {}


def test_a_step_that_makes_a_weight_non_finite_is_undone():
    # Sigmoid saturates, so the loss stays finite while W1 overflows to inf.
    # dE/dw1 = (P - t) P (1 - P) x1 with x1 = 1e300 and a huge learning rate: w1
    # overflows to inf while the sigmoid output (saturated at 1) keeps the loss finite.
    X = np.array([[1e300, 1.0]])
    T = np.array([[1.0]])
    net = Network.from_arrays([[[-1e-300], [0.0]]], None, "sigmoid")
    trainer = Trainer(net, X, T, learning_rate=1e300, loss="half_sse")
    records = trainer.step(5)
    assert trainer.divergence is not None
    assert "weight or bias became infinite" in trainer.divergence.message
    assert np.all(np.isfinite(trainer.net.weights[0]))
    assert trainer.epoch == len(records)
    assert all(math.isfinite(r.train_loss) for r in records)


def test_non_finite_weights_found_late_undo_exactly_the_first_bad_update():
    # Train normally, then make the update of epoch 4 overflow W1: the sigmoid hidden
    # layer saturates, so the loss stays finite for the rest of the call.
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6, 2))
    T = rng.uniform(size=(6, 1))
    net = Network([2, 3, 1], ["sigmoid", "sigmoid"], seed=4)
    reference = Trainer(net.copy(), X, T, 0.1, "mse")
    reference.step(3)
    trainer = Trainer(net.copy(), X, T, 0.1, "mse")
    original = trainer._apply

    def poisoned(grads, lr):
        original(grads, lr)
        if trainer.epoch == 3:
            poisoned_w1 = trainer.net.weights[0].copy()
            poisoned_w1[0, 0] = np.inf
            trainer.net.weights[0] = poisoned_w1

    trainer._apply = poisoned
    records = trainer.step(10)
    assert [r.epoch for r in records] == [1, 2, 3]
    assert trainer.epoch == 3
    for a, b in zip(trainer.net.weights, reference.net.weights):
        np.testing.assert_array_equal(a, b)
    assert "infinite or NaN" in trainer.divergence.message


def test_plain_sgd_path_is_unchanged():
    # The fast path and the general path give the same numbers for sgd.
    net, X, T = _problem()
    fast = Trainer(net.copy(), X, T, 0.1, "mse")
    general = Trainer(
        net.copy(), X, T, 0.1, "mse", schedule="inverse_time", schedule_params={"decay": 0.0}
    )
    assert fast._plain and not general._plain
    fast.step(5)
    general.step(5)
    for a, b in zip(fast.net.weights, general.net.weights):
        np.testing.assert_array_equal(a, b)
