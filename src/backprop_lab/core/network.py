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
from .losses import get_loss

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
        The input batch X, shape (N, n_inputs).
    pre_activations
        ``a`` of every layer after the input, each (N, n_units).
    activations
        ``h(a)`` of every layer after the input, each (N, n_units).
    """

    __slots__ = ("activations", "inputs", "pre_activations")

    def __init__(self, inputs: Array, pre_activations: list[Array], activations: list[Array]):
        self.inputs = inputs
        self.pre_activations = pre_activations
        self.activations = activations

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
        dE/dW, one array per layer, shaped like ``Network.weights``.
    biases
        dE/db, one vector per layer, or None for a network without biases.
    """

    __slots__ = ("biases", "deltas", "weights")

    def __init__(self, deltas: list[Array], weights: list[Array], biases: list[Array] | None):
        self.deltas = deltas
        self.weights = weights
        self.biases = biases


class Network:
    """A fully connected feed-forward network.

    Parameters
    ----------
    layer_sizes
        Units per layer, input first: ``[2, 3, 3, 1]`` is the seed's network.
    activations
        One name for every layer after the input, or a single name used for
        all of them. Hidden layers: sigmoid, tanh, relu, linear; the output
        layer may also use softmax.
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
    ) -> Network:
        """Build a network from explicit weight matrices (and bias vectors).

        Parameters
        ----------
        weights
            One (n_in, n_out) matrix per layer.
        biases
            One vector per layer, or None for no biases.
        activations
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
        net = Network.from_arrays(self.weights, self.biases, self.activations)
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
            Inputs, shape (N, n_inputs).
        """
        X = _as_batch(X, self.layer_sizes[0], "X")
        with np.errstate(over="ignore"):
            return self._forward(X)

    def _forward(self, X: Array) -> ForwardTrace:
        # Unchecked forward pass for the trainer, which validated X once.
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
        return ForwardTrace(X, pre, out)

    def predict(self, X: npt.ArrayLike) -> Array:
        """The network's outputs for inputs X, shape (N, n_outputs)."""
        h = _as_batch(X, self.layer_sizes[0], "X")
        biases = self.biases
        with np.errstate(over="ignore"):
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
        return self._backward(trace, output_delta, mistakes)

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

    def loss(self, X: npt.ArrayLike, T: npt.ArrayLike, loss: str = "half_sse") -> float:
        """The loss of the network's predictions for X against T."""
        T = _as_batch(T, self.layer_sizes[-1], "T")
        return get_loss(loss).value(self.predict(X), T, self.activations[-1])

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
        return {
            "layer_sizes": list(self.layer_sizes),
            "activations": list(self.activations),
            "init": self.init,
            "init_value": self.init_value,
            "seed": self.seed,
            "weights": [w.tolist() for w in self.weights],
            "biases": None if self.biases is None else [b.tolist() for b in self.biases],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Network:
        """Rebuild a network written by :meth:`to_dict`; raises ValueError on bad data."""
        try:
            net = cls.from_arrays(data["weights"], data.get("biases"), data["activations"])
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
        return f"Network({sizes}, activations={self.activations}, bias={self.has_bias})"


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
            raise ValueError(f"{name} is only allowed on the output layer")
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
