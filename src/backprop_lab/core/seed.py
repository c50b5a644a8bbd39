"""The seed post's example: its three samples and its 2-3-3-1 network.

Both :mod:`.datasets` (the seed's data) and :mod:`.presets` (the seed's
trainer) read it, so neither imports the other for it.
"""

from __future__ import annotations

import numpy as np

from .network import Network

#: The seed's raw inputs (hours of study and sleep, say) and targets.
SEED_X_RAW = np.array([[2.0, 9.0], [1.0, 5.0], [3.0, 4.0]])
SEED_T_RAW = np.array([[2.9], [2.3], [2.5]])


def seed_inputs() -> tuple[np.ndarray, np.ndarray]:
    """X scaled by its column maxima and t / 2.9, exactly as in the seed."""
    X = SEED_X_RAW / np.amax(SEED_X_RAW, axis=0)
    T = SEED_T_RAW / 2.9
    return X, T


def seed_network() -> Network:
    """The seed's 2-3-3-1 sigmoid network, no biases, every weight 0.1."""
    return Network([2, 3, 3, 1], "sigmoid", init="constant", bias=False, init_value=0.1)
