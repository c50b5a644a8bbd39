"""The loss history and its min/max pyramid live in the core (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core.loss_history import LossHistory, MinMaxPyramid, decimated


def test_append_truncate_replace() -> None:
    h = LossHistory()
    assert h.append([1, 2, 3], [3.0, 2.0, 1.0]) is False
    assert h.last_epoch() == 3 and len(h) == 3 and not h.has_test
    # Going back in time drops the newer epochs first: one history.
    assert h.append([2, 3], [9.0, 8.0], [1.0, 1.0]) is True
    epochs, train, test = h.arrays()
    assert epochs.tolist() == [1, 2, 3] and train.tolist() == [3.0, 9.0, 8.0]
    assert h.has_test and np.isnan(test[0])
    assert h.loss_at(2) == (9.0, 1.0) and h.loss_at(7) is None
    assert h.truncate_after(1) is True and h.truncate_after(1) is False
    assert h.arrays()[0].tolist() == [1] and not h.has_test
    h.replace([5, 6], [1.0, 2.0])
    assert h.arrays()[0].tolist() == [5, 6]


def test_bad_input_changes_nothing() -> None:
    h = LossHistory()
    h.append([1, 2], [1.0, 2.0])
    for bad in (([3, 3], [1.0, 1.0]), ([3.5], [1.0]), ([3, 4], [1.0])):
        with pytest.raises(ValueError):
            h.append(*bad)
        with pytest.raises(ValueError):
            h.replace(*bad)
    assert h.arrays()[0].tolist() == [1, 2]


def test_copy_is_independent_and_grows() -> None:
    h = LossHistory()
    n = 5000  # past the first buffer's capacity
    h.append(np.arange(1, n + 1), np.linspace(1, 0, n))
    c = h.copy()
    h.truncate_after(10)
    assert len(c) == n and c.last_epoch() == n and len(h) == 10
    assert c.nbytes() >= 24 * n


def test_pyramid_buckets_keep_exact_extremes() -> None:
    values = np.sin(np.arange(10_000) / 50.0)
    values[1234] = 5.0
    pyramid = MinMaxPyramid()
    pyramid.update(values)
    x, y = decimated(pyramid, np.arange(1, 10_001), values, 0, 10_000, 100)
    assert len(x) < 400 and y.max() == 5.0 and y.min() == values.min()


def test_csv_export_is_exact(tmp_path) -> None:
    h = LossHistory()
    h.append([1, 2, 3], [0.1, 1 / 3, 2.5e-300], [np.nan, 0.2, 0.3])
    path = tmp_path / "loss.csv"
    h.write_csv(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "epoch,train_loss,test_loss"
    assert lines[1] == "1,0.1,"
    assert [float(v) for v in lines[2].split(",")[1:]] == [1 / 3, 0.2]
    assert float(lines[3].split(",")[1]) == 2.5e-300
