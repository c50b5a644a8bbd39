"""Project files: exact round trips, atomic saves, and one clear error for every bad file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_lab.core import (
    PROJECT_FORMAT_VERSION,
    PROJECT_SUFFIX,
    Network,
    Project,
    ProjectFileError,
    Trainer,
    load_project,
    make_dataset,
    parse_project,
    save_project,
    seed_dataset,
    serialise_project,
    train_test_split,
)
from backprop_lab.core import data as data_module
from backprop_lab.core import project_file as project_module

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "projects"
BAD_EXPECTED = json.loads((CORPUS / "bad" / "expected.json").read_text())
GOOD_EXPECTED = json.loads((CORPUS / "good" / "expected.json").read_text())


def trained_project(test_set: bool = True) -> Project:
    """A spirals session trained a few epochs, with a test set and a NaN-free history."""
    data = make_dataset("spirals", n_samples=40, noise=0.1, seed=2)
    train, test = train_test_split(data, 0.25, seed=0) if test_set else (data, None)
    net = Network([2, 5, 3, 1], ["tanh", "relu", "sigmoid"], init="he", seed=4)
    initial = net.copy()
    trainer = Trainer(
        net,
        train.inputs,
        train.targets,
        learning_rate=0.3,
        loss="cross_entropy",
        batch_size=8,
        momentum=0.9,
        X_test=None if test is None else test.inputs,
        T_test=None if test is None else test.targets,
    )
    records = trainer.step(4)
    history = {
        "epoch": [r.epoch for r in records],
        "train_loss": [r.train_loss for r in records],
        "test_loss": [np.nan if r.test_loss is None else r.test_loss for r in records],
    }
    settings = {
        "learning_rate": 0.3,
        "loss": "cross_entropy",
        "batch_size": 8,
        "momentum": 0.9,
        "hidden_layer_sizes": [5, 3],
        "show_gradients": True,
        "seed": None,
        "notes": "Spiral demo, naïve start ✓",
    }
    return Project(net, initial, train, test, settings, trainer.epoch, history)


def assert_same_network(a: Network, b: Network) -> None:
    assert a.layer_sizes == b.layer_sizes and a.activations == b.activations
    assert a.has_bias == b.has_bias
    for name_a, array_a in a.parameter_arrays():
        array_b = dict(b.parameter_arrays())[name_a]
        assert array_a.dtype == array_b.dtype == np.float64
        assert array_a.tobytes() == array_b.tobytes()  # bit-exact


def assert_same_project(a: Project, b: Project) -> None:
    assert_same_network(a.network, b.network)
    assert_same_network(a.initial_network, b.initial_network)
    assert a.train == b.train
    assert a.test == b.test
    assert a.settings == b.settings
    assert a.epoch == b.epoch
    for key in ("epoch", "train_loss", "test_loss"):
        assert a.loss_history[key].dtype == b.loss_history[key].dtype
        np.testing.assert_array_equal(a.loss_history[key], b.loss_history[key])  # NaN == NaN


# -------------------------------------------------------------- round trips
def test_project_round_trip_is_exact(tmp_path):
    project = trained_project()
    # The trained weights differ from the initial ones, so both are really stored.
    assert not np.array_equal(project.network.weights[0], project.initial_network.weights[0])
    path = tmp_path / f"spirals{PROJECT_SUFFIX}"
    save_project(path, project)
    assert_same_project(load_project(path), project)


def test_round_trip_with_nan_and_infinite_losses_and_no_test_set():
    project = trained_project(test_set=False)
    project.loss_history = {
        "epoch": [1, 2, 3],
        "train_loss": [0.5, np.inf, -np.inf],
        "test_loss": [np.nan, np.nan, 0.25],
    }
    text = serialise_project(project)
    json.loads(text, parse_constant=pytest.fail)  # legal JSON: no NaN/Infinity tokens
    again = parse_project(text, "demo.bplab")
    assert again.test is None
    assert_same_project(again, Project(**{**vars(project)}))
    assert again.loss_history["epoch"].dtype == np.int64


def test_the_file_is_marked_and_versioned(tmp_path):
    path = tmp_path / "p.bplab"
    save_project(path, trained_project())
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "backprop-lab-project"
    assert document["version"] == PROJECT_FORMAT_VERSION == 2


def test_seed_example_session_round_trips_and_keeps_training_identically():
    data = seed_dataset()
    net = Network([2, 3, 3, 1], "sigmoid", init="constant", bias=False, init_value=0.1)
    project = Project(net, net.copy(), data, None, {"learning_rate": 1.0}, 0)
    again = parse_project(serialise_project(project))
    for p in (project, again):
        Trainer(p.network, p.train.inputs, p.train.targets, learning_rate=1.0).step(5)
    assert_same_network(again.network, project.network)


def test_version_1_file_in_the_corpus_still_loads():
    for name, expected in GOOD_EXPECTED.items():
        project = load_project(CORPUS / "good" / name)
        assert project.epoch == expected["epoch"]
        assert project.network.layer_sizes == expected["layer_sizes"]
        for w, e in zip(project.network.weights, expected["weights"], strict=True):
            np.testing.assert_array_equal(w, e)
        for w, e in zip(project.initial_network.weights, expected["initial_weights"], strict=True):
            np.testing.assert_array_equal(w, e)
        np.testing.assert_array_equal(project.loss_history["train_loss"], expected["train_loss"])
        assert np.all(np.isnan(project.loss_history["test_loss"]))
        assert project.settings == expected["settings"]


# ------------------------------------------------------------- bad projects
@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"settings": {"learning_rate": {0.5}}}, "settings may only hold"),
        ({"settings": {"learning_rate": float("nan")}}, "finite number"),
        ({"settings": {1: "x"}}, "keys must be text"),
        ({"epoch": -1}, "negative"),
        ({"epoch": 2.5}, "whole number"),
        ({"loss_history": {"epoch": [1], "train_loss": [0.1]}}, "exactly the keys"),
        (
            {"loss_history": {"epoch": [1, 2], "train_loss": [0.1], "test_loss": [0.1]}},
            "different lengths",
        ),
        ({"initial_network": Network([2, 4, 1], seed=0)}, "different architectures"),
        ({"train": make_dataset("sine", 10)}, "1 input"),
    ],
)
def test_inconsistent_projects_are_refused_with_a_reason(change, says):
    fields = {**vars(trained_project())}
    fields.update(change)
    with pytest.raises(ValueError, match=says):
        Project(**fields)


def test_a_non_finite_weight_cannot_be_saved(tmp_path):
    project = trained_project()
    project.network.weights[1][0, 0] = np.nan
    with pytest.raises(ValueError, match="W2"):
        save_project(tmp_path / "x.bplab", project)
    assert list(tmp_path.iterdir()) == []


def test_every_bad_corpus_file_has_an_expectation():
    files = {p.name for p in (CORPUS / "bad").iterdir() if p.name != "expected.json"}
    assert files == set(BAD_EXPECTED)


@pytest.mark.parametrize("name", sorted(BAD_EXPECTED))
def test_bad_corpus_files_raise_project_file_error_naming_the_file(name):
    session = trained_project()
    current = session
    path = CORPUS / "bad" / name
    with pytest.raises(ProjectFileError) as info:
        current = load_project(path)
    message = str(info.value)
    assert current is session  # the open session is untouched
    assert message.startswith(f"{name}: ")
    assert info.value.path == str(path)
    assert BAD_EXPECTED[name] in message


def test_newer_version_says_so():
    document = json.loads(serialise_project(trained_project()))
    document["version"] = PROJECT_FORMAT_VERSION + 1
    with pytest.raises(ProjectFileError, match="made by a newer Backprop Lab"):
        parse_project(json.dumps(document), "future.bplab")


def test_truncated_at_every_tenth_of_the_file_is_refused():
    text = serialise_project(trained_project())
    for cut in range(1, 10):
        with pytest.raises(ProjectFileError) as info:
            parse_project(text[: len(text) * cut // 10], "cut.bplab")
        assert "truncated" in str(info.value)


def test_missing_file_and_folder_are_project_file_errors(tmp_path):
    with pytest.raises(ProjectFileError, match="cannot be opened"):
        load_project(tmp_path / "gone.bplab")
    with pytest.raises(ProjectFileError, match="cannot be opened"):
        load_project(tmp_path)


# ------------------------------------------------------------- atomic saves
def test_failed_replace_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "lesson.bplab"
    old = trained_project(test_set=False)
    save_project(path, old)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data_module.os, "replace", broken_replace)
    with pytest.raises(ProjectFileError, match=r"lesson\.bplab: .*No space left on device"):
        save_project(path, trained_project())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.bplab"]
    assert_same_project(load_project(path), old)


def test_failure_while_serialising_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "lesson.bplab"
    save_project(path, trained_project(test_set=False))
    before = path.read_bytes()

    def broken_dumps(*args, **kwargs):
        raise RuntimeError("crash in the middle of writing")

    monkeypatch.setattr(project_module.json, "dumps", broken_dumps)
    with pytest.raises(RuntimeError):
        save_project(path, trained_project())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.bplab"]


def test_failure_while_writing_bytes_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "lesson.bplab"
    save_project(path, trained_project(test_set=False))
    before = path.read_bytes()
    real_fdopen = data_module.os.fdopen

    class HalfWriter:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()
            return False

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(
        data_module.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode))
    )
    with pytest.raises(ProjectFileError, match="could not be saved"):
        save_project(path, trained_project())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.bplab"]


def test_save_into_a_missing_folder_is_a_project_file_error(tmp_path):
    with pytest.raises(ProjectFileError, match="could not be saved"):
        save_project(tmp_path / "no" / "such" / "folder.bplab", trained_project())


def small_project_text() -> str:
    net = Network([2, 2, 1], ["tanh", "sigmoid"], seed=1)
    history = {"epoch": [1, 2], "train_loss": [0.3, 0.2], "test_loss": [np.nan, np.nan]}
    project = Project(net, net.copy(), seed_dataset(), None, {"learning_rate": 1.0}, 2, history)
    return serialise_project(project)


SMALL_TEXT = small_project_text()


@settings(max_examples=150, deadline=None)
@given(
    start=st.integers(0, len(SMALL_TEXT) - 1),
    length=st.integers(0, 12),
    replacement=st.text(alphabet='{}[]",:0123456789.-eE tnulfaNI\\x', max_size=6),
)
def test_any_damaged_project_text_loads_or_raises_project_file_error(start, length, replacement):
    damaged = SMALL_TEXT[:start] + replacement + SMALL_TEXT[start + length :]
    try:
        project = parse_project(damaged, "damaged.bplab")
    except ProjectFileError as error:
        assert str(error).startswith("damaged.bplab: ")
    else:
        project.validate()  # whatever loads is a consistent project


def test_deeply_nested_brackets_are_a_project_file_error():
    with pytest.raises(ProjectFileError, match="corrupt"):
        parse_project("{" + '"a":' + "[" * 100_000 + "]" * 100_000 + "}", "deep.bplab")


def test_numpy_settings_become_plain_numbers_that_round_trip():
    fields = {**vars(trained_project())}
    caller_settings = {"batch_size": np.int64(8), "learning_rate": np.float32(0.5), "sizes": (5, 3)}
    fields["settings"] = caller_settings
    project = Project(**fields)
    assert project.settings == {"batch_size": 8, "learning_rate": 0.5, "sizes": [5, 3]}
    assert type(project.settings["batch_size"]) is int
    assert project.settings is not caller_settings  # a copy: later edits do not leak in
    assert parse_project(serialise_project(project)).settings == project.settings


def test_a_history_over_the_limit_is_thinned_on_save_so_the_file_still_opens(monkeypatch):
    from backprop_lab.core import limits

    monkeypatch.setattr(limits, "MAX_HISTORY_LENGTH", 100)
    net = Network([2, 2, 1], "sigmoid", seed=1)
    n = 1000
    history = {
        "epoch": np.arange(1, n + 1),
        "train_loss": np.linspace(1, 0, n),
        "test_loss": np.full(n, np.nan),
    }
    project = Project(net, net.copy(), seed_dataset(), None, {}, n, history)
    again = parse_project(serialise_project(project), "long.bplab")
    epochs = again.loss_history["epoch"]
    assert len(epochs) <= 100 and epochs[0] == 1 and epochs[-1] == n
    assert np.all(np.diff(epochs) > 0)
