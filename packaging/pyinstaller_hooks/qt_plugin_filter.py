"""Which Qt plugins and data files the Backprop Lab bundle leaves out, and why.

Used by the hook-PySide6.*.py files beside it, which replace PyInstaller's own hooks for
the three Qt modules the app imports. Filtering here, before PyInstaller resolves the
plugins' shared-library dependencies, also keeps out the libraries that only a dropped
plugin needs (GTK, Pango and Cairo for the GTK theme plugin, QtNetwork for VNC and TUIO).
"""

from __future__ import annotations

import fnmatch
import os

# Patterns on "<plugin type>/<file name>" (lower case), matched on every platform.
DROPPED_PLUGINS = (
    # Platforms for embedded/kiosk use: Linux framebuffer, EGLFS, VNC, Vulkan display.
    "platforms/*eglfs*",
    "platforms/*linuxfb*",
    "platforms/*minimalegl*",
    "platforms/*vkkhrdisplay*",
    "platforms/*vnc*",
    "platforms/*direct2d*",
    "egldeviceintegrations/*",
    # evdev and TUIO input for sessions without a windowing system.
    "generic/*",
    # The GTK3 theme needs GTK, Pango and Cairo; bundling a partial GTK stack is fragile.
    # Qt's own Fusion style and the desktop portal theme remain.
    "platformthemes/*gtk3*",
    # Image formats the app never reads (it uses SVG icons and writes PNG, built into QtGui).
    "imageformats/*tiff*",
    "imageformats/*webp*",
    "imageformats/*wbmp*",
    "imageformats/*tga*",
    "imageformats/*icns*",
    "imageformats/*pdf*",
)


def _plugin_key(destination_dir: str, source_file: str) -> str:
    plugin_type = os.path.basename(os.path.normpath(destination_dir))
    return f"{plugin_type}/{os.path.basename(source_file)}".lower()


def keep_binary(entry: tuple[str, str]) -> bool:
    """Return False for a (source, destination dir) plugin entry that is not shipped."""
    source_file, destination_dir = entry
    key = _plugin_key(destination_dir, source_file)
    return not any(fnmatch.fnmatch(key, pattern) for pattern in DROPPED_PLUGINS)


def keep_data(entry: tuple[str, str]) -> bool:
    """Return False for Qt's translation catalogues: the app installs no QTranslator."""
    destination_dir = entry[1].replace("\\", "/")
    return not destination_dir.rstrip("/").endswith("translations")


def filtered(hook_file: str):
    """Collect a Qt module like PyInstaller's hook does, minus the dropped files."""
    from PyInstaller.utils.hooks.qt import add_qt6_dependencies

    hiddenimports, binaries, datas = add_qt6_dependencies(hook_file)
    binaries = [entry for entry in binaries if keep_binary(entry)]
    datas = [entry for entry in datas if keep_data(entry)]
    return hiddenimports, binaries, datas
