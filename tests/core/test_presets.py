"""Every example a teacher opens in one click actually learns its data."""

import numpy as np
import pytest

from backprop_lab.core.presets import PRESETS, get_preset, seed_example


@pytest.mark.parametrize("name", sorted(set(PRESETS) - {"seed", "sine"}))
def test_classification_presets_learn_their_training_set(name):
    trainer = PRESETS[name].trainer()
    records = trainer.step(2000)
    assert records[-1].train_loss < records[0].train_loss / 5
    accuracy = np.mean((trainer.net.predict(trainer.X) > 0.5) == (trainer.T > 0.5))
    assert accuracy >= 0.95
    assert records[-1].test_loss is not None


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
    with pytest.raises(ValueError, match="choose one of: seed, xor"):
        get_preset("mnist")


def test_a_preset_is_reproducible():
    a, b = PRESETS["circles"].trainer(), PRESETS["circles"].trainer()
    a.step(5)
    b.step(5)
    np.testing.assert_array_equal(a.net.weights[0], b.net.weights[0])
