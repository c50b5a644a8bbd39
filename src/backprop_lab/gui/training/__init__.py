"""Training in a background thread: the only package of Backprop Lab with threads.

* :mod:`.worker`: :class:`TrainingWorker`, a ``QObject`` in its own ``QThread`` that
  owns the core Trainer, the typed commands it accepts and its :class:`WorkerState`;
* :mod:`.controller`: :class:`TrainingController`, the GUI thread's handle on the
  worker (validates requests, sends commands, re-emits results);
* :mod:`.background`: :class:`BackgroundRunner`, a pure function on a
  ``QThreadPool`` thread whose result arrives as a signal (latest wins), for work
  such as autosave, the decision map and the loss landscape.

The names below are re-exported so ``from backprop_lab.gui.training import
TrainingController`` keeps working.
"""

from .background import BackgroundRunner
from .controller import (
    MAX_HIDDEN_LAYERS,
    MAX_LAYER_SIZE,
    TrainingController,
    build_network,
    default_settings,
)
from .worker import (
    GIL_SWITCH_INTERVAL_SECONDS,
    MAX_EPOCHS_PER_CALL,
    MAX_SNAPSHOTS_PER_SECOND,
    EpochBatch,
    TrainingWorker,
    WorkerState,
)

__all__ = [
    "GIL_SWITCH_INTERVAL_SECONDS",
    "MAX_EPOCHS_PER_CALL",
    "MAX_HIDDEN_LAYERS",
    "MAX_LAYER_SIZE",
    "MAX_SNAPSHOTS_PER_SECOND",
    "BackgroundRunner",
    "EpochBatch",
    "TrainingController",
    "TrainingWorker",
    "WorkerState",
    "build_network",
    "default_settings",
]
