"""Layer statistics: what every layer's activations, gradients and weights look like.

The picture of vanishing and exploding gradients, and of what an
initialisation does: per layer (the layers after the input, numbered from 1
like ``W1``), over epochs,

* the **activations** ``h(a)`` of every training sample and unit: their mean,
  standard deviation and 10th and 90th percentiles (a saturated sigmoid layer
  sits near 0 or 1 with a small spread; a dead ReLU layer at 0);
* the **gradient norm per unit**: for each unit ``j`` of the layer, the length
  ``||dE/dW_l[:, j]||`` of the gradient of the weights coming into it, and the
  mean, standard deviation, smallest and largest of those norms over the
  layer's units (vanishing gradients: the norms shrink layer by layer towards
  the input), the smallest that is not 0, and how many units get no gradient
  at all (dead ReLU units, step units);

and at one epoch the **weight distribution** of every layer as a histogram
(biases left out), on bins shared by all layers so they can be compared.

Everything is computed from a :class:`~backprop_lab.core.snapshot.NetworkSnapshot`
(the gradients are those of the loss on the whole training set at the
snapshot's weights, as the snapshot holds them) or, without one, from a network
and its data. No Qt here.

Examples
--------
>>> from backprop_lab.core import get_preset
>>> trainer = get_preset("vanishing").trainer()
>>> stats = network_layer_stats(trainer.net, trainer.X, trainer.T, trainer.loss)
>>> stats.n_layers, bool(stats.gradient_norm_mean[0] < stats.gradient_norm_mean[-1] / 1000)
(6, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import network as network_module
from .network import Network

Array = npt.NDArray[np.float64]

#: Bins of the weight histogram.
HISTOGRAM_BINS = 30


@dataclass(frozen=True)
class LayerStats:
    """The statistics of every layer at one epoch (index 0 is layer 1, ``W1``'s layer).

    Attributes
    ----------
    epoch
        The epoch the weights are from (0 before training).
    activation_mean, activation_std, activation_p10, activation_p90
        Mean, standard deviation, 10th and 90th percentile of ``h(a)`` over
        samples and units.
    gradient_norm_mean, gradient_norm_std, gradient_norm_min, gradient_norm_max
        Of the per-unit gradient norms ``||dE/dW_l[:, j]||`` over the layer's units.
    gradient_norm_min_nonzero
        The smallest per-unit norm above 0 (NaN when every unit's is 0).
    zero_gradient_units
        How many of the layer's units have a gradient norm of exactly 0.
    gradient_norm
        The whole layer's gradient norm ``||dE/dW_l||`` (Frobenius).
    """

    epoch: int
    activation_mean: Array
    activation_std: Array
    activation_p10: Array
    activation_p90: Array
    gradient_norm_mean: Array
    gradient_norm_std: Array
    gradient_norm_min: Array
    gradient_norm_max: Array
    gradient_norm_min_nonzero: Array
    zero_gradient_units: Array
    gradient_norm: Array

    @property
    def n_layers(self) -> int:
        return int(self.activation_mean.size)


_FIELDS = (
    "activation_mean",
    "activation_std",
    "activation_p10",
    "activation_p90",
    "gradient_norm_mean",
    "gradient_norm_std",
    "gradient_norm_min",
    "gradient_norm_max",
    "gradient_norm_min_nonzero",
    "zero_gradient_units",
    "gradient_norm",
)


def unit_gradient_norms(weight_gradient: npt.ArrayLike) -> Array:
    """``||dE/dW[:, j]||`` for every unit ``j`` (column) of one layer's gradient."""
    g = np.asarray(weight_gradient, dtype=np.float64)
    return np.sqrt(np.einsum("ij,ij->j", g, g))


def layer_stats(
    epoch: int, activations: Sequence[npt.ArrayLike], weight_gradients: Sequence[npt.ArrayLike]
) -> LayerStats:
    """The statistics from per-layer activations ``(N, units)`` and gradients ``(in, units)``.

    Raises
    ------
    ValueError
        If the two lists do not have one entry per layer each.
    """
    if len(activations) != len(weight_gradients) or not activations:
        raise ValueError(
            f"need one activation array and one gradient per layer, got "
            f"{len(activations)} and {len(weight_gradients)}"
        )
    columns: list[list[float]] = [[] for _ in _FIELDS]
    with np.errstate(over="ignore", invalid="ignore"):
        for h, g in zip(activations, weight_gradients):
            h = np.asarray(h, dtype=np.float64)
            norms = unit_gradient_norms(g)
            p10, p90 = np.percentile(h, [10.0, 90.0]) if h.size else (np.nan, np.nan)
            nonzero = norms[norms > 0]
            values = (
                float(h.mean()),
                float(h.std()),
                float(p10),
                float(p90),
                float(norms.mean()),
                float(norms.std()),
                float(norms.min()),
                float(norms.max()),
                float(nonzero.min()) if nonzero.size else math.nan,
                float(np.count_nonzero(norms == 0)),
                float(np.sqrt(np.sum(norms**2))),
            )
            for column, value in zip(columns, values):
                column.append(value)
    arrays = [np.array(c, dtype=np.float64) for c in columns]
    return LayerStats(int(epoch), *arrays)


def snapshot_layer_stats(snapshot) -> LayerStats:
    """The statistics of a :class:`~backprop_lab.core.snapshot.NetworkSnapshot`.

    Uses the activations and gradients the snapshot holds (no new forward or
    backward pass). A snapshot of data too big to keep every sample's values
    (:attr:`~.snapshot.NetworkSnapshot.keeps_every_sample` False) has its
    activations computed one layer at a time, in chunks of rows, as
    :func:`network_layer_stats` does.
    """
    values = snapshot.activations_values
    if not snapshot.keeps_every_sample:
        X = snapshot.raw_inputs if snapshot.features is not None else snapshot.inputs
        values = _LayerOutputs(snapshot.network(), X)
    return layer_stats(snapshot.epoch, values, snapshot.weight_gradients)


def network_layer_stats(
    net: Network, X: npt.ArrayLike, T: npt.ArrayLike, loss: str, epoch: int = 0
) -> LayerStats:
    """The statistics of ``net`` on ``(X, T)`` under ``loss`` (one forward and backward pass).

    Data whose forward trace would exceed :data:`~.network.STEP_TRACE_MAX_BYTES`
    (2-256x8-1 on 20,000 samples: 655 MB, and as much again in deltas) is done
    with bounded memory: the gradient in chunks of rows
    (:meth:`~.network.Network.batch_gradients`), the activations one layer at a
    time over every sample (a percentile needs them all: two (N, units) arrays
    alive at once, 82 MB for that case). The same statistics up to rounding;
    smaller data as before, bit for bit.
    """
    T = np.asarray(T, dtype=np.float64)
    if T.ndim == 1:
        T = T.reshape(-1, 1)
    if network_module.step_chunk_rows(T.shape[0], net.layer_sizes) is None:
        trace = net.forward(X)
        grads = net.backward(trace, T, loss)
        return layer_stats(epoch, trace.activations, grads.weights)
    grads = net.batch_gradients(X, T, loss)
    return layer_stats(epoch, _LayerOutputs(net, X), grads.weights)


class _LayerOutputs(Sequence):
    """``h(a)`` of every sample, one layer after the other (computed when iterated, in
    chunks of rows: only the layer being made and the one before it are alive)."""

    def __init__(self, net: Network, X: npt.ArrayLike) -> None:
        self._net = net
        self._X = X

    def __len__(self) -> int:
        return self._net.n_layers

    def __getitem__(self, layer):  # pragma: no cover - layer_stats iterates
        return list(self)[layer]

    def __iter__(self):
        net = self._net
        h = net.input_features(self._X)
        n = h.shape[0]
        rows = network_module.step_chunk_rows(n, net.layer_sizes) or n
        with np.errstate(over="ignore", invalid="ignore"):
            for l, (W, act) in enumerate(zip(net.weights, net._activation_objects)):
                out = np.empty((n, W.shape[1]))
                for start in range(0, n, rows):
                    a = h[start : start + rows] @ W
                    if net.biases is not None:
                        a += net.biases[l]
                    out[start : start + rows] = act.function(a)
                h = out
                yield out


@dataclass(frozen=True)
class LayerStatsSeries:
    """Layer statistics over epochs, as arrays ready to plot.

    Attributes
    ----------
    epochs
        ``(E,)`` epochs, increasing.
    activation_mean, ..., gradient_norm
        ``(E, layers)`` for every field of :class:`LayerStats`: column ``l`` is
        layer ``l + 1`` over the epochs.
    """

    epochs: npt.NDArray[np.int64]
    activation_mean: Array
    activation_std: Array
    activation_p10: Array
    activation_p90: Array
    gradient_norm_mean: Array
    gradient_norm_std: Array
    gradient_norm_min: Array
    gradient_norm_max: Array
    gradient_norm_min_nonzero: Array
    zero_gradient_units: Array
    gradient_norm: Array

    @property
    def n_layers(self) -> int:
        return int(self.activation_mean.shape[1]) if self.activation_mean.ndim == 2 else 0

    @classmethod
    def from_stats(cls, stats: Iterable[LayerStats]) -> LayerStatsSeries:
        """Stack per-epoch statistics (sorted by epoch; all must have the same layer count)."""
        items = sorted(stats, key=lambda s: s.epoch)
        if len({s.n_layers for s in items}) > 1:
            raise ValueError("every epoch's statistics must have the same number of layers")
        n = items[0].n_layers if items else 0
        stacked = {
            name: (np.vstack([getattr(s, name) for s in items]) if items else np.zeros((0, n)))
            for name in _FIELDS
        }
        return cls(np.array([s.epoch for s in items], dtype=np.int64), **stacked)


@dataclass(frozen=True)
class WeightHistograms:
    """Every layer's weights counted on shared bins.

    Attributes
    ----------
    edges
        ``(bins + 1,)`` bin edges, symmetric around 0.
    counts
        ``(layers, bins)``: row ``l`` counts the entries of ``W_{l+1}``.
    """

    edges: Array
    counts: npt.NDArray[np.int64]

    @property
    def centres(self) -> Array:
        return (self.edges[:-1] + self.edges[1:]) / 2


def weight_histograms(
    weights: Sequence[npt.ArrayLike], bins: int = HISTOGRAM_BINS, limit: float | None = None
) -> WeightHistograms:
    """Histograms of every weight matrix on ``bins`` equal bins over ``[-limit, limit]``.

    ``limit`` defaults to the largest finite ``|w|`` of all layers (1 when all
    are 0), so every weight is counted; weights beyond a given ``limit`` and
    non-finite ones are left out.
    """
    bins = int(bins)
    if bins < 1:
        raise ValueError(f"a histogram needs at least 1 bin, got {bins}")
    arrays = [np.asarray(w, dtype=np.float64).ravel() for w in weights]
    if limit is None:
        finite = [a[np.isfinite(a)] for a in arrays]
        biggest = max((float(np.abs(a).max()) for a in finite if a.size), default=0.0)
        limit = biggest if biggest > 0 else 1.0
    limit = float(limit)
    if not np.isfinite(limit) or limit <= 0:
        raise ValueError(f"the histogram's limit must be a number > 0, got {limit}")
    edges = np.linspace(-limit, limit, bins + 1)
    counts = np.array(
        [np.histogram(a[np.isfinite(a)], bins=edges)[0] for a in arrays], dtype=np.int64
    ).reshape(len(arrays), bins)
    return WeightHistograms(edges, counts)
