"""The Session's ways around computing a snapshot again: a copy to put back, a network
prepared elsewhere (off the GUI thread), Reset of a network not trained yet, a history
taken over with its pyramids."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core import snapshot as snapshot_module
from backprop_lab.core.data import Dataset
from backprop_lab.core.datasets import seed_dataset
from backprop_lab.core.loss_history import LossHistory
from backprop_lab.core.network import Mistakes
from backprop_lab.core.project_file import serialise_project
from backprop_lab.core.session import Session
from backprop_lab.core.settings import TrainingSettings


def xor_data(n: int, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 2))
    t = (x[:, :1] * x[:, 1:] > 0).astype(float)
    return Dataset(x, t, ("x1", "x2"), ("t",), "classification")


def trained(session: Session, epochs: int) -> Session:
    trainer = session.make_trainer()
    records = trainer.step(epochs)
    session.record_progress(
        [r.epoch for r in records],
        [r.train_loss for r in records],
        [np.nan if r.test_loss is None else r.test_loss for r in records],
        snapshot_module.take_snapshot(trainer),
    )
    return session


@pytest.fixture
def count_snapshots(monkeypatch):
    """How many snapshots the session computes (forward and backward passes)."""
    calls = []
    real = snapshot_module.take_snapshot

    def counting(trainer):
        calls.append(trainer)
        return real(trainer)

    import backprop_lab.core.session as session_module

    monkeypatch.setattr(session_module, "take_snapshot", counting)
    return calls


def test_copy_holds_exactly_the_session_and_computes_nothing(count_snapshots) -> None:
    s = trained(Session(xor_data(40, 1), xor_data(10, 2)), 7)
    s.show_epoch(3)
    before = serialise_project(s.to_project())
    count_snapshots.clear()
    copy = s.copy()
    assert count_snapshots == []
    assert serialise_project(copy.to_project()) == before
    assert copy.is_live and copy.epoch == 7 and not len(copy.events.network)
    # Independent: training the original changes nothing in the copy.
    trained(s, 2)
    assert serialise_project(copy.to_project()) == before
    assert copy.history.arrays()[0].tolist() == list(range(1, 8))


def test_replace_with_the_copy_puts_the_session_back_byte_for_byte() -> None:
    s = trained(Session(xor_data(30, 3), None), 5)
    before = serialise_project(s.to_project())
    previous = s.copy()
    s.replace_with(Session.seed_example())
    s.replace_with(previous)
    assert serialise_project(s.to_project()) == before


def test_a_prepared_network_is_what_set_architecture_computes(count_snapshots) -> None:
    settings = TrainingSettings().replace(hidden_layer_sizes=(4, 3), activations="tanh")
    direct = Session(xor_data(30, 4), xor_data(10, 5))
    direct.set_architecture(settings)
    s = Session(xor_data(30, 4), xor_data(10, 5))
    s._train, s._test = direct.train, direct.test  # the same data objects
    prepared = s.prepare_network(settings)
    assert s.live_snapshot.layer_sizes == (2, 3, 3, 1)  # preparing changes nothing
    count_snapshots.clear()
    s.set_architecture(settings, prepared)
    assert count_snapshots == []  # the prepared snapshot is used
    assert s.live_snapshot is prepared.snapshot
    for a, b in zip(s.live_snapshot.weight_gradients, direct.live_snapshot.weight_gradients):
        np.testing.assert_array_equal(a, b)
    assert s.live_snapshot.test_loss == direct.live_snapshot.test_loss


def test_a_prepared_network_of_other_data_or_settings_is_computed_again(count_snapshots) -> None:
    settings = TrainingSettings().replace(hidden_layer_sizes=(4,), activations="tanh")
    s = Session(xor_data(30, 6), None)
    prepared = s.prepare_network(settings)
    s.set_data(xor_data(30, 7), None)  # new data while it was being prepared
    count_snapshots.clear()
    s.set_architecture(settings, prepared)
    assert len(count_snapshots) == 1 and s.live_snapshot is not prepared.snapshot
    assert s.live_snapshot.inputs.tolist() == s.train.inputs.tolist()
    other = s.prepare_network(settings.replace(init_seed=5))
    count_snapshots.clear()
    s.set_architecture(settings, other)  # prepared for other settings
    assert len(count_snapshots) == 1
    np.testing.assert_array_equal(
        s.initial_network().weights[0], settings.build_network(2, 1).weights[0]
    )


def test_reset_of_a_network_not_trained_since_reuses_its_first_snapshot(count_snapshots) -> None:
    s = Session(xor_data(30, 8), None)
    s.set_architecture(s.settings.replace(hidden_layer_sizes=(5,)))
    first = s.live_snapshot
    trained(s, 3)
    s.set_settings(s.settings.replace(learning_rate=0.3))  # plays no part at epoch 0
    count_snapshots.clear()
    s.reset()
    assert count_snapshots == [] and s.live_snapshot is first and s.epoch == 0
    s.set_mistakes(Mistakes(derivative_of_pre_activation=True))
    trained(s, 1)
    count_snapshots.clear()
    s.reset()  # other mistakes: other gradients
    assert len(count_snapshots) == 1 and s.live_snapshot is not first


def test_reset_after_opening_a_trained_project_computes_the_snapshot(count_snapshots) -> None:
    s = Session.from_project(trained(Session(seed_dataset()), 4).to_project())
    count_snapshots.clear()
    s.reset()
    assert len(count_snapshots) == 1 and s.epoch == 0


def test_history_replace_from_is_replace_without_the_checks() -> None:
    rng = np.random.default_rng(0)
    epochs = np.arange(1, 5001)
    train, test = rng.uniform(size=5000), rng.uniform(size=5000)
    test[:100] = np.nan
    source = LossHistory()
    source.replace(epochs, train, test)
    checked, taken = LossHistory(), LossHistory()
    checked.replace(epochs, train, test)
    taken.append([1, 2], [0.5, 0.4])
    taken.replace_from(source)
    for a, b in zip(taken.views(), checked.views()):
        np.testing.assert_array_equal(a, b)
    assert taken.has_test == checked.has_test
    for pyramid_a, pyramid_b in (
        (taken.train_pyramid, checked.train_pyramid),
        (taken.test_pyramid, checked.test_pyramid),
    ):
        assert len(pyramid_a.levels) == len(pyramid_b.levels)
        for (low_a, high_a), (low_b, high_b) in zip(pyramid_a.levels, pyramid_b.levels):
            np.testing.assert_array_equal(low_a.data, low_b.data)
            np.testing.assert_array_equal(high_a.data, high_b.data)
    # Its own buffers: appending to one leaves the other as it was.
    taken.append([5001], [0.1], [0.2])
    assert len(source) == 5000 and len(taken) == 5001
    assert taken.train_pyramid.levels[0][0].data is not source.train_pyramid.levels[0][0].data


def test_a_prepared_reset_is_what_reset_computes(count_snapshots) -> None:
    s = Session.from_project(trained(Session(xor_data(30, 11), xor_data(9, 12)), 4).to_project())
    direct = Session.from_project(s.to_project())
    direct.reset()
    prepared = s.prepare_reset()
    assert s.epoch == 4  # preparing changes nothing
    count_snapshots.clear()
    s.reset(prepared)
    assert count_snapshots == [] and s.live_snapshot is prepared.snapshot and s.epoch == 0
    for a, b in zip(s.live_snapshot.weight_gradients, direct.live_snapshot.weight_gradients):
        np.testing.assert_array_equal(a, b)
    assert s.live_snapshot.test_loss == direct.live_snapshot.test_loss


def test_a_prepared_reset_of_another_initial_network_is_not_used(count_snapshots) -> None:
    s = trained(Session(xor_data(30, 13), None), 2)
    prepared = s.prepare_reset()
    s.reinitialise(99)  # new initial weights meanwhile
    first = s.live_snapshot
    trained(s, 1)
    count_snapshots.clear()
    s.reset(prepared)
    assert s.live_snapshot is first  # the new initial network's, kept
    assert count_snapshots == [] and s.live_snapshot is not prepared.snapshot
    for w, w0 in zip(s.live_snapshot.weights, s.initial_network().weights):
        np.testing.assert_array_equal(w, w0)
