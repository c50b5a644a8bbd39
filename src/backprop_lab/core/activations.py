"""Activation functions h(a) and their derivatives.

Every derivative is written in terms of both the pre-activation ``a`` and the
output ``h = h(a)``, because that is how backpropagation uses it: the forward
pass already stored ``h``, so sigmoid'(a) = h (1 - h) costs one multiply.
(The seed post's bug is calling that formula with ``a`` instead of ``h``.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def sigmoid(a: Array) -> Array:
    """Logistic sigmoid 1 / (1 + exp(-a)), computed without overflow warnings."""
    out = np.empty_like(a, dtype=np.float64)
    positive = a >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-a[positive]))
    exp_a = np.exp(a[~positive])
    out[~positive] = exp_a / (1.0 + exp_a)
    return out


def _sigmoid_fast(a: Array) -> Array:
    # The training hot path. For a < -709 exp(-a) overflows to inf and the
    # result is exactly 0.0, which is right; callers run it under
    # np.errstate(over="ignore") so the overflow is not reported as a warning.
    return 1.0 / (1.0 + np.exp(-a))


def sigmoid_derivative(a: Array, h: Array) -> Array:
    """sigmoid'(a) = h (1 - h)."""
    return h * (1.0 - h)


def tanh(a: Array) -> Array:
    """Hyperbolic tangent."""
    return np.tanh(a)


def tanh_derivative(a: Array, h: Array) -> Array:
    """tanh'(a) = 1 - h^2."""
    return 1.0 - h * h


def relu(a: Array) -> Array:
    """Rectified linear unit max(0, a)."""
    return np.maximum(a, 0.0)


def relu_derivative(a: Array, h: Array) -> Array:
    """relu'(a) = 1 where a > 0, else 0 (0 at a = 0 by convention)."""
    return (a > 0.0).astype(np.float64)


def linear(a: Array) -> Array:
    """Identity h(a) = a."""
    return a


def linear_derivative(a: Array, h: Array) -> Array:
    """linear'(a) = 1."""
    return np.ones_like(a)


def softmax(a: Array) -> Array:
    """Row-wise softmax, shifted by the row maximum for numerical safety."""
    shifted = a - a.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_derivative(a: Array, h: Array) -> Array:
    """Diagonal of the softmax Jacobian, h (1 - h).

    The full Jacobian is needed for the backward pass; :meth:`Activation.backprop`
    uses it. This diagonal is what a per-node display can show.
    """
    return h * (1.0 - h)


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative.

    Attributes
    ----------
    name
        ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"linear"`` or ``"softmax"``.
    function
        h(a).
    derivative
        h'(a) given ``(a, h)``; for softmax the Jacobian's diagonal.
    """

    name: str
    function: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]

    def backprop(self, a: Array, h: Array, grad_h: Array) -> Array:
        """Turn dE/dh into dE/da for a batch (rows are samples).

        For element-wise activations this is ``grad_h * h'(a)``; for softmax it
        applies the full Jacobian: dE/da_i = h_i (g_i - sum_j g_j h_j).
        """
        if self.name == "softmax":
            return h * (grad_h - (grad_h * h).sum(axis=-1, keepdims=True))
        return grad_h * self.derivative(a, h)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", _sigmoid_fast, sigmoid_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "relu": Activation("relu", relu, relu_derivative),
    "linear": Activation("linear", linear, linear_derivative),
    "softmax": Activation("softmax", softmax, softmax_derivative),
}

#: Activations a hidden layer may use (softmax only makes sense on the output).
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
#: Activations the output layer may use.
OUTPUT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear", "softmax")


def get_activation(name: str) -> Activation:
    """Look an activation up by name, with a clear error for an unknown one."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; choose one of: {known}") from None
