"""The main window: network view in the middle, panels as docks, menus, toolbar, status bar.

The window composes the panels; the project files live in :mod:`.project_io`, the
dock arrangement in :mod:`.dock_layout`. Other panels plug in through the small
:class:`~backprop_lab.gui.window_host.PanelHost` interface (``add_panel_dock``,
``menu``, ``add_menu``, ``show_message``, ``export_menu``); they talk to training
only through ``window.controller`` (a :class:`TrainingController`).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu, QMessageBox, QToolBar

from backprop_lab.core.datasets import DATASETS
from backprop_lab.core.features import feature_label
from backprop_lab.core.presets import PRESETS
from backprop_lab.core.trainer import Divergence
from backprop_lab.gui.autosave import Autosaver
from backprop_lab.gui.controls import ControlPanel, TrainingActions, format_loss
from backprop_lab.gui.dialogs import scrolled, show_about, show_error
from backprop_lab.gui.dock_layout import (  # noqa: F401 - old names, still importable here
    DOCK_LAYOUT_VERSION,
    LEFT_BOTTOM_TABS,
    LEFT_COLUMN_WIDTH,
    LEFT_TOP_TABS,
    LOSS_PLOT_HEIGHT,
    RIGHT_BOTTOM_TABS,
    RIGHT_COLUMN_WIDTH,
    RIGHT_TOP_TABS,
    DockLayout,
)
from backprop_lab.gui.icons import app_icon, icon
from backprop_lab.gui.loss_plot import LossPlot
from backprop_lab.gui.network_view import NetworkView
from backprop_lab.gui.project_io import PROJECT_FILTER, ProjectIO  # noqa: F401
from backprop_lab.gui.settings_panel import SettingsPanel
from backprop_lab.gui.settings_store import (  # noqa: F401 - old names
    APPLICATION_NAME,
    ORGANISATION_NAME,
    app_settings,
)
from backprop_lab.gui.training import TrainingController
from backprop_lab.gui.view_turns import ViewTurns
from backprop_lab.gui.weight_table import WeightTable

#: How often the loss plot receives new epochs while training runs.
LOSS_PLOT_UPDATES_PER_SECOND = 10

COLOUR_MODES = (
    ("weight", "Colour by &weight"),
    ("gradient", "Colour by &gradient"),
    ("update", "Colour by last &update"),
)


class MainWindow(ProjectIO, DockLayout, QMainWindow):
    """Backprop Lab's window, opening on the seed example, ready to Step.

    Attributes
    ----------
    controller
        The :class:`TrainingController`.
    network_view, loss_plot, weight_table, control_panel, settings_panel
        The widgets.
    menus
        ``{"file", "edit", "view", "training", "data", "help"}`` -> QMenu.
    docks
        Every dock widget by name.
    """

    def __init__(
        self,
        controller: TrainingController | None = None,
        restore_settings: bool = True,
    ) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowIcon(app_icon())
        self.controller = controller if controller is not None else TrainingController(self)
        self.project_path: Path | None = None
        self.divergence_message: QMessageBox | None = None
        self._suggested_learning_rate = 0.1
        #: The one truth every view draws (data, settings, weights, history, what is shown).
        self.session = self.controller.session
        #: Whether the loss plot's marker and editing were last set for the live network.
        self._marked_live = True
        self._closed = False
        #: The default layout's dock sizes only take once the window is laid out.
        self._arrange_when_shown = True
        #: The dock arrangement arrange_docks made first (View ▸ Restore default layout).
        self._default_state: QByteArray | None = None
        #: Whether restore_settings put the window where the student left it.
        self._geometry_restored = False
        self.session_name = "Seed example"
        #: ``callable(question) -> "save" | "discard" | "cancel"``, asked before
        #: unsaved changes would be lost (close, New, Open, Open example). None
        #: means nobody can answer (offscreen: tests, --self-test, --screenshot),
        #: and the changes are discarded as asked. Tests replace it.
        self.ask_save_changes: Callable[[str], str] | None = (
            None
            if QGuiApplication.platformName() in ("offscreen", "minimal")
            else self.ask_save_changes_dialog
        )
        self.autosaver: Autosaver | None = None
        #: The data tools and the inspector, installed below.
        self.data_tools = None
        self.inspector = None
        self.practice = None

        self.network_view = NetworkView()
        self.setCentralWidget(self.network_view)
        self.loss_plot = LossPlot(self.controller.settings()["loss"])
        self.loss_plot.use_history(self.session.history)
        self.weight_table = WeightTable()
        self.training_actions = TrainingActions(self.controller, self)
        self.control_panel = ControlPanel(self.controller, self.training_actions)
        self.settings_panel = SettingsPanel(self.controller)

        #: The views catch up with a new snapshot one per event-loop turn.
        self.view_turns = ViewTurns(self)
        self.view_turns.add("network", self.network_view.catch_up)
        self.view_turns.add("weights", self.weight_table.catch_up)

        self.docks: dict[str, QDockWidget] = {}
        self.menus = {}
        self._build_menus()
        self._build_toolbar()
        self.add_panel_dock("controls", "Training", scrolled(self.control_panel))
        self.add_panel_dock(
            "settings",
            "Network settings",
            scrolled(self.settings_panel, footer=self.settings_panel.apply_bar),
        )
        self.add_panel_dock("loss", "Loss", self.loss_plot)
        self.add_panel_dock("weights", "Weights", self.weight_table)
        # Side columns run the full height; the loss plot sits under the network only.
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )
        self._build_status_bar()
        self._connect()

        snapshot = self.controller.current_snapshot()
        self._show_names()
        self.network_view.set_snapshot(snapshot)
        self.weight_table.set_snapshot(snapshot)
        self.network_view.set_editable(True)
        self._show_status(snapshot)
        self._update_title()
        self.resize(*self.default_size())
        # The data tools (issue 4) and the backpropagation inspector (issue 5)
        # add their own docks and menus; installed before the saved layout is
        # restored so their docks come back where the student left them.
        from .data_tools import install_data_tools
        from .inspector import install_inspector

        self.data_tools = install_data_tools(self)
        self.inspector = install_inspector(self)
        # The step inspector one click away (also in presentation mode): Step phase
        # shows the Step phases panel and walks one phase.
        step_phase = self.inspector.step_phase_action
        step_phase.setIcon(icon("step-phase"))
        step_phase.setIconText("Step phase")
        step_phase.setStatusTip(
            "Walk one step phase by phase (Forward, Backward, Update) in the Step phases"
            " panel (Ctrl+→)"
        )
        self.toolbar.addSeparator()
        self.toolbar.addAction(step_phase)
        from .code_export import install_code_export

        self.code_export = install_code_export(self)
        from .layer_stats_panel import install_layer_stats

        self.layer_stats = install_layer_stats(self)
        from .landscape_panel import install_landscape_panel

        self.landscape_panel = install_landscape_panel(self)
        from .practice_panel import install_practice

        self.practice = install_practice(self)
        from .penalty_curve import install_penalty_curve

        self.penalty_curve = install_penalty_curve(self)
        from .view_toggles import install_view_toggles

        self.discretize_action, self.show_test_action = install_view_toggles(
            self, self.data_tools.plot
        )
        # Small screens, projectors, keys that always work (issue 12).
        from .screen_fit import install_screen_fit, set_default_button

        self.presentation = install_screen_fit(
            self,
            [
                self.network_view.set_line_factor,
                self.loss_plot.set_line_factor,
                self.data_tools.plot.set_line_factor,
            ],
            self.set_presentation_layout,
        )
        self.menus["view"].insertAction(self.default_layout_action, self.presentation.action)
        set_default_button(self.docks["settings"].widget(), self.settings_panel.apply_button)
        self.arrange_docks()
        if restore_settings:
            self.restore_settings()
        # Restoring the view choices goes through the controller; the session
        # itself is still exactly the one the window opened on.
        self.set_modified(False)

    # ------------------------------------------------------------ building
    def _build_menus(self) -> None:
        bar = self.menuBar()
        names = [
            ("file", "&File"),
            ("edit", "&Edit"),
            ("view", "&View"),
            ("training", "&Training"),
            ("data", "&Data"),
            ("help", "&Help"),
        ]
        for key, title in names:
            self.menus[key] = bar.addMenu(title)

        file_menu = self.menus["file"]
        self.new_action = file_menu.addAction(icon("new"), "&New session", self.new_session)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.open_action = file_menu.addAction(icon("open"), "&Open project…", self.open_project)
        self.open_action.setShortcut(QKeySequence("Ctrl+O"))
        self.save_action = file_menu.addAction(icon("save"), "&Save project", self.save_project)
        self.save_action.setShortcut(QKeySequence("Ctrl+S"))
        self.save_as_action = file_menu.addAction("Save project &as…", self.save_project_as)
        self.save_as_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        examples = file_menu.addMenu("Open &example")
        self.example_actions: dict[str, QAction] = {}
        for key, preset in PRESETS.items():
            action = examples.addAction(
                preset.name, lambda _checked=False, k=key: self.open_example(k)
            )
            action.setStatusTip(preset.description)
            action.setToolTip(preset.description)
            self.example_actions[key] = action
        file_menu.addSeparator()
        export = self.export_menu = file_menu.addMenu(icon("export"), "&Export")
        export.addAction("Loss history as &CSV…", self._export_loss_csv_dialog)
        export.addAction("&Network picture (PNG or SVG)…", self._export_network_dialog)
        export.addAction("&Loss plot (PNG or SVG)…", self._export_loss_plot_dialog)
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction("&Quit", self.close)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        edit = self.menus["edit"]
        edit.addAction(icon("copy"), "&Copy weights as text", self.copy_weights)

        view = self.menus["view"]
        self._dock_menu_anchor = view.addSeparator()
        colour_group = QActionGroup(self)
        self.colour_actions: dict[str, QAction] = {}
        for mode, label in COLOUR_MODES:
            action = view.addAction(label)
            action.setCheckable(True)
            action.setChecked(mode == "weight")
            action.triggered.connect(lambda _checked=False, m=mode: self.set_colour_mode(m))
            colour_group.addAction(action)
            self.colour_actions[mode] = action
        view.addSeparator()
        self.log_y_action = view.addAction("&Logarithmic loss axis")
        self.log_y_action.setCheckable(True)
        self.log_y_action.toggled.connect(self.loss_plot.set_log_y)
        view.addSeparator()
        self.default_layout_action = view.addAction("Restore default &layout", self.arrange_docks)
        self.default_layout_action.setStatusTip(
            "Put every panel back where it was on first launch (and show the hidden ones)"
        )

        training = self.menus["training"]
        for action in self.training_actions.all():
            training.addAction(action)
            self.addAction(action)

        data = self.menus["data"]
        self.dataset_actions: dict[str, QAction] = {}
        for name in DATASETS:
            action = data.addAction(f"Use {name}", lambda n=name: self.use_example_dataset(n))
            self.dataset_actions[name] = action

        help_menu = self.menus["help"]
        about = help_menu.addAction(icon("about"), "&About Backprop Lab", lambda: show_about(self))
        about.setMenuRole(QAction.MenuRole.AboutRole)

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar("Main toolbar")
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.toolbar.addAction(self.open_action)
        self.toolbar.addAction(self.save_action)
        self.toolbar.addSeparator()
        for action in self.training_actions.all():
            self.toolbar.addAction(action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.menus["view"].insertAction(self._dock_menu_anchor, self.toolbar.toggleViewAction())

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.state_label = QLabel("Paused")
        self.epoch_label = QLabel()
        self.loss_label = QLabel()
        self.state_label.setToolTip("Whether training is running (Space runs and pauses)")
        self.epoch_label.setToolTip("Epochs trained so far")
        self.loss_label.setToolTip("Training loss of the weights shown (after the last update)")
        # These change with every snapshot: a fixed width (from the font, for the
        # widest text they can show) keeps each change from re-laying out the window.
        for label in (self.state_label, self.epoch_label, self.loss_label):
            label.setContentsMargins(8, 0, 8, 0)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            status.addPermanentWidget(label)
        self._fit_status_labels()
        self.show_message("Ready: press Step (→) to train one epoch, or Run (Space).")

    def _fit_status_labels(self) -> None:
        """Fixed sizes for the widest text each status label shows, in the current font
        (again when presentation mode changes it)."""
        metrics = self.statusBar().fontMetrics()
        widest = {
            self.state_label: "Running",
            self.epoch_label: "Epoch 999,999,999",
            self.loss_label: "Loss -8.88888e-888",
        }
        for label, text in widest.items():
            # Width and height both fixed: only then does Qt skip the layout request.
            label.setFixedSize(metrics.horizontalAdvance(text) + 16 + 4, metrics.height() + 4)

    def _connect(self) -> None:
        c = self.controller
        c.snapshot_ready.connect(self._on_snapshot)
        c.history_changed.connect(self.loss_plot.history_changed)
        c.modified_changed.connect(self.setWindowModified)
        c.network_reset.connect(self._on_network_reset)
        c.state_changed.connect(self._on_state_changed)
        c.diverged.connect(self._on_diverged)
        c.stop_condition_reached.connect(self._on_stop_condition)
        c.settings_changed.connect(self._on_settings_changed)
        c.data_changed.connect(lambda _data: self._show_names())
        c.error_occurred.connect(self._on_worker_error)
        c.session_changed.connect(self._on_session_changed)
        self.network_view.parameter_selected.connect(self.weight_table.select)
        self.weight_table.parameter_selected.connect(self.network_view.select)
        self.network_view.weight_edit_requested.connect(self._on_weight_edit)
        self.network_view.colour_mode_changed.connect(self._on_colour_mode_changed)
        self.network_view.status_message_posted.connect(self.show_message)
        self.control_panel.message_posted.connect(self.show_message)
        self.settings_panel.message_posted.connect(self.show_message)
        self.docks["weights"].visibilityChanged.connect(self._flush_weight_table)

    # --------------------------------------------------------- live updates
    def _on_snapshot(self, snapshot) -> None:
        # Every view stores the snapshot now (whatever asks them gets its numbers);
        # each recomputes and repaints in a turn of its own (gui/view_turns.py), so
        # one snapshot never holds the GUI thread for all the views at once.
        self.network_view.set_snapshot(snapshot, deferred=True)
        self.weight_table.set_snapshot(snapshot, deferred=True)
        self.view_turns.mark_behind(["network", "weights"])
        self._show_status(snapshot)
        if not (self.session.is_live and self._marked_live):
            self._show_shown_state()

    def views_current(self) -> bool:
        """True when every view shows the newest snapshot (none waits for its turn)."""
        return self.view_turns.is_current()

    def catch_up_views(self) -> None:
        """Bring every view up to date now instead of in its own turn."""
        self.view_turns.catch_up_now()

    def _flush_weight_table(self, visible: bool) -> None:
        if visible:
            self.weight_table.catch_up()

    def flush_losses(self) -> None:
        """Kept for callers of old: the loss plot draws the session's history itself."""

    def _on_network_reset(self, snapshot) -> None:
        # The session cleared the loss history (the plot heard it) and shows this network.
        self.loss_plot.set_loss_name(snapshot.loss_name)
        self._show_names()  # new feature inputs come with a new network
        self.network_view.select(None)
        self.weight_table.select(None)
        self.network_view.set_snapshot(snapshot)
        self.weight_table.set_snapshot(snapshot)
        self._show_status(snapshot)
        self._show_shown_state()

    def _on_state_changed(self, state: str) -> None:
        running = state == "running"
        self.state_label.setText("Running" if running else "Paused")
        self._show_shown_state()

    def _on_diverged(self, divergence: Divergence) -> None:
        # The trainer undid the epoch whose update made the loss explode (full
        # batch); the session forgot its loss (the controller told it).
        text = divergence.message
        self.show_message(text, 0)
        learning_rate = self.controller.settings()["learning_rate"]
        smaller = float(f"{learning_rate / 10:.3g}")
        box = self.divergence_message
        if box is None:
            # One non-modal box, reused: training can go on while it is open.
            box = QMessageBox(QMessageBox.Icon.Warning, "Training diverged", "", parent=self)
            box.setModal(False)
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.addButton(QMessageBox.StandardButton.Ok)
            self.divergence_reset_button = box.addButton("Reset", QMessageBox.ButtonRole.ActionRole)
            self.divergence_reset_button.clicked.connect(
                lambda: self.reset_with_learning_rate(self._suggested_learning_rate)
            )
            self.divergence_message = box
        self._suggested_learning_rate = smaller
        self.divergence_reset_button.setText(f"Reset with learning rate {smaller:g}")
        box.setText(text)
        box.setInformativeText(
            "The loss is no longer a finite number, so training paused. The network shows "
            "the last finite weights. Lower the learning rate, then Step or Run again. "
            "These weights are often already so large that any step diverges again: "
            "then Reset (back to the initial weights) with a smaller learning rate."
        )
        box.show()
        box.raise_()

    def reset_with_learning_rate(self, learning_rate: float) -> None:
        """Set ``learning_rate`` and go back to the initial weights (after a divergence)."""
        try:
            self.controller.set_learning_rate(learning_rate)
        except ValueError as exc:
            self.show_message(f"Learning rate not changed: {exc}")
            return
        self.controller.reset()
        self.show_message(
            f"Reset to epoch 0 with learning rate {learning_rate:g}: press Step or Run."
        )

    def _on_stop_condition(self, message: str) -> None:
        self.show_message(message, 0)

    def _on_settings_changed(self, settings: dict) -> None:
        self.loss_plot.set_loss_name(settings["loss"])

    def _on_worker_error(self, details: str) -> None:
        show_error(
            self,
            "Training stopped because of an unexpected error. "
            "Your network and settings are unchanged; you can keep working.",
            details,
        )

    def _on_weight_edit(self, ref, value: float) -> None:
        try:
            self.controller.set_parameter(ref, value)
        except ValueError as exc:
            self.show_message(f"{ref.name} not changed: {exc}")
            return
        self.show_message(f"{ref.name} set to {value:g}")

    def _on_colour_mode_changed(self, mode: str) -> None:
        action = self.colour_actions.get(mode)
        if action is not None and not action.isChecked():
            action.setChecked(True)

    def set_colour_mode(self, mode: str) -> None:
        """Colour edges by ``"weight"``, ``"gradient"`` or ``"update"``."""
        self.network_view.set_colour_mode(mode)
        self.colour_actions[mode].setChecked(True)

    def _show_status(self, snapshot) -> None:
        rewound = "" if self.session.is_live else " (rewound)"
        self.epoch_label.setText(f"Epoch {snapshot.epoch:,}{rewound}")
        loss = snapshot.train_loss
        self.loss_label.setText(f"Loss {format_loss(loss)}")

    def _show_shown_state(self) -> None:
        """Live or rewound: the loss plot's marker, and editing only on the live network."""
        session = self.session
        self._marked_live = session.is_live
        if session.is_live:
            self.loss_plot.set_marker(None)
        else:
            shown = session.shown_snapshot
            self.loss_plot.set_marker(shown.epoch, (shown.train_loss, shown.test_loss))
        self.network_view.set_editable(session.is_live and not self.controller.is_running)

    def _show_names(self) -> None:
        train, _test = self.controller.dataset()
        # Feature inputs are the input nodes: name them (x₁², sin x₂, ...), not the data.
        features = getattr(self.controller.live_snapshot(), "features", None)
        inputs = [feature_label(f) for f in features] if features else list(train.input_names)
        self.network_view.set_names(inputs, list(train.target_names))

    def menu(self, key: str) -> QMenu:
        """One of the menus (``"file"``, ``"edit"``, ``"view"``, ``"training"``, ...)."""
        return self.menus[key]

    def add_menu(self, key: str, title: str, before: str = "help") -> QMenu:
        """A new menu in the menu bar, before the menu ``before`` (at the end if none)."""
        menu = QMenu(title, self)
        anchor = self.menus.get(before)
        if anchor is not None:
            self.menuBar().insertMenu(anchor.menuAction(), menu)
        else:
            self.menuBar().addMenu(menu)
        self.menus[key] = menu
        return menu

    def show_message(self, text: str, timeout_ms: int = 6000) -> None:
        """A message in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def _update_title(self) -> None:
        name = self.project_path.name if self.project_path else self.session_name
        # "[*]" is where Qt puts the modified marker "*" (and macOS its dot).
        self.setWindowTitle(f"{name}[*] — Backprop Lab")
        self.setWindowModified(self.session.modified)

    def copy_weights(self) -> None:
        """Copy every weight matrix and bias vector as text, for a worksheet."""
        snapshot = self.controller.current_snapshot()
        lines = [f"Epoch {snapshot.epoch}, loss {format_loss(snapshot.train_loss)}"]
        with np.printoptions(precision=6, suppress=True):
            for l, w in enumerate(snapshot.weights, start=1):
                lines.append(f"W{l} =\n{w}")
                if snapshot.biases is not None:
                    lines.append(f"b{l} = {snapshot.biases[l - 1]}")
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        self.show_message("Weights copied to the clipboard")

    # ------------------------------------------------------------ settings
    def restore_settings(self) -> None:
        """Window geometry, dock layout and view choices from the last session."""
        store = app_settings()
        geometry = store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self._geometry_restored = self.restoreGeometry(geometry)
        state = store.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            # A layout saved by another dock arrangement is refused (False): the
            # default arrangement stays.
            if self.restoreState(state, DOCK_LAYOUT_VERSION):
                self._arrange_when_shown = False
        view = store.value("view/settings")
        if isinstance(view, str):
            try:
                saved = json.loads(view)
            except ValueError:
                saved = {}
            self._apply_view_settings(saved if isinstance(saved, dict) else {})

    def _apply_view_settings(self, saved: dict) -> None:
        mode = saved.get("colour_mode")
        if mode in self.colour_actions:
            self.set_colour_mode(mode)
        self.log_y_action.setChecked(bool(saved.get("log_y", False)))
        count = saved.get("step_count")
        if isinstance(count, int) and count >= 1:
            self.control_panel.step_count_box.setValue(count)
        speed = saved.get("epochs_per_second")
        if speed is None or (
            isinstance(speed, (int, float)) and math.isfinite(speed) and speed > 0
        ):
            try:
                self.apply_speed_preference(speed)
            except ValueError:
                pass

    def apply_speed_preference(self, epochs_per_second: float | None) -> None:
        """Train at a remembered (or first-start) pace without calling the session changed.

        The pace is saved in project files, but applying the student's remembered choice
        at start-up is not an edit: an untouched example must not open as "modified".
        """
        was_modified = self.session.modified
        self.controller.set_speed(epochs_per_second)
        if not was_modified:
            self.session.mark_saved()

    def view_settings(self) -> dict:
        """What the window remembers besides geometry."""
        return {
            "colour_mode": self.network_view.colour_mode(),
            "log_y": self.log_y_action.isChecked(),
            "step_count": self.training_actions.step_count,
            "epochs_per_second": self.controller.settings()["epochs_per_second"],
        }

    def save_settings(self) -> None:
        """Remember geometry, dock layout and view choices."""
        store = app_settings()
        store.setValue("window/geometry", self.saveGeometry())
        # Presentation mode is not remembered: the arrangement from before it is.
        store.setValue("window/state", self.normal_state())
        store.setValue("view/settings", json.dumps(self.view_settings()))
        store.sync()

    # --------------------------------------------------------------- close
    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved changes, stop training, join the thread, remember the layout."""
        if not self._closed:
            try:
                go_on = self.maybe_save("closing")
            except Exception:  # the question itself failed: keep the work, say why
                sys.excepthook(*sys.exc_info())
                go_on = False
            if not go_on:
                event.ignore()
                return
            self._closed = True
            try:
                self.save_settings()
            finally:
                # Gone from the screen at once, even while an epoch still ends.
                self.hide()
                self.controller.shutdown()
                self.landscape_panel.shutdown()
                if self.autosaver is not None:
                    self.autosaver.stop(remove=True)
                if self.divergence_message is not None:
                    self.divergence_message.close()
        super().closeEvent(event)

    def changeEvent(self, event) -> None:
        """Maximising (or leaving it) re-applies the default column widths for the new
        size: the extra room goes to the network, not to whichever dock Qt picks."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange and self.isVisible():
            QTimer.singleShot(0, self.size_docks)
        elif event.type() == QEvent.Type.FontChange:
            self._fit_status_labels()

    def show_first(self) -> None:
        """Show the window on start: maximised on a screen smaller than the default
        window (a projector, a small laptop), unless it was left elsewhere last time."""
        if not self._geometry_restored and self.screen_is_small():
            self.showMaximized()
        else:
            self.show()

    def showEvent(self, event) -> None:
        """On the first show, size the default layout's docks for the real window size."""
        super().showEvent(event)
        if self._arrange_when_shown:
            # Dock sizes only take once the window is laid out: after this event.
            self._arrange_when_shown = False
            QTimer.singleShot(0, self.size_docks)

    def shutdown(self) -> None:
        """Stop training and join the thread (also done by closing)."""
        self.controller.shutdown()
