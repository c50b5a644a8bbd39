"""Immutable snapshots of a network's state, for display.

The GUI's worker emits these; widgets only ever read them. Every array is a
read-only copy, so nothing a widget does can reach the trainer's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .features import feature_label, input_labels
from .losses import get_loss
from .naming import parameter_name
from .network import Mistakes, Network
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
        values = self.inputs if layer == 0 else self.activations_values[layer - 1]
        return values.mean(axis=0) if sample is None else values[sample]

    def node_pre_activations(self, layer: int, sample: int | None = None) -> Array | None:
        """Pre-activations of ``layer`` (None for the input layer)."""
        if layer == 0:
            return None
        values = self.pre_activations[layer - 1]
        return values.mean(axis=0) if sample is None else values[sample]


def take_snapshot(trainer: Trainer) -> NetworkSnapshot:
    """Snapshot the trainer's network: one forward and backward pass on the training set."""
    net = trainer.net
    trace = net.forward(trainer.X)
    l1, l2 = getattr(trainer, "l1", 0.0), getattr(trainer, "l2", 0.0)
    grads = net.backward(trace, trainer.T, trainer.loss, trainer.mistakes, l1=l1, l2=l2)
    # The loss of the outputs just computed (net.loss would run the forward pass again).
    train_loss = get_loss(trainer.loss).value(
        trace.outputs, trainer.T, net.activations[-1], trace.pre_activations[-1]
    )
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
