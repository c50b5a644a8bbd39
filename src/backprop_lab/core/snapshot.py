"""Immutable snapshots of a network's state, for display.

The GUI's worker emits these; widgets only ever read them. Every array is a
read-only copy, so nothing a widget does can reach the trainer's arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import network as network_module
from .features import feature_label, input_labels
from .losses import get_loss
from .naming import parameter_name
from .network import Mistakes, Network, TrainWorkspace
from .optimizers import regularised_gradients
from .trainer import Trainer

Array = npt.NDArray[np.float64]


def frozen_copies(arrays) -> tuple[Array, ...] | None:
    """Read-only float64 copies of a list of arrays (None stays None)."""
    if arrays is None:
        return None
    out = []
    for a in arrays:
        c = np.array(a, dtype=np.float64, copy=True)
        c.flags.writeable = False
        out.append(c)
    return tuple(out)


def _read_only(arrays) -> tuple[Array, ...] | None:
    """The arrays themselves, made read-only: for arrays computed just for the snapshot.

    Nothing else holds them, so a copy would only cost time (the worker makes a
    snapshot up to thirty times a second while training).
    """
    if arrays is None:
        return None
    out = []
    for a in arrays:
        if a.dtype != np.float64:
            a = a.astype(np.float64)
        a.flags.writeable = False
        out.append(a)
    return tuple(out)


#: A snapshot keeps every training sample's pre-activations and outputs when they
#: take at most this many bytes (1,000 samples of 2-64-64-1: 2 MB). A bigger one
#: (20,000 samples of 2-256x8-1: 655 MB) keeps per unit the batch mean and the
#: smallest and largest value, and computes the per-sample values from its
#: weights when a view asks (:class:`LayerValues`): the GUI, the session and the
#: worker each hold a snapshot or two, and training streams them.
KEEP_ACTIVATIONS_BYTES = 16 * 2**20
#: Rows per pass when a big snapshot is computed (bounds its memory); fewer for a
#: wide network, so that a chunk's trace takes about what a training chunk's
#: buffers do (:data:`~.network.STEP_CHUNK_BYTES`: 454 rows of 2-256x8-1).
CHUNK_ROWS = 2048


def _chunk_rows(layer_sizes) -> int:
    per_row = TrainWorkspace.bytes_needed(1, layer_sizes)
    return max(1, min(CHUNK_ROWS, network_module.STEP_CHUNK_BYTES // per_row))


class LayerValues(Sequence):
    """Per layer after the input, every training sample's pre-activations or outputs,
    computed from a snapshot's weights when asked (nothing is kept but the last row).

    ``values[layer]`` is the (N, units) array of one layer (computed in chunks of
    rows); iterating goes layer by layer in one pass, holding one layer at a time;
    :meth:`row` gives one sample's values in every layer.
    """

    def __init__(self, net: Network, X: Array, which: str) -> None:
        self._net = net
        self._X = X
        self._which = which  # "pre" or "out"
        self._row_cache: tuple[int, list[Array], list[Array]] | None = None

    def __len__(self) -> int:
        return len(self._net.weights)

    def _steps(self, rows: Array):
        """(pre-activation, output) of each layer in turn for ``rows`` (raw data rows)."""
        net = self._net
        h = net.input_features(rows)
        with np.errstate(over="ignore", invalid="ignore"):
            for l, (W, act) in enumerate(zip(net.weights, net._activation_objects)):
                a = h @ W
                if net.biases is not None:
                    a += net.biases[l]
                h = act.function(a)
                yield a, h

    def __getitem__(self, layer):
        if isinstance(layer, slice):
            return [self[k] for k in range(*layer.indices(len(self)))]
        layer = int(layer)
        if layer < 0:
            layer += len(self)
        if not 0 <= layer < len(self):
            raise IndexError(f"layer {layer} does not exist ({len(self)} layers)")
        n = self._X.shape[0]
        out = np.empty((n, self._net.layer_sizes[layer + 1]), dtype=np.float64)
        pick = 0 if self._which == "pre" else 1
        chunk = _chunk_rows(self._net.layer_sizes)
        for start in range(0, n, chunk):
            for k, step in enumerate(self._steps(self._X[start : start + chunk])):
                if k == layer:
                    out[start : start + chunk] = step[pick]
                    break
        out.flags.writeable = False
        return out

    def __iter__(self):
        pick = 0 if self._which == "pre" else 1
        for step in self._steps(self._X):
            values = step[pick]
            values.flags.writeable = False
            yield values

    def row(self, sample: int) -> tuple[list[Array], list[Array]]:
        """One sample's (pre-activations, outputs) of every layer."""
        cached = self._row_cache
        if cached is not None and cached[0] == sample:
            return cached[1], cached[2]
        if not 0 <= sample < self._X.shape[0]:
            raise IndexError(f"sample {sample} does not exist ({self._X.shape[0]} samples)")
        pre, out = [], []
        for a, h in self._steps(self._X[sample : sample + 1]):
            pre.append(a[0])
            out.append(h[0])
        self._row_cache = (sample, pre, out)
        return pre, out


@dataclass(frozen=True, eq=False)
class SnapshotSource:
    """What a snapshot was computed from besides the weights: enough to compute it again.

    Snapshots of the same trainer share one (made once per change of the data, the
    loss, the mistakes or the penalties), so a history of snapshots can keep the
    weights alone and recompute everything else on demand (:func:`recompute_snapshot`).
    """

    X: Array
    T: Array
    loss: str
    mistakes: Mistakes
    l1: float = 0.0
    l2: float = 0.0

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays held."""
        return int(self.X.nbytes + self.T.nbytes)


@dataclass(frozen=True)
class NetworkSnapshot:
    """What a network looks like at one moment of training.

    Attributes
    ----------
    epoch
        Epochs completed.
    layer_sizes, activations
        The architecture (activations: one per layer after the input).
    weights, biases
        Copies of ``net.weights`` / ``net.biases`` (biases None without bias).
    weight_gradients, bias_gradients
        dE/dW and dE/db on the whole training set at these weights.
    last_weight_updates, last_bias_updates
        The change the last update made (new - old), or None before any.
    inputs
        The training inputs X the node values below were computed for.
    pre_activations, activations_values
        Per layer after the input, the (N, units) pre-activations ``a`` and
        outputs ``h(a)`` of every training sample.
    train_loss, test_loss
        Loss of these weights on the training (and test) set.
    loss_name
        The loss's name.
    features
        The network's feature inputs (None: the data columns as they are);
        ``inputs`` are then the features' values, ``raw_inputs`` the data.
    raw_inputs
        The training data rows X (the same as ``inputs`` without features).
    penalty
        The L1/L2 penalty of these weights (``train_loss`` is the data loss;
        the gradients include the penalty's).
    source
        What the snapshot was computed from besides the weights (None when not
        known): see :func:`recompute_snapshot`.
    """

    epoch: int
    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    weights: tuple[Array, ...]
    biases: tuple[Array, ...] | None
    weight_gradients: tuple[Array, ...]
    bias_gradients: tuple[Array, ...] | None
    last_weight_updates: tuple[Array, ...] | None
    last_bias_updates: tuple[Array, ...] | None
    inputs: Array
    pre_activations: tuple[Array, ...]
    activations_values: tuple[Array, ...]
    train_loss: float
    test_loss: float | None
    loss_name: str
    features: tuple[str, ...] | None = None
    raw_inputs: Array | None = None
    penalty: float = 0.0
    source: SnapshotSource | None = None
    #: Snapshots too big to keep every sample's values (see KEEP_ACTIVATIONS_BYTES):
    #: per layer after the input, the batch mean of the outputs and of the
    #: pre-activations, and [smallest, largest] finite output (None otherwise).
    activation_means: tuple[Array, ...] | None = None
    pre_activation_means: tuple[Array, ...] | None = None
    activation_extremes: tuple[Array, ...] | None = None

    @property
    def keeps_every_sample(self) -> bool:
        """Whether the per-sample values are held (False: computed when asked)."""
        return not isinstance(self.activations_values, LayerValues)

    @property
    def n_inputs(self) -> int:
        """Columns of a data row (``layer_sizes[0]`` unless there are feature inputs)."""
        if self.features is not None and self.raw_inputs is not None:
            return int(self.raw_inputs.shape[1])
        return int(self.layer_sizes[0])

    @property
    def input_labels(self) -> tuple[str, ...]:
        """Labels of the input nodes: ``("x₁", "x₂")``, or the feature inputs' (``"x₁²"``)."""
        if self.features is None:
            return input_labels(int(self.layer_sizes[0]))
        return tuple(feature_label(name) for name in self.features)

    def network(self):
        """This snapshot's network as a new :class:`~.network.Network` (with its feature inputs)."""
        return Network.from_arrays(
            [np.array(w) for w in self.weights],
            None if self.biases is None else [np.array(b) for b in self.biases],
            list(self.activations),
            self.features,
            None if self.features is None else self.n_inputs,
        )

    def node_values(self, layer: int, sample: int | None = None) -> Array:
        """Output of every unit of ``layer`` (0 = inputs) for one sample or the batch mean."""
        if layer > 0 and not self.keeps_every_sample:
            if sample is None:
                return self.activation_means[layer - 1]
            return self.activations_values.row(int(sample))[1][layer - 1]
        values = self.inputs if layer == 0 else self.activations_values[layer - 1]
        return values.mean(axis=0) if sample is None else values[sample]

    def node_pre_activations(self, layer: int, sample: int | None = None) -> Array | None:
        """Pre-activations of ``layer`` (None for the input layer)."""
        if layer == 0:
            return None
        if not self.keeps_every_sample:
            if sample is None:
                return self.pre_activation_means[layer - 1]
            return self.activations_values.row(int(sample))[0][layer - 1]
        values = self.pre_activations[layer - 1]
        return values.mean(axis=0) if sample is None else values[sample]

    def node_extremes(self, layer: int) -> Array:
        """Values of ``layer`` (0 = inputs) whose finite smallest and largest span it:
        every sample's, or (a snapshot that does not keep them) just those two."""
        if layer == 0:
            return self.inputs
        if not self.keeps_every_sample:
            return self.activation_extremes[layer - 1]
        return self.activations_values[layer - 1]


def take_snapshot(trainer: Trainer) -> NetworkSnapshot:
    """Snapshot the trainer's network: one forward and backward pass on the training set."""
    net = trainer.net
    units = sum(net.layer_sizes[1:])
    if 2 * 8 * units * np.shape(trainer.X)[0] > KEEP_ACTIVATIONS_BYTES:
        return _take_big_snapshot(trainer)
    trace = net.forward(trainer.X)
    l1, l2 = getattr(trainer, "l1", 0.0), getattr(trainer, "l2", 0.0)
    grads = net.backward(trace, trainer.T, trainer.loss, trainer.mistakes, l1=l1, l2=l2)
    # The loss of the outputs just computed (net.loss would run the forward pass again).
    train_loss = get_loss(trainer.loss).value(
        trace.outputs, trainer.T, net.activations[-1], trace.pre_activations[-1]
    )
    last_w, last_b = _last_update(trainer, net)
    return NetworkSnapshot(
        epoch=trainer.epoch,
        layer_sizes=tuple(net.layer_sizes),
        activations=tuple(net.activations),
        weights=frozen_copies(net.weights),
        biases=frozen_copies(net.biases),
        # Computed here, held by nothing else: read-only without a copy.
        weight_gradients=_read_only(grads.weights),
        bias_gradients=_read_only(grads.biases),
        last_weight_updates=_read_only(last_w),
        last_bias_updates=_read_only(last_b),
        inputs=frozen_copies([trace.inputs])[0],
        pre_activations=_read_only(trace.pre_activations),
        activations_values=_read_only(trace.activations),
        train_loss=float(train_loss),
        test_loss=trainer.test_loss(),
        loss_name=trainer.loss,
        features=net.features,
        raw_inputs=frozen_copies([trainer.X])[0] if net.features is not None else None,
        penalty=net.penalty(l1, l2),
        source=_source_of(trainer, l1, l2),
    )


def _last_update(trainer, net):
    previous = getattr(trainer, "_previous", None)
    last_w = last_b = None
    if previous is not None:
        prev_w, prev_b = previous
        if len(prev_w) == len(net.weights) and all(
            p.shape == w.shape for p, w in zip(prev_w, net.weights)
        ):
            last_w = [w - p for w, p in zip(net.weights, prev_w)]
            if prev_b is not None and net.biases is not None:
                last_b = [b - p for b, p in zip(net.biases, prev_b)]
    return last_w, last_b


def _take_big_snapshot(trainer: Trainer) -> NetworkSnapshot:
    """take_snapshot for data too big to keep every sample's values: the same numbers
    (up to rounding: sums over chunks of rows), computed CHUNK_ROWS rows at a time,
    keeping per unit the batch mean and the extremes."""
    net = trainer.net
    l1, l2 = getattr(trainer, "l1", 0.0), getattr(trainer, "l2", 0.0)
    source = _source_of(trainer, l1, l2)
    X, T = source.X, source.T
    loss = get_loss(trainer.loss)
    n, n_out = X.shape[0], net.layer_sizes[-1]
    output_activation = net._activation_objects[-1]
    weight_grads = [np.zeros_like(w) for w in net.weights]
    bias_grads = None if net.biases is None else [np.zeros_like(b) for b in net.biases]
    sums = [np.zeros(size) for size in net.layer_sizes[1:]]
    pre_sums = [np.zeros(size) for size in net.layer_sizes[1:]]
    lows = [np.inf] * len(net.weights)
    highs = [-np.inf] * len(net.weights)
    total = 0.0
    inputs = []
    chunk = _chunk_rows(net.layer_sizes)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, chunk):
            rows, targets = X[start : start + chunk], T[start : start + chunk]
            trace = net.forward(rows)
            inputs.append(trace.inputs)
            a_out, p_out = trace.pre_activations[-1], trace.activations[-1]
            total += loss.total(p_out, targets, net.activations[-1], a_out)
            # The chunk's delta, scaled from its own normaliser to the whole set's.
            scale = loss.normaliser(len(rows), n_out) / loss.normaliser(n, n_out)
            delta = loss.output_delta(a_out, p_out, targets, output_activation) * scale
            grads = net._backward(trace, delta, trainer.mistakes)
            for total_grad, grad in zip(weight_grads, grads.weights):
                total_grad += grad
            if bias_grads is not None:
                for total_grad, grad in zip(bias_grads, grads.biases):
                    total_grad += grad
            for l, (a, h) in enumerate(zip(trace.pre_activations, trace.activations)):
                sums[l] += h.sum(axis=0)
                pre_sums[l] += a.sum(axis=0)
                finite = h[np.isfinite(h)]
                if finite.size:
                    lows[l] = min(lows[l], float(finite.min()))
                    highs[l] = max(highs[l], float(finite.max()))
            del trace, grads, delta
    if l1 or l2:
        weight_grads = regularised_gradients(net.weights, weight_grads, float(l1), float(l2))
    extremes = [
        np.array([low, high]) if low <= high else np.array([np.nan])
        for low, high in zip(lows, highs)
    ]
    last_w, last_b = _last_update(trainer, net)
    weights = frozen_copies(net.weights)
    biases = frozen_copies(net.biases)
    features = net.features
    # The per-sample values are computed from a network of these frozen weights.
    frozen = Network.from_arrays(
        list(weights),
        None if biases is None else list(biases),
        list(net.activations),
        None if features is None else list(features),
        n_inputs=int(X.shape[1]),
    )
    return NetworkSnapshot(
        epoch=trainer.epoch,
        layer_sizes=tuple(net.layer_sizes),
        activations=tuple(net.activations),
        weights=weights,
        biases=biases,
        weight_gradients=_read_only(weight_grads),
        bias_gradients=_read_only(bias_grads),
        last_weight_updates=_read_only(last_w),
        last_bias_updates=_read_only(last_b),
        inputs=_read_only([np.concatenate(inputs)])[0] if features is not None else X,
        pre_activations=LayerValues(frozen, X, "pre"),
        activations_values=LayerValues(frozen, X, "out"),
        train_loss=float(total / loss.normaliser(n, n_out)),
        test_loss=trainer.test_loss(),
        loss_name=trainer.loss,
        features=features,
        raw_inputs=X if features is not None else None,
        penalty=net.penalty(l1, l2),
        source=source,
        activation_means=_read_only([total_sum / n for total_sum in sums]),
        pre_activation_means=_read_only([total_sum / n for total_sum in pre_sums]),
        activation_extremes=_read_only(extremes),
    )


def _source_of(trainer: Trainer, l1: float, l2: float) -> SnapshotSource:
    """The trainer's SnapshotSource, made again only when one of its parts changed."""
    key = (id(trainer.X), id(trainer.T), trainer.loss, trainer.mistakes, l1, l2)
    cached = getattr(trainer, "_snapshot_source", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    X, T = frozen_copies([trainer.X, trainer.T])
    source = SnapshotSource(X, T, trainer.loss, trainer.mistakes, float(l1), float(l2))
    # Keeping trainer.X and trainer.T alive keeps their ids from being reused.
    trainer._snapshot_source = (key, source, trainer.X, trainer.T)
    return source


class _Replay:
    """Just enough of a Trainer for take_snapshot, from stored weights and a source."""

    def __init__(self, net: Network, source: SnapshotSource, epoch: int, test_loss, previous):
        self.net = net
        self.X, self.T = source.X, source.T
        self.loss = source.loss
        self.mistakes = source.mistakes
        self.l1, self.l2 = source.l1, source.l2
        self.epoch = epoch
        self._test_loss = test_loss
        self._previous = previous
        key = (id(self.X), id(self.T), self.loss, self.mistakes, self.l1, self.l2)
        self._snapshot_source = (key, source, self.X, self.T)

    def test_loss(self):
        return self._test_loss


def recompute_snapshot(
    epoch: int,
    weights,
    biases,
    activations,
    features,
    source: SnapshotSource,
    test_loss: float | None = None,
    previous_weights=None,
    previous_biases=None,
) -> NetworkSnapshot:
    """The snapshot :func:`take_snapshot` made of these weights, computed again.

    ``test_loss`` is taken as given (the test data is not kept); the last update
    is ``weights - previous_weights`` when those are given (the weights one
    epoch earlier), else None.
    """
    net = Network.from_arrays(
        [np.array(w) for w in weights],
        None if biases is None else [np.array(b) for b in biases],
        list(activations),
        None if features is None else list(features),
        n_inputs=int(source.X.shape[1]),
    )
    previous = None
    if previous_weights is not None:
        previous = (
            list(previous_weights),
            None if previous_biases is None else list(previous_biases),
        )
    replay = _Replay(net, source, epoch, test_loss, previous)
    return take_snapshot(replay)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ParameterRef:
    """One weight or bias, as a student would point at it.

    Attributes
    ----------
    layer
        Index into ``Network.weights`` (0 is the seed's W1).
    source
        Row of the weight matrix (the unit the edge comes from), or None for
        the bias of ``target``.
    target
        Column of the weight matrix (the unit the edge goes to).
    """

    layer: int
    source: int | None
    target: int

    @property
    def is_bias(self) -> bool:
        """True for a bias."""
        return self.source is None

    @property
    def name(self) -> str:
        """The parameter's one name, counted from 1 as in the post: ``"w₁₂⁽²⁾"``, ``"b₂⁽²⁾"``.

        See :func:`~.naming.parameter_name` (the same name in the gradient check,
        every panel and export).
        """
        return parameter_name(self)

    def value_in(self, weights, biases) -> float:
        """The parameter's value in the given weight and bias lists."""
        if self.source is None:
            return float(biases[self.layer][self.target])
        return float(weights[self.layer][self.source, self.target])
