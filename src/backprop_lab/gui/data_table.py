"""The data table: edit the training set cell by cell, with undo, paste and validation.

The table keeps every cell as the text the user typed, so a wrong entry stays
visible (red, with a tooltip that says what is wrong) until it is fixed. Only
when every cell is a finite number does the widget build a
:class:`~backprop_lab.core.data.Dataset` and emit :attr:`DataTableWidget.data_edited`;
until then the trainer keeps the last valid data and the status line says
which cell is wrong.

Every change (typing, paste, adding, duplicating, deleting or moving rows,
and edits made in the data plot) is a command on one :class:`QUndoStack`, so
Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) walk back and forth through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QGuiApplication,
    QKeySequence,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.data import (
    DataError,
    Dataset,
    check_dataset_limits,
    parse_cell,
    parse_pasted_block,
    show_invisible,
)
from ..core.data import cell_problem as _core_cell_problem
from .flow_layout import FlowLayout

#: Background of a cell that is not a finite number.
INVALID_CELL_COLOUR = QColor(255, 190, 190)
#: Text of the cells of rows added with "Add row" or by pasting past the end.
NEW_CELL_TEXT = "0"


def format_number(value: float) -> str:
    """The text a number is stored as: the shortest text that reads back exactly."""
    value = float(value)
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


class CellTexts:
    """The cells' texts row by row, each row formatted from the data's numbers when it
    is first read (a list of rows otherwise: rows can be changed, inserted, deleted).

    Loading 20,000 training and 20,000 test samples formatted 120,000 numbers (0.3 s of
    the GUI thread) where the table shows a few dozen rows.
    """

    __slots__ = ("_rows", "_table")

    def __init__(self, table: np.ndarray) -> None:
        self._table = table
        #: A row's texts, or (an int) the row of ``_table`` still to format.
        self._rows: list = list(range(len(table)))

    def _row(self, k: int) -> list[str]:
        row = self._rows[k]
        if isinstance(row, int):
            row = self._rows[k] = [format_number(v) for v in self._table[row].tolist()]
        return row

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self._row(k) for k in range(*key.indices(len(self._rows)))]
        return self._row(key)

    def __setitem__(self, key, rows) -> None:
        self._rows[key] = rows

    def __delitem__(self, key) -> None:
        del self._rows[key]

    def __iter__(self):
        for k in range(len(self._rows)):
            yield self._row(k)


#: The one cell validator, shared with paste and CSV import (see core.data.parse_cell).
cell_problem = _core_cell_problem

#: Pasted text split into cells with the csv module (see core.data.parse_pasted_block).
parse_block = parse_pasted_block


class DataTableModel(QAbstractTableModel):
    """Cells of a data set as text, one column per input and per target.

    Edits through :meth:`setData` go to the undo stack; the ``_apply_*``
    methods change the cells directly and are what the undo commands call.
    """

    #: Emitted after any change of the cells (typing, undo, redo, paste, rows).
    cells_changed = Signal()

    def __init__(self, dataset: Dataset, undo_stack: QUndoStack | None = None, parent=None):
        super().__init__(parent)
        self._undo_stack = undo_stack
        self._template = dataset
        self._cells: CellTexts = CellTexts(np.zeros((0, 0)))
        #: The dataset the cells were loaded from while no cell has changed since.
        self._known_valid: Dataset | None = None
        self._batch_depth = 0
        self._batch_dirty = False
        self.load(dataset)

    @contextmanager
    def batch(self):
        """Group several changes so :attr:`cells_changed` fires once, at the end."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._batch_dirty:
                self._batch_dirty = False
                self.cells_changed.emit()

    def _changed(self) -> None:
        if self._batch_depth:
            self._batch_dirty = True
        else:
            self.cells_changed.emit()

    # ------------------------------------------------------------- contents
    def load(self, dataset: Dataset) -> None:
        """Show ``dataset`` (not undoable; the caller clears the undo stack)."""
        self.beginResetModel()
        self._template = dataset
        table = np.hstack([dataset.inputs, dataset.targets])
        self._cells = CellTexts(table)
        # The cells are the dataset's numbers, written exactly: no need to read them back.
        self._known_valid = dataset
        self.endResetModel()
        self._changed()

    @property
    def template(self) -> Dataset:
        """The data set whose columns, name and task the table keeps."""
        return self._template

    @property
    def column_names(self) -> tuple[str, ...]:
        return self._template.column_names

    @property
    def n_inputs(self) -> int:
        return self._template.n_inputs

    def cell_text(self, row: int, column: int) -> str:
        return self._cells[row][column]

    def row_texts(self, row: int) -> list[str]:
        return list(self._cells[row])

    def first_problem(self) -> tuple[int, int, str] | None:
        """``(row, column, problem)`` of the first invalid cell, or None."""
        if self._known_valid is not None:
            return None
        for r, row in enumerate(self._cells):
            for c, text in enumerate(row):
                problem = cell_problem(text)
                if problem is not None:
                    return r, c, problem
        return None

    def invalid_cells(self) -> list[tuple[int, int]]:
        return [
            (r, c)
            for r, row in enumerate(self._cells)
            for c, text in enumerate(row)
            if cell_problem(text) is not None
        ]

    def to_dataset(self) -> Dataset:
        """The cells as a Dataset.

        Raises
        ------
        DataError
            Naming the row and column of the first invalid cell.
        """
        if self._known_valid is not None:
            return self._known_valid
        found = self.first_problem()
        if found is not None:
            r, c, problem = found
            raise DataError(f"row {r + 1}: {problem}", column=self.column_names[c])
        width = len(self.column_names)
        table = np.array(
            [[parse_cell(text) for text in row] for row in self._cells], dtype=np.float64
        ).reshape(-1, width)
        n_in = self.n_inputs
        dataset = self._template.with_rows(table[:, :n_in], table[:, n_in:])
        check_dataset_limits(dataset)  # size and magnitude, as for a CSV file
        return dataset

    # ------------------------------------------------------ Qt model methods
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.column_names)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        text = self._cells[index.row()][index.column()]
        problem = cell_problem(text)
        if role == Qt.ItemDataRole.DisplayRole:
            # An invalid cell shows its invisible characters as ⟨U+200B⟩, so the student
            # sees why "1" is refused.
            return show_invisible(text) if problem is not None else f"{parse_cell(text):.6g}"
        if role == Qt.ItemDataRole.EditRole:
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            name = self.column_names[index.column()]
            if problem is not None:
                return (
                    f"Row {index.row() + 1}, {name}: {problem}.\n"
                    "Training keeps using the last valid data until this is fixed."
                )
            return f"Row {index.row() + 1}, {name} = {text}"
        if role == Qt.ItemDataRole.BackgroundRole and problem is not None:
            return QBrush(INVALID_CELL_COLOUR)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(section + 1)
            return None
        if section >= len(self.column_names):
            return None
        is_input = section < self.n_inputs
        if role == Qt.ItemDataRole.DisplayRole:
            return self.column_names[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            kind = "input" if is_input else "target (what the network should output)"
            return f"{self.column_names[section]}: {kind}"
        if role == Qt.ItemDataRole.ForegroundRole and not is_input:
            return QBrush(QColor(24, 82, 168))
        return None

    def flags(self, index):
        base = super().flags(index)
        if self._undo_stack is None:
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._undo_stack is None:
            return False
        new = str(value).strip()
        old = self._cells[index.row()][index.column()]
        if new == old:
            return False
        name = self.column_names[index.column()]
        self._undo_stack.push(
            SetCellsCommand(
                self,
                [(index.row(), index.column(), old, new)],
                0,
                f"Edit row {index.row() + 1}, {name}",
            )
        )
        return True

    # --------------------------------------------------- direct cell changes
    def _apply_cells(self, changes: Sequence[tuple[int, int, str]]) -> None:
        if not changes:
            return
        self._known_valid = None
        for row, column, text in changes:
            self._cells[row][column] = text
        rows = [r for r, _, _ in changes]
        columns = [c for _, c, _ in changes]
        self.dataChanged.emit(
            self.index(min(rows), min(columns)), self.index(max(rows), max(columns))
        )
        self._changed()

    def _apply_insert(self, position: int, rows: Sequence[Sequence[str]]) -> None:
        if not rows:
            return
        self._known_valid = None
        self.beginInsertRows(QModelIndex(), position, position + len(rows) - 1)
        self._cells[position:position] = [list(r) for r in rows]
        self.endInsertRows()
        self._changed()

    def _apply_remove(self, position: int, count: int) -> list[list[str]]:
        if count <= 0:
            return []
        self._known_valid = None
        self.beginRemoveRows(QModelIndex(), position, position + count - 1)
        removed = self._cells[position : position + count]
        del self._cells[position : position + count]
        self.endRemoveRows()
        self._changed()
        return removed

    def blank_row(self) -> list[str]:
        return [NEW_CELL_TEXT] * len(self.column_names)


class SetCellsCommand(QUndoCommand):
    """Change some cells, after appending ``appended_rows`` new rows (for a paste)."""

    def __init__(
        self,
        model: DataTableModel,
        changes: Sequence[tuple[int, int, str, str]],
        appended_rows: int,
        text: str,
    ) -> None:
        super().__init__(text)
        self._model = model
        self._changes = list(changes)
        self._appended_rows = appended_rows

    def redo(self) -> None:
        with self._model.batch():
            if self._appended_rows:
                end = self._model.rowCount()
                blank = self._model.blank_row()
                self._model._apply_insert(end, [blank] * self._appended_rows)
            self._model._apply_cells([(r, c, new) for r, c, _, new in self._changes])

    def undo(self) -> None:
        with self._model.batch():
            self._model._apply_cells([(r, c, old) for r, c, old, _ in self._changes])
            if self._appended_rows:
                end = self._model.rowCount()
                self._model._apply_remove(end - self._appended_rows, self._appended_rows)


class InsertRowsCommand(QUndoCommand):
    """Insert rows of cell texts at ``position``."""

    def __init__(self, model: DataTableModel, position: int, rows, text: str) -> None:
        super().__init__(text)
        self._model = model
        self._position = position
        self._rows = [list(r) for r in rows]

    def redo(self) -> None:
        self._model._apply_insert(self._position, self._rows)

    def undo(self) -> None:
        self._model._apply_remove(self._position, len(self._rows))


class RemoveRowsCommand(QUndoCommand):
    """Remove the rows at ``indices`` (any order); undo puts them back where they were."""

    def __init__(self, model: DataTableModel, indices: Sequence[int], text: str) -> None:
        super().__init__(text)
        self._model = model
        self._indices = sorted(set(int(i) for i in indices))
        self._removed: list[tuple[int, list[str]]] = []

    def redo(self) -> None:
        self._removed = []
        with self._model.batch():
            for index in reversed(self._indices):
                self._removed.append((index, self._model._apply_remove(index, 1)[0]))

    def undo(self) -> None:
        with self._model.batch():
            for index, row in reversed(self._removed):
                self._model._apply_insert(index, [row])


class DataTableWidget(QWidget):
    """The training set as an editable table (and the test set, read-only, in a second tab).

    Parameters
    ----------
    train
        The training set to show and edit.
    test
        The test set, shown read-only, or None when there is no split.

    Signals
    -------
    data_edited(Dataset)
        The edited training set, emitted only when every cell is a finite
        number and the data differ from what was last emitted or loaded.
    problem_changed(str)
        What is wrong with the table (empty string when nothing is).
    """

    data_edited = Signal(object)
    problem_changed = Signal(str)

    def __init__(
        self, train: Dataset, test: Dataset | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.model = DataTableModel(train, self.undo_stack, self)
        self.test_model = DataTableModel(test if test is not None else train, None, self)
        self._test: Dataset | None = test
        self._valid: Dataset = train
        self._problem = ""

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.test_view = QTableView()
        self.test_view.setModel(self.test_model)
        self.test_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.test_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.test_view.verticalHeader().setDefaultSectionSize(22)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.view, "")
        self.tabs.addTab(self.test_view, "")

        self._make_actions()
        # Wraps in a narrow dock column instead of widening it (a 1280 x 720 window).
        buttons = FlowLayout(spacing=4)
        for action in (
            self.add_row_action,
            self.duplicate_rows_action,
            self.delete_rows_action,
            self.undo_action,
            self.redo_action,
        ):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            buttons.addWidget(button)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status_label)

        self.model.cells_changed.connect(self._on_cells_changed)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._reconnect_selection)
        self.set_data(train, test)

    # ---------------------------------------------------------------- actions
    def _make_actions(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.add_row_action = QAction("Add row", self)
        self.add_row_action.setToolTip("Add a row of zeros below the selection (Ctrl+Shift+=)")
        self.add_row_action.setShortcut(QKeySequence("Ctrl+Shift+="))
        self.add_row_action.triggered.connect(lambda: self.add_rows(1))
        self.duplicate_rows_action = QAction("Duplicate", self)
        self.duplicate_rows_action.setToolTip("Copy the selected rows below the last one (Ctrl+D)")
        self.duplicate_rows_action.setShortcut(QKeySequence("Ctrl+D"))
        self.duplicate_rows_action.triggered.connect(lambda: self.duplicate_rows())
        self.delete_rows_action = QAction("Delete rows", self)
        self.delete_rows_action.setToolTip("Delete the selected rows (Ctrl+Delete)")
        self.delete_rows_action.setShortcut(QKeySequence("Ctrl+Del"))
        self.delete_rows_action.triggered.connect(lambda: self.delete_rows())
        # Short button texts; what would be undone goes into the tooltip.
        self.undo_action = QAction("Undo", self)
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.undo_action.triggered.connect(self.undo_stack.undo)
        self.undo_action.setEnabled(False)
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(
            lambda text: self.undo_action.setToolTip(f"Undo {text} (Ctrl+Z)" if text else "Undo")
        )
        self.redo_action = QAction("Redo", self)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.triggered.connect(self.undo_stack.redo)
        self.redo_action.setEnabled(False)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.redoTextChanged.connect(
            lambda text: self.redo_action.setToolTip(
                f"Redo {text} (Ctrl+Shift+Z or Ctrl+Y)" if text else "Redo"
            )
        )
        self.paste_action = QAction("Paste", self)
        self.paste_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Paste))
        self.paste_action.triggered.connect(self.paste_from_clipboard)
        self.copy_action = QAction("Copy", self)
        self.copy_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_action.triggered.connect(self.copy_to_clipboard)
        for action in (
            self.add_row_action,
            self.duplicate_rows_action,
            self.delete_rows_action,
            self.undo_action,
            self.redo_action,
            self.paste_action,
            self.copy_action,
        ):
            action.setShortcutContext(context)
            self.addAction(action)

    def _reconnect_selection(self) -> None:
        self._update_actions()

    def _update_actions(self, *args) -> None:
        has_rows = bool(self.selected_rows())
        self.duplicate_rows_action.setEnabled(has_rows)
        self.delete_rows_action.setEnabled(has_rows)

    # ------------------------------------------------------------------ data
    def set_data(self, train: Dataset, test: Dataset | None = None) -> None:
        """Show new data (from the Data menu or a file); clears the undo history."""
        self.undo_stack.clear()
        self._valid = train
        self._test = test
        self.model.load(train)
        if test is not None:
            self.test_model.load(test)
        self.tabs.setTabEnabled(1, test is not None)
        self._update_tab_titles()
        self._update_actions()

    def dataset(self) -> Dataset:
        """The last valid training set (what the trainer uses)."""
        return self._valid

    def test_dataset(self) -> Dataset | None:
        """The test set shown in the read-only tab, or None."""
        return self._test

    def problem(self) -> str:
        """What is wrong with the table, or an empty string."""
        return self._problem

    def _update_tab_titles(self) -> None:
        self.tabs.setTabText(0, f"Training set ({self.model.rowCount()})")
        if self._test is None:
            self.tabs.setTabText(1, "Test set (none)")
            self.tabs.setTabToolTip(1, "No train/test split: choose one in Data ▸ Example data.")
        else:
            self.tabs.setTabText(1, f"Test set ({self._test.n_samples}, read-only)")
            self.tabs.setTabToolTip(
                1,
                "Held-out samples from the train/test split; the network never trains on them.",
            )

    def _on_cells_changed(self) -> None:
        self._update_tab_titles()
        self._update_actions()
        problem = ""
        dataset = None
        if self.model.rowCount() == 0:
            problem = "The training set is empty: add at least one row."
        else:
            try:
                dataset = self.model.to_dataset()
            except DataError as error:
                found = self.model.first_problem()
                invalid = len(self.model.invalid_cells())
                if found is not None:
                    r, c, what = found
                    name = self.model.column_names[c]
                    more = f" ({invalid - 1} more invalid cells)" if invalid > 1 else ""
                    problem = f"Row {r + 1}, column '{name}': {what}{more}."
                else:
                    problem = str(error)
        if problem:
            problem += " Training keeps using the last valid data."
            self.status_label.setStyleSheet("color: #a00000;")
            self.status_label.setText(problem)
        else:
            self.status_label.setStyleSheet("")
            self.status_label.setText(
                f"{self.model.rowCount()} training samples, all valid. "
                "Double-click a cell to edit, Ctrl+V pastes a block from a spreadsheet."
            )
        if problem != self._problem:
            self._problem = problem
            self.problem_changed.emit(problem)
        if dataset is not None and dataset != self._valid:
            self._valid = dataset
            self.data_edited.emit(dataset)

    # ------------------------------------------------------------ row editing
    def selected_rows(self) -> list[int]:
        selection = self.view.selectionModel()
        if selection is None:
            return []
        return sorted({index.row() for index in selection.selectedIndexes()})

    def add_rows(self, count: int = 1, position: int | None = None) -> None:
        """Insert ``count`` rows of zeros after the selection (or at the end)."""
        if position is None:
            rows = self.selected_rows()
            position = rows[-1] + 1 if rows else self.model.rowCount()
        blank = self.model.blank_row()
        text = "Add row" if count == 1 else f"Add {count} rows"
        self.undo_stack.push(InsertRowsCommand(self.model, position, [blank] * count, text))
        self.view.selectRow(position)

    def duplicate_rows(self, rows: Sequence[int] | None = None) -> None:
        """Copy ``rows`` (default: the selected rows) to just below the last of them."""
        rows = self.selected_rows() if rows is None else sorted(rows)
        if not rows:
            return
        copies = [self.model.row_texts(r) for r in rows]
        text = f"Duplicate {len(rows)} row" + ("s" if len(rows) > 1 else "")
        self.undo_stack.push(InsertRowsCommand(self.model, rows[-1] + 1, copies, text))

    def delete_rows(self, rows: Sequence[int] | None = None) -> None:
        """Delete ``rows`` (default: the selected rows)."""
        rows = self.selected_rows() if rows is None else list(rows)
        if not rows:
            return
        text = f"Delete {len(set(rows))} row" + ("s" if len(set(rows)) > 1 else "")
        self.undo_stack.push(RemoveRowsCommand(self.model, rows, text))

    def set_cell_text(self, row: int, column: int, text: str) -> None:
        """Type ``text`` into one cell (undoable), as the editor does."""
        self.model.setData(self.model.index(row, column), text)

    # Edits from the data plot: one undoable command each.
    def add_sample(self, values: Sequence[float]) -> None:
        """Append one sample (inputs then targets)."""
        row = self._row_from_values(values)
        position = self.model.rowCount()
        self.undo_stack.push(InsertRowsCommand(self.model, position, [row], "Add point"))

    def remove_sample(self, index: int) -> None:
        """Remove the sample at row ``index``."""
        self.undo_stack.push(RemoveRowsCommand(self.model, [index], "Remove point"))

    def replace_sample(self, index: int, values: Sequence[float]) -> None:
        """Give the sample at row ``index`` new values (inputs then targets)."""
        row = self._row_from_values(values)
        changes = [
            (index, c, old, new)
            for c, (old, new) in enumerate(zip(self.model.row_texts(index), row, strict=True))
            if old != new
        ]
        if changes:
            self.undo_stack.push(SetCellsCommand(self.model, changes, 0, "Move point"))

    def _row_from_values(self, values: Sequence[float]) -> list[str]:
        values = [float(v) for v in values]
        if len(values) != self.model.columnCount():
            raise ValueError(f"a sample needs {self.model.columnCount()} values, got {len(values)}")
        return [format_number(v) for v in values]

    # ------------------------------------------------------ clipboard support
    def paste_text(self, text: str, row: int | None = None, column: int | None = None) -> None:
        """Paste a block of spreadsheet text with its top-left cell at ``(row, column)``.

        Rows past the end are added (filled with zeros where the block is
        narrower than the table); columns past the last one are dropped. The
        whole paste is one undo step.
        """
        try:
            block = parse_block(text)
        except DataError as error:
            self.status_label.setText(f"Nothing pasted: {error}")
            return
        if not block:
            return
        if row is None or column is None:
            current = self.view.currentIndex()
            row = current.row() if current.isValid() else self.model.rowCount()
            column = current.column() if current.isValid() else 0
        n_columns = self.model.columnCount()
        n_rows = self.model.rowCount()
        appended = max(0, row + len(block) - n_rows)
        changes = []
        for i, cells in enumerate(block):
            for j, new in enumerate(cells):
                c = column + j
                if c >= n_columns:
                    break
                r = row + i
                old = self.model.cell_text(r, c) if r < n_rows else NEW_CELL_TEXT
                if old != new or r >= n_rows:
                    changes.append((r, c, old, new))
        dropped = max(len(cells) for cells in block) - (n_columns - column)
        label = f"Paste {len(block)}×{max(len(c) for c in block)} cells"
        self.undo_stack.push(SetCellsCommand(self.model, changes, appended, label))
        if dropped > 0:
            self.status_label.setText(
                self.status_label.text()
                + f" ({dropped} pasted column(s) past the last column were left out.)"
            )

    def paste_from_clipboard(self) -> None:
        self.paste_text(QGuiApplication.clipboard().text())

    def copy_to_clipboard(self) -> None:
        """Copy the selected cells as tab-separated text (pastes into spreadsheets)."""
        indexes = self.view.selectionModel().selectedIndexes()
        if not indexes:
            return
        rows = sorted({i.row() for i in indexes})
        columns = sorted({i.column() for i in indexes})
        lines = ["\t".join(self.model.cell_text(r, c) for c in columns) for r in rows]
        QGuiApplication.clipboard().setText("\n".join(lines))


__all__ = [
    "DataTableModel",
    "DataTableWidget",
    "InsertRowsCommand",
    "RemoveRowsCommand",
    "SetCellsCommand",
    "cell_problem",
    "format_number",
    "parse_block",
]
