"""SnapshotHistory: bounded memory, nearest earlier epoch, resets."""

import dataclasses
import itertools

import numpy as np
import pytest

from backprop_lab.core import Network, Trainer, seed_example, take_snapshot
from backprop_lab.core.datasets import make_dataset
from backprop_lab.core.history import DEFAULT_MAX_BYTES, SnapshotHistory, ordinal
from backprop_lab.core.network import Mistakes


def assert_same_snapshot(shown, original, last_update_known=True):
    """Every field equal (arrays exactly), so a recomputed epoch shows what was shown then."""
    for field in dataclasses.fields(original):
        mine, theirs = getattr(shown, field.name), getattr(original, field.name)
        if field.name in ("last_weight_updates", "last_bias_updates") and not last_update_known:
            assert mine is None
            continue
        if field.name == "source":
            continue
        if isinstance(theirs, tuple) and theirs and isinstance(theirs[0], np.ndarray):
            assert len(mine) == len(theirs), field.name
            for a, b in zip(mine, theirs, strict=True):
                np.testing.assert_array_equal(a, b, err_msg=field.name)
        elif isinstance(theirs, np.ndarray):
            np.testing.assert_array_equal(mine, theirs, err_msg=field.name)
        else:
            assert mine == theirs, field.name


@pytest.fixture(scope="module")
def snapshots():
    trainer = Trainer(**seed_example())
    out = [take_snapshot(trainer)]
    for _ in range(40):
        trainer.step(1)
        out.append(take_snapshot(trainer))
    return out


def test_keeps_everything_while_there_is_room(snapshots):
    history = SnapshotHistory(capacity=100)
    for s in snapshots[:10]:
        history.add(s)
    assert history.epochs() == list(range(10))
    assert_same_snapshot(history.at_or_before(4), snapshots[4])
    assert history.stride == 1
    assert "every epoch" in history.describe()


def test_memory_stays_bounded_and_stride_doubles(snapshots):
    history = SnapshotHistory(capacity=8)
    for s in snapshots:
        history.add(s)
        assert len(history) <= 9
    assert history.stride >= 4
    epochs = history.epochs()
    assert epochs[0] == 0 and epochs[-1] == 40
    assert all(b - a >= 1 for a, b in itertools.pairwise(epochs))
    assert history.latest is snapshots[-1]
    assert f"every {ordinal(history.stride)} epoch kept for long runs" in history.describe()


def test_at_or_before_returns_the_nearest_stored_earlier_epoch(snapshots):
    history = SnapshotHistory(capacity=100)
    for s in snapshots[::5]:  # epochs 0, 5, 10, ...
        history.add(s)
    assert history.at_or_before(7).epoch == 5
    assert history.at_or_before(7).weights[2][0, 0] == snapshots[5].weights[2][0, 0]
    assert history.at_or_before(1000) is snapshots[40]
    assert history.at_or_before(-1) is None


def test_going_back_in_epochs_drops_the_later_ones(snapshots):
    history = SnapshotHistory(capacity=100)
    for s in snapshots[:6]:
        history.add(s)
    history.add(snapshots[2])
    assert history.epochs() == [0, 1, 2]
    history.clear()
    assert history.epochs() == [] and history.at_or_before(3) is None and history.stride == 1


def test_only_weights_are_kept_and_the_rest_is_recomputed_exactly():
    # A network with bias, features, a test set, mistakes and an L2 penalty.
    data = make_dataset("circles", n_samples=300, seed=3)
    X, T = np.asarray(data.inputs), np.asarray(data.targets).reshape(-1, 1)
    net = Network([2, 8, 8, 1], ["tanh", "relu", "sigmoid"], init="xavier", bias=True, seed=2)
    trainer = Trainer(
        net,
        X[:200],
        T[:200],
        learning_rate=0.3,
        X_test=X[200:],
        T_test=T[200:],
        mistakes=Mistakes(derivative_of_pre_activation=True),
    )
    history = SnapshotHistory(capacity=100)
    originals = []
    for _ in range(12):
        snapshot = take_snapshot(trainer)
        originals.append(snapshot)
        history.add(snapshot)
        trainer.step(1)
    history.add(take_snapshot(trainer))
    for snapshot in originals:
        shown = history.at_or_before(snapshot.epoch)
        assert_same_snapshot(shown, snapshot, last_update_known=snapshot.epoch > 0)
    # Per kept epoch: its weights and biases (and the data once), not the activations.
    weights_bytes = sum(a.nbytes for a in (*originals[0].weights, *originals[0].biases))
    assert history.nbytes() < 13 * (weights_bytes + 1000) + X.nbytes + T.nbytes
    assert sum(a.nbytes for a in originals[0].activations_values) > weights_bytes


def test_the_byte_cap_thins_the_history_and_is_stated(snapshots):
    data = make_dataset("circles", n_samples=50, seed=0)
    X, T = np.asarray(data.inputs), np.asarray(data.targets).reshape(-1, 1)
    net = Network([2, 128, 128, 1], "tanh", init="xavier", bias=True, seed=0)
    trainer = Trainer(net, X, T, learning_rate=0.01)
    weights_bytes = sum(w.nbytes + b.nbytes for w, b in zip(net.weights, net.biases))
    history = SnapshotHistory(capacity=10_000, max_bytes=2 * 2**20)
    for _ in range(60):
        trainer.step(1)
        history.add(take_snapshot(trainer))
        assert history.nbytes() <= history.max_bytes
    assert history.stride >= 4
    assert len(history) <= 2 * 2**20 // weights_bytes + 1
    assert "of at most 2.0 MB" in history.describe_memory()
    assert SnapshotHistory().describe_memory() == "Memory: 0.0 MB of at most 200 MB"
    assert DEFAULT_MAX_BYTES == 200 * 2**20


def test_bad_capacity_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        SnapshotHistory(capacity=1)


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 22, 32, 64, 113)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "22nd",
        "32nd",
        "64th",
        "113th",
    ]
