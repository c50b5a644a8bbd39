"""Layer statistics: activations, per-unit gradient norms and weight histograms per layer."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core import Network, Trainer, get_preset, take_snapshot
from backprop_lab.core.layer_stats import (
    LayerStatsSeries,
    layer_stats,
    network_layer_stats,
    snapshot_layer_stats,
    unit_gradient_norms,
    weight_histograms,
)


@pytest.fixture
def small():
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(7, 2))
    T = (X[:, :1] > 0).astype(float)
    net = Network([2, 3, 4, 1], ["tanh", "sigmoid", "sigmoid"], seed=1)
    return net, X, T


def test_activation_statistics_are_over_every_sample_and_unit(small):
    net, X, T = small
    stats = network_layer_stats(net, X, T, "cross_entropy", epoch=5)
    trace = net.forward(X)
    assert stats.epoch == 5 and stats.n_layers == 3
    for layer, h in enumerate(trace.activations):
        assert stats.activation_mean[layer] == pytest.approx(h.mean())
        assert stats.activation_std[layer] == pytest.approx(h.std())
        assert stats.activation_p10[layer] == pytest.approx(np.percentile(h, 10))
        assert stats.activation_p90[layer] == pytest.approx(np.percentile(h, 90))


def central_difference_gradients(net, X, T, loss, eps=1e-6):
    """dE/dW of every layer by central differences, one weight at a time."""
    grads = []
    for w in net.weights:
        g = np.zeros_like(w)
        for index in np.ndindex(w.shape):
            old = w[index]
            w[index] = old + eps
            up = net.loss(X, T, loss)
            w[index] = old - eps
            down = net.loss(X, T, loss)
            w[index] = old
            g[index] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def test_gradient_norms_per_unit_agree_with_central_differences(small):
    net, X, T = small
    stats = network_layer_stats(net, X, T, "cross_entropy")
    # net.loss is the per-sample mean for cross-entropy; the gradient the trainer
    # uses is of the same normalised loss.
    numeric = central_difference_gradients(net, X, T, "cross_entropy")
    analytic = net.backward(net.forward(X), T, "cross_entropy").weights
    for layer, g in enumerate(numeric):
        np.testing.assert_allclose(analytic[layer], g, rtol=1e-5, atol=1e-9)
        norms = np.linalg.norm(g, axis=0)  # one per unit (column)
        np.testing.assert_allclose(unit_gradient_norms(g), norms)
        assert stats.gradient_norm_mean[layer] == pytest.approx(norms.mean(), rel=1e-5)
        assert stats.gradient_norm_std[layer] == pytest.approx(norms.std(), rel=1e-4, abs=1e-10)
        assert stats.gradient_norm_min[layer] == pytest.approx(norms.min(), rel=1e-5)
        assert stats.gradient_norm_max[layer] == pytest.approx(norms.max(), rel=1e-5)
        assert stats.gradient_norm[layer] == pytest.approx(np.linalg.norm(g), rel=1e-5)


def test_a_snapshot_gives_the_same_statistics_without_a_new_pass(small):
    net, X, T = small
    trainer = Trainer(net, X, T, learning_rate=0.5, loss="cross_entropy")
    trainer.step(3)
    from_snapshot = snapshot_layer_stats(take_snapshot(trainer))
    direct = network_layer_stats(net, X, T, "cross_entropy", epoch=3)
    assert from_snapshot.epoch == 3
    for name in ("activation_mean", "activation_std", "gradient_norm_mean", "gradient_norm"):
        np.testing.assert_allclose(getattr(from_snapshot, name), getattr(direct, name))


def test_units_without_any_gradient_are_counted_and_the_band_starts_above_zero():
    h = [np.zeros((4, 3)), np.ones((4, 1))]
    g = [np.array([[0.0, 3.0, 0.0], [0.0, 4.0, 1.0]]), np.array([[0.0], [0.0], [0.0]])]
    stats = layer_stats(2, h, g)
    np.testing.assert_array_equal(stats.zero_gradient_units, [1, 1])
    np.testing.assert_allclose(stats.gradient_norm_min, [0.0, 0.0])
    assert stats.gradient_norm_min_nonzero[0] == pytest.approx(1.0)
    assert np.isnan(stats.gradient_norm_min_nonzero[1])  # every unit's gradient is 0
    np.testing.assert_allclose(stats.gradient_norm_max, [5.0, 0.0])
    np.testing.assert_allclose(stats.gradient_norm_mean, [2.0, 0.0])


def test_mismatched_layer_lists_are_refused():
    with pytest.raises(ValueError, match="one activation array and one gradient per layer"):
        layer_stats(0, [np.zeros((2, 2))], [])


def test_the_series_stacks_epochs_in_order_layer_by_column(small):
    net, X, T = small
    trainer = Trainer(net, X, T, learning_rate=0.5, loss="cross_entropy")
    stats = []
    for _ in range(4):
        stats.append(snapshot_layer_stats(take_snapshot(trainer)))
        trainer.step(2)
    series = LayerStatsSeries.from_stats(reversed(stats))
    np.testing.assert_array_equal(series.epochs, [0, 2, 4, 6])
    assert series.gradient_norm_mean.shape == (4, 3) and series.n_layers == 3
    np.testing.assert_array_equal(series.activation_mean[2], stats[2].activation_mean)
    empty = LayerStatsSeries.from_stats([])
    assert empty.epochs.size == 0 and empty.n_layers == 0
    other = network_layer_stats(Network([2, 1], "sigmoid"), X, T, "mse")
    with pytest.raises(ValueError, match="same number of layers"):
        LayerStatsSeries.from_stats([stats[0], other])


def test_histograms_count_every_weight_on_shared_symmetric_bins():
    weights = [np.array([[0.5, -1.0], [0.25, 0.0]]), np.array([[2.0], [-0.1]])]
    hist = weight_histograms(weights, bins=4)
    np.testing.assert_allclose(hist.edges, [-2.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(hist.counts, [[0, 1, 3, 0], [0, 1, 0, 1]])
    np.testing.assert_allclose(hist.centres, [-1.5, -0.5, 0.5, 1.5])
    clipped = weight_histograms(weights, bins=2, limit=1.0)
    assert clipped.counts.sum() == 5  # 2.0 is outside [-1, 1]
    nan = weight_histograms([np.array([[np.nan, 0.5]])], bins=2)
    assert nan.counts.sum() == 1
    zero = weight_histograms([np.zeros((2, 2))], bins=2)
    np.testing.assert_allclose(zero.edges, [-1, 0, 1])
    with pytest.raises(ValueError):
        weight_histograms(weights, bins=0)


def test_a_deep_sigmoid_net_loses_its_gradient_towards_the_input_relu_and_he_keep_it():
    deep = get_preset("vanishing").trainer()
    fixed = get_preset("vanishing_relu").trainer()
    sig = network_layer_stats(deep.net, deep.X, deep.T, deep.loss)
    relu = network_layer_stats(fixed.net, fixed.X, fixed.T, fixed.loss)
    # Every sigmoid layer passes back at most 1/4 of the gradient: it shrinks towards layer 1.
    assert np.all(np.diff(sig.gradient_norm_mean) > 0)
    assert sig.gradient_norm_mean[0] < sig.gradient_norm_mean[-1] / 1000
    assert relu.gradient_norm_mean.min() > relu.gradient_norm_mean.max() / 200
    # Sigmoid units huddle near 0.5 (little spread to pass on); He-initialised ReLUs spread.
    assert np.all(np.abs(sig.activation_mean[:-1] - 0.5) < 0.2)
    assert np.all(sig.activation_std[:-1] < 0.2)
    assert np.all(relu.activation_std[:-1] > 0.25)


def test_initialisation_shows_in_the_weight_histograms():
    constant = Network([2, 4, 4, 1], "sigmoid", init="constant", init_value=0.1)
    he = Network([2, 64, 64, 1], "relu", init="he", seed=0)
    hist = weight_histograms(constant.weights, bins=5)
    # Every weight is 0.1: one bin per layer holds them all.
    assert [int(row.max()) for row in hist.counts] == [w.size for w in constant.weights]
    spread = weight_histograms(he.weights, bins=21)
    # He's normal weights: most in the middle bins, the layer with more inputs narrower.
    wide, narrow = he.weights[0].std(), he.weights[1].std()
    assert wide > narrow
    assert spread.counts[1, 9:12].sum() > spread.counts[0, 9:12].sum() * 64 * 64 / (2 * 64) / 4
