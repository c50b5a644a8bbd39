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


#: The most numbers a step's CSV file holds (about 300 MB of text). Every sample's
#: a, h(a) and δ of a big network on big data are far more (2-256x8-1 on 20,000
#: samples: 123 million); the numbers of one sample's step always fit.
STEP_EXPORT_MAX_NUMBERS = 5_000_000


def step_numbers(explanation: StepExplanation) -> int:
    """How many numbers (data rows) the CSV file of an explanation has."""
    e = explanation
    sizes = e.layer_sizes
    per_sample = sizes[0] + sizes[-1] + 3 * sum(sizes[1:])
    weights = sum(w.size for w in e.old_weights)
    biases = 0 if e.old_biases is None else sum(b.size for b in e.old_biases)
    return e.n_samples * per_sample + 4 * (weights + biases)


def exportable(explanation: StepExplanation) -> bool:
    """Whether :func:`write_step_csv` writes this step (else it says why)."""
    return explanation.holds_every_sample and step_numbers(explanation) <= STEP_EXPORT_MAX_NUMBERS


def check_exportable(explanation: StepExplanation) -> None:
    """ValueError (saying why and what to do) if the step is too big for a CSV file."""
    count = step_numbers(explanation)
    if not exportable(explanation):
        raise ValueError(
            f"this step has {count:,} numbers ({explanation.n_samples:,} samples, each with "
            f"a, h(a) and δ of every unit); a CSV export holds at most "
            f"{STEP_EXPORT_MAX_NUMBERS:,}. Choose one sample in Step phases to export its "
            "step, or use fewer samples or a smaller network."
        )


def step_rows(explanation: StepExplanation) -> Iterator[tuple]:
    """The CSV rows (without the header) of an explanation that holds every sample."""
    e = explanation
    if not e.holds_every_sample:
        raise ValueError("this step was explained in chunks: not every sample's numbers are held")
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

    The rows are written as they are made (a big step's rows would take far
    more memory than its file).

    Raises
    ------
    ValueError
        When the step has more than :data:`STEP_EXPORT_MAX_NUMBERS` numbers
        (nothing is written).
    OSError
        When the file cannot be written (the message names the path).
    """
    check_exportable(explanation)
    count = 0
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for row in step_rows(explanation):
                writer.writerow(row)
                count += 1
    except OSError as exc:
        raise OSError(f"could not write the step to {os.fspath(path)!r}: {exc.strerror}") from exc
    return count


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
