"""A history of the network's weights, for rewinding through training, bounded in bytes.

Long runs emit many snapshots, and a snapshot holds every training sample's
activations (2 MB for a 2-64-64-1 network on 1,000 points). :class:`SnapshotHistory`
keeps only what cannot be computed again, the weights and biases of each kept
epoch (and its losses), and recomputes the rest of a snapshot (activations,
gradients, the last update) when an epoch is shown, from the data the snapshot
was computed from (:class:`~backprop_lab.core.snapshot.SnapshotSource`, shared by
all epochs trained on the same data).

It keeps at most ``capacity`` epochs and at most ``max_bytes`` bytes (default
:data:`DEFAULT_MAX_BYTES`). When either is exceeded it drops every other kept
epoch and doubles its stride, the smallest number of epochs between two kept
ones, so memory stays bounded and the kept epochs stay spread over the whole run.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from .snapshot import NetworkSnapshot, SnapshotSource, recompute_snapshot

#: The most bytes a history keeps by default (its label states it).
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
#: Bytes counted for one kept epoch besides its arrays (Python objects, lists).
ENTRY_OVERHEAD_BYTES = 400


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``4th``, ``32nd``, ``64th``..."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe_megabytes(n_bytes: float) -> str:
    """``"0.3 MB"``, ``"12 MB"``, ``"200 MB"``."""
    mb = n_bytes / 2**20
    return f"{mb:.1f} MB" if mb < 10 else f"{mb:,.0f} MB"


@dataclass(frozen=True, eq=False)
class _Entry:
    """One kept epoch: its weights and what the snapshot needs besides them."""

    epoch: int
    weights: tuple
    biases: tuple | None
    activations: tuple[str, ...]
    features: tuple[str, ...] | None
    train_loss: float
    test_loss: float | None
    penalty: float
    loss_name: str
    source: SnapshotSource | None
    #: A whole snapshot, kept only when it says nothing of what it was computed from.
    snapshot: NetworkSnapshot | None
    nbytes: int

    @classmethod
    def of(cls, snapshot: NetworkSnapshot) -> _Entry:
        source = snapshot.source
        arrays = list(snapshot.weights) + list(snapshot.biases or ())
        nbytes = ENTRY_OVERHEAD_BYTES + sum(a.nbytes for a in arrays)
        kept = None
        if source is None:
            kept = snapshot
            nbytes = _snapshot_bytes(snapshot)
        return cls(
            epoch=int(snapshot.epoch),
            weights=snapshot.weights,
            biases=snapshot.biases,
            activations=tuple(snapshot.activations),
            features=snapshot.features,
            train_loss=snapshot.train_loss,
            test_loss=snapshot.test_loss,
            penalty=snapshot.penalty,
            loss_name=snapshot.loss_name,
            source=source,
            snapshot=kept,
            nbytes=nbytes,
        )

    def same_network(self, other: _Entry) -> bool:
        return [w.shape for w in self.weights] == [w.shape for w in other.weights] and (
            self.biases is None
        ) == (other.biases is None)


def _snapshot_bytes(snapshot: NetworkSnapshot) -> int:
    total = ENTRY_OVERHEAD_BYTES
    for value in vars(snapshot).values():
        if isinstance(value, np.ndarray):
            total += value.nbytes
        elif isinstance(value, tuple):
            total += sum(a.nbytes for a in value if isinstance(a, np.ndarray))
    return total


class SnapshotHistory:
    """Snapshots by epoch, within a bounded memory.

    Parameters
    ----------
    capacity
        The most epochs kept besides the latest one (at least 2).
    max_bytes
        The most bytes the kept epochs may take (weights, biases and the data
        they were trained on, counted once); at least 1 MB.

    Examples
    --------
    >>> history = SnapshotHistory(capacity=4)
    >>> history.stride
    1
    """

    def __init__(self, capacity: int = 500, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        capacity = int(capacity)
        if capacity < 2:
            raise ValueError(f"the history needs room for at least 2 snapshots, got {capacity}")
        max_bytes = int(max_bytes)
        if max_bytes < 2**20:
            raise ValueError(f"the history needs at least 1 MB, got {max_bytes} bytes")
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._epochs: list[int] = []
        self._entries: list[_Entry] = []
        self._entry_bytes = 0
        #: The data sets the entries were trained on, each once: id -> [data, entries].
        self._sources: dict[int, list] = {}
        self._latest: NetworkSnapshot | None = None
        self._shown: tuple[int, NetworkSnapshot] | None = None  # the last recomputed
        self.stride = 1

    def __len__(self) -> int:
        latest = self._latest
        extra = latest is not None and (not self._epochs or self._epochs[-1] != latest.epoch)
        return len(self._epochs) + int(extra)

    def _count_source(self, entry: _Entry) -> None:
        if entry.source is not None:
            self._sources.setdefault(id(entry.source), [entry.source, 0])[1] += 1

    def _recount_sources(self) -> None:
        self._sources = {}
        for entry in self._entries:
            self._count_source(entry)

    def add(self, snapshot: NetworkSnapshot) -> None:
        """Record a snapshot.

        A snapshot with an epoch already stored replaces it (an edit of the
        weights); one with an earlier epoch than stored ones means training
        went back (a reset), so the later ones are dropped.
        """
        epoch = int(snapshot.epoch)
        if self._latest is not None and epoch <= self._latest.epoch:
            cut = bisect.bisect_left(self._epochs, epoch)
            self._entry_bytes -= sum(e.nbytes for e in self._entries[cut:])
            del self._epochs[cut:]
            del self._entries[cut:]
            self._recount_sources()
            self._shown = None
        self._latest = snapshot
        if not self._epochs or epoch - self._epochs[-1] >= self.stride:
            entry = _Entry.of(snapshot)
            self._epochs.append(epoch)
            self._entries.append(entry)
            self._entry_bytes += entry.nbytes
            self._count_source(entry)
            while len(self._epochs) > 2 and (
                len(self._epochs) > self.capacity or self.nbytes() > self.max_bytes
            ):
                self._thin()

    def _thin(self) -> None:
        # Keep the first, third, ... epoch, and double the spacing from now on.
        self._epochs = self._epochs[::2]
        self._entries = self._entries[::2]
        self._entry_bytes = sum(e.nbytes for e in self._entries)
        self._recount_sources()
        self.stride *= 2
        self._shown = None

    def nbytes(self) -> int:
        """Bytes the kept epochs take: their weights, plus each distinct data set once."""
        return self._entry_bytes + sum(source.nbytes for source, _n in self._sources.values())

    def first_epoch(self) -> int | None:
        """The oldest epoch that can be shown (None when empty)."""
        if self._epochs:
            return self._epochs[0]
        return None if self._latest is None else self._latest.epoch

    def epochs(self) -> list[int]:
        """The epochs that can be shown, oldest first (the latest included)."""
        epochs = list(self._epochs)
        if self._latest is not None and (not epochs or epochs[-1] != self._latest.epoch):
            epochs.append(self._latest.epoch)
        return epochs

    @property
    def latest(self) -> NetworkSnapshot | None:
        """The most recent snapshot added."""
        return self._latest

    def at_or_before(self, epoch: int) -> NetworkSnapshot | None:
        """The snapshot of ``epoch``, or of the nearest earlier one kept (None if none).

        Everything but the weights is computed again (a forward and a backward
        pass over the data that epoch was trained on); the last update is known
        when the epoch before it is kept too.
        """
        if self._latest is not None and epoch >= self._latest.epoch:
            return self._latest
        i = bisect.bisect_right(self._epochs, int(epoch))
        if not i:
            return None
        entry = self._entries[i - 1]
        if entry.snapshot is not None:
            return entry.snapshot
        if self._shown is not None and self._shown[0] == entry.epoch:
            return self._shown[1]
        before = self._entries[i - 2] if i >= 2 else None
        previous_weights = previous_biases = None
        if before is not None and before.epoch == entry.epoch - 1 and before.same_network(entry):
            previous_weights, previous_biases = before.weights, before.biases
        snapshot = recompute_snapshot(
            entry.epoch,
            entry.weights,
            entry.biases,
            entry.activations,
            entry.features,
            entry.source,
            test_loss=entry.test_loss,
            previous_weights=previous_weights,
            previous_biases=previous_biases,
        )
        self._shown = (entry.epoch, snapshot)
        return snapshot

    def clear(self) -> None:
        """Forget everything (after a reset of the network) and start again at stride 1."""
        self._epochs.clear()
        self._entries.clear()
        self._entry_bytes = 0
        self._sources = {}
        self._latest = None
        self._shown = None
        self.stride = 1

    def describe(self) -> str:
        """One line for the UI: which epochs are kept and how many."""
        n = len(self)
        if self.stride == 1:
            return f"every epoch shown is kept ({n} snapshots)"
        return (
            f"every {ordinal(self.stride)} epoch kept for long runs "
            f"({n} snapshots, at most {self.capacity + 1})"
        )

    def describe_memory(self) -> str:
        """One line for the UI: the memory kept and its cap, e.g. ``"Memory: 3.1 MB of ..."``."""
        return (
            f"Memory: {describe_megabytes(self.nbytes())} of at most "
            f"{describe_megabytes(self.max_bytes)}"
        )
