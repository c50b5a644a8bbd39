"""Immutable snapshots of a network's state, for display.

The GUI's worker emits these; widgets only ever read them. Every array is a
read-only copy, so nothing a widget does can reach the trainer's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .losses import get_loss
from .naming import parameter_name
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
    )


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
