"""The main window: network view in the middle, panels as docks, menus, toolbar, status bar.

Other panels plug in with ``window.addDockWidget(...)`` and
``window.register_dock(dock)`` (which adds it to the View menu); they talk to
training only through ``window.controller`` (a :class:`TrainingController`).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QWidget,
)

from backprop_lab.core.datasets import DATASETS, make_dataset
from backprop_lab.core.network import NO_MISTAKES, Mistakes
from backprop_lab.core.presets import PRESETS, get_preset
from backprop_lab.core.project_file import (
    PROJECT_SUFFIX,
    Project,
    ProjectFileError,
    load_project,
    save_project,
)
from backprop_lab.core.trainer import Divergence
from backprop_lab.gui.autosave import Autosaver
from backprop_lab.gui.controls import ControlPanel, TrainingActions, format_loss
from backprop_lab.gui.dialogs import scrolled, show_about, show_error
from backprop_lab.gui.icons import app_icon, icon
from backprop_lab.gui.loss_plot import LossPlot
from backprop_lab.gui.network_view import NetworkView
from backprop_lab.gui.settings_panel import SettingsPanel
from backprop_lab.gui.training import TrainingController
from backprop_lab.gui.weight_table import WeightTable

ORGANISATION_NAME = "Backprop Lab"
APPLICATION_NAME = "Backprop Lab"
#: How often the loss plot receives new epochs while training runs.
LOSS_PLOT_UPDATES_PER_SECOND = 10

PROJECT_FILTER = f"Backprop Lab projects (*{PROJECT_SUFFIX});;All files (*)"
#: Version of the dock arrangement in the saved window state: a layout saved by
#: an older arrangement is not restored (the window opens on the default one).
DOCK_LAYOUT_VERSION = 2
#: Default widths of the left (training, inspection) and right (weights, data)
#: dock columns, and the loss plot's height, at the default 1440 x 900 window.
LEFT_COLUMN_WIDTH = 385
RIGHT_COLUMN_WIDTH = 410
LOSS_PLOT_HEIGHT = 230
#: The tab groups arrange_docks builds: the first dock of each group is the one on
#: top. The essentials (controls, weights, data plot, loss) are each on top of
#: their own group; the inspection panels are tabs beside them (the mistakes lab
#: changes how training computes, so it sits with the training controls).
LEFT_TOP_TABS = ("controls", "settings", "mistakes")
LEFT_BOTTOM_TABS = ("phases", "chain_rule", "gradient_check", "rewind")
RIGHT_TOP_TABS = ("weights",)
RIGHT_BOTTOM_TABS = ("data_plot", "data")
COLOUR_MODES = (
    ("weight", "Colour by &weight"),
    ("gradient", "Colour by &gradient"),
    ("update", "Colour by last &update"),
)


def app_settings() -> QSettings:
    """The user's settings store (an INI file; tests redirect it with QSettings.setPath)."""
    return QSettings(
        QSettings.Format.IniFormat,
        QSettings.Scope.UserScope,
        ORGANISATION_NAME,
        APPLICATION_NAME,
    )


def _mistakes_to_dict(mistakes: Mistakes) -> dict[str, bool]:
    """The mistakes-lab switches as a project file stores them."""
    return {
        "derivative_of_pre_activation": mistakes.derivative_of_pre_activation,
        "pre_activation_in_update": mistakes.pre_activation_in_update,
    }


def _mistakes_from_dict(data) -> Mistakes:
    """Read the mistakes-lab switches of a project file (absent: none); ValueError if bad."""
    if data is None:
        return NO_MISTAKES
    if not isinstance(data, dict) or set(data) - set(_mistakes_to_dict(NO_MISTAKES)):
        raise ValueError(f"the mistakes entry is not understood: {data!r}")
    if not all(isinstance(value, bool) for value in data.values()):
        raise ValueError("the mistakes entry must hold true/false switches")
    return Mistakes(**data)


class MainWindow(QMainWindow):
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
        self._pending_snapshots: dict[str, object] = {}
        self._loss_batches: list = []
        self._loss_timer = QTimer(self)
        self._loss_timer.setSingleShot(True)
        self._loss_timer.setInterval(int(1000 / LOSS_PLOT_UPDATES_PER_SECOND))
        self._loss_timer.timeout.connect(self.flush_losses)
        self._closed = False
        self._modified = False
        #: The default layout's dock sizes only take once the window is laid out.
        self._arrange_when_shown = True
        #: The dock arrangement arrange_docks made first (View ▸ Restore default layout).
        self._default_state: QByteArray | None = None
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

        self.network_view = NetworkView()
        self.setCentralWidget(self.network_view)
        self.loss_plot = LossPlot(self.controller.settings()["loss"])
        self.weight_table = WeightTable()
        self.training_actions = TrainingActions(self.controller, self)
        self.control_panel = ControlPanel(self.controller, self.training_actions)
        self.settings_panel = SettingsPanel(self.controller)

        self.docks: dict[str, QDockWidget] = {}
        self.menus = {}
        self._build_menus()
        self._build_toolbar()
        self.add_panel_dock("controls", "Training", scrolled(self.control_panel))
        self.add_panel_dock("settings", "Network settings", scrolled(self.settings_panel))
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
        export = file_menu.addMenu(icon("export"), "&Export")
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

    def add_panel_dock(self, name: str, title: str, widget: QWidget) -> QDockWidget:
        """A dock holding ``widget``, listed in the View menu as ``title``.

        Docks made before the window's first :meth:`arrange_docks` are placed by
        it (see LEFT_TOP_TABS ...); later ones become tabs beside the step phases.
        """
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.register_dock(dock, name)
        if self._default_state is not None:
            anchor = self.docks.get(LEFT_BOTTOM_TABS[0])
            if anchor is not None and anchor is not dock:
                self.tabifyDockWidget(anchor, dock)
            else:
                self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
            self.layout().activate()
        return dock

    @staticmethod
    def default_size() -> tuple[int, int]:
        """1440 x 900, or less on a smaller screen (the whole window stays visible)."""
        screen = QGuiApplication.primaryScreen()
        width, height = 1440, 900
        if screen is not None:
            available = screen.availableGeometry()
            if available.width() > 0 and available.height() > 0:
                width = min(width, int(available.width() * 0.95))
                height = min(height, int(available.height() * 0.92))
        return max(width, 800), max(height, 560)

    def arrange_docks(self) -> None:
        """Put every dock in its default place and size, and show it.

        Left column: the training controls (tabs: network settings, mistakes
        lab) above the inspection panels (tabs: step phases, chain rule,
        gradient check, rewind). Centre: the network, the loss plot under it.
        Right column: the weight tables above the data plot (tab: data table).
        The first dock of each tab group is on top. Also View ▸ Restore default layout.
        """
        groups = self._dock_groups()
        if self._default_state is None:
            self._place_docks(groups)
            self._default_state = self.saveState(DOCK_LAYOUT_VERSION)
        else:
            # Moving docks that are already tabbed leaves stale tab bars drawn over
            # the panels; a whole restored state is clean.
            self.restoreState(self._default_state, DOCK_LAYOUT_VERSION)
        for dock in self.docks.values():
            if self.dockWidgetArea(dock) == Qt.DockWidgetArea.NoDockWidgetArea:
                self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
            dock.setFloating(False)
            dock.show()
        for group in groups:
            if group:
                group[0].raise_()
        self._arrange_when_shown = not self.isVisible()
        self.size_docks()

    def _place_docks(self, groups: list[list[QDockWidget]]) -> None:
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        vertical = Qt.Orientation.Vertical
        left_top, left_bottom, right_top, right_bottom = groups
        for area, top, bottom in ((left, left_top, left_bottom), (right, right_top, right_bottom)):
            if not top and bottom:
                top, bottom = bottom, []
            if not top:
                continue
            self.addDockWidget(area, top[0], vertical)
            self.layout().activate()
            if bottom:
                self.splitDockWidget(top[0], bottom[0], vertical)
                self.layout().activate()
            for group in (top, bottom):
                for dock in group[1:]:
                    self.tabifyDockWidget(group[0], dock)
                    # Qt swaps a group's tab bar as tabs are added; unless the layout
                    # is applied in between, the old bar stays drawn, clipped, over
                    # the panels (the stray "Data | Da…" bar over the loss plot).
                    self.layout().activate()
        if "loss" in self.docks:
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.docks["loss"])
        placed = {id(d) for group in groups for d in group} | {id(self.docks.get("loss"))}
        anchor = (left_bottom or left_top or [None])[0]
        for dock in self.docks.values():  # anyone else's docks: tabs beside the inspection
            if id(dock) in placed:
                continue
            if anchor is not None:
                self.tabifyDockWidget(anchor, dock)
            else:
                self.addDockWidget(left, dock)
            self.layout().activate()

    def _dock_groups(self) -> list[list[QDockWidget]]:
        names = (LEFT_TOP_TABS, LEFT_BOTTOM_TABS, RIGHT_TOP_TABS, RIGHT_BOTTOM_TABS)
        return [[self.docks[n] for n in group if n in self.docks] for group in names]

    def size_docks(self) -> None:
        """Give the default layout's docks their default sizes for the window's size."""
        groups = self._dock_groups()
        left_top, left_bottom, right_top, right_bottom = groups
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        width, height = self.width(), self.height()
        column_docks, column_widths = [], []
        for group, share in (
            (left_top or left_bottom, LEFT_COLUMN_WIDTH),
            (right_top or right_bottom, RIGHT_COLUMN_WIDTH),
        ):
            if group:
                column_docks.append(group[0])
                column_widths.append(max(260, round(share * width / 1440)))
        if column_docks:
            self.resizeDocks(column_docks, column_widths, horizontal)
        usable = max(300, height - 140)  # menu bar, toolbar, status bar
        if left_top and left_bottom:
            # The controls get what they need; the inspection tabs the rest.
            controls = min(max(self.control_panel.sizeHint().height() + 40, 280), usable // 2)
            self.resizeDocks([left_top[0], left_bottom[0]], [controls, usable - controls], vertical)
        if right_top and right_bottom:
            weights = round(usable * 0.46)
            self.resizeDocks([right_top[0], right_bottom[0]], [weights, usable - weights], vertical)
        if "loss" in self.docks:
            self.resizeDocks(
                [self.docks["loss"]], [max(180, round(LOSS_PLOT_HEIGHT * height / 900))], vertical
            )

    def register_dock(self, dock: QDockWidget, name: str | None = None) -> None:
        """List ``dock`` in the View menu (docks added by other panels call this too)."""
        key = name or dock.objectName() or dock.windowTitle()
        self.docks[key] = dock
        self.menus["view"].insertAction(self._dock_menu_anchor, dock.toggleViewAction())

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
        metrics = self.fontMetrics()
        widest = {
            self.state_label: "Running",
            self.epoch_label: "Epoch 999,999,999",
            self.loss_label: "Loss -8.88888e-888",
        }
        for label, text in widest.items():
            label.setContentsMargins(8, 0, 8, 0)
            # Width and height both fixed: only then does Qt skip the layout request.
            label.setFixedSize(metrics.horizontalAdvance(text) + 16 + 4, label.sizeHint().height())
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            status.addPermanentWidget(label)
        self.show_message("Ready: press Step (→) to train one epoch, or Run (Space).")

    def _connect(self) -> None:
        c = self.controller
        c.snapshot_ready.connect(self._on_snapshot)
        c.epochs_trained.connect(self._on_epochs)
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
        self.network_view.set_snapshot(snapshot)
        if self.weight_table.isVisible():
            self.weight_table.set_snapshot(snapshot)
            self._pending_snapshots.pop("weights", None)
        else:
            # Skip repaints of a hidden dock; it catches up when shown.
            self._pending_snapshots["weights"] = snapshot
        self._show_status(snapshot)

    def _flush_weight_table(self, visible: bool) -> None:
        snapshot = self._pending_snapshots.pop("weights", None)
        if visible and snapshot is not None:
            self.weight_table.set_snapshot(snapshot)

    def _on_epochs(self, batch) -> None:
        # Every epoch's loss is kept; while running, batches are handed to the
        # plot at most LOSS_PLOT_UPDATES_PER_SECOND times a second, because each
        # plot repaint costs the GUI thread far more than the data.
        self._loss_batches.append(batch)
        if not self.controller.is_running:
            self.flush_losses()
        elif not self._loss_timer.isActive():
            self._loss_timer.start()

    def flush_losses(self) -> None:
        """Hand every buffered epoch's loss to the loss plot now."""
        self._loss_timer.stop()
        batches, self._loss_batches = self._loss_batches, []
        if not batches:
            return
        if len(batches) == 1:
            batch = batches[0]
            self.loss_plot.append(batch.epochs, batch.train_loss, batch.test_loss)
            return
        self.loss_plot.append(
            np.concatenate([b.epochs for b in batches]),
            np.concatenate([b.train_loss for b in batches]),
            np.concatenate([b.test_loss for b in batches]),
        )

    def _on_network_reset(self, snapshot) -> None:
        self._loss_timer.stop()
        self._loss_batches = []
        self.loss_plot.clear()
        self.loss_plot.set_loss_name(snapshot.loss_name)
        self.network_view.select(None)
        self.weight_table.select(None)
        self._pending_snapshots.pop("weights", None)
        self.network_view.set_snapshot(snapshot)
        self.weight_table.set_snapshot(snapshot)
        self._show_status(snapshot)

    def _on_state_changed(self, state: str) -> None:
        running = state == "running"
        if not running:
            self.flush_losses()
        self.state_label.setText("Running" if running else "Paused")
        self.network_view.set_editable(not running)

    def _on_diverged(self, divergence: Divergence) -> None:
        # The trainer undid the epoch whose update made the loss explode (full
        # batch): the plot forgets every epoch after the one the network shows.
        self.flush_losses()
        shown_epoch = self.controller.current_snapshot().epoch
        epochs, train_loss, test_loss = self.loss_plot.history()
        keep = epochs <= shown_epoch
        if not np.all(keep):
            self.loss_plot.set_history(epochs[keep], train_loss[keep], test_loss[keep])
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
        self.epoch_label.setText(f"Epoch {snapshot.epoch:,}")
        loss = snapshot.train_loss
        self.loss_label.setText(f"Loss {format_loss(loss)}")

    def _show_names(self) -> None:
        train, _test = self.controller.dataset()
        self.network_view.set_names(list(train.input_names), list(train.target_names))

    def show_message(self, text: str, timeout_ms: int = 6000) -> None:
        """A message in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def _update_title(self) -> None:
        name = self.project_path.name if self.project_path else self.session_name
        # "[*]" is where Qt puts the modified marker "*" (and macOS its dot).
        self.setWindowTitle(f"{name}[*] — Backprop Lab")
        self.setWindowModified(self._modified)

    # ------------------------------------------------------- unsaved changes
    def is_modified(self) -> bool:
        """Whether the session has changes that are not in a file yet."""
        return self._modified

    def set_modified(self, modified: bool) -> None:
        """Mark the session as changed (a "*" in the title) or as saved."""
        if bool(modified) != self._modified:
            self._modified = bool(modified)
            self.setWindowModified(self._modified)

    def _on_session_changed(self, _what: str) -> None:
        if not self._modified:
            self.set_modified(True)

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
        if not self._modified or self.ask_save_changes is None:
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
        """Autosave every ``interval_ms`` (3 minutes by default) while there are changes."""
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
        try:
            project = load_project(path)
        except (ProjectFileError, OSError, ValueError) as exc:
            show_error(
                self,
                "The autosaved session could not be restored and was discarded. "
                "Backprop Lab starts on the seed example.",
                str(exc),
            )
            self.show_message(f"Autosave not restored: {exc}", 0)
            return False
        if not self._load_project(project, path):
            return False
        self.project_path = None
        self.session_name = "Restored session"
        self._update_title()
        self.set_modified(True)
        self.show_message(f"Restored the autosaved session at epoch {project.epoch:,}")
        return True

    # ------------------------------------------------------------- session
    def new_session(self) -> bool:
        """Back to the seed example, as when the app starts (asks about unsaved changes)."""
        from backprop_lab.core.datasets import seed_dataset
        from backprop_lab.core.presets import seed_network
        from backprop_lab.gui.training import default_settings

        if not self.maybe_save("starting a new session"):
            return False
        net = seed_network()
        self.controller.load_session(net, net, seed_dataset(), None, default_settings(), 0)
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
        """The session as a :class:`Project` (the weights and epoch shown)."""
        self.flush_losses()
        snapshot = self.controller.current_snapshot()
        epochs, train_loss, test_loss = self.loss_plot.history()
        keep = np.asarray(epochs) <= snapshot.epoch
        train, test = self.controller.dataset()
        return Project(
            network=self.controller.current_network(),
            initial_network=self.controller.initial_network(),
            train=train,
            test=test,
            settings={
                **self.controller.settings(),
                "mistakes": _mistakes_to_dict(self.controller.mistakes()),
            },
            epoch=snapshot.epoch,
            loss_history={
                "epoch": np.asarray(epochs)[keep],
                "train_loss": np.asarray(train_loss)[keep],
                "test_loss": np.asarray(test_loss)[keep],
            },
        )

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
        try:
            project = load_project(path)
        except (ProjectFileError, OSError, ValueError) as exc:
            self._report_open_failure(path, exc, show_errors)
            return False
        if ask_to_save and not self.maybe_save(f"opening {path.name}"):
            return False
        if not self._load_project(project, path, show_errors):
            return False
        self.project_path = path
        self._update_title()
        self.set_modified(False)
        self.show_message(f"Opened {path.name} at epoch {project.epoch:,}")
        return True

    def _report_open_failure(self, path: Path, exc: Exception, show_errors: bool) -> None:
        if show_errors:
            show_error(self, f"Could not open {path.name}. Nothing was changed.", str(exc))
        self.show_message(f"Could not open {path.name}: {' '.join(str(exc).split())}", 0)

    def _load_project(self, project: Project, path: Path, show_errors: bool = True) -> bool:
        history = project.loss_history
        try:
            # Checked before anything changes, so a bad entry leaves the session as it was.
            mistakes = _mistakes_from_dict(project.settings.get("mistakes"))
            if self.controller.is_running:
                self.controller.pause()
            self.controller.load_session(
                project.network,
                project.initial_network,
                project.train,
                project.test,
                project.settings,
                project.epoch,
            )
        except (ValueError, TypeError, KeyError) as exc:
            self._report_open_failure(path, exc, show_errors)
            return False
        self.controller.set_mistakes(mistakes)
        try:
            self.loss_plot.set_history(
                history["epoch"], history["train_loss"], history["test_loss"]
            )
        except (ValueError, TypeError, KeyError) as exc:
            self.loss_plot.clear()
            self.show_message(f"Opened {path.name} without its loss history: {exc}", 0)
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
        return self._export("loss history", self.loss_plot.export_csv, str(path))

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
            self.restoreGeometry(geometry)
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
                self.controller.set_speed(speed)
            except ValueError:
                pass

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
        store.setValue("window/state", self.saveState(DOCK_LAYOUT_VERSION))
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
                self.controller.shutdown()
                if self.autosaver is not None:
                    self.autosaver.stop(remove=True)
                if self.divergence_message is not None:
                    self.divergence_message.close()
        super().closeEvent(event)

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
