"""Replaces PyInstaller's PySide6.QtOpenGL hook: same collection, minus unused Qt plugins."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from qt_plugin_filter import filtered

hiddenimports, binaries, datas = filtered(__file__)
