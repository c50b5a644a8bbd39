"""A multilayer perceptron with an explicit forward trace and backward pass.

Conventions (as in the seed post's ``X @ W1``):

* ``weights[l]`` has shape ``(n_in, n_out)``; rows are samples, so a layer
  computes ``a = h_prev @ W + b``.
* Layers are numbered from 1 in names shown to people: ``weights[0]`` is the
  seed's W1, ``weights[2]`` its W3.
* The forward trace keeps, per layer, the pre-activations ``a`` and the
  outputs ``h(a)``; the backward pass returns, per layer, the deltas
  ``dE/da`` and the gradients ``dE/dW`` and ``dE/db``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from .activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, get_activation
from .features import FeatureMap, input_labels
from .losses import get_loss
from .optimizers import penalty as _penalty
from .optimizers import regularised_gradients

Array = npt.NDArray[np.float64]

#: Initialisation schemes understood by :class:`Network`.
INIT_SCHEMES = ("constant", "uniform", "xavier", "he")


@dataclass(frozen=True)
class Mistakes:
    """Classic backpropagation mistakes, injected on purpose for teaching.

    Attributes
    ----------
    derivative_of_pre_activation
        Evaluate the derivative formula of a hidden layer with the
        pre-activation ``a`` where the output ``h(a)`` belongs, as the seed's
        code does with ``sigmoidPrime(a2)``: sigmoid'(a) computed as a (1 - a).
    pre_activation_in_update
        Multiply deltas by the previous layer's pre-activations instead of its
        outputs when forming dE/dW, as the seed's ``a1.T @ a2_delta`` does.
    """

    derivative_of_pre_activation: bool = False
    pre_activation_in_update: bool = False

    @property
    def any(self) -> bool:
        """True when at least one mistake is switched on."""
        return self.derivative_of_pre_activation or self.pre_activation_in_update


NO_MISTAKES = Mistakes()


class ForwardTrace:
    """Everything the forward pass computed.

    Attributes
    ----------
    inputs
        The input layer's values, shape (N, n_input_nodes): the batch X, or
        its features Φ(X) for a network with feature inputs (what W1 multiplies).
    raw_inputs
        The data rows X themselves (the same array as ``inputs`` without features).
    pre_activations
        ``a`` of every layer after the input, each (N, n_units).
    activations
        ``h(a)`` of every layer after the input, each (N, n_units).
    """

    __slots__ = ("activations", "inputs", "pre_activations", "raw_inputs")

    def __init__(
        self,
        inputs: Array,
        pre_activations: list[Array],
        activations: list[Array],
        raw_inputs: Array | None = None,
    ):
        self.inputs = inputs
        self.pre_activations = pre_activations
        self.activations = activations
        self.raw_inputs = inputs if raw_inputs is None else raw_inputs

    @property
    def outputs(self) -> Array:
        """The network's output P, shape (N, n_outputs)."""
        return self.activations[-1]

    def layer_outputs(self, layer: int) -> Array:
        """Outputs of layer ``layer`` counting the input layer as 0 (0 gives X)."""
        return self.inputs if layer == 0 else self.activations[layer - 1]


class Gradients:
    """Everything the backward pass computed.

    Attributes
    ----------
    deltas
        dE/da of every layer after the input, each (N, n_units), with the
        loss's normalisation included so they sum to the batch gradient.
    weights
        dE/dW, one array per layer, shaped like ``Network.weights``; with L1/L2
        regularisation the penalty's gradient is included.
    biases
        dE/db, one vector per layer, or None for a network without biases
        (biases are never regularised).
    data_weights
        dE/dW of the data loss alone (the same list as ``weights`` without
        regularisation).
    """

    __slots__ = ("biases", "data_weights", "deltas", "weights")

    def __init__(
        self,
        deltas: list[Array],
        weights: list[Array],
        biases: list[Array] | None,
        data_weights: list[Array] | None = None,
    ):
        self.deltas = deltas
        self.weights = weights
        self.biases = biases
        self.data_weights = weights if data_weights is None else data_weights


#: The trainer's buffered full-batch pass (:class:`TrainWorkspace`) is used when
#: its largest (samples, units) array takes at least WORKSPACE_MIN_ARRAY_BYTES
#: (glibc's default mmap threshold: smaller fresh arrays come from NumPy's and
#: malloc's caches at no real cost, and the buffered pass measured no faster)
#: and all its buffers at most WORKSPACE_MAX_BYTES (more would stay resident
#: between steps). Outside these bounds the allocating pass runs; the numbers
#: are the same.
WORKSPACE_MIN_ARRAY_BYTES = 128 * 1024
WORKSPACE_MAX_BYTES = 64 * 1024 * 1024

#: A training batch (the full batch, or a minibatch) whose forward trace, every
#: sample's pre-activations and outputs in every layer, would take more than
#: STEP_TRACE_MAX_BYTES is computed in chunks of rows, and so is a loss of that
#: many rows (:meth:`Network.loss`). The largest network on the largest data
#: (2-256x8-1, 20,000 samples) has a 655 MB trace, and its backward pass as much
#: again in deltas; in chunks a step needs a few tens of MB. The loss and the
#: gradients are sums over the chunks, each chunk's delta scaled by the whole
#: batch's normaliser, so they equal the whole batch's up to rounding. Smaller
#: batches run in one pass, exactly as before.
STEP_TRACE_MAX_BYTES = 64 * 1024 * 1024
#: Each chunk's (rows, units) arrays (those of :class:`TrainWorkspace`) take at
#: most STEP_CHUNK_BYTES.
STEP_CHUNK_BYTES = 16 * 1024 * 1024


def trace_bytes(n: int, layer_sizes: Sequence[int]) -> int:
    """Bytes of the forward trace (pre-activations and outputs) of ``n`` samples."""
    return 16 * n * sum(layer_sizes[1:])


def step_chunk_rows(n: int, layer_sizes: Sequence[int]) -> int | None:
    """Rows per chunk for a batch of ``n`` samples, or None to compute it in one pass.

    See :data:`STEP_TRACE_MAX_BYTES` and :data:`STEP_CHUNK_BYTES`.
    """
    if trace_bytes(n, layer_sizes) <= STEP_TRACE_MAX_BYTES:
        return None
    per_row = TrainWorkspace.bytes_needed(1, layer_sizes)
    return max(1, min(n, STEP_CHUNK_BYTES // per_row))


class TrainWorkspace:
    """Buffers reused by every full-batch epoch of a trainer.

    A full-batch epoch of 2-64-64-1 on 1,000 points computes about a dozen
    (N, units) arrays of 512 kB; allocated fresh every epoch, memory of that
    size is handed back to the operating system and faulted in again page by
    page, which costs about as much as the arithmetic. The buffers hold the
    pre-activations and outputs of every layer and two scratch arrays for the
    backward pass. Copying a trainer (``copy.deepcopy``) does not copy them:
    the copy makes its own when it trains. ``enabled`` is False when the
    buffered pass does not apply (``usable`` False, e.g. with deliberate
    mistakes, or a size outside the bounds above); the trainer then uses
    the allocating pass.

    A batch too big for one pass (``chunk_rows`` not None, see
    :func:`step_chunk_rows`) is trained ``chunk_rows`` rows at a time: the
    buffers then hold one chunk (``rows``), at most :data:`STEP_CHUNK_BYTES`,
    and are used whenever ``usable``.
    """

    __slots__ = ("chunk_rows", "enabled", "n", "net", "out", "pre", "rows", "scratch")

    def __init__(self, net: Network, n: int, usable: bool = True) -> None:
        self.net = net
        self.n = n
        sizes = net.layer_sizes
        self.chunk_rows = step_chunk_rows(n, sizes)
        if self.chunk_rows is None:
            rows = n
            largest = 8 * n * max(sizes[1:])
            self.enabled = (
                usable
                and largest >= WORKSPACE_MIN_ARRAY_BYTES
                and self.bytes_needed(n, sizes) <= WORKSPACE_MAX_BYTES
            )
        else:
            rows = self.chunk_rows
            self.enabled = usable
        self.rows = rows
        if self.enabled:
            self.pre = [np.empty((rows, s)) for s in sizes[1:]]
            self.out = [np.empty((rows, s)) for s in sizes[1:]]
            width = max(sizes[1:-1], default=0)
            self.scratch = [np.empty(rows * width) for _ in range(2 if width else 0)]

    @staticmethod
    def bytes_needed(n: int, layer_sizes: Sequence[int]) -> int:
        """Bytes of the buffers for ``n`` samples and these layer sizes."""
        width = max(layer_sizes[1:-1], default=0)
        return 8 * n * (2 * sum(layer_sizes[1:]) + 2 * width)

    def __deepcopy__(self, memo: dict) -> None:
        return None


class Network:
    """A fully connected feed-forward network.

    Parameters
    ----------
    layer_sizes
        Units per layer, input first: ``[2, 3, 3, 1]`` is the seed's network.
        With ``features`` the input layer has one node per feature.
    activations
        One name for every layer after the input, or a single name used for
        all of them (see :data:`~.activations.HIDDEN_ACTIVATIONS`); only the
        output layer may use softmax.
    init
        ``"constant"`` (every weight ``init_value``, the seed's 0.1),
        ``"uniform"`` (U(-init_value, init_value)), ``"xavier"`` (Glorot
        uniform) or ``"he"`` (normal, std sqrt(2 / n_in)).
    bias
        Whether each layer has a bias vector (initialised to zero).
    seed
        Seed of the random initialisation.
    init_value
        The constant for ``"constant"``, the half-width for ``"uniform"``.
    features
        Feature inputs (``["x1", "x2", "x1_sq", ...]``, see
        :mod:`~.features`), or None to feed the data columns as they are. The
        transform is part of the network: ``predict`` and the trainer take
        raw data rows.
    n_inputs
        With ``features``: the number of data columns (default: the highest
        column a feature names).

    Examples
    --------
    >>> net = Network([2, 3, 3, 1], "sigmoid", init="constant", bias=False)
    >>> net.predict(np.array([[2 / 3, 1.0]])).round(4)
    array([[0.5405]])
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activations: str | Sequence[str] = "sigmoid",
        init: str = "xavier",
        bias: bool = True,
        seed: int | None = 0,
        init_value: float = 0.1,
        features: Sequence[str] | None = None,
        n_inputs: int | None = None,
    ) -> None:
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2:
            raise ValueError("a network needs at least an input and an output layer")
        if any(s < 1 for s in sizes):
            raise ValueError(f"every layer needs at least one unit, got {sizes}")
        if init not in INIT_SCHEMES:
            raise ValueError(
                f"unknown initialisation {init!r}; choose one of: {', '.join(INIT_SCHEMES)}"
            )
        acts = _expand_activations(activations, len(sizes) - 1)
        self.feature_map: FeatureMap | None = _feature_map(features, n_inputs, sizes[0])
        self.layer_sizes: list[int] = sizes
        self.activations: list[str] = acts
        self.init = init
        self.init_value = float(init_value)
        self.seed = seed
        rng = np.random.default_rng(seed)
        self.weights: list[Array] = [
            _initial_weights(init, n_in, n_out, rng, self.init_value)
            for n_in, n_out in pairwise(sizes)
        ]
        self.biases: list[Array] | None = [np.zeros(n_out) for n_out in sizes[1:]] if bias else None
        self._refresh_functions()

    # ------------------------------------------------------------------ build
    @classmethod
    def from_arrays(
        cls,
        weights: Sequence[npt.ArrayLike],
        biases: Sequence[npt.ArrayLike] | None,
        activations: str | Sequence[str],
        features: Sequence[str] | None = None,
        n_inputs: int | None = None,
    ) -> Network:
        """Build a network from explicit weight matrices (and bias vectors).

        Parameters
        ----------
        weights
            One (n_in, n_out) matrix per layer.
        biases
            One vector per layer, or None for no biases.
        activations, features, n_inputs
            As in the constructor.
        """
        ws = [np.array(w, dtype=np.float64, copy=True) for w in weights]
        if not ws:
            raise ValueError("from_arrays needs at least one weight matrix")
        for w in ws:
            if w.ndim != 2:
                raise ValueError(f"weight matrices must be 2-D (n_in, n_out), got shape {w.shape}")
        for l, (w_prev, w_next) in enumerate(pairwise(ws), start=1):
            if w_prev.shape[1] != w_next.shape[0]:
                raise ValueError(
                    f"W{l} has {w_prev.shape[1]} outputs "
                    f"but W{l + 1} expects {w_next.shape[0]} inputs"
                )
        sizes = [ws[0].shape[0]] + [w.shape[1] for w in ws]
        net = cls.__new__(cls)
        net.layer_sizes = sizes
        net.activations = _expand_activations(activations, len(ws))
        net.feature_map = _feature_map(features, n_inputs, sizes[0])
        net.init = "custom"
        net.init_value = 0.0
        net.seed = None
        net.weights = ws
        if biases is None:
            net.biases = None
        else:
            bs = [np.array(b, dtype=np.float64, copy=True).reshape(-1) for b in biases]
            if len(bs) != len(ws) or any(b.shape[0] != w.shape[1] for b, w in zip(bs, ws)):
                raise ValueError("need one bias vector per layer, as long as the layer")
            net.biases = bs
        net._refresh_functions()
        return net

    def copy(self) -> Network:
        """A deep copy (weights, biases and settings)."""
        net = Network.from_arrays(
            self.weights, self.biases, self.activations, self.features, self.n_inputs
        )
        net.init, net.init_value, net.seed = self.init, self.init_value, self.seed
        return net

    def _refresh_functions(self) -> None:
        self._activation_objects = [get_activation(name) for name in self.activations]

    # ------------------------------------------------------------- properties
    @property
    def n_layers(self) -> int:
        """Number of weight layers (the seed's network has 3)."""
        return len(self.weights)

    @property
    def features(self) -> tuple[str, ...] | None:
        """The feature inputs' names, or None when the data columns are fed as they are."""
        return None if self.feature_map is None else self.feature_map.names

    @property
    def n_inputs(self) -> int:
        """Columns of a data row (``layer_sizes[0]`` unless there are feature inputs)."""
        return self.layer_sizes[0] if self.feature_map is None else self.feature_map.n_inputs

    def input_labels(self) -> tuple[str, ...]:
        """Display labels of the input nodes: ``("x₁", "x₂")``, or the features'."""
        if self.feature_map is None:
            return input_labels(self.layer_sizes[0])
        return self.feature_map.labels

    def input_features(self, X: npt.ArrayLike) -> Array:
        """The input layer's values for data rows X: X itself, or its features."""
        X = _as_batch(X, self.n_inputs, "X")
        return X if self.feature_map is None else self.feature_map.transform(X)

    @property
    def has_bias(self) -> bool:
        """Whether the layers have bias vectors."""
        return self.biases is not None

    @property
    def n_parameters(self) -> int:
        """Number of weights and biases."""
        n = sum(w.size for w in self.weights)
        if self.biases is not None:
            n += sum(b.size for b in self.biases)
        return n

    # ---------------------------------------------------------------- forward
    def forward(self, X: npt.ArrayLike) -> ForwardTrace:
        """Run the forward pass and keep every intermediate value.

        Parameters
        ----------
        X
            Data rows, shape (N, n_inputs) (raw: feature inputs are computed here).
        """
        X = _as_batch(X, self.n_inputs, "X")
        with np.errstate(over="ignore", invalid="ignore"):
            if self.feature_map is None:
                return self._forward(X)
            return self._forward(self.feature_map.transform(X), X)

    def _forward(self, X: Array, raw: Array | None = None) -> ForwardTrace:
        # Unchecked forward pass for the trainer, which validated X once; X are
        # the input layer's values (the features, if any), ``raw`` the data rows.
        h = X
        pre: list[Array] = []
        out: list[Array] = []
        biases = self.biases
        for l, (W, act) in enumerate(zip(self.weights, self._activation_objects)):
            a = h @ W
            if biases is not None:
                a += biases[l]
            h = act.function(a)
            pre.append(a)
            out.append(h)
        return ForwardTrace(X, pre, out, raw)

    def _forward_into(self, X: Array, ws: TrainWorkspace) -> ForwardTrace:
        # _forward writing into the workspace's buffers: the same operations in
        # the same order, so the same numbers bit for bit. X may have fewer rows
        # than the buffers (the last chunk of a chunked batch).
        h = X
        pre: list[Array] = []
        out: list[Array] = []
        biases = self.biases
        m = X.shape[0]
        pre_buffers, out_buffers = ws.pre, ws.out
        if m != ws.rows:
            pre_buffers = [b[:m] for b in pre_buffers]
            out_buffers = [b[:m] for b in out_buffers]
        for l, (W, act) in enumerate(zip(self.weights, self._activation_objects)):
            a = np.matmul(h, W, out=pre_buffers[l])
            if biases is not None:
                np.add(a, biases[l], out=a)
            into = act.function_into
            h = act.function(a) if into is None else into(a, out_buffers[l])
            pre.append(a)
            out.append(h)
        return ForwardTrace(X, pre, out)

    def predict(self, X: npt.ArrayLike) -> Array:
        """The network's outputs for data rows X, shape (N, n_outputs)."""
        h = _as_batch(X, self.n_inputs, "X")
        if self.feature_map is not None:
            h = self.feature_map.transform(h)
        biases = self.biases
        with np.errstate(over="ignore", invalid="ignore"):
            for l, (W, act) in enumerate(zip(self.weights, self._activation_objects)):
                a = h @ W
                if biases is not None:
                    a += biases[l]
                h = act.function(a)
        return h

    # --------------------------------------------------------------- backward
    def backward(
        self,
        trace: ForwardTrace,
        T: npt.ArrayLike,
        loss: str = "half_sse",
        mistakes: Mistakes = NO_MISTAKES,
        l1: float = 0.0,
        l2: float = 0.0,
    ) -> Gradients:
        """Backpropagate the loss of ``trace`` against targets ``T``.

        Parameters
        ----------
        trace
            What :meth:`forward` returned for the batch.
        T
            Targets, shape (N, n_outputs).
        loss
            ``"half_sse"``, ``"mse"`` or ``"cross_entropy"``.
        mistakes
            Deliberate mistakes to inject (none by default).
        l1, l2
            Regularisation: the weight gradients then include
            l2 · w + l1 · sign(w) (biases are never regularised).

        Returns
        -------
        Gradients
            Deltas dE/da and gradients dE/dW, dE/db for every layer, computed
            with the weights the forward pass used.
        """
        T = _as_batch(T, self.layer_sizes[-1], "T")
        loss_fn = get_loss(loss)
        acts = self._activation_objects
        output_delta = loss_fn.output_delta(
            trace.pre_activations[-1], trace.activations[-1], T, acts[-1]
        )
        grads = self._backward(trace, output_delta, mistakes)
        if l1 or l2:
            data = grads.weights
            grads.weights = regularised_gradients(self.weights, data, float(l1), float(l2))
            grads.data_weights = data
        return grads

    def batch_gradients(
        self,
        X: npt.ArrayLike,
        T: npt.ArrayLike,
        loss: str = "half_sse",
        l1: float = 0.0,
        l2: float = 0.0,
        mistakes: Mistakes = NO_MISTAKES,
    ) -> Gradients:
        """dE/dW and dE/db of data rows X against T: ``backward(forward(X), T, ...)``.

        A batch whose trace would exceed :data:`STEP_TRACE_MAX_BYTES` is done in
        chunks of rows (each chunk's delta scaled by the whole batch's
        normaliser), the same gradients up to rounding; its ``deltas`` are
        then empty. Smaller batches are exactly ``backward(forward(X), ...)``.
        """
        T = _as_batch(T, self.layer_sizes[-1], "T")
        rows = step_chunk_rows(T.shape[0], self.layer_sizes)
        if rows is None:
            return self.backward(self.forward(X), T, loss, mistakes, l1=l1, l2=l2)
        X = _as_batch(X, self.n_inputs, "X")
        if X.shape[0] != T.shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples but T has {T.shape[0]}")
        loss_fn = get_loss(loss)
        normaliser = loss_fn.normaliser(*T.shape)
        output = self._activation_objects[-1]
        weight_sums: list[Array] = []
        bias_sums: list[Array] | None = None
        for start in range(0, X.shape[0], rows):
            trace = self.forward(X[start : start + rows])
            with np.errstate(over="ignore", invalid="ignore"):
                delta = loss_fn.output_delta(
                    trace.pre_activations[-1],
                    trace.activations[-1],
                    T[start : start + rows],
                    output,
                    normaliser,
                )
                grads = self._backward(trace, delta, mistakes)
            del trace, delta
            if not weight_sums:
                weight_sums, bias_sums = grads.weights, grads.biases
                continue
            for acc, g in zip(weight_sums, grads.weights):
                np.add(acc, g, out=acc)
            for acc, g in zip(bias_sums or (), grads.biases or ()):
                np.add(acc, g, out=acc)
        result = Gradients([], weight_sums, bias_sums)
        if l1 or l2:
            result.weights = regularised_gradients(self.weights, weight_sums, float(l1), float(l2))
            result.data_weights = weight_sums
        return result

    def _backward(self, trace: ForwardTrace, output_delta: Array, mistakes: Mistakes) -> Gradients:
        # Backpropagate a given output delta (the trainer computes it together
        # with the loss, sharing P - T).
        L = self.n_layers
        acts = self._activation_objects
        pre, out = trace.pre_activations, trace.activations
        deltas: list[Array] = [None] * L  # type: ignore[list-item]
        delta = output_delta
        deltas[-1] = delta
        for l in range(L - 2, -1, -1):
            grad_h = delta @ self.weights[l + 1].T
            act = acts[l]
            if mistakes.derivative_of_pre_activation:
                delta = grad_h * act.derivative(pre[l], pre[l])
            else:
                delta = act.backprop(pre[l], out[l], grad_h)
            deltas[l] = delta
        weight_grads: list[Array] = []
        for l in range(L):
            if l == 0:
                prev = trace.inputs
            elif mistakes.pre_activation_in_update:
                prev = pre[l - 1]
            else:
                prev = out[l - 1]
            weight_grads.append(prev.T @ deltas[l])
        bias_grads = [d.sum(axis=0) for d in deltas] if self.biases is not None else None
        return Gradients(deltas, weight_grads, bias_grads)

    def _gradients_into(
        self, trace: ForwardTrace, output_delta: Array, ws: TrainWorkspace
    ) -> Gradients:
        # _backward without mistakes for a trace of _forward_into: the same
        # gradients bit for bit (each dE/dW and dE/db is the same expression of
        # the same delta), but dE/dh and the deltas go into two scratch buffers
        # in turn, and the derivative into the (by then dead) pre-activations.
        # The deltas are not kept (``deltas`` is empty); the trace's
        # pre-activations are overwritten.
        L = self.n_layers
        acts = self._activation_objects
        pre, out = trace.pre_activations, trace.activations
        weights = self.weights
        n = output_delta.shape[0]
        weight_grads: list[Array] = [None] * L  # type: ignore[list-item]
        bias_grads: list[Array] | None = None if self.biases is None else [None] * L  # type: ignore[list-item]
        delta = output_delta
        for l in range(L - 1, -1, -1):
            prev = trace.inputs if l == 0 else out[l - 1]
            weight_grads[l] = prev.T @ delta
            if bias_grads is not None:
                bias_grads[l] = delta.sum(axis=0)
            if l == 0:
                break
            width = self.layer_sizes[l]
            grad_h = np.matmul(
                delta, weights[l].T, out=ws.scratch[l % 2][: n * width].reshape(n, width)
            )
            act = acts[l - 1]
            into = act.backprop_into
            if into is None:
                delta = act.backprop(pre[l - 1], out[l - 1], grad_h)
            else:
                delta = into(pre[l - 1], out[l - 1], grad_h)
        return Gradients([], weight_grads, bias_grads)

    def loss(self, X: npt.ArrayLike, T: npt.ArrayLike, loss: str = "half_sse") -> float:
        """The (data) loss of the network's predictions for X against T.

        Cross-entropy is computed from the output pre-activations, so a
        saturated output has its exact loss. Many rows of a big network are
        computed in chunks (see :data:`STEP_TRACE_MAX_BYTES`).
        """
        T = _as_batch(T, self.layer_sizes[-1], "T")
        rows = step_chunk_rows(T.shape[0], self.layer_sizes)
        if rows is None:
            trace = self.forward(X)
            return get_loss(loss).value(
                trace.outputs, T, self.activations[-1], trace.pre_activations[-1]
            )
        X = _as_batch(X, self.n_inputs, "X")
        if X.shape[0] != T.shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples but T has {T.shape[0]}")
        fn = get_loss(loss)
        total = 0.0
        for start in range(0, X.shape[0], rows):
            trace = self.forward(X[start : start + rows])
            total += fn.total(
                trace.outputs,
                T[start : start + rows],
                self.activations[-1],
                trace.pre_activations[-1],
            )
            del trace
        return total / fn.normaliser(*T.shape)

    def penalty(self, l1: float = 0.0, l2: float = 0.0) -> float:
        """The regularisation penalty R = l1 · Σ|w| + (l2 / 2) · Σ w² (weights only)."""
        return _penalty(self.weights, float(l1), float(l2))

    def objective(
        self,
        X: npt.ArrayLike,
        T: npt.ArrayLike,
        loss: str = "half_sse",
        l1: float = 0.0,
        l2: float = 0.0,
    ) -> float:
        """What training minimises: the data loss plus the penalty (its gradient is backward's)."""
        value = self.loss(X, T, loss)
        return value + self.penalty(l1, l2) if (l1 or l2) else value

    # ------------------------------------------------------------- parameters
    def parameter_arrays(self) -> list[tuple[str, Array]]:
        """(name, array) of every parameter array, e.g. ``("W1", ...)``, ``("b1", ...)``.

        The arrays are the network's own, so writing into them changes it.
        """
        named = [(f"W{l + 1}", w) for l, w in enumerate(self.weights)]
        if self.biases is not None:
            named += [(f"b{l + 1}", b) for l, b in enumerate(self.biases)]
        return named

    def to_dict(self) -> dict:
        """A JSON-ready description of the network (settings and arrays)."""
        out = {
            "layer_sizes": list(self.layer_sizes),
            "activations": list(self.activations),
            "init": self.init,
            "init_value": self.init_value,
            "seed": self.seed,
            "weights": [w.tolist() for w in self.weights],
            "biases": None if self.biases is None else [b.tolist() for b in self.biases],
        }
        if self.feature_map is not None:
            out["features"] = list(self.feature_map.names)
            out["n_inputs"] = self.feature_map.n_inputs
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Network:
        """Rebuild a network written by :meth:`to_dict`; raises ValueError on bad data."""
        try:
            net = cls.from_arrays(
                data["weights"],
                data.get("biases"),
                data["activations"],
                data.get("features"),
                data.get("n_inputs"),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a network description: {exc}") from exc
        if list(data.get("layer_sizes", net.layer_sizes)) != net.layer_sizes:
            raise ValueError("layer_sizes do not match the weight shapes")
        for w in net.weights:
            if not np.all(np.isfinite(w)):
                raise ValueError("weights must be finite numbers")
        net.init = str(data.get("init", "custom"))
        net.init_value = float(data.get("init_value", 0.0))
        seed = data.get("seed")
        net.seed = None if seed is None else int(seed)
        return net

    def __repr__(self) -> str:
        sizes = "-".join(str(s) for s in self.layer_sizes)
        extra = "" if self.feature_map is None else f", features={list(self.feature_map.names)}"
        return f"Network({sizes}, activations={self.activations}, bias={self.has_bias}{extra})"


def no_gradient_reason(net: Network) -> str | None:
    """Why (part of) the network cannot learn by gradient descent, or None.

    A ``step`` activation has derivative 0 wherever it has one, so every
    delta below it is 0: the gradient check agrees (0 = 0) and nothing learns.
    """
    blocked = [
        l + 1
        for l, name in enumerate(net.activations)
        if not get_activation(name).has_useful_gradient
    ]
    if not blocked:
        return None
    layers = ", ".join(str(l) for l in blocked)
    word = "Layer" if len(blocked) == 1 else "Layers"
    last = max(blocked)
    return (
        f"{word} {layers} use{'s' if len(blocked) == 1 else ''} the step activation, whose "
        "derivative is 0 everywhere (and undefined at 0). Backpropagation multiplies by that "
        f"derivative, so every gradient of W1 to W{last} is exactly 0: those weights never "
        "change, and the gradient check agrees (both are 0). Nothing below a step layer learns."
    )


def _feature_map(
    features: Sequence[str] | None, n_inputs: int | None, input_nodes: int
) -> FeatureMap | None:
    if features is None:
        if n_inputs is not None and int(n_inputs) != input_nodes:
            raise ValueError(
                f"n_inputs is {n_inputs} but the input layer has {input_nodes} nodes "
                "(without features they are the same)"
            )
        return None
    fmap = FeatureMap(features, n_inputs)
    if len(fmap.names) != input_nodes:
        raise ValueError(
            f"{len(fmap.names)} feature inputs ({', '.join(fmap.names)}) need an input layer "
            f"of {len(fmap.names)} nodes, but it has {input_nodes}"
        )
    return fmap


def _expand_activations(activations: str | Sequence[str], n_layers: int) -> list[str]:
    acts = [activations] * n_layers if isinstance(activations, str) else list(activations)
    if len(acts) != n_layers:
        raise ValueError(
            f"need {n_layers} activations (one per layer after the input), got {len(acts)}"
        )
    for i, name in enumerate(acts):
        get_activation(name)
        allowed = OUTPUT_ACTIVATIONS if i == n_layers - 1 else HIDDEN_ACTIVATIONS
        if name not in allowed:
            raise ValueError(f"{name} is only allowed on the output layer (layer {n_layers})")
    return acts


def _initial_weights(
    init: str, n_in: int, n_out: int, rng: np.random.Generator, value: float
) -> Array:
    if init == "constant":
        return np.full((n_in, n_out), value, dtype=np.float64)
    if init == "uniform":
        return rng.uniform(-value, value, size=(n_in, n_out))
    if init == "xavier":
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, size=(n_in, n_out))
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


def _as_batch(values: npt.ArrayLike, width: int, name: str) -> Array:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        # A 1-D array is a column of samples for width 1, otherwise one sample.
        arr = arr.reshape(-1, 1) if width == 1 else arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ValueError(f"{name} must have shape (N, {width}), got {np.shape(values)}")
    return arr
