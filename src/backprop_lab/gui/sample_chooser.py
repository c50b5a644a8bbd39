"""Choose the whole batch or one sample, a page of samples at a time for large data.

The phase stepper and the chain-rule panel explain a step for the whole batch
or for one sample. Listing every sample costs a formatted label and a combo-box
entry each (100,000 samples took about 5.5 s after every data change), so above
:data:`PAGE_SIZE` samples the list holds one page of them and a page selector
under it says which samples are listed; choosing a sample by number
(:meth:`SampleChooser.set_sample`) turns to its page.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

#: Samples listed at once; more are shown a page at a time.
PAGE_SIZE = 1000


def _count(n: int) -> str:
    return f"{n:,}"


class SampleChooser(QWidget):
    """A list of "the whole batch" and the samples (one page of them above :data:`PAGE_SIZE`).

    Parameters
    ----------
    whole_text
        ``whole_text(n_samples)``: the text of the first entry (the whole batch).
    labels
        ``labels(start, stop)``: the texts of samples ``start`` … ``stop - 1``.
    page_size
        Samples listed at once.

    Signals
    -------
    sample_changed(object)
        The choice changed: None (the whole batch) or a sample index (from 0).
    """

    sample_changed = Signal(object)

    def __init__(
        self,
        whole_text: Callable[[int], str],
        labels: Callable[[int, int], list[str]],
        page_size: int = PAGE_SIZE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._whole_text = whole_text
        self._labels = labels
        self._page_size = max(1, int(page_size))
        self._count = 0
        self._page = 0
        self.combo = QComboBox()
        self.combo.currentIndexChanged.connect(self._on_index_changed)
        self.page_spin = QSpinBox()
        self.page_spin.setMinimum(1)
        self.page_spin.setToolTip("Which samples the list above holds")
        self.page_spin.valueChanged.connect(lambda value: self.set_page(value - 1))
        self.page_label = QLabel()
        self.page_label.setWordWrap(True)
        #: The page selector and what the list holds: the host places it (under the
        #: list's row); shown only while the samples are paged.
        self.page_row = QWidget(self)
        row = QHBoxLayout(self.page_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.page_label, 1)
        row.addWidget(QLabel("Page"))
        row.addWidget(self.page_spin)
        self.page_row.setVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        self._last: int | None = None

    # ---------------------------------------------------------------- queries
    def chosen(self) -> int | None:
        """None for the whole batch, else the chosen sample's index."""
        return self.combo.currentData()

    def count(self) -> int:
        """How many samples there are to choose from."""
        return self._count

    def is_paged(self) -> bool:
        """True when the list holds one page of the samples, not all of them."""
        return self._count > self._page_size

    def page(self) -> int:
        """The page listed (from 0)."""
        return self._page

    def page_count(self) -> int:
        return max(1, -(-self._count // self._page_size))

    def listed(self) -> range:
        """The sample indices the list holds now."""
        start = self._page * self._page_size
        return range(start, min(self._count, start + self._page_size))

    def note_text(self) -> str:
        """What the page row says ("" when every sample is listed)."""
        return self.page_label.text() if self.is_paged() else ""

    # ---------------------------------------------------------------- changes
    def refresh(self, count: int) -> None:
        """Rebuild the list for ``count`` samples, keeping the choice if it still exists."""
        chosen = self.chosen()
        self._count = max(0, int(count))
        if chosen is not None and chosen >= self._count:
            chosen = None
        if chosen is not None:
            self._page = chosen // self._page_size
        self._page = min(self._page, self.page_count() - 1)
        self._fill(chosen)
        self._last = self.chosen()  # a rebuild is not a choice: no signal

    def set_page(self, page: int) -> None:
        """List page ``page`` (from 0); a chosen sample not on it gives way to its first."""
        page = max(0, min(int(page), self.page_count() - 1))
        if page == self._page:
            return
        self._page = page
        chosen = self.chosen()
        if chosen is not None and chosen not in self.listed():
            chosen = self.listed().start
        self._fill(chosen)
        self._emit_if_changed()

    def set_sample(self, sample: int | None) -> None:
        """Choose the whole batch (None) or sample ``sample`` (turning to its page)."""
        if sample is not None:
            sample = int(sample)
            if not 0 <= sample < self._count:
                raise ValueError(f"sample {sample} does not exist")
            if sample not in self.listed():
                self._page = sample // self._page_size
                self._fill(self.chosen())
        self.combo.setCurrentIndex(self.combo.findData(sample))
        self._emit_if_changed()

    # --------------------------------------------------------------- internals
    def _fill(self, chosen: int | None) -> None:
        listed = self.listed()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(self._whole_text(self._count), None)
        for n, label in zip(listed, self._labels(listed.start, listed.stop), strict=True):
            self.combo.addItem(label, n)
        index = self.combo.findData(chosen) if chosen is not None else 0
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)
        paged = self.is_paged()
        self.page_row.setVisible(paged)
        if paged:
            self.page_spin.blockSignals(True)
            self.page_spin.setMaximum(self.page_count())
            self.page_spin.setSuffix(f" of {_count(self.page_count())}")
            self.page_spin.setValue(self._page + 1)
            self.page_spin.blockSignals(False)
            self.page_label.setText(
                f"Listed: samples {_count(listed.start + 1)}–{_count(listed.stop)} "
                f"of {_count(self._count)}"
            )

    def _on_index_changed(self, _index: int) -> None:
        self._emit_if_changed()

    def _emit_if_changed(self) -> None:
        chosen = self.chosen()
        if chosen != self._last:
            self._last = chosen
            self.sample_changed.emit(chosen)
