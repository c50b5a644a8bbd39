"""Where the window's panels go: the default dock arrangement and its sizes.

:class:`DockLayout` is mixed into the main window. Panels are added with
:meth:`DockLayout.add_panel_dock` (a dock listed in the View menu); docks made
before the window's first :meth:`DockLayout.arrange_docks` are placed by the
tab groups below, later ones become tabs beside the step phases.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractScrollArea, QDockWidget, QScrollArea, QWidget

#: Version of the dock arrangement in the saved window state: a layout saved by
#: an older arrangement is not restored (the window opens on the default one).
DOCK_LAYOUT_VERSION = 3
#: Default widths of the left (training, inspection) and right (weights, data)
#: dock columns, and the loss plot's height, at the default 1440 x 900 window.
LEFT_COLUMN_WIDTH = 385
RIGHT_COLUMN_WIDTH = 360
#: The side columns stop growing here, so a bigger screen's extra width goes to
#: the network in the centre.
MAX_LEFT_COLUMN_WIDTH = 440
MAX_RIGHT_COLUMN_WIDTH = 470
#: ... and never get narrower than the training controls (left) and the weight
#: tables and data plot (right) need: at 1280 x 720 the network keeps ~600 px.
MIN_COLUMN_WIDTH = 352
MIN_RIGHT_COLUMN_WIDTH = 300
LOSS_PLOT_HEIGHT = 230
#: The tab groups arrange_docks builds: the first dock of each group is the one on
#: top. Every group's tab titles fit its column at 1280 x 720 (no scroll arrows).
#: Left: what you do (train, the network's settings, the mistakes lab: it changes
#: how training computes) above how one step is computed (the step inspector).
#: Right: the numbers of the network (weights, rewinding to an earlier epoch's,
#: practice exercises on them) above the data (its plot, its table, the loss
#: landscape, another picture over two inputs).
LEFT_TOP_TABS = ("controls", "settings", "mistakes")
LEFT_BOTTOM_TABS = ("phases", "chain_rule", "gradient_check")
RIGHT_TOP_TABS = ("weights", "rewind", "practice")
RIGHT_BOTTOM_TABS = ("data_plot", "data", "landscape")
#: Under the network: the loss plot on top, the layer statistics (also over epochs) beside it.
BOTTOM_TABS = ("loss", "layer_stats")


#: Presentation mode's arrangement (larger fonts on a projector): fewer panels, so
#: the network keeps the window's full height. Left: the training controls above
#: the step inspector; right: the loss plot above the data plot. The other panels
#: are hidden (the View menu shows them again, as tabs beside the step phases).
PRESENTATION_LEFT_TOP_TABS = ("controls", "settings")
PRESENTATION_LEFT_BOTTOM_TABS = ("phases", "chain_rule")
PRESENTATION_RIGHT_TOP_TABS = ("loss",)
PRESENTATION_RIGHT_BOTTOM_TABS = ("data_plot",)
#: Presentation mode's columns: these shares of the window's width, within limits.
PRESENTATION_LEFT_SHARE = 0.33
PRESENTATION_RIGHT_SHARE = 0.25
PRESENTATION_MAX_COLUMN_WIDTH = 560

#: A panel that needs more than this to show (pixels) gets scroll bars in its dock
#: instead: one tall panel tabbed into a column would otherwise make the window
#: taller than a 1280 x 720 projector, or squeeze the panels above it.
MAX_DOCK_MIN_WIDTH = 352
MAX_DOCK_MIN_HEIGHT = 240


def fit_for_dock(widget: QWidget) -> QWidget:
    """``widget``, in a scroll area when its minimum size is too big for a dock, or
    when it holds word-wrapped text."""
    if isinstance(widget, QAbstractScrollArea) or widget.findChild(
        QScrollArea, options=Qt.FindChildOption.FindDirectChildrenOnly
    ):
        return widget  # scrolled already (dialogs.scrolled with a footer)
    minimum = widget.minimumSizeHint().expandedTo(widget.minimumSize())
    layout = widget.layout()
    # Word-wrapped text (height for width): a dock too short for it would squeeze the
    # lines over each other; scrolled, the panel keeps the height its text needs.
    wraps = layout is not None and layout.hasHeightForWidth()
    if (
        not wraps
        and minimum.width() <= MAX_DOCK_MIN_WIDTH
        and minimum.height() <= MAX_DOCK_MIN_HEIGHT
    ):
        return widget
    from .dialogs import scrolled

    return scrolled(widget)


class DockLayout:
    """The dock part of the main window (needs ``docks``, ``menus["view"]``,
    ``_dock_menu_anchor``, ``control_panel`` and ``_default_state``)."""

    docks: dict[str, QDockWidget]
    _default_state: QByteArray | None
    _arrange_when_shown: bool

    def add_panel_dock(self, name: str, title: str, widget: QWidget) -> QDockWidget:
        """A dock holding ``widget``, listed in the View menu as ``title``.

        Docks made before the window's first :meth:`arrange_docks` are placed by
        it (see LEFT_TOP_TABS ...); later ones become tabs beside the step phases.
        """
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(fit_for_dock(widget))
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

    @staticmethod
    def screen_is_small() -> bool:
        """True when the default 1440 x 900 window does not fit the screen (a 1280 x 720
        projector, a 1366 x 768 laptop): the window then starts maximised."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return False
        available = screen.availableGeometry()
        return 0 < available.width() < 1440 / 0.95 or 0 < available.height() < 900 / 0.92

    def arrange_docks(self) -> None:
        """Put every dock in its default place and size, and show it.

        Left column: the training controls (tabs: network settings, mistakes
        lab) above the step inspector (tabs: step phases, chain rule, gradient
        check). Centre: the network, the loss plot under it (tab: layer
        statistics). Right column: the weight tables (tabs: rewind, practice)
        above the data plot (tabs: data table, loss landscape).
        The first dock of each tab group is on top. Also View ▸ Restore default layout.
        """
        if self.is_presenting():
            # Restore default layout in presentation mode: presentation's own.
            self._presentation_state = None
            self._place_presentation_docks()
            self.size_docks()
            return
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
        if "loss" in self.docks:
            self.docks["loss"].raise_()
        self._arrange_when_shown = not self.isVisible()
        self.size_docks()

    def is_presenting(self) -> bool:
        """True while presentation mode's arrangement is shown."""
        return getattr(self, "_normal_state", None) is not None

    def set_presentation_layout(self, enabled: bool) -> None:
        """Presentation mode's arrangement (``True``), or back to the one before it.

        Leaving it restores the window's arrangement exactly as it was (panels
        moved or closed before included).
        """
        if enabled == self.is_presenting():
            return
        if enabled:
            self._normal_state = self.saveState(DOCK_LAYOUT_VERSION)
            self._place_presentation_docks()
        else:
            # Panels moved while presenting stay so for the next presentation.
            self._presentation_state = self.saveState(DOCK_LAYOUT_VERSION)
            normal, self._normal_state = self._normal_state, None
            self.restoreState(normal, DOCK_LAYOUT_VERSION)
        self.size_docks()
        QTimer.singleShot(0, self.size_docks)  # again once the new fonts are laid out

    def normal_state(self) -> QByteArray:
        """The arrangement to remember: the one before presentation mode, if it is on."""
        normal = getattr(self, "_normal_state", None)
        return normal if normal is not None else self.saveState(DOCK_LAYOUT_VERSION)

    def _presentation_groups(self) -> list[list[QDockWidget]]:
        names = (
            PRESENTATION_LEFT_TOP_TABS,
            PRESENTATION_LEFT_BOTTOM_TABS,
            PRESENTATION_RIGHT_TOP_TABS,
            PRESENTATION_RIGHT_BOTTOM_TABS,
        )
        return [[self.docks[n] for n in group if n in self.docks] for group in names]

    def _place_presentation_docks(self) -> None:
        state = getattr(self, "_presentation_state", None)
        if state is not None and self.restoreState(state, DOCK_LAYOUT_VERSION):
            return
        groups = self._presentation_groups()
        shown = [dock for group in groups for dock in group]
        for dock in self.docks.values():
            dock.setFloating(False)
            self.removeDockWidget(dock)
            self.layout().activate()
        self._place_columns(groups)
        left_top, left_bottom = groups[0], groups[1]
        anchor = (left_bottom or left_top or shown or [None])[0]
        for dock in self.docks.values():
            if dock in shown:
                continue
            # Hidden, but placed: ticked in the View menu it comes back as a tab.
            if anchor is not None:
                self.tabifyDockWidget(anchor, dock)
            else:
                self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
            self.layout().activate()
            dock.hide()
        for dock in shown:
            dock.show()
        for group in groups:
            if group:
                group[0].raise_()
        self._presentation_state = self.saveState(DOCK_LAYOUT_VERSION)

    def _size_presentation_docks(self) -> None:
        left_top, left_bottom, right_top, right_bottom = self._presentation_groups()
        self._size_columns(
            (left_top, left_bottom, PRESENTATION_LEFT_SHARE),
            (right_top, right_bottom, PRESENTATION_RIGHT_SHARE),
            chrome=170,
        )

    def _size_columns(self, *columns, chrome: int) -> None:
        """Each column (top group, bottom group, share of the width): its width, and
        the controls' height when the training controls are on top."""
        width, height = self.width(), self.height()
        horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        usable = max(300, height - chrome)
        docks, widths = [], []
        for top, bottom, share in columns:
            column = top or bottom
            if column:
                docks.append(column[0])
                widths.append(
                    max(
                        MIN_RIGHT_COLUMN_WIDTH,
                        min(round(share * width), PRESENTATION_MAX_COLUMN_WIDTH),
                    )
                )
        if docks:
            self.resizeDocks(docks, widths, horizontal)
        for top, bottom, _share in columns:
            if not (top and bottom):
                continue
            if top[0] is self.docks.get("controls"):
                first = min(max(self.control_panel.sizeHint().height() + 40, 280), usable // 2)
            else:
                first = usable // 2
            self.resizeDocks([top[0], bottom[0]], [first, usable - first], vertical)

    def _place_docks(self, groups: list[list[QDockWidget]]) -> None:
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        left_top, left_bottom = groups[0], groups[1]
        self._place_columns(groups)
        if "loss" in self.docks:
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.docks["loss"])
            for name in BOTTOM_TABS[1:]:
                if name in self.docks:
                    self.tabifyDockWidget(self.docks["loss"], self.docks[name])
                    self.layout().activate()
        placed = {id(d) for group in groups for d in group} | {
            id(self.docks.get(name)) for name in BOTTOM_TABS
        }
        anchor = (left_bottom or left_top or [None])[0]
        for dock in self.docks.values():  # anyone else's docks: tabs beside the inspection
            if id(dock) in placed:
                continue
            if anchor is not None:
                self.tabifyDockWidget(anchor, dock)
            else:
                self.addDockWidget(left, dock)
            self.layout().activate()

    def _place_columns(self, groups: list[list[QDockWidget]]) -> None:
        """The left column's top and bottom tab groups, then the right column's."""
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

    def _dock_groups(self) -> list[list[QDockWidget]]:
        names = (LEFT_TOP_TABS, LEFT_BOTTOM_TABS, RIGHT_TOP_TABS, RIGHT_BOTTOM_TABS)
        return [[self.docks[n] for n in group if n in self.docks] for group in names]

    def size_docks(self) -> None:
        """Give the default layout's docks their default sizes for the window's size
        (presentation mode's arrangement its own)."""
        for dock in self.docks.values():
            # A panel that grew since it was docked (filled with its content) scrolls.
            widget = dock.widget()
            if widget is not None:
                fitted = fit_for_dock(widget)
                if fitted is not widget:
                    dock.setWidget(fitted)
        if self.is_presenting():
            self._size_presentation_docks()
            return
        groups = self._dock_groups()
        left_top, left_bottom, right_top, right_bottom = groups
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        width, height = self.width(), self.height()
        column_docks, column_widths = [], []
        for group, share, floor, cap in (
            (left_top or left_bottom, LEFT_COLUMN_WIDTH, MIN_COLUMN_WIDTH, MAX_LEFT_COLUMN_WIDTH),
            (
                right_top or right_bottom,
                RIGHT_COLUMN_WIDTH,
                MIN_RIGHT_COLUMN_WIDTH,
                MAX_RIGHT_COLUMN_WIDTH,
            ),
        ):
            if group:
                column_docks.append(group[0])
                column_widths.append(max(floor, min(round(share * width / 1440), cap)))
        if column_docks:
            self.resizeDocks(column_docks, column_widths, horizontal)
        usable = max(300, height - 140)  # menu bar, toolbar, status bar
        if left_top and left_bottom:
            # The controls get what they need; the inspection tabs the rest.
            controls = min(max(self.control_panel.sizeHint().height() + 40, 280), usable // 2)
            self.resizeDocks([left_top[0], left_bottom[0]], [controls, usable - controls], vertical)
        if right_top and right_bottom:
            weights = round(usable * 0.42)
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
