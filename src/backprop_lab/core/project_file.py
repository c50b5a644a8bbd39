"""Save and load a whole Backprop Lab session as a versioned JSON file.

A project file (suffix ``.bplab``) holds the current and the initial weights
(the Reset target), the training and test data, the training settings, the
epoch reached and the loss history. It is UTF-8 JSON::

    {"format": "backprop-lab-project", "version": 1, "app_version": "0.1.0",
     "network": {...}, "initial_network": {...}, "train": {...}, "test": null,
     "settings": {"learning_rate": 1.0, ...}, "epoch": 12,
     "loss_history": {"epoch": [1, 2], "train_loss": [0.13, 0.12],
                      "test_loss": [null, null]}}

Floats are written with ``repr`` (the ``json`` default), so every weight and
data value reads back exactly. A missing test loss (NaN) is written as
``null``, an infinite loss as the string ``"Infinity"`` or ``"-Infinity"``, so
the file stays legal JSON.

Saving is atomic: the file is written next to the target and then moved over
it, so a failed save leaves the previous file intact. Loading raises only
:class:`ProjectFileError`, with a message that names the file and says what is
wrong.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import __version__
from .data import DataError, Dataset, decode_text, write_text_atomically
from .network import Network

#: The version written into new project files; files with a larger number are refused.
PROJECT_FORMAT_VERSION = 1

#: The suffix of project files.
PROJECT_SUFFIX = ".bplab"

#: The value of the ``"format"`` field that marks a Backprop Lab project file.
PROJECT_FORMAT_MARKER = "backprop-lab-project"

#: The keys of :attr:`Project.loss_history`.
LOSS_HISTORY_KEYS = ("epoch", "train_loss", "test_loss")

_REQUIRED_FIELDS = (
    "network",
    "initial_network",
    "train",
    "settings",
    "epoch",
    "loss_history",
)


class ProjectFileError(Exception):
    """A project file could not be opened or saved.

    Parameters
    ----------
    reason
        What is wrong, e.g. ``"it was made by a newer Backprop Lab ..."``.
    path
        The file (or another source name).

    Attributes
    ----------
    reason, path
        As given; ``str(error)`` is ``"<file name>: <reason>"``.
    """

    def __init__(self, reason: str, path: str | os.PathLike[str] | None = None) -> None:
        self.reason = reason
        self.path: str | None = None if path is None else os.fspath(path)
        name = None if self.path is None else (Path(self.path).name or self.path)
        super().__init__(f"{name}: {reason}" if name else reason)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.path))


def empty_loss_history() -> dict[str, np.ndarray]:
    """A loss history with no epochs yet."""
    return {
        "epoch": np.zeros(0, dtype=np.int64),
        "train_loss": np.zeros(0, dtype=np.float64),
        "test_loss": np.zeros(0, dtype=np.float64),
    }


@dataclass(eq=False)
class Project:
    """A whole session: network, data, settings and training progress.

    Parameters
    ----------
    network
        The current weights.
    initial_network
        The weights at epoch 0, what Reset returns to; same architecture.
    train
        The training data; its widths match the network's input and output layers.
    test
        The test data, or None.
    settings
        Training settings (``learning_rate``, ``loss``, ``batch_size``,
        ``momentum``, ...): any JSON-able dict with string keys and finite
        numbers. A plain-Python copy is kept (NumPy scalars become numbers,
        tuples become lists), so it equals what the saved file reads back.
    epoch
        Epochs trained so far.
    loss_history
        ``"epoch"`` (int), ``"train_loss"`` and ``"test_loss"`` (float, NaN
        where there is no test set): 1-D arrays of equal length. Lists are
        converted to arrays.

    Raises
    ------
    ValueError
        If the parts do not fit together (see :meth:`validate`).
    """

    network: Network
    initial_network: Network
    train: Dataset
    test: Dataset | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    epoch: int = 0
    loss_history: dict[str, np.ndarray] = field(default_factory=empty_loss_history)

    def __post_init__(self) -> None:
        self.loss_history = _normalise_history(self.loss_history)
        self.validate()

    def validate(self) -> None:
        """Check that the parts fit together.

        Raises
        ------
        ValueError
            If a network has non-finite weights, the two networks differ in
            architecture, the data does not fit the network, the settings are
            not JSON-able, the epoch is negative or the loss history is ragged.
        """
        for label, net in (("network", self.network), ("initial network", self.initial_network)):
            if not isinstance(net, Network):
                raise ValueError(f"the {label} must be a Network, got {type(net).__name__}")
            _check_finite_network(net, label)
        net, initial = self.network, self.initial_network
        if (
            net.layer_sizes != initial.layer_sizes
            or net.activations != initial.activations
            or net.has_bias != initial.has_bias
        ):
            raise ValueError(
                f"the network ({_describe(net)}) and the initial network "
                f"({_describe(initial)}) have different architectures"
            )
        for label, data in (("training data", self.train), ("test data", self.test)):
            if data is None and label == "test data":
                continue
            if not isinstance(data, Dataset):
                raise ValueError(f"the {label} must be a Dataset, got {type(data).__name__}")
            if data.n_inputs != net.layer_sizes[0] or data.n_outputs != net.layer_sizes[-1]:
                raise ValueError(
                    f"the {label} has {data.n_inputs} input(s) and {data.n_outputs} target(s) "
                    f"but the network ({_describe(net)}) has {net.layer_sizes[0]} input(s) and "
                    f"{net.layer_sizes[-1]} output(s)"
                )
        self.settings = _normalise_settings(self.settings)
        if isinstance(self.epoch, bool) or not isinstance(self.epoch, (int, np.integer)):
            raise ValueError(f"the epoch must be a whole number, got {self.epoch!r}")
        if self.epoch < 0:
            raise ValueError(f"the epoch cannot be negative, got {self.epoch}")
        self.epoch = int(self.epoch)
        self.loss_history = _normalise_history(self.loss_history)


def _describe(net: Network) -> str:
    return "-".join(str(size) for size in net.layer_sizes)


def _check_finite_network(net: Network, label: str) -> None:
    for name, array in net.parameter_arrays():
        if not np.all(np.isfinite(array)):
            raise ValueError(f"the {label}'s {name} holds values that are not finite numbers")


def _normalise_settings(settings: Any) -> dict[str, Any]:
    """A plain-Python deep copy of the settings, or ValueError saying what cannot be saved.

    NumPy scalars and arrays (a value from a spin box, say) become Python
    numbers and lists, tuples become lists, so the copy equals what a saved
    file reads back.
    """
    if not isinstance(settings, Mapping):
        raise ValueError(f"the settings must be a dict, got {type(settings).__name__}")

    def copy(value: Any, where: str) -> Any:
        if isinstance(value, (np.generic, np.ndarray)):
            value = value.tolist()
        if isinstance(value, Mapping):
            result = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ValueError(
                        f"setting keys must be text, got {key!r} in {where or 'settings'}"
                    )
                result[key] = copy(item, f"{where}.{key}" if where else key)
            return result
        if isinstance(value, (list, tuple)):
            return [copy(item, f"{where}[{i}]") for i, item in enumerate(value)]
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"the setting {where} is {value!r}; it must be a finite number")
            return float(value)
        if value is None or isinstance(value, (str, bool)):
            return value
        if isinstance(value, int):
            return int(value)
        raise ValueError(
            f"the setting {where} is a {type(value).__name__}; settings may only hold "
            "text, numbers, true/false, None, lists and dicts"
        )

    return copy(settings, "")


def _normalise_history(history: Any) -> dict[str, np.ndarray]:
    if not isinstance(history, Mapping):
        raise ValueError(f"the loss history must be a dict, got {type(history).__name__}")
    if set(history) != set(LOSS_HISTORY_KEYS):
        raise ValueError(
            f"the loss history must have exactly the keys {', '.join(LOSS_HISTORY_KEYS)}; "
            f"got {', '.join(sorted(map(str, history)))}"
        )
    try:
        epochs_float = np.asarray(history["epoch"], dtype=np.float64)
        train_loss = np.array(history["train_loss"], dtype=np.float64, copy=True)
        test_loss = np.array(history["test_loss"], dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the loss history must hold numbers ({exc})") from exc
    arrays = {"epoch": epochs_float, "train_loss": train_loss, "test_loss": test_loss}
    for key, array in arrays.items():
        if array.ndim != 1:
            raise ValueError(
                f"the loss history's {key} must be a 1-D list, got shape {array.shape}"
            )
    lengths = {key: len(array) for key, array in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(
            "the loss history's lists have different lengths: "
            + ", ".join(f"{key} {n}" for key, n in lengths.items())
        )
    if not np.all(np.isfinite(epochs_float)) or np.any(epochs_float != np.round(epochs_float)):
        raise ValueError("the loss history's epoch numbers must be whole numbers")
    return {
        "epoch": epochs_float.astype(np.int64),
        "train_loss": train_loss,
        "test_loss": test_loss,
    }


# -------------------------------------------------------------------- writing
def _encode_losses(values: np.ndarray) -> list[float | str | None]:
    encoded: list[float | str | None] = []
    for value in values.tolist():
        if math.isnan(value):
            encoded.append(None)
        elif math.isinf(value):
            encoded.append("Infinity" if value > 0 else "-Infinity")
        else:
            encoded.append(value)
    return encoded


def _network_to_dict(net: Network) -> dict[str, Any]:
    data = net.to_dict()
    # NumPy scalars (a seed from a spin box, say) are not JSON-able: use plain numbers.
    data["seed"] = None if data.get("seed") is None else int(data["seed"])
    data["init_value"] = float(data.get("init_value", 0.0))
    return data


def project_to_dict(project: Project) -> dict[str, Any]:
    """The JSON-ready document written to a project file.

    Raises
    ------
    ValueError
        If the project is not consistent (see :meth:`Project.validate`).
    """
    project.validate()
    history = project.loss_history
    return {
        "format": PROJECT_FORMAT_MARKER,
        "version": PROJECT_FORMAT_VERSION,
        "app_version": __version__,
        "network": _network_to_dict(project.network),
        "initial_network": _network_to_dict(project.initial_network),
        "train": project.train.to_dict(),
        "test": None if project.test is None else project.test.to_dict(),
        "settings": project.settings,
        "epoch": project.epoch,
        "loss_history": {
            "epoch": history["epoch"].tolist(),
            "train_loss": _encode_losses(history["train_loss"]),
            "test_loss": _encode_losses(history["test_loss"]),
        },
    }


def serialise_project(project: Project) -> str:
    """The project as the text of a project file (UTF-8 JSON, newline at the end).

    Raises
    ------
    ValueError
        If the project is not consistent or its settings are not JSON-able.
    """
    document = project_to_dict(project)
    try:
        # One top-level field per line: readable, yet arrays stay compact.
        lines = [
            f"{json.dumps(key)}: {json.dumps(value, allow_nan=False, ensure_ascii=False)}"
            for key, value in document.items()
        ]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the project cannot be written as JSON: {exc}") from exc
    return "{\n " + ",\n ".join(lines) + "\n}\n"


def save_project(path: str | os.PathLike[str], project: Project) -> None:
    """Save a project atomically.

    The file is first written in full to a temporary file in the same folder
    and then moved over ``path``; if anything fails, a previous file at
    ``path`` is left exactly as it was.

    Raises
    ------
    ProjectFileError
        If the file cannot be written (no permission, disk full, ...).
    ValueError
        If the project itself is not consistent (a programming error).
    """
    text = serialise_project(project)
    try:
        write_text_atomically(path, text)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ProjectFileError(f"the project could not be saved ({reason})", path) from exc


# -------------------------------------------------------------------- reading
def load_project(path: str | os.PathLike[str]) -> Project:
    """Open a project file.

    Raises
    ------
    ProjectFileError
        The only exception raised: the file cannot be read, is not text, is
        corrupt or truncated JSON, is not a Backprop Lab project, was made by
        a newer Backprop Lab, misses fields, or holds arrays of the wrong shape
        or non-finite numbers. The message names the file and the problem.
    """
    path_text = os.fspath(path)
    try:
        raw = Path(path_text).read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ProjectFileError(f"the file cannot be opened ({reason})", path_text) from exc
    try:
        text = decode_text(raw)
    except DataError as exc:
        raise ProjectFileError(
            "this is not a Backprop Lab project file (it is binary, not text)", path_text
        ) from exc
    return parse_project(text, path_text)


def _reject_constant(token: str) -> None:
    raise ValueError(f"{token} is not allowed in a project file")


def _unbalanced(text: str) -> bool:
    """True when the JSON text ends inside a string or with brackets still open."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return in_string or depth > 0


def parse_project(text: str, source_name: str | None = "project") -> Project:
    """Read a project from the text of a project file.

    Parameters
    ----------
    text
        The file's text.
    source_name
        What to call the source in error messages (usually the file path).

    Raises
    ------
    ProjectFileError
        As :func:`load_project`.
    """

    def fail(reason: str) -> ProjectFileError:
        return ProjectFileError(reason, source_name)

    if text.startswith("\ufeff"):
        text = text[1:]
    stripped = text.strip()
    if not stripped:
        raise fail("the file is empty; it may not have been saved completely")
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise fail("the file is corrupt: its brackets are nested far too deeply") from exc
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        if not stripped.startswith("{"):
            raise fail("this is not a Backprop Lab project file (it is not JSON)") from exc
        if _unbalanced(stripped):
            raise fail(
                "the file is truncated (it ends in the middle); it may not have been saved "
                "completely"
            ) from exc
        where = ""
        if isinstance(exc, json.JSONDecodeError):
            where = f" at line {exc.lineno}, column {exc.colno} ({exc.msg})"
        else:
            where = f" ({exc})"
        raise fail(f"the file is corrupt: it is not valid JSON{where}") from exc

    if not isinstance(document, dict) or document.get("format") != PROJECT_FORMAT_MARKER:
        raise fail(
            "this is not a Backprop Lab project file (it is JSON, but has no "
            f"'format': '{PROJECT_FORMAT_MARKER}' marker)"
        )
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise fail(f"the format version is missing or not a whole number ({version!r})")
    if version > PROJECT_FORMAT_VERSION:
        raise fail(
            f"it was made by a newer Backprop Lab (project format version {version}; this "
            f"Backprop Lab {__version__} reads up to version {PROJECT_FORMAT_VERSION}). "
            "Update Backprop Lab to open it"
        )
    if version < 1:
        raise fail(f"unknown project format version {version}")
    missing = [key for key in _REQUIRED_FIELDS if key not in document]
    if missing:
        raise fail(f"the file is incomplete: it has no {', '.join(repr(k) for k in missing)}")

    network = _read_network(document["network"], "network", fail)
    initial_network = _read_network(document["initial_network"], "initial network", fail)
    train = _read_dataset(document["train"], "training data", fail)
    test_data = document.get("test")
    test = None if test_data is None else _read_dataset(test_data, "test data", fail)
    history = _read_history(document["loss_history"], fail)
    try:
        return Project(
            network=network,
            initial_network=initial_network,
            train=train,
            test=test,
            settings=document["settings"],
            epoch=document["epoch"],
            loss_history=history,
        )
    except ValueError as exc:
        raise fail(f"the project is inconsistent: {exc}") from exc


def _read_network(data: Any, label: str, fail: Any) -> Network:
    if not isinstance(data, dict):
        raise fail(f"the {label} is not a network description")
    try:
        _check_parameter_lists(data)
        net = Network.from_dict(data)
        _check_finite_network(net, label)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise fail(f"the {label} is not valid: {exc}") from exc
    return net


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_parameter_lists(data: dict[str, Any]) -> None:
    """Explain badly shaped weight lists in words before NumPy sees them."""
    weights = data.get("weights")
    if not isinstance(weights, list) or not weights:
        raise ValueError("it has no list of weight matrices")
    for number, matrix in enumerate(weights, start=1):
        rows = matrix if isinstance(matrix, list) else None
        if not rows or not all(isinstance(row, list) for row in rows):
            raise ValueError(f"W{number} is not a table of numbers")
        if len({len(row) for row in rows}) != 1:
            raise ValueError(f"W{number} has rows of different lengths")
        for row in rows:
            for value in row:
                if not _is_number(value):
                    raise ValueError(f"W{number} holds {value!r}, which is not a number")
    biases = data.get("biases")
    if biases is None:
        return
    if not isinstance(biases, list):
        raise ValueError("its biases must be a list of vectors or null")
    for number, vector in enumerate(biases, start=1):
        if not isinstance(vector, list) or not all(_is_number(v) for v in vector):
            raise ValueError(f"b{number} is not a list of numbers")


def _read_dataset(data: Any, label: str, fail: Any) -> Dataset:
    try:
        return Dataset.from_dict(data)
    except DataError as exc:
        raise fail(f"the {label} is not valid: {exc}") from exc


def _decode_loss(value: Any) -> float:
    if value is None:
        return math.nan
    if value == "Infinity":
        return math.inf
    if value == "-Infinity":
        return -math.inf
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a loss value")
    return float(value)


def _read_history(data: Any, fail: Any) -> dict[str, np.ndarray]:
    if not isinstance(data, dict):
        raise fail("the loss history is not valid: it must be a mapping")
    try:
        decoded: dict[str, npt.ArrayLike] = {}
        for key in LOSS_HISTORY_KEYS:
            values = data.get(key)
            if not isinstance(values, list):
                raise ValueError(f"its {key!r} must be a list")
            if key == "epoch":
                if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
                    raise ValueError("its epoch numbers must be whole numbers")
                decoded[key] = np.array(values, dtype=np.int64)
            else:
                decoded[key] = np.array([_decode_loss(v) for v in values], dtype=np.float64)
        extra = set(data) - set(LOSS_HISTORY_KEYS)
        if extra:
            raise ValueError(f"unknown key(s): {', '.join(sorted(extra))}")
        return _normalise_history(decoded)
    except (ValueError, TypeError, OverflowError) as exc:
        raise fail(f"the loss history is not valid: {exc}") from exc
