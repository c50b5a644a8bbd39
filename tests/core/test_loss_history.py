"""The loss history and its min/max pyramid live in the core (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core.loss_history import CHUNK_EPOCHS, LossHistory, MinMaxPyramid, decimated


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


def _chunked_history(rng, total: int) -> tuple[LossHistory, np.ndarray, np.ndarray, np.ndarray]:
    h = LossHistory()
    epochs = np.cumsum(rng.integers(1, 4, size=total))
    train = rng.random(total)
    test = rng.random(total)
    test[: total // 3] = np.nan
    done = 0
    while done < total:
        size = int(min(total - done, rng.integers(1, 40_000)))
        h.append(epochs[done : done + size], train[done : done + size], test[done : done + size])
        done += size
    return h, epochs, train, test


def test_growth_keeps_every_value_and_never_moves_what_is_stored() -> None:
    rng = np.random.default_rng(3)
    h = LossHistory()
    total = 3 * CHUNK_EPOCHS + 12_345
    epochs, train = np.arange(1, total + 1), rng.random(total)
    done, stored_chunks = 0, []
    while done < total:
        size = int(min(total - done, rng.integers(1, 30_000)))
        h.append(epochs[done : done + size], train[done : done + size])
        done += size
        full = done // CHUNK_EPOCHS
        # A full chunk stays where it is: growing adds chunks, it copies nothing stored.
        assert all(a is b for a, b in zip(h.train.chunks, stored_chunks))
        stored_chunks = list(h.train.chunks[:full])
    got_epochs, got_train, got_test = h.arrays()
    np.testing.assert_array_equal(got_epochs, epochs)
    np.testing.assert_array_equal(got_train, train)
    assert np.isnan(got_test).all() and not h.has_test
    # Memory: what is stored and at most one chunk more.
    assert h.capacity - len(h) < CHUNK_EPOCHS
    assert h.nbytes() <= 24 * (len(h) + CHUNK_EPOCHS) + h.train_pyramid.nbytes()


def test_columns_read_like_arrays_across_chunks() -> None:
    rng = np.random.default_rng(4)
    h, epochs, train, test = _chunked_history(rng, 2 * CHUNK_EPOCHS + 777)
    assert len(h.train.chunks) == 3
    for a, b in (
        (0, 10),
        (CHUNK_EPOCHS - 5, CHUNK_EPOCHS + 5),
        (10, 2 * CHUNK_EPOCHS + 100),
        (2 * CHUNK_EPOCHS + 700, 10**9),
    ):
        np.testing.assert_array_equal(h.train[a:b], train[a:b])
        np.testing.assert_array_equal(h.epochs[a:b], epochs[a:b])
    indices = rng.integers(0, len(h), size=500)
    np.testing.assert_array_equal(h.test[indices], test[indices])
    assert h.epochs[-1] == epochs[-1] and h.train[CHUNK_EPOCHS] == train[CHUNK_EPOCHS]
    for value in (epochs[0] - 1, epochs[CHUNK_EPOCHS - 1], epochs[CHUNK_EPOCHS] - 1, 10**12):
        for side in ("left", "right"):
            assert h.epochs.searchsorted(value, side) == np.searchsorted(epochs, value, side)
    assert h.loss_at(int(epochs[CHUNK_EPOCHS + 3]))[0] == train[CHUNK_EPOCHS + 3]


def test_a_chunked_history_decimates_truncates_and_copies_as_one_array() -> None:
    rng = np.random.default_rng(5)
    h, epochs, train, test = _chunked_history(rng, 2 * CHUNK_EPOCHS + 4321)
    plain = MinMaxPyramid()
    plain.update(train)
    for start, stop, buckets in ((0, len(h), 640), (1000, CHUNK_EPOCHS + 900, 300), (5, 900, 640)):
        x, y = decimated(h.train_pyramid, h.epochs, h.train, start, stop, buckets)
        x_plain, y_plain = decimated(plain, epochs, train, start, stop, buckets)
        np.testing.assert_array_equal(x, x_plain)
        np.testing.assert_array_equal(y, y_plain)
    copy = h.copy()
    keep = CHUNK_EPOCHS + 10
    assert h.truncate_after(int(epochs[keep - 1]))
    assert len(h) == keep and h.capacity - keep < CHUNK_EPOCHS
    np.testing.assert_array_equal(h.arrays()[1], train[:keep])
    h.append(epochs[keep : keep + 3], train[keep : keep + 3], test[keep : keep + 3])
    np.testing.assert_array_equal(h.arrays()[1], train[: keep + 3])
    np.testing.assert_array_equal(copy.arrays()[1], train)  # the copy is its own
    fresh = MinMaxPyramid()
    fresh.update(train[: keep + 3])
    for (low, high), (low_f, high_f) in zip(h.train_pyramid.levels, fresh.levels, strict=True):
        np.testing.assert_array_equal(low.data, low_f.data)
        np.testing.assert_array_equal(high.data, high_f.data)


def test_csv_export_of_a_chunked_history_has_every_row(tmp_path) -> None:
    rng = np.random.default_rng(6)
    h, epochs, train, _test = _chunked_history(rng, CHUNK_EPOCHS + 50)
    path = tmp_path / "loss.csv"
    h.write_csv(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(h) + 1
    row = lines[CHUNK_EPOCHS + 20].split(",")
    assert int(row[0]) == epochs[CHUNK_EPOCHS + 19] and float(row[1]) == train[CHUNK_EPOCHS + 19]


def test_a_column_gathers_unsorted_and_repeated_indices() -> None:
    rng = np.random.default_rng(7)
    h, epochs, train, _test = _chunked_history(rng, 2 * CHUNK_EPOCHS + 99)
    indices = rng.integers(0, len(h), size=300)
    indices[:3] = [len(h) - 1, 0, len(h) - 1]
    np.testing.assert_array_equal(h.train[indices], train[indices])
    ordered = np.sort(indices)
    np.testing.assert_array_equal(h.epochs[ordered], epochs[ordered])
    assert h.train[np.zeros(0, dtype=np.int64)].size == 0
    with pytest.raises(IndexError):
        h.train[np.array([len(h)])]


def test_a_chunked_history_round_trips_through_its_arrays() -> None:
    """What saving copies (arrays) and opening rebuilds (replace) is the same history,
    across chunks; the copies are the history's own, not views into it."""
    rng = np.random.default_rng(10)
    h, epochs, train, test = _chunked_history(rng, 2 * CHUNK_EPOCHS + 5)
    for stop in (None, 10, CHUNK_EPOCHS + 3):
        got = h.arrays(stop)
        for a, b in zip(got, (epochs, train, test), strict=True):
            np.testing.assert_array_equal(a, b[:stop])
            assert not any(np.shares_memory(a, chunk) for chunk in h.train.chunks + h.epochs.chunks)
    again = LossHistory()
    again.replace(*h.arrays())
    for a, b in zip(again.arrays(), h.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
