"""Write every number of one training step to a CSV file, for checking homework.

One row per number, columns ``layer, quantity, sample, row, column, value, name``.
Everything counts from 1, as in the post and everywhere else in the app:

* ``layer``: 0 is the input layer, L the output.
* ``quantity`` is one of :data:`QUANTITIES`.
* ``sample`` is the sample's number in the data (from 1) for per-sample
  numbers (inputs, targets, a, h(a), deltas), empty for weights.
* ``row``/``column``: for per-unit numbers ``row`` is the unit (from 1) and
  ``column`` is empty; for weights they number W's rows and columns from 1
  (row = unit the edge comes from, column = unit it goes to, as in the seed's
  ``X @ W1``).
* ``value`` is written with ``repr`` so it reads back as the same float64.
* ``name`` is the weight's or bias's one name, spelled in ASCII
  (:func:`~.naming.parameter_name`: ``w_12^(1)`` is row 2, column 1 of W1),
  empty for other numbers.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator

from .inspect import StepExplanation, explain_step
from .naming import bias_name, weight_name
from .network import NO_MISTAKES, Mistakes
from .presets import get_preset
from .trainer import Trainer

HEADER = ("layer", "quantity", "sample", "row", "column", "value", "name")

#: Every quantity written, in the order it appears in the file.
QUANTITIES = (
    "input",
    "target",
    "pre_activation",
    "activation",
    "delta",
    "weight_gradient",
    "bias_gradient",
    "old_weight",
    "weight_update",
    "new_weight",
    "old_bias",
    "bias_update",
    "new_bias",
)


def step_rows(explanation: StepExplanation) -> Iterator[tuple]:
    """The CSV rows (without the header) of an explanation."""
    e = explanation
    L = e.n_layers
    for r, n in enumerate(e.sample_indices):
        for unit, value in enumerate(e.inputs[r]):
            yield (0, "input", n + 1, unit + 1, "", repr(float(value)), "")
    for r, n in enumerate(e.sample_indices):
        for unit, value in enumerate(e.targets[r]):
            yield (L, "target", n + 1, unit + 1, "", repr(float(value)), "")
    for l in range(L):
        for quantity, arrays in (
            ("pre_activation", e.pre_activations),
            ("activation", e.activations),
            ("delta", e.deltas),
        ):
            for r, n in enumerate(e.sample_indices):
                for unit, value in enumerate(arrays[l][r]):
                    yield (l + 1, quantity, n + 1, unit + 1, "", repr(float(value)), "")
        matrices = (
            ("weight_gradient", e.weight_gradients),
            ("old_weight", e.old_weights),
            ("weight_update", e.weight_updates),
            ("new_weight", e.new_weights),
        )
        for quantity, arrays in matrices:
            for (i, j), value in _items(arrays[l]):
                name = weight_name(l + 1, j + 1, i + 1, ascii=True)
                yield (l + 1, quantity, "", i + 1, j + 1, repr(float(value)), name)
        vectors = (
            ("bias_gradient", e.bias_gradients),
            ("old_bias", e.old_biases),
            ("bias_update", e.bias_updates),
            ("new_bias", e.new_biases),
        )
        for quantity, arrays in vectors:
            if arrays is None:
                continue
            for unit, value in enumerate(arrays[l]):
                name = bias_name(l + 1, unit + 1, ascii=True)
                yield (l + 1, quantity, "", unit + 1, "", repr(float(value)), name)


def _items(matrix):
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            yield (i, j), matrix[i, j]


def write_step_csv(path: str | os.PathLike, explanation: StepExplanation) -> int:
    """Write the explanation's numbers to ``path``; returns the number of data rows.

    Raises
    ------
    OSError
        When the file cannot be written (the message names the path).
    """
    rows = list(step_rows(explanation))
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
    except OSError as exc:
        raise OSError(f"could not write the step to {os.fspath(path)!r}: {exc.strerror}") from exc
    return len(rows)


def preset_trainer(preset_name: str) -> Trainer:
    """The trainer the app starts with on ``--preset NAME`` (see :data:`~.presets.PRESETS`).

    Raises
    ------
    ValueError
        For an unknown preset name (the message lists the known ones).
    """
    return get_preset(preset_name).trainer()


def export_step_for_preset(
    preset_name: str, path: str | os.PathLike, mistakes: Mistakes = NO_MISTAKES
) -> StepExplanation:
    """Explain the first full-batch step of a preset and write it as CSV to ``path``.

    This is what ``backprop-lab --preset NAME --export-step FILE.csv`` runs,
    with no display: ``NAME`` is a preset (``seed``, ``xor``, ...) and the
    network is the one the app opens that preset with (see :func:`preset_trainer`).

    Raises
    ------
    ValueError
        For an unknown dataset name.
    OSError
        When the file cannot be written.
    """
    trainer = preset_trainer(preset_name)
    explanation = explain_step(
        trainer.net,
        trainer.X,
        trainer.T,
        trainer.loss,
        trainer.learning_rate,
        mistakes=mistakes,
    )
    write_step_csv(path, explanation)
    return explanation
