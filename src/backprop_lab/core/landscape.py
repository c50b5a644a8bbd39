"""The loss landscape: E over two chosen weights, and E along the gradient.

Gradient descent walks downhill on a surface with one dimension per weight.
A student can only look at two of them at a time: :func:`loss_landscape` holds
every other weight and bias fixed at its current value and evaluates the loss
over a grid of values of the two chosen ones (a 2-D slice through the current
point), together with the two gradient components there and the step plain
gradient descent would take in those two coordinates, ``-η ∂E/∂w``.

:func:`gradient_slice` looks along the direction the next step really goes:
it moves *all* parameters along ``-∇E`` and evaluates ``E(θ - η ∇E)`` for step
sizes η from 0 to a few learning rates, so the point at η = learning rate is
exactly the loss after the next full-batch gradient-descent step; a learning
rate past the slice's minimum overshoots, one past the far side of the valley
climbs.

Everything is one vectorised NumPy pass over all grid points (chunked to
bound memory), never a Python loop per point: a 61 x 61 grid of the seed
network costs about a millisecond or two. No Qt here; the GUI runs it on a
background thread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .activations import get_activation
from .losses import get_loss
from .network import Network
from .snapshot import ParameterRef

Array = npt.NDArray[np.float64]

#: Grid points per axis for a small network (the seed's): 61 so the current
#: value is a grid point itself.
DEFAULT_RESOLUTION = 61
#: Fewest points per axis however big the network.
MIN_RESOLUTION = 11
#: Budget of one landscape, in multiply-adds (grid points x samples x
#: connections from the first chosen weight on, plus :data:`ELEMENTWISE_COST`
#: per unit); bigger networks and data sets get coarser grids (about 10-30 ms idle).
WORK_BUDGET = 6_000_000
#: What one unit's activation and bookkeeping cost, in multiply-adds.
ELEMENTWISE_COST = 10
#: Most float64 values one chunk of the vectorised pass holds at a time (~16 MB).
CHUNK_VALUES = 2_000_000


@dataclass(frozen=True)
class Landscape:
    """E over a grid of two parameters, the others held fixed.

    Attributes
    ----------
    ref_a, ref_b
        The two parameters (x axis, y axis).
    center
        Their current values (where the network is now).
    values_a, values_b
        Grid coordinates along x and y (absolute parameter values).
    loss
        ``loss[j, i]`` is E at ``(values_a[i], values_b[j])`` (row-major image,
        y outermost).
    current_loss
        E at the current point (all parameters as they are).
    gradient
        (∂E/∂a, ∂E/∂b) at the current point.
    learning_rate
        η of the next step.
    penalised
        True when E includes the L1/L2 penalty (what regularised training minimises).
    """

    ref_a: ParameterRef
    ref_b: ParameterRef
    center: tuple[float, float]
    values_a: Array
    values_b: Array
    loss: Array
    current_loss: float
    gradient: tuple[float, float]
    learning_rate: float
    penalised: bool = False

    @property
    def step(self) -> tuple[float, float]:
        """The gradient-descent step in the two coordinates, ``-η (∂E/∂a, ∂E/∂b)``."""
        return (-self.learning_rate * self.gradient[0], -self.learning_rate * self.gradient[1])

    @property
    def resolution(self) -> tuple[int, int]:
        """Grid points along x and y."""
        return len(self.values_a), len(self.values_b)


@dataclass(frozen=True)
class GradientSlice:
    """E along the negative gradient of all parameters: ``E(θ - η ∇E)``.

    Attributes
    ----------
    etas
        Step sizes η, from 0.
    loss
        E at each step size.
    learning_rate
        η of the next step.
    step_loss
        E after the next full-batch gradient-descent step (η = learning rate).
    current_loss
        E now (η = 0).
    gradient_norm
        |∇E| over all parameters.
    """

    etas: Array
    loss: Array
    learning_rate: float
    step_loss: float
    current_loss: float
    gradient_norm: float

    @property
    def best_eta(self) -> float:
        """The step size with the lowest loss on the slice (its sampled minimum)."""
        return float(self.etas[int(np.nanargmin(self.loss))])

    @property
    def overshoots(self) -> bool:
        """True when the step goes past the slice's lowest point."""
        return self.learning_rate > self.best_eta * 1.05

    @property
    def climbs(self) -> bool:
        """True when the step ends higher than it started."""
        return self.step_loss > self.current_loss


# ------------------------------------------------------------------ helpers
def parameter_value(net: Network, ref: ParameterRef) -> float:
    """The current value of a weight or bias of ``net``."""
    return ref.value_in(net.weights, net.biases)


def resolution_for(net: Network, n_samples: int, first_layer: int = 0) -> int:
    """Grid points per axis that keep one landscape within :data:`WORK_BUDGET`."""
    sizes = net.layer_sizes
    # multiply-adds, plus the element-wise work (activation, loss) per unit
    work_per_point = max(1, n_samples) * sum(
        sizes[l] * sizes[l + 1] + ELEMENTWISE_COST * sizes[l + 1]
        for l in range(first_layer, len(sizes) - 1)
    )
    n = int(math.sqrt(WORK_BUDGET / work_per_point))
    n = max(MIN_RESOLUTION, min(DEFAULT_RESOLUTION, n))
    return n if n % 2 else n - 1  # odd: the current value is a grid point


def slice_points_for(net: Network, n_samples: int) -> int:
    """Step sizes on the gradient slice: 121, fewer (at least 31) for big networks."""
    sizes = net.layer_sizes
    work = max(1, n_samples) * sum(
        sizes[l] * sizes[l + 1] + ELEMENTWISE_COST * sizes[l + 1] for l in range(len(sizes) - 1)
    )
    return int(max(31, min(121, WORK_BUDGET // work)))


def default_span(net: Network, ref_a: ParameterRef, ref_b: ParameterRef, step=(0.0, 0.0)):
    """Half-width of the grid around the current values: the same on both axes.

    Wide enough to show the surface's shape around a weight near zero (at
    least 1), the weights' own size, and several gradient steps.
    """
    a, b = parameter_value(net, ref_a), parameter_value(net, ref_b)
    reach = 4.0 * max(abs(step[0]), abs(step[1]))
    return float(max(1.0, 1.5 * max(abs(a), abs(b)), reach))


def _check_ref(net: Network, ref: ParameterRef) -> None:
    if not 0 <= ref.layer < net.n_layers:
        raise ValueError(f"{ref.name}: the network has {net.n_layers} weight layers")
    n_out = net.layer_sizes[ref.layer + 1]
    if not 0 <= ref.target < n_out:
        raise ValueError(f"{ref.name}: layer {ref.layer + 1} has {n_out} units")
    if ref.source is None:
        if net.biases is None:
            raise ValueError(f"{ref.name}: this network has no biases")
    elif not 0 <= ref.source < net.layer_sizes[ref.layer]:
        raise ValueError(f"{ref.name}: the layer below has {net.layer_sizes[ref.layer]} units")


def _batched_loss(loss: str, a: Array, P: Array, T: Array, softmax_output: bool) -> Array:
    """The loss of every grid point: ``a``, ``P`` are (G, N, K), T is (N, K).

    The same formulas as :mod:`~.losses`, vectorised over G (cross-entropy from
    the pre-activations, exact where P rounds to 0 or 1).
    """
    if loss in ("half_sse", "mse"):
        diff = P - T
        total = np.einsum("gnk,gnk->g", diff, diff)
        if loss == "half_sse":
            total = 0.5 * total
    elif softmax_output:
        m = a.max(axis=-1, keepdims=True)
        lse = m + np.log(np.exp(a - m).sum(axis=-1, keepdims=True))
        total = np.einsum("gnk,nk->g", lse - a, T)
    else:
        total = (np.maximum(a, 0.0) - T * a + np.log1p(np.exp(-np.abs(a)))).sum(axis=(1, 2))
    return total / get_loss(loss).normaliser(*T.shape)


def _grid_losses(
    net: Network,
    X: Array,
    T: Array,
    loss: str,
    refs: Sequence[ParameterRef],
    deltas: Sequence[Array],
) -> Array:
    """E for every grid point g, with parameter refs[r] moved by deltas[r][g]."""
    G = len(deltas[0])
    acts = [get_activation(name) for name in net.activations]
    first = min(r.layer for r in refs)
    h = net.input_features(X)
    # The layers below the first chosen parameter are the same for every grid point.
    for l in range(first):
        a = h @ net.weights[l]
        if net.biases is not None:
            a = a + net.biases[l]
        h = acts[l].function(a)
    widest = max(net.layer_sizes[first:])
    chunk = max(1, CHUNK_VALUES // max(1, X.shape[0] * widest))
    out = np.empty(G)
    softmax_out = net.activations[-1] == "softmax"
    for start in range(0, G, chunk):
        stop = min(G, start + chunk)
        hg: Array = h  # (N, n) until the first chosen layer, then (g, N, n)
        for l in range(first, net.n_layers):
            a = hg @ net.weights[l]
            if net.biases is not None:
                a = a + net.biases[l]
            moved = [(r, d[start:stop]) for r, d in zip(refs, deltas) if r.layer == l]
            if moved:
                if a.ndim == 2:
                    a = np.broadcast_to(a, (stop - start, *a.shape)).copy()
                for ref, d in moved:
                    if ref.source is None:
                        a[:, :, ref.target] += d[:, None]
                    else:
                        src = hg[..., ref.source]  # (N,) or (g, N)
                        a[:, :, ref.target] += d[:, None] * src
            hg = acts[l].function(a)
        out[start:stop] = _batched_loss(loss, a, hg, T, softmax_out)
    return out


# ---------------------------------------------------------------------- API
def loss_landscape(
    net: Network,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    loss: str,
    ref_a: ParameterRef,
    ref_b: ParameterRef,
    learning_rate: float,
    *,
    span: float | None = None,
    resolution: int | None = None,
    center: tuple[float, float] | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
) -> Landscape:
    """E over a grid of two parameters around their current values, the rest held fixed.

    Parameters
    ----------
    net
        The network at its current weights (not changed).
    X, T
        The training data (the whole set: the surface full-batch descent walks on).
    loss
        The loss's name.
    ref_a, ref_b
        The two parameters (different ones).
    learning_rate
        η of the next step (scales the step arrow).
    span
        Half-width of the grid on both axes; default :func:`default_span`.
    resolution
        Points per axis; default :func:`resolution_for` the network (61 for
        the seed's).
    center
        Where the grid is centred (default: the current values, then a grid
        point). A view that keeps its grid still while the weights move
        passes its own; the current point need not be a grid point then.
    l1, l2
        Regularisation: E then includes the penalty, as training minimises it.
    """
    if ref_a == ref_b:
        raise ValueError("choose two different parameters")
    _check_ref(net, ref_a)
    _check_ref(net, ref_b)
    X = np.asarray(X, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if T.ndim == 1:
        T = T.reshape(-1, 1)
    grads = net.batch_gradients(X, T, loss, l1=l1, l2=l2)  # in chunks for big data
    current = net.objective(X, T, loss, l1, l2)

    def grad_of(ref: ParameterRef) -> float:
        if ref.source is None:
            return float(grads.biases[ref.layer][ref.target])
        return float(grads.weights[ref.layer][ref.source, ref.target])

    gradient = (grad_of(ref_a), grad_of(ref_b))
    lr = float(learning_rate)
    current_values = (parameter_value(net, ref_a), parameter_value(net, ref_b))
    grid_center = current_values if center is None else (float(center[0]), float(center[1]))
    if span is None:
        span = default_span(net, ref_a, ref_b, (lr * gradient[0], lr * gradient[1]))
    if resolution is None:
        resolution = resolution_for(net, X.shape[0], min(ref_a.layer, ref_b.layer))
    n = max(3, int(resolution)) | 1  # odd: the grid's middle point is its centre
    offsets = np.linspace(-span, span, n)
    offsets[n // 2] = 0.0
    values_a = grid_center[0] + offsets
    values_b = grid_center[1] + offsets
    if center is None:
        values_a[n // 2], values_b[n // 2] = current_values
    # the moves from the current values; rows: b (y), columns: a (x)
    da, db = np.meshgrid(values_a - current_values[0], values_b - current_values[1])
    values = _grid_losses(net, X, T, loss, (ref_a, ref_b), (da.ravel(), db.ravel()))
    if l1 or l2:
        values = values + _penalty_on_grid(net, (ref_a, ref_b), (da.ravel(), db.ravel()), l1, l2)
    return Landscape(
        ref_a=ref_a,
        ref_b=ref_b,
        center=current_values,
        values_a=values_a,
        values_b=values_b,
        loss=values.reshape(n, n),
        current_loss=float(current),
        gradient=gradient,
        learning_rate=lr,
        penalised=bool(l1 or l2),
    )


def _penalty_on_grid(net: Network, refs, deltas, l1: float, l2: float) -> Array:
    base = net.penalty(l1, l2)
    out = np.full(len(deltas[0]), base)
    for ref, d in zip(refs, deltas):
        if ref.source is None:
            continue  # biases are never penalised
        w = float(net.weights[ref.layer][ref.source, ref.target])
        moved = w + d
        out += l1 * (np.abs(moved) - abs(w)) + 0.5 * l2 * (moved * moved - w * w)
    return out


def landscape_value(
    net: Network, X, T, loss: str, refs: Sequence[ParameterRef], values: Sequence[float]
) -> float:
    """E with the parameters ``refs`` set to ``values`` (one point of the landscape)."""
    deltas = [np.array([v - parameter_value(net, r)]) for r, v in zip(refs, values)]
    X = np.asarray(X, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64).reshape(X.shape[0], -1)
    return float(_grid_losses(net, X, T, loss, list(refs), deltas)[0])


def gradient_slice(
    net: Network,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    loss: str,
    learning_rate: float,
    *,
    reach: float = 3.0,
    points: int | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
) -> GradientSlice:
    """E(θ - η ∇E) for η from 0 to ``reach`` learning rates, all parameters moving.

    The value at η = ``learning_rate`` is the loss after the next full-batch
    gradient-descent step.
    """
    X = np.asarray(X, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64).reshape(X.shape[0], -1)
    lr = float(learning_rate)
    grads = net.batch_gradients(X, T, loss, l1=l1, l2=l2)  # in chunks for big data
    current = net.objective(X, T, loss, l1, l2)
    if points is None:
        points = slice_points_for(net, X.shape[0])
    n = max(3, int(points))
    etas = np.linspace(0.0, reach * lr, n)
    # put η = lr exactly on the grid
    k = round((n - 1) / reach)
    etas[k] = lr
    norm_sq = sum(float(np.vdot(g, g)) for g in grads.weights)
    if grads.biases is not None:
        norm_sq += sum(float(np.vdot(g, g)) for g in grads.biases)
    values = _slice_losses(net, X, T, loss, grads, etas)
    if l1 or l2:
        values = values + np.array(
            [
                _penalty_of([w - eta * g for w, g in zip(net.weights, grads.weights)], l1, l2)
                for eta in etas
            ]
        )
    values[0] = current
    return GradientSlice(
        etas=etas,
        loss=values,
        learning_rate=lr,
        step_loss=float(values[k]),
        current_loss=float(current),
        gradient_norm=math.sqrt(norm_sq),
    )


def _penalty_of(weights, l1: float, l2: float) -> float:
    from .optimizers import penalty

    return penalty(weights, l1, l2)


def _slice_losses(net: Network, X: Array, T: Array, loss: str, grads, etas: Array) -> Array:
    # At most CHUNK_VALUES values per (step sizes, samples, units) array: 31 step
    # sizes of 20,000 samples of 256 units would be 1.3 GB each.
    chunk = max(1, CHUNK_VALUES // max(1, X.shape[0] * max(net.layer_sizes)))
    if chunk >= len(etas):
        return _slice_chunk_losses(net, X, T, loss, grads, etas)
    return np.concatenate(
        [
            _slice_chunk_losses(net, X, T, loss, grads, etas[start : start + chunk])
            for start in range(0, len(etas), chunk)
        ]
    )


def _slice_chunk_losses(net: Network, X: Array, T: Array, loss: str, grads, etas: Array) -> Array:
    acts = [get_activation(name) for name in net.activations]
    e = etas[:, None, None]
    h = np.broadcast_to(net.input_features(X), (len(etas), *X.shape[:1], net.layer_sizes[0]))
    a = h
    for l in range(net.n_layers):
        W = net.weights[l][None] - e * grads.weights[l][None]
        a = h @ W
        if net.biases is not None:
            a = a + (net.biases[l][None, None, :] - e * grads.biases[l][None, None, :])
        h = acts[l].function(a)
    return _batched_loss(loss, a, h, T, net.activations[-1] == "softmax")


def path_in(snapshots, ref_a: ParameterRef, ref_b: ParameterRef) -> Array:
    """(epochs, 2) values of the two parameters in a sequence of snapshots (the path taken)."""
    rows = [
        (ref_a.value_in(s.weights, s.biases), ref_b.value_in(s.weights, s.biases))
        for s in snapshots
    ]
    return np.array(rows, dtype=np.float64).reshape(-1, 2)
