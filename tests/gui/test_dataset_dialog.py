"""Example-data and CSV-import dialogs: what they propose, and bad files rejected whole."""

import numpy as np
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from backprop_lab.core.datasets import make_dataset, seed_dataset, train_test_split
from backprop_lab.gui.dataset_dialog import CsvImportDialog, ExampleDataDialog, generator_defaults


def ok_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_example_dialog_proposes_exactly_the_core_dataset(qtbot):
    dialog = ExampleDataDialog("spirals")
    qtbot.addWidget(dialog)
    assert dialog.name_combo.currentText() == "Two spirals"
    dialog.samples_spin.setValue(120)
    dialog.noise_spin.setValue(0.2)
    dialog.seed_spin.setValue(7)
    dialog.test_spin.setValue(0.25)
    train, test = dialog.datasets()
    expected = train_test_split(make_dataset("spirals", 120, 0.2, seed=7), 0.25, 7)
    assert train == expected[0] and test == expected[1]
    assert test.n_samples == 30
    assert "90 training + 30 test samples" in dialog.summary.text()
    # The live preview draws both sets.
    assert len(dialog.preview.train_scatter) == 90
    assert len(dialog.preview.test_scatter) == 30


def test_switching_dataset_loads_its_defaults(qtbot):
    dialog = ExampleDataDialog("xor")
    qtbot.addWidget(dialog)
    dialog.name_combo.setCurrentText("Noisy sine")
    n, noise = generator_defaults("Noisy sine")
    assert dialog.samples_spin.value() == n and dialog.noise_spin.value() == pytest.approx(noise)
    train, test = dialog.datasets()
    assert train.n_inputs == 1 and test is None
    dialog.name_combo.setCurrentText("Seed example")
    assert not dialog.samples_spin.isEnabled()
    assert dialog.datasets()[0] == seed_dataset()
    assert ok_button(dialog).isEnabled()


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_preview_shows_the_parsed_table(qtbot, tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,0.5\n3,4,1.5\n5,6,2.5\n")
    dialog = CsvImportDialog(path)
    qtbot.addWidget(dialog)
    assert dialog.error() == ""
    assert ok_button(dialog).isEnabled()
    assert dialog.table.rowCount() == 3 and dialog.table.columnCount() == 3
    assert dialog.table.horizontalHeaderItem(2).text() == "y\n(target)"
    assert dialog.table.item(1, 1).text() == "4"
    train, test = dialog.datasets()
    np.testing.assert_array_equal(train.inputs, [[1, 2], [3, 4], [5, 6]])
    assert test is None
    dialog.targets_spin.setValue(2)
    assert dialog.dataset().n_inputs == 1 and dialog.dataset().n_outputs == 2


def test_bad_csv_shows_the_exact_error_and_cannot_be_imported(qtbot, tmp_path):
    path = write(tmp_path, "x1,x2,t\n1,2,3\n4,abc,6\n", "bad.csv")
    dialog = CsvImportDialog(path)
    qtbot.addWidget(dialog)
    assert dialog.dataset() is None
    assert not ok_button(dialog).isEnabled()
    assert "bad.csv, line 3, column 'x2'" in dialog.error()
    assert dialog.error() in dialog.error_label.text()
    assert dialog.table.rowCount() == 0
    with pytest.raises(ValueError):
        dialog.datasets()


def test_too_many_target_columns_is_an_error(qtbot, tmp_path):
    path = write(tmp_path, "x,t\n1,2\n")
    dialog = CsvImportDialog(path)
    qtbot.addWidget(dialog)
    assert ok_button(dialog).isEnabled()
    dialog.targets_spin.setValue(2)
    assert not ok_button(dialog).isEnabled()
    assert dialog.error()


def test_csv_split(qtbot, tmp_path):
    rows = "\n".join(f"{i},{i % 2}" for i in range(20))
    dialog = CsvImportDialog(write(tmp_path, "x,class\n" + rows + "\n"))
    qtbot.addWidget(dialog)
    assert dialog.dataset().task == "classification"
    dialog.test_spin.setValue(0.25)
    train, test = dialog.datasets()
    assert (train.n_samples, test.n_samples) == (15, 5)
    assert "5 held out" in dialog.summary.text()
