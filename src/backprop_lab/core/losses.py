"""Loss functions E(P, T) and their gradient with respect to the output layer.

``half_sse`` is the seed post's E = 1/2 sum_n ||t_n - P_n||^2; ``mse`` is what
the seed's code prints, the mean of (t - P)^2 over samples and outputs;
``cross_entropy`` is binary with a sigmoid output (one column per label, so
several sigmoid outputs with multi-hot targets are multi-label) and
categorical with softmax.

Cross-entropy is computed from the output layer's pre-activations ``a``
(softplus for sigmoid, log-sum-exp for softmax), never from ``log(P)``: a
saturated output whose P rounds to 0 or 1 still has its exact, finite loss,
and the gradient check differentiates that exact loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .activations import Activation

Array = npt.NDArray[np.float64]


class TargetError(ValueError):
    """Targets that the output layer and loss cannot represent (the message names the rows)."""


def _row_list(rows: Array, n_rows: int) -> str:
    numbers = [str(int(r) + 1) for r in rows[:8]]
    text = ", ".join(numbers[:-1]) + f" and {numbers[-1]}" if len(numbers) > 1 else numbers[0]
    more = f" (and {len(rows) - 8} more)" if len(rows) > 8 else ""
    word = "rows" if len(rows) > 1 else "row"
    return f"{word} {text}{more} (of {n_rows})"


def _are(rows: Array) -> str:
    return "is" if len(rows) == 1 else "are"


def validate_targets(T: Array, output_activation: str, loss: str) -> None:
    """Reject targets the output layer cannot learn, naming the rows (counted from 1).

    * A softmax output gives a probability per class: every target row must be
      one-hot (0 or 1, exactly one 1: the class).
    * Cross-entropy with a sigmoid output treats every column as a yes/no
      label: every target must lie in [0, 1] (class labels 0/1, or multi-hot
      0/1 columns for several labels).

    Raises
    ------
    TargetError
    """
    T = np.asarray(T, dtype=np.float64)
    if T.ndim != 2 or T.shape[0] == 0:
        return
    n = T.shape[0]
    if output_activation == "softmax":
        binary = np.all((T == 0.0) | (T == 1.0), axis=1)
        bad = np.flatnonzero(~(binary & (T.sum(axis=1) == 1.0)))
        if bad.size:
            first = bad[0]
            example = ", ".join(f"{v:g}" for v in T[first])
            hint = ""
            if T.shape[1] == 1:
                hint = (
                    " With one output column, use a sigmoid output; for k classes give k "
                    "target columns."
                )
            raise TargetError(
                f"A softmax output needs one-hot targets (one column per class, exactly one 1 "
                f"per row, the rest 0), but {_row_list(bad, n)} {_are(bad)} not: "
                f"row {first + 1} is ({example}).{hint}"
            )
    elif loss == "cross_entropy":
        bad = np.flatnonzero(~np.all((T >= 0.0) & (T <= 1.0), axis=1))
        if bad.size:
            first = bad[0]
            value = T[first][(T[first] < 0.0) | (T[first] > 1.0)][0]
            hint = ""
            if float(value).is_integer() and value > 1:
                hint = (
                    f" A class label of {value:g} needs one-hot targets with "
                    f"{int(value) + 1} columns and a softmax output."
                )
            raise TargetError(
                f"Cross-entropy with a sigmoid output needs targets between 0 and 1 (class "
                f"labels 0/1, or one 0/1 column per label), but {_row_list(bad, n)} "
                f"{_are(bad)} not: row {first + 1} has {value:g}.{hint}"
            )


def _sigmoid_cross_entropy(a: Array, T: Array) -> float:
    # -[t log σ(a) + (1-t) log(1-σ(a))] = max(a, 0) - t a + log(1 + e^-|a|), exact
    # for any a (no log of a rounded P).
    return float(np.sum(np.maximum(a, 0.0) - T * a + np.log1p(np.exp(-np.abs(a)))))


def _softmax_cross_entropy(a: Array, T: Array) -> float:
    # -sum_k t_k log P_k = sum_k t_k (logsumexp(a) - a_k), per row.
    m = a.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(a - m).sum(axis=-1, keepdims=True))
    return float(np.sum(T * (lse - a)))


def _xlogy(t: Array, p: Array) -> Array:
    # t log p with 0 log 0 = 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0.0, 0.0, t * np.log(p))


@dataclass(frozen=True)
class Loss:
    """A loss function.

    Attributes
    ----------
    name
        ``"half_sse"``, ``"mse"`` or ``"cross_entropy"``.
    description
        The formula, for display.
    """

    name: str
    description: str

    # --- value -------------------------------------------------------------
    def total(
        self, P: Array, T: Array, output_activation: str = "sigmoid", a: Array | None = None
    ) -> float:
        """Sum over samples of the per-sample loss (before any averaging).

        ``a`` are the output pre-activations; cross-entropy is computed from
        them when given (exact even where P rounds to 0 or 1), else from P.
        """
        if self.name in ("half_sse", "mse"):
            diff = P - T
            per = float(np.vdot(diff, diff))
            return 0.5 * per if self.name == "half_sse" else per
        if a is not None:
            if output_activation == "softmax":
                return _softmax_cross_entropy(a, T)
            return _sigmoid_cross_entropy(a, T)
        with np.errstate(divide="ignore"):
            if output_activation == "softmax":
                return float(-np.sum(_xlogy(T, P)))
            return float(-np.sum(_xlogy(T, P) + _xlogy(1.0 - T, 1.0 - P)))

    def normaliser(self, n_samples: int, n_outputs: int) -> float:
        """What :meth:`total` is divided by to give the loss of ``n_samples`` samples."""
        if self.name == "half_sse":
            return 1.0
        if self.name == "mse":
            return float(n_samples * n_outputs)
        return float(n_samples)

    def value(
        self, P: Array, T: Array, output_activation: str = "sigmoid", a: Array | None = None
    ) -> float:
        """The loss of predictions ``P`` against targets ``T`` (both (N, K)).

        Pass the output pre-activations ``a`` for the exact cross-entropy.
        """
        return self.total(P, T, output_activation, a) / self.normaliser(*P.shape)

    # --- both at once (the training hot path) -------------------------------
    def evaluate(
        self,
        a: Array,
        P: Array,
        T: Array,
        activation: Activation,
        normaliser: float | None = None,
    ) -> tuple[float, Array]:
        """The un-normalised :meth:`total` and the output delta, sharing the work.

        Returns the same numbers as ``total(P, T)`` and
        ``output_delta(a, P, T, activation, normaliser)``.
        """
        if self.name == "cross_entropy":
            return self.total(P, T, activation.name, a), self.output_delta(
                a, P, T, activation, normaliser
            )
        diff = P - T
        squared = float(np.vdot(diff, diff))
        if self.name == "half_sse":
            return 0.5 * squared, activation.backprop(a, P, diff)
        if normaliser is None:
            n_samples, n_outputs = P.shape
            normaliser = n_samples * n_outputs
        return squared, activation.backprop(a, P, diff * (2.0 / normaliser))

    # --- gradient ----------------------------------------------------------
    def output_delta(
        self,
        a: Array,
        P: Array,
        T: Array,
        activation: Activation,
        normaliser: float | None = None,
    ) -> Array:
        """delta of the output layer, dE/da, for pre-activations ``a`` and outputs ``P``.

        ``normaliser`` is what the loss of the whole batch is divided by when
        ``a``, ``P`` and ``T`` are some of its rows (default: these rows are the
        batch, ``normaliser(*P.shape)``): the deltas of a batch's chunks of rows
        are then the rows of the whole batch's delta.
        """
        if normaliser is None:
            normaliser = self.normaliser(*P.shape)
        scale = 1.0 / normaliser
        if self.name == "cross_entropy" and activation.name in ("sigmoid", "softmax"):
            # The famous simplification: dE/da = P - T (per sample).
            return (P - T) * scale
        grad_P = self.output_gradient(P, T, activation.name) * scale
        return activation.backprop(a, P, grad_P)

    def output_gradient(self, P: Array, T: Array, output_activation: str = "sigmoid") -> Array:
        """dE/dP of the un-normalised total (``total``).

        For cross-entropy this is -t/P (+ (1-t)/(1-P) for sigmoid), infinite
        where P rounds to 0 or 1; the backward pass never uses it there (it
        uses the simplification dE/da = P - t), it is for display.
        """
        if self.name == "half_sse":
            return P - T
        if self.name == "mse":
            return 2.0 * (P - T)
        with np.errstate(divide="ignore", invalid="ignore"):
            if output_activation == "softmax":
                return np.where(T == 0.0, 0.0, -T / P)
            return np.where(T == 0.0, 0.0, -T / P) + np.where(T == 1.0, 0.0, (1.0 - T) / (1.0 - P))


LOSSES: dict[str, Loss] = {
    "half_sse": Loss("half_sse", "E = 1/2 Σ (t − P)²  (the seed's E)"),
    "mse": Loss("mse", "E = mean of (t − P)²  (what the seed prints)"),
    "cross_entropy": Loss("cross_entropy", "E = −mean Σ t log P  (+ (1−t) log(1−P) for sigmoid)"),
}


def get_loss(name: str) -> Loss:
    """Look a loss up by name, with a clear error for an unknown one."""
    try:
        return LOSSES[name]
    except KeyError:
        known = ", ".join(LOSSES)
        raise ValueError(f"unknown loss {name!r}; choose one of: {known}") from None
