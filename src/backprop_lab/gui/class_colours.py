"""Colours for data with several classes (one-hot target columns, a softmax output).

Two-class data keeps the app's orange/blue language (one 0/1 target column).
With one target column per class, each class gets its own colour, the first
two the same deep orange and deep blue, the third a bluish green that stays
apart from both for colour-blind readers. The decision map colours every grid
point by the class the network thinks most likely, pale where it is unsure
(a probability near 1 / K) and strong where it is sure.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..core.data import Dataset
from .colors import ANCHOR_COLOURS

#: RGB per class, in class order (class 1 first); more classes cycle through them.
CLASS_COLOURS = np.array(
    [
        ANCHOR_COLOURS[0],  # deep orange
        ANCHOR_COLOURS[-1],  # deep blue
        [0, 140, 100],  # bluish green
        [150, 70, 160],  # purple
        [200, 160, 0],  # ochre
        [90, 90, 90],  # grey
    ],
    dtype=np.float64,
)
#: The colour names the data plot's class selector shows.
CLASS_COLOUR_NAMES = ("orange", "blue", "green", "purple", "ochre", "grey")
#: How much of a class colour the map shows where the network is sure of it.
MAP_STRENGTH = 0.55


def is_multiclass(dataset: Dataset) -> bool:
    """True for classification data with one 0/1 target column per class (2 or more)."""
    if dataset.task != "classification" or dataset.n_outputs < 2:
        return False
    targets = dataset.targets
    return bool(np.all((targets == 0.0) | (targets == 1.0)))


def class_colour(index: int) -> npt.NDArray[np.float64]:
    """RGB (0-255 floats) of class ``index`` (0 for the first column)."""
    return CLASS_COLOURS[index % len(CLASS_COLOURS)]


def class_of_rows(targets: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Each row's class: the column of its largest target (its 1 in one-hot rows)."""
    return np.argmax(np.asarray(targets, dtype=np.float64), axis=1)


def class_rgba(targets: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """An opaque RGBA colour per row, by :func:`class_of_rows`."""
    classes = class_of_rows(targets)
    rgba = np.full((classes.size, 4), 255, dtype=np.uint8)
    rgba[:, :3] = CLASS_COLOURS[classes % len(CLASS_COLOURS)].astype(np.uint8)
    return rgba


def class_map_rgba(outputs: npt.ArrayLike, discrete: bool = False) -> npt.NDArray[np.uint8]:
    """The decision map for outputs of shape (rows, columns, K): RGBA per grid point.

    Each point gets its most likely class's colour, mixed into white in
    proportion to how far that class's output is above the 1 / K of a
    network that cannot tell the classes apart (``discrete``: every point at
    full map strength, only the class picked). Non-finite outputs are grey.
    """
    values = np.asarray(outputs, dtype=np.float64)
    k = values.shape[-1]
    with np.errstate(invalid="ignore"):
        finite = np.all(np.isfinite(values), axis=-1)
        safe = np.where(finite[..., None], values, 0.0)
        winner = np.argmax(safe, axis=-1)
        top = np.take_along_axis(safe, winner[..., None], axis=-1)[..., 0]
    sureness = np.clip((top - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
    if discrete:
        sureness = np.ones_like(sureness)
    colour = CLASS_COLOURS[winner % len(CLASS_COLOURS)]
    mix = (MAP_STRENGTH * sureness)[..., None]
    rgb = 255.0 - mix * (255.0 - colour)
    rgb[~finite] = 200.0
    rgba = np.empty((*values.shape[:-1], 4), dtype=np.uint8)
    rgba[..., :3] = np.rint(rgb).astype(np.uint8)
    rgba[..., 3] = 255
    return rgba
