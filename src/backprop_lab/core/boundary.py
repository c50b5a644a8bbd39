"""What a network computes over the input plane: decision maps, per-unit maps, fitted curves.

For 2-input data the app draws the network's output over a grid of points
behind the scatter plot (the decision boundary), and each unit's own output
over the same grid inside the unit (what the unit has learned). For 1-input
data it draws the fitted curve. Everything here is one vectorised pass of the
network over all grid points, never a Python loop per point, so a 100x100 map
costs about a millisecond and can be redrawn with every training snapshot.

Grid layout: ``grid.points`` holds the grid row by row, y outermost, so
``values.reshape(n_y, n_x)`` gives an image whose row ``i`` is ``y = ys[i]``
and column ``j`` is ``x = xs[j]`` (row-major, as ``ImageItem(axisOrder="row-major")``
expects).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .activations import get_activation
from .network import Network

Array = npt.NDArray[np.float64]

#: Precision of the maps drawn on screen. NumPy's float64 ``tanh`` is not
#: vectorised with SIMD on common builds and made a 100x100 map of a 2-8-8-1
#: tanh network cost ~12 ms; in float32 it costs ~2 ms and differs from
#: ``net.predict`` by < 1e-6, far below one step of a 256-level colour map.
DISPLAY_DTYPE = np.float32

#: Fraction of the data's range added on every side of a grid made from data.
DEFAULT_MARGIN = 0.1


@dataclass(frozen=True)
class Grid:
    """A regular grid over a rectangle of the input plane.

    Attributes
    ----------
    xs, ys
        The grid's coordinates along x (first input) and y (second input).
    points
        Every grid point, shape ``(len(ys) * len(xs), 2)``, y outermost.
    bounds
        ``(x_min, x_max, y_min, y_max)``: the rectangle the grid covers
        (``xs[0] == x_min`` and ``xs[-1] == x_max``).
    """

    xs: Array
    ys: Array
    points: Array
    bounds: tuple[float, float, float, float]

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_y, n_x)``: the shape of a map over this grid."""
        return (self.ys.size, self.xs.size)


def _padded_range(low: float, high: float, margin: float) -> tuple[float, float]:
    span = high - low
    if span <= 0 or not np.isfinite(span):
        # A single point or a constant column: show one unit around it.
        return low - 1.0, high + 1.0
    return low - margin * span, high + margin * span


def data_bounds(inputs: npt.ArrayLike, margin: float = DEFAULT_MARGIN) -> tuple[float, ...]:
    """``(x_min, x_max, y_min, y_max)`` around 2-input data, widened by ``margin`` of the range.

    A constant column gets one unit on each side so the rectangle never collapses.
    """
    X = np.asarray(inputs, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"need a non-empty (N, 2) array of inputs, got shape {X.shape}")
    x0, x1 = _padded_range(float(X[:, 0].min()), float(X[:, 0].max()), margin)
    y0, y1 = _padded_range(float(X[:, 1].min()), float(X[:, 1].max()), margin)
    return (x0, x1, y0, y1)


def grid_for(dataset_or_bounds, resolution: int = 100, margin: float = DEFAULT_MARGIN) -> Grid:
    """A ``resolution`` x ``resolution`` grid over a data set's inputs or explicit bounds.

    Parameters
    ----------
    dataset_or_bounds
        A 2-input :class:`~backprop_lab.core.data.Dataset` (anything with an
        ``inputs`` array of shape (N, 2)), an (N, 2) array of inputs, or
        ``(x_min, x_max, y_min, y_max)``.
    resolution
        Points along each axis (at least 2).
    margin
        For data: the fraction of each input's range added on both sides.

    Raises
    ------
    ValueError
        For data that does not have exactly 2 inputs, bounds that are not
        4 finite numbers with min < max, or a resolution below 2.
    """
    resolution = int(resolution)
    if resolution < 2:
        raise ValueError(f"a grid needs at least 2 points per axis, got {resolution}")
    source = getattr(dataset_or_bounds, "inputs", dataset_or_bounds)
    array = np.asarray(source, dtype=np.float64)
    if array.ndim == 1 and array.shape == (4,):
        bounds = tuple(float(v) for v in array)
        x0, x1, y0, y1 = bounds
        if not all(np.isfinite(bounds)) or not (x0 < x1 and y0 < y1):
            raise ValueError(f"bounds must be finite with x_min < x_max, y_min < y_max: {bounds}")
    else:
        bounds = data_bounds(array, margin)
    x0, x1, y0, y1 = bounds
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)  # (n_y, n_x), y outermost
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    return Grid(xs=xs, ys=ys, points=points, bounds=(x0, x1, y0, y1))


def _check_two_inputs(net: Network) -> None:
    # The data's columns, not the input nodes: feature inputs (x1², sin x2, ...)
    # of 2-column data are still maps over the plane.
    n_inputs = getattr(net, "n_inputs", net.layer_sizes[0])
    if n_inputs != 2:
        raise ValueError(
            f"maps over the plane need a network with 2 inputs, this one has {n_inputs}"
        )


def _layer_outputs(net: Network, points: Array, dtype) -> list[Array]:
    """Outputs of every layer after the input for ``points``, computed in ``dtype``.

    In float64 this is exactly ``net.forward(points).activations``.
    """
    if np.dtype(dtype) == np.float64:
        return net.forward(points).activations
    outputs = []
    # Large (finite) weights or data can overflow float32 where float64 copes:
    # then the map is computed again in float64, so the picture never shows
    # numbers the network does not produce.
    with np.errstate(over="ignore", invalid="ignore"):
        h = net.input_features(points).astype(dtype)  # the feature inputs, if any
        for layer, (weights, name) in enumerate(zip(net.weights, net.activations, strict=True)):
            a = h @ weights.astype(dtype)
            if net.biases is not None:
                a += net.biases[layer].astype(dtype)
            h = get_activation(name).function(a)
            outputs.append(h)
    if not all(np.isfinite(o).all() for o in outputs):
        return net.forward(points).activations
    return outputs


def decision_map(net: Network, grid: Grid, dtype=DISPLAY_DTYPE) -> npt.NDArray[np.floating]:
    """The network's outputs over the grid, shape ``(n_y, n_x, n_outputs)``.

    One vectorised forward pass over all grid points: ``decision_map(net, grid)[i, j]``
    equals ``net.predict([[grid.xs[j], grid.ys[i]]])[0]`` exactly with
    ``dtype=np.float64`` and within 1e-6 with the display default float32
    (see :data:`DISPLAY_DTYPE`).
    """
    _check_two_inputs(net)
    outputs = _layer_outputs(net, grid.points, dtype)[-1]
    return outputs.reshape(grid.ys.size, grid.xs.size, outputs.shape[1])


def node_maps(net: Network, grid: Grid, dtype=DISPLAY_DTYPE) -> list[list[Array]]:
    """Every unit's output over the grid, from one forward pass (in ``dtype``).

    Returns
    -------
    list of list of ndarray
        Per layer (0 = inputs), per unit, an ``(n_y, n_x)`` map. The input
        layer's maps are the coordinates themselves (x for input 0, y for
        input 1); every later unit's map is its activation ``h(a)``.
    """
    _check_two_inputs(net)
    shape = grid.shape
    # The input layer's maps are its inputs: x and y, or each feature input (x₁², ...).
    inputs = net.input_features(grid.points)
    maps: list[list[Array]] = [[inputs[:, k].reshape(shape) for k in range(inputs.shape[1])]]
    for layer_outputs in _layer_outputs(net, grid.points, dtype):
        maps.append(
            [layer_outputs[:, unit].reshape(shape) for unit in range(layer_outputs.shape[1])]
        )
    return maps


def fitted_curve(net: Network, x_range: Sequence[float], n: int = 200) -> tuple[Array, Array]:
    """The network's outputs along one input, for 1-input data.

    Parameters
    ----------
    net
        A network with 1 input.
    x_range
        ``(x_min, x_max)``.
    n
        Number of points (at least 2).

    Returns
    -------
    xs, outputs
        ``xs`` shape (n,), evenly spaced from x_min to x_max; ``outputs`` shape
        (n, n_outputs), equal to ``net.predict(xs[:, None])``.
    """
    if net.layer_sizes[0] != 1:
        raise ValueError(
            f"a fitted curve needs a network with 1 input, this one has {net.layer_sizes[0]}"
        )
    n = int(n)
    if n < 2:
        raise ValueError(f"a curve needs at least 2 points, got {n}")
    x_min, x_max = (float(v) for v in x_range)
    if not (np.isfinite(x_min) and np.isfinite(x_max)) or x_min >= x_max:
        raise ValueError(f"x_range must be finite with x_min < x_max, got {(x_min, x_max)}")
    xs = np.linspace(x_min, x_max, n)
    return xs, net.predict(xs[:, None])
