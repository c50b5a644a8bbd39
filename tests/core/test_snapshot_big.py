"""Snapshots of big data keep per-unit summaries and compute per-sample values when asked."""

import numpy as np
import pytest

from backprop_lab.core import Network, Trainer, take_snapshot
from backprop_lab.core import snapshot as snapshot_module
from backprop_lab.core.network import Mistakes


def _trainer(loss: str, features=None, l2=0.0, mistakes=None, samples=53):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(samples, 2))
    T = (X[:, :1] * X[:, 1:] > 0).astype(float)
    net = Network(
        [len(features) if features else 2, 6, 5, 1],
        ["tanh", "relu", "sigmoid"],
        init="xavier",
        bias=True,
        seed=2,
        features=features,
    )
    kwargs = {"l2": l2} if l2 else {}
    if mistakes is not None:
        kwargs["mistakes"] = mistakes
    trainer = Trainer(net, X, T, learning_rate=0.3, loss=loss, **kwargs)
    trainer.step(4)
    return trainer


CASES = [
    {"loss": "half_sse"},
    {"loss": "mse"},
    {"loss": "cross_entropy"},
    {"loss": "cross_entropy", "l2": 0.01},
    {"loss": "half_sse", "mistakes": Mistakes(derivative_of_pre_activation=True)},
    {"loss": "mse", "features": ["x1", "x2", "x1_sq"]},
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_a_big_snapshot_has_the_numbers_of_a_small_one(monkeypatch, case):
    try:
        trainer = _trainer(**case)
    except (TypeError, ValueError) as exc:  # a combination the core does not offer
        pytest.skip(str(exc))
    small = take_snapshot(trainer)
    assert small.keeps_every_sample
    monkeypatch.setattr(snapshot_module, "KEEP_ACTIVATIONS_BYTES", 0)
    monkeypatch.setattr(snapshot_module, "CHUNK_ROWS", 7)  # 53 rows: 8 chunks, one short
    big = take_snapshot(trainer)
    assert not big.keeps_every_sample
    assert big.train_loss == pytest.approx(small.train_loss, rel=1e-12)
    assert big.penalty == small.penalty and big.test_loss == small.test_loss
    for got, expected in zip(big.weight_gradients, small.weight_gradients, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14)
    for got, expected in zip(big.bias_gradients, small.bias_gradients, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14)
    np.testing.assert_array_equal(big.inputs, small.inputs)
    layers = len(small.layer_sizes)
    for layer in range(1, layers):
        np.testing.assert_allclose(big.node_values(layer), small.node_values(layer), atol=1e-12)
        np.testing.assert_allclose(
            big.node_pre_activations(layer), small.node_pre_activations(layer), atol=1e-12
        )
        for sample in (0, 17, 52):
            np.testing.assert_allclose(
                big.node_values(layer, sample), small.node_values(layer, sample), atol=1e-12
            )
            np.testing.assert_allclose(
                big.node_pre_activations(layer, sample),
                small.node_pre_activations(layer, sample),
                atol=1e-12,
            )
        values = small.activations_values[layer - 1]
        np.testing.assert_allclose(
            big.node_extremes(layer), [values.min(), values.max()], atol=1e-12
        )
        np.testing.assert_allclose(big.activations_values[layer - 1], values, atol=1e-12)
        np.testing.assert_allclose(
            big.pre_activations[layer - 1], small.pre_activations[layer - 1], atol=1e-12
        )
    for got, expected in zip(big.activations_values, small.activations_values, strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-12)
        assert not got.flags.writeable
    assert len(big.activations_values) == layers - 1


def test_a_big_snapshot_holds_no_per_sample_arrays(monkeypatch):
    trainer = _trainer("half_sse", samples=400)
    monkeypatch.setattr(snapshot_module, "KEEP_ACTIVATIONS_BYTES", 0)
    big = take_snapshot(trainer)
    held = [
        *big.weights,
        *big.biases,
        *big.weight_gradients,
        *big.bias_gradients,
        *big.activation_means,
        *big.pre_activation_means,
        *big.activation_extremes,
    ]
    per_unit = sum(a.nbytes for a in held)
    per_sample = 400 * sum(big.layer_sizes[1:]) * 8 * 2
    assert per_unit < per_sample / 10
    # The shared data (as every snapshot of this trainer shares it), not a copy.
    assert big.inputs is big.source.X


def test_the_threshold_keeps_small_snapshots_whole():
    trainer = _trainer("half_sse", samples=1000)
    units = sum(trainer.net.layer_sizes[1:])
    assert 1000 * units * 16 < snapshot_module.KEEP_ACTIVATIONS_BYTES
    assert take_snapshot(trainer).keeps_every_sample
