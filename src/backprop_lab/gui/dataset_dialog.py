"""Dialogs that bring in new data: example generators and CSV import, each with a preview.

Both dialogs only *propose* data; nothing changes until the user presses OK
and the caller hands the result to the training controller. A CSV file with
any problem is rejected whole: the dialog shows the exact error (file, line,
column, what is wrong) and OK stays disabled.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core import limits
from ..core.data import (
    DataError,
    Dataset,
    LoadCancelled,
    check_dataset_limits,
    parse_csv_text,
    read_csv_text,
)
from ..core.datasets import DATASETS, FIXED_DATASETS, dataset_display_name, train_test_split
from . import class_colours
from .colors import ANCHOR_COLOURS, diverging_rgba
from .load_progress import LoadProgress
from .point_layer import PointLayer, quantise_positions

#: Rows of a CSV file shown in the import preview.
PREVIEW_ROWS = 200


def generator_defaults(name: str) -> tuple[int, float]:
    """The default ``(n_samples, noise)`` of the example dataset ``name``."""
    parameters = inspect.signature(DATASETS[dataset_display_name(name)]).parameters
    return int(parameters["n_samples"].default), float(parameters["noise"].default)


def _colours(dataset: Dataset) -> np.ndarray:
    """RGBA (n, 4) per sample: its class colour, or its target's shade (regression)."""
    if class_colours.is_multiclass(dataset):  # one colour per class
        return class_colours.class_rgba(dataset.targets)
    values = dataset.targets[:, 0]
    if dataset.task == "classification":
        deep = ANCHOR_COLOURS[[0, -1]].astype(np.uint8)
        rgba = np.full((len(values), 4), 255, dtype=np.uint8)
        with np.errstate(invalid="ignore"):
            rgba[:, :3] = np.where((values >= 0.5)[:, None], deep[1], deep[0])
        return rgba
    low, high = float(values.min()), float(values.max())
    half = (high - low) / 2 or 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        position = quantise_positions((values - (low + high) / 2) / half)
    return diverging_rgba(position, 1.0)


class DataPreview(pg.PlotWidget):
    """A small scatter of a proposed training (filled) and test (hollow) set."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setMinimumSize(280, 240)
        self.getPlotItem().hideButtons()
        for name in ("left", "bottom"):  # no "x2 (x0.001)" for inputs below 1
            self.getPlotItem().getAxis(name).enableAutoSIPrefix(False)
        self.setMouseEnabled(False, False)
        # Drawn as arrays, one scatter item per colour (an example can have 20,000 rows).
        outline = pg.mkPen(40, 40, 40)
        white = pg.mkBrush(255, 255, 255)
        self.train_scatter = PointLayer(
            self, "o", 7, lambda rgba: (outline, pg.mkBrush(rgba)), z_value=0.0, passive=False
        )
        self.test_scatter = PointLayer(
            self, "s", 7, lambda rgba: (pg.mkPen(rgba, width=2), white), z_value=1.0, passive=False
        )
        self.message = pg.TextItem(color=(90, 90, 90), anchor=(0.5, 0.5))
        self.addItem(self.message)

    def _positions(self, dataset: Dataset) -> np.ndarray:
        if dataset.n_inputs >= 2:
            return np.asarray(dataset.inputs[:, :2])
        return np.column_stack([dataset.inputs[:, 0], dataset.targets[:, 0]])

    def show_data(self, train: Dataset | None, test: Dataset | None) -> None:
        self.train_scatter.clear()
        self.test_scatter.clear()
        self.message.setText("")
        if train is None or train.n_samples == 0:
            return
        if train.n_inputs > 2:
            self.message.setText(f"{train.n_inputs} inputs: showing the first two")
            self.message.setPos(0, 0)
        names = train.input_names
        self.setLabel("bottom", names[0])
        self.setLabel("left", names[1] if train.n_inputs >= 2 else train.target_names[0])
        self.train_scatter.set_points(self._positions(train), _colours(train))
        if test is not None and test.n_samples:
            self.test_scatter.set_points(self._positions(test), _colours(test))
        self.getPlotItem().getViewBox().autoRange()


class ExampleDataDialog(QDialog):
    """Choose an example dataset, its size, noise, seed and train/test split, with a live preview.

    Parameters
    ----------
    name
        The dataset selected at first (a key of ``DATASETS`` or an alias).
    test_fraction, seed
        Initial split share and random seed.
    """

    def __init__(
        self,
        name: str = "XOR",
        test_fraction: float = 0.0,
        seed: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Example data")
        self._train: Dataset | None = None
        self._test: Dataset | None = None

        self.name_combo = QComboBox()
        self.name_combo.addItems(list(DATASETS))
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(2, 5000)
        self.samples_spin.setToolTip("How many samples to generate (before the split)")
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setRange(0.0, 2.0)
        self.noise_spin.setSingleStep(0.01)
        self.noise_spin.setDecimals(3)
        self.noise_spin.setToolTip("Standard deviation of the random jitter added to each sample")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, limits.MAX_SEED)
        self.seed_spin.setValue(int(seed))
        self.seed_spin.setToolTip("Same seed, same points: change it for a new draw")
        self.test_spin = QDoubleSpinBox()
        self.test_spin.setRange(0.0, 0.9)
        self.test_spin.setSingleStep(0.05)
        self.test_spin.setDecimals(2)
        self.test_spin.setValue(float(test_fraction))
        self.test_spin.setToolTip(
            "Share of the samples held out as a test set (0 = no test set); "
            "the network never trains on them, the loss plot shows their loss"
        )
        form = QFormLayout()
        form.addRow("Dataset:", self.name_combo)
        form.addRow("Samples:", self.samples_spin)
        form.addRow("Noise:", self.noise_spin)
        form.addRow("Random seed:", self.seed_spin)
        form.addRow("Test fraction:", self.test_spin)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.preview = DataPreview()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.description)
        left.addStretch(1)
        left.addWidget(self.summary)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addWidget(self.preview, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(self.buttons)

        self.name_combo.currentTextChanged.connect(self._on_name_changed)
        for spin in (self.samples_spin, self.noise_spin, self.seed_spin, self.test_spin):
            spin.valueChanged.connect(self._regenerate)
        self.name_combo.setCurrentText(dataset_display_name(name))
        self._on_name_changed(self.name_combo.currentText())

    def _on_name_changed(self, name: str) -> None:
        n_samples, noise = generator_defaults(name)
        fixed = name in FIXED_DATASETS
        for spin, value in ((self.samples_spin, n_samples), (self.noise_spin, noise)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.setEnabled(not fixed)
            spin.blockSignals(False)
        doc = inspect.getdoc(DATASETS[name]) or ""
        self.description.setText(doc.split("\n\n")[0])
        self._regenerate()

    def _regenerate(self) -> None:
        name = self.name_combo.currentText()
        try:
            dataset = DATASETS[name](
                n_samples=self.samples_spin.value(),
                noise=self.noise_spin.value(),
                seed=self.seed_spin.value(),
            )
            train, test = train_test_split(dataset, self.test_spin.value(), self.seed_spin.value())
        except ValueError as error:
            self._train = self._test = None
            self.summary.setText(f"Cannot make this data: {error}")
            self.summary.setStyleSheet("color: #a00000;")
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            self.preview.show_data(None, None)
            return
        self._train, self._test = train, test
        shape = f"{train.n_inputs} input(s), {train.n_outputs} output(s), {train.task}"
        split = (
            f"{train.n_samples} training + {test.n_samples} test samples"
            if test is not None
            else f"{train.n_samples} training samples, no test set"
        )
        self.summary.setStyleSheet("")
        self.summary.setText(f"{split}; {shape}.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        self.preview.show_data(train, test)

    def datasets(self) -> tuple[Dataset, Dataset | None]:
        """The proposed ``(train, test)``; test is None without a split."""
        if self._train is None:
            raise ValueError(self.summary.text())
        return self._train, self._test


class CsvImportDialog(QDialog):
    """Preview a CSV file as a table, or show exactly why it cannot be used.

    Parameters
    ----------
    path
        The file to import.
    n_targets
        How many of the last columns are targets at first.
    """

    TASK_CHOICES = (
        ("Guess from the targets", None),
        ("Regression", "regression"),
        ("Classification (0/1)", "classification"),
    )

    def __init__(self, path: str | Path, n_targets: int = 1, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Import {self.path.name}")
        self._dataset: Dataset | None = None
        self._error: str = ""
        self._train: Dataset | None = None
        self._test: Dataset | None = None
        self._text: str | None = None

        self.targets_spin = QSpinBox()
        self.targets_spin.setRange(1, limits.MAX_COLUMNS - 1)
        self.targets_spin.setValue(int(n_targets))
        self.targets_spin.setToolTip("How many of the last columns are targets (network outputs)")
        self.task_combo = QComboBox()
        for label, task in self.TASK_CHOICES:
            self.task_combo.addItem(label, task)
        self.test_spin = QDoubleSpinBox()
        self.test_spin.setRange(0.0, 0.9)
        self.test_spin.setSingleStep(0.05)
        self.test_spin.setToolTip("Share of the rows held out as a test set (0 = none)")
        form = QFormLayout()
        form.addRow("File:", QLabel(str(self.path)))
        form.addRow("Target columns:", self.targets_spin)
        form.addRow("Task:", self.task_combo)
        form.addRow("Test fraction:", self.test_spin)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.resize(560, 480)

        self.targets_spin.valueChanged.connect(self.reload)
        self.task_combo.currentIndexChanged.connect(self.reload)
        self.test_spin.valueChanged.connect(self._split)
        self.reload()

    def error(self) -> str:
        """The file's problem as :class:`DataError` states it, or an empty string."""
        return self._error

    def dataset(self) -> Dataset | None:
        """The whole parsed file, or None when it has an error."""
        return self._dataset

    def datasets(self) -> tuple[Dataset, Dataset | None]:
        """``(train, test)`` after the chosen split."""
        if self._train is None:
            raise DataError(self._error or "nothing to import")
        return self._train, self._test

    def reload(self) -> None:
        """Parse the file again with the current settings (all or nothing)."""
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        progress = LoadProgress(self, f"Reading {self.path.name}…")
        try:
            if self._text is None:
                # Read once: changing the target columns or the task parses again.
                self._text = read_csv_text(self.path)
            dataset = parse_csv_text(
                self._text,
                self.targets_spin.value(),
                str(self.path),
                task=self.task_combo.currentData(),
                name=self.path.stem,
                progress=progress,
            )
            check_dataset_limits(dataset, str(self.path))
        except LoadCancelled:
            error = DataError("the import was cancelled; nothing was read", str(self.path))
            self._show_error(error, ok)
            return
        except DataError as error:
            self._show_error(error, ok)
            return
        finally:
            progress.close()
        self._dataset = dataset
        self._error = ""
        self.error_label.setStyleSheet("")
        self.error_label.setText("")
        self._fill_table(dataset)
        ok.setEnabled(True)
        self._split()

    def _show_error(self, error: DataError, ok) -> None:
        self._dataset = self._train = self._test = None
        self._error = str(error)
        self.error_label.setStyleSheet("color: #a00000; font-weight: bold;")
        self.error_label.setText(
            f"This file cannot be used: {error}\n"
            "Nothing will be imported; fix the file or the settings above."
        )
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.summary.setText("")
        ok.setEnabled(False)

    def _fill_table(self, dataset: Dataset) -> None:
        values = np.hstack([dataset.inputs, dataset.targets])
        shown = min(len(values), PREVIEW_ROWS)
        self.table.clear()
        self.table.setRowCount(shown)
        self.table.setColumnCount(values.shape[1])
        labels = [f"{n}\n(input)" for n in dataset.input_names] + [
            f"{n}\n(target)" for n in dataset.target_names
        ]
        self.table.setHorizontalHeaderLabels(labels)
        for r in range(shown):
            for c in range(values.shape[1]):
                item = QTableWidgetItem(f"{values[r, c]:.6g}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)

    def _split(self) -> None:
        if self._dataset is None:
            return
        dataset = self._dataset
        try:
            self._train, self._test = train_test_split(dataset, self.test_spin.value(), seed=0)
        except ValueError as error:  # pragma: no cover - the spin box keeps the range valid
            self._train = self._test = None
            self.summary.setText(str(error))
            return
        more = f" (showing the first {PREVIEW_ROWS})" if dataset.n_samples > PREVIEW_ROWS else ""
        test = f", {self._test.n_samples} held out for testing" if self._test is not None else ""
        self.summary.setText(
            f"{dataset.n_samples} rows{more}: {dataset.n_inputs} input(s), "
            f"{dataset.n_outputs} target(s), {dataset.task}{test}."
        )
