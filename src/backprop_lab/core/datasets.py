"""Example datasets: the seed example and seeded generated problems.

Every generator takes ``(n_samples, noise, seed)`` and returns a
:class:`~backprop_lab.core.data.Dataset`; the same seed always gives the same
data. Inputs stay roughly within [-1, 1] so the default learning rates work.
``noise`` is the standard deviation of Gaussian jitter added to the clean
inputs (for the sine, to the target).

The classification problems have two inputs ``x1``, ``x2`` and one 0/1 target
``class`` with the two classes as balanced as ``n_samples`` allows; the
three-class one has a one-hot target column per class instead.

Examples
--------
>>> ds = make_dataset("XOR", n_samples=100, noise=0.05, seed=1)
>>> ds.inputs.shape, ds.targets.shape
((100, 2), (100, 1))
>>> train, test = train_test_split(ds, 0.2, seed=0)
>>> train.n_samples, test.n_samples
(80, 20)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .data import Array, Dataset
from .seed import seed_inputs

#: Signature of every entry of :data:`DATASETS`: ``(n_samples, noise, seed) -> Dataset``.
DatasetMaker = Callable[[int, float, int], Dataset]

_CLASS_INPUTS = ("x1", "x2")
_CLASS_TARGET = ("class",)


def _check(n_samples: int, noise: float, minimum: int = 1) -> tuple[int, float]:
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise ValueError(f"n_samples must be a whole number, got {n_samples!r}")
    if n_samples < minimum:
        raise ValueError(f"n_samples must be at least {minimum}, got {n_samples}")
    noise = float(noise)
    if not math.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    return int(n_samples), noise


def _balanced_labels(n_samples: int, rng: np.random.Generator) -> Array:
    """Half zeros, half ones (one extra of a random class when odd), in random order."""
    labels = np.zeros(n_samples)
    labels[: n_samples // 2] = 1.0
    if n_samples % 2 and rng.random() < 0.5:
        labels[-1] = 1.0 - labels[-1]
    rng.shuffle(labels)
    return labels


def _classification(name: str, inputs: Array, labels: Array) -> Dataset:
    return Dataset(
        inputs, labels.reshape(-1, 1), _CLASS_INPUTS, _CLASS_TARGET, name, "classification"
    )


def xor(n_samples: int = 200, noise: float = 0.05, seed: int = 0) -> Dataset:
    """The XOR problem: class 1 where exactly one of x1, x2 is positive.

    Points are uniform in the four quadrants of [-1, 1]^2, kept 0.1 away from
    the axes so the clean problem has a margin.

    Parameters
    ----------
    n_samples
        Number of points (at least 1).
    noise
        Standard deviation of the jitter added to the points.
    seed
        Random seed.
    """
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    labels = _balanced_labels(n_samples, rng)
    magnitudes = rng.uniform(0.1, 1.0, size=(n_samples, 2))
    sign_x1 = rng.choice([-1.0, 1.0], size=n_samples)
    # Exactly one positive coordinate for class 1, equal signs for class 0.
    sign_x2 = np.where(labels == 1.0, -sign_x1, sign_x1)
    inputs = magnitudes * np.column_stack([sign_x1, sign_x2])
    inputs += rng.normal(0.0, noise, size=inputs.shape) if noise > 0 else 0.0
    return _classification("XOR", inputs, labels)


def circles(n_samples: int = 200, noise: float = 0.05, seed: int = 0) -> Dataset:
    """A disc of class 1 (radius < 0.5) inside a ring of class 0 (radius 0.7 to 1).

    Parameters are as in :func:`xor`.
    """
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    labels = _balanced_labels(n_samples, rng)
    # sqrt of a uniform draw spreads the inner points evenly over the disc's area.
    inner = 0.5 * np.sqrt(rng.uniform(0.0, 1.0, size=n_samples))
    outer = rng.uniform(0.7, 1.0, size=n_samples)
    radius = np.where(labels == 1.0, inner, outer)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n_samples)
    inputs = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    inputs += rng.normal(0.0, noise, size=inputs.shape) if noise > 0 else 0.0
    return _classification("Circles", inputs, labels)


def gaussians(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two Gaussian blobs (spread 0.2) centred at (-0.5, -0.5), class 0, and (0.5, 0.5), class 1.

    Parameters are as in :func:`xor`; ``noise`` widens the blobs further.
    """
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    labels = _balanced_labels(n_samples, rng)
    centres = np.where(labels[:, None] == 1.0, 0.5, -0.5) * np.ones((n_samples, 2))
    spread = math.hypot(0.2, noise)
    inputs = centres + rng.normal(0.0, spread, size=(n_samples, 2))
    return _classification("Two gaussians", inputs, labels)


def spirals(n_samples: int = 200, noise: float = 0.05, seed: int = 0) -> Dataset:
    """Two interleaved spirals, each winding 1.5 turns out to radius 1.

    Parameters are as in :func:`xor`.
    """
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    labels = _balanced_labels(n_samples, rng)
    position = rng.uniform(0.0, 1.0, size=n_samples)  # 0 at the centre, 1 at the end
    radius = 0.05 + 0.95 * position
    angle = position * 3.0 * np.pi + np.where(labels == 1.0, np.pi, 0.0)
    inputs = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    inputs += rng.normal(0.0, noise, size=inputs.shape) if noise > 0 else 0.0
    return _classification("Two spirals", inputs, labels)


def sine(n_samples: int = 100, noise: float = 0.1, seed: int = 0) -> Dataset:
    """A noisy sine wave: t = sin(pi x) + noise for x uniform in [-1, 1].

    A regression problem with one input ``x`` and one target ``t``. The
    targets reach -1, so the output layer needs a tanh or linear activation
    (a sigmoid output cannot go below 0).

    Parameters are as in :func:`xor`; ``noise`` is the standard deviation of
    the noise added to the targets.
    """
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n_samples))
    t = np.sin(np.pi * x)
    if noise > 0:
        t = t + rng.normal(0.0, noise, size=n_samples)
    return Dataset(x.reshape(-1, 1), t.reshape(-1, 1), ("x",), ("t",), "Noisy sine", "regression")


# ------------------------------------------------- Playground's datasets
def _uniform_by_label(
    labels: Array, rng: np.random.Generator, is_class_one: Callable[[Array, Array], Array]
) -> Array:
    """Points uniform over [-1, 1]^2, each on the side of the curve its label asks for.

    Rejection sampling in seeded batches: the same seed always gives the same points.
    """
    inputs = np.empty((labels.size, 2))
    for label in (0.0, 1.0):
        rows = np.flatnonzero(labels == label)
        found = 0
        while found < rows.size:
            candidates = rng.uniform(-1.0, 1.0, size=(2 * (rows.size - found) + 8, 2))
            side = is_class_one(candidates[:, 0], candidates[:, 1])
            keep = candidates[side == (label == 1.0)][: rows.size - found]
            inputs[rows[found : found + len(keep)]] = keep
            found += len(keep)
    return inputs


def _above_curve(
    display_name: str, curve: Callable[[Array], Array], n_samples: int, noise: float, seed: int
) -> Dataset:
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    labels = _balanced_labels(n_samples, rng)
    inputs = _uniform_by_label(labels, rng, lambda x1, x2: x2 > curve(x1))
    inputs += rng.normal(0.0, noise, size=inputs.shape) if noise > 0 else 0.0
    return _classification(display_name, inputs, labels)


def sine_curve(x: Array) -> Array:
    """The curve of :func:`above_sine`: y = 0.6 sin(pi x)."""
    return 0.6 * np.sin(np.pi * x)


def cubic_curve(x: Array) -> Array:
    """The curve of :func:`above_cubic`: y = 1.5 (x^3 - x), which rises, falls and rises."""
    return 1.5 * (x**3 - x)


def abs_curve(x: Array) -> Array:
    """The curve of :func:`above_abs`: y = |x| - 0.5, a V."""
    return np.abs(x) - 0.5


def above_sine(n_samples: int = 200, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Points above the curve y = 0.6 sin(pi x) are class 1, points below it class 0.

    The points are uniform over [-1, 1]^2 (each class gets half of them);
    ``noise`` jitters them afterwards, so some end up on the wrong side.
    Parameters are as in :func:`xor`.
    """
    return _above_curve("Above/below sine", sine_curve, n_samples, noise, seed)


def above_cubic(n_samples: int = 200, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Points above the curve y = 1.5 (x^3 - x) are class 1, points below it class 0.

    As :func:`above_sine`, for a cubic that rises, falls and rises again.
    """
    return _above_curve("Above/below cubic", cubic_curve, n_samples, noise, seed)


def above_abs(n_samples: int = 200, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Points above the curve y = |x| - 0.5 are class 1, points below it class 0.

    As :func:`above_sine`, for a V with a sharp corner at x = 0.
    """
    return _above_curve("Above/below |x|", abs_curve, n_samples, noise, seed)


def moons(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaved half circles: the upper moon is class 0, the lower one class 1.

    The moons of radius 1 (the lower one shifted by (1, -0.5)) are scaled by
    2/3 and centred, so the points fit in [-1, 1] x [-0.5, 0.5]. Parameters are
    as in :func:`xor`.
    """
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    labels = _balanced_labels(n_samples, rng)
    angle = rng.uniform(0.0, np.pi, size=n_samples)
    upper = np.column_stack([np.cos(angle), np.sin(angle)])
    lower = np.column_stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)])
    inputs = np.where(labels[:, None] == 1.0, lower, upper)
    inputs = (inputs - [0.5, 0.25]) / 1.5
    inputs += rng.normal(0.0, noise, size=inputs.shape) if noise > 0 else 0.0
    return _classification("Two moons", inputs, labels)


#: Column names of the three-class data: one 0/1 column per class, numbered from 1.
THREE_CLASS_TARGETS = ("class 1", "class 2", "class 3")


def three_gaussians(n_samples: int = 300, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Three Gaussian blobs (spread 0.2) at radius 0.6, 120 degrees apart: classes 1, 2, 3.

    The targets are one-hot, one column per class (``class 1``, ``class 2``,
    ``class 3``), for a softmax output with cross-entropy. The classes get a
    third of the points each (the remainder goes to random classes).
    Parameters are as in :func:`xor`; ``noise`` widens the blobs further.
    """
    n_samples, noise = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    classes = np.arange(n_samples) % 3
    classes[n_samples - n_samples % 3 :] = rng.permutation(3)[: n_samples % 3]
    rng.shuffle(classes)
    angles = np.pi / 2 + classes * (2.0 * np.pi / 3.0)
    centres = 0.6 * np.column_stack([np.cos(angles), np.sin(angles)])
    spread = math.hypot(0.2, noise)
    inputs = centres + rng.normal(0.0, spread, size=(n_samples, 2))
    targets = np.eye(3)[classes]
    return Dataset(
        inputs, targets, _CLASS_INPUTS, THREE_CLASS_TARGETS, "Three gaussians", "classification"
    )


def seed_dataset() -> Dataset:
    """The seed post's three samples, scaled exactly as the seed does.

    Inputs are the raw ``[[2, 9], [1, 5], [3, 4]]`` divided by their column
    maxima, targets ``[2.9, 2.3, 2.5] / 2.9``.
    """
    X, T = seed_inputs()
    return Dataset(X, T, ("x1", "x2"), ("t",), "Seed example", "regression")


def _seed_maker(n_samples: int = 3, noise: float = 0.0, seed: int = 0) -> Dataset:
    """The seed example; it has exactly three samples, so the arguments are ignored."""
    return seed_dataset()


#: Every example dataset by display name; each maker takes ``(n_samples, noise, seed)``.
DATASETS: dict[str, DatasetMaker] = {
    "Seed example": _seed_maker,
    "XOR": xor,
    "Circles": circles,
    "Two gaussians": gaussians,
    "Two spirals": spirals,
    "Noisy sine": sine,
    "Above/below sine": above_sine,
    "Above/below cubic": above_cubic,
    "Above/below |x|": above_abs,
    "Two moons": moons,
    "Three gaussians": three_gaussians,
}

#: Datasets whose size and noise are fixed (the makers ignore those arguments).
FIXED_DATASETS = frozenset({"Seed example"})

_ALIASES = {
    "seed": "Seed example",
    "seed_example": "Seed example",
    "xor": "XOR",
    "circles": "Circles",
    "gaussians": "Two gaussians",
    "spirals": "Two spirals",
    "sine": "Noisy sine",
    "above_sine": "Above/below sine",
    "above_cubic": "Above/below cubic",
    "above_abs": "Above/below |x|",
    "moons": "Two moons",
    "three_gaussians": "Three gaussians",
}


def dataset_display_name(name: str) -> str:
    """The display name for ``name``: a key of :data:`DATASETS` in any case, or a short alias.

    Raises
    ------
    ValueError
        If no dataset has that name.
    """
    wanted = name.strip().lower()
    for display in DATASETS:
        if display.lower() == wanted:
            return display
    if wanted in _ALIASES:
        return _ALIASES[wanted]
    raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")


def make_dataset(
    name: str, n_samples: int | None = None, noise: float | None = None, seed: int = 0
) -> Dataset:
    """Make an example dataset by name.

    Parameters
    ----------
    name
        A key of :data:`DATASETS` (``"XOR"``, ``"Two spirals"``, ...) in any
        case, or a short alias (``"xor"``, ``"spirals"``, ``"sine"``, ``"seed"``).
    n_samples, noise
        None uses the generator's default. Ignored by the seed example.
    seed
        Random seed.

    Raises
    ------
    ValueError
        For an unknown name, fewer than one sample or negative noise.
    """
    maker = DATASETS[dataset_display_name(name)]
    kwargs: dict[str, float | int] = {"seed": seed}
    if n_samples is not None:
        kwargs["n_samples"] = n_samples
    if noise is not None:
        kwargs["noise"] = noise
    return maker(**kwargs)  # type: ignore[arg-type]


def train_test_split(
    dataset: Dataset, test_fraction: float, seed: int = 0
) -> tuple[Dataset, Dataset | None]:
    """Split a dataset at random into a training set and a test set.

    Parameters
    ----------
    dataset
        The samples to split.
    test_fraction
        Share of the samples for testing, in [0, 1). 0 means no test set. The
        test set gets ``round(test_fraction * N)`` samples, at least one, and
        the training set keeps at least one.
    seed
        Random seed of the split.

    Returns
    -------
    tuple
        ``(train, test)``; ``test`` is None when ``test_fraction`` is 0 or the
        dataset has fewer than two samples. Both keep the original row order.

    Raises
    ------
    ValueError
        If ``test_fraction`` is not a number in [0, 1).
    """
    try:
        fraction = float(test_fraction)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"test_fraction must be a number, got {test_fraction!r}") from exc
    if not (0.0 <= fraction < 1.0):
        raise ValueError(
            f"test_fraction must be at least 0 and less than 1 (a share of the samples), "
            f"got {test_fraction!r}"
        )
    n = dataset.n_samples
    if fraction == 0.0 or n < 2:
        return dataset, None
    n_test = min(max(1, round(fraction * n)), n - 1)
    order = np.random.default_rng(seed).permutation(n)
    test_rows = np.sort(order[:n_test])
    train_rows = np.sort(order[n_test:])
    return dataset.subset(train_rows), dataset.subset(test_rows)
