"""SnapshotHistory: bounded memory, nearest earlier epoch, resets."""

import itertools

import pytest

from backprop_lab.core import Trainer, seed_example, take_snapshot
from backprop_lab.core.history import SnapshotHistory, ordinal


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
    assert history.at_or_before(4) is snapshots[4]
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
