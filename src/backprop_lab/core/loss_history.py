"""The loss of every epoch, however long training runs, and its min/max pyramid.

:class:`LossHistory` keeps every epoch's loss in three columns (``int64``
epochs, ``float64`` training and test losses) of fixed-size chunks: 24 bytes an
epoch, about 25 MB for a million epochs, and at most one chunk
(:data:`CHUNK_EPOCHS` epochs, 1.5 MB) more. Growing never copies what is stored
(a doubling buffer copied the whole history: 5-7 ms at 400k and 800k epochs, on
the GUI thread); only a short history's first chunk doubles, up to one chunk.
A :class:`MinMaxPyramid` per curve (the minimum and maximum of every block of
8, 64, 512, ... epochs, kept up to date as epochs arrive, about 30% more
memory) lets a plot draw ten epochs or ten million in the same time:
:func:`decimated` turns the visible epochs into about two points a pixel column,
and every bucket keeps its exact minimum and maximum, so spikes never vanish.

Qt-free: the :class:`~backprop_lab.core.session.Session` owns the history, the
loss plot only draws it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import ArrayLike

#: Epochs a block of the min/max pyramid's first level; each level up is this many times more.
PYRAMID_FACTOR = 8
#: Rows formatted at a time by :meth:`LossHistory.write_csv`.
CSV_CHUNK_ROWS = 65536
#: Capacity of a fresh history (epochs); its first chunk doubles up to :data:`CHUNK_EPOCHS`.
INITIAL_CAPACITY = 1024
#: log2 of :data:`CHUNK_EPOCHS`.
CHUNK_SHIFT = 16
#: Epochs a chunk of a :class:`LossColumn` holds: a longer history takes one more chunk.
CHUNK_EPOCHS = 1 << CHUNK_SHIFT
#: Identifies what a pyramid has reduced: a new number whenever reduced blocks are
#: forgotten (truncated or cleared), so a :class:`DecimationCache` never reuses them.
_generations = itertools.count(1)


class LossColumn:
    """One column of a :class:`LossHistory` in chunks of :data:`CHUNK_EPOCHS` values.

    Reads give NumPy values: ``column[i]`` a scalar, ``column[a:b]`` an array (a
    view when the range lies in one chunk, else a copy), ``column[indices]`` the
    values at those indices; ``len(column)`` and ``column.shape`` count the
    values stored. Every chunk but a lone first one holds :data:`CHUNK_EPOCHS`
    values, so index ``i`` is in chunk ``i >> CHUNK_SHIFT``.
    """

    def __init__(
        self,
        dtype,
        chunks: list[np.ndarray] | None = None,
        count: int = 0,
        initial: int = INITIAL_CAPACITY,
    ) -> None:
        self.dtype = np.dtype(dtype)
        self.chunks: list[np.ndarray] = [] if chunks is None else chunks
        self.count = count
        #: The first chunk's smallest size.
        self.initial = initial

    # ------------------------------------------------------------ storage
    @property
    def capacity(self) -> int:
        return sum(chunk.shape[0] for chunk in self.chunks)

    @property
    def nbytes(self) -> int:
        return sum(chunk.nbytes for chunk in self.chunks)

    def copy(self) -> LossColumn:
        """An independent copy holding only what is stored (whole chunks)."""
        used = -(-self.count // CHUNK_EPOCHS) if self.count else 0
        chunks = [c.copy() for c in self.chunks[: max(1, used)]]
        return LossColumn(self.dtype, chunks, self.count, self.initial)

    def reserve(self, needed: int) -> None:
        """Room for ``needed`` values: a new chunk, or the lone first chunk doubled
        (at most a chunk copied); what is stored is never copied as a whole."""
        while self.capacity < needed:
            if len(self.chunks) == 1 and self.chunks[0].shape[0] < CHUNK_EPOCHS:
                first = self.chunks[0]
                bigger = np.zeros(min(CHUNK_EPOCHS, max(2 * first.shape[0], needed)), self.dtype)
                bigger[: first.shape[0]] = first
                self.chunks[0] = bigger
            else:
                size = CHUNK_EPOCHS
                if not self.chunks:
                    size = min(CHUNK_EPOCHS, max(self.initial, needed))
                self.chunks.append(np.zeros(size, self.dtype))

    def truncate(self, count: int) -> None:
        """Keep the first ``count`` values (and no empty chunk beyond them but the first)."""
        self.count = min(self.count, max(0, count))
        used = max(1, -(-self.count // CHUNK_EPOCHS))
        del self.chunks[used:]

    def write(self, start: int, values: np.ndarray) -> None:
        """Store ``values`` from index ``start`` on (room reserved first)."""
        stop = start + values.shape[0]
        self.reserve(stop)
        done = 0
        while start + done < stop:
            index = start + done
            chunk = self.chunks[index >> CHUNK_SHIFT]
            offset = index & (CHUNK_EPOCHS - 1)
            n = min(chunk.shape[0] - offset, stop - index)
            chunk[offset : offset + n] = values[done : done + n]
            done += n
        self.count = max(self.count, stop)

    # --------------------------------------------------------------- reads
    def __len__(self) -> int:
        return self.count

    @property
    def shape(self) -> tuple[int]:
        return (self.count,)

    @property
    def size(self) -> int:
        return self.count

    def __array__(self, dtype=None, copy=None):
        whole = self[0 : self.count]
        return whole if dtype is None else whole.astype(dtype)

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(self.count)
            if step != 1:
                raise ValueError("a LossColumn is read in steps of 1")
            return self._range(start, max(start, stop))
        if isinstance(key, np.ndarray) and key.ndim == 1:
            return self._take(key)
        index = int(key)
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(f"index {int(key)} is out of range for {self.count} values")
        return self.chunks[index >> CHUNK_SHIFT][index & (CHUNK_EPOCHS - 1)]

    def _range(self, start: int, stop: int) -> np.ndarray:
        if stop <= start:
            return np.zeros(0, self.dtype)
        first, last = start >> CHUNK_SHIFT, (stop - 1) >> CHUNK_SHIFT
        base = first << CHUNK_SHIFT
        if first == last:
            return self.chunks[first][start - base : stop - base]
        parts = [self.chunks[first][start - base :]]
        parts += self.chunks[first + 1 : last]
        parts.append(self.chunks[last][: stop - (last << CHUNK_SHIFT)])
        return np.concatenate(parts)

    def _take(self, indices: np.ndarray) -> np.ndarray:
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= self.count):
            raise IndexError(f"an index is out of range for {self.count} values")
        if len(self.chunks) == 1:
            return self.chunks[0][indices]
        offsets = indices & (CHUNK_EPOCHS - 1)
        which = indices >> CHUNK_SHIFT
        if indices.size < 2 or bool((indices[1:] >= indices[:-1]).all()):
            # Sorted (a decimation's buckets): one slice of indices per chunk crossed.
            cuts = np.searchsorted(which, np.arange(1, len(self.chunks)), side="left").tolist()
            parts = []
            for k, (a, b) in enumerate(zip([0, *cuts], [*cuts, indices.size], strict=True)):
                if b > a:
                    parts.append(self.chunks[k][offsets[a:b]])
            return np.concatenate(parts) if parts else np.zeros(0, self.dtype)
        out = np.empty(indices.shape[0], self.dtype)
        for k in set(which.tolist()):
            mask = which == k
            out[mask] = self.chunks[k][offsets[mask]]
        return out

    def copy_range(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """A new array of the values of [start, stop) (one copy, also across chunks)."""
        stop = self.count if stop is None else min(stop, self.count)
        start = max(0, start)
        if stop <= start:
            return np.zeros(0, self.dtype)
        if (start >> CHUNK_SHIFT) == ((stop - 1) >> CHUNK_SHIFT):
            return self._range(start, stop).copy()
        return self._range(start, stop)  # joined: a new array already

    def pieces(self, start: int = 0, stop: int | None = None):
        """The stored values of [start, stop) as views, one per chunk they cross."""
        stop = self.count if stop is None else min(stop, self.count)
        while start < stop:
            k = start >> CHUNK_SHIFT
            base = k << CHUNK_SHIFT
            end = min(stop, base + self.chunks[k].shape[0])
            yield self.chunks[k][start - base : end - base]
            start = end

    def searchsorted(self, value, side: str = "left") -> int:
        """:func:`numpy.searchsorted` over the stored values (sorted ascending)."""
        n = self.count
        used = -(-n // CHUNK_EPOCHS) if n else 0
        for k in range(used):
            stop = min(CHUNK_EPOCHS, n - (k << CHUNK_SHIFT))
            last = self.chunks[k][stop - 1]
            if (value <= last) if side == "left" else (value < last):
                return (k << CHUNK_SHIFT) + int(
                    np.searchsorted(self.chunks[k][:stop], value, side=side)
                )
        return n

    def any_finite(self, stop: int | None = None) -> bool:
        """Whether any of the first ``stop`` values (all by default) is finite."""
        return any(bool(np.isfinite(piece).any()) for piece in self.pieces(0, stop))


class LossHistory:
    """Epochs and losses in chunked columns (:class:`LossColumn`), with their min/max pyramids.

    Attributes
    ----------
    epochs, train, test
        The columns: epoch numbers (int64), training and test losses (float64;
        test NaN where there is no test set), ``count`` values each.
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
        self.epochs = LossColumn(np.int64)
        self.train = LossColumn(np.float64)
        self.test = LossColumn(np.float64)
        for column in self._columns():
            column.reserve(capacity)

    def _columns(self) -> tuple[LossColumn, LossColumn, LossColumn]:
        return self.epochs, self.train, self.test

    def clear(self) -> None:
        self._allocate(INITIAL_CAPACITY)
        self.count = 0
        self.has_test = False
        self.train_pyramid.clear()
        self.test_pyramid.clear()

    @property
    def capacity(self) -> int:
        return self.epochs.capacity

    def truncate_before(self, epoch: int) -> None:
        """Forget every stored epoch >= ``epoch`` (training went back in time)."""
        keep = self.epochs.searchsorted(epoch, side="left")
        if keep < self.count:
            self.count = keep
            for column in self._columns():
                column.truncate(keep)
            self.has_test = self.test.any_finite(keep)
            self.train_pyramid.truncate(keep)
            self.test_pyramid.truncate(keep if self.has_test else 0)

    def extend(self, epochs: np.ndarray, train: np.ndarray, test: np.ndarray) -> None:
        start = self.count
        needed = start + epochs.shape[0]
        self.epochs.write(start, epochs)
        self.train.write(start, train)
        self.test.write(start, test)
        self.count = needed
        if not self.has_test and np.isfinite(test).any():
            self.has_test = True
        self.train_pyramid.update(self.train)
        if self.has_test:  # no pyramid of NaN for a history without a test set
            self.test_pyramid.update(self.test)

    def views(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(epochs, training, test) as arrays: views of a history of one chunk, else
        copies (a long history's chunks are joined); never write into them."""
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
        self.epochs, self.train, self.test = (column.copy() for column in other._columns())
        self.count = other.count
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
        i = self.epochs.searchsorted(epoch)
        if i < n and self.epochs[i] == epoch:
            return float(self.train[i]), float(self.test[i])
        return None

    def arrays(self, stop: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of (epochs, training losses, test losses), of the first ``stop``
        epochs if given (each copied once, however many chunks it spans)."""
        return tuple(column.copy_range(0, stop) for column in self._columns())

    def copy(self) -> LossHistory:
        """An independent copy (its own buffers and pyramids)."""
        other = LossHistory()
        other.replace_from(self)
        return other

    def write_csv(self, path) -> None:
        """Write ``epoch,train_loss,test_loss``, one row an epoch, floats exactly (repr).

        The test cell is empty where there is no test loss.
        """
        epochs, train, test = self._columns()
        with open(path, "w", newline="", encoding="utf-8") as handle:
            handle.write("epoch,train_loss,test_loss\n")
            # repr() is the shortest text that reads back as the same float; chunks keep
            # the temporary strings small for a million epochs.
            for start in range(0, self.count, CSV_CHUNK_ROWS):
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
        return sum(column.nbytes for column in self._columns()) + pyramids


class _GrowingArray:
    """A float64 :class:`LossColumn` that is appended to; ``data`` is the column itself
    (reads like the filled part of an array). Growing copies at most a chunk."""

    def __init__(self, column: LossColumn | None = None) -> None:
        self._column = LossColumn(np.float64, initial=16) if column is None else column

    @property
    def data(self) -> LossColumn:
        return self._column

    @property
    def count(self) -> int:
        return self._column.count

    @count.setter
    def count(self, value: int) -> None:
        self._column.truncate(value)

    def copy(self) -> _GrowingArray:
        return _GrowingArray(self._column.copy())

    @property
    def nbytes(self) -> int:
        return self._column.nbytes

    def append(self, values: np.ndarray) -> None:
        self._column.write(self._column.count, values)


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
        #: Changes whenever reduced blocks are forgotten (see :class:`DecimationCache`).
        self.generation = next(_generations)

    def clear(self) -> None:
        self.levels = []
        self.generation = next(_generations)

    def copy(self) -> MinMaxPyramid:
        """An independent copy (its own arrays)."""
        other = MinMaxPyramid(self.factor)
        other.levels = [(low.copy(), high.copy()) for low, high in self.levels]
        # A generation of its own: the two may go on with different values later.
        return other

    def nbytes(self) -> int:
        return sum(low.nbytes + high.nbytes for low, high in self.levels)

    def block_size(self, level: int) -> int:
        """How many values one block of ``level`` (0 = the first) summarises."""
        return self.factor ** (level + 1)

    def truncate(self, count: int) -> None:
        """Forget blocks that reach past the first ``count`` values."""
        self.generation = next(_generations)
        for level, (low, high) in enumerate(self.levels):
            keep = min(low.count, count // self.block_size(level))
            low.count = high.count = keep

    def update(self, values) -> None:
        """Reduce every block of ``values`` (all values stored so far: an array or a
        :class:`LossColumn`) not reduced yet."""
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
        self,
        values: np.ndarray,
        start: int,
        stop: int,
        max_buckets: int,
        cache: DecimationCache | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The exact minimum and maximum of consecutive buckets covering ``values[start:stop]``.

        Buckets are aligned to multiples of their size, so the first and last may
        reach a little outside ``[start, stop)``. Returns (index of each bucket's
        first value, minima, maxima); at most about ``max_buckets + 2`` buckets.
        With a ``cache`` (one per curve), the buckets made of reduced blocks that
        the last call computed with the same bucket size and first bucket are
        taken from it: only the new ones are reduced (a growing history drawn
        whole). The result is the same as without.
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
        reduced_from = first
        key = (self.generation, level, size, first)
        if cache is not None and cache.key == key and cache.full_stop <= full_stop:
            lows.append(cache.lows)
            highs.append(cache.highs)
            reduced_from = cache.full_stop
        if full_stop > reduced_from:
            a, b = reduced_from // block, full_stop // block
            lows.append(np.fmin.reduce(low_source[a:b].reshape(-1, per_bucket), axis=1))
            highs.append(np.fmax.reduce(high_source[a:b].reshape(-1, per_bucket), axis=1))
        if cache is not None:
            full_lows = np.concatenate(lows) if lows else np.zeros(0)
            full_highs = np.concatenate(highs) if highs else np.zeros(0)
            cache.key, cache.full_stop = key, full_stop
            cache.lows, cache.highs = full_lows, full_highs
            lows, highs = [full_lows], [full_highs]
        # The newest values, not in a complete block yet: reduced from the values.
        tail_starts = np.arange(full_stop, last, size, dtype=np.int64)
        if tail_starts.size:
            tail = [values[i : min(i + size, count)] for i in tail_starts.tolist()]
            lows.append(np.array([np.fmin.reduce(t) for t in tail]))
            highs.append(np.array([np.fmax.reduce(t) for t in tail]))
        starts = np.arange(first, full_stop, size, dtype=np.int64)
        starts = np.concatenate([starts, tail_starts])
        return starts, np.concatenate(lows), np.concatenate(highs)


class DecimationCache:
    """What :func:`decimated` computed last for one curve (see :meth:`MinMaxPyramid.buckets`).

    Keyed by the pyramid's generation, the bucket size and the first bucket, so
    it is only used while those stay; a truncated or replaced history never
    reuses it.
    """

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.full_stop = 0
        self.lows = self.highs = np.zeros(0)
        #: The epochs of the first values of the cached buckets, as float64.
        self.x = np.zeros(0)


def decimated(
    pyramid: MinMaxPyramid,
    epochs: np.ndarray,
    values: np.ndarray,
    start: int,
    stop: int,
    max_buckets: int,
    cache: DecimationCache | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """x and y to draw for ``values[start:stop]``: all of them, or min/max per bucket.

    With more than ``2 * max_buckets`` values, each bucket becomes two points at
    its first epoch, its minimum then its maximum (a vertical stroke covering
    exactly what the bucket holds), plus the first and last value as they are so
    the curve starts and ends where the data does. A ``cache`` (one per curve)
    makes a growing history cost only its new buckets; the result is the same.
    """
    start, stop = max(0, start), min(values.shape[0], stop)
    if stop - start <= 2 * max_buckets:
        return epochs[start:stop].astype(np.float64), values[start:stop]
    cached_x = cache.x if cache is not None and cache.key is not None else None
    cached_key = None if cache is None else cache.key
    starts, lows, highs = pyramid.buckets(values, start, stop, max_buckets, cache)
    if cache is not None:
        # The cached buckets' epochs, the new ones gathered (epochs of full buckets).
        full = int(np.searchsorted(starts, cache.full_stop))
        known = cached_x.shape[0] if cached_x is not None and cache.key == cached_key else 0
        known = min(known, full)
        head = cached_x[:known] if known else np.zeros(0)
        starts_x = np.concatenate([head, epochs[starts[known:]].astype(np.float64)])
        cache.x = starts_x[:full]
    else:
        starts_x = epochs[starts].astype(np.float64)
    x = np.repeat(starts_x, 2)
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
