"""Typed training settings: one frozen dataclass that checks every setting once.

:class:`TrainingSettings` holds the architecture (hidden layers, activations,
bias, initialisation and its seed) and the training settings (learning rate,
loss, batch size, momentum, speed cap, stop conditions). Making one validates
it; a bad value raises :class:`SettingsError` (a ``ValueError``) with a message
a student understands, and nothing else in Backprop Lab repeats these checks:
the Trainer's setters, the training controller, the project file and the
settings panel all go through the checkers below.

Limits (the largest layer, the highest epoch, ...) come from :mod:`.limits`.

>>> s = TrainingSettings()
>>> s.learning_rate, s.loss, s.hidden_layer_sizes
(1.0, 'half_sse', (3, 3))
>>> s.replace(learning_rate=0.5).learning_rate
0.5
>>> TrainingSettings(momentum=1)
Traceback (most recent call last):
...
backprop_lab.core.settings.SettingsError: momentum must be a number from 0 to 0.999, got 1
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import limits
from .activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from .features import FeatureError, FeatureMap
from .losses import LOSSES
from .network import INIT_SCHEMES, Network
from .optimizers import OPTIMIZERS, SCHEDULES

#: The output activations cross-entropy can be computed for: it needs outputs
#: that are probabilities (a sigmoid per output, or a softmax over them).
CROSS_ENTROPY_OUTPUTS = ("sigmoid", "softmax")

#: Project-file keys next to the settings that are not training settings
#: (the mistakes lab's switches live in the Session, not here).
NOT_SETTINGS = frozenset({"mistakes"})


class SettingsError(ValueError):
    """A setting that cannot work; the message says which and why, for a student."""


# ------------------------------------------------------------------ checkers
def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any, what: str) -> float:
    """``value`` as a float; SettingsError for text, lists, booleans, NaN and infinity."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SettingsError(f"{what} must be a number, got {_show(value)}")
    try:
        number = float(value)
    except (OverflowError, ValueError):
        raise SettingsError(f"{what} must be a finite number, got {_show(value)}") from None
    if not math.isfinite(number):
        raise SettingsError(f"{what} must be a finite number, got {_show(value)}")
    return number


def _whole(value: Any, what: str, low: int, high: int) -> int:
    """``value`` as an int in ``low ... high``; SettingsError otherwise."""
    if isinstance(value, bool):
        raise SettingsError(f"{what} must be a whole number, got {_show(value)}")
    number = _number(value, what)
    if not number.is_integer():
        raise SettingsError(f"{what} must be a whole number, got {_show(value)}")
    if not low <= number <= high:
        raise SettingsError(f"{what} must be from {low:,} to {high:,}, got {_show(value)}")
    return int(number)


def _between(value: Any, what: str, low: float, high: float) -> float:
    number = _number(value, what)
    if not low <= number <= high:
        raise SettingsError(f"{what} must be a number from {low:g} to {high:g}, got {number:g}")
    return number


def check_learning_rate(value: Any) -> float:
    """The learning rate as a float in MIN_LEARNING_RATE ... MAX_LEARNING_RATE."""
    return _between(value, "the learning rate", limits.MIN_LEARNING_RATE, limits.MAX_LEARNING_RATE)


def check_momentum(value: Any) -> float:
    """Momentum as a float in 0 ... MAX_MOMENTUM (1 would never forget a step)."""
    return _between(value, "momentum", 0.0, limits.MAX_MOMENTUM)


def check_batch_size(value: Any) -> int | None:
    """None (full batch) or a whole number of samples in 1 ... MAX_BATCH_SIZE."""
    if value is None:
        return None
    return _whole(value, "the batch size", 1, limits.MAX_BATCH_SIZE)


def check_speed(value: Any) -> float | None:
    """None (as fast as possible) or epochs per second in the allowed range."""
    if value is None:
        return None
    return _between(
        value,
        "the speed (epochs per second)",
        limits.MIN_EPOCHS_PER_SECOND,
        limits.MAX_EPOCHS_PER_SECOND,
    )


def check_max_epochs(value: Any) -> int | None:
    """None (no limit) or the epoch to stop at, 1 ... MAX_EPOCH."""
    if value is None:
        return None
    return _whole(value, "the maximum number of epochs", 1, limits.MAX_EPOCH)


def check_target_loss(value: Any) -> float | None:
    """None (no target) or the loss to stop at, 0 ... MAX_TARGET_LOSS."""
    if value is None:
        return None
    return _between(value, "the target loss", 0.0, limits.MAX_TARGET_LOSS)


def check_seed(value: Any, what: str = "the initialisation seed") -> int | None:
    """None (a fresh random seed) or a whole number in 0 ... MAX_SEED."""
    if value is None:
        return None
    return _whole(value, what, 0, limits.MAX_SEED)


def check_epoch(value: Any) -> int:
    """An epoch number, 0 ... MAX_EPOCH."""
    return _whole(value, "the epoch", 0, limits.MAX_EPOCH)


def check_loss(name: Any) -> str:
    """A loss name (a key of :data:`~backprop_lab.core.losses.LOSSES`)."""
    if not isinstance(name, str) or name not in LOSSES:
        raise SettingsError(f"unknown loss {_show(name)}; choose one of {', '.join(LOSSES)}")
    return name


def check_loss_fits_output(loss: str, output_activation: str) -> None:
    """The one rule between loss and network: cross-entropy needs probabilities out."""
    if loss == "cross_entropy" and output_activation not in CROSS_ENTROPY_OUTPUTS:
        raise SettingsError(
            "cross-entropy needs a sigmoid or softmax output layer "
            f"(this network's output layer is {output_activation})"
        )


def check_hidden_layer_sizes(sizes: Any) -> tuple[int, ...]:
    """The hidden layers' sizes: at most MAX_HIDDEN_LAYERS, each 1 ... MAX_LAYER_SIZE."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise SettingsError(f"the hidden layer sizes must be a list of numbers, got {_show(sizes)}")
    if len(sizes) > limits.MAX_HIDDEN_LAYERS:
        raise SettingsError(f"at most {limits.MAX_HIDDEN_LAYERS} hidden layers, got {len(sizes)}")
    return tuple(
        _whole(s, f"hidden layer {i}'s size", 1, limits.MAX_LAYER_SIZE)
        for i, s in enumerate(sizes, start=1)
    )


def check_activations(activations: Any, n_hidden: int) -> tuple[str, ...]:
    """One activation per hidden layer and one for the output, each allowed where it is.

    A single name means that activation everywhere.
    """
    if isinstance(activations, str):
        activations = [activations] * (n_hidden + 1)
    if not isinstance(activations, Sequence):
        raise SettingsError(f"the activations must be a list of names, got {_show(activations)}")
    activations = tuple(activations)
    if len(activations) != n_hidden + 1:
        raise SettingsError(
            f"need {n_hidden + 1} activations (one per hidden layer and one for the output), "
            f"got {len(activations)}"
        )
    for i, name in enumerate(activations):
        output = i == n_hidden
        allowed = OUTPUT_ACTIVATIONS if output else HIDDEN_ACTIVATIONS
        if not isinstance(name, str) or name not in allowed:
            where = "the output layer" if output else f"hidden layer {i + 1}"
            raise SettingsError(
                f"{_show(name)} cannot be used on {where}; choose one of {', '.join(allowed)}"
            )
    return activations


def check_init(name: Any) -> str:
    """An initialisation scheme's name."""
    if not isinstance(name, str) or name not in INIT_SCHEMES:
        raise SettingsError(
            f"unknown initialisation {_show(name)}; choose one of {', '.join(INIT_SCHEMES)}"
        )
    return name


def check_init_value(value: Any) -> float:
    """The constant of "constant" initialisation (the range of "uniform")."""
    return _between(
        value, "the initial weight value", -limits.MAX_INIT_VALUE, limits.MAX_INIT_VALUE
    )


def check_bias(value: Any) -> bool:
    """Whether the network has biases: true or false."""
    # NumPy booleans are fine; numbers and text are not.
    if not isinstance(value, bool) and type(value).__name__ not in ("bool", "bool_"):
        raise SettingsError(f"bias must be on or off (true/false), got {_show(value)}")
    return bool(value)


def check_optimizer_name(name: Any) -> str:
    """An optimiser's name (sgd, momentum, nesterov, rmsprop, adam)."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise SettingsError(
            f"unknown optimiser {_show(name)}; choose one of {', '.join(OPTIMIZERS)}"
        )
    return name


def check_decay_rate(value: Any, what: str) -> float:
    """beta1, beta2 or rho: a number from 0 to MAX_MOMENTUM."""
    return _between(value, what, 0.0, limits.MAX_MOMENTUM)


def check_epsilon(value: Any) -> float:
    """Adam's/RMSprop's epsilon, MIN_EPSILON ... MAX_EPSILON."""
    return _between(value, "epsilon", limits.MIN_EPSILON, limits.MAX_EPSILON)


def check_penalty_coefficient(value: Any, what: str) -> float:
    """An L1 or L2 coefficient, 0 ... MAX_PENALTY."""
    return _between(value, what, 0.0, limits.MAX_PENALTY)


def check_schedule_name(name: Any) -> str:
    """A learning-rate schedule's name (constant, step, inverse_time)."""
    if not isinstance(name, str) or name not in SCHEDULES:
        raise SettingsError(
            f"unknown learning-rate schedule {_show(name)}; choose one of {', '.join(SCHEDULES)}"
        )
    return name


def check_lr_drop(value: Any) -> float:
    """The factor of step decay: above 0, at most 1."""
    number = _number(value, "the learning-rate drop")
    if not 0.0 < number <= 1.0:
        raise SettingsError(f"the learning-rate drop must be above 0 and at most 1, got {number:g}")
    return number


def check_features(value: Any) -> tuple[str, ...] | None:
    """None (the data's columns as they are) or a list of feature names (x1, x1_sq, ...)."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise SettingsError(f"the feature inputs must be a list of names, got {_show(value)}")
    if len(value) > limits.MAX_FEATURES:
        raise SettingsError(f"at most {limits.MAX_FEATURES} feature inputs, got {len(value)}")
    if not all(isinstance(v, str) for v in value):
        raise SettingsError(f"the feature inputs must be names such as x1_sq, got {_show(value)}")
    try:
        return FeatureMap(value).names
    except FeatureError as exc:
        raise SettingsError(str(exc)) from None


# ---------------------------------------------------------------- dataclass
@dataclass(frozen=True)
class TrainingSettings:
    """Every architecture and training setting, checked once when made.

    The defaults are the seed example's: 2-3-3-1 sigmoid, no bias, every weight
    0.1, learning rate 1, E = 1/2 Σ (t − P)², full batch, no momentum, as fast
    as possible, no stop condition.

    Attributes
    ----------
    hidden_layer_sizes
        Units in each hidden layer (the input and output layers follow the data).
    activations
        One name per hidden layer and one for the output layer (a single name
        is accepted and means that activation everywhere).
    bias
        Whether every layer has a bias.
    init, init_value, init_seed
        Initialisation scheme, its constant, and its seed (None: random).
    learning_rate, loss, batch_size, momentum
        How each step is taken (``batch_size`` None = full batch).
    epochs_per_second
        A speed cap, None for as fast as possible.
    max_epochs, target_loss
        Stop conditions (None: none).
    optimizer
        ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"rmsprop"`` or ``"adam"``;
        the choice is what trains: ``"sgd"`` is plain gradient descent whatever
        ``momentum`` holds (momentum and nesterov use it; the others keep it
        for when one of those is chosen again). Left out (None), it is
        ``"momentum"`` when ``momentum`` > 0 and ``"sgd"`` otherwise, as before
        optimisers existed; :meth:`from_dict` does the same for a file
        without an ``optimizer`` key.
    beta1, beta2, epsilon
        Adam's hyperparameters (epsilon is RMSprop's too).
    rho
        RMSprop's decay of the squared gradients.
    lr_schedule
        ``"constant"``, ``"step"`` (η0 · lr_drop^⌊k / lr_every⌋) or
        ``"inverse_time"`` (η0 / (1 + lr_decay · k)), k = epochs done.
    lr_drop, lr_every, lr_decay
        The schedules' parameters.
    l1, l2
        Regularisation of the weights (never the biases).
    features
        Feature inputs (``("x1", "x2", "x1_sq", ...)``, see
        :mod:`~backprop_lab.core.features`), or None for the data's columns.
        Part of the architecture: the input layer has one node per feature.
    """

    hidden_layer_sizes: tuple[int, ...] = (3, 3)
    activations: tuple[str, ...] = ("sigmoid", "sigmoid", "sigmoid")
    bias: bool = False
    init: str = "constant"
    init_value: float = 0.1
    init_seed: int | None = 0
    learning_rate: float = 1.0
    loss: str = "half_sse"
    batch_size: int | None = None
    momentum: float = 0.0
    epochs_per_second: float | None = None
    max_epochs: int | None = None
    target_loss: float | None = None
    optimizer: str | None = None
    beta1: float = 0.9
    beta2: float = 0.999
    rho: float = 0.9
    epsilon: float = 1e-8
    lr_schedule: str = "constant"
    lr_drop: float = 0.5
    lr_every: int = 100
    lr_decay: float = 0.01
    l1: float = 0.0
    l2: float = 0.0
    features: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        hidden = check_hidden_layer_sizes(self.hidden_layer_sizes)
        activations = check_activations(self.activations, len(hidden))
        loss = check_loss(self.loss)
        check_loss_fits_output(loss, activations[-1])
        checked = {
            "hidden_layer_sizes": hidden,
            "activations": activations,
            "bias": check_bias(self.bias),
            "init": check_init(self.init),
            "init_value": check_init_value(self.init_value),
            "init_seed": check_seed(self.init_seed),
            "learning_rate": check_learning_rate(self.learning_rate),
            "loss": loss,
            "batch_size": check_batch_size(self.batch_size),
            "momentum": check_momentum(self.momentum),
            "epochs_per_second": check_speed(self.epochs_per_second),
            "max_epochs": check_max_epochs(self.max_epochs),
            "target_loss": check_target_loss(self.target_loss),
            "optimizer": None if self.optimizer is None else check_optimizer_name(self.optimizer),
            "beta1": check_decay_rate(self.beta1, "beta1"),
            "beta2": check_decay_rate(self.beta2, "beta2"),
            "rho": check_decay_rate(self.rho, "rho"),
            "epsilon": check_epsilon(self.epsilon),
            "lr_schedule": check_schedule_name(self.lr_schedule),
            "lr_drop": check_lr_drop(self.lr_drop),
            "lr_every": _whole(
                self.lr_every, "the epochs between learning-rate drops", 1, limits.MAX_EPOCH
            ),
            "lr_decay": _between(
                self.lr_decay, "the learning-rate decay", 0.0, limits.MAX_LR_DECAY
            ),
            "l1": check_penalty_coefficient(self.l1, "l1"),
            "l2": check_penalty_coefficient(self.l2, "l2"),
            "features": check_features(self.features),
        }
        if checked["optimizer"] is None:  # as before optimisers existed
            checked["optimizer"] = "momentum" if checked["momentum"] > 0.0 else "sgd"
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------ changes
    def replace(self, **changes: Any) -> TrainingSettings:
        """A copy with ``changes`` (checked like a new one; SettingsError if bad).

        A change of ``hidden_layer_sizes`` without ``activations`` keeps the
        hidden activation and the output activation.
        """
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise SettingsError(f"unknown setting {', '.join(sorted(unknown))}")
        if "hidden_layer_sizes" in changes and "activations" not in changes:
            hidden = check_hidden_layer_sizes(changes["hidden_layer_sizes"])
            inner = self.activations[0] if len(self.activations) > 1 else "sigmoid"
            changes["activations"] = (*([inner] * len(hidden)), self.activations[-1])
        return dataclasses.replace(self, **changes)

    # ---------------------------------------------------------- conversion
    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON-able values (lists for the tuples)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["hidden_layer_sizes"] = list(self.hidden_layer_sizes)
        out["activations"] = list(self.activations)
        out["features"] = None if self.features is None else list(self.features)
        return out

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], base: TrainingSettings | None = None
    ) -> TrainingSettings:
        """Settings from a dict (a project file's): missing keys come from ``base``
        (the defaults when None); keys that are not settings are ignored, so a
        file written by a newer version with more settings still opens.

        A dict with a ``momentum`` but no ``optimizer`` (a file from before
        optimisers existed) gets the optimiser those files meant:
        ``"momentum"`` when momentum > 0, else ``"sgd"``.
        """
        if not isinstance(data, Mapping):
            raise SettingsError(f"the settings must be a table of names and values, got {data!r}")
        names = {f.name for f in dataclasses.fields(cls)}
        start = (base or cls()).to_dict()
        given = {k: v for k, v in data.items() if k in names}
        if "momentum" in given and "optimizer" not in given:
            given["optimizer"] = None  # resolved from the momentum when checked
        if "hidden_layer_sizes" in given and "activations" not in given:
            base_settings = base or cls()
            return base_settings.replace(**given)
        return cls(**{**start, **given})

    # ---------------------------------------------------------------- use
    def build_network(self, n_inputs: int, n_outputs: int) -> Network:
        """A freshly initialised network with these settings for the data's width.

        With feature inputs the input layer has one node per feature; a feature
        that reads a column the data does not have is a SettingsError.
        """
        n_in = int(n_inputs) if self.features is None else len(self.features)
        try:
            return Network(
                [n_in, *self.hidden_layer_sizes, int(n_outputs)],
                list(self.activations),
                init=self.init,
                bias=self.bias,
                seed=self.init_seed,
                init_value=self.init_value,
                features=self.features,
                n_inputs=None if self.features is None else int(n_inputs),
            )
        except FeatureError as exc:
            raise SettingsError(str(exc)) from None

    @property
    def schedule_params(self) -> dict[str, float]:
        """The learning-rate schedule's parameters, as the Trainer takes them."""
        if self.lr_schedule == "step":
            return {"drop": self.lr_drop, "every": self.lr_every}
        if self.lr_schedule == "inverse_time":
            return {"decay": self.lr_decay}
        return {}

    def trainer_options(self) -> dict[str, Any]:
        """The Trainer keyword arguments these settings give (not the network or data)."""
        return {
            "learning_rate": self.learning_rate,
            "loss": self.loss,
            "batch_size": self.batch_size,
            "momentum": self.momentum,
            "seed": 0 if self.init_seed is None else self.init_seed,
            "optimizer": self.optimizer,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "rho": self.rho,
            "epsilon": self.epsilon,
            "schedule": self.lr_schedule,
            "schedule_params": self.schedule_params,
            "l1": self.l1,
            "l2": self.l2,
        }

    def with_network(self, network: Network) -> TrainingSettings:
        """These settings with the architecture of ``network`` (a loaded project's)."""
        return self.replace(
            hidden_layer_sizes=tuple(network.layer_sizes[1:-1]),
            activations=tuple(network.activations),
            bias=bool(network.has_bias),
            features=network.features,
        )


DEFAULT_SETTINGS = TrainingSettings()
