"""Backprop Lab: a desktop simulator that teaches backpropagation."""

from __future__ import annotations

from importlib import resources as _resources
from pathlib import Path

__version__ = "0.1.0"


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource file, e.g. ``resource_path("icons", "run.svg")``.

    Parameters
    ----------
    *parts
        Path components below the ``resources`` folder.
    """
    base = Path(str(_resources.files("backprop_lab.resources")))
    return base.joinpath(*parts)
