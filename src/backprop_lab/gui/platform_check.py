"""First run on a stock Linux: check what Qt's window plugin needs BEFORE Qt loads it.

Qt aborts (exit 134, a core dump and a paragraph about "xcb-cursor0") when its xcb
platform plugin cannot load, and a desktop launcher hides even that. So before any
Qt module is imported, :func:`startup_problem` asks ``ldd`` which libraries
PySide6's ``libqxcb.so`` cannot find and names, in one line, the Debian/Ubuntu and
Fedora packages that provide them. With no display at all it says so, instead of
falling back to an invisible offscreen window.

This module imports no Qt (it must run before Qt is loaded) and is also a small
command-line tool for CI: ``python -m backprop_lab.gui.platform_check --ci``
checks that every library the xcb plugin links against comes from a package the
README's install line names or from a package every desktop has.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

#: Exit code when there is no display to open a window on (the issue asks for 2).
EXIT_NO_DISPLAY = 2
#: Exit code when a system library the window needs is missing.
EXIT_MISSING_LIBRARIES = 3

#: Library (soname) -> (Debian/Ubuntu package, Fedora package) for what the xcb
#: platform plugin of PySide6 links against, directly or through Qt.
LIBRARY_PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}

#: The Debian/Ubuntu packages the README's install line names: what a fresh
#: Debian 12 or Ubuntu 24.04 desktop may lack for Qt 6's xcb plugin.
README_DEBIAN_PACKAGES = (
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxkbcommon-x11-0",
    "libegl1",
)
#: The same for Fedora.
README_FEDORA_PACKAGES = (
    "xcb-util-cursor",
    "xcb-util-wm",
    "xcb-util-keysyms",
    "xcb-util-image",
    "xcb-util-renderutil",
    "libxkbcommon-x11",
    "libglvnd-egl",
)


def install_command(libraries: list[str]) -> str:
    """``sudo apt install ... (Debian/Ubuntu) or sudo dnf install ... (Fedora)`` for them."""
    debian: list[str] = []
    fedora: list[str] = []
    for lib in libraries:
        deb, fed = LIBRARY_PACKAGES.get(lib, (None, None))
        if deb is None:
            # Unknown to us: let the package manager find it by file name.
            deb, fed = f"$(apt-file search -l {lib})", f"'*/{lib}'"
        if deb not in debian:
            debian.append(deb)
        if fed not in fedora:
            fedora.append(fed)
    return (
        f"sudo apt install {' '.join(debian)} (Debian/Ubuntu) "
        f"or sudo dnf install {' '.join(fedora)} (Fedora)"
    )


def qt_platform_plugin(name: str = "xcb") -> Path | None:
    """Path of PySide6's ``libq<name>.so`` (found without importing Qt), or None."""
    candidates: list[Path] = []
    for entry in os.environ.get("QT_PLUGIN_PATH", "").split(os.pathsep):
        if entry:
            candidates.append(Path(entry) / "platforms")
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "Qt" / "plugins" / "platforms")
    frozen = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle
    if frozen:
        candidates.append(Path(frozen) / "PySide6" / "Qt" / "plugins" / "platforms")
    for folder in candidates:
        plugin = folder / f"libq{name}.so"
        if plugin.is_file():
            return plugin
    return None


def linked_libraries(binary: Path) -> dict[str, str | None] | None:
    """Every library ``binary`` needs (soname -> resolved path, None when missing).

    None when ``ldd`` is not available or fails: then nothing is known and the
    caller lets Qt try.
    """
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        result = subprocess.run(
            [ldd, str(binary)], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0 and "not found" not in result.stdout:
        return None
    return parse_ldd(result.stdout)


def parse_ldd(output: str) -> dict[str, str | None]:
    """soname -> path (None for "not found") from ``ldd`` output."""
    found: dict[str, str | None] = {}
    for line in output.splitlines():
        line = line.strip()
        if "=>" not in line:
            continue
        name, _, rest = line.partition("=>")
        name, rest = name.strip(), rest.strip()
        if rest.startswith("not found"):
            found[name] = None
        else:
            path = rest.split(" (")[0].strip()
            found[name] = path or None
    return found


def missing_libraries(plugin: Path | None = None) -> list[str]:
    """The libraries the xcb plugin needs that are not installed (sonames, sorted)."""
    plugin = plugin or qt_platform_plugin("xcb")
    if plugin is None:
        return []
    linked = linked_libraries(plugin)
    if linked is None:
        return []
    return sorted(name for name, path in linked.items() if path is None)


def missing_libraries_message(missing: list[str]) -> str:
    """The one line that says what to install."""
    return (
        "backprop-lab: cannot open a window: Qt needs "
        f"{', '.join(missing)}, not installed; install with: {install_command(missing)}"
    )


def display_problem(env: Mapping[str, str], platform: str = sys.platform) -> str:
    """Why no window can be opened with this environment ("" when one can be)."""
    if not platform.startswith("linux"):
        return ""
    if env.get("QT_QPA_PLATFORM"):
        return ""  # the user chose a platform (offscreen, vnc, wayland, ...): respect it
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    return (
        "backprop-lab: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are "
        "not set); run it from a desktop session, or use --screenshot PNG or --self-test, "
        "which need none"
    )


def _uses_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will load its xcb plugin with this environment."""
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    if env.get("WAYLAND_DISPLAY"):
        return False  # Qt 6 prefers Wayland there (and falls back to xcb itself)
    return bool(env.get("DISPLAY"))


def startup_problem(
    env: Mapping[str, str] | None = None, platform: str = sys.platform
) -> tuple[int, str] | None:
    """(exit code, one-line message) when the window cannot open, else None."""
    env = os.environ if env is None else env
    if not platform.startswith("linux"):
        return None
    problem = display_problem(env, platform)
    if problem:
        return EXIT_NO_DISPLAY, problem
    if _uses_xcb(env):
        missing = missing_libraries()
        if missing:
            return EXIT_MISSING_LIBRARIES, missing_libraries_message(missing)
    return None


def started_from_a_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def notify_desktop(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Show ``message`` with whatever the desktop offers (Qt itself cannot load).

    Tries zenity, kdialog, xmessage (a dialog box) and notify-send (a
    notification), in that order; True when one of them ran.
    """
    env = dict(os.environ if env is None else env)
    title = "Backprop Lab cannot start"
    text = message.removeprefix("backprop-lab: ")
    commands = [
        ["zenity", "--error", f"--title={title}", "--no-markup", f"--text={text}"],
        ["kdialog", "--title", title, "--error", text],
        ["xmessage", "-center", f"{title}: {text}"],
        ["notify-send", "--urgency=critical", title, text],
    ]
    for command in commands:
        if shutil.which(command[0]) is None:
            continue
        try:
            subprocess.run(command, env=env, timeout=300, check=False, capture_output=True)
        except (OSError, subprocess.SubprocessError):
            continue
        return True
    return False


def report_startup_problem(code: int, message: str) -> int:
    """Print the line; where no terminal shows it (a launcher), also put it on the desktop."""
    print(message, file=sys.stderr)
    if not started_from_a_terminal() and code == EXIT_MISSING_LIBRARIES:
        notify_desktop(message)
    return code


# ------------------------------------------------------------------ CI check
#: Debian packages every desktop install has (libc, the compiler runtime, X11,
#: GL, fonts, D-Bus, GLib, compression, systemd): a library of one of these is
#: not something the README has to name.
DEBIAN_DESKTOP_BASE = frozenset(
    {
        "libc6",
        "libgcc-s1",
        "libstdc++6",
        "zlib1g",
        "libzstd1",
        "liblzma5",
        "liblz4-1",
        "libbz2-1.0",
        "libx11-6",
        "libx11-xcb1",
        "libxau6",
        "libxdmcp6",
        "libxcb1",
        "libxcb-randr0",
        "libxcb-render0",
        "libxcb-shm0",
        "libxcb-sync1",
        "libxcb-xfixes0",
        "libxcb-xkb1",
        "libxcb-util1",
        "libxcb-glx0",
        "libxkbcommon0",
        "libgl1",
        "libglx0",
        "libglvnd0",
        "libopengl0",
        "libfontconfig1",
        "libfreetype6",
        "libpng16-16",
        "libpng16-16t64",
        "libexpat1",
        "libbrotli1",
        "libdbus-1-3",
        "libglib2.0-0",
        "libglib2.0-0t64",
        "libpcre2-8-0",
        "libbsd0",
        "libmd0",
        "libsystemd0",
        "libcap2",
        "libgcrypt20",
        "libgpg-error0",
    }
)


def debian_packages_of(paths: list[str]) -> dict[str, str]:
    """path -> the Debian package that installed it, from ONE ``dpkg -S`` call."""
    variants: dict[str, str] = {}
    for path in paths:
        for candidate in (path, str(Path(path).resolve())):
            # usrmerge: /lib/... is /usr/lib/... and dpkg knows one of the two.
            for form in (candidate, candidate.removeprefix("/usr"), "/usr" + candidate):
                if form.startswith("/"):
                    variants.setdefault(form, path)
    try:
        result = subprocess.run(
            ["dpkg", "-S", *variants], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    owners: dict[str, str] = {}
    for line in result.stdout.splitlines():
        package, sep, where = line.partition(": ")
        where = where.strip()
        if sep and where in variants and "," not in package:
            owners.setdefault(variants[where], package.split(":")[0].strip())
    return owners


def ci_check(plugin: Path | None = None) -> tuple[bool, list[str]]:
    """Every library of the xcb plugin: installed, and named by the README or in the base.

    Returns (ok, report lines). A library shipped inside PySide6 itself is fine.
    """
    plugin = plugin or qt_platform_plugin("xcb")
    if plugin is None:
        return False, ["PySide6's xcb platform plugin (libqxcb.so) was not found"]
    linked = linked_libraries(plugin)
    if linked is None:
        return False, [f"ldd {plugin} failed"]
    pyside = plugin.parents[3]  # .../PySide6/Qt/plugins/platforms/libqxcb.so -> PySide6
    ok = True
    lines = []
    named = set(README_DEBIAN_PACKAGES)
    outside = {
        name: path
        for name, path in linked.items()
        if path is not None and not Path(path).resolve().is_relative_to(pyside.resolve())
    }
    owners = debian_packages_of(sorted(outside.values()))
    for name, path in sorted(linked.items()):
        if path is None:
            ok = False
            lines.append(f"MISSING  {name}: {install_command([name])}")
            continue
        if name not in outside:
            continue  # shipped inside PySide6
        package = owners.get(path)
        if package is None:
            ok = False
            lines.append(f"UNKNOWN  {name} ({path}) belongs to no Debian package")
        elif package in named:
            lines.append(f"README   {name}: {package}")
        elif package in DEBIAN_DESKTOP_BASE:
            lines.append(f"base     {name}: {package}")
        else:
            ok = False
            lines.append(
                f"UNNAMED  {name}: {package} is neither in the README nor in every desktop"
            )
    return ok, lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--ci" in argv:
        ok, lines = ci_check()
        for line in lines:
            print(line)
        print("xcb plugin libraries: " + ("all covered" if ok else "NOT covered"))
        return 0 if ok else 1
    problem = startup_problem()
    if problem is None:
        print("backprop-lab: the window's system libraries are all installed")
        return 0
    print(problem[1])
    return problem[0]


if __name__ == "__main__":
    raise SystemExit(main())


# ------------------------------------------------------- headless screen size
#: The window size --screenshot renders at by default (device pixels).
DEFAULT_SCREENSHOT_SIZE = (1440, 900)
#: What --size and --scale accept.
MIN_SCREENSHOT_SIDE, MAX_SCREENSHOT_SIDE = 320, 8192
MIN_SCALE, MAX_SCALE = 0.5, 4.0


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` -> (1280, 720); ValueError with a one-line reason otherwise."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"--size takes WIDTHxHEIGHT in pixels, like 1280x720, not {text!r}")
    width, height = (int(p) for p in parts)
    for side in (width, height):
        if not MIN_SCREENSHOT_SIDE <= side <= MAX_SCREENSHOT_SIDE:
            raise ValueError(
                f"--size sides must lie between {MIN_SCREENSHOT_SIDE} and "
                f"{MAX_SCREENSHOT_SIDE} pixels, not {text!r}"
            )
    return width, height


def parse_scale(text: str) -> float:
    """``"2"`` -> 2.0 (the device pixel ratio); ValueError otherwise."""
    try:
        scale = float(text)
    except ValueError:
        raise ValueError(f"--scale takes a number like 1, 1.5 or 2, not {text!r}") from None
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValueError(f"--scale must lie between {MIN_SCALE:g} and {MAX_SCALE:g}, not {text!r}")
    return scale


def offscreen_screen(size: tuple[int, int], scale: float, folder: Path) -> dict[str, str]:
    """Environment for an offscreen screen of ``size`` device pixels at ratio ``scale``.

    Qt's offscreen platform reads its screen from a JSON file; QT_SCALE_FACTOR
    makes the device pixel ratio ``scale``, so the window is laid out at
    size / scale logical pixels and rendered at ``size`` device pixels.
    """
    import json

    width, height = size
    config = folder / "offscreen-screen.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "screenshot",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    return {
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "QT_SCALE_FACTOR": f"{scale:g}",
        "QT_ENABLE_HIGHDPI_SCALING": "1",
    }
