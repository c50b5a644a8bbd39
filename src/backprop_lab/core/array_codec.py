"""A compact, exact text encoding of NumPy arrays for JSON files.

Long arrays (a loss history of a million epochs, a large data table) written
as JSON lists of decimals are big and slow to read and write. This encoding
stores the raw little-endian bytes, base64-encoded, inside a small JSON object::

    {"dtype": "float64", "shape": [3], "base64": "AAAAAAAA8D8AAAAAAAAAQAAAAAAAAAhA"}

It is exact (the bytes are the numbers), about 4/3 of the binary size, and
encodes or decodes a million numbers in a few milliseconds. NaN and infinity
survive as they are. :func:`decode_array` checks everything a file could get
wrong and raises ``ValueError`` with a sentence saying what.
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

#: The keys of an encoded array.
KEYS = frozenset({"dtype", "shape", "base64"})


def is_encoded_array(value: Any) -> bool:
    """Whether ``value`` looks like the output of :func:`encode_array` (a mapping with its keys)."""
    return isinstance(value, Mapping) and set(value) == KEYS


def encode_array(array: np.ndarray, dtype: str = "float64") -> dict[str, Any]:
    """``array`` as ``{"dtype", "shape", "base64"}``, ready for ``json.dumps``."""
    arr = np.ascontiguousarray(array, dtype=DTYPES[dtype])
    return {
        "dtype": dtype,
        "shape": [int(n) for n in arr.shape],
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
    native = DTYPES[dtype].newbyteorder("=")
    return np.frombuffer(raw, dtype=DTYPES[dtype]).astype(native).reshape(shape)
