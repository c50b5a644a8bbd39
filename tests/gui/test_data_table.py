"""The data table: only valid edits reach the trainer; undo/redo and paste are exact."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from backprop_lab.core.data import Dataset
from backprop_lab.core.datasets import seed_dataset, train_test_split, xor
from backprop_lab.gui.data_table import (
    INVALID_CELL_COLOUR,
    DataTableWidget,
    cell_problem,
    format_number,
    parse_block,
)


@pytest.fixture
def table(qtbot):
    widget = DataTableWidget(seed_dataset())
    qtbot.addWidget(widget)
    return widget


def emitted(qtbot, widget):
    """Collect every data_edited payload."""
    seen = []
    widget.data_edited.connect(seen.append)
    return seen


def test_columns_are_named_inputs_then_targets(table):
    model = table.model
    names = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert names == ["x1", "x2", "t"]
    assert model.rowCount() == 3
    assert float(model.cell_text(0, 0)) == 2 / 3
    assert table.tabs.tabText(0) == "Training set (3)"
    assert not table.tabs.isTabEnabled(1)


def test_format_number_reads_back_exactly():
    for value in (2 / 3, 0.1, -1e-300, 1e20, 3.0, 0.0, 123456789.125):
        assert float(format_number(value)) == value


@pytest.mark.parametrize("text", ["", "  ", "abc", "nan", "NaN", "inf", "-inf", "1,5"])
def test_cell_problem_rejects_non_numbers(text):
    assert cell_problem(text) is not None


def test_valid_edit_emits_the_new_dataset(qtbot, table):
    seen = emitted(qtbot, table)
    table.set_cell_text(1, 1, "0.25")
    assert len(seen) == 1
    assert seen[0].inputs[1, 1] == 0.25
    assert seen[0].inputs[0, 0] == 2 / 3
    assert seen[0].name == "Seed example"
    assert table.dataset() is seen[0]
    assert table.problem() == ""


@pytest.mark.parametrize("bad", ["abc", "", "nan", "inf"])
def test_invalid_cell_is_marked_and_never_emitted(qtbot, table, bad):
    before = table.dataset()
    seen = emitted(qtbot, table)
    with qtbot.waitSignal(table.problem_changed, timeout=1000) as blocker:
        table.set_cell_text(2, 0, bad)
    assert seen == []
    assert table.dataset() is before
    assert "Row 3, column 'x1'" in blocker.args[0]
    assert "last valid data" in table.status_label.text()
    index = table.model.index(2, 0)
    assert table.model.data(index, Qt.ItemDataRole.BackgroundRole).color() == INVALID_CELL_COLOUR
    assert "Row 3, x1" in table.model.data(index, Qt.ItemDataRole.ToolTipRole)
    # Another valid edit elsewhere still does not reach the trainer while x1 is bad.
    table.set_cell_text(0, 2, "0.5")
    assert seen == []
    # Fixing the cell sends both edits at once.
    table.set_cell_text(2, 0, "0.75")
    assert len(seen) == 1
    assert seen[0].inputs[2, 0] == 0.75 and seen[0].targets[0, 0] == 0.5
    assert table.problem() == ""


def test_typing_into_a_cell_with_the_keyboard(qtbot, table):
    seen = emitted(qtbot, table)
    with qtbot.waitActive(table):
        table.show()
        table.activateWindow()
    table.view.setFocus()
    table.view.setCurrentIndex(table.model.index(0, 1))
    table.view.edit(table.model.index(0, 1))
    editor = table.view.focusWidget()
    assert editor is not table.view
    editor.selectAll()
    qtbot.keyClicks(editor, "4.5")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(seen), timeout=1000)  # the delegate commits queued
    assert seen[-1].inputs[0, 1] == 4.5


def test_undo_redo_restore_exact_values(qtbot, table):
    original = table.dataset()
    seen = emitted(qtbot, table)
    table.set_cell_text(0, 0, "0.123456789012345678")
    table.add_rows(1)
    table.delete_rows([1])
    edited = table.dataset()
    assert edited.n_samples == 3
    for _ in range(3):
        table.undo_stack.undo()
    assert table.dataset() == original
    assert table.model.cell_text(0, 0) == format_number(2 / 3)
    for _ in range(3):
        table.undo_stack.redo()
    assert table.dataset() == edited
    assert seen[-1] == edited


def test_undo_and_redo_shortcuts(qtbot, table):
    with qtbot.waitActive(table):
        table.show()
        table.activateWindow()
    table.view.setFocus()
    table.set_cell_text(0, 0, "5")
    assert table.undo_action.isEnabled() and not table.redo_action.isEnabled()
    assert table.undo_action.toolTip() == "Undo Edit row 1, x1 (Ctrl+Z)"
    qtbot.keyClick(table.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert table.dataset().inputs[0, 0] == 2 / 3
    qtbot.keyClick(
        table.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert table.dataset().inputs[0, 0] == 5
    qtbot.keyClick(table.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(table.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert table.dataset().inputs[0, 0] == 5


def test_add_duplicate_delete_rows(qtbot, table):
    seen = emitted(qtbot, table)
    table.add_rows(2, position=3)
    assert seen[-1].n_samples == 5
    np.testing.assert_array_equal(seen[-1].inputs[3:], 0.0)
    table.duplicate_rows([0, 1])
    data = seen[-1]
    assert data.n_samples == 7
    np.testing.assert_array_equal(data.inputs[2:4], data.inputs[0:2])
    np.testing.assert_array_equal(data.targets[2:4], data.targets[0:2])
    table.delete_rows([2, 3, 5])
    assert seen[-1].n_samples == 4
    np.testing.assert_array_equal(seen[-1].inputs[:3], seed_dataset().inputs)
    table.undo_stack.undo()
    assert table.dataset() == data


def test_deleting_every_row_keeps_the_last_valid_data(qtbot, table):
    seen = emitted(qtbot, table)
    table.delete_rows([0, 1, 2])
    assert seen == []
    assert table.dataset().n_samples == 3
    assert "empty" in table.problem()


def test_paste_block_extends_rows(qtbot, table):
    seen = emitted(qtbot, table)
    table.paste_text("1\t2\t3\n4\t5\t6\r\n7\t8\t9\n", row=2, column=0)
    data = seen[-1]
    assert data.n_samples == 5
    np.testing.assert_array_equal(data.inputs[2:], [[1, 2], [4, 5], [7, 8]])
    np.testing.assert_array_equal(data.targets[2:, 0], [3, 6, 9])
    table.undo_stack.undo()
    assert table.dataset() == seed_dataset()
    assert table.model.rowCount() == 3


def test_paste_narrow_block_and_comma_text(qtbot, table):
    table.paste_text("0.5,0.25\n0.75,1", row=3, column=1)
    data = table.dataset()
    np.testing.assert_array_equal(data.inputs[3:], [[0, 0.5], [0, 0.75]])
    np.testing.assert_array_equal(data.targets[3:, 0], [0.25, 1])


def test_paste_with_text_is_marked_not_emitted(qtbot, table):
    seen = emitted(qtbot, table)
    table.paste_text("1\tx\t3", row=0, column=0)
    assert seen == []
    assert table.model.invalid_cells() == [(0, 1)]


def test_paste_from_clipboard_at_current_cell(qtbot, table):
    QGuiApplication.clipboard().setText("9\t8")
    table.view.setCurrentIndex(table.model.index(1, 0))
    table.paste_from_clipboard()
    np.testing.assert_array_equal(table.dataset().inputs[1], [9, 8])


def test_parse_block_separators():
    assert parse_block("1\t2\n3\t4\n") == [["1", "2"], ["3", "4"]]
    assert parse_block("1;2\n") == [["1", "2"]]
    assert parse_block("5\n6") == [["5"], ["6"]]
    assert parse_block("\n") == []


def test_plot_edits_are_undoable(qtbot, table):
    table.add_sample([0.1, 0.2, 0.3])
    assert table.dataset().n_samples == 4
    table.replace_sample(3, [0.5, 0.6, 0.3])
    np.testing.assert_array_equal(table.dataset().inputs[3], [0.5, 0.6])
    table.remove_sample(0)
    assert table.dataset().n_samples == 3
    table.undo_stack.undo()
    table.undo_stack.undo()
    np.testing.assert_array_equal(table.dataset().inputs[3], [0.1, 0.2])
    with pytest.raises(ValueError):
        table.add_sample([1.0])


def test_test_set_is_shown_read_only(qtbot):
    train, test = train_test_split(xor(20, seed=1), 0.25, seed=2)
    widget = DataTableWidget(train, test)
    qtbot.addWidget(widget)
    assert widget.tabs.isTabEnabled(1)
    assert widget.tabs.tabText(1) == "Test set (5, read-only)"
    assert widget.test_model.rowCount() == 5
    assert not (widget.test_model.flags(widget.test_model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable)
    assert float(widget.test_model.cell_text(4, 2)) == test.targets[4, 0]


def test_set_data_clears_history_without_emitting(qtbot, table):
    seen = emitted(qtbot, table)
    table.set_cell_text(0, 0, "1")
    table.set_data(Dataset(np.zeros((2, 1)), np.ones((2, 1)), ("x",), ("t",)))
    assert len(seen) == 1
    assert not table.undo_stack.canUndo()
    assert table.model.columnCount() == 2
