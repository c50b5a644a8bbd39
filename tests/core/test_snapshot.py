"""Snapshots: the numbers of the network at one moment, read-only, never shared with training."""

import numpy as np
import pytest

from backprop_lab.core import Network, Trainer, seed_example, take_snapshot


@pytest.fixture
def trainer():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 2))
    T = (X[:, :1] * X[:, 1:] > 0).astype(float)
    net = Network([2, 5, 1], ["tanh", "sigmoid"], init="xavier", bias=True, seed=2)
    trainer = Trainer(net, X, T, learning_rate=0.5, X_test=X[:4] + 0.1, T_test=T[:4])
    trainer.step(3)
    return trainer


def test_snapshot_numbers_equal_the_core(trainer):
    snap = take_snapshot(trainer)
    net = trainer.net
    assert snap.epoch == trainer.epoch == 3
    assert snap.train_loss == net.loss(trainer.X, trainer.T, trainer.loss)  # exactly
    assert snap.test_loss == trainer.test_loss()
    trace = net.forward(trainer.X)
    grads = net.backward(trace, trainer.T, trainer.loss)
    for got, expected in zip(snap.weight_gradients, grads.weights, strict=True):
        np.testing.assert_array_equal(got, expected)
    for got, expected in zip(snap.bias_gradients, grads.biases, strict=True):
        np.testing.assert_array_equal(got, expected)
    for got, expected in zip(snap.activations_values, trace.activations, strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(snap.inputs, trainer.X)


def test_seed_snapshot_loss_is_the_seed_first_loss():
    trainer = Trainer(**seed_example())
    snap = take_snapshot(trainer)
    # E = 1/2 sum (t - P)^2 of the seed's first forward pass
    # (docs/architecture.md: the mean is 0.126...).
    assert snap.train_loss == pytest.approx(0.12617687296377364 * 3 / 2, rel=1e-12)


def test_every_array_is_read_only_and_training_on_does_not_change_it(trainer):
    snap = take_snapshot(trainer)
    arrays = [
        *snap.weights,
        *snap.biases,
        *snap.weight_gradients,
        *snap.bias_gradients,
        *snap.last_weight_updates,
        *snap.last_bias_updates,
        *snap.pre_activations,
        *snap.activations_values,
        snap.inputs,
    ]
    for array in arrays:
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[...] = 0.0
    kept = [a.copy() for a in arrays]
    trainer.step(5)
    for array, before in zip(arrays, kept, strict=True):
        np.testing.assert_array_equal(array, before)
    assert all(w is not t for w, t in zip(snap.weights, trainer.net.weights, strict=True))
