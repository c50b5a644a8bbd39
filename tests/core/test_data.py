"""Dataset validation and CSV load/save: exact round trips, clear errors, nothing half-loaded."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backprop_lab.core import (
    DataError,
    Dataset,
    format_csv_text,
    parse_csv_text,
    read_csv,
    write_csv,
    write_text_atomically,
)
from backprop_lab.core import data as data_module

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "csv"
BAD_EXPECTED = json.loads((CORPUS / "bad" / "expected.json").read_text())
GOOD_EXPECTED = json.loads((CORPUS / "good" / "expected.json").read_text())


def small_dataset() -> Dataset:
    return Dataset(
        np.array([[0.1, 0.2], [0.3, -0.4], [1e-300, 5e300]]),
        np.array([[1.0], [0.0], [0.5]]),
        ("x1", "x2"),
        ("t",),
        name="small",
    )


# ------------------------------------------------------------------ Dataset
def test_dataset_copies_and_freezes_the_callers_arrays():
    inputs = np.array([[1.0, 2.0], [3.0, 4.0]])
    targets = np.array([[0.0], [1.0]])
    ds = Dataset(inputs, targets, ["a", "b"], ["t"])
    inputs[0, 0] = 99.0
    assert ds.inputs[0, 0] == 1.0
    with pytest.raises(ValueError):
        ds.inputs[0, 0] = 5.0
    assert inputs.flags.writeable  # the caller's array is left alone
    assert ds.input_names == ("a", "b") and isinstance(ds.input_names, tuple)
    assert (ds.n_samples, ds.n_inputs, ds.n_outputs) == (2, 2, 1)
    assert ds.inputs.dtype == np.float64


@pytest.mark.parametrize(
    ("inputs", "targets", "input_names", "target_names", "says"),
    [
        (np.ones(3), np.ones((3, 1)), ("x",), ("t",), "2-D"),
        (np.ones((3, 2)), np.ones((2, 1)), ("a", "b"), ("t",), "3 rows but the targets have 2"),
        (np.ones((3, 2)), np.ones((3, 1)), ("a",), ("t",), "2 input columns but 1 input names"),
        (np.ones((3, 2)), np.ones((3, 1)), ("a", "b"), ("t", "u"), "1 target columns but 2"),
        (np.ones((3, 2)), np.ones((3, 1)), ("a", "a"), ("t",), "unique"),
        (np.ones((3, 2)), np.ones((3, 1)), ("a", " "), ("t",), "empty"),
        ([[1.0, np.nan]], [[1.0]], ("a", "b"), ("t",), "finite"),
        ([[1.0, 2.0]], [[np.inf]], ("a", "b"), ("t",), "finite"),
        ([["x", 2.0]], [[1.0]], ("a", "b"), ("t",), "table of numbers"),
    ],
)
def test_dataset_refuses_bad_tables(inputs, targets, input_names, target_names, says):
    with pytest.raises(DataError, match=says):
        Dataset(inputs, targets, input_names, target_names)


def test_dataset_names_the_column_holding_a_non_finite_value():
    with pytest.raises(DataError) as info:
        Dataset([[1.0, 2.0], [3.0, np.nan]], [[0.0], [1.0]], ("x1", "x2"), ("t",))
    assert info.value.column == "x2"
    assert "row 2" in str(info.value) and "'x2'" in str(info.value)


def test_dataset_refuses_unknown_task():
    with pytest.raises(DataError, match="task"):
        Dataset([[1.0]], [[1.0]], ("x",), ("t",), task="clustering")


def test_empty_dataset_is_allowed_for_an_emptied_table():
    ds = Dataset(np.zeros((0, 2)), np.zeros((0, 1)), ("a", "b"), ("t",))
    assert ds.n_samples == 0
    assert Dataset.from_dict(ds.to_dict()) == ds


def test_with_rows_and_subset_keep_columns_and_leave_the_original_unchanged():
    ds = small_dataset()
    before = ds.inputs.copy()
    fewer = ds.subset([2, 0])
    assert fewer.column_names == ds.column_names and fewer.name == "small"
    np.testing.assert_array_equal(fewer.inputs, ds.inputs[[2, 0]])
    mask = ds.subset(np.array([True, False, True]))
    np.testing.assert_array_equal(mask.targets, [[1.0], [0.5]])
    new = ds.with_rows([[5.0, 6.0]], [[7.0]])
    assert new.n_samples == 1 and new.task == ds.task
    with pytest.raises(DataError):
        ds.with_rows([[5.0]], [[7.0]])
    np.testing.assert_array_equal(ds.inputs, before)


def test_dict_round_trip_is_exact_and_json_ready():
    ds = small_dataset()
    again = Dataset.from_dict(json.loads(json.dumps(ds.to_dict())))
    assert again == ds
    assert again is not ds and again != ds.with_rows(ds.inputs[:1], ds.targets[:1])


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"inputs": ...}, "missing: inputs"),
        ({"inputs": "1,2"}, "list of rows"),
        ({"inputs": [[1.0, 2.0], [3.0], [4.0, 5.0]]}, "row 2 of the inputs"),
        ({"targets": [[1.0], [True], [0.0]]}, "not a number"),
        ({"target_names": "t"}, "list of strings"),
        ({"task": "magic"}, "unknown task"),
    ],
)
def test_from_dict_explains_bad_descriptions(change, says):
    data = small_dataset().to_dict()
    for key, value in change.items():
        if value is ...:
            del data[key]
        else:
            data[key] = value
    with pytest.raises(DataError, match=says):
        Dataset.from_dict(data)


def test_data_error_carries_where_and_pickles():
    error = DataError("'abc' is not a number", "/tmp/some/seed.csv", 4, "x2")
    assert str(error) == "seed.csv, line 4, column 'x2': 'abc' is not a number"
    assert (error.path, error.line, error.column) == ("/tmp/some/seed.csv", 4, "x2")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and copy.line == 4
    assert str(DataError("bad", None, None, 3)) == "column 3: bad"


# ---------------------------------------------------------------------- CSV
def test_csv_round_trip_is_exact(tmp_path):
    ds = small_dataset()
    path = tmp_path / "small.csv"
    write_csv(path, ds)
    again = read_csv(path)
    assert again == ds  # named after the file: "small"
    np.testing.assert_array_equal(again.inputs, ds.inputs)


@settings(max_examples=40, deadline=None)
@given(
    table=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
        elements=st.floats(allow_nan=False, allow_infinity=False, width=64),
    ),
    data=st.data(),
)
def test_random_finite_datasets_round_trip_exactly_through_csv_text(table, data):
    if table.shape[1] < 2:
        table = np.hstack([table, table])
    n_targets = data.draw(st.integers(1, table.shape[1] - 1))
    n_inputs = table.shape[1] - n_targets
    ds = Dataset(
        table[:, :n_inputs],
        table[:, n_inputs:],
        tuple(f"in {i}" for i in range(n_inputs)),
        tuple(f"out,{i}" for i in range(n_targets)),  # a comma in a name gets quoted
        name="random",
    )
    again = parse_csv_text(format_csv_text(ds), n_targets, "random.csv", task=ds.task)
    assert again.column_names == ds.column_names
    # Bit-exact, including the sign of zero.
    assert again.inputs.tobytes() == ds.inputs.tobytes()
    assert again.targets.tobytes() == ds.targets.tobytes()


def test_classification_is_guessed_from_zero_one_targets():
    assert parse_csv_text("a,b,c\n1,2,0\n3,4,1\n").task == "classification"
    assert parse_csv_text("a,b,c\n1,2,0\n3,4,0.5\n").task == "regression"
    assert parse_csv_text("a,b,c\n1,2,0\n3,4,1\n", task="regression").task == "regression"


def test_n_targets_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        parse_csv_text("a,b\n1,2\n", 0)


@pytest.mark.parametrize("name", sorted(GOOD_EXPECTED))
def test_good_corpus_files_load(name):
    expected = GOOD_EXPECTED[name]
    ds = read_csv(CORPUS / "good" / name, expected["n_targets"])
    assert list(ds.input_names) == expected["input_names"]
    assert list(ds.target_names) == expected["target_names"]
    np.testing.assert_array_equal(ds.inputs, expected["inputs"])
    np.testing.assert_array_equal(ds.targets, expected["targets"])


def test_every_bad_corpus_file_has_an_expectation():
    files = {p.name for p in (CORPUS / "bad").iterdir() if p.name != "expected.json"}
    assert files == set(BAD_EXPECTED)


@pytest.mark.parametrize("name", sorted(BAD_EXPECTED))
def test_bad_corpus_files_raise_data_error_naming_file_line_and_column(name):
    expected = BAD_EXPECTED[name]
    path = CORPUS / "bad" / name
    previous = small_dataset()
    current = previous
    with pytest.raises(DataError) as info:
        current = read_csv(path, expected["n_targets"])
    error = info.value
    message = str(error)
    assert current is previous  # nothing half-loaded: the caller keeps its data
    assert previous == small_dataset()
    assert error.path == str(path)
    assert message.startswith(name)
    assert error.line == expected["line"]
    assert f"line {expected['line']}" in message
    assert error.column == expected["column"]
    if isinstance(expected["column"], str):
        assert f"column '{expected['column']}'" in message
    elif expected["column"] is not None:
        assert f"column {expected['column']}" in message
    assert expected["says"] in message


def test_pasted_text_errors_name_the_source():
    with pytest.raises(DataError, match=r"^pasted text, line 3, column 'b': 'x' is not a number"):
        parse_csv_text("a,b,t\n1,2,3\n4,x,6\n")


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match=r"nothere\.csv: the file cannot be read"):
        read_csv(tmp_path / "nothere.csv")
    with pytest.raises(DataError, match="cannot be read"):
        read_csv(tmp_path)  # a folder


def test_write_csv_is_atomic_when_replacing_fails(tmp_path, monkeypatch):
    path = tmp_path / "data.csv"
    write_csv(path, small_dataset())
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data_module.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_csv(path, small_dataset().with_rows([[9.0, 9.0]], [[9.0]]))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]  # no temp file left


def test_write_text_atomically_keeps_the_old_file_if_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "notes.txt"
    path.write_text("old")

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(data_module.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        write_text_atomically(path, "new text")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_write_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "shared.csv"
    path.write_text("x")
    path.chmod(0o644)
    write_csv(path, small_dataset())
    assert path.stat().st_mode & 0o777 == 0o644
    assert read_csv(path) == Dataset(**{**_fields(small_dataset()), "name": "shared"})


def _fields(ds: Dataset) -> dict:
    return {
        "inputs": ds.inputs,
        "targets": ds.targets,
        "input_names": ds.input_names,
        "target_names": ds.target_names,
        "name": ds.name,
        "task": ds.task,
    }


def test_shipped_example_files_load():
    from backprop_lab import resource_path
    from backprop_lab.core import seed_dataset

    seed = read_csv(resource_path("data", "seed_example.csv"))
    np.testing.assert_array_equal(seed.inputs, seed_dataset().inputs)
    np.testing.assert_array_equal(seed.targets, seed_dataset().targets)
    xor = read_csv(resource_path("data", "xor.csv"))
    assert xor.task == "classification" and xor.n_samples == 4
    study = read_csv(resource_path("data", "study_sleep_exam.csv"))
    assert study.n_inputs == 2 and study.n_samples == 24
    assert np.abs(study.inputs).max() <= 1.0 and np.abs(study.targets).max() <= 1.0


@settings(max_examples=150, deadline=None)
@given(
    raw=st.one_of(
        st.binary(max_size=80),
        st.text(alphabet='x,;\t\n\r "0123456789.-eEnaif_\ufeff\x00é', max_size=80).map(
            lambda text: text.encode("utf-8")
        ),
    ),
    n_targets=st.integers(1, 3),
)
def test_any_bytes_give_a_dataset_or_a_data_error(raw, n_targets):
    # Exactly what read_csv does with a file's bytes, without touching the disk.
    try:
        ds = parse_csv_text(data_module.decode_text(raw, "fuzz.csv"), n_targets, "fuzz.csv")
    except DataError as error:
        assert str(error).startswith("fuzz.csv, line ")
        assert error.line is not None and error.line >= 1
    else:
        assert ds.n_samples >= 1 and ds.n_outputs == n_targets
        assert np.all(np.isfinite(ds.inputs)) and np.all(np.isfinite(ds.targets))


def test_a_line_of_separators_only_is_explained():
    with pytest.raises(DataError, match=r"^x\.csv, line 1: there are no column names"):
        parse_csv_text(";;\n ; ;\n", 1, "x.csv")
