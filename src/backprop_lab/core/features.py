"""Feature inputs: what the network's input nodes compute from a data row.

TensorFlow Playground lets students feed x1, x2, x1², x2², x1·x2, sin x1 and
sin x2 to the network instead of the raw coordinates. Here the transform is
part of the network (:class:`~backprop_lab.core.network.Network` with
``features=[...]``): the data stays as it is, ``net.predict(X)`` takes raw
rows, and the input layer's node values are the features.

Names (columns counted from 1, as everywhere people read them):

* ``x{i}`` — column i itself,
* ``x{i}_sq`` — its square,
* ``x{i}_x{j}`` (i < j) — the product of two columns,
* ``sin_x{i}`` — its sine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

#: The seven inputs of TensorFlow Playground, for 2-D data.
PLAYGROUND_FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2")

_PATTERN = re.compile(r"^(?:x(\d+)|x(\d+)_sq|x(\d+)_x(\d+)|sin_x(\d+))$")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class FeatureError(ValueError):
    """An unknown or malformed feature name."""


def _parse(name: str) -> tuple[str, tuple[int, ...]]:
    match = _PATTERN.match(str(name))
    if match is None:
        raise FeatureError(
            f"unknown feature {name!r}; use x1, x2, x1_sq, x2_sq, x1_x2, sin_x1, sin_x2 "
            "(or the same forms for other columns, e.g. x3_sq)"
        )
    plain, square, left, right, sine = match.groups()
    if plain is not None:
        kind, cols = "x", (int(plain),)
    elif square is not None:
        kind, cols = "sq", (int(square),)
    elif left is not None:
        kind, cols = "product", (int(left), int(right))
        if cols[0] >= cols[1]:
            raise FeatureError(f"feature {name!r}: write the product as x{{i}}_x{{j}} with i < j")
    else:
        kind, cols = "sin", (int(sine),)
    if min(cols) < 1:
        raise FeatureError(f"feature {name!r}: columns are counted from 1")
    return kind, cols


def feature_label(name: str) -> str:
    """How a feature is shown: ``"x₁"``, ``"x₁²"``, ``"x₁x₂"``, ``"sin x₁"``."""
    kind, cols = _parse(name)
    xs = [f"x{str(c).translate(_SUB)}" for c in cols]
    if kind == "x":
        return xs[0]
    if kind == "sq":
        return xs[0] + "²"
    if kind == "product":
        return xs[0] + xs[1]
    return "sin " + xs[0]


def feature_formula(name: str) -> str:
    """The feature as a NumPy expression of the data matrix ``X`` (0-based columns)."""
    kind, cols = _parse(name)
    c = [f"X[:, {i - 1}]" for i in cols]
    if kind == "x":
        return c[0]
    if kind == "sq":
        return f"{c[0]} ** 2"
    if kind == "product":
        return f"{c[0]} * {c[1]}"
    return f"np.sin({c[0]})"


def input_labels(n_inputs: int) -> tuple[str, ...]:
    """Labels of raw input nodes: ``("x₁", "x₂")`` for 2-D data."""
    return tuple(feature_label(f"x{i + 1}") for i in range(n_inputs))


class FeatureMap:
    """The transform from data rows (N, n_inputs) to input-node values (N, len(names)).

    Parameters
    ----------
    names
        Feature names (see the module docstring), in input-node order; no repeats.
    n_inputs
        The number of data columns. Default: the highest column a feature names.
    """

    def __init__(self, names: Sequence[str], n_inputs: int | None = None) -> None:
        names = tuple(str(n) for n in names)
        if not names:
            raise FeatureError("choose at least one feature input")
        if len(set(names)) != len(names):
            repeated = sorted({n for n in names if names.count(n) > 1})
            raise FeatureError(f"each feature can be used once; repeated: {', '.join(repeated)}")
        parsed = [_parse(n) for n in names]
        highest = max(max(cols) for _, cols in parsed)
        if n_inputs is None:
            n_inputs = highest
        n_inputs = int(n_inputs)
        if highest > n_inputs:
            raise FeatureError(
                f"feature {names[[max(c) for _, c in parsed].index(highest)]} reads column "
                f"{highest}, but the data has {n_inputs} input column(s)"
            )
        self.names: tuple[str, ...] = names
        self.n_inputs = n_inputs
        self._parsed = parsed

    @property
    def labels(self) -> tuple[str, ...]:
        """Display labels of the input nodes."""
        return tuple(feature_label(n) for n in self.names)

    @property
    def is_identity(self) -> bool:
        """True when the features are exactly the raw columns, in order."""
        return self.names == tuple(f"x{i + 1}" for i in range(self.n_inputs))

    def transform(self, X: Array) -> Array:
        """The input-node values for raw rows ``X`` (N, n_inputs)."""
        X = np.asarray(X, dtype=np.float64)
        out = np.empty((X.shape[0], len(self.names)), dtype=np.float64)
        for k, (kind, cols) in enumerate(self._parsed):
            col = X[:, cols[0] - 1]
            if kind == "x":
                out[:, k] = col
            elif kind == "sq":
                out[:, k] = col * col
            elif kind == "product":
                out[:, k] = col * X[:, cols[1] - 1]
            else:
                out[:, k] = np.sin(col)
        return out

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FeatureMap)
            and other.names == self.names
            and other.n_inputs == self.n_inputs
        )

    def __hash__(self) -> int:
        return hash((self.names, self.n_inputs))

    def __repr__(self) -> str:
        return f"FeatureMap({list(self.names)}, n_inputs={self.n_inputs})"
