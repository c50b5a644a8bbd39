"""Training: full batch, minibatch, online, momentum, divergence, settings."""

import math

import numpy as np
import pytest

from backprop_lab.core import Network, Trainer, seed_example

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_T = np.array([[0.0], [1.0], [1.0], [0.0]])


def test_xor_is_learned_by_a_2_4_1_network():
    net = Network([2, 4, 1], ["tanh", "sigmoid"], init="xavier", bias=True, seed=1)
    trainer = Trainer(net, XOR_X, XOR_T, learning_rate=0.5, loss="mse")
    records = trainer.step(5000)
    assert records[-1].train_loss < 0.01
    predictions = (net.predict(XOR_X) > 0.5).astype(float)
    np.testing.assert_array_equal(predictions, XOR_T)


def test_records_count_epochs_and_the_loss_falls():
    trainer = Trainer(**seed_example())
    records = trainer.step(3) + trainer.step(2)
    assert [r.epoch for r in records] == [1, 2, 3, 4, 5]
    assert trainer.epoch == 5
    losses = [r.train_loss for r in records]
    assert losses == sorted(losses, reverse=True)
    assert all(r.test_loss is None for r in records)


def test_full_batch_step_is_w_minus_learning_rate_times_gradient():
    setup = seed_example()
    net = setup["net"]
    expected = [
        w - 0.3 * g
        for w, g in zip(net.weights, net.backward(net.forward(setup["X"]), setup["T"]).weights)
    ]
    setup["learning_rate"] = 0.3
    Trainer(**setup).step(1)
    for w, e in zip(net.weights, expected):
        np.testing.assert_allclose(w, e, rtol=0, atol=1e-15)


def _random_problem(seed=0, n=8):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    T = rng.uniform(size=(n, 1))
    return X, T


def test_online_learning_updates_once_per_sample_in_shuffled_order():
    X, T = _random_problem()
    net = Network([2, 3, 1], ["tanh", "sigmoid"], seed=3)
    reference = net.copy()
    trainer = Trainer(net, X, T, learning_rate=0.2, loss="half_sse", batch_size=1, seed=11)
    record = trainer.step(1)[0]
    order = np.random.default_rng(11).permutation(len(X))
    total = 0.0
    for i in order:
        trace = reference.forward(X[i : i + 1])
        total += 0.5 * float(np.sum((T[i] - trace.outputs) ** 2))
        grads = reference.backward(trace, T[i : i + 1], "half_sse")
        reference.weights = [w - 0.2 * g for w, g in zip(reference.weights, grads.weights)]
        reference.biases = [b - 0.2 * g for b, g in zip(reference.biases, grads.biases)]
    for w, e in zip(net.weights, reference.weights):
        np.testing.assert_allclose(w, e, atol=1e-14)
    assert record.train_loss == pytest.approx(total, rel=1e-12)


def test_minibatches_cover_every_sample_once_per_epoch():
    X, T = _random_problem(n=10)
    net = Network([2, 3, 1], "sigmoid", seed=0)
    trainer = Trainer(net, X, T, learning_rate=0.1, loss="mse", batch_size=4)
    record = trainer.step(1)[0]
    # With a tiny learning rate the minibatch loss sum is close to the full loss.
    assert record.train_loss == pytest.approx(
        Network([2, 3, 1], "sigmoid", seed=0).loss(X, T, "mse"), rel=0.05
    )


def test_momentum_accumulates_velocity():
    X, T = _random_problem()
    plain = Trainer(Network([2, 3, 1], "sigmoid", seed=0), X, T, learning_rate=0.1)
    heavy = Trainer(Network([2, 3, 1], "sigmoid", seed=0), X, T, learning_rate=0.1, momentum=0.9)
    # The first step is identical; the second moves further with momentum.
    plain.step(1)
    heavy.step(1)
    np.testing.assert_allclose(plain.net.weights[0], heavy.net.weights[0], atol=1e-15)
    before = heavy.net.weights[0].copy()
    g = heavy.net.backward(heavy.net.forward(X), T).weights[0]
    v1 = plain.net.weights[0] - Network([2, 3, 1], "sigmoid", seed=0).weights[0]
    heavy.step(1)
    np.testing.assert_allclose(heavy.net.weights[0], before + 0.9 * v1 - 0.1 * g, atol=1e-14)


def test_test_loss_is_recorded_for_the_weights_the_epoch_started_with():
    X, T = _random_problem(n=12)
    net = Network([2, 3, 1], "sigmoid", seed=0)
    start = net.loss(X[8:], T[8:], "mse")
    trainer = Trainer(net, X[:8], T[:8], loss="mse", X_test=X[8:], T_test=T[8:])
    first = trainer.step(1)[0]
    assert first.test_loss == pytest.approx(start, rel=1e-12)


def test_divergence_stops_and_keeps_finite_weights():
    X = np.array([[1.0], [2.0], [3.0]]) * 100
    T = np.array([[1.0], [2.0], [3.0]])
    net = Network([1, 4, 1], ["linear", "linear"], seed=0)
    trainer = Trainer(net, X, T, learning_rate=10.0, loss="half_sse")
    records = trainer.step(1000)
    assert len(records) < 1000
    assert trainer.divergence is not None
    assert "smaller learning rate" in trainer.divergence.message
    assert all(np.all(np.isfinite(w)) for w in net.weights)
    assert all(math.isfinite(r.train_loss) for r in records)
    assert records[-1].epoch == trainer.epoch
    assert math.isfinite(trainer.train_loss())
    # After lowering the learning rate training works again from a finite state.
    trainer.learning_rate = 1e-9
    assert trainer.step(1)


@pytest.mark.parametrize(
    ("name", "value"),
    [("learning_rate", 0.0), ("learning_rate", float("nan")), ("momentum", 1.0), ("batch_size", 0)],
)
def test_bad_settings_are_refused_and_the_old_value_kept(name, value):
    trainer = Trainer(**seed_example())
    before = getattr(trainer, name)
    with pytest.raises(ValueError):
        setattr(trainer, name, value)
    assert getattr(trainer, name) == before


def test_bad_data_is_refused_and_the_old_data_kept():
    trainer = Trainer(**seed_example())
    X = trainer.X.copy()
    with pytest.raises(ValueError, match="finite"):
        trainer.set_data(np.array([[np.nan, 1.0]]), np.array([[1.0]]))
    with pytest.raises(ValueError, match="shape"):
        trainer.set_data(np.ones((3, 3)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="samples"):
        trainer.set_data(np.ones((3, 2)), np.ones((2, 1)))
    np.testing.assert_array_equal(trainer.X, X)


def test_cross_entropy_needs_a_probability_output():
    net = Network([2, 2, 1], ["tanh", "linear"])
    with pytest.raises(ValueError, match="sigmoid or softmax"):
        Trainer(net, XOR_X, XOR_T, loss="cross_entropy")


def test_softmax_classifier_trains_with_cross_entropy():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-1, 0.3, (20, 2)), rng.normal(1, 0.3, (20, 2))])
    T = np.repeat(np.eye(2), 20, axis=0)
    net = Network([2, 2], "softmax", seed=0)
    trainer = Trainer(net, X, T, learning_rate=0.5, loss="cross_entropy")
    records = trainer.step(200)
    assert records[-1].train_loss < 0.1
    assert np.mean(net.predict(X).argmax(1) == T.argmax(1)) == 1.0


def test_network_validation_messages():
    with pytest.raises(ValueError, match="activations"):
        Network([2, 3, 1], ["sigmoid"])
    with pytest.raises(ValueError, match="output layer"):
        Network([2, 3, 1], ["softmax", "sigmoid"])
    with pytest.raises(ValueError, match="initialisation"):
        Network([2, 1], init="zeros")
    with pytest.raises(ValueError, match="W1 has 3 outputs"):
        Network.from_arrays([np.ones((2, 3)), np.ones((2, 1))], None, "sigmoid")


def test_network_round_trips_through_a_dict():
    net = Network([2, 3, 2], ["relu", "softmax"], init="he", seed=4)
    copy = Network.from_dict(net.to_dict())
    for a, b in zip(net.weights + net.biases, copy.weights + copy.biases):
        np.testing.assert_array_equal(a, b)
    assert copy.activations == ["relu", "softmax"]


@pytest.mark.parametrize("init", ["constant", "uniform", "xavier", "he"])
def test_initialisation_is_reproducible_from_its_seed(init):
    a = Network([3, 5, 2], "tanh", init=init, seed=7)
    b = Network([3, 5, 2], "tanh", init=init, seed=7)
    c = Network([3, 5, 2], "tanh", init=init, seed=8)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])
    assert (init == "constant") == np.array_equal(a.weights[0], c.weights[0])
