"""Central-difference gradient check, one row per parameter, with one agreement rule.

The rule (used by the tests and by the Gradient check panel alike): backprop's
gradient ``a`` and the central difference ``n`` agree when

    |a - n| < RELATIVE_TOLERANCE * (|a| + |n|)     (they agree to 1e-6), or
    |a - n| < noise_floor                             (the difference is rounding noise)

where ``noise_floor = ROUNDING_SAFETY * eps_mach * max(|E|, LOSS_SCALE_FLOOR) / epsilon``
is the size of the rounding error of ``(E(p + eps) - E(p - eps)) / (2 eps)``:
each loss value carries a relative rounding error of a few ``eps_mach`` (its
terms are all positive: squares, logs of probabilities, penalties), which the
division by the step ``epsilon`` magnifies. A fixed relative threshold alone
paints correct gradients red when they are nearly zero (a gradient of 1.8e-7
computed to 7.6e-6 relative error is exact to 3e-12, far below the noise);
the floor follows the numbers' scale instead. The truncation error of the
central difference, about epsilon squared times the third derivative of E
over 6, is far below both for the step used (1e-6).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .naming import parameter_name
from .network import NO_MISTAKES, Mistakes, Network
from .snapshot import ParameterRef

Array = npt.NDArray[np.float64]

#: The relative agreement asked of every gradient.
RELATIVE_TOLERANCE = 1e-6
#: How many times the unit roundoff of the loss the noise floor allows.
ROUNDING_SAFETY = 50.0
#: Below this loss the floor stops shrinking (a loss of exactly 0 still has noisy terms).
LOSS_SCALE_FLOOR = 1e-3


def noise_floor(loss_value: float, epsilon: float) -> float:
    """The rounding noise of a central difference of step ``epsilon`` on a loss of this size."""
    return (
        ROUNDING_SAFETY
        * float(np.finfo(np.float64).eps)
        * max(abs(float(loss_value)), LOSS_SCALE_FLOOR)
        / float(epsilon)
    )


def gradients_agree(
    analytic: float, numeric: float, floor: float, tolerance: float = RELATIVE_TOLERANCE
) -> bool:
    """The agreement rule of this module (see the module notes)."""
    difference = abs(analytic - numeric)
    return difference < tolerance * (abs(analytic) + abs(numeric)) or difference < floor


@dataclass(frozen=True, slots=True)
class GradientCheckRow:
    """The check of one parameter.

    Attributes
    ----------
    name
        The parameter's one name (:func:`~.naming.parameter_name`), e.g.
        ``"w₂₁⁽²⁾"`` (into unit 2 of layer 2 from unit 1 of layer 1: row 0,
        column 1 of the seed's W2) or ``"b₃⁽¹⁾"``.
    analytic
        dE/dp from backpropagation.
    numeric
        (E(p + eps) - E(p - eps)) / (2 eps).
    relative_error
        |analytic - numeric| / max(|analytic| + |numeric|, tiny).
    noise_floor
        The size of the rounding noise in ``numeric``: differences below it
        say nothing about the analytic gradient.
    """

    name: str
    analytic: float
    numeric: float
    relative_error: float
    noise_floor: float = 0.0

    def passed(self, tolerance: float = RELATIVE_TOLERANCE) -> bool:
        """Whether the analytic gradient agrees with the numeric one (:func:`gradients_agree`).

        They agree when the relative error is below ``tolerance``, or when the
        two differ by less than the noise floor: a central difference with
        step 1e-6 carries rounding noise of about 1e-8 times the loss, which
        swamps the relative error of a gradient that is itself almost zero.
        """
        return gradients_agree(self.analytic, self.numeric, self.noise_floor, tolerance)


def gradient_check(
    net: Network,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    loss: str = "half_sse",
    epsilon: float = 1e-6,
    mistakes: Mistakes = NO_MISTAKES,
    l1: float = 0.0,
    l2: float = 0.0,
    parameters: Sequence[ParameterRef] | None = None,
) -> list[GradientCheckRow]:
    """Compare backpropagation's gradient with central differences, per parameter.

    Data whose forward trace would exceed :data:`~.network.STEP_TRACE_MAX_BYTES`
    is done in chunks of rows, the analytic gradient (:func:`analytic_gradients`)
    and every loss alike (:meth:`~.network.Network.loss`): central differences
    of the loss computed in chunks are differences of the same objective, so
    the check is the same check up to rounding, in bounded memory.

    Parameters
    ----------
    net
        The network to check; it is not changed (parameters are restored).
    X, T
        The batch.
    loss
        The loss whose gradient is checked.
    epsilon
        The finite-difference step.
    mistakes
        Mistakes injected into the analytic gradient (to show the check fail).
    l1, l2
        Regularisation: both sides then differentiate data loss + penalty.
    parameters
        Check only these weights and biases (None: every one). Each costs two
        losses of the whole data.

    Returns
    -------
    list of GradientCheckRow
        Weights layer by layer (row-major), then biases (of ``parameters``, in
        that order too).

    Raises
    ------
    ValueError
        For a parameter that is not in the network.
    """
    X = np.asarray(X, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    weight_grads, bias_grads = analytic_gradients(net, X, T, loss, mistakes, l1, l2)
    analytic = list(weight_grads)
    if bias_grads is not None:
        analytic += list(bias_grads)
    chosen = None if parameters is None else _flat_indices(net, parameters)
    rows: list[GradientCheckRow] = []
    # Rounding noise of (E(p + eps) - E(p - eps)) / (2 eps), with a safety factor.
    floor = noise_floor(net.objective(X, T, loss, l1, l2), epsilon)
    for k, ((name, param), grad) in enumerate(zip(net.parameter_arrays(), analytic)):
        flat = param.reshape(-1)
        gflat = grad.reshape(-1)
        for i in range(flat.size) if chosen is None else chosen.get(k, ()):
            old = flat[i]
            flat[i] = old + epsilon
            plus = net.objective(X, T, loss, l1, l2)
            flat[i] = old - epsilon
            minus = net.objective(X, T, loss, l1, l2)
            flat[i] = old
            numeric = (plus - minus) / (2.0 * epsilon)
            a = float(gflat[i])
            denom = max(abs(a) + abs(numeric), 1e-300)
            layer = int(name[1:]) - 1
            if param.ndim == 2:
                ref = ParameterRef(layer, i // param.shape[1], i % param.shape[1])
            else:
                ref = ParameterRef(layer, None, i)
            rows.append(
                GradientCheckRow(parameter_name(ref), a, numeric, abs(a - numeric) / denom, floor)
            )
    return rows


def analytic_gradients(
    net: Network,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    loss: str = "half_sse",
    mistakes: Mistakes = NO_MISTAKES,
    l1: float = 0.0,
    l2: float = 0.0,
) -> tuple[list[Array], list[Array] | None]:
    """Backpropagation's dE/dW and dE/db (None without biases), mistakes injected.

    ``backward(forward(X), ...)``, or for data whose trace would exceed
    :data:`~.network.STEP_TRACE_MAX_BYTES` the sum over chunks of rows, each
    chunk's delta scaled by the whole batch's normaliser (as the trainer does).
    """
    grads = net.batch_gradients(X, T, loss, l1=l1, l2=l2, mistakes=mistakes)
    return list(grads.weights), None if grads.biases is None else list(grads.biases)


def _flat_indices(net: Network, parameters) -> dict[int, list[int]]:
    """Per parameter array (weights, then biases) the flat indices of ``parameters``."""
    n_w = net.n_layers
    chosen: dict[int, set[int]] = {}
    for ref in parameters:
        l = int(ref.layer)
        if not 0 <= l < n_w or not 0 <= ref.target < net.layer_sizes[l + 1]:
            raise ValueError(f"{parameter_name(ref)} is not a parameter of this network")
        if ref.is_bias:
            if net.biases is None:
                raise ValueError(f"{parameter_name(ref)}: this network has no biases")
            chosen.setdefault(n_w + l, set()).add(int(ref.target))
        else:
            if not 0 <= ref.source < net.layer_sizes[l]:
                raise ValueError(f"{parameter_name(ref)} is not a parameter of this network")
            width = net.layer_sizes[l + 1]
            chosen.setdefault(l, set()).add(int(ref.source) * width + int(ref.target))
    return {k: sorted(v) for k, v in chosen.items()}


def check_cost(layer_sizes: Sequence[int], n_samples: int) -> int:
    """Multiply-adds of one loss of ``n_samples`` samples (a check makes two per parameter)."""
    sizes = list(layer_sizes)
    return int(n_samples) * sum(a * b for a, b in itertools.pairwise(sizes))


def spread_parameters(layer_sizes: Sequence[int], has_bias: bool, count: int) -> list[ParameterRef]:
    """About ``count`` weights and biases spread evenly over every layer (at least one
    of each layer), in the order :func:`gradient_check` reports them."""
    sizes = list(layer_sizes)
    n_layers = len(sizes) - 1
    per_layer = max(1, int(count) // max(n_layers, 1))
    weights: list[ParameterRef] = []
    biases: list[ParameterRef] = []
    for l in range(n_layers):
        n_in, n_out = sizes[l], sizes[l + 1]
        total = n_in * n_out + (n_out if has_bias else 0)
        for k in sorted(set(np.linspace(0, total - 1, min(per_layer, total)).round().astype(int))):
            if k < n_in * n_out:
                weights.append(ParameterRef(l, int(k) // n_out, int(k) % n_out))
            else:
                biases.append(ParameterRef(l, None, int(k) - n_in * n_out))
    return weights + biases


def max_relative_error(rows: list[GradientCheckRow]) -> float:
    """The worst relative error of a check (0 for an empty check)."""
    return max((r.relative_error for r in rows), default=0.0)
