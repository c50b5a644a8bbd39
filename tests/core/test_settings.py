"""TrainingSettings: one frozen dataclass that checks every setting once (no Qt)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backprop_lab.core import limits
from backprop_lab.core.presets import PRESETS
from backprop_lab.core.settings import (
    DEFAULT_SETTINGS,
    SettingsError,
    TrainingSettings,
    check_loss_fits_output,
)


def test_defaults_are_the_seed_example() -> None:
    s = TrainingSettings()
    assert s.to_dict() == {
        "hidden_layer_sizes": [3, 3],
        "activations": ["sigmoid", "sigmoid", "sigmoid"],
        "bias": False,
        "init": "constant",
        "init_value": 0.1,
        "init_seed": 0,
        "learning_rate": 1.0,
        "loss": "half_sse",
        "batch_size": None,
        "momentum": 0.0,
        "epochs_per_second": None,
        "max_epochs": None,
        "target_loss": None,
        # issue 14: plain gradient descent, no schedule, no penalty, raw inputs
        "optimizer": "sgd",
        "beta1": 0.9,
        "beta2": 0.999,
        "rho": 0.9,
        "epsilon": 1e-8,
        "lr_schedule": "constant",
        "lr_drop": 0.5,
        "lr_every": 100,
        "lr_decay": 0.01,
        "l1": 0.0,
        "l2": 0.0,
        "features": None,
    }
    assert s == DEFAULT_SETTINGS


def test_frozen_and_hashable() -> None:
    s = TrainingSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.learning_rate = 2.0  # type: ignore[misc]
    assert hash(s) == hash(TrainingSettings())


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"learning_rate": 0}, "learning rate"),
        ({"learning_rate": float("nan")}, "finite"),
        ({"learning_rate": "fast"}, "must be a number"),
        ({"learning_rate": True}, "must be a number"),
        ({"learning_rate": 1e308}, "1000"),
        ({"momentum": 1.0}, "momentum"),
        ({"momentum": -0.1}, "momentum"),
        ({"batch_size": 0}, "batch size"),
        ({"batch_size": 2.5}, "whole number"),
        ({"batch_size": 1e10}, f"{limits.MAX_BATCH_SIZE:,}"),
        ({"init_seed": [1]}, "seed"),
        ({"init_seed": 5e9}, "2,147,483,646"),
        ({"init_seed": -1}, "seed"),
        ({"init": "zeros"}, "initialisation"),
        ({"init_value": float("inf")}, "initial weight"),
        ({"epochs_per_second": 1e-300}, "speed"),
        ({"epochs_per_second": 0}, "speed"),
        ({"max_epochs": 0}, "maximum number of epochs"),
        ({"max_epochs": 3e9}, "1,000,000,000"),
        ({"max_epochs": 2**63}, "1,000,000,000"),
        ({"target_loss": -1}, "target loss"),
        ({"loss": "hinge"}, "unknown loss"),
        ({"hidden_layer_sizes": (5000,), "activations": ("relu", "linear")}, "256"),
        ({"hidden_layer_sizes": (2,) * 9, "activations": ("relu",) * 10}, "at most 8"),
        ({"hidden_layer_sizes": "3,3"}, "list"),
        ({"activations": ("sigmoid", "sigmoid")}, "need 3 activations"),
        ({"activations": ("softmax", "sigmoid", "sigmoid")}, "hidden layer 1"),
        ({"activations": ("sigmoid", "sigmoid", "swish")}, "output layer"),
        ({"bias": "yes"}, "bias"),
    ],
)
def test_every_bad_value_raises_one_error_naming_the_setting(changes, words) -> None:
    with pytest.raises(SettingsError, match=words):
        TrainingSettings(**changes)


def test_the_cross_entropy_rule_is_checked() -> None:
    with pytest.raises(SettingsError, match="cross-entropy needs a sigmoid or softmax"):
        TrainingSettings(loss="cross_entropy", activations=("sigmoid", "sigmoid", "linear"))
    assert TrainingSettings(loss="cross_entropy").loss == "cross_entropy"
    check_loss_fits_output("cross_entropy", "softmax")
    check_loss_fits_output("mse", "linear")
    with pytest.raises(SettingsError):
        check_loss_fits_output("cross_entropy", "tanh")


def test_values_are_normalised() -> None:
    s = TrainingSettings(
        hidden_layer_sizes=[np.int64(4), 5.0],
        activations="tanh",
        learning_rate=np.float32(0.5),
        batch_size=4.0,
        bias=np.bool_(True),
    )
    assert s.hidden_layer_sizes == (4, 5) and all(type(n) is int for n in s.hidden_layer_sizes)
    assert s.activations == ("tanh", "tanh", "tanh")
    assert type(s.learning_rate) is float and s.learning_rate == 0.5
    assert s.batch_size == 4 and type(s.batch_size) is int
    assert s.bias is True


def test_replace_checks_and_keeps_the_rest() -> None:
    s = TrainingSettings()
    t = s.replace(learning_rate=0.25, momentum=0.5)
    assert (t.learning_rate, t.momentum, t.loss) == (0.25, 0.5, s.loss)
    assert s.learning_rate == 1.0
    with pytest.raises(SettingsError):
        s.replace(learning_rate=-1)
    with pytest.raises(SettingsError, match="unknown setting"):
        s.replace(colour="red")


def test_replace_hidden_layers_keeps_the_activations_kinds() -> None:
    s = TrainingSettings(activations=("tanh", "tanh", "linear"))
    t = s.replace(hidden_layer_sizes=(4, 4, 4))
    assert t.activations == ("tanh", "tanh", "tanh", "linear")
    assert s.replace(hidden_layer_sizes=()).activations == ("linear",)


def test_dict_round_trip_through_json() -> None:
    s = TrainingSettings(
        hidden_layer_sizes=(8,),
        activations=("relu", "sigmoid"),
        bias=True,
        init="he",
        init_seed=7,
        learning_rate=0.05,
        loss="cross_entropy",
        batch_size=16,
        momentum=0.9,
        epochs_per_second=30.0,
        max_epochs=500,
        target_loss=0.01,
    )
    assert TrainingSettings.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def test_from_dict_fills_missing_keys_and_ignores_others() -> None:
    s = TrainingSettings.from_dict({"learning_rate": 0.3, "mistakes": {}, "from_the_future": 1})
    assert s == TrainingSettings(learning_rate=0.3)
    base = TrainingSettings(loss="mse")
    assert TrainingSettings.from_dict({}, base=base) == base
    with pytest.raises(SettingsError):
        TrainingSettings.from_dict(["learning_rate"])  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="seed"):
        TrainingSettings.from_dict({"init_seed": [1, 2]})


def test_every_preset_is_valid_settings() -> None:
    for preset in PRESETS.values():
        TrainingSettings.from_dict(preset.settings())


def test_build_network_and_trainer_options() -> None:
    s = TrainingSettings()
    net = s.build_network(2, 1)
    assert net.layer_sizes == [2, 3, 3, 1] or tuple(net.layer_sizes) == (2, 3, 3, 1)
    assert all(np.all(w == 0.1) for w in net.weights)
    assert s.trainer_options() == {
        "learning_rate": 1.0,
        "loss": "half_sse",
        "batch_size": None,
        "momentum": 0.0,
        "seed": 0,
        "optimizer": "sgd",
        "beta1": 0.9,
        "beta2": 0.999,
        "rho": 0.9,
        "epsilon": 1e-8,
        "schedule": "constant",
        "schedule_params": {},
        "l1": 0.0,
        "l2": 0.0,
    }
    assert s.with_network(s.replace(hidden_layer_sizes=(5,)).build_network(2, 1)) == (
        s.replace(hidden_layer_sizes=(5,))
    )


@given(
    lr=st.floats(limits.MIN_LEARNING_RATE, limits.MAX_LEARNING_RATE),
    momentum=st.floats(0.0, limits.MAX_MOMENTUM),
    batch=st.none() | st.integers(1, limits.MAX_BATCH_SIZE),
    seed=st.none() | st.integers(0, limits.MAX_SEED),
    max_epochs=st.none() | st.integers(1, limits.MAX_EPOCH),
)
def test_everything_inside_the_limits_is_accepted(lr, momentum, batch, seed, max_epochs) -> None:
    s = TrainingSettings(
        learning_rate=lr, momentum=momentum, batch_size=batch, init_seed=seed, max_epochs=max_epochs
    )
    assert TrainingSettings.from_dict(s.to_dict()) == s


@given(value=st.one_of(st.text(), st.lists(st.integers()), st.dictionaries(st.text(), st.none())))
def test_values_of_the_wrong_type_raise_settings_error_only(value) -> None:
    for name in ("learning_rate", "momentum", "batch_size", "init_seed", "max_epochs", "loss"):
        try:
            TrainingSettings(**{name: value})
        except SettingsError:
            pass
