"""First run on a stock Linux: missing xcb libraries and no display are named, not crashed on."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_lab.gui import platform_check as pc

README = Path(__file__).resolve().parents[2] / "README.md"

LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f)
"""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux start-up")


def test_ldd_output_is_parsed_into_found_and_missing_libraries():
    linked = pc.parse_ldd(LDD_MISSING)
    assert linked["libxcb-cursor.so.0"] is None
    assert linked["libxcb.so.1"] == "/lib/x86_64-linux-gnu/libxcb.so.1"
    assert sorted(k for k, v in linked.items() if v is None) == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
    ]


def test_the_message_is_one_line_naming_debian_and_fedora_packages():
    message = pc.missing_libraries_message(["libxcb-cursor.so.0", "libxcb-icccm.so.4"])
    assert "\n" not in message
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 (Debian/Ubuntu)" in message
    assert "sudo dnf install xcb-util-cursor xcb-util-wm (Fedora)" in message
    # A library we do not know still gets a command that finds its package.
    assert "libfoo.so.7" in pc.install_command(["libfoo.so.7"])


def test_no_display_is_refused_unless_a_platform_is_chosen():
    assert pc.startup_problem({}, "linux")[0] == pc.EXIT_NO_DISPLAY
    assert pc.startup_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert pc.startup_problem({}, "darwin") is None
    assert pc.display_problem({"WAYLAND_DISPLAY": "wayland-0"}) == ""


def test_the_readme_install_line_names_every_package_the_check_expects():
    text = README.read_text(encoding="utf-8")
    apt = re.search(r"sudo apt install ([^\n`]+)", text)
    dnf = re.search(r"sudo dnf install ([^\n`]+)", text)
    assert apt and dnf, "the README's install section names the system packages"
    assert set(pc.README_DEBIAN_PACKAGES) <= set(apt.group(1).split())
    assert set(pc.README_FEDORA_PACKAGES) <= set(dnf.group(1).split())
    for package in pc.README_DEBIAN_PACKAGES:
        assert package in {deb for deb, _ in pc.LIBRARY_PACKAGES.values()}


@pytest.mark.skipif(
    pc.qt_platform_plugin("xcb") is None or not Path("/usr/bin/dpkg").exists(),
    reason="needs PySide6's xcb plugin and dpkg",
)
def test_every_library_of_the_xcb_plugin_comes_from_the_readme_or_every_desktop():
    ok, lines = pc.ci_check()
    assert ok, "\n".join(lines)


def _fake_tools(tmp_path: Path) -> Path:
    """A bin folder with an ldd that reports three missing libraries and a notify-send
    that records what it was asked to show."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "ldd.txt").write_text(LDD_MISSING)
    ldd = bin_dir / "ldd"
    ldd.write_text(f"#!/bin/sh\nexec /bin/cat {tmp_path / 'ldd.txt'}\n")
    notify = bin_dir / "notify-send"
    notify.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path / "notified.txt"}\n')
    for tool in (ldd, notify):
        tool.chmod(0o755)
    return bin_dir


def test_missing_xcb_libraries_exit_non_zero_with_one_line_before_qt_loads(tmp_path):
    if pc.qt_platform_plugin("xcb") is None:
        pytest.skip("PySide6 without its xcb plugin")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["PATH"] = str(_fake_tools(tmp_path))
    env["DISPLAY"] = ":987"  # never opened: the check runs before Qt
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    result = subprocess.run(
        [sys.executable, "-m", "backprop_lab"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == pc.EXIT_MISSING_LIBRARIES
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 (Debian/Ubuntu)" in lines[0]
    assert "xcb-util-cursor xcb-util-wm xcb-util-keysyms (Fedora)" in lines[0]
    # No terminal (as from a desktop launcher): the desktop is told too.
    notified = (tmp_path / "notified.txt").read_text()
    assert "Backprop Lab cannot start" in notified
    assert "libxcb-cursor0" in notified


def test_no_display_exits_2_with_one_line(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    }
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    result = subprocess.run(
        [sys.executable, "-m", "backprop_lab"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "no display" in result.stderr and "--screenshot" in result.stderr
