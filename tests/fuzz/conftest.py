"""The fuzz tests that open a window use the GUI tests' safety fixtures: a private
QSettings folder (nothing touches the user's settings) and no modal dialog."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "_gui_test_fixtures", Path(__file__).resolve().parents[1] / "gui" / "conftest.py"
)
_gui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_gui)

private_settings = _gui.private_settings
no_modal_dialogs = _gui.no_modal_dialogs
