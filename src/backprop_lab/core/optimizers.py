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


def check_hyperparameter(name: str, value: float) -> float:
    """A validated hyperparameter value (momentum/rho/beta in [0, 1), epsilon > 0)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise OptimizerError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value):
        raise OptimizerError(f"{name} must be a finite number, got {value}")
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
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise OptimizerError(f"{key} must be a number, got {value!r}") from None
        if not math.isfinite(value):
            raise OptimizerError(f"{key} must be a finite number, got {value}")
        out[key] = value
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
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise OptimizerError(f"{name} must be a number, got {value!r}") from None
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


def apply_update(
    name: str,
    hyper: Mapping[str, float],
    params: Sequence[Array],
    grads: Sequence[Array],
    lr: float,
    state: OptimizerState,
) -> tuple[list[Array], OptimizerState]:
    """One update: new parameter arrays and the new state (nothing changed in place)."""
    if name == "sgd":
        return [p - lr * g for p, g in zip(params, grads)], OptimizerState({}, state.steps + 1)
    if not state.arrays or any(len(v) != len(params) for v in state.arrays.values()):
        state = initial_state(name, params)
    if name == "momentum":
        mu = hyper["momentum"]
        vel = [mu * v - lr * g for v, g in zip(state.arrays["velocity"], grads)]
        new = [p + v for p, v in zip(params, vel)]
        return new, OptimizerState({"velocity": vel}, state.steps + 1)
    if name == "nesterov":
        mu = hyper["momentum"]
        vel = [mu * v - lr * g for v, g in zip(state.arrays["velocity"], grads)]
        new = [p + mu * v - lr * g for p, v, g in zip(params, vel, grads)]
        return new, OptimizerState({"velocity": vel}, state.steps + 1)
    if name == "rmsprop":
        rho, eps = hyper["rho"], hyper["epsilon"]
        s = [rho * s0 + (1.0 - rho) * (g * g) for s0, g in zip(state.arrays["s"], grads)]
        new = [p - lr * g / (np.sqrt(si) + eps) for p, g, si in zip(params, grads, s)]
        return new, OptimizerState({"s": s}, state.steps + 1)
    if name == "adam":
        b1, b2, eps = hyper["beta1"], hyper["beta2"], hyper["epsilon"]
        t = state.steps + 1
        m = [b1 * m0 + (1.0 - b1) * g for m0, g in zip(state.arrays["m"], grads)]
        v = [b2 * v0 + (1.0 - b2) * (g * g) for v0, g in zip(state.arrays["v"], grads)]
        c1 = 1.0 - b1**t
        c2 = 1.0 - b2**t
        new = [p - lr * (mi / c1) / (np.sqrt(vi / c2) + eps) for p, mi, vi in zip(params, m, v)]
        return new, OptimizerState({"m": m, "v": v}, t)
    raise OptimizerError(f"unknown optimiser {name!r}")
