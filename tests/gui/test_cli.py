"""The command line, run as a real process: screenshot, self-test, bad options."""

from __future__ import annotations

import os

import pytest
from cli_helpers import run_cli
from waiting import wait_until_no_timer_pending

from backprop_lab.gui.app import main


def test_screenshot_writes_a_png_with_no_screen(tmp_path):
    target = tmp_path / "shot.png"
    result = run_cli("--epochs", "50", "--screenshot", str(target), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    from PySide6.QtGui import QImage

    image = QImage(str(target))
    assert image.width() >= 1000 and image.height() >= 600
    assert "Traceback" not in result.stderr


def test_self_test_passes(tmp_path):
    result = run_cli("--self-test", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "self-test: passed" in result.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--bogus"], "unrecognized arguments"),
        (["--epochs", "many"], "invalid int value"),
        (["--epochs", "-3"], "--epochs"),
        (["--preset", "nonsense", "--screenshot", "x.png"], "unknown preset"),
        (["--preset", "nonsense", "--export-step", "x.csv"], "unknown preset"),
        (["--screenshot", "picture.jpg"], ".png"),
        (["missing.bplab"], "no such file"),
        ([""], "the file name is empty"),
        (["--epochs", "3000000000"], "1,000,000,000"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(args, fragment, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("backprop-lab: error:")
    assert fragment in err
    assert "Traceback" not in err


def test_unreadable_project_file_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "garbage.bplab"
    bad.write_bytes(b"\x00\x01 not a project")
    result = run_cli(str(bad), "--screenshot", str(tmp_path / "s.png"), tmp_path=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "garbage.bplab" in lines[0], result.stderr
    assert not (tmp_path / "s.png").exists()


def test_version(capsys):
    from backprop_lab import __version__

    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_export_step_writes_the_cores_numbers_with_no_display(tmp_path):
    import csv

    target = tmp_path / "step.csv"
    result = run_cli("--preset", "seed", "--export-step", str(target), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(target.open(encoding="utf-8")))
    header, body = rows[0], rows[1:]
    new_w3 = [
        float(r[header.index("value")])
        for r in body
        if r[header.index("layer")] == "3" and r[header.index("quantity")] == "new_weight"
    ]
    assert new_w3 == pytest.approx([0.23868457] * 3, abs=1e-8)


def test_export_step_to_an_unwritable_place_fails_with_one_line(tmp_path):
    result = run_cli("--export-step", str(tmp_path / "no" / "dir" / "x.csv"), tmp_path=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "could not write" in result.stderr


def test_preset_opens_the_example_with_its_network(tmp_path):
    target = tmp_path / "xor.png"
    result = run_cli(
        "--preset", "xor", "--epochs", "20", "--screenshot", str(target), tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert target.exists()


def test_a_folder_as_project_file_gives_one_line_and_exit_2(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a folder, not a file" in err
    assert "Traceback" not in err


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file"
)
def test_an_unreadable_project_file_gives_one_line_and_exit_2(tmp_path):
    locked = tmp_path / "locked.bplab"
    locked.write_text("{}")
    locked.chmod(0)
    try:
        result = run_cli(str(locked), "--self-test", tmp_path=tmp_path)
    finally:
        locked.chmod(0o600)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "locked.bplab" in lines[0], result.stderr


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("newer_version.bplab", "newer Backprop Lab"),
        ("version_zero.bplab", "unknown project format version"),
        ("truncated_half.bplab", "truncated"),
        ("foreign_json_object.bplab", "not a Backprop Lab project file"),
        ("empty.bplab", "empty"),
    ],
)
def test_wrong_version_truncated_and_foreign_files_give_one_line(tmp_path, name, fragment):
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "corpus" / "projects" / "bad" / name
    result = run_cli(str(path), "--self-test", tmp_path=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("backprop-lab: error: cannot open project file")
    assert fragment in lines[0] and "Traceback" not in result.stderr


def test_a_permission_error_reading_the_project_gives_one_line(tmp_path, capsys, monkeypatch):
    # Runs as any user (root reads chmod 000 files): the read itself fails.
    from backprop_lab.core import project_file

    target = tmp_path / "private.bplab"
    target.write_text("{}")

    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(project_file, "load_project", refuse)
    assert main([str(target), "--self-test"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "private.bplab" in err and "Permission denied" in err


def test_screenshot_is_the_settled_window_with_no_stray_tab_bar(qtbot, tmp_path):
    """--screenshot's picture equals a grab made after the window had all the time it
    wants, and no tab bar lies over the loss plot."""
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication, QTabBar

    from backprop_lab.gui.app import _screenshot, train_through_worker
    from backprop_lab.gui.main_window import MainWindow

    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    assert train_through_worker(window, 30, timeout_s=10)
    target = tmp_path / "shot.png"
    assert _screenshot(QApplication.instance(), window, target) == 0
    shot = QImage(str(target))
    loss = window.docks["loss"].geometry()
    for bar in window.findChildren(QTabBar):
        if bar.parent() is window and bar.isVisible() and bar.count():
            assert not bar.geometry().intersects(loss), bar.tabText(0)
    # Every paced redraw (loss plot, data plot, weights, ...) has had its turn.
    wait_until_no_timer_pending(qtbot, window)
    later = window.grab().toImage().convertToFormat(shot.format())
    assert shot.size() == later.size()
    assert shot == later
    window.close()
