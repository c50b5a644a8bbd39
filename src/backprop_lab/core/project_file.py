"""Save and load a whole Backprop Lab session as a versioned JSON file.

A project file (suffix ``.bplab``) holds the current and the initial weights
(the Reset target), the training and test data, the training settings, the
epoch reached and the loss history. It is UTF-8 JSON, one top-level field per
line::

    {"format": "backprop-lab-project", "version": 2, "app_version": "0.1.0",
     "network": {...}, "initial_network": {...}, "train": {...}, "test": null,
     "settings": {"learning_rate": 1.0, ...}, "epoch": 12,
     "loss_history": {"epoch": {"dtype": "int64", "shape": [12], "base64": "..."},
                      "train_loss": {"dtype": "float64", ...}, "test_loss": {...}}}

**Version 2** stores the loss history (and data tables or weight matrices with
many numbers) compactly, as the raw little-endian bytes in base64 (see
:mod:`~backprop_lab.core.array_codec`): exact, NaN and infinity included, and a
million epochs save and load in a fraction of a second. Small tables and
weights stay readable JSON lists, written with ``repr`` so every number reads
back exactly. **Version 1** files (every array a JSON list, a missing test loss
``null``, an infinite loss ``"Infinity"``) still open.

Saving is atomic (see :func:`~backprop_lab.core.files.write_atomically`): a
failed save leaves the previous file intact; a symbolic link's target is
written; a read-only file is refused.

Loading is transactional: :func:`load_project` reads, parses and checks the
*whole* file, every field against its type and its range in
:mod:`~backprop_lab.core.limits`, and even builds a trainer from it, before it
returns; a caller replaces its session only with a :class:`Project` that came
back. It raises only :class:`ProjectFileError`, whose message names the file,
the field (``settings.init_seed``) and what is wrong. Folders, FIFOs, devices
and files over :data:`~backprop_lab.core.limits.MAX_PROJECT_BYTES` are refused
before a byte is read.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from . import limits
from .activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from .array_codec import decode_array, encode_array, is_encoded_array
from .data import DataError, Dataset, check_dataset_limits, check_text, decode_text
from .files import FileRefused, read_limited, write_atomically
from .limits import describe_count
from .network import INIT_SCHEMES, Mistakes, Network
from .settings import (
    SettingsError,
    TrainingSettings,
    check_batch_size,
    check_bias,
    check_hidden_layer_sizes,
    check_init,
    check_init_value,
    check_learning_rate,
    check_loss,
    check_max_epochs,
    check_momentum,
    check_seed,
    check_speed,
    check_target_loss,
)

#: The version written into new project files; files with a larger number are refused.
PROJECT_FORMAT_VERSION = 2

#: Data tables and weight matrices with more numbers than this are written as
#: encoded arrays (version 2); smaller ones stay readable JSON lists.
INLINE_ARRAY_SIZE = 1000

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
    field
        Where in the file, as a dotted path (``"settings.init_seed"``,
        ``"train.inputs"``), when known.

    Attributes
    ----------
    reason, path, field
        As given; ``str(error)`` is ``"<file name>: <field>: <reason>"``
        (without the field part when there is none).
    """

    def __init__(
        self,
        reason: str,
        path: str | os.PathLike[str] | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.path: str | None = None if path is None else os.fspath(path)
        self.field = field
        name = None if self.path is None else (Path(self.path).name or self.path)
        where = ": ".join(part for part in (name, field) if part)
        super().__init__(f"{where}: {reason}" if where else reason)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.path, self.field))


class _Bad(Exception):
    """Internal: a field of a project file is wrong (``field`` may be None)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


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
    practice
        Practice mode's state: ``{"score": Score.to_dict(), "set", "number",
        "level", "kind"}`` (see :mod:`backprop_lab.core.practice`), or None.

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
    practice: dict[str, Any] | None = None

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
            if data.n_inputs != net.n_inputs or data.n_outputs != net.layer_sizes[-1]:
                raise ValueError(
                    f"the {label} has {data.n_inputs} input(s) and {data.n_outputs} target(s) "
                    f"but the network ({_describe(net)}) has {net.n_inputs} input(s) and "
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
                try:
                    key.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError(
                        f"a setting name in {where or 'settings'} holds a broken character"
                    ) from None
                result[key] = copy(item, f"{where}.{key}" if where else key)
            return result
        if isinstance(value, (list, tuple)):
            return [copy(item, f"{where}[{i}]") for i, item in enumerate(value)]
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"the setting {where} is {value!r}; it must be a finite number")
            return float(value)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(
                    f"the setting {where} holds a broken character (half of a surrogate "
                    "pair) that cannot be saved"
                ) from None
            return value
        if value is None or isinstance(value, bool):
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
def _encode_losses_v1(values: np.ndarray) -> list[float | str | None]:
    encoded: list[float | str | None] = []
    for value in values.tolist():
        if math.isnan(value):
            encoded.append(None)
        elif math.isinf(value):
            encoded.append("Infinity" if value > 0 else "-Infinity")
        else:
            encoded.append(value)
    return encoded


def _array_or_list(array: np.ndarray) -> Any:
    """Small arrays as JSON lists (readable), large ones as encoded arrays (compact)."""
    if array.size > INLINE_ARRAY_SIZE:
        return encode_array(array)
    return array.tolist()


def _network_to_dict(net: Network) -> dict[str, Any]:
    data = net.to_dict()
    # NumPy scalars (a seed from a spin box, say) are not JSON-able: use plain numbers.
    data["seed"] = None if data.get("seed") is None else int(data["seed"])
    data["init_value"] = float(data.get("init_value", 0.0))
    data["weights"] = [_array_or_list(w) for w in net.weights]
    if net.biases is not None:
        data["biases"] = [_array_or_list(b) for b in net.biases]
    return data


def _dataset_to_dict(dataset: Dataset) -> dict[str, Any]:
    data = dataset.to_dict() if dataset.inputs.size <= INLINE_ARRAY_SIZE else None
    if data is None:
        data = {
            "name": dataset.name,
            "task": dataset.task,
            "input_names": list(dataset.input_names),
            "target_names": list(dataset.target_names),
            "inputs": encode_array(dataset.inputs),
            "targets": encode_array(dataset.targets),
        }
    return data


def _thinned(history: dict[str, np.ndarray], most: int) -> dict[str, np.ndarray]:
    """``history`` with at most ``most`` epochs: every k-th one, and always the last."""
    n = len(history["epoch"])
    if n <= most:
        return history
    stride = -(-n // (most - 1))
    keep = np.zeros(n, dtype=bool)
    keep[::stride] = True
    keep[-1] = True
    return {key: values[keep] for key, values in history.items()}


def project_to_dict(project: Project) -> dict[str, Any]:
    """The JSON-ready document written to a project file (format version 2).

    Raises
    ------
    ValueError
        If the project is not consistent (see :meth:`Project.validate`).
    """
    project.validate()
    history = _thinned(project.loss_history, limits.MAX_HISTORY_LENGTH)
    return {
        "format": PROJECT_FORMAT_MARKER,
        "version": PROJECT_FORMAT_VERSION,
        "app_version": __version__,
        "network": _network_to_dict(project.network),
        "initial_network": _network_to_dict(project.initial_network),
        "train": _dataset_to_dict(project.train),
        "test": None if project.test is None else _dataset_to_dict(project.test),
        "settings": project.settings,
        "epoch": project.epoch,
        "loss_history": {
            "epoch": encode_array(history["epoch"], "int64"),
            "train_loss": encode_array(history["train_loss"]),
            "test_loss": encode_array(history["test_loss"]),
        },
        **({} if project.practice is None else {"practice": project.practice}),
    }


def serialise_project(project: Project) -> str:
    """The project as the text of a project file (UTF-8 JSON, newline at the end).

    Raises
    ------
    ValueError
        If the project is not consistent or its settings are not JSON-able.
    """
    document = project_to_dict(project)
    # Base64 text needs no JSON escaping: it is spliced in after json.dumps has written
    # the rest, instead of json scanning megabytes of it character by character.
    blobs: list[str] = []
    marker = f"@@bplab-base64-{os.urandom(6).hex()}-"

    def stash(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"dtype", "shape", "base64"}:
                blobs.append(value["base64"])
                return {**value, "base64": f"{marker}{len(blobs) - 1}"}
            return {k: stash(v) for k, v in value.items()}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return [stash(v) for v in value]
        return value

    try:
        # One top-level field per line: readable, yet arrays stay compact.
        lines = [
            f"{json.dumps(key)}: {json.dumps(stash(value), allow_nan=False, ensure_ascii=False)}"
            for key, value in document.items()
        ]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the project cannot be written as JSON: {exc}") from exc
    text = "{\n " + ",\n ".join(lines) + "\n}\n"
    if not blobs:
        return text
    parts = text.split(marker)
    out = [parts[0]]
    for part in parts[1:]:
        digits = len(part) - len(part.lstrip("0123456789"))
        out.append(blobs[int(part[:digits])])
        out.append(part[digits:])
    return "".join(out)


def serialise_project_bytes(project: Project) -> bytes:
    """:func:`serialise_project` encoded as UTF-8, the bytes of the file.

    Raises
    ------
    ValueError
        As :func:`serialise_project`, or if some text cannot be encoded.
    """
    text = serialise_project(project)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            "the project holds a broken character (half of a surrogate pair) that cannot be saved"
        ) from exc


def save_project(path: str | os.PathLike[str], project: Project) -> None:
    """Save a project atomically.

    The file is first written in full to a temporary file in the same folder
    and then moved over ``path``; if anything fails, a previous file at
    ``path`` is left exactly as it was. A symbolic link's target is written
    (the link stays); a read-only file is refused.

    Raises
    ------
    ProjectFileError
        If the file cannot be written (no permission, read-only, a folder,
        disk full, ...).
    ValueError
        If the project itself is not consistent (a programming error).
    """
    data = serialise_project_bytes(project)
    write_project_bytes(path, data)


def write_project_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write the bytes of :func:`serialise_project_bytes` atomically (for background saves).

    Raises
    ------
    ProjectFileError
        If the file cannot be written.
    """
    try:
        write_atomically(path, data)
    except FileRefused as exc:
        raise ProjectFileError(f"the project could not be saved: {exc}", path) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ProjectFileError(f"the project could not be saved ({reason})", path) from exc


# -------------------------------------------------------------------- reading
def load_project(path: str | os.PathLike[str]) -> Project:
    """Open a project file, checked completely (see the module notes).

    Raises
    ------
    ProjectFileError
        The only exception raised: the file cannot be read, is a folder, FIFO
        or device, is too large, is not text, is corrupt or truncated JSON, is
        not a Backprop Lab project, was made by a newer Backprop Lab, misses
        fields, or holds a value of the wrong type, outside its range or
        larger than a limit. The message names the file, the field and the
        problem.
    """
    path_text = os.fspath(path)
    try:
        raw = read_limited(path_text, limits.MAX_PROJECT_BYTES)
    except FileRefused as exc:
        raise ProjectFileError(f"the file cannot be opened: {exc}", path_text or None) from exc
    return parse_project_bytes(raw, path_text)


def parse_project_bytes(raw: bytes, source_name: str | None = "project") -> Project:
    """:func:`parse_project` for the raw bytes of a file (decoded as UTF-8 first)."""
    try:
        text = decode_text(raw)
    except DataError as exc:
        raise ProjectFileError(
            "this is not a Backprop Lab project file (it is binary, not text)", source_name
        ) from exc
    return parse_project(text, source_name)


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
    """Read a project from the text of a project file, checking every field.

    Parameters
    ----------
    text
        The file's text.
    source_name
        What to call the source in error messages (usually the file path).

    Raises
    ------
    ProjectFileError
        As :func:`load_project`; never anything else (an unforeseen error is
        reported as a ProjectFileError saying "unexpected problem", so a caller
        always keeps its session).
    """
    try:
        return _parse_project(text, source_name)
    except ProjectFileError:
        raise
    except _Bad as exc:
        raise ProjectFileError(exc.reason, source_name, exc.field) from exc
    except RecursionError as exc:
        raise ProjectFileError(
            "the file is corrupt: its brackets are nested far too deeply", source_name
        ) from exc
    except MemoryError as exc:
        raise ProjectFileError(
            "the file is too large to open in the memory available", source_name
        ) from exc
    except Exception as exc:  # the promise: one error type, the session kept
        raise ProjectFileError(
            f"the file could not be read because of an unexpected problem "
            f"({type(exc).__name__}: {exc})",
            source_name,
        ) from exc


def _parse_project(text: str, source_name: str | None) -> Project:
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
        raise fail(f"the format version is missing or not a whole number ({_show(version)})")
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

    network = _read_network(document["network"], "network")
    initial_network = _read_network(document["initial_network"], "initial_network")
    train = _read_dataset(document["train"], "train", "training data")
    test_data = document.get("test")
    test = None if test_data is None else _read_dataset(test_data, "test", "test data")
    epoch = _read_int(document["epoch"], "epoch", "the epoch", 0, limits.MAX_EPOCH)
    settings = _read_settings(document["settings"])
    history = _read_history(document["loss_history"], epoch)
    try:
        project = Project(
            network=network,
            initial_network=initial_network,
            train=train,
            test=test,
            settings=settings,
            epoch=epoch,
            loss_history=history,
            practice=_read_practice(document.get("practice"), fail),
        )
    except ValueError as exc:
        raise fail(f"the project is inconsistent: {exc}") from exc
    _check_trainable(project)
    return project


def _read_practice(data: Any, fail: Any) -> dict[str, Any] | None:
    """Practice mode's score and place (absent in older files: None)."""
    if data is None:
        return None
    from .practice import KINDS, Score

    try:
        if not isinstance(data, dict):
            raise ValueError("it must be a mapping")
        Score.from_dict(data.get("score", {}))
        for key in ("set", "number"):
            value = data.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"its {key!r} must be a whole number")
        level = data.get("level")
        if level is not None and (isinstance(level, bool) or not isinstance(level, int)):
            raise ValueError("its level must be a whole number or null")
        if data.get("kind") is not None and data.get("kind") not in KINDS:
            raise ValueError(f"unknown exercise kind {data.get('kind')!r}")
    except ValueError as exc:
        raise fail(f"the practice score is not valid: {exc}") from exc
    return data


# ------------------------------------------------------------- field checks
def _show(value: Any) -> str:
    """A short description of a value from a file for a message."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text


def _read_int(value: Any, where: str, what: str, low: int, high: int) -> int:
    """A whole number in ``low ... high``; an integral float (``3.0``) is accepted."""
    allowed = f"a whole number from {describe_count(low)} to {describe_count(high)}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"{what} must be {allowed}, got {_show(value)}", where)
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise _Bad(f"{what} must be {allowed}, got {_show(value)}", where)
    if value < 0 <= low:
        raise _Bad(f"{what} cannot be negative ({allowed}), got {value:,.0f}", where)
    if not low <= value <= high:
        raise _Bad(f"{what} must be {allowed}, got {value:,.0f}", where)
    return int(value)


def _read_number(value: Any, where: str, what: str, low: float, high: float) -> float:
    """A finite number in ``low ... high``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"{what} must be a number, got {_show(value)}", where)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf if value > 0 else -math.inf
    if not math.isfinite(number):
        raise _Bad(f"{what} must be a finite number, got {_show(value)}", where)
    if not low <= number <= high:
        raise _Bad(f"{what} must be a number from {low:g} to {high:g}, got {number:g}", where)
    return number


def _read_text(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str):
        raise _Bad(f"{what} must be text, got {_show(value)}", where)
    try:
        check_text(value, what)
    except DataError as exc:
        raise _Bad(exc.problem, where) from None
    return value


def _read_choice(value: Any, where: str, what: str, choices: Any) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _Bad(
            f"{what} must be one of {', '.join(map(str, choices))}; got {_show(value)}", where
        )
    return value


def _optional(reader: Callable[..., Any]) -> Callable[..., Any]:
    def read(value: Any, *args: Any) -> Any:
        return None if value is None else reader(value, *args)

    return read


def _read_bool(value: Any, where: str, what: str) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"{what} must be true or false, got {_show(value)}", where)
    return value


def _read_mistakes(value: Any, where: str, what: str) -> dict[str, bool]:
    names = [f.name for f in dataclasses.fields(Mistakes)]
    if not isinstance(value, dict):
        raise _Bad(f"{what} must be a mapping of true/false switches, got {_show(value)}", where)
    unknown = sorted(set(value) - set(names))
    if unknown:
        raise _Bad(
            f"{what} are not understood: unknown switch(es) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(names)}",
            where,
        )
    return {
        key: _read_bool(item, f"{where}.{key}", f"the switch {key}") for key, item in value.items()
    }


def _read_activation_names(value: Any, where: str, what: str) -> Any:
    # How many there must be follows from the network (checked with it below).
    if isinstance(value, str):
        return _read_choice(value, where, what, OUTPUT_ACTIVATIONS)
    if not isinstance(value, list) or len(value) > limits.MAX_HIDDEN_LAYERS + 1:
        raise _Bad(f"{what} must be a list of activation names, got {_show(value)}", where)
    return [
        _read_choice(name, f"{where}[{i}]", "an activation", OUTPUT_ACTIVATIONS)
        for i, name in enumerate(value)
    ]


def _setting(check: Callable[[Any], Any]) -> Callable[[Any, str, str], Any]:
    """A rule from one of core.settings' checkers (the one place a setting's range is)."""

    def read(value: Any, where: str, what: str) -> Any:
        if isinstance(value, list):
            value = tuple(value) if check is check_hidden_layer_sizes else value
        try:
            checked = check(value)
        except SettingsError as exc:
            raise _Bad(str(exc), where) from None
        return list(checked) if isinstance(checked, tuple) else checked

    return read


#: The settings a project file may hold that the app interprets, each with how
#: it is checked: the checkers of :mod:`~backprop_lab.core.settings` (types and
#: the ranges in :mod:`~backprop_lab.core.limits`), so every range is written
#: once. Other keys are kept as they are, after the JSON checks of
#: :meth:`Project.validate`, and the whole set is then checked as one
#: :class:`~backprop_lab.core.settings.TrainingSettings` with the file's network.
SETTING_RULES: dict[str, tuple[str, Callable[[Any, str, str], Any]]] = {
    "hidden_layer_sizes": ("the hidden layer sizes", _setting(check_hidden_layer_sizes)),
    "activations": ("the activations", _read_activation_names),
    "bias": ("the bias switch", _setting(check_bias)),
    "init": ("the initialisation", _setting(check_init)),
    "init_value": ("the initial weight value", _setting(check_init_value)),
    "init_seed": ("the initialisation seed", _setting(check_seed)),
    "learning_rate": ("the learning rate", _setting(check_learning_rate)),
    "loss": ("the loss", _setting(check_loss)),
    "batch_size": ("the batch size", _setting(check_batch_size)),
    "momentum": ("the momentum", _setting(check_momentum)),
    "epochs_per_second": ("the speed", _setting(check_speed)),
    "max_epochs": ("the maximum epoch", _setting(check_max_epochs)),
    "target_loss": ("the target loss", _setting(check_target_loss)),
    "mistakes": ("the mistakes-lab switches", _optional(_read_mistakes)),
}


def check_settings(settings: Any, where: str = "settings") -> dict[str, Any]:
    """Check the known training settings of a project (see :data:`SETTING_RULES`).

    Returns a copy with whole numbers written as floats (``8.0``) made ints.

    Raises
    ------
    ValueError
        Naming the setting and its allowed range, e.g.
        ``"settings.init_seed: the initialisation seed must be from 0 to
        2,147,483,646, got 5000000000.0"``.
    """
    try:
        return _check_settings(settings, where)
    except _Bad as exc:
        raise ValueError(f"{exc.field}: {exc.reason}" if exc.field else exc.reason) from None


def _check_settings(settings: Any, where: str) -> dict[str, Any]:
    if not isinstance(settings, dict):
        raise _Bad(f"the settings must be a dict, got {type(settings).__name__}", where)
    checked = dict(settings)
    for key, value in settings.items():
        rule = SETTING_RULES.get(key)
        if rule is not None:
            what, reader = rule
            checked[key] = reader(value, f"{where}.{key}", what)
    return checked


def _read_settings(settings: Any) -> dict[str, Any]:
    checked = _check_settings(settings, "settings")
    try:
        return _normalise_settings(checked)
    except ValueError as exc:
        raise _Bad(str(exc), "settings") from None


def _read_matrix(value: Any, where: str, max_rows: int, max_columns: int) -> Any:
    """A weight matrix: a list of rows of numbers, or an encoded 2-D array."""
    if is_encoded_array(value):
        try:
            return decode_array(value, "float64", 2, max_rows * max_columns, where)
        except ValueError as exc:
            raise _Bad(str(exc), where) from None
    if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
        raise _Bad("is not a table of numbers", where)
    if len(value) > max_rows:
        raise _Bad(f"has {describe_count(len(value))} rows; at most {max_rows} are allowed", where)
    widths = {len(row) for row in value}
    if len(widths) != 1:
        raise _Bad("has rows of different lengths", where)
    if max(widths) > max_columns:
        raise _Bad(
            f"has {describe_count(max(widths))} columns; a layer has at most {max_columns} units",
            where,
        )
    for row in value:
        for number in row:
            if not _is_number(number):
                raise _Bad(f"holds {_show(number)}, which is not a number", where)
    return value


def _read_vector(value: Any, where: str, max_length: int) -> Any:
    if is_encoded_array(value):
        try:
            return decode_array(value, "float64", 1, max_length, where)
        except ValueError as exc:
            raise _Bad(str(exc), where) from None
    if not isinstance(value, list) or not all(_is_number(v) for v in value):
        raise _Bad("is not a list of numbers", where)
    if len(value) > max_length:
        raise _Bad(f"has {describe_count(len(value))} numbers; at most {max_length}", where)
    return value


def _read_network(data: Any, where: str) -> Network:
    label = where.replace("_", " ")
    if not isinstance(data, dict):
        raise _Bad(f"the {label} is not a network description", where)
    weights = data.get("weights")
    if not isinstance(weights, list) or not weights:
        raise _Bad(f"the {label} is not valid: it has no list of weight matrices", where)
    if len(weights) > limits.MAX_HIDDEN_LAYERS + 1:
        raise _Bad(
            f"the {label} has {len(weights) - 1} hidden layers; at most "
            f"{limits.MAX_HIDDEN_LAYERS} are allowed",
            f"{where}.weights",
        )
    size_limit = max(limits.MAX_LAYER_SIZE, limits.MAX_COLUMNS)
    matrices = []
    for number, matrix in enumerate(weights, start=1):
        field = f"{where}.weights[{number - 1}]"
        try:
            matrices.append(_read_matrix(matrix, field, size_limit, size_limit))
        except _Bad as exc:
            raise _Bad(f"the {label} is not valid: W{number} {exc.reason}", field) from None
    biases = data.get("biases")
    if biases is not None:
        if not isinstance(biases, list):
            raise _Bad(
                f"the {label} is not valid: its biases must be a list of vectors or null",
                f"{where}.biases",
            )
        vectors = []
        for number, vector in enumerate(biases, start=1):
            field = f"{where}.biases[{number - 1}]"
            try:
                vectors.append(_read_vector(vector, field, size_limit))
            except _Bad as exc:
                raise _Bad(f"the {label} is not valid: b{number} {exc.reason}", field) from None
        biases = vectors
    activations = data.get("activations")
    if isinstance(activations, list):
        for i, name in enumerate(activations):
            allowed = OUTPUT_ACTIVATIONS if i == len(activations) - 1 else HIDDEN_ACTIVATIONS
            _read_choice(name, f"{where}.activations[{i}]", f"activation {i + 1}", allowed)
    elif not isinstance(activations, str):
        raise _Bad(
            f"the {label} is not valid: its activations must be a list of names",
            f"{where}.activations",
        )
    init = data.get("init", "custom")
    _read_choice(init, f"{where}.init", "the initialisation", (*INIT_SCHEMES, "custom"))
    init_value = _read_number(
        data.get("init_value", 0.0),
        f"{where}.init_value",
        "the initial weight value",
        -limits.MAX_INIT_VALUE,
        limits.MAX_INIT_VALUE,
    )
    seed = data.get("seed")
    if seed is not None:
        seed = _read_int(seed, f"{where}.seed", "the seed", 0, limits.MAX_SEED)
    sizes = data.get("layer_sizes")
    if sizes is not None and (
        not isinstance(sizes, list)
        or not all(_is_number(n) and not isinstance(n, float) for n in sizes)
    ):
        raise _Bad(
            f"the {label} is not valid: layer_sizes must be whole numbers", f"{where}.layer_sizes"
        )
    description = {
        **data,
        "weights": matrices,
        "biases": biases,
        "init": init,
        "init_value": init_value,
        "seed": seed,
    }
    try:
        net = Network.from_dict(description)
        _check_finite_network(net, label)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        raise _Bad(f"the {label} is not valid: {exc}", where) from exc
    return net


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_dataset(data: Any, where: str, label: str) -> Dataset:
    if isinstance(data, dict):
        for key in ("name",):
            if key in data:
                _read_text(data[key], f"{where}.{key}", "the dataset name")
    try:
        dataset = Dataset.from_dict(data)
        check_dataset_limits(dataset)
    except DataError as exc:
        raise _Bad(f"the {label} is not valid: {exc}", where) from exc
    return dataset


def _decode_loss(value: Any) -> float:
    if value is None:
        return math.nan
    if value == "Infinity":
        return math.inf
    if value == "-Infinity":
        return -math.inf
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{_show(value)} is not a loss value")
    return float(value)


def _read_history(data: Any, epoch: int) -> dict[str, np.ndarray]:
    where = "loss_history"
    if not isinstance(data, dict):
        raise _Bad("the loss history is not valid: it must be a mapping", where)
    extra = set(data) - set(LOSS_HISTORY_KEYS)
    if extra:
        raise _Bad(
            f"the loss history is not valid: unknown key(s): {', '.join(sorted(map(str, extra)))}",
            where,
        )
    decoded: dict[str, np.ndarray] = {}
    for key in LOSS_HISTORY_KEYS:
        field = f"{where}.{key}"
        values = data.get(key)
        dtype = "int64" if key == "epoch" else "float64"
        try:
            if is_encoded_array(values):
                decoded[key] = decode_array(
                    values, dtype, 1, limits.MAX_HISTORY_LENGTH, f"its {key!r}"
                )
                continue
            if not isinstance(values, list):
                raise ValueError(f"its {key!r} must be a list")
            if len(values) > limits.MAX_HISTORY_LENGTH:
                raise ValueError(
                    f"it holds {describe_count(len(values))} epochs; at most "
                    f"{describe_count(limits.MAX_HISTORY_LENGTH)} are allowed"
                )
            if key == "epoch":
                if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
                    raise ValueError("its epoch numbers must be whole numbers")
                if any(not 0 <= v <= limits.MAX_EPOCH for v in values):
                    raise ValueError(
                        f"its epoch numbers must be from 0 to {describe_count(limits.MAX_EPOCH)}"
                    )
                decoded[key] = np.array(values, dtype=np.int64)
            else:
                decoded[key] = np.array([_decode_loss(v) for v in values], dtype=np.float64)
        except (ValueError, TypeError, OverflowError) as exc:
            raise _Bad(f"the loss history is not valid: {exc}", field) from None
    try:
        history = _normalise_history(decoded)
    except ValueError as exc:
        raise _Bad(f"the loss history is not valid: {exc}", where) from None
    epochs = history["epoch"]
    if epochs.size:
        if epochs.min() < 0 or epochs.max() > epoch:
            raise _Bad(
                f"the loss history is not valid: its epochs must be from 0 to the project's "
                f"epoch {describe_count(epoch)}",
                f"{where}.epoch",
            )
        if np.any(np.diff(epochs) <= 0):
            raise _Bad(
                "the loss history is not valid: its epoch numbers must increase",
                f"{where}.epoch",
            )
    return history


def _check_trainable(project: Project) -> None:
    """Check the settings with the network as one TrainingSettings, then build a trainer,
    so a file the app would refuse (or fail on) later is refused now."""
    from .trainer import Trainer  # here: trainer imports much of the core

    net = project.network
    known = {k: v for k, v in project.settings.items() if k != "mistakes"}
    try:
        settings = TrainingSettings.from_dict(
            {
                **known,
                "hidden_layer_sizes": list(net.layer_sizes[1:-1]),
                "activations": list(net.activations),
                "bias": net.has_bias,
            }
        )
    except SettingsError as exc:
        raise _Bad(str(exc), "settings") from None
    except (TypeError, ValueError) as exc:
        raise _Bad(f"the settings do not fit together: {exc}", "settings") from None
    if project.train.n_samples == 0:
        raise _Bad("the training data has no samples; at least one is needed", "train")
    test = project.test
    has_test = test is not None and test.n_samples > 0
    try:
        Trainer(
            net.copy(),
            project.train.inputs,
            project.train.targets,
            learning_rate=settings.learning_rate,
            loss=settings.loss,
            batch_size=settings.batch_size,
            momentum=settings.momentum,
            X_test=test.inputs if has_test else None,
            T_test=test.targets if has_test else None,
        )
    except (ValueError, TypeError) as exc:
        raise _Bad(f"the project cannot be trained: {exc}") from exc
