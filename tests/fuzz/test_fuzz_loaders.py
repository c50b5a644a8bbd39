"""Fuzzing the loaders: malformed project files and CSV files, generated from the valid
schema by a seeded mutator (see mutators.py), go through the loaders.

Every case must either load completely into objects the app can use, or be refused
with the one error type of its loader (ProjectFileError, DataError) and a message:
0 tracebacks, 0 "unexpected problem" messages, 0 partial loads. The case counts are
fixed and the seeds committed, so CI runs the same cases every time.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from backprop_lab.core import Network, Project, Trainer, make_dataset, train_test_split
from backprop_lab.core.data import DataError, check_dataset_limits, parse_csv_text, read_csv
from backprop_lab.core.project_file import (
    ProjectFileError,
    load_project,
    parse_project_bytes,
    serialise_project,
    serialise_project_bytes,
)
from backprop_lab.core.session import Session

from .mutators import csv_cases, project_cases

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

#: How many cases each loader runs (together well over 1,000, in seconds).
PROJECT_CASES = 1500
CSV_CASES = 1000
GUI_CASES = 60


def base_documents() -> list[dict]:
    """Valid project files to mutate: a version-1 file, and version-2 files with a test
    set, biases, a history of encoded arrays and a data table large enough to be encoded."""
    documents = [
        json.loads((CORPUS / "projects" / "good" / "seed_2_2_1_version_1.bplab").read_text())
    ]
    data = make_dataset("spirals", n_samples=600, noise=0.1, seed=2)
    train, test = train_test_split(data, 0.25, seed=0)
    net = Network([2, 4, 1], ["tanh", "sigmoid"], init="he", seed=4, bias=True)
    trainer = Trainer(
        net.copy(),
        train.inputs,
        train.targets,
        learning_rate=0.3,
        loss="cross_entropy",
        X_test=test.inputs,
        T_test=test.targets,
    )
    records = trainer.step(5)
    history = {
        "epoch": [r.epoch for r in records],
        "train_loss": [r.train_loss for r in records],
        "test_loss": [r.test_loss for r in records],
    }
    settings = {
        "learning_rate": 0.3,
        "loss": "cross_entropy",
        "batch_size": 16,
        "momentum": 0.5,
        "init_seed": 4,
        "max_epochs": 1000,
        "target_loss": 0.01,
        "epochs_per_second": 30.0,
        "mistakes": {"derivative_of_pre_activation": False},
    }
    project = Project(trainer.net, net, train, test, settings, trainer.epoch, history)
    documents.append(json.loads(serialise_project(project)))
    small = Project(net, net.copy(), make_dataset("xor"), None, {"learning_rate": 1.0}, 0)
    documents.append(json.loads(serialise_project(small)))
    return documents


def check_loaded_project(project: Project) -> None:
    """A project that loaded is whole: the app can take it over and save it unchanged."""
    project.validate()
    Session.from_project(project)  # what the GUI does next: it must not refuse now
    data = serialise_project_bytes(project)
    again = parse_project_bytes(data, "again.bplab")
    assert serialise_project_bytes(again) == data


def test_fuzzed_project_files_load_whole_or_are_refused_with_a_message(tmp_path):
    documents = base_documents()
    for document in documents:  # the bases themselves are valid
        check_loaded_project(parse_project_bytes(json.dumps(document).encode(), "base.bplab"))
    path = tmp_path / "case.bplab"
    outcomes = {"loaded": 0, "refused": 0}
    for description, data in project_cases(documents, PROJECT_CASES, seed=20261201):
        path.write_bytes(data)
        try:
            project = load_project(path)
        except ProjectFileError as error:
            message = str(error)
            assert message.startswith("case.bplab: "), (description, message)
            assert "unexpected problem" not in message, (description, message)
            outcomes["refused"] += 1
            continue
        except Exception as error:  # pragma: no cover - the failure being looked for
            pytest.fail(f"{description}: {type(error).__name__} escaped the loader: {error}")
        try:
            check_loaded_project(project)
        except Exception as error:  # pragma: no cover
            pytest.fail(f"{description}: loaded but not usable ({type(error).__name__}: {error})")
        outcomes["loaded"] += 1
    assert sum(outcomes.values()) == PROJECT_CASES
    assert outcomes["refused"] > PROJECT_CASES // 2  # the mutations really break files
    assert outcomes["loaded"] > 0  # and some harmless ones keep them valid


def test_fuzzed_csv_files_load_whole_or_are_refused_with_a_message(tmp_path):
    path = tmp_path / "case.csv"
    outcomes = {"loaded": 0, "refused": 0}
    for description, data, n_targets in csv_cases(CSV_CASES, seed=20261202):
        path.write_bytes(data)
        try:
            dataset = read_csv(path, n_targets)
            check_dataset_limits(dataset, str(path))
        except DataError as error:
            assert str(error).startswith("case.csv"), (description, str(error))
            outcomes["refused"] += 1
            continue
        except Exception as error:  # pragma: no cover
            pytest.fail(f"{description}: {type(error).__name__} escaped read_csv: {error}")
        assert np.isfinite(dataset.inputs).all() and np.isfinite(dataset.targets).all()
        assert dataset.n_samples >= 1 and dataset.n_inputs >= 1
        # Pasting the same text gives the same answer: one parser, one cell rule.
        text = data.decode("utf-8-sig")
        assert parse_csv_text(text, n_targets, "case.csv", name="case") == dataset
        outcomes["loaded"] += 1
    assert sum(outcomes.values()) == CSV_CASES
    assert outcomes["refused"] > CSV_CASES // 3 and outcomes["loaded"] > 0


def test_fuzzed_project_files_through_the_gui_loader(qtbot, tmp_path, monkeypatch):
    """A sample of the cases through File > Open in a real window: a refused file leaves
    the session byte for byte as it was; an accepted one replaces all of it. Every other
    case goes the way of a large file (read and checked off the GUI thread)."""
    from backprop_lab.gui import project_io
    from backprop_lab.gui.main_window import MainWindow

    window = MainWindow(restore_settings=False)
    qtbot.addWidget(window)
    path = tmp_path / "case.bplab"
    try:
        for n, (description, data) in enumerate(project_cases(base_documents(), GUI_CASES, seed=7)):
            monkeypatch.setattr(project_io, "OFF_THREAD_BYTES", 0 if n % 2 else 256 * 1024)
            path.write_bytes(data)
            before = serialise_project_bytes(window.project())
            try:
                expected = load_project(path)
            except ProjectFileError:
                expected = None
            opened = window.open_project_from(path, show_errors=False, ask_to_save=False)
            assert opened == (expected is not None), description
            if opened:
                shown = window.project()
                shown.practice = None  # practice mode's own state, kept by its panel
                assert serialise_project_bytes(shown) == serialise_project_bytes(
                    Session.from_project(expected).to_project()
                ), description
            else:
                assert serialise_project_bytes(window.project()) == before, description
                assert "unexpected problem" not in window.statusBar().currentMessage()
    finally:
        window.set_modified(False)
        window.close()
