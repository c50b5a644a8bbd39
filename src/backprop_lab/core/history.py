"""A bounded history of network snapshots, for rewinding through training.

Long runs emit many snapshots; :class:`SnapshotHistory` keeps at most
``capacity`` of them (plus the latest). When it is full it drops every other
stored snapshot and doubles its stride, the smallest number of epochs between
two kept snapshots, so memory stays bounded and the kept epochs stay spread
over the whole run.
"""

from __future__ import annotations

import bisect

from .snapshot import NetworkSnapshot


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``4th``, ``32nd``, ``64th``..."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class SnapshotHistory:
    """Snapshots by epoch, within a bounded memory.

    Parameters
    ----------
    capacity
        The most snapshots kept besides the latest one (at least 2).

    Examples
    --------
    >>> history = SnapshotHistory(capacity=4)
    >>> history.stride
    1
    """

    def __init__(self, capacity: int = 500) -> None:
        capacity = int(capacity)
        if capacity < 2:
            raise ValueError(f"the history needs room for at least 2 snapshots, got {capacity}")
        self.capacity = capacity
        self._epochs: list[int] = []
        self._snapshots: list[NetworkSnapshot] = []
        self._latest: NetworkSnapshot | None = None
        self.stride = 1

    def __len__(self) -> int:
        return len(self.epochs())

    def add(self, snapshot: NetworkSnapshot) -> None:
        """Record a snapshot.

        A snapshot with an epoch already stored replaces it (an edit of the
        weights); one with an earlier epoch than stored ones means training
        went back (a reset), so the later ones are dropped.
        """
        epoch = int(snapshot.epoch)
        if self._latest is not None and epoch <= self._latest.epoch:
            cut = bisect.bisect_left(self._epochs, epoch)
            del self._epochs[cut:]
            del self._snapshots[cut:]
        self._latest = snapshot
        if not self._epochs or epoch - self._epochs[-1] >= self.stride:
            self._epochs.append(epoch)
            self._snapshots.append(snapshot)
            if len(self._epochs) > self.capacity:
                self._thin()

    def _thin(self) -> None:
        # Keep the first, third, ... snapshot, and double the spacing from now on.
        self._epochs = self._epochs[::2]
        self._snapshots = self._snapshots[::2]
        self.stride *= 2

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
        """The stored snapshot of ``epoch``, or the nearest earlier one (None if none)."""
        if self._latest is not None and epoch >= self._latest.epoch:
            return self._latest
        i = bisect.bisect_right(self._epochs, int(epoch))
        return self._snapshots[i - 1] if i else None

    def clear(self) -> None:
        """Forget everything (after a reset of the network) and start again at stride 1."""
        self._epochs.clear()
        self._snapshots.clear()
        self._latest = None
        self.stride = 1

    def describe(self) -> str:
        """One line for the UI, e.g. ``"every 4th epoch kept for long runs (120 snapshots)"``."""
        n = len(self)
        if self.stride == 1:
            return f"every epoch shown is kept ({n} snapshots)"
        return (
            f"every {ordinal(self.stride)} epoch kept for long runs "
            f"({n} snapshots, at most {self.capacity + 1})"
        )
