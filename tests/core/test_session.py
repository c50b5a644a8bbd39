"""The Session: one Qt-free owner of everything a project holds, and its events."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core import Trainer, take_snapshot
from backprop_lab.core.datasets import seed_dataset
from backprop_lab.core.network import Mistakes
from backprop_lab.core.presets import get_preset
from backprop_lab.core.project_file import parse_project, serialise_project
from backprop_lab.core.session import Event, Session
from backprop_lab.core.settings import SettingsError, TrainingSettings
from backprop_lab.core.snapshot import ParameterRef


class Recorder:
    """Every event of a session, in order, as (name, argument)."""

    def __init__(self, session: Session) -> None:
        self.seen: list[tuple[str, object]] = []
        for name in session.events.NAMES:
            getattr(session.events, name).connect(
                lambda *args, n=name: self.seen.append((n, args[0] if args else None))
            )

    def names(self) -> list[str]:
        return [n for n, _ in self.seen]


def train_in_core(session: Session, epochs: int) -> None:
    """Train as the worker does and report it to the session."""
    trainer = session.make_trainer()
    records = trainer.step(epochs)
    session.record_progress(
        [r.epoch for r in records],
        [r.train_loss for r in records],
        [np.nan if r.test_loss is None else r.test_loss for r in records],
        take_snapshot(trainer),
    )


def test_seed_example_is_the_seed() -> None:
    s = Session.seed_example()
    assert s.epoch == 0 and s.is_live and not s.modified
    assert s.settings == TrainingSettings()
    assert s.shown_snapshot is s.live_snapshot
    assert all(np.all(w == 0.1) for w in s.live_snapshot.weights)
    assert s.train.n_samples == 3 if hasattr(s.train, "n_samples") else len(s.train.inputs) == 3
    assert len(s.history) == 0


def test_one_step_gives_the_seed_w3() -> None:
    s = Session.seed_example()
    train_in_core(s, 1)
    assert s.epoch == 1
    np.testing.assert_allclose(s.live_snapshot.weights[2], 0.23868457, atol=5e-9)
    assert s.history.arrays()[0].tolist() == [1]


def test_event_runs_every_listener_and_raises_the_first_error() -> None:
    event = Event("x")
    heard = []

    def bad(_value):
        raise RuntimeError("listener failed")

    event.connect(bad)
    event.connect(heard.append)
    with pytest.raises(RuntimeError):
        event.emit(1)
    assert heard == [1]
    event.disconnect(bad)
    event.disconnect(bad)  # twice is fine
    event.emit(2)
    assert heard == [1, 2] and len(event) == 1


def test_settings_change_is_announced_and_marks_modified() -> None:
    s = Session.seed_example()
    rec = Recorder(s)
    s.set_settings(s.settings.replace(learning_rate=0.5))
    assert s.settings.learning_rate == 0.5
    assert rec.names() == ["settings", "modified", "changed"]
    assert s.modified
    s.mark_saved()
    assert not s.modified and rec.seen[-1] == ("modified", False)


def test_bad_settings_leave_the_session_as_it_was() -> None:
    s = Session.seed_example()
    rec = Recorder(s)
    with pytest.raises(SettingsError):
        s.set_settings(s.settings.replace(loss="cross_entropy").replace(hidden_layer_sizes=(3,)))
    with pytest.raises(SettingsError, match="set_architecture"):
        s.set_settings(s.settings.replace(bias=True))
    with pytest.raises(SettingsError):
        s.set_architecture(
            s.settings.replace(activations=("sigmoid", "sigmoid", "linear")).replace(
                loss="cross_entropy"
            )
        )
    assert rec.seen == [] and s.settings == TrainingSettings() and not s.modified


def test_new_architecture_restarts_everything() -> None:
    s = Session.seed_example()
    train_in_core(s, 3)
    s.show_epoch(1)
    rec = Recorder(s)
    s.set_architecture(s.settings.replace(hidden_layer_sizes=(4,), bias=True, init="xavier"))
    assert s.live_snapshot.layer_sizes == (2, 4, 1)
    assert s.epoch == 0 and s.is_live and len(s.history) == 0
    assert s.rewind.epochs() == [0]
    assert "network" in rec.names() and ("history", "replace") in rec.seen
    # The network event carries what every view now draws.
    assert dict(rec.seen)["network"] is s.shown_snapshot


def test_reset_and_reinitialise() -> None:
    s = Session.seed_example()
    train_in_core(s, 2)
    s.reset()
    assert s.epoch == 0 and all(np.all(w == 0.1) for w in s.live_snapshot.weights)
    s.set_architecture(s.settings.replace(init="xavier"))
    first = [w.copy() for w in s.live_snapshot.weights]
    s.reinitialise(5)
    assert s.settings.init_seed == 5
    assert not all(np.array_equal(a, b) for a, b in zip(first, s.live_snapshot.weights))
    s.reinitialise(0)
    assert all(np.array_equal(a, b) for a, b in zip(first, s.live_snapshot.weights))


def test_data_of_the_same_width_keeps_the_weights() -> None:
    s = Session.seed_example()
    train_in_core(s, 2)
    weights = [w.copy() for w in s.live_snapshot.weights]
    data = seed_dataset()
    more = type(data)(
        np.vstack([data.inputs, [[0.5, 0.5]]]),
        np.vstack([data.targets, [[0.5]]]),
        data.input_names,
        data.target_names,
        data.name,
        data.task,
    )
    rec = Recorder(s)
    assert s.set_data(more) is False
    assert s.epoch == 2
    assert all(np.array_equal(a, b) for a, b in zip(weights, s.live_snapshot.weights))
    assert s.live_snapshot.inputs.shape[0] == 4
    assert rec.names()[:3] == ["data", "weights", "shown"]


def test_data_of_another_width_rebuilds_the_network() -> None:
    s = Session.seed_example()
    train_in_core(s, 2)
    data = seed_dataset()
    narrow = type(data)(
        np.linspace(0, 1, 5).reshape(-1, 1), np.ones((5, 1)), ("x",), ("t",), "narrow", "regression"
    )
    rec = Recorder(s)
    assert s.set_data(narrow) is True
    assert s.live_snapshot.layer_sizes == (1, 3, 3, 1) and s.epoch == 0 and len(s.history) == 0
    assert rec.names().index("data") < rec.names().index("network")


def test_bad_data_changes_nothing() -> None:
    s = Session.seed_example()
    data = seed_dataset()
    wide = type(data)(
        np.ones((2, 3)), np.ones((2, 1)), ("a", "b", "c"), data.target_names, "wide", "regression"
    )
    with pytest.raises(ValueError, match="same columns"):
        s.set_data(data, wide)
    assert s.train is not data and s.test is None and not s.modified


def test_mistakes_change_the_gradients_not_the_weights() -> None:
    s = Session.seed_example()
    before = s.live_snapshot
    s.set_mistakes(Mistakes(derivative_of_pre_activation=True, pre_activation_in_update=False))
    after = s.live_snapshot
    assert all(np.array_equal(a, b) for a, b in zip(before.weights, after.weights))
    assert not all(
        np.allclose(a, b) for a, b in zip(before.weight_gradients, after.weight_gradients)
    )
    assert s.modified


def test_weight_edits() -> None:
    s = Session.seed_example()
    rec = Recorder(s)
    s.set_parameter(ParameterRef(2, 0, 0), 0.5)
    assert s.live_snapshot.weights[2][0, 0] == 0.5
    assert rec.names()[:2] == ["weights", "shown"]
    with pytest.raises(ValueError, match="no biases"):
        s.set_parameter(ParameterRef(0, None, 0), 1.0)
    with pytest.raises(ValueError, match="finite"):
        s.set_parameter(ParameterRef(0, 0, 0), float("inf"))
    with pytest.raises(ValueError, match="do not fit"):
        s.set_weights([np.zeros((2, 2))])


def test_rewind_is_one_shown_state() -> None:
    s = Session.seed_example()
    for _ in range(5):
        train_in_core(s, 1)
    rec = Recorder(s)
    shown = s.show_epoch(2)
    assert shown.epoch == 2 and s.shown_epoch == 2 and not s.is_live
    assert rec.seen == [("shown", shown)]
    # Training goes on while rewound: recorded, but the views keep the rewound epoch.
    train_in_core(s, 1)
    assert s.epoch == 6 and s.shown_epoch == 2
    assert "shown" not in rec.names()[1:]
    s.show_live()
    assert s.is_live and s.shown_snapshot is s.live_snapshot
    assert rec.seen[-1] == ("shown", s.live_snapshot)
    assert s.show_epoch(10**6) is s.live_snapshot and s.is_live


def test_rewind_does_not_mark_modified() -> None:
    s = Session.seed_example()
    train_in_core(s, 3)
    s.mark_saved()
    s.show_epoch(1)
    s.show_live()
    assert not s.modified


def test_divergence_forgets_later_losses() -> None:
    s = Session.seed_example()
    train_in_core(s, 4)
    rec = Recorder(s)
    s.forget_after(2)
    assert s.history.arrays()[0].tolist() == [1, 2]
    assert rec.seen == [("history", "truncate")]


def test_project_round_trip_is_byte_for_byte() -> None:
    preset = get_preset(next(iter(__import__("backprop_lab.core.presets").core.presets.PRESETS)))
    train, test = preset.datasets(0)
    net = preset.network(train.n_inputs, train.n_outputs)
    s = Session(train, test, TrainingSettings.from_dict(preset.settings()), initial_network=net)
    train_in_core(s, 7)
    s.set_mistakes(Mistakes(derivative_of_pre_activation=True, pre_activation_in_update=False))
    first = serialise_project(s.to_project())
    again = Session.from_project(parse_project(first))
    assert serialise_project(again.to_project()) == first
    assert again.epoch == 7 and again.mistakes == s.mistakes and again.settings == s.settings
    np.testing.assert_array_equal(again.history.arrays()[1], s.history.arrays()[1])


def test_to_project_is_an_independent_copy() -> None:
    s = Session.seed_example()
    train_in_core(s, 2)
    project = s.to_project()
    w = project.network.weights[0].copy()
    train_in_core(s, 2)
    np.testing.assert_array_equal(project.network.weights[0], w)
    assert project.epoch == 2 and len(project.loss_history["epoch"]) == 2


def test_from_project_refuses_bad_parts_whole() -> None:
    s = Session.seed_example()
    project = s.to_project()
    project.settings["init_seed"] = [1, 2]
    with pytest.raises(ValueError, match="seed"):
        Session.from_project(project)
    project.settings["init_seed"] = 0
    project.settings["mistakes"] = {"typo": True}
    with pytest.raises(ValueError, match="mistakes"):
        Session.from_project(project)


def test_replace_with_takes_everything_and_says_so() -> None:
    s = Session.seed_example()
    train_in_core(s, 3)
    s.show_epoch(1)
    other = Session.seed_example()
    other.set_settings(other.settings.replace(learning_rate=0.25))
    rec = Recorder(s)
    s.replace_with(other)
    assert s.settings.learning_rate == 0.25 and s.epoch == 0 and s.is_live
    assert len(s.history) == 0
    names = rec.names()
    assert {"settings", "data", "history", "network"} <= set(names)


def test_make_trainer_matches_the_core() -> None:
    s = Session.seed_example()
    trainer = s.make_trainer()
    assert isinstance(trainer, Trainer)
    assert trainer.learning_rate == 1.0 and trainer.loss == "half_sse"
