"""The user's settings store (window layout, view choices, last directory)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANISATION_NAME = "Backprop Lab"
APPLICATION_NAME = "Backprop Lab"


def app_settings() -> QSettings:
    """The user's settings store (an INI file; tests redirect it with QSettings.setPath)."""
    return QSettings(
        QSettings.Format.IniFormat,
        QSettings.Scope.UserScope,
        ORGANISATION_NAME,
        APPLICATION_NAME,
    )
