"""The loss of every epoch, however long training runs, and its min/max pyramid.

:class:`LossHistory` keeps every epoch's loss in three growing NumPy buffers
(``int64`` epochs, ``float64`` training and test losses): 24 bytes an epoch,
about 25 MB for a million epochs, at most twice that right after a buffer has
doubled. A :class:`MinMaxPyramid` per curve (the minimum and maximum of every
block of 8, 64, 512, ... epochs, kept up to date as epochs arrive, about 30%
more memory) lets a plot draw ten epochs or ten million in the same time:
:func:`decimated` turns the visible epochs into about two points a pixel column,
and every bucket keeps its exact minimum and maximum, so spikes never vanish.

Qt-free: the :class:`~backprop_lab.core.session.Session` owns the history, the
loss plot only draws it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

#: Epochs a block of the min/max pyramid's first level; each level up is this many times more.
PYRAMID_FACTOR = 8
#: Rows formatted at a time by :meth:`LossHistory.write_csv`.
CSV_CHUNK_ROWS = 65536
#: Capacity of a fresh history buffer (epochs); it doubles as needed.
INITIAL_CAPACITY = 1024


class LossHistory:
    """Epochs and losses in amortised-doubling NumPy buffers, with their min/max pyramids.

    Attributes
    ----------
    epochs, train, test
        The buffers (``count`` of them filled): epoch numbers (int64), training
        and test losses (float64; test NaN where there is no test set).
    count
        Epochs stored.
    has_test
        Whether any stored epoch has a test loss.
    train_pyramid, test_pyramid
        Their :class:`MinMaxPyramid`.
    """

    def __init__(self) -> None:
        self._allocate(INITIAL_CAPACITY)
        self.count = 0
        self.has_test = False
        self.train_pyramid = MinMaxPyramid()
        self.test_pyramid = MinMaxPyramid()

    def _allocate(self, capacity: int) -> None:
        self.epochs = np.zeros(capacity, dtype=np.int64)
        self.train = np.zeros(capacity, dtype=np.float64)
        self.test = np.zeros(capacity, dtype=np.float64)

    def clear(self) -> None:
        self._allocate(INITIAL_CAPACITY)
        self.count = 0
        self.has_test = False
        self.train_pyramid.clear()
        self.test_pyramid.clear()

    @property
    def capacity(self) -> int:
        return self.epochs.shape[0]

    def truncate_before(self, epoch: int) -> None:
        """Forget every stored epoch >= ``epoch`` (training went back in time)."""
        keep = int(np.searchsorted(self.epochs[: self.count], epoch, side="left"))
        if keep < self.count:
            self.count = keep
            self.has_test = bool(np.isfinite(self.test[:keep]).any())
            self.train_pyramid.truncate(keep)
            self.test_pyramid.truncate(keep if self.has_test else 0)

    def extend(self, epochs: np.ndarray, train: np.ndarray, test: np.ndarray) -> None:
        needed = self.count + epochs.shape[0]
        if needed > self.capacity:
            capacity = max(2 * self.capacity, needed)
            old = (self.epochs, self.train, self.test)
            self._allocate(capacity)
            for new, previous in zip((self.epochs, self.train, self.test), old, strict=True):
                new[: self.count] = previous[: self.count]
        start, stop = self.count, needed
        self.epochs[start:stop] = epochs
        self.train[start:stop] = train
        self.test[start:stop] = test
        self.count = needed
        if not self.has_test and np.isfinite(test).any():
            self.has_test = True
        self.train_pyramid.update(self.train[:needed])
        if self.has_test:  # no pyramid of NaN for a history without a test set
            self.test_pyramid.update(self.test[:needed])

    def views(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = self.count
        return self.epochs[:n], self.train[:n], self.test[:n]

    # ------------------------------------------------------------ public API
    def __len__(self) -> int:
        return self.count

    def append(self, epochs: ArrayLike, train_loss: ArrayLike, test_loss=None) -> bool:
        """Store more epochs (checked: ValueError and nothing stored when bad).

        If the first is not after the last stored one (training was reset or
        went back), the stored epochs from it on are dropped first, so there is
        always one history. Returns True when something was dropped.
        """
        epoch_values, train, test = validated_history(epochs, train_loss, test_loss)
        if epoch_values.size == 0:
            return False
        dropped = False
        if self.count and epoch_values[0] <= self.epochs[self.count - 1]:
            before = self.count
            self.truncate_before(int(epoch_values[0]))
            dropped = self.count < before
        self.extend(epoch_values, train, test)
        return dropped

    def replace(self, epochs: ArrayLike, train_loss: ArrayLike, test_loss=None) -> None:
        """Replace every epoch (checked first: ValueError leaves the history as it was)."""
        epoch_values, train, test = validated_history(epochs, train_loss, test_loss)
        self.clear()
        self.extend(epoch_values, train, test)

    def replace_from(self, other: LossHistory) -> None:
        """Replace every epoch by a copy of ``other``'s: it is checked already, and its
        min/max pyramids are copied, not computed again (for a million epochs the
        checks and the pyramids of :meth:`replace` take most of a second)."""
        epochs, train, test = other.views()
        self._allocate(max(INITIAL_CAPACITY, epochs.shape[0]))
        n = epochs.shape[0]
        self.epochs[:n], self.train[:n], self.test[:n] = epochs, train, test
        self.count = n
        self.has_test = other.has_test
        self.train_pyramid = other.train_pyramid.copy()
        self.test_pyramid = other.test_pyramid.copy()

    def truncate_after(self, epoch: int) -> bool:
        """Forget every epoch after ``epoch``; True when something was forgotten."""
        before = self.count
        self.truncate_before(int(epoch) + 1)
        return self.count < before

    def last_epoch(self) -> int:
        """The newest epoch stored, 0 when empty."""
        return int(self.epochs[self.count - 1]) if self.count else 0

    def loss_at(self, epoch: int) -> tuple[float, float] | None:
        """(training, test) loss stored for ``epoch``, None when it is not stored."""
        n = self.count
        i = int(np.searchsorted(self.epochs[:n], epoch))
        if i < n and self.epochs[i] == epoch:
            return float(self.train[i]), float(self.test[i])
        return None

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of (epochs, training losses, test losses)."""
        return tuple(a.copy() for a in self.views())

    def copy(self) -> LossHistory:
        """An independent copy (its own buffers and pyramids)."""
        other = LossHistory()
        other.replace_from(self)
        return other

    def write_csv(self, path) -> None:
        """Write ``epoch,train_loss,test_loss``, one row an epoch, floats exactly (repr).

        The test cell is empty where there is no test loss.
        """
        epochs, train, test = self.views()
        with open(path, "w", newline="", encoding="utf-8") as handle:
            handle.write("epoch,train_loss,test_loss\n")
            # repr() is the shortest text that reads back as the same float; chunks keep
            # the temporary strings small for a million epochs.
            for start in range(0, epochs.shape[0], CSV_CHUNK_ROWS):
                stop = start + CSV_CHUNK_ROWS
                rows = zip(
                    epochs[start:stop].tolist(),
                    train[start:stop].tolist(),
                    test[start:stop].tolist(),
                    strict=True,
                )
                handle.write(
                    "".join(
                        f"{epoch},{loss!r},{'' if math.isnan(test_value) else repr(test_value)}\n"
                        for epoch, loss, test_value in rows
                    )
                )

    def nbytes(self) -> int:
        """Bytes held by the buffers and the pyramids (capacity, not fill)."""
        pyramids = self.train_pyramid.nbytes() + self.test_pyramid.nbytes()
        return self.epochs.nbytes + self.train.nbytes + self.test.nbytes + pyramids


class _GrowingArray:
    """A float64 array with amortised-doubling appends; ``data`` is the filled part."""

    def __init__(self) -> None:
        self._buffer = np.empty(16, dtype=np.float64)
        self.count = 0

    @property
    def data(self) -> np.ndarray:
        return self._buffer[: self.count]

    def copy(self) -> _GrowingArray:
        other = _GrowingArray()
        other._buffer = self._buffer[: max(self.count, 16)].copy()
        other.count = self.count
        return other

    @property
    def nbytes(self) -> int:
        return self._buffer.nbytes

    def append(self, values: np.ndarray) -> None:
        needed = self.count + values.shape[0]
        if needed > self._buffer.shape[0]:
            bigger = np.empty(max(2 * self._buffer.shape[0], needed), dtype=np.float64)
            bigger[: self.count] = self._buffer[: self.count]
            self._buffer = bigger
        self._buffer[self.count : needed] = values
        self.count = needed


class MinMaxPyramid:
    """Minimum and maximum of every block of ``factor**k`` values, for k = 1, 2, ...

    NaN is ignored (a block of only NaN has NaN as its minimum and maximum), so
    epochs without a test loss leave gaps, not holes in their neighbours' extremes.
    The pyramid is updated incrementally: :meth:`update` only reduces the blocks
    completed since the last call.
    """

    def __init__(self, factor: int = PYRAMID_FACTOR) -> None:
        if factor < 2:
            raise ValueError("the pyramid factor must be at least 2")
        self.factor = factor
        self.levels: list[tuple[_GrowingArray, _GrowingArray]] = []

    def clear(self) -> None:
        self.levels = []

    def copy(self) -> MinMaxPyramid:
        """An independent copy (its own arrays)."""
        other = MinMaxPyramid(self.factor)
        other.levels = [(low.copy(), high.copy()) for low, high in self.levels]
        return other

    def nbytes(self) -> int:
        return sum(low.nbytes + high.nbytes for low, high in self.levels)

    def block_size(self, level: int) -> int:
        """How many values one block of ``level`` (0 = the first) summarises."""
        return self.factor ** (level + 1)

    def truncate(self, count: int) -> None:
        """Forget blocks that reach past the first ``count`` values."""
        for level, (low, high) in enumerate(self.levels):
            keep = min(low.count, count // self.block_size(level))
            low.count = high.count = keep

    def update(self, values: np.ndarray) -> None:
        """Reduce every block of ``values`` (all values stored so far) not reduced yet."""
        f = self.factor
        below_low = below_high = values
        level = 0
        while below_low.shape[0] >= f:
            if level == len(self.levels):
                self.levels.append((_GrowingArray(), _GrowingArray()))
            low, high = self.levels[level]
            complete = below_low.shape[0] // f
            if complete > low.count:
                start, stop = low.count * f, complete * f
                low.append(np.fmin.reduce(below_low[start:stop].reshape(-1, f), axis=1))
                high.append(np.fmax.reduce(below_high[start:stop].reshape(-1, f), axis=1))
            below_low, below_high = low.data, high.data
            level += 1

    def buckets(
        self, values: np.ndarray, start: int, stop: int, max_buckets: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The exact minimum and maximum of consecutive buckets covering ``values[start:stop]``.

        Buckets are aligned to multiples of their size, so the first and last may
        reach a little outside ``[start, stop)``. Returns (index of each bucket's
        first value, minima, maxima); at most about ``max_buckets + 2`` buckets.
        """
        count = values.shape[0]
        start, stop = max(0, start), min(count, stop)
        empty = np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
        if stop <= start:
            return empty
        wanted = max(1, math.ceil((stop - start) / max(1, max_buckets)))
        # The coarsest level whose blocks still fit in a bucket (None: single values).
        level = None
        for k in range(len(self.levels)):
            if self.block_size(k) <= wanted:
                level = k
        block = 1 if level is None else self.block_size(level)
        per_bucket = max(1, -(-wanted // block))
        size = per_bucket * block
        first = (start // size) * size
        last = min(count, -(-stop // size) * size)
        if level is None:
            low_source = high_source = values
            covered = count
        else:
            low_source, high_source = (a.data for a in self.levels[level])
            covered = low_source.shape[0] * block
        # Buckets made entirely of reduced blocks.
        full_stop = max(first, min(last, (covered // size) * size))
        lows, highs = [], []
        if full_stop > first:
            a, b = first // block, full_stop // block
            lows.append(np.fmin.reduce(low_source[a:b].reshape(-1, per_bucket), axis=1))
            highs.append(np.fmax.reduce(high_source[a:b].reshape(-1, per_bucket), axis=1))
        # The newest values, not in a complete block yet: reduced from the values.
        tail_starts = np.arange(full_stop, last, size, dtype=np.int64)
        if tail_starts.size:
            tail = [values[i : min(i + size, count)] for i in tail_starts.tolist()]
            lows.append(np.array([np.fmin.reduce(t) for t in tail]))
            highs.append(np.array([np.fmax.reduce(t) for t in tail]))
        starts = np.arange(first, full_stop, size, dtype=np.int64)
        starts = np.concatenate([starts, tail_starts])
        return starts, np.concatenate(lows), np.concatenate(highs)


def decimated(
    pyramid: MinMaxPyramid,
    epochs: np.ndarray,
    values: np.ndarray,
    start: int,
    stop: int,
    max_buckets: int,
) -> tuple[np.ndarray, np.ndarray]:
    """x and y to draw for ``values[start:stop]``: all of them, or min/max per bucket.

    With more than ``2 * max_buckets`` values, each bucket becomes two points at
    its first epoch, its minimum then its maximum (a vertical stroke covering
    exactly what the bucket holds), plus the first and last value as they are so
    the curve starts and ends where the data does.
    """
    start, stop = max(0, start), min(values.shape[0], stop)
    if stop - start <= 2 * max_buckets:
        return epochs[start:stop].astype(np.float64), values[start:stop]
    starts, lows, highs = pyramid.buckets(values, start, stop, max_buckets)
    x = np.repeat(epochs[starts].astype(np.float64), 2)
    y = np.empty(2 * lows.shape[0])
    y[0::2] = lows
    y[1::2] = highs
    first, last = max(0, int(starts[0])), stop - 1
    x = np.concatenate([[float(epochs[first])], x, [float(epochs[last])]])
    y = np.concatenate([[values[first]], y, [values[last]]])
    return x, y


def validated_history(
    epochs: ArrayLike, train_loss: ArrayLike, test_loss: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check and convert epochs and their losses (one batch or a whole history).

    Returns (epochs int64, training float64, test float64 with NaN for none);
    ValueError with the reason for arrays of the wrong shape or epochs that are
    not strictly increasing whole numbers.
    """
    epoch_values = np.asarray(epochs)
    train = np.asarray(train_loss, dtype=np.float64)
    if epoch_values.ndim != 1 or train.ndim != 1:
        raise ValueError("epochs and losses must be 1-D arrays")
    if epoch_values.shape != train.shape:
        raise ValueError(f"got {epoch_values.shape[0]} epochs but {train.shape[0]} training losses")
    if test_loss is None:
        test = np.full(train.shape, np.nan)
    else:
        test = np.asarray(test_loss, dtype=np.float64)
        if test.shape != train.shape:
            raise ValueError(
                f"got {train.shape[0]} training losses but {np.shape(test)[0] if test.ndim else 0}"
                " test losses"
            )
    if epoch_values.size and not np.issubdtype(epoch_values.dtype, np.integer):
        as_float = np.asarray(epoch_values, dtype=np.float64)
        if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
            raise ValueError("epochs must be whole numbers")
        epoch_values = as_float
    epoch_values = epoch_values.astype(np.int64)
    if epoch_values.size > 1 and np.any(np.diff(epoch_values) <= 0):
        raise ValueError("epochs must be strictly increasing")
    return epoch_values, train, test
