"""Every size and range limit of Backprop Lab, in one place.

Each limit is enforced at every way in: project files, CSV import, paste, the
settings panel and the spin boxes of the GUI, and (where it makes sense) the
scripting API. A refusal always states the limit, e.g.
``"there are 25,000 rows; Backprop Lab takes at most 20,000 samples"``.

The numbers were chosen so that anything inside them loads in a few seconds
and a few hundred megabytes on a modest laptop, and every integer fits into a
Qt spin box or slider (a C ``int``, at most 2**31 - 1) without overflowing.
Change them here only; nothing else should spell out these numbers.

This module is plain Python (no NumPy, no Qt) so every layer can import it.
"""

from __future__ import annotations

#: The largest value a Qt ``QSpinBox`` or ``QSlider`` can hold (a signed 32-bit
#: C ``int``). Every integer limit below stays at or under it.
QT_INT_MAX = 2**31 - 1

# ------------------------------------------------------------------- data
#: The most samples (rows) a dataset may hold, training and test data each.
#: Measured through File > Import CSV in the whole window (2 inputs, 1 target, on
#: the shared 2-core build machine under load): 20,000 rows in 11 s and 270 MB
#: above the window's own 145 MB; 100,000 rows took 58 s and 1.3 GB, most of it
#: the data plot's per-point symbols. Raise this once the views draw samples as
#: arrays. Larger files are refused at once, stating this limit (10^6 rows: 7 s,
#: reading stops at the first row over it).
MAX_SAMPLES = 20_000

#: The most columns (inputs plus targets) a dataset may hold. It equals
#: :data:`MAX_LAYER_SIZE`: every input and every target is a unit of the network.
MAX_COLUMNS = 256

#: The most numbers (rows x columns) a dataset may hold; keeps the data table
#: (one text per cell) and the arrays to a few tens of megabytes however the
#: rows and columns are shaped.
MAX_CELLS = 1_000_000

#: The largest magnitude of a data value (input or target). The loss squares
#: differences of outputs and targets and the data plot subtracts and scales
#: coordinates: at 1e150 their squares (1e300) are still finite floats, where
#: values near float64's 1.8e308 overflow to infinity on the first step or axis.
MAX_DATA_MAGNITUDE = 1e150

#: The longest column or dataset name, in characters.
MAX_NAME_LENGTH = 200

#: The largest CSV file (or pasted text), in bytes, read at all. The limits
#: above take at most about 25 MB of text even with long decimals; the rest of
#: a larger file is never read.
MAX_CSV_BYTES = 64 * 1024 * 1024

# ---------------------------------------------------------------- network
#: The most hidden layers a network may have.
MAX_HIDDEN_LAYERS = 8

#: The most units in one hidden layer.
MAX_LAYER_SIZE = 256

#: The largest magnitude of the constant used by "constant" initialisation.
MAX_INIT_VALUE = 10.0

# --------------------------------------------------------------- training
#: The highest epoch number (the epoch counter, a stop condition, an epoch in
#: the loss history or the rewind slider). Fits a Qt ``int`` with room to spare.
MAX_EPOCH = 1_000_000_000

#: The most epochs the loss history of a project file may hold (24 bytes each
#: in memory: 240 MB at the limit). Training longer keeps going; saving such a
#: session keeps every k-th epoch of the history (and always the last), so the
#: file still opens; a file with a longer history is refused.
MAX_HISTORY_LENGTH = 10_000_000

#: Initialisation and dataset seeds are whole numbers in 0 ... MAX_SEED.
MAX_SEED = 2**31 - 2

#: The largest mini-batch; batch sizes are 1 ... MAX_BATCH_SIZE (None: full batch).
MAX_BATCH_SIZE = MAX_SAMPLES

#: The learning rate is a number in MIN_LEARNING_RATE ... MAX_LEARNING_RATE.
MIN_LEARNING_RATE = 1e-4
#: See :data:`MIN_LEARNING_RATE`.
MAX_LEARNING_RATE = 1000.0

#: Momentum is at least 0 and at most MAX_MOMENTUM (1 would never forget a step).
MAX_MOMENTUM = 0.999

#: A speed cap is MIN_EPOCHS_PER_SECOND ... MAX_EPOCHS_PER_SECOND epochs per
#: second (None: as fast as possible). Slower than one epoch a minute is no speed.
MIN_EPOCHS_PER_SECOND = 1.0 / 60.0
#: See :data:`MIN_EPOCHS_PER_SECOND`.
MAX_EPOCHS_PER_SECOND = 1_000_000.0

#: The most epochs one "Step N" trains.
MAX_STEP_COUNT = 1_000_000

#: A target loss (stop condition) is a finite number in 0 ... MAX_TARGET_LOSS.
MAX_TARGET_LOSS = 1e300

# ------------------------------------------------------------------ files
#: The largest project file read at all, in bytes. A project at the data and
#: history limits above, with its compact history encoding, stays well under it.
MAX_PROJECT_BYTES = 512 * 1024 * 1024

#: A load that takes longer than this (seconds) shows progress and can be cancelled.
PROGRESS_AFTER_SECONDS = 1.0


def describe_count(value: int) -> str:
    """``value`` with thousands separators, as refusals state limits: ``100,000``."""
    return f"{value:,}"


def describe_bytes(size: int) -> str:
    """A byte count in words: ``"64 MB"``, ``"1.5 GB"``, ``"512 bytes"``."""
    if size < 1024:
        return f"{size} bytes"
    amount = float(size)
    for unit in ("KB", "MB", "GB"):
        amount /= 1024
        if amount < 1024:
            return f"{amount:.3g} {unit}"
    return f"{amount / 1024:,.0f} TB"


# --------------------------------------------------------------- practice
#: The largest exercise set number (any set is as good as another; this keeps it
#: a short number a teacher can write on the board).
MAX_EXERCISE_SET = 99_999

#: The most exercises on one exercise sheet (a page each, plus the answers).
MAX_SHEET_EXERCISES = 200

#: L1 and L2 regularisation coefficients are at least 0 and at most MAX_PENALTY.
MAX_PENALTY = 10.0

#: The learning-rate schedule's 1/t decay is at least 0 and at most MAX_LR_DECAY per epoch.
MAX_LR_DECAY = 1000.0

#: Adam's and RMSprop's epsilon is at least MIN_EPSILON and at most MAX_EPSILON.
MIN_EPSILON = 1e-12
#: See :data:`MIN_EPSILON`.
MAX_EPSILON = 1.0

#: At most MAX_FEATURES feature inputs (x1, x2, x1², ... of the data's columns).
MAX_FEATURES = 64
