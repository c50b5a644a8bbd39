"""Wire the data editors into the main window: docks, Data menu, controller, unit maps.

``install_data_tools(window)`` adds

* a "Data" dock with the table editor (training set editable, test set read-only),
* a "Data plot" dock with the scatter, decision map or fitted curve,
* Data menu entries: each example dataset (a dialog with size, noise, seed and
  train/test split and a live preview), Import CSV, Export training/test CSV,
  and "Show what each unit has learned" (the per-unit maps in the network view).

Data flows one way: an edit in the table or the plot becomes a valid
:class:`~backprop_lab.core.data.Dataset`, goes to ``window.controller.set_data``
(applied at the next epoch boundary), and the controller's ``data_changed``
brings it back to both views. New data with a different number of inputs or
outputs is only applied after the user agrees to rebuild the network.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QFileDialog, QMessageBox

from ..core.boundary import grid_for, node_maps
from ..core.data import DataError, Dataset, check_dataset_limits, write_csv
from ..core.datasets import DATASETS
from ..core.network import Network
from .data_plot import DataPlot
from .data_table import DataTableWidget
from .dataset_dialog import CsvImportDialog, ExampleDataDialog
from .network_view.widget import node_map_images
from .training.background import BackgroundRunner
from .window_host import PanelHost

#: Grid points per axis of each unit's map (drawn small, inside the node).
NODE_MAP_RESOLUTION = 40
#: Networks with at least this many units (all layers) compute their unit maps off the
#: GUI thread; smaller ones in a few milliseconds on it.
MAPS_OFF_THREAD_UNITS = 256
NODE_MAPS_TEXT = "Show what each unit has learned"
#: From this many training samples, the status bar says the views are drawing new data.
BUSY_NOTICE_SAMPLES = 5000


def _describe(n_inputs: int, n_outputs: int) -> str:
    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    return f"{count(n_inputs, 'input')} and {count(n_outputs, 'output')}"


def normalise_map(values: np.ndarray) -> np.ndarray:
    """Scale a map into what the network view draws: [0, 1] or [-1, 1] stay, others by max |v|."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros_like(values)
    low, high = float(finite.min()), float(finite.max())
    if low >= -1.0 and high <= 1.0:
        return values
    return values / max(abs(low), abs(high))


def display_node_maps(net: Network, train: Dataset, test: Dataset | None = None):
    """Per-layer, per-unit maps over the data's plane, scaled for the network view.

    Input maps show the coordinate itself, scaled to [-1, 1] over the plane
    (with feature inputs, each feature over the plane: x₁², sin x₂, ...).
    Returns None when the data do not have exactly 2 inputs.
    """
    if train.n_inputs != 2 or net.n_inputs != 2 or train.n_samples == 0:
        return None
    inputs = train.inputs if test is None else np.vstack([train.inputs, test.inputs])
    grid = grid_for(inputs, resolution=NODE_MAP_RESOLUTION)
    maps = node_maps(net, grid)
    x0, x1, y0, y1 = grid.bounds
    if net.features is None:
        maps[0] = [
            2 * (maps[0][0] - x0) / (x1 - x0) - 1,
            2 * (maps[0][1] - y0) / (y1 - y0) - 1,
        ]
    return [[normalise_map(m) for m in layer] for layer in maps]


class DataTools(QObject):
    """The data panel, plot and menu entries of one main window (see the module docstring).

    Attributes
    ----------
    table, plot
        The :class:`DataTableWidget` and :class:`DataPlot`.
    table_dock, plot_dock
        Their dock widgets.
    confirm_adapt
        ``callable(message) -> bool`` asked before data with another number of
        inputs or outputs rebuilds the network (a QMessageBox by default).
    choose_open_path, choose_save_path
        ``callable(title) -> str`` file choosers ("" for cancel).
    run_dialog
        ``callable(dialog) -> bool``: show a dialog, True when accepted.
    """

    def __init__(self, window: PanelHost) -> None:
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        train, test = self.controller.dataset()
        self.table = DataTableWidget(train, test)
        self.plot = DataPlot(train, test)
        self.example_name = train.name if train.name in DATASETS else "XOR"
        self.confirm_adapt: Callable[[str], bool] = self._ask_adapt
        self.choose_open_path: Callable[[str], str] = self._open_file_dialog
        self.choose_save_path: Callable[[str], str] = self._save_file_dialog
        self.run_dialog: Callable[[QDialog], bool] = lambda dialog: bool(dialog.exec())
        self._node_maps_on = False
        self.last_node_maps: list[list[np.ndarray]] | None = None
        #: Unit maps of big networks are computed off the GUI thread (latest wins);
        #: the key of the computation whose result is still wanted.
        self._maps_runner = BackgroundRunner(self)
        self._maps_runner.finished.connect(self._on_maps_ready)
        self._maps_runner.failed.connect(lambda _text: self._message("Unit maps failed"))
        self._maps_key: object | None = None
        #: The snapshot the data plot was last given (the shown one).
        self.plot_snapshot = None

        self.table_dock = self._make_dock("data", "Data", self.table)
        self.plot_dock = self._make_dock("data_plot", "Data plot", self.plot)
        self._make_menu()

        self.table.data_edited.connect(self._on_table_edited)
        self.table.problem_changed.connect(self._on_table_problem)
        self.plot.point_added.connect(self.table.add_sample)
        self.plot.point_removed.connect(self.table.remove_sample)
        self.plot.point_moved.connect(self.table.replace_sample)
        self.controller.data_changed.connect(self._on_data_changed)
        self.controller.snapshot_ready.connect(self._on_snapshot)
        turns = getattr(window, "view_turns", None)
        if turns is not None:
            turns.add("data plot", self._catch_up)
        self.controller.network_reset.connect(self._on_network_reset)
        window.network_view.node_maps_toggled.connect(self._on_view_toggled_maps)
        self._on_network_reset(self.controller.current_snapshot())

    # ----------------------------------------------------------- building
    def _make_dock(self, name: str, title: str, widget) -> QDockWidget:
        # The main window places its docks itself (see dock_layout).
        return self.window.add_panel_dock(name, title, widget)

    def _make_menu(self) -> None:
        menu = self.window.menu("data")
        # The window's own "Use <dataset>" entries switch data without asking and
        # without size/noise/split controls; route them through the dialog.
        existing = self.window.dataset_actions
        self.example_actions: dict[str, QAction] = {}
        for name in DATASETS:
            action = existing.get(name)
            if action is not None:
                with warnings.catch_warnings():
                    # PySide6 warns (or raises) when there was nothing to disconnect.
                    warnings.simplefilter("ignore", RuntimeWarning)
                    try:
                        action.triggered.disconnect()
                    except (RuntimeError, TypeError):
                        pass
                action.setText(f"{name}…")
            else:
                action = menu.addAction(f"{name}…")
            action.setStatusTip(f"Generate {name}: choose size, noise and a train/test split")
            action.triggered.connect(lambda _checked=False, n=name: self.open_example_dialog(n))
            self.example_actions[name] = action
        menu.addSeparator()
        self.import_action = menu.addAction("&Import CSV…", self.import_csv)
        self.import_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.export_train_action = menu.addAction(
            "&Export training set as CSV…", lambda: self.export_csv("train")
        )
        self.export_test_action = menu.addAction(
            "Export &test set as CSV…", lambda: self.export_csv("test")
        )
        menu.addSeparator()
        self.node_maps_action = menu.addAction(NODE_MAPS_TEXT)
        self.node_maps_action.setCheckable(True)
        self.node_maps_action.setStatusTip(
            "For 2-input data: draw inside each unit its output over the input plane"
        )
        self.node_maps_action.toggled.connect(self.set_node_maps_visible)
        self._update_actions()

    def _update_actions(self) -> None:
        train, test = self.controller.dataset()
        self.export_test_action.setEnabled(test is not None)
        self.node_maps_action.setEnabled(train.n_inputs == 2)

    # ------------------------------------------------------------ messages
    def _message(self, text: str) -> None:
        self.window.show_message(text)

    def _ask_adapt(self, message: str) -> bool:
        answer = QMessageBox.question(
            self.window,
            "Adapt the network?",
            message,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _open_file_dialog(self, title: str) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self.window, title, "", "CSV files (*.csv *.txt *.tsv);;All files (*)"
        )
        return path

    def _save_file_dialog(self, title: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.window, title, "", "CSV files (*.csv)")
        return path

    # ---------------------------------------------------------- applying data
    def apply_data(self, train: Dataset, test: Dataset | None, source: str) -> bool:
        """Hand new data to the controller, asking first if the network must change shape.

        Returns True when the data were applied; otherwise nothing changed.
        """
        try:
            for data in (train, test):
                if data is not None:
                    check_dataset_limits(data)
        except DataError as error:
            self._message(f"{source} not used: {error}")
            return False
        sizes = self.controller.current_snapshot().layer_sizes
        if (train.n_inputs, train.n_outputs) != (sizes[0], sizes[-1]):
            message = (
                f"{source} has {_describe(train.n_inputs, train.n_outputs)}; the network has "
                f"{_describe(sizes[0], sizes[-1])}.\n\n"
                "Rebuild the network's input and output layers to fit? This starts training "
                "again from new initial weights (the hidden layers stay as they are)."
            )
            if not self.confirm_adapt(message):
                self._message(f"{source} not used: the network and data stay as they were.")
                return False
        if train.n_samples >= BUSY_NOTICE_SAMPLES:
            # The views draw the new data on this thread (about a second at the
            # limit on a loaded machine): say so first, painted before they start.
            self._message(f"Showing {source}: {train.n_samples:,} samples…")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        try:
            rebuilt = self.controller.set_data(train, test)
        except ValueError as error:
            self._message(f"{source} not used: {error}")
            return False
        split = f" + {test.n_samples} test" if test is not None else ""
        note = " The network was rebuilt to fit and training restarts." if rebuilt else ""
        self._message(f"Training on {source}: {train.n_samples}{split} samples.{note}")
        return True

    def open_example_dialog(self, name: str | None = None) -> bool:
        """Show the example-data dialog; apply its data when accepted."""
        _train, test = self.controller.dataset()
        dialog = ExampleDataDialog(
            name or self.example_name,
            test_fraction=0.2 if test is not None else 0.0,
            parent=self.window,
        )
        if not self.run_dialog(dialog):
            return False
        train, test = dialog.datasets()
        self.example_name = dialog.name_combo.currentText()
        return self.apply_data(train, test, train.name or self.example_name)

    def import_csv(self, path: str | None = None) -> bool:
        """Choose a CSV file, preview it, and apply it when accepted (all or nothing)."""
        path = path or self.choose_open_path("Import data from CSV")
        if not path:
            return False
        train = self.controller.dataset()[0]
        dialog = CsvImportDialog(path, n_targets=train.n_outputs, parent=self.window)
        if not self.run_dialog(dialog):
            return False
        try:
            train, test = dialog.datasets()
        except DataError as error:
            self._message(f"Nothing imported: {error}")
            return False
        return self.apply_data(train, test, f"'{dialog.path.name}'")

    def export_csv(self, which: str = "train", path: str | None = None) -> bool:
        """Write the training (``"train"``) or test (``"test"``) set to a CSV file."""
        train, test = self.controller.dataset()
        dataset = train if which == "train" else test
        if dataset is None:
            self._message("There is no test set to export.")
            return False
        title = "Export training set" if which == "train" else "Export test set"
        path = path or self.choose_save_path(title)
        if not path:
            return False
        try:
            write_csv(path, dataset)
        except (OSError, DataError) as error:
            QMessageBox.warning(self.window, title, f"Could not write {path}:\n{error}")
            return False
        self._message(f"Wrote {dataset.n_samples} samples to {path}")
        return True

    # -------------------------------------------------------------- reactions
    def _on_table_edited(self, train: Dataset) -> None:
        test = self.controller.dataset()[1]
        try:
            self.controller.set_data(train, test)
        except ValueError as error:
            self._message(f"Edit not used: {error}")

    def _on_table_problem(self, problem: str) -> None:
        if problem:
            self._message(problem)

    def _on_data_changed(self, payload) -> None:
        train, test = payload
        own_edit = train == self.table.dataset() and (
            (test is None and self.table.test_dataset() is None)
            or (
                test is not None
                and self.table.test_dataset() is not None
                and test == self.table.test_dataset()
            )
        )
        if not own_edit:
            self.table.set_data(train, test)
        self.plot.set_data(train, test)
        if train.name in DATASETS:
            self.example_name = train.name
        self._update_actions()
        self._refresh_node_maps(self.controller.current_snapshot(), force=True)

    def _on_snapshot(self, snapshot) -> None:
        self.plot_snapshot = snapshot
        turns = getattr(self.window, "view_turns", None)
        if turns is None:
            self.plot.set_snapshot(snapshot)
            if self._node_maps_on:
                self._refresh_node_maps(snapshot)
            return
        # Stored now; drawn in the data plot's own turn (see gui/view_turns.py).
        self.plot.set_snapshot(snapshot, deferred=True)
        turns.mark_behind(["data plot"])

    def _catch_up(self) -> None:
        """The data plot's turn: draw the newest snapshot, and the unit maps if on."""
        self.plot.catch_up()
        if self._node_maps_on and self.plot_snapshot is not None:
            self._refresh_node_maps(self.plot_snapshot)

    def _on_network_reset(self, snapshot) -> None:
        self.plot_snapshot = snapshot
        self.plot.set_snapshot(snapshot)
        self._refresh_node_maps(snapshot, force=True)

    # -------------------------------------------------------------- unit maps
    def set_node_maps_visible(self, visible: bool) -> None:
        """Switch the per-unit maps in the network view on or off."""
        visible = bool(visible)
        self._node_maps_on = visible
        self.node_maps_action.blockSignals(True)
        self.node_maps_action.setChecked(visible)
        self.node_maps_action.blockSignals(False)
        if visible:
            self._refresh_node_maps(self.controller.current_snapshot(), force=True)
        self.window.network_view.set_node_maps_visible(visible)
        if visible and self.controller.dataset()[0].n_inputs != 2:
            self._message("Unit maps need data with exactly 2 inputs.")

    def _on_view_toggled_maps(self, visible: bool) -> None:
        if bool(visible) != self._node_maps_on:
            self.set_node_maps_visible(visible)

    def _refresh_node_maps(self, snapshot, force: bool = False) -> None:
        """Give the network view fresh maps while they are shown (``force``: the data or
        the network is new, so maps not shown are dropped)."""
        view = self.window.network_view
        train, test = self.controller.dataset()
        self._maps_key = None  # a computation still running is for an older state
        if not self._node_maps_on:
            if force:
                # Switched off: none are computed (2,051 maps for 2-256x8-1) until they
                # are switched on; the old network's are dropped, so none can show.
                self.last_node_maps = None
                view.clear_node_maps(available=train.n_inputs == 2)
            return
        net = snapshot.network() if snapshot is not None and train.n_inputs == 2 else None
        if net is not None and sum(net.layer_sizes) >= MAPS_OFF_THREAD_UNITS:
            # Off the GUI thread (a second for 2-256x8-1, at every snapshot while
            # training): the newest request wins; a new network's maps are blank
            # until they come, never the old network's.
            if force:
                self.last_node_maps = None
                view.clear_node_maps(available=True)
            self._maps_key = key = object()
            self._maps_runner.submit(_maps_and_images, key, net, train, test)
            return
        maps = None
        if net is not None:
            maps = display_node_maps(net, train, test)  # None unless net has 2 data inputs
        self.last_node_maps = maps
        view.set_node_maps(maps)

    def _on_maps_ready(self, result) -> None:
        key, maps, images = result
        if key is not self._maps_key or not self._node_maps_on:
            return  # asked for an older network or data, or switched off since
        self._maps_key = None
        self.last_node_maps = maps
        self.window.network_view.set_node_maps(maps, images)


def _maps_and_images(key, net: Network, train: Dataset, test: Dataset | None):
    """(key, maps, thumbnails) for the network view, computed on a background thread."""
    maps = display_node_maps(net, train, test)
    if maps is None:
        return key, None, None
    checked = [[np.asarray(m, dtype=np.float64) for m in layer] for layer in maps]
    return key, checked, node_map_images(checked)


def install_data_tools(window: PanelHost) -> DataTools:
    """Add the data table, data plot and Data menu entries to ``window`` (once).

    ``window`` is a :class:`~backprop_lab.gui.window_host.PanelHost` (the main window).
    """
    if isinstance(window.data_tools, DataTools):
        return window.data_tools
    tools = DataTools(window)
    window.data_tools = tools
    return tools
