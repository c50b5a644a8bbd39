"""Seeded mutators that make malformed project files and CSV files from valid ones.

Each generator yields ``(description, bytes)`` cases, reproducibly from a seed:
the same seed gives the same cases on every machine. Mutations follow the
valid schema field by field (every JSON path of a real project file): a value
of another type, out of range, huge, tiny, negative, non-finite, text with a
lone surrogate or invisible characters, a missing or an unknown key, a list
one element shorter or longer, a value moved from another field; then byte
level damage (truncation, flipped bytes, invalid UTF-8, a BOM, NUL bytes).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

#: Replacement values: every JSON type, the edges of every range, and text a loader trips on.
NASTY_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1,
    2,
    3.5,
    -0.0,
    1e-300,
    1e-308,
    5e-324,
    1e308,
    -1e308,
    1e30,
    2**31,
    2**31 - 1,
    2**63,
    2**64 + 1,
    10**400,
    -(2**63) - 1,
    3e9,
    5e9,
    1e10,
    "",
    "0",
    "1e400",
    "NaN",
    "Infinity",
    "sigmoid",
    "cross_entropy",
    "x\ud800",
    "\udfff",
    "1\u200b",
    "\x00",
    "é" * 300,
    [],
    [1],
    [[1, 2], [3]],
    [None],
    ["a", "b"],
    {},
    {"a": 1},
    {"dtype": "float64", "shape": [2], "base64": "AAAA"},
    {"dtype": "float64", "shape": [10**9], "base64": ""},
    {"dtype": "int64", "shape": [-1], "base64": ""},
    {"dtype": "complex128", "shape": [1], "base64": "AAAAAAAAAAAAAAAAAAAAAA=="},
)


def json_paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path into a JSON document (keys and list indices), the root excluded."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:4]):  # the first few elements of long lists
            yield (*prefix, index)
            yield from json_paths(item, (*prefix, index))


def _parent(document: Any, path: tuple) -> tuple[Any, Any]:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node, path[-1]


def mutate_document(document: dict, rng: random.Random) -> tuple[str, dict]:
    """One structural mutation of a copy of ``document``."""
    doc = copy.deepcopy(document)
    paths = list(json_paths(doc))
    path = rng.choice(paths)
    parent, key = _parent(doc, path)
    kind = rng.choice(("replace", "replace", "replace", "delete", "add", "resize", "move"))
    where = "/".join(map(str, path))
    if kind == "replace":
        value = rng.choice(NASTY_VALUES)
        parent[key] = copy.deepcopy(value)
        return f"{where} = {value!r:.40}", doc
    if kind == "delete":
        if isinstance(parent, dict):
            del parent[key]
        else:
            parent.pop(key)
        return f"delete {where}", doc
    if kind == "add":
        if isinstance(parent, dict):
            parent["unexpected_" + str(rng.randrange(100))] = rng.choice(NASTY_VALUES)
        else:
            parent.insert(key, copy.deepcopy(parent[key]))
        return f"add next to {where}", doc
    if kind == "resize":
        target = parent[key]
        if isinstance(target, list) and target:
            if rng.random() < 0.5:
                target.pop(rng.randrange(len(target)))
                return f"shorten {where}", doc
            target.append(copy.deepcopy(rng.choice(target)))
            return f"lengthen {where}", doc
        if isinstance(target, str):
            parent[key] = target * rng.choice((0, 2, 1000))
            return f"resize text {where}", doc
        parent[key] = [target] * rng.choice((0, 2, 300))
        return f"listify {where}", doc
    # move: a value from another field of the file
    other = rng.choice(paths)
    other_parent, other_key = _parent(doc, other)
    try:
        parent[key] = copy.deepcopy(other_parent[other_key])
    except (KeyError, IndexError):  # pragma: no cover - paths of the same document
        pass
    return f"{where} = value of {'/'.join(map(str, other))}", doc


def damage_bytes(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One byte-level damage of ``data``."""
    kind = rng.choice(("truncate", "flip", "insert", "utf8", "bom", "nul", "splice"))
    at = rng.randrange(max(1, len(data)))
    if kind == "truncate":
        return f"truncated at {at}", data[:at]
    if kind == "flip":
        return f"byte {at} flipped", data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[
            at + 1 :
        ]
    if kind == "insert":
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        return f"junk at {at}", data[:at] + junk + data[at:]
    if kind == "utf8":
        return f"invalid UTF-8 at {at}", data[:at] + b"\xc3\x28\xff" + data[at:]
    if kind == "bom":
        return "UTF-8 BOM", b"\xef\xbb\xbf" + data
    if kind == "nul":
        return f"NUL at {at}", data[:at] + b"\x00" + data[at:]
    length = rng.randrange(1, 40)
    return f"{length} bytes cut at {at}", data[:at] + data[at + length :]


def project_cases(documents: list[dict], n: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """``n`` malformed project files made from the valid ``documents``."""
    rng = random.Random(seed)
    for number in range(n):
        document = documents[number % len(documents)]
        if rng.random() < 0.8:
            description, mutated = mutate_document(document, rng)
            if rng.random() < 0.3:  # several mutations at once
                more, mutated = mutate_document(mutated, rng)
                description += "; " + more
            text = json.dumps(mutated, ensure_ascii=rng.random() < 0.5)
            try:
                data = text.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate written raw
                data = text.encode("utf-8", "surrogatepass")
        else:
            description, data = damage_bytes(json.dumps(document).encode("utf-8"), rng)
        yield f"project case {number}: {description}", data


#: Cells a CSV file should not hold (and a few it may).
NASTY_CELLS = (
    "",
    " ",
    "abc",
    "1_000",
    "1,5",
    "0x10",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1e309",
    "1e308",
    "-1e308",
    "1e150",
    "5e-324",
    "\u0661",
    "1\u200b",
    "\u200b",
    "1\x07",
    "\ufeff1",
    "1\u00a0",
    '"1"',
    '"',
    '"a""b"',
    "1;2",
    "1\t2",
    "1\r2",
    "x\ud800",
    "9" * 400,
    "1" + "0" * 320,
    "-0",
    "+.5",
    "1.",
    "1e",
)


def csv_cases(n: int, seed: int) -> Iterator[tuple[str, bytes, int]]:
    """``n`` malformed CSV files: ``(description, bytes, n_targets)``."""
    rng = random.Random(seed)
    for number in range(n):
        width = rng.randrange(2, 6)
        rows = [[f"x{i}" for i in range(width - 1)] + ["t"]]
        rows += [
            [repr(rng.uniform(-3, 3)) for _ in range(width - 1)] + [rng.choice(("0", "1"))]
            for _ in range(rng.randrange(1, 12))
        ]
        description = []
        for _ in range(rng.randrange(1, 4)):
            kind = rng.choice(("cell", "cell", "header", "ragged", "separator", "blank"))
            r = rng.randrange(len(rows))
            c = rng.randrange(len(rows[r]))
            if kind == "cell":
                rows[r][c] = rng.choice(NASTY_CELLS)
                description.append(f"row {r} col {c} = {rows[r][c]!r:.30}")
            elif kind == "header":
                c = rng.randrange(len(rows[0]))
                rows[0][c] = rng.choice(("", "x0", "t", "a" * 300, "x\u200b", "é", "1", "x\ud800"))
                description.append(f"header {c} = {rows[0][c]!r:.30}")
            elif kind == "ragged":
                if rng.random() < 0.5 and len(rows[r]) > 1:
                    rows[r].pop()
                else:
                    rows[r].append("1")
                description.append(f"row {r} ragged")
            elif kind == "blank":
                rows.insert(r, [""])
                description.append(f"blank line {r}")
            else:
                description.append("separator")
        separator = rng.choice((",", ",", ";", "\t"))
        newline = rng.choice(("\n", "\r\n", "\r"))
        text = newline.join(separator.join(row) for row in rows) + rng.choice(("", newline))
        data = text.encode("utf-8", "surrogatepass")
        if rng.random() < 0.15:
            more, data = damage_bytes(data, rng)
            description.append(more)
        n_targets = rng.choice((1, 1, 1, 2, width, width + 1))
        yield f"csv case {number}: {'; '.join(description)}", data, n_targets
