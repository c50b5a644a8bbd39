"""Fitting every classroom screen: small windows, projectors, keys that always work.

Installed once on the main window by :func:`install_screen_fit`:

* Combo boxes size to a few characters instead of their longest item, so a dock
  column can be narrow (the window shrinks to 1280 x 720); tab titles are never
  elided ("Step pha…") — a tab bar that runs out of room scrolls instead.
* **Enter applies**: a panel registers its default button with
  :func:`set_default_button` (Network settings' Apply, the gradient check's Run);
  Enter in any field of that panel presses it. Escape leaves a field, and Enter
  in a field with no default button commits it and leaves it too.
* **Space, →, Ctrl+→ work application-wide**: a focused spin box or combo box
  no longer eats them (← Home End still move its cursor; text fields keep them all).
* **Presentation mode** (View menu, F5): larger fonts everywhere and thicker
  lines in the network view and the plots, for projectors; fewer panels (the
  training controls, the step inspector, the loss and data plots), so the
  network keeps its room. The step inspector is one click away: its tabs
  beside the network, and Step phase on the toolbar.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QProxyStyle,
    QSizePolicy,
    QTabBar,
    QTextEdit,
    QWidget,
)

#: Combo boxes are at least this many characters wide (plus the arrow).
COMBO_MIN_CHARACTERS = 8
#: Presentation mode multiplies the application font by this.
PRESENTATION_FONT_FACTOR = 1.4
#: ... and line widths in the network view and plots by this.
PRESENTATION_LINE_FACTOR = 1.8
PRESENTATION_SHORTCUT = "F5"
#: The speed (epochs per second) of a first start: the seed example's loss falls
#: over a minute or two, slow enough to watch; Full speed is one click away.
FIRST_RUN_SPEED = 100.0

_DEFAULT_BUTTON = "_backprop_lab_default_button"
_OWN_KEYS = "_backprop_lab_handles_own_keys"
_RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
#: Training keys that act application-wide (QKeySequence strings).
APPLICATION_KEYS = ("Space", "Right", "Ctrl+Right", "Shift+Right")


def set_default_button(panel: QWidget, button: QAbstractButton) -> None:
    """Enter in any field inside ``panel`` presses ``button`` (when it is enabled)."""
    panel.setProperty(_DEFAULT_BUTTON, button)


def set_handles_own_keys(field: QWidget) -> None:
    """``field`` handles Enter and Escape itself (an inline editor that applies or
    cancels): the window's Enter-applies / Escape-leaves keys leave it alone."""
    field.setProperty(_OWN_KEYS, True)


def default_button_for(widget: QWidget | None) -> QAbstractButton | None:
    """The default button of the nearest panel around ``widget`` that has one."""
    while widget is not None:
        button = widget.property(_DEFAULT_BUTTON)
        if isinstance(button, QAbstractButton):
            return button
        widget = widget.parentWidget()
    return None


def _is_text_field(widget: QWidget | None) -> bool:
    """Fields where Space and arrows are typing, not training keys."""
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return True
    if isinstance(widget, QLineEdit):
        parent = widget.parentWidget()
        # A spin box's or an editable combo's line edit holds a number or a choice.
        return not isinstance(parent, (QAbstractSpinBox, QComboBox))
    return isinstance(widget, QAbstractItemView)  # tables: arrows move between cells


def _field_of(widget: QWidget | None) -> QWidget | None:
    """The spin box / combo box a focused (line edit) widget belongs to, or itself."""
    if isinstance(widget, QLineEdit) and isinstance(
        widget.parentWidget(), (QAbstractSpinBox, QComboBox)
    ):
        return widget.parentWidget()
    return widget


class _KeyFilter(QObject):
    """Enter applies, Escape leaves, training keys win: an event filter on the focused
    field only (a spin box, a combo box or a line edit of this window).

    It moves with the focus (``QApplication.focusChanged``) instead of filtering
    every event of the application: an application-wide Python filter runs for every
    event of the GUI thread (paints, timers, queued signals), each call taking the
    GIL from the training worker.
    """

    def __init__(self, window: QMainWindow, keys: set[str]) -> None:
        super().__init__(window)
        self._window = window
        self._keys = keys
        self._watched: QWidget | None = None
        app = QApplication.instance()
        app.focusChanged.connect(self._focus_changed)
        self._focus_changed(None, QApplication.focusWidget())

    def watched_field(self) -> QWidget | None:
        """The focused field this filter watches now (None: no field of ours has focus)."""
        return self._watched

    def _focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:  # already deleted
                pass
            self._watched = None
        if isinstance(now, (QAbstractSpinBox, QComboBox, QLineEdit)) and self._is_ours(now):
            now.installEventFilter(self)
            self._watched = now

    def _is_ours(self, widget: QWidget | None) -> bool:
        return widget is not None and widget.window() is self._window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not isinstance(watched, QWidget) or not isinstance(event, QKeyEvent):
            return False
        focus = QApplication.focusWidget()
        if watched is not focus or not self._is_ours(focus):
            return False
        field = _field_of(focus)
        if field.property(_OWN_KEYS):
            return False
        is_field = isinstance(field, (QAbstractSpinBox, QComboBox))
        if kind == QEvent.Type.ShortcutOverride:
            # Returning True without accepting: the window's shortcut fires instead
            # of the field swallowing the key.
            sequence = QKeySequence(event.keyCombination()).toString()
            if sequence not in self._keys or not is_field or _is_text_field(focus):
                return False
            return True
        key = event.key()
        if key in _RETURN_KEYS and event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            if isinstance(field, QComboBox) and field.view().isVisible():
                return False  # choosing in an open list
            if not (is_field or isinstance(field, QLineEdit)) or _is_text_field(focus):
                return False
            if isinstance(field, QAbstractSpinBox):
                field.interpretText()
            button = default_button_for(field)
            if button is not None and button.isEnabled() and button.isVisible():
                button.animateClick()
            self._leave(field)
            return button is not None or is_field
        if key == Qt.Key.Key_Escape and (is_field or isinstance(field, QLineEdit)):
            if isinstance(field, QComboBox) and field.view().isVisible():
                return False
            self._leave(field)
            return True
        return False

    def _leave(self, field: QWidget) -> None:
        """Give the focus back to the window's centre, where the training keys work."""
        target = self._window.centralWidget()
        field.clearFocus()
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)


class _FitStyle(QProxyStyle):
    """The application's own style, which also fits every combo box and tab bar the
    moment it is polished (also ones made later, in any window or dialog).

    A style's ``polish(widget)`` runs once per widget, where an application event
    filter would run for every event of the GUI thread.
    """

    def polish(self, target):  # a QWidget, the QApplication or a QPalette
        result = super().polish(target)
        if isinstance(target, QComboBox):
            fit_combo(target)
        elif isinstance(target, QTabBar):
            fit_tab_bar(target)
        return result


def install_fit_style(app: QApplication) -> None:
    """Make the application's style a :class:`_FitStyle` over the style it has (once)."""
    if isinstance(app.style(), _FitStyle):
        return
    style = _FitStyle(app.style().name())
    app.setStyle(style)
    app._backprop_lab_fit_style = style  # kept alive with the application


def fit_combo(combo: QComboBox) -> None:
    """Size to COMBO_MIN_CHARACTERS, not to the longest item (the list still shows all)."""
    if combo.sizeAdjustPolicy() != QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon:
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(COMBO_MIN_CHARACTERS)
        policy = combo.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Expanding)
        combo.setSizePolicy(policy)
        # The whole choice is one hover away when the box is narrower than it.
        if not combo.toolTip():
            combo.currentTextChanged.connect(lambda text, c=combo: _tip_if_clipped(c, text))
    # Some combos still ask for their longest item as their minimum (Network settings'
    # Initialisation: 235 px, a panel wider than a 1280 x 720 window's column): the
    # size they would like, 8 characters, is their minimum too.
    hint = combo.sizeHint().width()
    if combo.minimumWidth() == 0 and combo.minimumSizeHint().width() > hint > 0:
        combo.setMinimumWidth(hint)


def _tip_if_clipped(combo: QComboBox, text: str) -> None:
    if combo.fontMetrics().horizontalAdvance(text) > combo.width() - 30:
        combo.setToolTip(text)


def fit_tab_bar(bar: QTabBar) -> None:
    """Whole tab titles; scroll buttons when the titles do not all fit."""
    bar.setElideMode(Qt.TextElideMode.ElideNone)
    bar.setUsesScrollButtons(True)
    bar.setExpanding(False)


def fit_tree(root: QWidget) -> None:
    for combo in root.findChildren(QComboBox):
        fit_combo(combo)
    for bar in root.findChildren(QTabBar):
        fit_tab_bar(bar)


class Presentation(QObject):
    """Presentation mode: the application font and the views' line widths scaled up."""

    def __init__(
        self,
        window: QMainWindow,
        views: list[Callable[[float], None]],
        arrange: Callable[[bool], None] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._views = views
        self._arrange = arrange
        self._base_font: QFont | None = None
        self.action = QAction("&Presentation mode", window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(PRESENTATION_SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.action.setStatusTip(
            "Larger fonts and thicker lines for a projector (" + PRESENTATION_SHORTCUT + ")"
        )
        self.action.toggled.connect(self.set_enabled)

    def is_enabled(self) -> bool:
        return self.action.isChecked()

    def set_enabled(self, enabled: bool) -> None:
        if self.action.isChecked() != enabled:
            self.action.setChecked(enabled)  # comes back here through toggled
            return
        app = QApplication.instance()
        if self._arrange is not None and enabled:
            self._arrange(True)  # fewer panels first: the larger fonts then fit
        if self._base_font is None:
            self._base_font = QFont(app.font())
        font = QFont(self._base_font)
        if enabled:
            if font.pointSizeF() > 0:
                font.setPointSizeF(font.pointSizeF() * PRESENTATION_FONT_FACTOR)
            else:
                font.setPixelSize(round(font.pixelSize() * PRESENTATION_FONT_FACTOR))
        app.setFont(font)
        # Qt re-lays out only what it knows changed: a word-wrapped label can keep the
        # height of its lines in the old font (text overlapping the next label).
        for widget in [self._window, *self._window.findChildren(QWidget)]:
            widget.updateGeometry()
            if widget.layout() is not None:
                widget.layout().invalidate()
        factor = PRESENTATION_LINE_FACTOR if enabled else 1.0
        for apply in self._views:
            apply(factor)
        if self._arrange is not None and not enabled:
            self._arrange(False)
        self._window.statusBar().showMessage(
            "Presentation mode: larger text, fewer panels (F5 leaves)"
            if enabled
            else "Presentation mode off",
            4000,
        )


def install_screen_fit(
    window: QMainWindow,
    line_views: list[Callable[[float], None]] | None = None,
    arrange: Callable[[bool], None] | None = None,
) -> Presentation:
    """Fit ``window`` to small screens, make keys work everywhere, add presentation mode.

    ``line_views`` are callables taking the line-width factor (1 normal) that
    presentation mode calls; ``arrange(enabled)`` switches the window to presentation
    mode's dock arrangement and back. Returns the :class:`Presentation` (its
    ``action`` is in the View menu).
    """
    install_fit_style(QApplication.instance())
    fit_tree(window)
    window._backprop_lab_key_filter = _KeyFilter(window, set(APPLICATION_KEYS))
    central = window.centralWidget()
    if central is not None:
        # Extra room (a maximised window, a big screen) goes to the centre: the network.
        central.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        central.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    presentation = Presentation(window, list(line_views or []), arrange)
    return presentation


def apply_first_run_speed(window: QMainWindow) -> bool:
    """On a first start (no speed remembered), train at the watchable FIRST_RUN_SPEED."""
    import json

    from .settings_store import app_settings

    saved = app_settings().value("view/settings")
    try:
        remembered = isinstance(saved, str) and "epochs_per_second" in json.loads(saved)
    except ValueError:
        remembered = False
    if remembered:
        return False
    window.apply_speed_preference(FIRST_RUN_SPEED)  # type: ignore[attr-defined]
    return True
