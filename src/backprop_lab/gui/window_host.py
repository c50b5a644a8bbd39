"""What a panel installer may ask of the main window: a small, typed interface.

The data tools and the inspector add docks and menu entries and show status
messages through a :class:`PanelHost` (the main window is one); they never
probe the window with ``getattr``/``hasattr`` or look menus up by title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

    from backprop_lab.gui.loss_plot import LossPlot
    from backprop_lab.gui.network_view import NetworkView
    from backprop_lab.gui.training import TrainingController
    from backprop_lab.gui.weight_table import WeightTable


class PanelHost(Protocol):
    """The window a panel is installed into."""

    controller: TrainingController
    network_view: NetworkView
    weight_table: WeightTable
    loss_plot: LossPlot
    #: The Data menu's "Use <dataset>" entries by dataset name.
    dataset_actions: dict[str, QAction]
    #: File ▸ Export.
    export_menu: QMenu

    def add_panel_dock(self, name: str, title: str, widget: QWidget) -> QDockWidget:
        """A dock holding ``widget``, placed by the window and listed in the View menu."""
        ...

    def menu(self, key: str) -> QMenu:
        """One of the window's menus: "file", "edit", "view", "training", "data", "help"."""
        ...

    def add_menu(self, key: str, title: str, before: str = "help") -> QMenu:
        """A new menu bar entry, placed before the menu ``before``."""
        ...

    def show_message(self, text: str, timeout_ms: int = 6000) -> None:
        """A message in the status bar."""
        ...

    def set_modified(self, modified: bool) -> None:
        """Mark the session as changed since it was saved (or not)."""
        ...
