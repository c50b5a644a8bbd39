"""Build, open, save and export a project: everything between the session and a file.

:class:`ProjectIO` is mixed into the main window: New session, Open example,
Open / Save / Save as, the exports, the unsaved-changes question and autosave
recovery. The loaders check a file completely before anything changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from backprop_lab.core.datasets import make_dataset
from backprop_lab.core.presets import get_preset
from backprop_lab.core.project_file import (
    PROJECT_SUFFIX,
    Project,
    ProjectFileError,
    load_project,
    save_project,
)
from backprop_lab.core.session import (  # noqa: F401 - mistakes_* importable from here
    Session,
    mistakes_from_dict,
    mistakes_to_dict,
)
from backprop_lab.gui.autosave import Autosaver
from backprop_lab.gui.dialogs import show_error
from backprop_lab.gui.load_progress import BackgroundLoad, LoadCancelledByUser
from backprop_lab.gui.settings_store import app_settings

if TYPE_CHECKING:
    from backprop_lab.gui.practice_panel import Practice

PROJECT_FILTER = f"Backprop Lab projects (*{PROJECT_SUFFIX});;All files (*)"
#: Project files at least this large are read and checked off the GUI thread, with a
#: progress dialog after a second (smaller ones open in a few hundredths of a second).
OFF_THREAD_BYTES = 256 * 1024


def _call(fn, *args):
    return fn(*args)


def _is_small(path: Path) -> bool:
    """Small, or not a regular file (the loader refuses those at once, saying why)."""
    try:
        return not path.is_file() or path.stat().st_size < OFF_THREAD_BYTES
    except OSError:
        return True


def _read_and_check(path: Path) -> tuple[Project, Session]:
    """Read ``path`` and build the Session it holds (pure: runs off the GUI thread)."""
    project = load_project(path)
    return project, Session.from_project(project)


class ProjectIO:
    """The project part of the main window (needs ``controller``, ``loss_plot``,
    ``network_view``, ``show_message``, ``_update_title`` and the title fields)."""

    project_path: Path | None
    session_name: str
    ask_save_changes: Callable[[str], str] | None
    autosaver: Autosaver | None
    session: Session
    #: Practice mode (its score is saved in the project), once installed.
    practice: Practice | None

    # ------------------------------------------------------- unsaved changes
    def is_modified(self) -> bool:
        """Whether the session has changes that are not in a file yet."""
        return self.session.modified

    def set_modified(self, modified: bool) -> None:
        """Mark the session as changed (a "*" in the title) or as saved."""
        if modified:
            self.session.mark_modified()
        else:
            self.session.mark_saved()
        self.setWindowModified(self.session.modified)

    def _on_session_changed(self, _what: str) -> None:
        """The title's "*" follows the session's modified flag (see modified_changed)."""

    def ask_save_changes_dialog(self, question: str) -> str:
        """The Save / Discard / Cancel question; returns "save", "discard" or "cancel"."""
        box = self.unsaved_changes_box(question)
        box.exec()
        clicked = box.standardButton(box.clickedButton())
        if clicked == QMessageBox.StandardButton.Save:
            return "save"
        if clicked == QMessageBox.StandardButton.Discard:
            return "discard"
        return "cancel"

    def unsaved_changes_box(self, question: str) -> QMessageBox:
        """The (not yet shown) message box :meth:`ask_save_changes_dialog` uses."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Unsaved changes — Backprop Lab")
        box.setText(question)
        box.setInformativeText(
            "Save keeps your network, data, settings and loss history in a project file."
        )
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        return box

    def maybe_save(self, before: str) -> bool:
        """Before ``before`` (e.g. "closing") would lose unsaved changes, ask; True to go on.

        Save saves (and goes on only if the save worked), Discard goes on,
        Cancel keeps everything as it is.
        """
        if not self.session.modified or self.ask_save_changes is None:
            return True
        name = self.project_path.name if self.project_path else self.session_name
        answer = self.ask_save_changes(f"“{name}” has unsaved changes. Save them before {before}?")
        if answer == "save":
            if self.controller.is_running:
                self.controller.pause()
            return self.save_project()
        if answer == "discard":
            return True
        self.show_message(f"Cancelled: {before} would have lost the unsaved changes.")
        return False

    # -------------------------------------------------------------- autosave
    def enable_autosave(self, interval_ms: int | None = None, directory=None) -> Autosaver:
        """Autosave at most ``interval_ms`` (20 s by default) after every change, off the
        GUI thread; the autosave is removed when the session is saved or discarded."""
        from backprop_lab.gui.autosave import AUTOSAVE_INTERVAL_MS

        if self.autosaver is None:
            self.autosaver = Autosaver(
                self, AUTOSAVE_INTERVAL_MS if interval_ms is None else interval_ms, directory
            )
            self.autosaver.failed.connect(self.show_message)
        self.autosaver.start()
        return self.autosaver

    def restore_autosave(self, path: str | Path) -> bool:
        """Open an autosaved session; it stays unsaved (no file name, marked modified)."""
        path = Path(path)
        progress = BackgroundLoad(self, "Restoring the autosaved session…", inline=_is_small(path))
        try:
            try:
                project, new = progress.run(_read_and_check, path)
            except LoadCancelledByUser:
                self.show_message("Restoring the autosaved session was cancelled.")
                return False
            except Exception as exc:  # any refusal, of any type: nothing has changed
                show_error(
                    self,
                    "The autosaved session could not be restored and was discarded. "
                    "Backprop Lab starts on the seed example.",
                    str(exc),
                )
                self.show_message(f"Autosave not restored: {exc}", 0)
                return False
            if not self._load_project(project, path, new=new, progress=progress):
                return False
        finally:
            progress.close()
        self.project_path = None
        self.session_name = "Restored session"
        self._update_title()
        self.set_modified(True)
        self.show_message(f"Restored the autosaved session at epoch {project.epoch:,}")
        return True

    # ------------------------------------------------------------- session
    def new_session(self) -> bool:
        """Back to the seed example, as when the app starts (asks about unsaved changes)."""
        if not self.maybe_save("starting a new session"):
            return False
        if self.controller.is_running:
            self.controller.pause()
        self.session.replace_with(Session.seed_example())
        self.project_path = None
        self.session_name = "Seed example"
        self._update_title()
        self.set_modified(False)
        self.show_message("New session: the seed example, epoch 0")
        return True

    def open_example(self, key: str) -> bool:
        """Open a preset: its data, a network that learns it and its settings (resets)."""
        preset = get_preset(key)
        if not self.maybe_save(f"opening the example {preset.name}"):
            return False
        try:
            self.controller.apply_preset(preset)
        except ValueError as exc:
            self.show_message(f"Example not opened: {exc}")
            return False
        self.project_path = None
        self.session_name = preset.name
        self._update_title()
        self.set_modified(False)
        self.show_message(f"Opened the example {preset.name}: {preset.description}")
        return True

    def use_example_dataset(self, name: str) -> None:
        """Train on one of the example datasets (the network adapts its input/output layers)."""
        dataset = make_dataset(name)
        try:
            rebuilt = self.controller.set_data(dataset, None)
        except ValueError as exc:
            self.show_message(f"Data not changed: {exc}")
            return
        note = " (the network was rebuilt to fit it)" if rebuilt else ""
        self.show_message(f"Training on {name}, {len(dataset.inputs)} samples{note}")

    def project(self) -> Project:
        """The session as a :class:`Project`: an immutable copy of the live session
        (read from the Session, never from a widget), with practice mode's score."""
        project = self.session.to_project()
        if self.practice is not None:
            project.practice = self.practice.state()
        return project

    def save_project_to(self, path: str | Path) -> bool:
        """Save the session to ``path``; False (and an error dialog) when it fails."""
        path = Path(path)
        if path.suffix == "":
            path = path.with_suffix(PROJECT_SUFFIX)
        try:
            save_project(path, self.project())
        except (OSError, ValueError, ProjectFileError) as exc:
            show_error(self, f"Could not save the project to {path}.", str(exc), modal=False)
            return False
        self.project_path = path
        self._update_title()
        self.set_modified(False)
        self.show_message(f"Saved {path}")
        return True

    def open_project_from(
        self, path: str | Path, show_errors: bool = True, ask_to_save: bool = True
    ) -> bool:
        """Open a project; on failure an error dialog and the current session is untouched.

        With unsaved changes the student is asked first (``ask_to_save``);
        Cancel leaves everything as it is (False).
        """
        path = Path(path)
        # Read, parse and check off the GUI thread (a large file takes seconds): the
        # window repaints, and after a second a dialog offers Cancel.
        progress = BackgroundLoad(self, f"Opening {path.name}…", inline=_is_small(path))
        try:
            checked = self._checked(progress.run, path, show_errors, _read_and_check, path)
            if checked is None:
                return False
            project, new = checked
            if ask_to_save and not self.maybe_save(f"opening {path.name}"):
                return False
            if not self._load_project(project, path, show_errors, new=new, progress=progress):
                return False
        finally:
            progress.close()
        self.project_path = path
        self._update_title()
        self.set_modified(False)
        self.show_message(f"Opened {path.name} at epoch {project.epoch:,}")
        return True

    def _checked(self, run, path: Path, show_errors: bool, fn, *args):
        """``run(fn, *args)``, or None after a Cancel or a refusal of any type (said in
        the status bar, and in a message box with ``show_errors``): nothing has changed."""
        try:
            return run(fn, *args)
        except LoadCancelledByUser:
            self.show_message(f"Opening {path.name} was cancelled. Nothing was changed.")
        except Exception as exc:  # any refusal, of any type: nothing has changed
            self._report_open_failure(path, exc, show_errors)
        return None

    def _report_open_failure(self, path: Path, exc: Exception, show_errors: bool) -> None:
        if show_errors:
            show_error(self, f"Could not open {path.name}. Nothing was changed.", str(exc))
        self.show_message(f"Could not open {path.name}: {' '.join(str(exc).split())}", 0)

    def _load_project(
        self,
        project: Project,
        path: Path,
        show_errors: bool = True,
        new: Session | None = None,
        progress: BackgroundLoad | None = None,
    ) -> bool:
        """Replace the session by ``project``: checked whole into a new Session first
        (``new``, when the caller built it already), so any failure leaves the open
        session exactly as it was. Should taking it over still fail (a view raising on
        the change), the session before is put back whole."""
        if self.controller.is_running:
            self.controller.pause()  # the copy to put back is of a session at rest
        # What to put back: shares the immutable snapshot and data (milliseconds; a
        # Session rebuilt from a Project would compute its snapshot again).
        previous = self.session.copy()
        if new is None:
            # Off the GUI thread and cancellable when there is a progress to show.
            run = progress.run if progress is not None else _call
            new = self._checked(run, path, show_errors, Session.from_project, project)
            if new is None:
                return False
        if progress is not None:
            progress.showing(f"Showing {path.name}: the views draw the new data…")
        try:
            self.session.replace_with(new)
        except Exception as exc:
            self.session.replace_with(previous)
            self._report_open_failure(path, exc, show_errors)
            return False
        if self.practice is not None and project.practice is not None:
            self.practice.load_state(project.practice)  # checked when the file was read
        return True

    def _last_directory(self) -> str:
        return str(app_settings().value("files/last_directory", str(Path.home())))

    def _remember_directory(self, path: str) -> None:
        app_settings().setValue("files/last_directory", str(Path(path).parent))

    def open_project(self) -> None:
        """Ask for a project file and open it."""
        if not self.maybe_save("opening another project"):
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", self._last_directory(), PROJECT_FILTER
        )
        if path:
            self._remember_directory(path)
            self.open_project_from(path, ask_to_save=False)

    def save_project(self) -> bool:
        """Save to the current project file (asks for a name the first time)."""
        if self.project_path is None:
            return self.save_project_as()
        return self.save_project_to(self.project_path)

    def save_project_as(self) -> bool:
        """Ask for a file name and save; False when cancelled or the save failed."""
        path = self.choose_save_path()
        if not path:
            return False
        self._remember_directory(path)
        return self.save_project_to(path)

    def choose_save_path(self) -> str:
        """The Save As file chooser ("" for cancel); tests replace it."""
        start = str(Path(self._last_directory()) / f"network{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, PROJECT_FILTER)
        return path

    # ------------------------------------------------------------- exports
    def _export(self, what: str, function, path: str) -> bool:
        try:
            function(path)
        except (OSError, ValueError) as exc:
            show_error(self, f"Could not export the {what} to {path}.", str(exc))
            return False
        self.show_message(f"Exported the {what} to {path}")
        return True

    def export_loss_csv(self, path: str | Path) -> bool:
        """Write the loss history (epoch, train loss, test loss) as CSV."""
        self.flush_losses()
        return self._export("loss history", self.session.history.write_csv, str(path))

    def export_network_image(self, path: str | Path) -> bool:
        """Write the network picture as PNG or SVG (by the suffix)."""
        return self._export("network picture", self.network_view.export_image, str(path))

    def export_loss_plot_image(self, path: str | Path) -> bool:
        """Write the loss plot as PNG or SVG (by the suffix)."""
        self.flush_losses()
        return self._export("loss plot", self.loss_plot.export_image, str(path))

    def _ask_export_path(self, title: str, name: str, filters: str) -> str:
        start = str(Path(self._last_directory()) / name)
        path, _ = QFileDialog.getSaveFileName(self, title, start, filters)
        if path:
            self._remember_directory(path)
        return path

    def _export_loss_csv_dialog(self) -> None:
        path = self._ask_export_path("Export loss history", "loss.csv", "CSV files (*.csv)")
        if path:
            self.export_loss_csv(path)

    def _export_network_dialog(self) -> None:
        path = self._ask_export_path(
            "Export network picture", "network.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            self.export_network_image(path)

    def _export_loss_plot_dialog(self) -> None:
        path = self._ask_export_path(
            "Export loss plot", "loss.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            self.export_loss_plot_image(path)
