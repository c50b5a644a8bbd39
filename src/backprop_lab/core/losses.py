"""Loss functions E(P, T) and their gradient with respect to the output layer.

``half_sse`` is the seed post's E = 1/2 sum_n ||t_n - P_n||^2; ``mse`` is what
the seed's code prints, the mean of (t - P)^2 over samples and outputs;
``cross_entropy`` is binary with a sigmoid output and categorical with softmax.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .activations import Activation

Array = npt.NDArray[np.float64]

_EPS = 1e-12


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
    def total(self, P: Array, T: Array, output_activation: str = "sigmoid") -> float:
        """Sum over samples of the per-sample loss (before any averaging)."""
        if self.name in ("half_sse", "mse"):
            diff = P - T
            per = float(np.vdot(diff, diff))
            return 0.5 * per if self.name == "half_sse" else per
        # cross-entropy
        Pc = (
            np.clip(P, _EPS, 1.0 - _EPS)
            if output_activation != "softmax"
            else np.clip(P, _EPS, 1.0)
        )
        if output_activation == "softmax":
            return float(-np.sum(T * np.log(Pc)))
        return float(-np.sum(T * np.log(Pc) + (1.0 - T) * np.log(1.0 - Pc)))

    def normaliser(self, n_samples: int, n_outputs: int) -> float:
        """What :meth:`total` is divided by to give the loss of ``n_samples`` samples."""
        if self.name == "half_sse":
            return 1.0
        if self.name == "mse":
            return float(n_samples * n_outputs)
        return float(n_samples)

    def value(self, P: Array, T: Array, output_activation: str = "sigmoid") -> float:
        """The loss of predictions ``P`` against targets ``T`` (both (N, K))."""
        return self.total(P, T, output_activation) / self.normaliser(*P.shape)

    # --- both at once (the training hot path) -------------------------------
    def evaluate(self, a: Array, P: Array, T: Array, activation: Activation) -> tuple[float, Array]:
        """The un-normalised :meth:`total` and the output delta, sharing the work.

        Returns the same numbers as ``total(P, T)`` and
        ``output_delta(a, P, T, activation)``.
        """
        if self.name == "cross_entropy":
            return self.total(P, T, activation.name), self.output_delta(a, P, T, activation)
        diff = P - T
        squared = float(np.vdot(diff, diff))
        n_samples, n_outputs = P.shape
        if self.name == "half_sse":
            return 0.5 * squared, activation.backprop(a, P, diff)
        return squared, activation.backprop(a, P, diff * (2.0 / (n_samples * n_outputs)))

    # --- gradient ----------------------------------------------------------
    def output_delta(self, a: Array, P: Array, T: Array, activation: Activation) -> Array:
        """delta of the output layer, dE/da, for pre-activations ``a`` and outputs ``P``."""
        scale = 1.0 / self.normaliser(*P.shape)
        if self.name == "cross_entropy" and activation.name in ("sigmoid", "softmax"):
            # The famous simplification: dE/da = P - T (per sample).
            return (P - T) * scale
        grad_P = self.output_gradient(P, T, activation.name) * scale
        return activation.backprop(a, P, grad_P)

    def output_gradient(self, P: Array, T: Array, output_activation: str = "sigmoid") -> Array:
        """dE/dP of the un-normalised total (``total``)."""
        if self.name == "half_sse":
            return P - T
        if self.name == "mse":
            return 2.0 * (P - T)
        if output_activation == "softmax":
            return -T / np.clip(P, _EPS, None)
        Pc = np.clip(P, _EPS, 1.0 - _EPS)
        return -T / Pc + (1.0 - T) / (1.0 - Pc)


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
