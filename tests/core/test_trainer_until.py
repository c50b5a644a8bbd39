"""Trainer.step(until=...): a caller can end a call at any epoch boundary."""

from __future__ import annotations

import numpy as np

from backprop_lab.core import Trainer, seed_example


def test_until_ends_the_call_after_the_epoch_it_returns_true_for():
    trainer = Trainer(**seed_example())
    seen = []

    def until(record):
        seen.append(record.epoch)
        return record.epoch == 7

    records = trainer.step(1000, until=until)
    assert [r.epoch for r in records] == list(range(1, 8)) == seen
    assert trainer.epoch == 7
    core = Trainer(**seed_example())
    expected = core.step(7)
    assert [r.train_loss for r in records] == [r.train_loss for r in expected]
    for mine, theirs in zip(trainer.net.weights, core.net.weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_until_never_true_trains_every_epoch():
    trainer = Trainer(**seed_example())
    assert len(trainer.step(25, until=lambda record: False)) == 25
