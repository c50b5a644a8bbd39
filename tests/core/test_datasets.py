"""Example datasets: seeded, right shapes, balanced, learnable; and the train/test split."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core import (
    DATASETS,
    FIXED_DATASETS,
    Network,
    Trainer,
    above_abs,
    above_cubic,
    above_sine,
    circles,
    gaussians,
    make_dataset,
    moons,
    seed_dataset,
    sine,
    spirals,
    three_gaussians,
    train_test_split,
    xor,
)
from backprop_lab.core.datasets import abs_curve, cubic_curve, sine_curve
from backprop_lab.core.presets import seed_inputs

GENERATED = [name for name in DATASETS if name not in FIXED_DATASETS]
CLASSIFIERS = [xor, circles, gaussians, spirals, above_sine, above_cubic, above_abs, moons]


@pytest.mark.parametrize("name", GENERATED)
def test_generators_are_deterministic_per_seed_and_differ_across_seeds(name):
    first = make_dataset(name, n_samples=50, noise=0.1, seed=3)
    again = make_dataset(name, n_samples=50, noise=0.1, seed=3)
    other = make_dataset(name, n_samples=50, noise=0.1, seed=4)
    assert first == again
    assert not np.array_equal(first.inputs, other.inputs)


@pytest.mark.parametrize("maker", CLASSIFIERS)
@pytest.mark.parametrize("n_samples", [1, 2, 7, 200])
def test_classification_shapes_and_balance(maker, n_samples):
    ds = maker(n_samples=n_samples, noise=0.05, seed=0)
    assert ds.task == "classification"
    assert ds.inputs.shape == (n_samples, 2) and ds.targets.shape == (n_samples, 1)
    assert ds.input_names == ("x1", "x2") and ds.target_names == ("class",)
    assert set(np.unique(ds.targets)) <= {0.0, 1.0}
    ones = int(ds.targets.sum())
    assert abs(ones - (n_samples - ones)) <= 1  # as balanced as the count allows


@pytest.mark.parametrize("name", GENERATED)
def test_inputs_stay_near_unit_scale(name):
    ds = make_dataset(name, n_samples=500, seed=0)
    assert np.abs(ds.inputs).max() < 1.6
    assert np.abs(ds.inputs).max() > 0.5  # and use the range


def test_xor_labels_follow_the_quadrants_without_noise():
    ds = xor(n_samples=100, noise=0.0, seed=1)
    x1, x2 = ds.inputs.T
    assert np.all(np.abs(ds.inputs) >= 0.1)
    np.testing.assert_array_equal(ds.targets[:, 0], ((x1 > 0) != (x2 > 0)).astype(float))


def test_circles_inner_disc_is_class_one_without_noise():
    ds = circles(n_samples=200, noise=0.0, seed=2)
    radius = np.hypot(*ds.inputs.T)
    inner = ds.targets[:, 0] == 1.0
    assert radius[inner].max() <= 0.5 and radius[~inner].min() >= 0.7


def test_gaussian_blobs_sit_on_opposite_diagonal_corners():
    ds = gaussians(n_samples=400, noise=0.0, seed=0)
    ones = ds.targets[:, 0] == 1.0
    np.testing.assert_allclose(ds.inputs[ones].mean(axis=0), [0.5, 0.5], atol=0.05)
    np.testing.assert_allclose(ds.inputs[~ones].mean(axis=0), [-0.5, -0.5], atol=0.05)


def test_spirals_are_point_symmetric_without_noise():
    ds = spirals(n_samples=200, noise=0.0, seed=0)
    radius = np.hypot(*ds.inputs.T)
    assert radius.max() <= 1.0 + 1e-12
    # Rotating a class-0 point by pi lands on the class-1 spiral: same radius/angle law.
    angle = np.arctan2(ds.inputs[:, 1], ds.inputs[:, 0])
    position = (radius - 0.05) / 0.95
    offset = np.where(ds.targets[:, 0] == 1.0, np.pi, 0.0)
    expected = np.angle(np.exp(1j * (position * 3 * np.pi + offset)))
    np.testing.assert_allclose(np.exp(1j * angle), np.exp(1j * expected), atol=1e-9)


@pytest.mark.parametrize(
    ("maker", "curve"),
    [(above_sine, sine_curve), (above_cubic, cubic_curve), (above_abs, abs_curve)],
)
def test_above_below_curve_labels_follow_the_curve_without_noise(maker, curve):
    ds = maker(n_samples=300, noise=0.0, seed=2)
    x1, x2 = ds.inputs.T
    assert np.all(np.abs(ds.inputs) <= 1.0)
    np.testing.assert_array_equal(ds.targets[:, 0], (x2 > curve(x1)).astype(float))
    # Spread over the whole square, not bunched along the curve.
    assert x1.min() < -0.9 and x1.max() > 0.9 and x2.min() < -0.9 and x2.max() > 0.9
    assert maker(n_samples=300, noise=0.2, seed=2).targets.tolist() == ds.targets.tolist()


def test_curves_are_the_documented_functions():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_allclose(sine_curve(x), 0.6 * np.sin(np.pi * x))
    np.testing.assert_allclose(cubic_curve(x), [0.0, 0.5625, 0.0, -0.5625, 0.0])
    np.testing.assert_allclose(abs_curve(x), [0.5, 0.0, -0.5, 0.0, 0.5])


def test_two_moons_lie_on_their_half_circles_without_noise():
    ds = moons(n_samples=200, noise=0.0, seed=0)
    raw = ds.inputs * 1.5 + [0.5, 0.25]  # undo the scaling to unit half circles
    upper = ds.targets[:, 0] == 0.0
    np.testing.assert_allclose(np.hypot(*raw[upper].T), 1.0)
    assert np.all(raw[upper, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(raw[~upper, 0] - 1.0, raw[~upper, 1] - 0.5), 1.0)
    assert np.all(raw[~upper, 1] <= 0.5 + 1e-12)
    assert np.abs(ds.inputs[:, 0]).max() <= 1.0 + 1e-12


@pytest.mark.parametrize("n_samples", [1, 2, 4, 300])
def test_three_gaussians_are_one_hot_with_balanced_classes(n_samples):
    ds = three_gaussians(n_samples=n_samples, noise=0.0, seed=0)
    assert ds.task == "classification" and ds.targets.shape == (n_samples, 3)
    assert ds.target_names == ("class 1", "class 2", "class 3")
    np.testing.assert_array_equal(ds.targets.sum(axis=1), 1.0)
    assert set(np.unique(ds.targets)) <= {0.0, 1.0}
    counts = ds.targets.sum(axis=0)
    assert counts.max() - counts.min() <= 1


def test_three_gaussian_blobs_sit_120_degrees_apart():
    ds = three_gaussians(n_samples=900, noise=0.0, seed=1)
    for k, degrees in enumerate((90, 210, 330)):
        angle = np.radians(degrees)
        centre = ds.inputs[ds.targets[:, k] == 1.0].mean(axis=0)
        np.testing.assert_allclose(
            centre, 0.6 * np.array([np.cos(angle), np.sin(angle)]), atol=0.05
        )


def test_noise_moves_points_and_zero_noise_is_clean():
    clean = sine(n_samples=50, noise=0.0, seed=0)
    noisy = sine(n_samples=50, noise=0.2, seed=0)
    assert clean.task == "regression" and clean.inputs.shape == (50, 1)
    np.testing.assert_allclose(clean.targets[:, 0], np.sin(np.pi * clean.inputs[:, 0]))
    assert np.std(noisy.targets[:, 0] - np.sin(np.pi * noisy.inputs[:, 0])) > 0.1


def test_seed_dataset_is_the_seed_example():
    ds = seed_dataset()
    X, T = seed_inputs()
    assert ds.name == "Seed example"
    np.testing.assert_array_equal(ds.inputs, X)
    np.testing.assert_array_equal(ds.targets, T)
    np.testing.assert_allclose(ds.inputs, [[2 / 3, 1], [1 / 3, 5 / 9], [1, 4 / 9]])
    assert make_dataset("Seed example", n_samples=100, noise=1.0) == ds  # fixed size


def test_make_dataset_accepts_display_names_and_short_aliases():
    assert make_dataset("two spirals", 20) == make_dataset("spirals", 20)
    assert make_dataset("XOR").n_samples == 200  # the generator's default
    assert make_dataset("moons", 20) == make_dataset("Two moons", 20)
    assert make_dataset("above_abs", 20) == make_dataset("above/below |x|", 20)
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        make_dataset("mnist")


@pytest.mark.parametrize(("n_samples", "noise"), [(0, 0.1), (-5, 0.1), (10, -0.1), (10, np.nan)])
def test_bad_generator_arguments_are_refused(n_samples, noise):
    with pytest.raises(ValueError):
        xor(n_samples=n_samples, noise=noise)


def test_xor_dataset_is_learnable():
    ds = xor(n_samples=100, noise=0.05, seed=0)
    net = Network([2, 8, 1], ["tanh", "sigmoid"], seed=0)
    trainer = Trainer(net, ds.inputs, ds.targets, learning_rate=0.5, loss="cross_entropy")
    trainer.step(300)
    accuracy = np.mean((net.predict(ds.inputs) > 0.5) == (ds.targets > 0.5))
    assert accuracy > 0.9


# -------------------------------------------------------------------- split
@pytest.mark.parametrize(
    ("n", "fraction", "n_test"),
    [(100, 0.2, 20), (10, 0.25, 2), (10, 0.01, 1), (3, 0.9, 2), (2, 0.5, 1)],
)
def test_split_sizes_and_disjointness(n, fraction, n_test):
    ds = make_dataset("circles", n_samples=n, seed=0)
    train, test = train_test_split(ds, fraction, seed=5)
    assert test is not None
    assert (train.n_samples, test.n_samples) == (n - n_test, n_test)
    rows = {tuple(r) for r in train.inputs} | {tuple(r) for r in test.inputs}
    assert len(rows) == n  # every sample once, in exactly one part
    assert not ({tuple(r) for r in train.inputs} & {tuple(r) for r in test.inputs})
    assert train.column_names == ds.column_names and test.task == ds.task


def test_split_keeps_order_and_is_seeded():
    ds = sine(n_samples=40, seed=0)  # sorted by x
    train, test = train_test_split(ds, 0.3, seed=1)
    assert np.all(np.diff(train.inputs[:, 0]) >= 0) and np.all(np.diff(test.inputs[:, 0]) >= 0)
    assert train_test_split(ds, 0.3, seed=1)[1] == test
    assert train_test_split(ds, 0.3, seed=2)[1] != test


def test_split_without_test_fraction_or_samples_gives_no_test_set():
    ds = make_dataset("xor", 10)
    assert train_test_split(ds, 0.0) == (ds, None)
    single = ds.subset([0])
    assert train_test_split(single, 0.5) == (single, None)


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5, float("nan"), "a lot"])
def test_split_refuses_bad_fractions(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        train_test_split(make_dataset("xor", 10), fraction)
