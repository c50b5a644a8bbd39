"""Replaces PyInstaller's hook for PySide6.QtSvg: same collection, minus unused Qt plugins."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from qt_plugin_filter import filtered  # noqa: E402

hiddenimports, binaries, datas = filtered(__file__)
