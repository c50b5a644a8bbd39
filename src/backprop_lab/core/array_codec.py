"""A compact, exact text encoding of NumPy arrays for JSON files.

Long arrays (a loss history of a million epochs, a large data table) written
as JSON lists of decimals are big and slow to read and write. This encoding
stores the raw little-endian bytes, base64-encoded, inside a small JSON object::

    {"dtype": "float64", "shape": [3], "base64": "AAAAAAAA8D8AAAAAAAAAQAAAAAAAAAhA"}

It is exact (the bytes are the numbers), about 4/3 of the binary size, and
encodes or decodes a million numbers in a few milliseconds. NaN and infinity
survive as they are. Two shorter forms cover the common long arrays: whole
numbers that count up by a fixed step (the epoch numbers of a history) are
``{"dtype": "int64", "shape": [n], "range": [first, step]}``, and an array of
one repeated value (the test loss of a session without a test set, all NaN) is
``{"dtype": "float64", "shape": [n], "fill": null}`` (``null`` for NaN,
``"Infinity"`` / ``"-Infinity"`` for infinities, else the number).
:func:`decode_array` checks everything a file could get wrong and raises
``ValueError`` with a sentence saying what.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

#: The dtypes that may be stored, by name; always little-endian in the file.
DTYPES = {"float64": np.dtype("<f8"), "int64": np.dtype("<i8")}

#: The keys of an encoded array, one set per form.
KEY_SETS = (
    frozenset({"dtype", "shape", "base64"}),
    frozenset({"dtype", "shape", "range"}),
    frozenset({"dtype", "shape", "fill"}),
)


def is_encoded_array(value: Any) -> bool:
    """Whether ``value`` looks like the output of :func:`encode_array` (a mapping with its keys)."""
    return isinstance(value, Mapping) and set(value) in KEY_SETS


def _fill_value(value: float) -> Any:
    if np.isnan(value):
        return None
    if np.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return float(value)


def encode_array(array: np.ndarray, dtype: str = "float64") -> dict[str, Any]:
    """``array`` in the shortest exact form, ready for ``json.dumps``."""
    arr = np.ascontiguousarray(array, dtype=DTYPES[dtype])
    shape = [int(n) for n in arr.shape]
    if arr.ndim == 1 and arr.size >= 2:
        if dtype == "int64":
            steps = np.diff(arr)
            if (steps == steps[0]).all():
                return {"dtype": dtype, "shape": shape, "range": [int(arr[0]), int(steps[0])]}
        else:
            first = arr[0]
            same = np.isnan(arr).all() if np.isnan(first) else (arr == first).all()
            if same and not (first == 0 and np.signbit(arr).any() != np.signbit(first)):
                return {"dtype": dtype, "shape": shape, "fill": _fill_value(first)}
    return {
        "dtype": dtype,
        "shape": shape,
        "base64": base64.b64encode(arr.tobytes()).decode("ascii"),
    }


def decode_array(
    value: Any, dtype: str, ndim: int, max_elements: int, what: str = "the array"
) -> np.ndarray:
    """The array :func:`encode_array` wrote, checked: dtype, number of dimensions and size.

    Parameters
    ----------
    value
        The decoded JSON value.
    dtype
        The dtype expected (a key of :data:`DTYPES`).
    ndim
        The number of dimensions expected.
    max_elements
        The most elements allowed; a larger array is refused before decoding.
    what
        What to call the array in messages.

    Returns
    -------
    numpy.ndarray
        A new, writeable array in native byte order.

    Raises
    ------
    ValueError
        If anything does not fit, with a sentence naming ``what``.
    """
    if not is_encoded_array(value):
        raise ValueError(f"{what} must be an encoded array with keys dtype, shape and base64")
    if value["dtype"] != dtype:
        raise ValueError(f"{what} must hold {dtype} numbers, got dtype {value['dtype']!r}")
    shape = value["shape"]
    if (
        not isinstance(shape, list)
        or len(shape) != ndim
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
    ):
        raise ValueError(f"{what} must have a shape of {ndim} whole number(s), got {shape!r}")
    count = math.prod(shape)
    if count > max_elements:
        raise ValueError(f"{what} holds {count:,} numbers; at most {max_elements:,} are allowed")
    native = DTYPES[dtype].newbyteorder("=")
    if "range" in value:
        return _decode_range(value["range"], dtype, shape, count, what)
    if "fill" in value:
        return _decode_fill(value["fill"], dtype, shape, what)
    text = value["base64"]
    if not isinstance(text, str):
        raise ValueError(f"{what}'s data must be base64 text")
    expected = count * DTYPES[dtype].itemsize
    if len(text) > 4 * ((expected + 2) // 3) + 4:
        raise ValueError(f"{what}'s data is longer than its shape {shape} needs")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ValueError(f"{what}'s data is not valid base64 ({exc})") from None
    if len(raw) != expected:
        raise ValueError(
            f"{what}'s data holds {len(raw):,} bytes but its shape {shape} needs {expected:,}"
        )
    return np.frombuffer(raw, dtype=DTYPES[dtype]).astype(native).reshape(shape)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _decode_range(spec: Any, dtype: str, shape: list, count: int, what: str) -> np.ndarray:
    if dtype != "int64" or len(shape) != 1:
        raise ValueError(f"{what}: only a 1-D array of whole numbers can be a range")
    if not (isinstance(spec, list) and len(spec) == 2 and all(_is_int(v) for v in spec)):
        raise ValueError(f"{what}'s range must be [first, step], two whole numbers")
    first, step = spec
    last = first + step * max(count - 1, 0)
    bound = 2**62
    if not (abs(first) < bound and abs(step) < bound and abs(last) < bound):
        raise ValueError(f"{what}'s range runs past the whole numbers a file may hold")
    return first + step * np.arange(count, dtype=np.int64)


def _decode_fill(fill: Any, dtype: str, shape: list, what: str) -> np.ndarray:
    if dtype == "float64":
        if fill is None:
            number = math.nan
        elif fill in ("Infinity", "-Infinity"):
            number = math.inf if fill == "Infinity" else -math.inf
        elif isinstance(fill, (int, float)) and not isinstance(fill, bool):
            try:
                number = float(fill)
            except OverflowError:
                raise ValueError(f"{what}'s fill value is too large for a float") from None
        else:
            raise ValueError(f"{what}'s fill value must be a number or null, got {fill!r:.40}")
        return np.full(shape, number, dtype=np.float64)
    if not _is_int(fill) or abs(fill) >= 2**63:
        raise ValueError(f"{what}'s fill value must be a whole number, got {fill!r:.40}")
    return np.full(shape, fill, dtype=np.int64)
