"""Run ``python -m backprop_lab`` as a real process, headless, with private settings."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, tmp_path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the app with ``args`` in ``tmp_path``: offscreen, no DISPLAY, its own config."""
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "backprop_lab", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=tmp_path,
    )
