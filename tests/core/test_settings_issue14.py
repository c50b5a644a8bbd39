"""Optimiser, schedule, L1/L2 and feature settings: checked, used, saved and reopened."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core import take_snapshot
from backprop_lab.core.project_file import parse_project, serialise_project
from backprop_lab.core.session import Session
from backprop_lab.core.settings import SettingsError, TrainingSettings

NEW = dict(
    optimizer="adam",
    beta1=0.8,
    beta2=0.99,
    epsilon=1e-7,
    lr_schedule="step",
    lr_drop=0.5,
    lr_every=3,
    l1=0.001,
    l2=0.01,
    learning_rate=0.05,
)


def test_new_settings_are_checked_with_messages() -> None:
    with pytest.raises(SettingsError, match="unknown optimiser 'lbfgs'"):
        TrainingSettings(optimizer="lbfgs")
    with pytest.raises(SettingsError, match=r"beta2 must be a number from 0 to 0\.999"):
        TrainingSettings(beta2=1.0)
    with pytest.raises(SettingsError, match="l2 must be a number from 0 to 10"):
        TrainingSettings(l2=-1)
    with pytest.raises(SettingsError, match="drop must be above 0 and at most 1"):
        TrainingSettings(lr_drop=0.0)
    with pytest.raises(SettingsError, match="unknown learning-rate schedule"):
        TrainingSettings(lr_schedule="cosine")
    with pytest.raises(SettingsError, match="unknown feature 'x1_cube'"):
        TrainingSettings(features=("x1", "x1_cube"))
    with pytest.raises(SettingsError, match="each feature can be used once"):
        TrainingSettings(features=("x1", "x1"))
    s = TrainingSettings(features=["x1", "x2", "x1_sq"])
    assert s.features == ("x1", "x2", "x1_sq")
    with pytest.raises(SettingsError, match="reads column 3"):
        TrainingSettings(features=("x3",)).build_network(2, 1)


def test_old_momentum_settings_mean_the_momentum_optimizer() -> None:
    # Without an optimiser (calls and files from before optimisers existed),
    # momentum > 0 meant classical momentum, and still does.
    assert TrainingSettings(momentum=0.9).optimizer == "momentum"
    assert TrainingSettings(momentum=0.0).optimizer == "sgd"
    assert TrainingSettings.from_dict({"momentum": 0.5}).optimizer == "momentum"
    adam = TrainingSettings(optimizer="adam")
    assert TrainingSettings.from_dict({"momentum": 0.5}, base=adam).optimizer == "momentum"
    assert TrainingSettings.from_dict({"momentum": 0.0}, base=adam).optimizer == "sgd"
    assert TrainingSettings.from_dict({"learning_rate": 0.5}, base=adam).optimizer == "adam"
    assert TrainingSettings(optimizer="nesterov", momentum=0.9).optimizer == "nesterov"


def test_choosing_sgd_means_plain_sgd_whatever_the_momentum() -> None:
    # Choosing SGD while μ > 0 used to give momentum again; the choice is what trains.
    s = Session.seed_example()
    s.set_settings(s.settings.replace(optimizer="momentum", momentum=0.8, learning_rate=0.5))
    s.set_settings(s.settings.replace(optimizer="sgd"))
    assert s.settings.optimizer == "sgd"
    assert s.settings.momentum == 0.8  # kept for when momentum is chosen again
    assert s.settings.replace(momentum=0.3).optimizer == "sgd"
    assert s.settings.replace(optimizer="momentum").momentum == 0.8
    trainer = s.make_trainer()
    assert trainer.optimizer == "sgd" and trainer.momentum == 0.0 and trainer._plain
    plain = Session.seed_example()
    plain.set_settings(plain.settings.replace(learning_rate=0.5))
    reference = plain.make_trainer()
    assert [r.train_loss for r in trainer.step(5)] == [r.train_loss for r in reference.step(5)]
    for a, b in zip(trainer.net.weights, reference.net.weights):
        np.testing.assert_array_equal(a, b)
    # Saved and reopened, the choice stays SGD (the file has its optimizer key).
    again = Session.from_project(parse_project(serialise_project(s.to_project())))
    assert again.settings.optimizer == "sgd" and again.settings.momentum == 0.8


def test_an_old_file_with_momentum_and_no_optimizer_opens_as_momentum() -> None:
    s = Session.seed_example()
    s.set_settings(s.settings.replace(optimizer="momentum", momentum=0.7))
    text = serialise_project(s.to_project())
    assert '"optimizer": "momentum"' in text
    old = text.replace('"optimizer": "momentum",', "")
    assert '"optimizer"' not in old
    opened = Session.from_project(parse_project(old))
    assert opened.settings.optimizer == "momentum" and opened.settings.momentum == 0.7
    assert opened.make_trainer().optimizer == "momentum"


def test_trainer_follows_the_settings() -> None:
    s = Session.seed_example()
    s.set_settings(s.settings.replace(**NEW))
    trainer = s.make_trainer()
    assert trainer.optimizer == "adam"
    assert trainer.hyperparameters == {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7}
    assert trainer.schedule == "step" and trainer.schedule_params == {"drop": 0.5, "every": 3}
    assert (trainer.l1, trainer.l2) == (0.001, 0.01)


def test_features_are_architecture_and_reach_the_network() -> None:
    s = Session.seed_example()
    with pytest.raises(SettingsError, match="set_architecture"):
        s.set_settings(s.settings.replace(features=("x1", "x2", "x1_x2")))
    s.set_architecture(s.settings.replace(features=("x1", "x2", "x1_x2")))
    net = s.network()
    assert net.features == ("x1", "x2", "x1_x2") and net.layer_sizes[0] == 3
    assert net.n_inputs == 2
    snap = s.live_snapshot
    assert snap.n_inputs == 2 and snap.inputs.shape[1] == 3


def test_project_files_round_trip_every_new_setting_and_the_features() -> None:
    s = Session.seed_example()
    s.set_architecture(s.settings.replace(features=("x1", "x2", "x1_sq", "sin_x2"), **NEW))
    trainer = s.make_trainer()
    records = trainer.step(4)
    s.record_progress(
        [r.epoch for r in records],
        [r.train_loss for r in records],
        [np.nan] * len(records),
        take_snapshot(trainer),
    )
    text = serialise_project(s.to_project())
    again = Session.from_project(parse_project(text))
    assert again.settings == s.settings
    assert again.settings.optimizer == "adam" and again.settings.l2 == 0.01
    assert again.network().features == ("x1", "x2", "x1_sq", "sin_x2")
    np.testing.assert_array_equal(again.network().weights[0], s.network().weights[0])
    assert serialise_project(again.to_project()) == text


def test_a_file_without_the_new_settings_opens_with_plain_sgd() -> None:
    old = TrainingSettings().to_dict()
    for key in (
        "optimizer",
        "beta1",
        "beta2",
        "rho",
        "epsilon",
        "lr_schedule",
        "lr_drop",
        "lr_every",
        "lr_decay",
        "l1",
        "l2",
        "features",
    ):
        old.pop(key)
    s = TrainingSettings.from_dict(old)
    assert s == TrainingSettings()


def test_an_example_states_its_optimiser_schedule_and_penalty() -> None:
    # Opening an example (the controller merges its settings into the current
    # ones) trains as Preset.trainer() does, whatever was chosen before.
    from backprop_lab.core.presets import PRESETS

    before = TrainingSettings(optimizer="adam", lr_schedule="step", l1=0.01, l2=0.1).to_dict()
    for preset in PRESETS.values():
        opened = TrainingSettings.from_dict({**before, **preset.settings()})
        trainer = preset.trainer()
        assert opened.optimizer == trainer.optimizer, preset.name
        assert opened.lr_schedule == trainer.schedule == "constant"
        assert (opened.l1, opened.l2) == (trainer.l1, trainer.l2) == (0.0, 0.0)
    assert PRESETS["spirals"].settings()["optimizer"] == "momentum"
