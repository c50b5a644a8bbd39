"""Datasets: inputs, targets and column names, with validation and CSV load/save.

Every problem with data a person typed, pasted or loaded raises one exception
type, :class:`DataError`, whose message names the file, the line and the column
and says what is wrong in plain words::

    seed.csv, line 4, column 'x2': 'abc' is not a number

Loading is all-or-nothing: a file with any bad cell gives no :class:`Dataset`
at all, so the caller's current data stays as it was.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import limits
from .array_codec import decode_array, is_encoded_array
from .files import FileRefused, read_limited, write_atomically
from .limits import describe_bytes, describe_count

Array = npt.NDArray[np.float64]

#: The kinds of learning problem a dataset can describe.
TASKS = ("regression", "classification")

#: Column separators recognised in CSV text, in order of preference.
CSV_DELIMITERS = (",", ";", "\t")

_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


class DataError(ValueError):
    """Bad data: the one exception raised for anything wrong with a dataset or CSV file.

    Parameters
    ----------
    problem
        What is wrong, in words a student understands, e.g.
        ``"'abc' is not a number"``.
    path
        The file (or other source, e.g. ``"pasted text"``) the data came from.
    line
        1-based line number, as a text editor counts.
    column
        The column's header name where known, otherwise its 1-based number.

    Attributes
    ----------
    problem, path, line, column
        As given; ``str(error)`` joins them, e.g.
        ``"seed.csv, line 4, column 'x2': 'abc' is not a number"``.
    """

    def __init__(
        self,
        problem: str,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
        column: str | int | None = None,
    ) -> None:
        self.problem = problem
        self.path: str | None = None if path is None else os.fspath(path)
        self.line = line
        self.column = column
        super().__init__(self._message())

    def _message(self) -> str:
        where: list[str] = []
        if self.path is not None:
            where.append(Path(self.path).name or self.path)
        if self.line is not None:
            where.append(f"line {self.line}")
        if isinstance(self.column, str):
            where.append(f"column '{self.column}'")
        elif self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.problem}" if where else self.problem

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problem, self.path, self.line, self.column))


def _read_only_matrix(values: Any, what: str) -> Array:
    try:
        arr = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise DataError(f"the {what} must be a table of numbers ({exc})") from exc
    if arr.ndim != 2:
        raise DataError(
            f"the {what} must be a 2-D table (samples x columns), got an array of shape {arr.shape}"
        )
    arr.flags.writeable = False
    return arr


def check_text(text: str, what: str) -> None:
    """Refuse ``text`` that cannot be saved: too long, or not encodable (a lone surrogate).

    Raises
    ------
    DataError
        Naming ``what`` (e.g. ``"input name number 2"``) and the problem.
    """
    if len(text) > limits.MAX_NAME_LENGTH:
        raise DataError(
            f"{what} has {describe_count(len(text))} characters; "
            f"at most {limits.MAX_NAME_LENGTH} are allowed"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DataError(
            f"{what} holds a broken character (U+{ord(text[exc.start]):04X}, half of a "
            "surrogate pair) that cannot be saved; retype the name"
        ) from None


def _clean_names(names: Any, what: str) -> tuple[str, ...]:
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise DataError(f"the {what} names must be a list of strings, got {names!r}")
    if len(names) > limits.MAX_COLUMNS:
        raise DataError(
            f"there are {describe_count(len(names))} {what} names; a dataset has at most "
            f"{limits.MAX_COLUMNS} columns"
        )
    cleaned: list[str] = []
    for i, name in enumerate(names, start=1):
        if not isinstance(name, str):
            raise DataError(f"{what} name number {i} must be text, got {name!r}")
        name = name.strip()
        if not name:
            raise DataError(f"{what} name number {i} is empty; every column needs a name")
        check_text(name, f"{what} name number {i}")
        cleaned.append(name)
    return tuple(cleaned)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples to learn from: an input table, a target table and their column names.

    The arrays are stored as read-only float64 copies, so neither the caller's
    arrays nor the dataset can change behind each other's back. Edits make a
    new dataset (:meth:`with_rows`, :meth:`subset`).

    Parameters
    ----------
    inputs
        Shape (N, n_inputs).
    targets
        Shape (N, n_outputs).
    input_names, target_names
        One non-empty name per column; all names together must be unique.
        Surrounding whitespace is removed.
    name
        What to call the dataset, e.g. ``"XOR"``.
    task
        ``"regression"`` or ``"classification"`` (0/1 targets).

    Raises
    ------
    DataError
        If the tables are not 2-D, have different numbers of rows, do not match
        the names, contain NaN or infinity, or a name is empty or repeated.

    Notes
    -----
    A dataset with zero rows is allowed (an emptied data table), but a
    :class:`~backprop_lab.core.trainer.Trainer` needs at least one sample.

    Examples
    --------
    >>> ds = Dataset(np.array([[0.0, 1.0]]), np.array([[1.0]]), ("x1", "x2"), ("t",))
    >>> ds.n_samples, ds.n_inputs, ds.n_outputs
    (1, 2, 1)
    """

    inputs: Array
    targets: Array
    input_names: tuple[str, ...]
    target_names: tuple[str, ...]
    name: str = ""
    task: str = "regression"

    def __post_init__(self) -> None:
        inputs = _read_only_matrix(self.inputs, "inputs")
        targets = _read_only_matrix(self.targets, "targets")
        input_names = _clean_names(self.input_names, "input")
        target_names = _clean_names(self.target_names, "target")
        if inputs.shape[0] != targets.shape[0]:
            raise DataError(
                f"the inputs have {inputs.shape[0]} rows but the targets have "
                f"{targets.shape[0]}; every sample needs both"
            )
        if inputs.shape[1] < 1 or targets.shape[1] < 1:
            raise DataError("a dataset needs at least one input column and one target column")
        if len(input_names) != inputs.shape[1]:
            raise DataError(
                f"there are {inputs.shape[1]} input columns but {len(input_names)} input names"
            )
        if len(target_names) != targets.shape[1]:
            raise DataError(
                f"there are {targets.shape[1]} target columns but {len(target_names)} target names"
            )
        all_names = input_names + target_names
        seen: set[str] = set()
        for column_name in all_names:
            if column_name in seen:
                raise DataError(
                    f"two columns are called '{column_name}'; column names must be unique",
                    column=column_name,
                )
            seen.add(column_name)
        for table, names in ((inputs, input_names), (targets, target_names)):
            bad = ~np.isfinite(table)
            if bad.any():
                row, col = (int(i) for i in np.argwhere(bad)[0])
                raise DataError(
                    f"row {row + 1} holds {table[row, col]!r}; only finite numbers are allowed",
                    column=names[col],
                )
        if not isinstance(self.name, str):
            raise DataError(f"the dataset name must be text, got {self.name!r}")
        check_text(self.name, "the dataset name")
        if self.task not in TASKS:
            raise DataError(f"unknown task {self.task!r}; choose one of: {', '.join(TASKS)}")
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "targets", targets)
        object.__setattr__(self, "input_names", input_names)
        object.__setattr__(self, "target_names", target_names)

    # ------------------------------------------------------------- properties
    @property
    def n_samples(self) -> int:
        """Number of samples (rows)."""
        return int(self.inputs.shape[0])

    @property
    def n_inputs(self) -> int:
        """Number of input columns."""
        return int(self.inputs.shape[1])

    @property
    def n_outputs(self) -> int:
        """Number of target columns (the network's outputs)."""
        return int(self.targets.shape[1])

    @property
    def column_names(self) -> tuple[str, ...]:
        """All column names, inputs first, as in a CSV header."""
        return self.input_names + self.target_names

    # ------------------------------------------------------------ new copies
    def with_rows(self, inputs: npt.ArrayLike, targets: npt.ArrayLike) -> Dataset:
        """A dataset with the same columns, name and task but other rows.

        Raises
        ------
        DataError
            If the new rows do not fit the columns or are not finite.
        """
        return Dataset(inputs, targets, self.input_names, self.target_names, self.name, self.task)

    def subset(self, indices: npt.ArrayLike) -> Dataset:
        """The samples at ``indices`` (integer positions or a boolean mask), in that order."""
        index = np.asarray(indices)
        if index.dtype != np.bool_:
            index = index.astype(np.intp, copy=False).reshape(-1)
        return self.with_rows(self.inputs[index], self.targets[index])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description; floats written by ``json`` round-trip exactly."""
        return {
            "name": self.name,
            "task": self.task,
            "input_names": list(self.input_names),
            "target_names": list(self.target_names),
            "inputs": self.inputs.tolist(),
            "targets": self.targets.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Dataset:
        """Rebuild a dataset written by :meth:`to_dict`.

        Raises
        ------
        DataError
            If a field is missing or does not describe a valid dataset.
        """
        if not isinstance(data, Mapping):
            raise DataError(f"a dataset description must be a mapping, got {type(data).__name__}")
        missing = [
            key for key in ("input_names", "target_names", "inputs", "targets") if key not in data
        ]
        if missing:
            raise DataError(f"the dataset description is missing: {', '.join(missing)}")
        input_names = _clean_names(data["input_names"], "input")
        target_names = _clean_names(data["target_names"], "target")
        inputs = _table_from_rows(data["inputs"], len(input_names), "inputs")
        targets = _table_from_rows(data["targets"], len(target_names), "targets")
        return cls(
            inputs,
            targets,
            input_names,
            target_names,
            name=data.get("name", ""),
            task=data.get("task", "regression"),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return (
            self.name == other.name
            and self.task == other.task
            and self.input_names == other.input_names
            and self.target_names == other.target_names
            and np.array_equal(self.inputs, other.inputs)
            and np.array_equal(self.targets, other.targets)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, task={self.task!r}, n_samples={self.n_samples}, "
            f"input_names={self.input_names}, target_names={self.target_names})"
        )


def check_table_size(n_rows: int, n_columns: int, source_name: str | None = None) -> None:
    """Refuse a table over the limits of :mod:`~backprop_lab.core.limits`, stating the limit.

    Raises
    ------
    DataError
        If there are more than ``MAX_SAMPLES`` rows, ``MAX_COLUMNS`` columns
        or ``MAX_CELLS`` numbers.
    """
    if n_rows > limits.MAX_SAMPLES:
        raise DataError(
            f"there are {describe_count(n_rows)} rows; Backprop Lab takes at most "
            f"{describe_count(limits.MAX_SAMPLES)} samples",
            source_name,
        )
    if n_columns > limits.MAX_COLUMNS:
        raise DataError(
            f"there are {describe_count(n_columns)} columns; Backprop Lab takes at most "
            f"{limits.MAX_COLUMNS} (inputs and targets together)",
            source_name,
        )
    if n_rows * n_columns > limits.MAX_CELLS:
        raise DataError(
            f"there are {describe_count(n_rows * n_columns)} numbers ({describe_count(n_rows)} "
            f"rows x {n_columns} columns); Backprop Lab takes at most "
            f"{describe_count(limits.MAX_CELLS)}",
            source_name,
        )


def check_magnitude(table: Array, names: Sequence[str], source_name: str | None = None) -> None:
    """Refuse a value larger than :data:`~backprop_lab.core.limits.MAX_DATA_MAGNITUDE`.

    Raises
    ------
    DataError
        Naming the row and column of the first one.
    """
    big = np.abs(table) > limits.MAX_DATA_MAGNITUDE
    if big.any():
        row, col = (int(i) for i in np.argwhere(big)[0])
        raise DataError(
            f"row {row + 1} holds {table[row, col]:g}; data values may be at most "
            f"{limits.MAX_DATA_MAGNITUDE:g} in size",
            source_name,
            column=names[col],
        )


def check_dataset_limits(dataset: Dataset, source_name: str | None = None) -> None:
    """The limits of :mod:`~backprop_lab.core.limits` for a whole dataset (size and values):
    every way data comes into the app goes through this."""
    check_table_size(dataset.n_samples, dataset.n_inputs + dataset.n_outputs, source_name)
    check_magnitude(dataset.inputs, dataset.input_names, source_name)
    check_magnitude(dataset.targets, dataset.target_names, source_name)


def _table_from_rows(rows: Any, width: int, what: str) -> Array:
    if is_encoded_array(rows):
        try:
            table = decode_array(rows, "float64", 2, limits.MAX_CELLS, f"the {what}")
        except ValueError as exc:
            raise DataError(str(exc)) from None
        if table.shape[1] != width:
            raise DataError(f"the {what} have {table.shape[1]} columns but {width} names")
        check_table_size(table.shape[0], width)
        return table
    if not isinstance(rows, list):
        raise DataError(f"the {what} must be a list of rows, got {type(rows).__name__}")
    check_table_size(len(rows), width)
    if not rows:
        return np.zeros((0, width))
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != width:
            raise DataError(f"row {i} of the {what} must be a list of {width} numbers")
        for value in row:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DataError(f"row {i} of the {what} holds {value!r}, which is not a number")
    try:
        return np.array(rows, dtype=np.float64)
    except OverflowError:
        raise DataError(f"the {what} hold a number too large for a float") from None


# ------------------------------------------------------------------------ CSV
#: A progress callback: called with the share done (0 ... 1); returning False cancels.
Progress = Callable[[float], bool]


class LoadCancelled(Exception):
    """The user cancelled a load (its progress callback returned False); nothing changed."""


def read_csv_text(path: str | os.PathLike[str]) -> str:
    """The text of the CSV file at ``path``, checked before reading (see :func:`read_limited`).

    Raises
    ------
    DataError
        If the path is not a regular file, is larger than
        :data:`~backprop_lab.core.limits.MAX_CSV_BYTES`, cannot be read, or is
        not UTF-8 text.
    """
    path_text = os.fspath(path)
    try:
        raw = read_limited(path_text, limits.MAX_CSV_BYTES)
    except FileRefused as exc:
        raise DataError(f"the file cannot be read: {exc}", path_text or None) from exc
    return decode_text(raw, path_text)


def read_csv(
    path: str | os.PathLike[str],
    n_targets: int = 1,
    *,
    task: str | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Load a dataset from a CSV file with a header row of column names.

    Parameters
    ----------
    path
        The file. It must be UTF-8 text (a byte-order mark is fine); columns are
        separated by commas, or consistently by semicolons or tabs.
    n_targets
        How many of the last columns are targets; the others are inputs.
    task
        ``"regression"`` or ``"classification"``; None guesses classification
        when every target is 0 or 1 and both occur.
    progress
        Called now and then with the share parsed; returning False cancels
        (:class:`LoadCancelled`).

    Returns
    -------
    Dataset
        Named after the file (without its suffix).

    Raises
    ------
    DataError
        For anything wrong with the file, naming the file, line and column:
        a missing value, text in a numeric cell, a row with the wrong number of
        values, an empty file or a header without rows, NaN or infinity, a
        file that is not UTF-8 text, too few columns for ``n_targets``, more
        rows, columns or bytes than the limits in :mod:`~backprop_lab.core.limits`,
        a folder, FIFO or device instead of a file, or a file that cannot be
        read at all.
    LoadCancelled
        If ``progress`` returned False.
    """
    path_text = os.fspath(path)
    text = read_csv_text(path_text)
    return parse_csv_text(
        text, n_targets, path_text, task=task, name=Path(path_text).stem, progress=progress
    )


def decode_text(raw: bytes, source_name: str | None = None) -> str:
    """Decode file contents as UTF-8 text (an optional BOM is dropped).

    Raises
    ------
    DataError
        If the bytes are not UTF-8 text or contain NUL bytes (a binary file),
        naming the line where the first offending byte is.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
        raise DataError(
            f"this is not UTF-8 text (byte 0x{byte:02x} cannot be read); it may be a binary "
            "file such as a spreadsheet, or text saved in another encoding. Save it as "
            "'CSV UTF-8' and try again",
            source_name,
            line,
        ) from exc
    nul = text.find("\x00")
    if nul >= 0:
        raise DataError(
            "this is a binary file, not text (it contains NUL bytes)",
            source_name,
            text.count("\n", 0, nul) + 1,
        )
    return text


def _detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])  # ties keep the earlier (comma)
    return best if counts[best] > 0 else ","


def _is_number(text: str) -> bool:
    return isinstance(_check_cell(text), float)


#: A number as a person writes it: optional sign, ASCII digits with an optional
#: decimal point, an optional exponent. Anything else (``1_000``, ``0x10``,
#: non-ASCII digits, ``nan``) is not a number in a cell, whatever ``float()`` says.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")

#: Unicode categories of characters that cannot be seen: controls, formatting
#: characters (zero-width space and joiners, direction marks, BOM), separators
#: other than the plain space, private-use and unassigned code points.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})


def _char_name(char: str) -> str:
    name = unicodedata.name(char, "")
    if not name:
        name = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN"}.get(char, "CONTROL")
    return f"U+{ord(char):04X} {name}"


def show_invisible(text: str) -> str:
    """``text`` with every invisible character written out, e.g. ``1⟨U+200B⟩``."""
    return "".join(
        f"⟨U+{ord(c):04X}⟩" if unicodedata.category(c) in _INVISIBLE_CATEGORIES else c for c in text
    )


def _check_cell(text: str) -> float | str:
    """The value of one cell, or a sentence saying why it is not a usable number."""
    cell = text.strip()
    if cell == "":
        return "the value is missing (the cell is empty)"
    if _NUMBER.match(cell):
        value = float(cell)
        if math.isinf(value):
            return f"'{cell}' is infinite or too large; only finite numbers are allowed"
        return value
    hidden = [c for c in cell if c != " " and unicodedata.category(c) in _INVISIBLE_CATEGORIES]
    if hidden:
        return (
            f"'{show_invisible(cell)}' is not a number: it holds an invisible character "
            f"({_char_name(hidden[0])}); delete it and type the number again"
        )
    if len(cell) > 40:
        cell = cell[:37] + "..."
    if "_" in cell and _NUMBER.match(cell.replace("_", "")):
        return f"'{cell}' is not a number; write it without '_', e.g. {cell.replace('_', '')}"
    if "," in cell and _NUMBER.match(cell.replace(",", ".", 1)):
        return f"'{cell}' is not a number; write decimals with a point, e.g. " + (
            cell.replace(",", ".", 1)
        )
    lowered = cell.lower().lstrip("+-")
    if lowered == "nan":
        return f"'{cell}' means 'not a number' (NaN), a missing value; fill it in or delete the row"
    if lowered in ("inf", "infinity"):
        return f"'{cell}' is infinite; only finite numbers are allowed"
    if any(c.isdigit() and not c.isascii() for c in cell):
        return f"'{cell}' is not a number; type the digits 0-9"
    return f"'{cell}' is not a number"


def parse_cell(text: str) -> float:
    """The number in one cell of a data table, a pasted block or a CSV file.

    The one rule for every way data comes in: optional surrounding spaces, an
    optional sign, ASCII digits with an optional decimal point and exponent
    (``-1.5``, ``2e-3``, ``.5``). Refused, with a sentence saying why: empty
    cells, text, ``1_000``, decimal commas, NaN, infinity and numbers too
    large for a float, non-ASCII digits, and invisible characters (shown as
    ``⟨U+200B⟩``).

    Raises
    ------
    DataError
        With the reason as its message (no file or line: the caller adds them).
    """
    value = _check_cell(text)
    if isinstance(value, str):
        raise DataError(value)
    return value


def cell_problem(text: str) -> str | None:
    """Why ``text`` is not a usable number (see :func:`parse_cell`), or None when it is one."""
    value = _check_cell(text)
    return value if isinstance(value, str) else None


def parse_csv_text(
    text: str,
    n_targets: int = 1,
    source_name: str | None = "pasted text",
    *,
    task: str | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Parse CSV text with a header row into a dataset (the engine of :func:`read_csv`).

    Parameters
    ----------
    text
        The CSV text, e.g. pasted by a user.
    n_targets
        How many of the last columns are targets.
    source_name
        What to call the source in error messages (a file name or
        ``"pasted text"``).
    task
        As in :func:`read_csv`.
    name
        The dataset's name; defaults to ``source_name``.
    progress
        As in :func:`read_csv`.

    Raises
    ------
    DataError
        As :func:`read_csv`. Blank lines (anywhere), a BOM, surrounding
        whitespace and a trailing newline are accepted.
    LoadCancelled
        If ``progress`` returned False.
    ValueError
        If ``n_targets`` is less than 1.
    """
    if isinstance(n_targets, bool) or not isinstance(n_targets, (int, np.integer)):
        raise ValueError(f"n_targets must be a whole number, got {n_targets!r}")
    if n_targets < 1:
        raise ValueError(f"n_targets must be at least 1, got {n_targets}")
    if task is not None and task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    if len(text) > limits.MAX_CSV_BYTES:
        raise DataError(
            f"the text is {describe_bytes(len(text))} long; Backprop Lab reads at most "
            f"{describe_bytes(limits.MAX_CSV_BYTES)} of CSV",
            source_name,
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        nul = text.find("\x00")
        raise DataError(
            "this is binary data, not text (it contains NUL bytes)",
            source_name,
            text.count("\n", 0, nul) + 1,
        )

    first_line = next((line for line in io.StringIO(text) if line.strip()), None)
    if first_line is None:
        raise DataError(
            "there is nothing here; a CSV file needs a header line with column names "
            "and then one line of numbers per sample",
            source_name,
            1,
        )
    delimiter = _detect_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    header: list[str] | None = None
    header_line = 0
    rows: list[list[float]] = []
    previous_line = 0
    total_lines = max(1, text.count("\n") + 1)
    max_rows = limits.MAX_SAMPLES
    try:
        for record in reader:
            start_line = previous_line + 1
            previous_line = reader.line_num
            cells = [cell.strip() for cell in record]
            if not any(cells):
                continue  # a blank line
            if header is None:
                header, header_line = _check_header(cells, n_targets, source_name, start_line)
                max_rows = min(limits.MAX_SAMPLES, limits.MAX_CELLS // len(header))
                continue
            if len(rows) >= max_rows:
                _refuse_rows(text, header, source_name, start_line)
            rows.append(_parse_row(cells, header, delimiter, source_name, start_line))
            if progress is not None and len(rows) % 4096 == 0:
                if not progress(min(1.0, previous_line / total_lines)):
                    raise LoadCancelled("the import was cancelled")
    except csv.Error as exc:
        raise DataError(
            f"the line cannot be read as CSV ({exc}); check the quote marks",
            source_name,
            previous_line + 1,  # where the record that cannot be read starts
        ) from exc

    if header is None:  # only separators and spaces, e.g. ";;"
        raise DataError(
            "there are no column names or numbers here; a CSV file needs a header line "
            "with column names and then one line of numbers per sample",
            source_name,
            1,
        )
    if not rows:
        raise DataError(
            "there is a header but no rows of numbers; add at least one sample",
            source_name,
            header_line + 1,
        )
    table = np.array(rows, dtype=np.float64)
    n_inputs = len(header) - n_targets
    targets = table[:, n_inputs:]
    if task is None:
        values = np.unique(targets)
        task = "classification" if values.size == 2 and set(values) == {0.0, 1.0} else "regression"
    return Dataset(
        table[:, :n_inputs],
        targets,
        tuple(header[:n_inputs]),
        tuple(header[n_inputs:]),
        name=name if name is not None else (Path(source_name).stem if source_name else ""),
        task=task,
    )


def _refuse_rows(text: str, header: list[str], source_name: str | None, line: int) -> None:
    """Refuse text with too many rows, estimating their number from its lines."""
    lines = text.count("\n") + (not text.endswith("\n"))
    estimate = max(lines - 1, limits.MAX_SAMPLES + 1)
    try:
        check_table_size(estimate, len(header))
    except DataError as exc:
        raise DataError(
            f"{exc.problem.replace('there are', 'there are about', 1)}; split the file "
            "or leave out rows",
            source_name,
            line,
        ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _check_header(
    cells: list[str], n_targets: int, source_name: str | None, line: int
) -> tuple[list[str], int]:
    if all(_is_number(cell) for cell in cells if cell):
        raise DataError(
            "the first line must be a header with column names, but it holds numbers; "
            "add a line such as 'x1,x2,t' at the top",
            source_name,
            line,
        )
    seen: dict[str, int] = {}
    for number, cell in enumerate(cells, start=1):
        if not cell:
            raise DataError("this column has no name in the header line", source_name, line, number)
        if cell in seen:
            raise DataError(
                f"the name '{cell}' is used for columns {seen[cell]} and {number}; "
                "column names must be unique",
                source_name,
                line,
                cell,
            )
        seen[cell] = number
        try:
            check_text(cell, f"the name of column {number}")
        except DataError as exc:
            raise DataError(exc.problem, source_name, line, number) from None
    if len(cells) > limits.MAX_COLUMNS:
        raise DataError(
            f"the header has {describe_count(len(cells))} columns; Backprop Lab takes at most "
            f"{limits.MAX_COLUMNS} (inputs and targets together)",
            source_name,
            line,
        )
    if n_targets >= len(cells):
        raise DataError(
            f"the header has {len(cells)} column(s) but {n_targets} of them are targets; "
            "at least one input column is needed before the target column(s)",
            source_name,
            line,
        )
    return cells, line


def _parse_row(
    cells: list[str], header: list[str], delimiter: str, source_name: str | None, line: int
) -> list[float]:
    n_columns = len(header)
    if len(cells) < n_columns:
        raise DataError(
            f"this line has {len(cells)} values but the header has {n_columns} columns; "
            "a value is missing",
            source_name,
            line,
            header[len(cells)],
        )
    if len(cells) > n_columns:
        raise DataError(
            f"this line has {len(cells)} values but the header has {n_columns} columns; "
            f"remove the extra values or check the {_DELIMITER_NAMES[delimiter]}s",
            source_name,
            line,
            n_columns + 1,
        )
    values: list[float] = []
    for cell, column in zip(cells, header, strict=True):
        parsed = _check_cell(cell)
        if isinstance(parsed, str):
            raise DataError(parsed, source_name, line, column)
        values.append(parsed)
    return values


def parse_pasted_block(text: str) -> list[list[str]]:
    """Split pasted spreadsheet text into rows of cell texts, with the :mod:`csv` module.

    The separator is a tab if any line holds one (what spreadsheets copy), else
    a semicolon, else a comma; quoted cells (``"1,5"``) keep their separators.
    Trailing blank lines are dropped; cells are stripped of surrounding spaces.
    The cells are not checked here: each one goes through :func:`parse_cell`
    like a typed cell.

    Raises
    ------
    DataError
        If the text is longer than :data:`~backprop_lab.core.limits.MAX_CSV_BYTES`,
        holds more rows than :data:`~backprop_lab.core.limits.MAX_SAMPLES` or
        more columns than :data:`~backprop_lab.core.limits.MAX_COLUMNS`.
    """
    if len(text) > limits.MAX_CSV_BYTES:
        raise DataError(
            f"the pasted text is {describe_bytes(len(text))} long; at most "
            f"{describe_bytes(limits.MAX_CSV_BYTES)} can be pasted",
            "pasted text",
        )
    if "\t" in text:
        separator = "\t"
    elif ";" in text:
        separator = ";"
    elif "," in text:
        separator = ","
    else:
        separator = None
    lines = text.count("\n") + 1
    if lines > limits.MAX_SAMPLES + 1 and text.rstrip().count("\n") >= limits.MAX_SAMPLES:
        raise DataError(
            f"the pasted text has {describe_count(lines)} lines; a table holds at most "
            f"{describe_count(limits.MAX_SAMPLES)} samples",
            "pasted text",
        )
    if separator is None:
        rows = [[line.strip()] for line in io.StringIO(text, newline=None)]
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        try:
            rows = [[cell.strip() for cell in record] for record in reader]
        except csv.Error as exc:
            raise DataError(
                f"the pasted text cannot be read ({exc}); check the quote marks",
                "pasted text",
                reader.line_num,
            ) from None
    while rows and not any(rows[-1]):
        rows.pop()
    rows = [row if row else [""] for row in rows]
    widest = max((len(row) for row in rows), default=0)
    if widest > limits.MAX_COLUMNS:
        raise DataError(
            f"the pasted text has {describe_count(widest)} columns; a table holds at most "
            f"{limits.MAX_COLUMNS}",
            "pasted text",
        )
    return rows


def format_csv_text(dataset: Dataset) -> str:
    """The dataset as CSV text: a header line, then one line per sample.

    Floats are written with ``repr``, the shortest text that reads back as
    exactly the same number, so :func:`parse_csv_text` round-trips exactly.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(dataset.column_names)
    table = np.hstack([dataset.inputs, dataset.targets])
    for row in table.tolist():
        writer.writerow([repr(value) for value in row])
    return buffer.getvalue()


def write_csv(path: str | os.PathLike[str], dataset: Dataset) -> None:
    """Save a dataset as a UTF-8 CSV file, atomically (see :func:`write_text_atomically`)."""
    write_text_atomically(path, format_csv_text(dataset))


def write_text_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` so that it is either fully replaced or untouched.

    See :func:`backprop_lab.core.files.write_atomically`: a temporary file next
    to the target, flushed and moved over it; a symbolic link's target is
    written, a read-only file is refused.

    Raises
    ------
    OSError
        If the folder cannot be written, the disk is full, or the target is
        read-only or not a regular file (:class:`~backprop_lab.core.files.FileRefused`).
    UnicodeEncodeError
        If ``text`` holds a lone surrogate (nothing is written).
    """
    write_atomically(path, text.encode("utf-8"))
