"""Activation functions h(a) and their derivatives.

Every derivative is written in terms of both the pre-activation ``a`` and the
output ``h = h(a)``, because that is how backpropagation uses it: the forward
pass already stored ``h``, so sigmoid'(a) = h (1 - h) costs one multiply.
(The seed post's bug is calling that formula with ``a`` instead of ``h``.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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


# In-place kernels for the trainer's buffered full-batch pass (see
# ``Network._forward_into``). Each computes exactly the same operations, in the
# same order, as the allocating function above it, only writing into given
# buffers, so the numbers are the same bit for bit:
#
# * ``*_into(a, out)`` writes h(a) into ``out`` (a buffer distinct from ``a``);
# * ``*_backprop_into(a, h, g)`` turns ``g`` = dE/dh into dE/da = g · h'(a) in
#   place and returns it; it may use ``a`` (dead by then) as scratch.
def _sigmoid_into(a: Array, out: Array) -> Array:
    # 1.0 / (1.0 + np.exp(-a)), as _sigmoid_fast
    np.negative(a, out=out)
    np.exp(out, out=out)
    np.add(1.0, out, out=out)
    return np.divide(1.0, out, out=out)


def _sigmoid_backprop_into(a: Array, h: Array, g: Array) -> Array:
    # g * (h * (1.0 - h)), as sigmoid_derivative
    np.subtract(1.0, h, out=a)
    np.multiply(h, a, out=a)
    return np.multiply(g, a, out=g)


def _tanh_into(a: Array, out: Array) -> Array:
    return np.tanh(a, out=out)


def _tanh_backprop_into(a: Array, h: Array, g: Array) -> Array:
    # g * (1.0 - h * h), as tanh_derivative
    np.multiply(h, h, out=a)
    np.subtract(1.0, a, out=a)
    return np.multiply(g, a, out=g)


def _relu_into(a: Array, out: Array) -> Array:
    return np.maximum(a, 0.0, out=out)


def _relu_backprop_into(a: Array, h: Array, g: Array) -> Array:
    # g * (a > 0.0).astype(np.float64), as relu_derivative
    np.greater(a, 0.0, out=a)
    return np.multiply(g, a, out=g)


def _linear_into(a: Array, out: Array) -> Array:
    return a  # h is a itself, as linear()


def _linear_backprop_into(a: Array, h: Array, g: Array) -> Array:
    return g  # g * 1.0 is g, bit for bit


#: Slope of leaky ReLU for a <= 0.
LEAKY_RELU_SLOPE = 0.01
#: ELU's alpha: h(a) = alpha (e^a - 1) for a <= 0.
ELU_ALPHA = 1.0


def leaky_relu(a: Array) -> Array:
    """Leaky ReLU: a for a > 0, else 0.01 a."""
    return np.where(a > 0.0, a, LEAKY_RELU_SLOPE * a)


def leaky_relu_derivative(a: Array, h: Array) -> Array:
    """1 where a > 0, else 0.01 (0.01 at a = 0 by convention)."""
    return np.where(a > 0.0, 1.0, LEAKY_RELU_SLOPE)


def elu(a: Array) -> Array:
    """Exponential linear unit: a for a > 0, else alpha (e^a - 1)."""
    return np.where(a > 0.0, a, ELU_ALPHA * np.expm1(np.minimum(a, 0.0)))


def elu_derivative(a: Array, h: Array) -> Array:
    """1 where a > 0, else h + alpha (= alpha e^a)."""
    return np.where(a > 0.0, 1.0, h + ELU_ALPHA)


def softplus(a: Array) -> Array:
    """log(1 + e^a), computed without overflow."""
    return np.logaddexp(0.0, a)


def softplus_derivative(a: Array, h: Array) -> Array:
    """softplus'(a) = sigmoid(a)."""
    return sigmoid(np.asarray(a, dtype=np.float64))


def sine(a: Array) -> Array:
    """sin(a)."""
    return np.sin(a)


def sine_derivative(a: Array, h: Array) -> Array:
    """sin'(a) = cos(a)."""
    return np.cos(a)


def gaussian(a: Array) -> Array:
    """The Gaussian bump e^(-a^2)."""
    return np.exp(-(a * a))


def gaussian_derivative(a: Array, h: Array) -> Array:
    """d/da e^(-a^2) = -2 a h."""
    return -2.0 * a * h


def step(a: Array) -> Array:
    """Heaviside step: 1 where a > 0, else 0."""
    return (a > 0.0).astype(np.float64)


def step_derivative(a: Array, h: Array) -> Array:
    """0 everywhere (the jump at a = 0 has no derivative): no gradient flows through a step."""
    return np.zeros_like(a, dtype=np.float64)


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative.

    Attributes
    ----------
    name
        One of :data:`ACTIVATIONS` (``"sigmoid"``, ``"leaky_relu"``, ...).
    function
        h(a).
    derivative
        h'(a) given ``(a, h)``; for softmax the Jacobian's diagonal.
    label
        The name shown to people (``"leaky ReLU"``).
    formula, derivative_formula
        h(a) and h'(a) written out, for display.
    has_useful_gradient
        False for ``step``: its derivative is 0 wherever it exists, so no
        gradient reaches the weights below it and nothing there learns.
    derivative_symbol
        How the derivative is written in an explanation (``"σ′"``, ``"tanh′"``).
    function_into, backprop_into
        Optional in-place forms of ``function`` and of ``backprop`` (same
        numbers bit for bit) for the trainer's buffered full-batch pass; None
        where the activation has none (that pass then calls the allocating ones).
    """

    name: str
    function: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]
    label: str = ""
    formula: str = ""
    derivative_formula: str = ""
    has_useful_gradient: bool = True
    derivative_symbol: str = "h′"
    function_into: Callable[[Array, Array], Array] | None = field(
        default=None, repr=False, compare=False
    )
    backprop_into: Callable[[Array, Array, Array], Array] | None = field(
        default=None, repr=False, compare=False
    )

    def backprop(self, a: Array, h: Array, grad_h: Array) -> Array:
        """Turn dE/dh into dE/da for a batch (rows are samples).

        For element-wise activations this is ``grad_h * h'(a)``; for softmax it
        applies the full Jacobian: dE/da_i = h_i (g_i - sum_j g_j h_j).
        """
        if self.name == "softmax":
            return h * (grad_h - (grad_h * h).sum(axis=-1, keepdims=True))
        return grad_h * self.derivative(a, h)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "sigmoid",
        _sigmoid_fast,
        sigmoid_derivative,
        "sigmoid",
        "σ(a) = 1 / (1 + e^−a)",
        "σ′(a) = h (1 − h)",
        True,
        "σ′",
        _sigmoid_into,
        _sigmoid_backprop_into,
    ),
    "tanh": Activation(
        "tanh",
        tanh,
        tanh_derivative,
        "tanh",
        "tanh(a)",
        "tanh′(a) = 1 − h²",
        True,
        "tanh′",
        _tanh_into,
        _tanh_backprop_into,
    ),
    "relu": Activation(
        "relu",
        relu,
        relu_derivative,
        "ReLU",
        "max(0, a)",
        "relu′(a) = 1 if a > 0, else 0",
        True,
        "relu′",
        _relu_into,
        _relu_backprop_into,
    ),
    "leaky_relu": Activation(
        "leaky_relu",
        leaky_relu,
        leaky_relu_derivative,
        "leaky ReLU",
        f"a if a > 0, else {LEAKY_RELU_SLOPE:g}·a",
        f"1 if a > 0, else {LEAKY_RELU_SLOPE:g}",
        True,
        "leaky′",
    ),
    "elu": Activation(
        "elu",
        elu,
        elu_derivative,
        "ELU",
        "a if a > 0, else e^a − 1",
        "1 if a > 0, else h + 1 (= e^a)",
        True,
        "elu′",
    ),
    "softplus": Activation(
        "softplus",
        softplus,
        softplus_derivative,
        "softplus",
        "log(1 + e^a)",
        "softplus′(a) = σ(a)",
        True,
        "softplus′",
    ),
    "sine": Activation("sine", sine, sine_derivative, "sine", "sin(a)", "cos(a)", True, "sin′"),
    "gaussian": Activation(
        "gaussian",
        gaussian,
        gaussian_derivative,
        "Gaussian",
        "e^(−a²)",
        "−2a·h",
        True,
        "gauss′",
    ),
    "step": Activation(
        "step",
        step,
        step_derivative,
        "step",
        "1 if a > 0, else 0",
        "0 everywhere (no derivative at a = 0)",
        False,
        "step′",
    ),
    "linear": Activation(
        "linear",
        linear,
        linear_derivative,
        "linear",
        "a",
        "1",
        True,
        "id′",
        _linear_into,
        _linear_backprop_into,
    ),
    "softmax": Activation(
        "softmax",
        softmax,
        softmax_derivative,
        "softmax",
        "e^a_k / Σ_j e^a_j",
        "∂P_k/∂a_j = P_k (δ_kj − P_j)",
        True,
        "softmax′",
    ),
}

#: Activations a hidden layer may use (softmax only makes sense on the output).
HIDDEN_ACTIVATIONS = (
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "softplus",
    "sine",
    "gaussian",
    "step",
    "linear",
)
#: Activations the output layer may use.
OUTPUT_ACTIVATIONS = (*HIDDEN_ACTIVATIONS, "softmax")


def get_activation(name: str) -> Activation:
    """Look an activation up by name, with a clear error for an unknown one."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; choose one of: {known}") from None
