"""Toolbar and window icons, looked up by name in ``resources/icons``."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from backprop_lab import resource_path

#: Every icon the app uses; each is ``resources/icons/<name>.svg``.
ICON_NAMES = (
    "about",
    "copy",
    "error",
    "export",
    "new",
    "open",
    "pause",
    "reinitialise",
    "reset",
    "run",
    "save",
    "step",
    "step-n",
    "step-phase",
    "stop",
)


@cache
def icon(name: str) -> QIcon:
    """The icon called ``name`` (e.g. ``"run"``); KeyError names the known icons."""
    if name not in ICON_NAMES:
        raise KeyError(f"no icon called {name!r}; known icons: {', '.join(ICON_NAMES)}")
    return QIcon(str(resource_path("icons", f"{name}.svg")))


@cache
def app_icon() -> QIcon:
    """The application's icon (``resources/backprop-lab.svg``)."""
    return QIcon(str(resource_path("backprop-lab.svg")))
