"""Every example a teacher opens in one click actually learns its data."""

import itertools

import numpy as np
import pytest

from backprop_lab.core.presets import PRESETS, get_preset, seed_example


def accuracy(trainer, X=None, T=None) -> float:
    """Share of samples classified right: P > 0.5 for one output, the largest for several."""
    X = trainer.X if X is None else X
    T = trainer.T if T is None else T
    P = trainer.net.predict(X)
    if T.shape[1] > 1:
        return float(np.mean(P.argmax(axis=1) == T.argmax(axis=1)))
    return float(np.mean((P > 0.5) == (T > 0.5)))


@pytest.mark.parametrize("name", sorted(set(PRESETS) - {"seed", "sine"}))
def test_classification_presets_learn_their_training_set(name):
    trainer = PRESETS[name].trainer()
    records = trainer.step(2000)
    assert trainer.divergence is None
    assert records[-1].train_loss < records[0].train_loss / 5
    assert accuracy(trainer) >= 0.95
    assert records[-1].test_loss is not None
    assert accuracy(trainer, trainer.X_test, trainer.T_test) >= 0.85


def test_three_gaussians_preset_has_a_softmax_output_per_class():
    preset = PRESETS["three_gaussians"]
    trainer = preset.trainer()
    assert trainer.net.layer_sizes[-1] == 3 and trainer.net.activations[-1] == "softmax"
    trainer.step(500)
    P = trainer.net.predict(trainer.X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    # Each class is recognised, not just the biggest one.
    for k in range(3):
        rows = trainer.T[:, k] == 1.0
        assert np.mean(P[rows].argmax(axis=1) == k) >= 0.9


def gradient_norms(trainer) -> list[float]:
    """The norm of dE/dW of every weight matrix, first layer first."""
    net = trainer.net
    grads = net.backward(net.forward(trainer.X), trainer.T, trainer.loss)
    return [float(np.linalg.norm(g)) for g in grads.weights]


def test_the_vanishing_gradients_preset_shows_them_and_still_learns():
    sigmoid, relu = PRESETS["vanishing"], PRESETS["vanishing_relu"]
    # The same data and architecture; only activations, initialisation and step differ.
    assert sigmoid.dataset_name == relu.dataset_name == "Two moons"
    assert sigmoid.hidden_layer_sizes == relu.hidden_layer_sizes
    assert len(sigmoid.hidden_layer_sizes) >= 5
    deep, fixed = sigmoid.trainer(), relu.trainer()
    assert deep.X.shape == fixed.X.shape
    norms = gradient_norms(deep)
    # Each sigmoid layer shrinks the gradient (sigma' <= 1/4): the first layer's
    # is orders of magnitude below the last layer's.
    assert all(a < b for a, b in itertools.pairwise(norms))
    assert norms[0] < norms[-1] / 1000
    relu_norms = gradient_norms(fixed)
    assert min(relu_norms) > max(relu_norms) / 200
    # The sigmoid net sits on a plateau while the ReLU net has learned ...
    flat = deep.step(300)
    quick = fixed.step(300)
    assert flat[-1].train_loss > 0.6
    assert quick[-1].train_loss < 0.1 and accuracy(fixed) >= 0.95
    # ... and it does learn in the end.
    deep.step(2700)
    assert accuracy(deep) >= 0.95


def test_sine_preset_fits_the_curve():
    trainer = PRESETS["sine"].trainer()
    records = trainer.step(2000)
    assert records[-1].train_loss < 0.05  # the noise itself has variance 0.01
    assert trainer.net.activations[-1] == "linear"


def test_the_seed_preset_is_the_seed_example():
    trainer = PRESETS["seed"].trainer()
    setup = seed_example()
    np.testing.assert_array_equal(trainer.X, setup["X"])
    np.testing.assert_array_equal(trainer.T, setup["T"])
    for w, expected in zip(trainer.net.weights, setup["net"].weights):
        np.testing.assert_array_equal(w, expected)
    assert trainer.learning_rate == 1.0 and trainer.loss == "half_sse"
    assert trainer.net.biases is None


def test_presets_are_found_by_short_or_display_name():
    assert get_preset("XOR") is get_preset("xor") is PRESETS["xor"]
    assert get_preset(" two spirals ") is PRESETS["spirals"]
    assert get_preset("Two moons") is PRESETS["moons"]  # the dataset's own example
    assert get_preset("vanishing").name.startswith("Deep sigmoid net")
    with pytest.raises(ValueError, match="choose one of: seed, xor"):
        get_preset("mnist")


def test_a_preset_is_reproducible():
    a, b = PRESETS["circles"].trainer(), PRESETS["circles"].trainer()
    a.step(5)
    b.step(5)
    np.testing.assert_array_equal(a.net.weights[0], b.net.weights[0])
