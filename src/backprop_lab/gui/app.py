"""Start Backprop Lab: command-line options, the QApplication, the crash handler.

``backprop-lab [PROJECT_FILE] [--preset NAME] [--epochs N] [--screenshot PNG]
[--self-test] [--export-step CSV] [--export-code numpy|pytorch SCRIPT]
[--export-data embed|csv] [--version]``
"""

from __future__ import annotations

import argparse
import datetime as _dt
import logging
import os
import sys
import traceback
from pathlib import Path

from backprop_lab import __version__

#: Exit codes.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

log = logging.getLogger("backprop_lab")


class UsageError(Exception):
    """A bad command line: reported as one line on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage block, no traceback
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    from backprop_lab.core.presets import PRESETS

    parser = _Parser(
        prog="backprop-lab",
        description="A desktop simulator that teaches backpropagation.",
    )
    parser.add_argument(
        "project", nargs="?", metavar="PROJECT_FILE", help="a .bplab project file to open"
    )
    parser.add_argument(
        "--preset",
        metavar="NAME",
        help="open an example (its data, network and settings): " + ", ".join(PRESETS),
    )
    parser.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        default=None,
        help="train N epochs before showing the window (or the screenshot)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="train, render the main window to PNG with no screen, and exit",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="train a few epochs offscreen, compare with the core, exit 0 or 1",
    )
    parser.add_argument(
        "--export-step",
        metavar="CSV",
        help="write every number of the first training step of --preset (default: seed) "
        "to a CSV file and exit, with no display",
    )
    parser.add_argument(
        "--export-code",
        nargs=2,
        metavar=("numpy|pytorch", "SCRIPT"),
        help="write PROJECT_FILE or --preset (default: seed) as a standalone Python script "
        "that trains it --epochs epochs (default 100) and prints the loss, and exit",
    )
    parser.add_argument(
        "--export-data",
        choices=("embed", "csv"),
        default="embed",
        help="with --export-code: the data inside the script, or in CSV files beside it",
    )
    sheet = parser.add_argument_group("exercise sheets (a printable PDF, no display needed)")
    sheet.add_argument(
        "--exercise-sheet",
        metavar="PDF",
        help="write the exercises of a practice set as a printable PDF and exit",
    )
    sheet.add_argument(
        "--set", type=int, metavar="N", default=None, help="the exercise set (default 1)"
    )
    sheet.add_argument(
        "--count", type=int, metavar="N", default=None, help="how many exercises (default 10)"
    )
    sheet.add_argument(
        "--level",
        type=int,
        metavar="N",
        default=None,
        help="only exercises of level N (1 to 5; default: two of each level in turn)",
    )
    sheet.add_argument(
        "--answers", action="store_true", help="add the answers and worked solutions"
    )
    parser.add_argument(
        "--size",
        metavar="WxH",
        help="with --screenshot: the window's size in device pixels (default 1440x900)",
    )
    parser.add_argument(
        "--scale",
        metavar="S",
        help="with --screenshot: the device pixel ratio (2 for a 2x HiDPI screen; the "
        "window is laid out at size/S logical pixels)",
    )
    parser.add_argument("--version", action="version", version=f"Backprop Lab {__version__}")
    return parser


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"backprop-lab: error: {message}", file=sys.stderr)
    return code


# ------------------------------------------------------------ crash handling
def log_directory() -> Path:
    """Where the crash log goes (the platform's app-data folder, ``logs``)."""
    from PySide6.QtCore import QStandardPaths

    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    if not base:
        base = str(Path.home() / ".backprop-lab")
    return Path(base) / "logs"


def log_exception(exc_type, exc_value, exc_tb) -> tuple[str, Path | None]:
    """Append the traceback to ``errors.log``; returns (text, path or None if unwritable)."""
    text = "".join(traceback.format_exception(exc_type, exc_value, exc_tb))
    path: Path | None = log_directory() / "errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = _dt.datetime.now().isoformat(timespec="seconds")
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp} Backprop Lab {__version__}\n{text}\n")
    except OSError:
        path = None
    return text, path


def install_excepthook() -> None:
    """Log uncaught exceptions to a file and show them in a dialog; the app keeps running."""
    from PySide6.QtWidgets import QApplication

    from backprop_lab.gui.dialogs import show_error

    def hook(exc_type, exc_value, exc_tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc_value, exc_tb)
            return
        text, path = log_exception(exc_type, exc_value, exc_tb)
        sys.stderr.write(text)
        app = QApplication.instance()
        if app is None:
            return
        parent = app.activeWindow()
        show_error(
            parent,
            f"An unexpected error happened: {exc_type.__name__}: {exc_value}. "
            "Backprop Lab keeps running; please report it with the details below.",
            text,
            log_path=str(path) if path else None,
        )

    sys.excepthook = hook


# ---------------------------------------------------------------- the app
def _make_application(offscreen: bool):
    if offscreen and os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen:"):
        pass  # --size / --scale chose the offscreen screen
    elif offscreen or (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # Qt's plain Unix event dispatcher announces "awake" before it handles
    # queued signals and paints (GLib's only after), which is what lets the
    # training worker step aside while the GUI thread is busy: without it a
    # full-speed run makes the window late by a tenth of a second.
    os.environ.setdefault("QT_NO_GLIB", "1")
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from backprop_lab.gui.icons import app_icon
    from backprop_lab.gui.main_window import APPLICATION_NAME, ORGANISATION_NAME

    QCoreApplication.setOrganizationName(ORGANISATION_NAME)
    QCoreApplication.setApplicationName(APPLICATION_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "backprop-lab"])
    app.setDesktopFileName("backprop-lab")
    app.setWindowIcon(app_icon())
    return app


def finish_window_setup() -> None:
    """Handle what a window just built still has queued (polish, layout requests,
    deferred updates: about 50 ms of the GUI thread for the main window) before
    training starts on a headless path.

    Left queued, the GUI thread handles it while the worker trains the first
    epochs, holding the interpreter's lock the worker needs (the first
    ``--epochs`` run was about 4 % slower than the next ones). Handled here it
    takes as long, but as part of building the window: training then has the
    lock to itself from its first epoch.
    """
    from PySide6.QtCore import QCoreApplication, QEventLoop

    QCoreApplication.sendPostedEvents(None, 0)
    QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)


def train_through_worker(window, epochs: int, timeout_s: float = 120.0) -> bool:
    """Step ``epochs`` epochs through the worker and wait until they are shown.

    Blocks in a real event loop that the controller's signals end (no polling, so
    the GUI thread sleeps while the worker trains); False when training stopped
    early (divergence, a stop condition, an error) or took longer than ``timeout_s``.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    controller = window.controller
    target = controller.current_snapshot().epoch + epochs
    loop = QEventLoop()

    def done() -> bool:
        return controller.current_snapshot().epoch >= target and not controller.is_running

    def check(*_args) -> None:
        if done():
            loop.quit()

    def stopped_early(*_args) -> None:
        loop.quit()

    finish_signals = (controller.snapshot_ready, controller.state_changed)
    fail_signals = (
        controller.diverged,
        controller.stop_condition_reached,
        controller.error_occurred,
        controller.network_reset,
    )
    for signal in finish_signals:
        signal.connect(check)
    for signal in fail_signals:
        signal.connect(stopped_early)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    deadline.start(max(1, round(timeout_s * 1000)))
    try:
        if controller.step(epochs) and not done():
            loop.exec()
    finally:
        deadline.stop()
        for signal in finish_signals:
            signal.disconnect(check)
        for signal in fail_signals:
            signal.disconnect(stopped_early)
    return done()


def self_test(window, epochs: int = 25) -> tuple[bool, str]:
    """Train through the worker and compare with a core Trainer run the same epochs."""
    import numpy as np

    from backprop_lab.core import Trainer

    controller = window.controller
    controller.reset()
    start = controller.current_snapshot()
    train, test = controller.dataset()
    trainer = Trainer(
        controller.initial_network(),
        train.inputs,
        train.targets,
        # every option the worker trains with (optimiser, schedule, L1/L2 too)
        **controller.typed_settings().trainer_options(),
        X_test=None if test is None else test.inputs,
        T_test=None if test is None else test.targets,
    )
    if start.epoch != 0:
        return False, f"reset left epoch {start.epoch}"
    if not train_through_worker(window, epochs):
        return False, "the worker did not finish in time"
    records = trainer.step(epochs)
    shown = controller.current_snapshot()
    if shown.epoch != epochs:
        return False, f"the worker shows epoch {shown.epoch}, expected {epochs}"
    pairs = zip(shown.weights, trainer.net.weights, strict=True)
    for layer, (mine, core) in enumerate(pairs, start=1):
        if not np.array_equal(mine, core):
            return False, f"W{layer} differs from the core by {np.abs(mine - core).max():g}"
    history = window.loss_plot.history()
    core_losses = np.array([r.train_loss for r in records])
    if len(history[0]) != epochs or not np.array_equal(history[1], core_losses):
        return False, "the loss plot does not hold the core's loss of every epoch"
    if not controller.shutdown() or controller.thread_is_alive():
        return False, "the training thread did not stop"
    return (
        True,
        f"{epochs} epochs through the worker equal the core's (loss {records[-1].train_loss:.6g})",
    )


def ask_restore(parent, question: str) -> bool:
    """The Yes/No question that offers a crashed session back."""
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(
        parent,
        "Restore the autosaved session?",
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    return answer == QMessageBox.StandardButton.Yes


def offer_crashed_session(window, ask) -> bool:
    """Offer the autosave of a session that did not close properly (see gui.autosave)."""
    from backprop_lab.gui.autosave import offer_crashed_session as offer

    return offer(window, ask)


def _prepare_window(args, window) -> int | None:
    """Apply PROJECT_FILE and --preset; an exit code when they fail."""
    if args.project:
        path = Path(args.project)
        if not path.is_file():
            return _fail(f"cannot open project file {args.project!r}: no such file")
        from backprop_lab.core.project_file import ProjectFileError, load_project

        try:
            load_project(path)
        except (ProjectFileError, OSError, ValueError) as exc:
            return _fail(f"cannot open project file {args.project!r}: {_one_line(exc)}")
        if not window.open_project_from(path, show_errors=False):
            reason = window.statusBar().currentMessage() or "it could not be opened"
            return _fail(f"cannot open project file {args.project!r}: {_one_line(reason)}")
    if args.preset:
        window.open_example(args.preset)  # checked in main() before the window existed
    return None


def apply_start_pace(args, window) -> bool:
    """A watchable training pace on a first start; True when it was applied.

    A project file named on the command line keeps the pace saved in it (a
    teacher's prepared lesson opens as it was saved, as File > Open does).
    """
    if args.project:
        return False
    from backprop_lab.gui.screen_fit import apply_first_run_speed

    return apply_first_run_speed(window)


def _project_path_problem(path: Path) -> str:
    """Why ``path`` cannot be a project file ("" when it may be one)."""
    if path.is_dir():
        return "it is a folder, not a file"
    if not path.exists():
        return "no such file"
    if not path.is_file():
        return "not a regular file"
    return ""


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    """Run Backprop Lab; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        return _fail(_one_line(exc))
    except SystemExit as exc:  # --help and --version print and exit 0
        return int(exc.code or 0)
    from backprop_lab.core import limits

    if args.epochs is not None and not 0 <= args.epochs <= limits.MAX_EPOCH:
        return _fail(f"--epochs must be from 0 to {limits.MAX_EPOCH:,}, got {args.epochs}")
    if args.screenshot and Path(args.screenshot).suffix.lower() != ".png":
        return _fail(f"--screenshot needs a .png file name, got {args.screenshot!r}")
    if args.project == "":
        return _fail("cannot open project file '': the file name is empty")
    if args.project:
        problem = _project_path_problem(Path(args.project))
        if problem:
            return _fail(f"cannot open project file {args.project!r}: {problem}")
    if args.preset:
        from backprop_lab.core.presets import get_preset

        try:
            get_preset(args.preset)
        except ValueError as exc:
            return _fail(_one_line(exc))
    if args.export_step:
        return _export_step(args.preset or "seed", args.export_step)
    if args.export_code:
        return _export_code(args)
    sheet_options = [
        name
        for name, value in (
            ("--set", args.set),
            ("--count", args.count),
            ("--level", args.level),
            ("--answers", args.answers or None),
        )
        if value is not None
    ]
    if args.exercise_sheet:
        return _exercise_sheet(args)
    if sheet_options:
        verb = "goes" if len(sheet_options) == 1 else "go"
        return _fail(f"{', '.join(sheet_options)} {verb} only with --exercise-sheet PDF")

    headless = bool(args.screenshot or args.self_test)
    if args.size or args.scale:
        code = _screen_options(args)
        if code is not None:
            return code
    if not headless:
        # Before Qt loads its platform plugin: no display, or missing system libraries,
        # get one line naming the fix instead of Qt's abort (see gui/platform_check.py).
        from backprop_lab.gui.platform_check import report_startup_problem, startup_problem

        problem = startup_problem()
        if problem is not None:
            return report_startup_problem(*problem)
    app = _make_application(offscreen=headless)
    from backprop_lab.gui.main_window import MainWindow

    window = MainWindow(restore_settings=not headless)
    try:
        code = _prepare_window(args, window)
        if code is not None:
            return code
        if args.self_test or args.epochs:
            finish_window_setup()
        if args.self_test:
            ok, message = self_test(window)
            print(
                f"backprop-lab self-test: {'passed' if ok else 'FAILED'}: {message}",
                file=sys.stderr,
            )
            return EXIT_OK if ok else EXIT_FAILED
        if args.epochs:
            if not train_through_worker(window, args.epochs, timeout_s=600):
                return _fail("training did not finish in time", EXIT_FAILED)
        if args.screenshot:
            size = getattr(args, "window_size", None) or (1440, 900)
            return _screenshot(app, window, Path(args.screenshot), size)
        install_excepthook()
        apply_start_pace(args, window)
        window.show_first()
        if not (args.project or args.preset):
            # Only a plain start offers a crashed session back; an autosave stays
            # for the next plain start otherwise.
            offer_crashed_session(window, lambda question: ask_restore(window, question))
        window.enable_autosave()
        return int(app.exec())
    finally:
        window.close()
        window.controller.shutdown()


def _export_step(preset_name: str, path: str) -> int:
    """``--export-step``: the numbers of one step as CSV, no Qt at all."""
    from backprop_lab.core.step_export import export_step_for_preset

    try:
        explanation = export_step_for_preset(preset_name, path)
    except (ValueError, OSError) as exc:
        return _fail(_one_line(exc), EXIT_FAILED)
    print(
        f"backprop-lab: wrote the first step of {preset_name!r} "
        f"({explanation.n_samples} samples) to {path}",
        file=sys.stderr,
    )
    return EXIT_OK


def _export_code(args) -> int:
    """``--export-code``: the session as a NumPy or PyTorch script, no Qt at all."""
    from backprop_lab.core.codegen import DEFAULT_EPOCHS, FRAMEWORKS, ExportedSession, write_code

    framework, script = args.export_code
    if framework not in FRAMEWORKS:
        return _fail(f"--export-code takes numpy or pytorch, got {framework!r}")
    try:
        if args.preset:
            from backprop_lab.core.presets import get_preset

            session = ExportedSession.from_preset(get_preset(args.preset))
        elif args.project:
            from backprop_lab.core.project_file import ProjectFileError, load_project

            try:
                session = ExportedSession.from_project(load_project(args.project))
            except (ProjectFileError, OSError) as exc:
                return _fail(f"cannot open project file {args.project!r}: {_one_line(exc)}")
        else:
            from backprop_lab.core.presets import get_preset

            session = ExportedSession.from_preset(get_preset("seed"))
        epochs = DEFAULT_EPOCHS if not args.epochs else args.epochs
        written = write_code(session, script, framework, epochs, args.export_data)
    except (ValueError, OSError) as exc:
        return _fail(_one_line(exc), EXIT_FAILED)
    print(
        f"backprop-lab: wrote {', '.join(str(p) for p in written)}; "
        f"run `python {script}` to train {epochs} epochs",
        file=sys.stderr,
    )
    return EXIT_OK


def _exercise_sheet(args) -> int:
    """``--exercise-sheet``: a practice set as a printable PDF, offscreen."""
    from backprop_lab.core.limits import MAX_EXERCISE_SET, MAX_SHEET_EXERCISES
    from backprop_lab.core.practice import LEVELS

    path = Path(args.exercise_sheet)
    set_number = 1 if args.set is None else args.set
    count = 10 if args.count is None else args.count
    if path.suffix.lower() != ".pdf":
        return _fail(f"--exercise-sheet needs a .pdf file name, got {args.exercise_sheet!r}")
    if not 0 <= set_number <= MAX_EXERCISE_SET:
        return _fail(f"--set must be 0 to {MAX_EXERCISE_SET}, got {set_number}")
    if not 1 <= count <= MAX_SHEET_EXERCISES:
        return _fail(f"--count must be 1 to {MAX_SHEET_EXERCISES}, got {count}")
    if args.level is not None and not 1 <= args.level <= len(LEVELS):
        return _fail(f"--level must be 1 to {len(LEVELS)}, got {args.level}")
    _make_application(offscreen=True)
    from backprop_lab.gui.exercise_sheet import write_exercise_sheet

    try:
        sheet = write_exercise_sheet(path, set_number, count, args.level, args.answers)
    except (ValueError, OSError) as exc:
        return _fail(_one_line(exc), EXIT_FAILED)
    extra = f" and {sheet.answer_pages} of answers" if sheet.answers else ""
    print(
        f"backprop-lab: wrote {sheet.exercises} exercises of set {set_number} to {path} "
        f"({sheet.exercise_pages} pages{extra})",
        file=sys.stderr,
    )
    return EXIT_OK


#: How long --screenshot lets the window settle (dock layout, deferred repaints).
SCREENSHOT_SETTLE_S = 0.4


def settle(seconds: float) -> None:
    """Run the event loop for ``seconds`` (like QTest.qWait): layouts and repaints finish."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(max(1, round(seconds * 1000)), loop.quit)
    loop.exec()
    QCoreApplication.sendPostedEvents(None, 0)  # 0: every type, deferred deletes too


def _settled_grab(window, timeout_s: float = 4.0):
    """A grab of ``window`` once two grabs in a row agree (a loaded machine lays
    out and repaints later than SCREENSHOT_SETTLE_S)."""
    import time

    deadline = time.monotonic() + timeout_s
    image = window.grab()
    while time.monotonic() < deadline:
        settle(SCREENSHOT_SETTLE_S / 4)
        again = window.grab()
        if again.toImage() == image.toImage():
            return again
        image = again
    return image


def _screen_options(args) -> int | None:
    """``--size`` / ``--scale``: an offscreen screen of that size and pixel ratio."""
    import tempfile

    from backprop_lab.gui import platform_check

    if not args.screenshot:
        return _fail("--size and --scale go with --screenshot PNG")
    try:
        size = platform_check.parse_size(args.size) if args.size else None
        scale = platform_check.parse_scale(args.scale) if args.scale else 1.0
    except ValueError as exc:
        return _fail(str(exc))
    size = size or platform_check.DEFAULT_SCREENSHOT_SIZE
    folder = Path(tempfile.mkdtemp(prefix="backprop-lab-screen-"))
    os.environ.update(platform_check.offscreen_screen(size, scale, folder))
    args.window_size = (round(size[0] / scale), round(size[1] / scale))
    return None


def _screenshot(app, window, path: Path, size: tuple[int, int] = (1440, 900)) -> int:
    """Render the window at ``size`` logical pixels (see --size, --scale) to ``path``."""
    window.resize(*size)
    window.show()
    # The first show sizes the docks once the window is laid out; let that, the
    # loss plot's rate-limited repaint and the network's cached drawing all finish,
    # so the PNG is what a real window shows.
    settle(SCREENSHOT_SETTLE_S)
    window.flush_losses()
    if hasattr(window.loss_plot, "flush"):
        window.loss_plot.flush()
    settle(SCREENSHOT_SETTLE_S / 2)
    image = _settled_grab(window)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _fail(f"cannot write {str(path)!r}: {exc.strerror}", EXIT_FAILED)
    if not image.save(str(path), "PNG"):
        return _fail(f"cannot write the screenshot to {str(path)!r}", EXIT_FAILED)
    print(f"backprop-lab: wrote {path}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
