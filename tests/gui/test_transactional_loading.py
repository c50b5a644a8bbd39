"""Loading is all or nothing: every bad file, through the GUI loaders, leaves the session
exactly as it was (byte for byte, as a saved project), with one message naming the file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from backprop_lab.core import limits
from backprop_lab.core.project_file import serialise_project_bytes
from backprop_lab.gui.dialogs import ErrorDialog

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PROJECT_BAD = json.loads((CORPUS / "projects" / "bad" / "expected.json").read_text())
CSV_BAD = json.loads((CORPUS / "csv" / "bad" / "expected.json").read_text())
TIMEOUT = 30_000  # an upper bound for waits on signals: a loaded CI machine can take seconds


def session_bytes(window) -> bytes:
    """The whole session as the bytes a save would write."""
    return serialise_project_bytes(window.project())


def trained(qtbot, window, epochs=3):
    window.controller.step(epochs)
    qtbot.waitUntil(
        lambda: (
            window.controller.current_snapshot().epoch == epochs
            and not window.controller.is_running
        ),
        timeout=TIMEOUT,
    )
    return window


def error_dialogs():
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog) and w.isVisible()
    ]


def close_error_dialogs():
    for dialog in error_dialogs():
        dialog.close()


def refused_project(qtbot, window, path, says):
    """Open ``path`` through the GUI: refused, one message, session unchanged byte for byte."""
    before = session_bytes(window)
    modified = window.is_modified()
    close_error_dialogs()
    assert not window.open_project_from(path, ask_to_save=False)
    assert session_bytes(window) == before
    assert window.is_modified() == modified
    dialogs = error_dialogs()
    assert len(dialogs) == 1
    details = dialogs[0].details_view.toPlainText()
    assert says in details, details
    assert "unexpected problem" not in details
    assert Path(path).name in window.statusBar().currentMessage()
    close_error_dialogs()


def test_every_bad_project_leaves_the_session_byte_for_byte(qtbot, main_window):
    # One window for the whole corpus (a window per file would cost a minute of suite).
    trained(qtbot, main_window)
    for name in sorted(PROJECT_BAD):
        refused_project(qtbot, main_window, CORPUS / "projects" / "bad" / name, PROJECT_BAD[name])


def test_a_failure_while_applying_a_checked_project_rolls_everything_back(
    qtbot, main_window, tmp_path, monkeypatch
):
    """Even an error no check foresaw (here one raised after the session has taken the
    new project over, as a view failing on the change would) leaves it as it was."""
    window = trained(qtbot, main_window)
    good = CORPUS / "projects" / "good" / "seed_2_2_1_version_1.bplab"
    before = session_bytes(window)
    real = window.session.replace_with
    calls = []

    def fails_once(other):
        calls.append(other)
        real(other)
        if len(calls) == 1:
            raise TypeError("boom")

    monkeypatch.setattr(window.session, "replace_with", fails_once)
    assert not window.open_project_from(good, ask_to_save=False, show_errors=False)
    assert session_bytes(window) == before
    assert "boom" in window.statusBar().currentMessage()
    window.controller.reset()  # the session still works: Reset does not raise
    window.controller.step(1)
    qtbot.waitUntil(lambda: window.controller.current_snapshot().epoch == 1, timeout=TIMEOUT)


def test_special_files_are_refused_before_reading(qtbot, main_window, tmp_path):
    window = trained(qtbot, main_window)
    fifo = tmp_path / "pipe.bplab"
    os.mkfifo(fifo)
    refused_project(qtbot, window, fifo, "named pipe")
    folder = tmp_path / "folder.bplab"
    folder.mkdir()
    refused_project(qtbot, window, folder, "folder")
    zero = tmp_path / "zero.bplab"
    zero.symlink_to("/dev/zero")
    refused_project(qtbot, window, zero, "device")
    huge = tmp_path / "huge.bplab"
    with open(huge, "wb") as handle:  # sparse: costs no disk space
        handle.truncate(limits.MAX_PROJECT_BYTES + 1)
    refused_project(qtbot, window, huge, "at most 512 MB")


def test_too_many_rows_or_too_long_a_history_are_refused_stating_the_limit(
    qtbot, main_window, tmp_path
):
    window = trained(qtbot, main_window)
    document = json.loads((CORPUS / "projects" / "good" / "seed_2_2_1_version_1.bplab").read_text())
    rows = limits.MAX_SAMPLES + 1
    document["train"]["inputs"] = [[0.5, 0.5]] * rows
    document["train"]["targets"] = [[1.0]] * rows
    path = tmp_path / "rows.bplab"
    path.write_text(json.dumps(document))
    refused_project(qtbot, window, path, f"at most {limits.MAX_SAMPLES:,} samples")


def special_csv(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.csv"
    zero.symlink_to("/dev/zero")
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as handle:
        handle.truncate(limits.MAX_CSV_BYTES + 1)
    return {fifo: "named pipe", zero: "device", huge: "at most 64 MB", tmp_path: "folder"}


@pytest.mark.parametrize("kind", ["pipe.csv", "zero.csv", "huge.csv", "folder"])
def test_special_csv_files_are_refused_in_the_import_dialog(qtbot, main_window, tmp_path, kind):
    window = main_window
    cases = special_csv(tmp_path)
    path, says = next(
        (p, s) for p, s in cases.items() if p.name == kind or (kind == "folder" and p == tmp_path)
    )
    before = session_bytes(window)
    shown = []

    def run_dialog(dialog):
        shown.append(dialog.error())
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        return False

    window.data_tools.run_dialog = run_dialog
    assert not window.data_tools.import_csv(str(path))
    assert says in shown[0]
    assert session_bytes(window) == before


def test_every_bad_csv_leaves_the_session_byte_for_byte(qtbot, main_window):
    window = trained(qtbot, main_window)
    before = session_bytes(window)
    for name, expected in sorted(CSV_BAD.items()):
        shown = []

        def run_dialog(dialog, expected=expected, shown=shown):
            dialog.targets_spin.setValue(expected["n_targets"])
            shown.append(dialog.error())
            return False

        window.data_tools.run_dialog = run_dialog
        assert not window.data_tools.import_csv(str(CORPUS / "csv" / "bad" / name))
        assert expected["says"] in shown[-1] and name in shown[-1], name
        assert session_bytes(window) == before, name


def test_data_near_the_float_limit_loads_through_the_gui(qtbot, main_window):
    window = main_window
    path = CORPUS / "csv" / "good" / "near_data_limit.csv"

    def run_dialog(dialog):
        assert dialog.error() == ""
        return True

    window.data_tools.run_dialog = run_dialog
    window.data_tools.confirm_adapt = lambda message: True
    assert window.data_tools.import_csv(str(path))
    train, _test = window.controller.dataset()
    assert train.inputs[0, 0] == 1e150
    window.grab()  # every view draws it without raising
    QApplication.processEvents()


def test_saving_through_a_symlink_writes_the_target(qtbot, main_window, tmp_path):
    window = trained(qtbot, main_window)
    target = tmp_path / "real.bplab"
    target.write_text("old")
    link = tmp_path / "link.bplab"
    link.symlink_to(target)
    assert window.save_project_to(link)
    assert link.is_symlink()
    assert target.read_bytes() == session_bytes(window)


def test_a_read_only_target_is_refused_with_a_message(qtbot, main_window, tmp_path):
    window = trained(qtbot, main_window)
    target = tmp_path / "locked.bplab"
    target.write_text("keep me")
    target.chmod(stat.S_IRUSR | stat.S_IRGRP)
    close_error_dialogs()
    assert not window.save_project_to(target)
    assert target.read_text() == "keep me"
    dialogs = error_dialogs()
    assert dialogs and "read-only" in dialogs[-1].details_view.toPlainText()
    close_error_dialogs()


def test_paste_and_table_share_the_csv_cell_rule(qtbot, main_window):
    table = main_window.data_tools.table
    for text in ("1_000", "1\u200b", "0x10", "nan"):
        table.set_cell_text(0, 0, text)
        assert table.problem(), text
    table.set_cell_text(0, 0, "0.5")
    assert table.problem() == ""
    assert np.isclose(main_window.controller.dataset()[0].inputs[0, 0], 0.5)


def test_data_beyond_the_magnitude_limit_is_refused_stating_it(qtbot, main_window, tmp_path):
    window = trained(qtbot, main_window)
    path = tmp_path / "huge_values.csv"
    path.write_text("x1,x2,t\n0,1,1\n1e200,-1.7976931348623157e308,0\n")
    before = session_bytes(window)
    shown = []

    def run_dialog(dialog):
        shown.append(dialog.error())
        return False

    window.data_tools.run_dialog = run_dialog
    assert not window.data_tools.import_csv(str(path))
    assert "at most 1e+150" in shown[0] and "row 2" in shown[0]
    assert session_bytes(window) == before
    table = window.data_tools.table
    table.set_cell_text(0, 0, "1e308")
    assert "at most 1e+150" in table.problem()
    assert session_bytes(window) == before


def test_a_long_csv_import_shows_progress_and_can_be_cancelled(qtbot, main_window, tmp_path):
    from backprop_lab.gui import load_progress

    window = main_window
    path = tmp_path / "long.csv"
    rows = 20_000
    path.write_text("x1,x2,t\n" + "0.5,0.25,1\n" * rows)
    before = session_bytes(window)
    seen = []

    class CancelAtOnce(load_progress.LoadProgress):
        def __init__(self, parent, label, after_seconds=0.0):
            super().__init__(parent, label, after_seconds=0.0)

        def __call__(self, fraction):
            result = super().__call__(fraction)
            seen.append(self.dialog is not None)
            self.cancel()
            return result and not self.cancelled

    from backprop_lab.gui import dataset_dialog

    original = dataset_dialog.LoadProgress
    dataset_dialog.LoadProgress = CancelAtOnce
    try:
        shown = []

        def run_dialog(dialog):
            shown.append(dialog.error())
            return False

        window.data_tools.run_dialog = run_dialog
        assert not window.data_tools.import_csv(str(path))
    finally:
        dataset_dialog.LoadProgress = original
    assert seen and seen[0]  # the dialog was shown
    assert "cancelled" in shown[0]
    assert session_bytes(window) == before


def test_spin_boxes_hold_exactly_the_documented_ranges(main_window):
    """What a file may hold, a spin box can show (and nothing beyond reaches Qt's int)."""
    controls = main_window.control_panel
    assert controls.max_epochs_box.maximum() == limits.MAX_EPOCH <= limits.QT_INT_MAX
    assert controls.step_count_box.maximum() == limits.MAX_STEP_COUNT
    assert controls.learning_rate_box.minimum() == limits.MIN_LEARNING_RATE
    assert controls.learning_rate_box.maximum() == limits.MAX_LEARNING_RATE
    panel = main_window.settings_panel
    assert panel.seed_box.maximum() == limits.MAX_SEED
    assert panel.batch_box.maximum() == limits.MAX_BATCH_SIZE
    assert panel.momentum_box.maximum() == limits.MAX_MOMENTUM
    assert panel.init_value_box.maximum() == limits.MAX_INIT_VALUE


def test_paste_is_read_with_csv_and_refuses_blocks_over_the_limit(qtbot, main_window):
    table = main_window.data_tools.table
    before = session_bytes(main_window)
    table.paste_text("\n".join(["1\t2\t3"] * (limits.MAX_SAMPLES + 5)), 0, 0)
    assert f"{limits.MAX_SAMPLES:,}" in table.status_label.text()
    assert session_bytes(main_window) == before
    table.paste_text('"0.25";"0.5";"1"\n', 0, 0)  # quoted cells, semicolons: csv reads them
    assert table.problem() == ""
    assert main_window.controller.dataset()[0].inputs[0].tolist() == [0.25, 0.5]
