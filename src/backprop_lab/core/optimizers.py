"""Optimisers, learning-rate schedules and L1/L2 regularisation.

Every optimiser is a pure function of (parameters, gradients, learning rate,
state) returning new parameter arrays and a new state; nothing is changed in
place, so the trainer's double buffering (the previous weights stay intact)
and the step explanation (which runs the same function on a copy) get the same
numbers bit for bit. g is the gradient including any penalty term and η the
learning rate of the epoch:

* ``sgd``:      w ← w − η g
* ``momentum``: v ← μ v − η g;  w ← w + v
* ``nesterov``: v ← μ v − η g;  w ← w + μ v − η g   (the look-ahead form)
* ``rmsprop``:  s ← ρ s + (1 − ρ) g²;  w ← w − η g / (√s + ε)
* ``adam``:     t ← t + 1;  m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;
  m̂ = m / (1 − β1^t);  v̂ = v / (1 − β2^t);  w ← w − η m̂ / (√v̂ + ε)

State (v, s, m, v) starts at zero, one array per parameter array; t counts
updates (minibatches), not epochs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

#: Optimiser names, in the order a menu shows them.
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")

#: Each optimiser's hyperparameters with the defaults a GUI offers.
OPTIMIZER_HYPERPARAMETERS: dict[str, dict[str, float]] = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9},
    "rmsprop": {"rho": 0.9, "epsilon": 1e-8},
    "adam": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}

#: Display names.
OPTIMIZER_LABELS = {
    "sgd": "gradient descent (SGD)",
    "momentum": "momentum",
    "nesterov": "Nesterov momentum",
    "rmsprop": "RMSprop",
    "adam": "Adam",
}

#: The state arrays each optimiser keeps per parameter array.
OPTIMIZER_STATE = {
    "sgd": (),
    "momentum": ("velocity",),
    "nesterov": ("velocity",),
    "rmsprop": ("s",),
    "adam": ("m", "v"),
}

#: Learning-rate schedule names.
SCHEDULES = ("constant", "step", "inverse_time")

#: Each schedule's parameters with their defaults.
SCHEDULE_PARAMETERS: dict[str, dict[str, float]] = {
    "constant": {},
    "step": {"drop": 0.5, "every": 100},
    "inverse_time": {"decay": 0.01},
}

SCHEDULE_LABELS = {
    "constant": "constant",
    "step": "step decay",
    "inverse_time": "1/t decay",
}


class OptimizerError(ValueError):
    """A bad optimiser, schedule or hyperparameter (the message says which and why)."""


# ------------------------------------------------------------------ validation
def check_optimizer(name: str) -> str:
    """The optimiser name, or OptimizerError listing the known ones."""
    if name not in OPTIMIZERS:
        raise OptimizerError(f"unknown optimiser {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    return name


def _as_float(name: str, value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise OptimizerError(f"{name} must be a number, got {value!r}") from None


def _finite(name: str, value: object) -> float:
    number = _as_float(name, value)
    if not math.isfinite(number):
        raise OptimizerError(f"{name} must be a finite number, got {number}")
    return number


def check_hyperparameter(name: str, value: float) -> float:
    """A validated hyperparameter value (momentum/rho/beta in [0, 1), epsilon > 0)."""
    value = _finite(name, value)
    if name in ("momentum", "rho", "beta1", "beta2"):
        if not 0.0 <= value < 1.0:
            raise OptimizerError(f"{name} must be at least 0 and below 1, got {value:g}")
    elif name == "epsilon":
        if not value > 0.0:
            raise OptimizerError(f"epsilon must be a number > 0, got {value:g}")
    else:
        raise OptimizerError(f"unknown hyperparameter {name!r}")
    return value


def check_schedule(name: str, params: Mapping[str, float] | None) -> dict[str, float]:
    """The schedule's full parameter dict (defaults filled in), validated."""
    if name not in SCHEDULES:
        raise OptimizerError(
            f"unknown learning-rate schedule {name!r}; choose one of: {', '.join(SCHEDULES)}"
        )
    out = dict(SCHEDULE_PARAMETERS[name])
    for key, value in dict(params or {}).items():
        if key not in out:
            known = ", ".join(out) or "none"
            raise OptimizerError(f"schedule {name!r} has no parameter {key!r} (it has: {known})")
        out[key] = _finite(key, value)
    if name == "step":
        if not 0.0 < out["drop"] <= 1.0:
            raise OptimizerError(f"drop must be above 0 and at most 1, got {out['drop']:g}")
        if out["every"] < 1 or not float(out["every"]).is_integer():
            raise OptimizerError(f"every must be a whole number of epochs >= 1, got {out['every']}")
        out["every"] = int(out["every"])
    elif name == "inverse_time" and out["decay"] < 0.0:
        raise OptimizerError(f"decay must be at least 0, got {out['decay']:g}")
    return out


def check_penalty(name: str, value: float) -> float:
    """A validated l1 or l2 coefficient (a finite number >= 0)."""
    value = _as_float(name, value)
    if not math.isfinite(value) or value < 0.0:
        raise OptimizerError(f"{name} must be a number >= 0, got {value}")
    return value


# -------------------------------------------------------------------- schedule
def learning_rate_at(
    schedule: str, params: Mapping[str, float] | None, base: float, epochs_done: int
) -> float:
    """η of the epoch after ``epochs_done`` completed epochs (0 for epoch 1).

    * ``constant``: η0
    * ``step``: η0 · drop^⌊k / every⌋
    * ``inverse_time``: η0 / (1 + decay · k)
    """
    if schedule == "constant":
        return base
    p = check_schedule(schedule, params) if params is None else params
    k = int(epochs_done)
    if schedule == "step":
        return base * float(p["drop"]) ** (k // int(p["every"]))
    if schedule == "inverse_time":
        return base / (1.0 + float(p["decay"]) * k)
    check_schedule(schedule, params)
    return base


def schedule_formula(schedule: str, params: Mapping[str, float]) -> str:
    """The schedule in words/symbols, for display."""
    if schedule == "step":
        return f"η = η₀ · {params['drop']:g}^⌊k / {int(params['every'])}⌋"
    if schedule == "inverse_time":
        return f"η = η₀ / (1 + {params['decay']:g} · k)"
    return "η = η₀"


# -------------------------------------------------------------- regularisation
def penalty(weights: Sequence[Array], l1: float, l2: float) -> float:
    """R = l1 · Σ|w| + (l2 / 2) · Σ w² over the weights (never the biases)."""
    total = 0.0
    if l1:
        total += l1 * sum(float(np.abs(w).sum()) for w in weights)
    if l2:
        total += 0.5 * l2 * sum(float(np.vdot(w, w)) for w in weights)
    return total


def penalty_gradients(weights: Sequence[Array], l1: float, l2: float) -> list[Array]:
    """∂R/∂w = l2 · w + l1 · sign(w) per weight matrix (sign(0) = 0)."""
    out = []
    for w in weights:
        g = np.zeros_like(w)
        if l2:
            g = g + l2 * w
        if l1:
            g = g + l1 * np.sign(w)
        out.append(g)
    return out


def regularised_gradients(
    weights: Sequence[Array], grads: Sequence[Array], l1: float, l2: float
) -> list[Array]:
    """g = ∂E/∂w + l2 · w + l1 · sign(w), added in that order (the one place it is computed)."""
    out = []
    for w, g in zip(weights, grads):
        if l2:
            g = g + l2 * w
        if l1:
            g = g + l1 * np.sign(w)
        out.append(g)
    return out


# ------------------------------------------------------------------ optimisers
@dataclass
class OptimizerState:
    """What an optimiser remembers between updates.

    Attributes
    ----------
    arrays
        Name (``"velocity"``, ``"s"``, ``"m"``, ``"v"``) → one array per
        parameter array (weights then biases). Replaced, never changed in place.
    steps
        Updates made so far (Adam's t).
    """

    arrays: dict[str, list[Array]] = field(default_factory=dict)
    steps: int = 0

    def copy(self) -> OptimizerState:
        """A copy sharing the (never mutated) arrays."""
        return OptimizerState({k: list(v) for k, v in self.arrays.items()}, self.steps)


def initial_state(name: str, params: Sequence[Array]) -> OptimizerState:
    """Zero state for ``params``."""
    return OptimizerState({k: [np.zeros_like(p) for p in params] for k in OPTIMIZER_STATE[name]})


# One rule per optimiser for one parameter array: (p, g, its state arrays,
# hyperparameters, η, t) -> (new p, new state arrays in OPTIMIZER_STATE order).
# Each line is the formula in the module docstring, evaluated as written.
def _sgd(p: Array, g: Array, state: tuple, h: Mapping[str, float], lr: float, t: int):
    return p - lr * g, ()


def _momentum(p: Array, g: Array, state: tuple, h: Mapping[str, float], lr: float, t: int):
    (v,) = state
    v = h["momentum"] * v - lr * g
    return p + v, (v,)


def _nesterov(p: Array, g: Array, state: tuple, h: Mapping[str, float], lr: float, t: int):
    (v,) = state
    mu = h["momentum"]
    v = mu * v - lr * g
    return p + mu * v - lr * g, (v,)


def _rmsprop(p: Array, g: Array, state: tuple, h: Mapping[str, float], lr: float, t: int):
    (s,) = state
    rho = h["rho"]
    s = rho * s + (1.0 - rho) * (g * g)
    return p - lr * g / (np.sqrt(s) + h["epsilon"]), (s,)


def _adam(p: Array, g: Array, state: tuple, h: Mapping[str, float], lr: float, t: int):
    m, v = state
    b1, b2 = h["beta1"], h["beta2"]
    m = b1 * m + (1.0 - b1) * g
    v = b2 * v + (1.0 - b2) * (g * g)
    m_hat = m / (1.0 - b1**t)
    v_hat = v / (1.0 - b2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + h["epsilon"]), (m, v)


_RULES = {
    "sgd": _sgd,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "rmsprop": _rmsprop,
    "adam": _adam,
}


def apply_update(
    name: str,
    hyper: Mapping[str, float],
    params: Sequence[Array],
    grads: Sequence[Array],
    lr: float,
    state: OptimizerState,
) -> tuple[list[Array], OptimizerState]:
    """One update: new parameter arrays and the new state (nothing changed in place)."""
    rule = _RULES.get(name)
    if rule is None:
        raise OptimizerError(f"unknown optimiser {name!r}")
    names = OPTIMIZER_STATE[name]
    if names and (not state.arrays or any(len(v) != len(params) for v in state.arrays.values())):
        state = initial_state(name, params)
    t = state.steps + 1
    new_params: list[Array] = []
    new_state: dict[str, list[Array]] = {k: [] for k in names}
    for i, (p, g) in enumerate(zip(params, grads)):
        new_p, kept = rule(p, g, tuple(state.arrays[k][i] for k in names), hyper, lr, t)
        new_params.append(new_p)
        for k, a in zip(names, kept):
            new_state[k].append(a)
    return new_params, OptimizerState(new_state, t)
