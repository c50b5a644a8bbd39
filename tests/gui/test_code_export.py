"""Export as code from the app: --export-code and File ▸ Export ▸ Training as Python code.

The exported scripts run in a subprocess; their printed losses must equal the
losses the app's loss plot shows (or the core's, for the command line) to 1e-9.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import run_cli

from backprop_lab.core.codegen import ExportedSession, parse_printed_losses
from backprop_lab.core.presets import get_preset
from backprop_lab.core.project_file import Project, save_project
from backprop_lab.gui.app import main

HAS_TORCH = importlib.util.find_spec("torch") is not None
TOLERANCE = 1e-9


def run_script(path, *args) -> list[float]:
    proc = subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return parse_printed_losses(proc.stdout)


@pytest.mark.parametrize(
    "framework",
    ["numpy", pytest.param("pytorch", marks=pytest.mark.skipif(not HAS_TORCH, reason="no torch"))],
)
def test_export_code_of_a_preset_from_the_command_line(tmp_path, framework):
    script = tmp_path / "spirals.py"
    result = run_cli(
        "--preset",
        "spirals",
        "--epochs",
        "30",
        "--export-code",
        framework,
        str(script),
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stderr and "Traceback" not in result.stderr
    losses = run_script(script)
    expected = ExportedSession.from_preset(get_preset("spirals")).reference_losses(30)
    np.testing.assert_allclose(losses, expected, rtol=TOLERANCE, atol=TOLERANCE)


def test_export_code_of_a_project_file_reproduces_its_saved_history(tmp_path):
    # A project trained 40 epochs: the script, from the project's initial
    # weights, prints the losses the project's loss history holds.
    preset = get_preset("xor")
    trainer = preset.trainer()
    initial = trainer.net.copy()
    records = trainer.step(40)
    train, test = preset.datasets(0)
    project = Project(
        network=trainer.net.copy(),
        initial_network=initial,
        train=train,
        test=test,
        settings=preset.settings(),
        epoch=40,
        loss_history={
            "epoch": [r.epoch for r in records],
            "train_loss": [r.train_loss for r in records],
            "test_loss": [r.test_loss for r in records],
        },
    )
    path = tmp_path / "xor.bplab"
    save_project(path, project)
    script = tmp_path / "xor_numpy.py"
    assert main([str(path), "--export-code", "numpy", str(script), "--export-data", "csv"]) == 0
    assert (tmp_path / "xor_numpy_train.csv").is_file()
    assert (tmp_path / "xor_numpy_test.csv").is_file()
    losses = run_script(script)
    assert len(losses) == 100
    np.testing.assert_allclose(
        losses[:40], [r.train_loss for r in records], rtol=TOLERANCE, atol=TOLERANCE
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--export-code", "jax", "x.py"], "numpy or pytorch"),
        (["--export-code", "numpy"], "expected 2 arguments"),
        (["--preset", "nonsense", "--export-code", "numpy", "x.py"], "unknown preset"),
        (["--export-code", "numpy", "x.py", "--export-data", "zip"], "invalid choice"),
    ],
)
def test_bad_export_code_options_give_one_line_and_exit_2(args, fragment, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err


def test_export_to_an_unwritable_place_fails_with_one_line(tmp_path, capsys):
    assert main(["--export-code", "numpy", str(tmp_path / "no" / "dir" / "x.py")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("backprop-lab: error:")


def test_file_export_menu_writes_a_script_that_prints_the_plots_losses(
    qtbot, main_window, tmp_path
):
    main_window.open_example("gaussians")
    main_window.controller.set_batch_size(16)  # shuffled minibatches
    main_window.controller.set_momentum(0.5)
    main_window.controller.step(25)
    qtbot.waitUntil(
        lambda: (
            main_window.controller.current_snapshot().epoch == 25
            and not main_window.controller.is_running
        ),
        timeout=20_000,
    )
    main_window.flush_losses()
    _epochs, shown, _test = main_window.loss_plot.history()
    assert len(shown) == 25
    entries = [a.text() for a in main_window.export_menu.actions()]
    assert any("Python" in text and "code" in text for text in entries)
    written = main_window.code_export.export_to(tmp_path / "g.py", "numpy", epochs=25)
    assert [p.name for p in written] == ["g.py"]
    text = written[0].read_text()
    assert "Two gaussians" in text
    np.testing.assert_allclose(run_script(written[0]), shown, rtol=TOLERANCE, atol=TOLERANCE)


def test_exported_optimiser_schedule_and_penalty_match_the_plot(qtbot, main_window, tmp_path):
    controller = main_window.controller
    main_window.open_example("xor")
    controller.update_settings(
        optimizer="adam",
        learning_rate=0.05,
        l2=0.01,
        lr_schedule="step",
        lr_drop=0.5,
        lr_every=5,
        batch_size=32,
    )
    controller.step(12)
    qtbot.waitUntil(
        lambda: controller.current_snapshot().epoch == 12 and not controller.is_running,
        timeout=20_000,
    )
    main_window.flush_losses()
    _epochs, shown, _test = main_window.loss_plot.history()
    written = main_window.code_export.export_to(tmp_path / "adam.py", "numpy", epochs=12)
    text = written[0].read_text()
    assert 'OPTIMIZER = "adam"' in text and "L2 = 0.01" in text and "DROP = 0.5" in text
    np.testing.assert_allclose(run_script(written[0]), shown, rtol=TOLERANCE, atol=TOLERANCE)
