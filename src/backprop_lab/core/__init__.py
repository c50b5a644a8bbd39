"""The NumPy core of Backprop Lab: networks, losses, training, data.

Only NumPy and the standard library are imported here, never Qt, so teachers
can script examples in a notebook::

    from backprop_lab.core import Network, Trainer, seed_example, gradient_check

    setup = seed_example()
    trainer = Trainer(**setup)
    print(trainer.step(1))
"""

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, get_activation
from .gradcheck import GradientCheckRow, gradient_check, max_relative_error
from .losses import LOSSES, get_loss
from .network import INIT_SCHEMES, NO_MISTAKES, ForwardTrace, Gradients, Mistakes, Network
from .presets import seed_example
from .snapshot import NetworkSnapshot, ParameterRef, take_snapshot
from .trainer import Divergence, EpochRecord, Trainer

__all__ = [
    "ACTIVATIONS",
    "HIDDEN_ACTIVATIONS",
    "INIT_SCHEMES",
    "LOSSES",
    "NO_MISTAKES",
    "OUTPUT_ACTIVATIONS",
    "Divergence",
    "EpochRecord",
    "ForwardTrace",
    "GradientCheckRow",
    "Gradients",
    "Mistakes",
    "Network",
    "NetworkSnapshot",
    "ParameterRef",
    "Trainer",
    "get_activation",
    "get_loss",
    "gradient_check",
    "max_relative_error",
    "seed_example",
    "take_snapshot",
]
