"""The network view widget: the graphics view, the inline weight editor, tooltips, input.

Geometry lives in :mod:`.layout`, painting in :mod:`.rendering`; this module holds
the state (snapshot, colour mode and scale, selection, hover, texts, unit maps),
turns it into :class:`~.rendering.PaintInputs`, and answers queries and clicks.
Hit testing (hover, click) is vectorised NumPy over the edge segments, not per-item.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFont,
    QFontInfo,
    QFontMetricsF,
    QImage,
    QPainter,
    QPalette,
    QStatusTipEvent,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyleOptionGraphicsItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core.naming import parameter_description
from backprop_lab.core.snapshot import NetworkSnapshot, ParameterRef

from ..colors import (
    ColourLegend,
    ColourScale,
    format_scale_number,
    plane_map_rgba,
    range_rgba,
)
from ..flow_layout import FlowLayout
from ..sample_chooser import SampleChooser
from ..screen_fit import set_handles_own_keys
from .layout import (
    BIAS_HALF_SIDE,
    EDGE_HIT_FRACTION,
    NODE_RADIUS,
    NetworkLayout,
    place_edge_labels,
    segment_distances,
    spacing_for_view,
)
from .rendering import (
    MIN_TEXT_PIXELS,
    EdgeGroup,
    EdgePens,
    PaintInputs,
    TextPlan,
    edges_to_draw,
    fmt,
    level_style,
    levels_for,
    node_range,
    paint_message,
    paint_network,
    plan_texts,
    short,
)

#: Colour modes: what the edges show, with the legend's title.
COLOUR_MODES: dict[str, str] = {
    "weight": "weight w",
    "gradient": "gradient dE/dw",
    "update": "last update Δw",
}
COLOUR_MODE_LABELS: dict[str, str] = {
    "weight": "weight",
    "gradient": "gradient dE/dw",
    "update": "last update Δw",
}


class FillLegend(ColourLegend):
    """The node fill's legend: the same colours, low to high of each layer's range."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("node fill h(a)", 1.0, parent)
        self.setToolTip(
            "Node fill: the unit's output h(a) for the chosen sample (or the batch mean), "
            "orange at the low end of its layer's range, blue at the high end "
            "(sigmoid 0 to 1, tanh -1 to 1, others their layer's smallest to largest). "
            "Unit maps use the same colours, paler, like the data plot."
        )

    def _update_tooltip(self) -> None:
        pass  # a fixed tooltip (set above)

    def heading(self) -> str:
        return "node fill h(a), per layer"

    def tick_labels(self) -> list[str]:
        return ["low", "mid", "high"]


#: Hit tolerance around an edge, in screen pixels.
HIT_TOLERANCE_PIXELS = 5.0


class _NetworkItem(QGraphicsItem):
    """The single graphics item that paints the whole network."""

    def __init__(self, view: NetworkView) -> None:
        super().__init__()
        self._view = view
        self._bounds = QRectF(0, 0, 1, 1)

    def set_bounds(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._bounds = QRectF(rect)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        self._view._paint_network(painter, lod)
        # The item is painted only by the view (into its device cache; exports paint
        # through _render_export, not the item), so this is what the screen shows.
        self._view._painted_on_screen()


class _GraphicsView(QGraphicsView):
    """Fits the scene, and forwards mouse and tooltip events to the NetworkView."""

    def __init__(self, owner: NetworkView) -> None:
        super().__init__()
        self._owner = owner
        self._press_pos: QPointF | None = None
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setMouseTracking(True)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setMinimumSize(200, 150)

    def fit(self) -> None:
        rect = self.sceneRect()
        if rect.width() > 0 and rect.height() > 0:
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._owner._fit_layout_to_view()
        self.fit()

    def scale_factor(self) -> float:
        return max(1e-6, abs(self.transform().m11()))

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._press_pos is not None:
            moved = (event.position() - self._press_pos).manhattanLength()
            self._press_pos = None
            if moved < 6:
                self._owner._clicked(self.mapToScene(event.position().toPoint()))
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._owner._double_clicked(
                self.mapToScene(event.position().toPoint()), event.position().toPoint()
            )
            return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event) -> None:
        self._owner._hovered(self.mapToScene(event.position().toPoint()))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self._owner._hovered(None)
        super().leaveEvent(event)

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = self._owner.tooltip_at(self.mapToScene(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)


class _WeightEditor(QDoubleSpinBox):
    """A small inline spin box over the edge: Enter applies, Escape or leaving cancels."""

    def __init__(self, owner: NetworkView, parent: QWidget) -> None:
        super().__init__(parent)
        self._owner = owner
        self.ref: ParameterRef | None = None
        self.setDecimals(6)
        self.setRange(-1e6, 1e6)
        self.setSingleStep(0.01)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        # Enter applies the edit and Escape cancels it here, not the window's keys
        # (which would leave the field, and so close the editor without applying).
        set_handles_own_keys(self)
        self.hide()

    def open_for(self, ref: ParameterRef, value: float, at) -> None:
        self.ref = ref
        self.setValue(value)
        self.setToolTip(f"New value of {ref.name}: Enter applies, Escape cancels")
        self.adjustSize()
        self.resize(max(self.sizeHint().width(), 120), self.sizeHint().height())
        parent = self.parentWidget()
        x = min(max(0, at.x() - self.width() // 2), max(0, parent.width() - self.width()))
        y = min(max(0, at.y() - self.height() // 2), max(0, parent.height() - self.height()))
        self.move(x, y)
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.PopupFocusReason)
        self.selectAll()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.interpretText()
            ref, value = self.ref, float(self.value())
            self.close_editor()
            if ref is not None:
                self._owner._edit_committed(ref, value)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.close_editor()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        if self.isVisible():
            self.close_editor()

    def close_editor(self) -> None:
        self.ref = None
        self.hide()


def node_map_images(maps) -> list[list[QImage | None]]:
    """The thumbnails :meth:`NetworkView.set_node_maps` draws for ``maps`` (checked 2-D
    arrays, per layer per node, or None). Pure: may run off the GUI thread (a QImage is
    not a QObject)."""
    images: list[list[QImage | None]] = []
    for layer_maps in maps:
        row: list[QImage | None] = []
        for m in layer_maps:
            if m is None:
                row.append(None)
                continue
            finite = m[np.isfinite(m)]
            low = -1.0 if finite.size and finite.min() < 0 else 0.0
            rgba = plane_map_rgba(m[::-1], low, 1.0).reshape(m.shape[0], m.shape[1], 4)
            rgba = np.ascontiguousarray(rgba)
            image = QImage(
                rgba.data, m.shape[1], m.shape[0], m.shape[1] * 4, QImage.Format.Format_RGBA8888
            ).copy()
            row.append(image)
        images.append(row)
    return images


class NetworkView(QWidget):
    """The network as nodes and edges, with a colour legend and display controls.

    Signals
    -------
    parameter_selected(object)
        A :class:`ParameterRef` (weight or bias) was selected, or None.
    weight_edit_requested(object, float)
        The user entered a new value for a parameter (only when editable).
    node_hovered(object)
        ``(layer, index)`` of the node under the mouse (layer 0 = inputs), or None.
    node_selected(object)
        ``(layer, index)`` of a clicked node.
    colour_mode_changed(str)
        The colour mode changed (``"weight"``, ``"gradient"`` or ``"update"``).
    sample_changed(object)
        The sample shown in the node fill changed (an index, or None for the mean).
    node_maps_toggled(bool)
        The per-unit maps were switched on or off (compute maps only when on).
    status_message_posted(str)
        A short message for the status bar (also sent as a status tip event).
    """

    parameter_selected = Signal(object)
    weight_edit_requested = Signal(object, float)
    node_hovered = Signal(object)
    node_selected = Signal(object)
    colour_mode_changed = Signal(str)
    sample_changed = Signal(object)
    node_maps_toggled = Signal(bool)
    status_message_posted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snapshot: NetworkSnapshot | None = None
        self._layout: NetworkLayout | None = None
        self._input_names: list[str] = []
        self._output_names: list[str] = []
        self._colour_mode = "weight"
        self._scales = {mode: ColourScale("auto") for mode in COLOUR_MODES}
        self._sample: int | None = None
        self._editable = False
        self._selected: ParameterRef | None = None
        self._hovered_ref: ParameterRef | None = None
        self._hovered_node: tuple[int, int] | None = None
        self._highlighted_layer: int | None = None
        self._node_texts: list[list[str]] | None = None
        self._edge_texts: dict[ParameterRef, str] | None = None
        self._node_deltas: list[npt.NDArray[np.float64] | None] | None = None
        self._node_maps: list[list[np.ndarray | None]] | None = None
        self._node_map_images: list[list[QImage | None]] | None = None
        self._node_maps_visible = False
        #: Practice mode: no values anywhere but the node and edge texts.
        self._exercise_mode = False
        self._dirty = True
        #: A deferred snapshot is stored that the screen does not show yet.
        self._screen_behind = False
        #: _picture_key() of what the view last painted on screen.
        self._screen_key: tuple | None = None
        #: (key, [(rect, text)], hidden count): where the edge labels go.
        self._label_cache: tuple | None = None
        # Render state, built by _refresh().
        self._limit = 1.0
        self._weight_rgba = np.zeros((0, 4), np.uint8)
        self._weight_widths = np.zeros(0)
        self._bias_rgba = np.zeros((0, 4), np.uint8)
        self._bias_widths = np.zeros(0)
        self._groups: list[EdgeGroup] = []
        self._groups_lod = 1.0
        self._edges_left_out = 0
        self._weight_levels = np.zeros(0, np.int64)
        self._bias_levels = np.zeros(0, np.int64)
        self._pens = EdgePens()
        self._line_factor = 1.0
        self._plan_cache: tuple | None = None
        self._shown_notes: list[str] = []
        self._node_fill: list[npt.NDArray[np.uint8]] = []
        self._node_values: list[npt.NDArray[np.float64]] = []

        self._scene = QGraphicsScene(self)
        self._item = _NetworkItem(self)
        # Painted once per change into a pixmap in device pixels; repaints that change
        # nothing (a second expose, an overlapping widget, the legend) are a blit.
        self._item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._scene.addItem(self._item)
        self._view = _GraphicsView(self)
        self._view.setScene(self._scene)
        self._editor = _WeightEditor(self, self._view.viewport())
        self._build_controls()
        self._update_editable_hint()

    # ------------------------------------------------------------------ widgets
    def _build_controls(self) -> None:
        self._mode_combo = QComboBox()
        for mode, label in COLOUR_MODE_LABELS.items():
            self._mode_combo.addItem(label, mode)
        self._mode_combo.setToolTip(
            "What the edge colours show: the weight, its gradient dE/dw on the "
            "training set, or the change the last update made"
        )
        self._mode_combo.currentIndexChanged.connect(
            lambda index: self.set_colour_mode(self._mode_combo.itemData(index))
        )
        self._scale_combo = QComboBox()
        self._scale_combo.addItem("auto scale", "auto")
        self._scale_combo.addItem("fixed scale", "fixed")
        self._scale_combo.setToolTip(
            "Auto: the deepest colour is the largest |value| shown now.\n"
            "Fixed: the deepest colour is the limit you set, so colours stay "
            "comparable between epochs."
        )
        self._scale_combo.currentIndexChanged.connect(self._scale_combo_changed)
        self._limit_spin = QDoubleSpinBox()
        self._limit_spin.setDecimals(4)
        self._limit_spin.setRange(1e-4, 1e6)
        self._limit_spin.setKeyboardTracking(False)
        self._limit_spin.setPrefix("± ")
        self._limit_spin.setToolTip("The |value| drawn with the deepest colour (fixed scale)")
        self._limit_spin.setEnabled(False)
        self._limit_spin.valueChanged.connect(self._limit_spin_changed)
        # Above PAGE_SIZE samples the list holds a page of them and a page selector
        # (its own row of the controls) says which: 20,000 entries took a tenth of a
        # second at every new network or data, and a list that long is no choice.
        self._samples = SampleChooser(
            lambda _n: "batch mean",
            lambda start, stop: [f"sample {k + 1}" for k in range(start, stop)],
        )
        self._sample_combo = self._samples.combo
        self._sample_combo.setToolTip("Node fill and node tooltips: one sample, or the batch mean")
        self._samples.sample_changed.connect(self.set_sample)
        self._maps_check = QCheckBox("unit maps")
        self._maps_check.setToolTip(
            "For 2-input data: draw inside each unit its output over the input plane"
        )
        self._maps_check.toggled.connect(self.set_node_maps_visible)

        # Two groups that wrap onto two rows when the view is narrow (1280 x 720).
        controls = self._controls = FlowLayout(spacing=12)
        controls.setContentsMargins(4, 2, 4, 2)
        for widgets in (
            (QLabel("Edges:"), self._mode_combo, self._scale_combo, self._limit_spin),
            (QLabel("Nodes:"), self._samples, self._maps_check),
        ):
            group = QWidget()
            row = QHBoxLayout(group)
            row.setContentsMargins(0, 0, 0, 0)
            for widget in widgets:
                row.addWidget(widget)
            controls.addWidget(group)
        controls.addWidget(self._samples.page_row)  # shown while the samples are paged

        self._legend = ColourLegend(COLOUR_MODES["weight"], 1.0)
        self._legend.setMinimumWidth(200)
        self._legend.setMaximumWidth(320)
        self._hint = QLabel()
        self._hint.setWordWrap(True)
        self._hint.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(4, 0, 4, 2)
        #: What the node fill means (the same colours, over each layer's range).
        self._fill_legend = FillLegend()
        self._fill_legend.setMinimumWidth(150)
        self._fill_legend.setMaximumWidth(240)
        legends = QVBoxLayout()
        legends.setSpacing(0)
        legends.addWidget(self._legend)
        legends.addWidget(self._fill_legend)
        bottom.addLayout(legends)
        bottom.addWidget(self._hint, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(controls)
        layout.addWidget(self._view, 1)
        layout.addLayout(bottom)

    def sizeHint(self) -> QSize:
        return QSize(640, 440)

    def graphics_view(self) -> QGraphicsView:
        """The QGraphicsView the network is drawn in (for mapping points in tests)."""
        return self._view

    def legend(self) -> ColourLegend:
        """The colour legend under the network."""
        return self._legend

    # --------------------------------------------------------------------- input
    def set_snapshot(self, snapshot: NetworkSnapshot | None, deferred: bool = False) -> None:
        """Show ``snapshot`` (None clears the view). Rendering waits while hidden.

        ``deferred``: only store it (every query already answers for it); the colours
        are recomputed and the view repainted by :meth:`catch_up`, which the caller
        runs in a later event-loop turn (the window's :class:`ViewTurns`), or by the
        next paint, whichever comes first.
        """
        old_layout = self._layout
        self._snapshot = snapshot
        if snapshot is None:
            self._layout = None
        else:
            has_bias = snapshot.biases is not None
            if (
                old_layout is None
                or old_layout.layer_sizes != tuple(snapshot.layer_sizes)
                or old_layout.has_bias != has_bias
            ):
                self._layout = NetworkLayout(
                    snapshot.layer_sizes,
                    has_bias,
                    *self._spacing_for(snapshot.layer_sizes, has_bias),
                )
        if self._layout is not old_layout:
            self._architecture_changed()
        self._sync_sample_combo()
        if deferred and self._layout is old_layout:
            self._dirty = True
            self._screen_behind = True
            return
        self._invalidate()

    def catch_up(self) -> None:
        """Recompute what a deferred :meth:`set_snapshot` stored and ask for a repaint,
        unless the picture would be the one on screen (a network that has settled:
        the same colour levels, node fills and node texts)."""
        if not self._screen_behind or not self.isVisible():
            return
        if self._dirty:
            self._refresh()
        self._screen_behind = False
        if self._screen_key is not None and self._picture_key() == self._screen_key:
            return
        self._item.update()
        # The scene posts its item updates for the next turn; the viewport's
        # repaint request goes out now, so Qt paints this view before the next one.
        self._view.viewport().update()

    def _painted_on_screen(self) -> None:
        self._screen_behind = False
        self._screen_key = self._picture_key()

    def _picture_key(self) -> tuple | None:
        """What the snapshot decides in the picture: the edges' colour levels, the node
        fills and (when they are drawn) the node texts; the rest is the view's own
        state, which repaints when it changes."""
        layout = self._layout
        if layout is None or self._snapshot is None or self._dirty:
            return None
        plan = self.text_plan()
        texts = None
        if plan is not None and plan.show_values and not self._exercise_mode:
            texts = tuple(
                (short(v), f"{v:.1f}") for values in self._node_values for v in values.tolist()
            )
        return (
            id(layout),
            self._weight_levels.tobytes(),
            self._bias_levels.tobytes(),
            tuple(fill.tobytes() for fill in self._node_fill),
            texts,
        )

    def _spacing_for(
        self, layer_sizes: Sequence[int], has_bias: bool
    ) -> tuple[float, float, float]:
        viewport = self._view.viewport()
        return spacing_for_view(
            layer_sizes,
            has_bias,
            viewport.width(),
            viewport.height(),
            self.readable_min_pixels(),
        )

    def _fit_layout_to_view(self) -> None:
        """Spread the drawing to the view's shape (called when the view is resized)."""
        layout = self._layout
        if layout is None:
            return
        column, node, text = self._spacing_for(layout.layer_sizes, layout.has_bias)
        if (
            abs(column - layout.column_spacing) <= 0.02 * layout.column_spacing
            and abs(node - layout.node_spacing) <= 0.02 * layout.node_spacing
            and abs(text - layout.text_size) <= 0.05 * layout.text_size
        ):
            return
        self._layout = NetworkLayout(layout.layer_sizes, layout.has_bias, column, node, text)
        self._editor.close_editor()
        self._item.set_bounds(self._layout.bounds)
        self._scene.setSceneRect(self._item.boundingRect())
        self._label_cache = None
        self._dirty = True  # the edge groups hold the old lines
        self._item.update()

    def snapshot(self) -> NetworkSnapshot | None:
        """The snapshot shown."""
        return self._snapshot

    def _architecture_changed(self) -> None:
        self._label_cache = None
        self._editor.close_editor()
        self._hovered_ref = None
        self._hovered_node = None
        if self._layout is None:
            self._item.set_bounds(QRectF(0, 0, 1, 1))
        else:
            self._item.set_bounds(self._layout.bounds)
        self._scene.setSceneRect(self._item.boundingRect())
        self._view.fit()
        if self._selected is not None and not self._ref_exists(self._selected):
            self._selected = None
            self.parameter_selected.emit(None)
        if self._highlighted_layer is not None and (
            self._layout is None or self._highlighted_layer >= len(self._layout.layer_sizes)
        ):
            self._highlighted_layer = None
        self._rebuild_map_images()

    def set_names(
        self, input_names: Sequence[str] | None, output_names: Sequence[str] | None
    ) -> None:
        """Names drawn beside the input and output nodes (None or empty: none drawn)."""
        self._input_names = [str(n) for n in input_names] if input_names else []
        self._output_names = [str(n) for n in output_names] if output_names else []
        self._item.update()

    def names(self) -> tuple[list[str], list[str]]:
        """The input and output names."""
        return list(self._input_names), list(self._output_names)

    def set_line_factor(self, factor: float) -> None:
        """Presentation mode: edges and outlines ``factor`` times their width (1: normal)."""
        factor = float(factor)
        if factor <= 0 or factor == self._pens.factor:
            return
        self._pens = EdgePens(factor)
        self._line_factor = factor
        self._invalidate()
        self._item.update()

    def line_factor(self) -> float:
        return self._line_factor

    def set_colour_mode(self, mode: str) -> None:
        """Colour the edges by ``"weight"``, ``"gradient"`` (dE/dw) or ``"update"`` (Δw)."""
        if mode not in COLOUR_MODES:
            raise ValueError(f"colour mode must be one of {', '.join(COLOUR_MODES)}, not {mode!r}")
        if mode == self._colour_mode:
            return
        self._colour_mode = mode
        self._sync_controls()
        self._invalidate()
        self.colour_mode_changed.emit(mode)

    def colour_mode(self) -> str:
        """The current colour mode."""
        return self._colour_mode

    def set_scale(self, mode: str, limit: float | None = None) -> None:
        """Scale of the current colour mode: ``"auto"`` or ``"fixed"`` at ``limit``.

        ``"fixed"`` with ``limit=None`` freezes the limit shown now. Raises
        ValueError (and keeps the old scale) for a bad mode or limit.
        """
        if mode == "fixed" and limit is None:
            self._ensure_fresh()
            limit = self._limit
        self._scales[self._colour_mode] = ColourScale(mode, limit)
        self._sync_controls()
        self._invalidate()

    def scale(self) -> ColourScale:
        """The colour scale of the current colour mode."""
        return self._scales[self._colour_mode]

    def colour_limit(self) -> float:
        """The |value| drawn with the deepest colour now (what the legend's ends say)."""
        self._ensure_fresh()
        return self._limit

    def set_sample(self, index: int | None) -> None:
        """Fill nodes with sample ``index``'s values, or the batch mean for None."""
        if index is not None:
            index = int(index)
            n = self._sample_count()
            if not 0 <= index < max(n, 1) or n == 0:
                raise ValueError(f"sample {index} does not exist (the data has {n} samples)")
        if index == self._sample:
            return
        self._sample = index
        self._sync_sample_combo()
        self._invalidate()
        self.sample_changed.emit(index)

    def sample(self) -> int | None:
        """The sample shown in the node fill (None: batch mean)."""
        return self._sample

    def set_editable(self, editable: bool) -> None:
        """Whether double-clicking an edge lets the user type a new value."""
        self._editable = bool(editable)
        if not self._editable:
            self._editor.close_editor()
        self._update_editable_hint()

    def is_editable(self) -> bool:
        return self._editable

    def select(self, ref: ParameterRef | None) -> None:
        """Select (highlight) a weight or bias; emits ``parameter_selected`` when it changes."""
        if ref is not None and not self._ref_exists(ref):
            raise ValueError(f"{ref.name} is not a parameter of the network shown")
        if ref == self._selected:
            return
        self._selected = ref
        self._item.update()
        self.parameter_selected.emit(ref)

    def selected(self) -> ParameterRef | None:
        """The selected parameter, or None."""
        return self._selected

    # --------------------------------------------------------- phase display
    def set_exercise_mode(self, on: bool) -> None:
        """Practice mode: show no number but the node and edge texts.

        Nodes are drawn unfilled with no value inside, edges thin and grey (their
        colour would tell the weights), no tooltips, clicks select nothing, and no
        display controls or colour legend; the selected edge and the highlighted
        layer still show.
        """
        on = bool(on)
        if on == self._exercise_mode:
            return
        self._exercise_mode = on
        for index in range(self._controls.count()):
            widget = self._controls.itemAt(index).widget()
            if widget is not None:
                widget.setVisible(not on)
        self._samples.page_row.setVisible(not on and self._samples.is_paged())
        self._legend.setVisible(not on)
        self._fill_legend.setVisible(not on)
        self._hint.setVisible(not on)
        self._invalidate()

    def exercise_mode(self) -> bool:
        return self._exercise_mode

    def set_highlighted_layer(self, layer: int | None) -> None:
        """Highlight column ``layer`` (0 = inputs) and the edges into it; dim the rest."""
        if layer is not None:
            layer = int(layer)
            count = len(self._layout.layer_sizes) if self._layout else 0
            if not 0 <= layer < count:
                raise ValueError(f"layer {layer} does not exist (the network has {count} layers)")
        if layer == self._highlighted_layer:
            return
        self._highlighted_layer = layer
        self._invalidate()

    def highlighted_layer(self) -> int | None:
        return self._highlighted_layer

    def set_node_texts(self, texts: Sequence[Sequence[str]] | None) -> None:
        """Small texts beside the nodes: per layer (input first), per node; None clears.

        Layers or nodes beyond the network shown are ignored; empty strings draw nothing.
        """
        self._node_texts = None if texts is None else [[str(t) for t in row] for row in texts]
        self._label_cache = None
        self._item.update()

    def node_texts(self) -> list[list[str]] | None:
        return None if self._node_texts is None else [list(r) for r in self._node_texts]

    def set_edge_texts(self, texts: dict[ParameterRef, str] | None) -> None:
        """Labels drawn on some edges (e.g. old, Δ and new weight); None clears."""
        self._edge_texts = None if texts is None else {ref: str(t) for ref, t in texts.items()}
        self._label_cache = None
        self._item.update()

    def edge_texts(self) -> dict[ParameterRef, str] | None:
        return None if self._edge_texts is None else dict(self._edge_texts)

    def set_node_deltas(self, deltas: Sequence[npt.ArrayLike | None] | None) -> None:
        """Per layer (input first, usually None) the delta dE/da of each node, for tooltips."""
        if deltas is None:
            self._node_deltas = None
        else:
            self._node_deltas = [
                None if d is None else np.asarray(d, dtype=np.float64).ravel() for d in deltas
            ]

    # ------------------------------------------------------------ node maps
    def set_node_maps(
        self, maps: Sequence[Sequence[np.ndarray | None]] | None, images=None
    ) -> None:
        """Per layer (input first) per node a small 2-D map drawn in the node; None clears.

        Each map is ``values[row, column]`` over a grid of the input plane, with
        row 0 at the lowest second input and column 0 at the lowest first input
        (what ``np.meshgrid(xs, ys)`` gives), values in [0, 1] or, when any is
        negative, [-1, 1]. Drawn in the data plot's (paler) orange-blue colours while the
        maps are visible. ``images``: :func:`node_map_images` of ``maps``, when already
        made (off the GUI thread: 2,051 of them take most of a second).
        """
        if maps is None:
            self._node_maps = None
        else:
            checked: list[list[np.ndarray | None]] = []
            for layer_maps in maps:
                row: list[np.ndarray | None] = []
                for m in layer_maps if layer_maps is not None else []:
                    if m is None:
                        row.append(None)
                        continue
                    array = np.asarray(m, dtype=np.float64)
                    if array.ndim != 2 or array.size == 0:
                        raise ValueError(
                            f"a node map must be a non-empty 2-D array, got shape {array.shape}"
                        )
                    row.append(array)
                checked.append(row)
            self._node_maps = checked
        self._maps_check.setEnabled(self._node_maps is not None)
        if images is not None and self._node_maps is not None:
            self._node_map_images = images
        else:
            self._rebuild_map_images()
        self._item.update()

    def clear_node_maps(self, available: bool) -> None:
        """Drop the maps (they were of another network or data) without new ones:
        ``available`` keeps the "unit maps" box enabled, so switching it on asks for
        maps (``node_maps_toggled``) that are computed only then."""
        self._node_maps = None
        self._node_map_images = None
        self._maps_check.setEnabled(bool(available))
        self._item.update()

    def set_node_maps_visible(self, visible: bool) -> None:
        """Show or hide the per-unit maps (emits ``node_maps_toggled`` on change)."""
        visible = bool(visible)
        if visible == self._node_maps_visible:
            return
        self._node_maps_visible = visible
        self._maps_check.blockSignals(True)
        self._maps_check.setChecked(visible)
        self._maps_check.blockSignals(False)
        self._item.update()
        self.node_maps_toggled.emit(visible)

    def node_maps_visible(self) -> bool:
        return self._node_maps_visible

    def _rebuild_map_images(self) -> None:
        maps = self._node_maps
        self._node_map_images = None if maps is None else node_map_images(maps)

    # ---------------------------------------------------------------- queries
    def edge_colours(self) -> npt.NDArray[np.uint8]:
        """RGBA (E, 4) of every weight edge as drawn, layer by layer, row-major (source, target)."""
        self._ensure_fresh()
        return self._weight_rgba.copy()

    def edge_widths(self) -> npt.NDArray[np.float64]:
        """Width (scene units) of every weight edge, in :meth:`edge_colours` order."""
        self._ensure_fresh()
        return self._weight_widths.copy()

    def bias_colours(self) -> npt.NDArray[np.uint8]:
        """RGBA of every bias edge: layer by layer, by target unit (empty without biases)."""
        self._ensure_fresh()
        return self._bias_rgba.copy()

    def bias_widths(self) -> npt.NDArray[np.float64]:
        self._ensure_fresh()
        return self._bias_widths.copy()

    def node_colours(self, layer: int) -> npt.NDArray[np.uint8]:
        """RGBA fill of the nodes of ``layer`` (0 = inputs) as drawn."""
        self._ensure_fresh()
        return self._node_fill[layer].copy()

    def edge_midpoint(self, ref: ParameterRef) -> QPointF:
        """Scene position of the middle of a weight or bias edge."""
        if self._layout is None or not self._ref_exists(ref):
            raise ValueError(f"{ref.name} is not drawn")
        return self._layout.midpoint(ref)

    def edge_hit_point(self, ref: ParameterRef) -> QPointF:
        """A scene point on the edge that no other edge passes through.

        Mirrored edges (unit i to j and j to i) cross at their midpoints; a point
        at an irrational fraction (sqrt(2) - 1) of the way cannot lie on another
        edge of the grid, so clicking it selects exactly ``ref``.
        """
        if self._layout is None or not self._ref_exists(ref):
            raise ValueError(f"{ref.name} is not drawn")
        return self._layout.point_along(ref, EDGE_HIT_FRACTION)

    def node_position(self, layer: int, index: int) -> QPointF:
        """Scene position of a node's centre (layer 0 = inputs)."""
        if self._layout is None:
            raise ValueError("no network is shown")
        x, y = self._layout.node_positions[layer][index]
        return QPointF(float(x), float(y))

    def bias_node_position(self, layer: int) -> QPointF:
        """Scene position of the "+1" node feeding layer ``layer + 1``."""
        if self._layout is None or not self._layout.has_bias:
            raise ValueError("the network shown has no biases")
        x, y = self._layout.bias_positions[layer]
        return QPointF(float(x), float(y))

    def weight_editor(self) -> QDoubleSpinBox:
        """The inline editor double-click opens (for tests and keyboard users)."""
        return self._editor

    # ---------------------------------------------------------------- export
    def export_image(self, path: str | Path) -> None:
        """Save the network with its colour legend as PNG (2x resolution) or SVG.

        Raises ValueError for other suffixes and OSError when the file cannot be written.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".png", ".svg"):
            raise ValueError(
                f"export the network as .png or .svg, not {path.suffix or path.name!r}"
            )
        self._ensure_fresh()
        source = self._item.boundingRect()
        legend_height = 0.0 if self._exercise_mode else float(self._legend.sizeHint().height())
        legend_width = min(320.0, source.width())
        width, height = source.width(), source.height() + legend_height
        background = self.palette().color(QPalette.ColorRole.Base)
        hovered, self._hovered_ref, self._hovered_node = (
            (self._hovered_ref, self._hovered_node),
            None,
            None,
        )
        try:
            if suffix == ".png":
                factor = 2.0
                image = QImage(
                    math.ceil(width * factor),
                    math.ceil(height * factor),
                    QImage.Format.Format_ARGB32_Premultiplied,
                )
                image.fill(background)
                painter = QPainter(image)
                try:
                    self._render_export(painter, source, factor, legend_width, legend_height)
                finally:
                    painter.end()
                if not image.save(str(path), "PNG"):
                    raise OSError(f"could not write {path}")
            else:
                generator = QSvgGenerator()
                generator.setFileName(str(path))
                generator.setSize(QSize(math.ceil(width), math.ceil(height)))
                generator.setViewBox(QRectF(0, 0, width, height))
                generator.setTitle("Backprop Lab network")
                generator.setDescription(
                    f"Edges coloured by {COLOUR_MODES[self._colour_mode]}, "
                    f"deepest colour at ±{format_scale_number(self._limit)}"
                )
                painter = QPainter()
                if not painter.begin(generator):
                    raise OSError(f"could not write {path}")
                try:
                    painter.fillRect(QRectF(0, 0, width, height), background)
                    self._render_export(painter, source, 1.0, legend_width, legend_height)
                finally:
                    painter.end()
                if not path.exists() or path.stat().st_size == 0:
                    raise OSError(f"could not write {path}")
        finally:
            self._hovered_ref, self._hovered_node = hovered

    def _render_export(
        self,
        painter: QPainter,
        source: QRectF,
        factor: float,
        legend_width: float,
        legend_height: float,
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.save()
        painter.scale(factor, factor)
        painter.translate(-source.left(), -source.top())
        self._paint_network(painter, factor, scale=1.0, every_edge=True)
        painter.restore()
        if legend_height > 0:
            painter.save()
            painter.scale(factor, factor)
            painter.translate(0, source.height())
            self._legend.paint_into(painter, QRectF(0, 0, legend_width, legend_height))
            painter.restore()

    # ------------------------------------------------------------- tooltips
    def tooltip_at(self, scene_point: QPointF) -> str:
        """The tooltip for whatever is at ``scene_point`` ("" for empty space)."""
        hit = self._hit(scene_point)
        if hit is None or self._exercise_mode:
            return ""
        kind, what = hit
        if kind == "node":
            return self.node_tooltip(*what)
        if kind == "bias_node":
            return self.bias_node_tooltip(what)
        return self.edge_tooltip(what)

    def edge_tooltip(self, ref: ParameterRef) -> str:
        """Weight (or bias), gradient dE/dw and last update of one edge."""
        snap = self._snapshot
        if snap is None or not self._ref_exists(ref):
            return ""
        # The one name and description of a parameter, counted from 1 (core.naming).
        where = parameter_description(ref, snap.layer_sizes, snap.input_labels)
        if ref.is_bias:
            value = float(snap.biases[ref.layer][ref.target])
            gradient = float(snap.bias_gradients[ref.layer][ref.target])
            updates = snap.last_bias_updates
            update = None if updates is None else float(updates[ref.layer][ref.target])
            lines = [
                f"<b>{ref.name}</b>: {where}",
                f"bias b = {fmt(value)}",
                f"gradient dE/db = {fmt(gradient)}",
            ]
            symbol = "Δb"
        else:
            value = float(snap.weights[ref.layer][ref.source, ref.target])
            gradient = float(snap.weight_gradients[ref.layer][ref.source, ref.target])
            updates = snap.last_weight_updates
            update = None if updates is None else float(updates[ref.layer][ref.source, ref.target])
            lines = [
                f"<b>{ref.name}</b>: {where}",
                f"weight w = {fmt(value)}",
                f"gradient dE/dw = {fmt(gradient)}",
            ]
            symbol = "Δw"
        lines.append(
            f"last update {symbol} = " + ("(no update yet)" if update is None else fmt(update))
        )
        if self._editable:
            lines.append("<i>double-click to edit</i>")
        return "<br>".join(lines)

    def node_tooltip(self, layer: int, index: int) -> str:
        """Activation h(a), pre-activation a (and delta when set) of one node."""
        snap = self._snapshot
        if snap is None:
            return ""
        which = "batch mean" if self._sample is None else f"sample {self._sample + 1}"
        if layer == 0:
            name = self._input_names[index] if index < len(self._input_names) else ""
            value = float(snap.node_values(0, self._sample)[index])
            title = f"<b>input {index}</b>" + (f" ({name})" if name else "")
            return "<br>".join([title, f"{which}: x = {fmt(value)}"])
        activation = snap.activations[layer - 1]
        h = float(snap.node_values(layer, self._sample)[index])
        a = float(snap.node_pre_activations(layer, self._sample)[index])
        is_output = layer == len(snap.layer_sizes) - 1
        name = ""
        if is_output and index < len(self._output_names):
            name = f" ({self._output_names[index]})"
        lines = [
            f"<b>{self._layer_name(layer)} unit {index}</b>{name}, {activation}",
            f"{which}:",
            f"pre-activation a = {fmt(a)}",
            f"activation h(a) = {fmt(h)}",
        ]
        if self._node_deltas is not None and layer < len(self._node_deltas):
            deltas = self._node_deltas[layer]
            if deltas is not None and index < deltas.size:
                lines.append(f"delta δ = dE/da = {fmt(float(deltas[index]))}")
        return "<br>".join(lines)

    def bias_node_tooltip(self, layer: int) -> str:
        return (
            f"<b>bias unit +1</b> feeding {self._layer_name(layer + 1)}<br>"
            "its dashed edges are the biases b; hover one for its numbers"
        )

    # --------------------------------------------------------------- helpers
    def _layer_name(self, layer: int) -> str:
        if self._layout is None:
            return ""
        last = len(self._layout.layer_sizes) - 1
        if layer == 0:
            return "input"
        if layer == last:
            return "output"
        return f"hidden {layer}"

    def _layer_heading(self, layer: int) -> str:
        last = len(self._layout.layer_sizes) - 1
        if layer == 0:
            return "inputs x"
        if layer == last:
            return "outputs P" if self._layout.layer_sizes[-1] > 1 else "output P"
        return f"hidden {layer}"

    def _ref_exists(self, ref: ParameterRef) -> bool:
        if self._layout is None:
            return False
        if ref.is_bias:
            return ref in self._layout.bias_ref_index
        return ref in self._layout.ref_index

    def _sample_count(self) -> int:
        return 0 if self._snapshot is None else int(self._snapshot.inputs.shape[0])

    def _sync_controls(self) -> None:
        widgets = (self._mode_combo, self._scale_combo, self._limit_spin)
        for w in widgets:
            w.blockSignals(True)
        self._mode_combo.setCurrentIndex(self._mode_combo.findData(self._colour_mode))
        scale = self._scales[self._colour_mode]
        self._scale_combo.setCurrentIndex(self._scale_combo.findData(scale.mode))
        self._limit_spin.setEnabled(scale.mode == "fixed")
        if scale.mode == "fixed":
            self._limit_spin.setValue(scale.limit)
        for w in widgets:
            w.blockSignals(False)

    def _sync_sample_combo(self) -> None:
        n = self._sample_count()
        if self._sample is not None and self._sample >= n:
            self._sample = None
            self.sample_changed.emit(None)
        chooser = self._samples
        chooser.blockSignals(True)
        try:
            if chooser.count() != n:
                chooser.refresh(n)
            chooser.set_sample(self._sample)
        finally:
            chooser.blockSignals(False)

    def sample_chooser(self) -> SampleChooser:
        """The sample list (one page of the samples above ``PAGE_SIZE``)."""
        return self._samples

    def _scale_combo_changed(self, index: int) -> None:
        mode = self._scale_combo.itemData(index)
        self.set_scale(mode, None)

    def _limit_spin_changed(self, value: float) -> None:
        if self._scales[self._colour_mode].mode == "fixed":
            self.set_scale("fixed", float(value))

    def _update_editable_hint(self) -> None:
        if self._editable:
            text = "Click an edge to select it; double-click to change its value."
        else:
            text = "Click an edge to select it. Pause training to edit a weight."
        notes = self._shown_notes
        if notes:
            text += " Left out at this size: " + ", ".join(notes) + "."
        self._hint.setText(text)

    def _post_status(self, message: str) -> None:
        self.status_message_posted.emit(message)
        QApplication.sendEvent(self, QStatusTipEvent(message))

    # ------------------------------------------------------------- rendering
    def _invalidate(self) -> None:
        self._dirty = True
        if self.isVisible():
            self._refresh()
            self._item.update()

    def _ensure_fresh(self) -> None:
        if self._dirty:
            self._refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self._refresh()
        self._view.fit()
        self._item.update()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._item.update()

    def _mode_arrays(self) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
        snap = self._snapshot
        mode = self._colour_mode
        if mode == "weight":
            return list(snap.weights), None if snap.biases is None else list(snap.biases)
        if mode == "gradient":
            biases = snap.bias_gradients
            return list(snap.weight_gradients), None if biases is None else list(biases)
        weights = snap.last_weight_updates
        biases = snap.last_bias_updates
        if weights is None:
            weights = [np.zeros_like(w) for w in snap.weights]
        if biases is None and snap.biases is not None:
            biases = [np.zeros_like(b) for b in snap.biases]
        return list(weights), None if biases is None else list(biases)

    def _refresh(self) -> None:
        """Recompute colours, widths, pen groups and node fills from the snapshot."""
        self._dirty = False
        snap, layout = self._snapshot, self._layout
        if snap is None or layout is None:
            self._weight_rgba = np.zeros((0, 4), np.uint8)
            self._weight_widths = np.zeros(0)
            self._bias_rgba = np.zeros((0, 4), np.uint8)
            self._bias_widths = np.zeros(0)
            self._groups = []
            self._edges_left_out = 0
            self._node_fill = []
            self._node_values = []
            self._limit = self._scales[self._colour_mode].limit_for(None)
            self._update_legend()
            return
        weights, biases = self._mode_arrays()
        shown = weights + (biases or [])
        self._limit = self._scales[self._colour_mode].limit_for(shown)
        weight_values = np.concatenate([w.ravel() for w in weights]) if weights else np.zeros(0)
        bias_values = np.concatenate([b.ravel() for b in biases]) if biases else np.zeros(0)
        weight_levels = levels_for(weight_values, self._limit)
        bias_levels = levels_for(bias_values, self._limit)
        if self._exercise_mode:  # grey: the colours would tell the weights
            weight_levels = np.zeros_like(weight_levels)
            bias_levels = np.zeros_like(bias_levels)
        self._weight_rgba, self._weight_widths = level_style(weight_levels)
        self._bias_rgba, self._bias_widths = level_style(bias_levels)
        self._weight_levels = weight_levels
        self._bias_levels = bias_levels
        self._groups, self._edges_left_out = self._build_groups(self._device_scale())
        self._groups_lod = self._device_scale()
        self._node_values = []
        self._node_fill = []
        for layer in range(len(layout.layer_sizes)):
            all_values = snap.node_extremes(layer)
            activation = None if layer == 0 else snap.activations[layer - 1]
            low, high = node_range(activation, all_values)
            values = snap.node_values(layer, self._sample)
            self._node_values.append(np.asarray(values, dtype=np.float64))
            if self._exercise_mode:  # unfilled: the fill would tell h(a)
                base = self.palette().color(QPalette.ColorRole.Base)
                fill = np.array([base.red(), base.green(), base.blue(), 255], np.uint8)
                self._node_fill.append(np.tile(fill, (len(values), 1)))
            else:
                self._node_fill.append(range_rgba(values, low, high))
        self._update_legend()

    def _update_legend(self) -> None:
        title = COLOUR_MODES[self._colour_mode]
        snap = self._snapshot
        if self._colour_mode == "update" and snap is not None and snap.last_weight_updates is None:
            title += " (no update yet)"
        mode = self._scales[self._colour_mode].mode
        if title != self._legend.title():
            self._legend.set_title(title)
        if self._limit != self._legend.limit() or mode != self._legend.scale_mode():
            self._legend.set_limit(self._limit, mode)
        if self._scales[self._colour_mode].mode == "auto":
            shown_limit = round(min(max(self._limit, 1e-4), 1e6), self._limit_spin.decimals())
            # Only when the number shown changes: setValue repaints the box every time.
            if shown_limit != self._limit_spin.value():
                self._limit_spin.blockSignals(True)
                self._limit_spin.setValue(shown_limit)
                self._limit_spin.blockSignals(False)

    def _device_scale(self) -> float:
        """Device pixels per scene unit on screen now."""
        return self.screen_scale() * max(1.0, float(self.devicePixelRatioF()))

    def _build_groups(self, lod: float, every_edge: bool = False) -> tuple[list[EdgeGroup], int]:
        """The pen groups of the edges drawn at ``lod`` (see ``edges_to_draw``), and
        how many weight edges were left out."""
        layout = self._layout
        levels = self._weight_levels
        keep, left_out = (
            (None, 0)
            if every_edge
            else edges_to_draw(layout, levels, self._weight_widths * self._pens.factor, lod)
        )
        if keep is None:
            lines, targets = layout.weight_lines_at(slice(None)), layout.weight_target_layers
        else:
            lines, targets, levels = (
                layout.weight_lines_at(keep),
                layout.weight_target_layers[keep],
                levels[keep],
            )
        highlighted = self._highlighted_layer
        groups = self._pens.group_edges(
            lines, targets, levels, False, highlighted
        ) + self._pens.group_edges(
            layout.bias_lines, layout.bias_target_layers, self._bias_levels, True, highlighted
        )
        groups.sort(key=lambda g: g.order)
        return groups, left_out

    def _groups_for(self, lod: float) -> list[EdgeGroup]:
        """The edge groups to paint at ``lod``: the cached ones unless the level of
        detail differs (a resize, an export at another resolution)."""
        if self._layout is None:
            return []
        if abs(lod - self._groups_lod) <= 0.1 * self._groups_lod:
            return self._groups
        groups, left_out = self._build_groups(lod)
        if abs(lod - self._device_scale()) <= 0.1 * lod:  # on screen: keep them
            self._groups, self._edges_left_out, self._groups_lod = groups, left_out, lod
        return groups

    def edges_left_out(self) -> int:
        """How many weight edges the view leaves out at its size (covered by stronger ones)."""
        self._ensure_fresh()
        return self._edges_left_out

    # -------------------------------------------------------------- painting
    def readable_min_pixels(self) -> float:
        """The smallest text size (screen pixels) the view draws: 0.8 of the UI font."""
        return max(MIN_TEXT_PIXELS, 0.8 * QFontInfo(self.font()).pixelSize())

    def screen_scale(self) -> float:
        """Screen (logical) pixels per scene unit, as the view is fitted now."""
        return self._view.scale_factor()

    def text_plan(self, scale: float | None = None) -> TextPlan | None:
        """What text is drawn, and how big, at ``scale`` (default: as shown now)."""
        layout, snap = self._layout, self._snapshot
        if layout is None or snap is None:
            return None
        scale = self.screen_scale() if scale is None else scale
        show_maps = self._node_maps_visible and self._node_map_images is not None
        key = (
            id(layout),
            round(scale, 4),
            show_maps,
            tuple(self._input_names),
            tuple(self._output_names),
            tuple(snap.activations),
            self.font().key(),
        )
        if self._plan_cache is not None and self._plan_cache[0] == key:
            return self._plan_cache[1]
        plan = plan_texts(
            layout,
            scale,
            self.readable_min_pixels(),
            self.font(),
            [self._layer_heading(k) for k in range(len(layout.layer_sizes))],
            tuple(snap.activations),
            self._input_names,
            self._output_names,
            show_maps,
        )
        self._plan_cache = (key, plan)
        return plan

    def drawn_texts(self) -> list[tuple[str, float]]:
        """Every text the view draws as shown now: (text, size in screen pixels)."""
        self._ensure_fresh()
        image = QImage(8, 8, QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(image)
        log: list[tuple[str, float]] = []
        try:
            self._paint_network(painter, self.screen_scale(), text_log=log)
        finally:
            painter.end()
        return log

    def _paint_network(
        self,
        painter: QPainter,
        lod: float,
        scale: float | None = None,
        text_log: list[tuple[str, float]] | None = None,
        every_edge: bool = False,
    ) -> None:
        """Paint the network at ``lod`` device pixels per scene unit (``every_edge``:
        no level of detail, for exports)."""
        layout, snap = self._layout, self._snapshot
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        if layout is None or snap is None:
            paint_message(painter, self._item.boundingRect(), text_colour, "no network")
            return
        if self._dirty:
            self._refresh()
        show_maps = self._node_maps_visible and self._node_map_images is not None
        scale = self.screen_scale() if scale is None else scale
        plan = self.text_plan(scale)
        groups = (
            self._build_groups(lod, every_edge=True)[0] if every_edge else self._groups_for(lod)
        )
        notes = list(plan.notes)
        if self._edges_left_out and scale == self.screen_scale():
            total = len(layout.weight_refs)
            notes.append(f"the {self._edges_left_out:,} weakest of {total:,} edges (hover one)")
        if scale == self.screen_scale() and notes != self._shown_notes:
            self._shown_notes = notes
            QTimer.singleShot(0, self._update_editable_hint)
        inputs = PaintInputs(
            layout=layout,
            snapshot=snap,
            text_colour=text_colour,
            base_colour=palette.color(QPalette.ColorRole.Base),
            highlight=palette.color(QPalette.ColorRole.Highlight),
            highlighted_layer=self._highlighted_layer,
            groups=groups,
            weight_rgba=self._weight_rgba,
            weight_widths=self._weight_widths,
            bias_rgba=self._bias_rgba,
            bias_widths=self._bias_widths,
            node_fill=self._node_fill,
            node_values=self._node_values,
            map_images=self._node_map_images if show_maps else None,
            hovered_ref=self._hovered_ref,
            selected=self._selected,
            hovered_node=self._hovered_node,
            headings=[self._layer_heading(k) for k in range(len(layout.layer_sizes))],
            input_names=self._input_names,
            output_names=self._output_names,
            node_texts=self._node_texts,
            edge_labels=self.edge_label_placement() if self._edge_texts else None,
            show_node_values=not self._exercise_mode,
            line_factor=self._line_factor,
            plan=plan,
            scale=scale,
            text_log=text_log,
        )
        paint_network(painter, lod, inputs)

    def edge_label_placement(self) -> tuple[list[tuple[QRectF, str]], int]:
        """Where the edge labels are drawn: ([(scene rect, text)], number left out).

        Each label sits on its own edge, at the first of EDGE_LABEL_FRACTIONS where
        its box overlaps no node, no node text and no label placed before it; a
        label with no such place is left out (and counted), never drawn over another.
        """
        layout = self._layout
        texts = self._edge_texts
        if layout is None or not texts:
            return [], 0
        show_maps = self._node_maps_visible and self._node_map_images is not None
        plan = self.text_plan()
        size = math.ceil(plan.small_size) if plan is not None else 10
        key = (id(layout), show_maps, size)
        if self._label_cache is not None and self._label_cache[0] == key:
            return self._label_cache[1], self._label_cache[2]
        font = QFont(self.font())
        font.setPixelSize(size)
        placed, hidden = place_edge_labels(
            layout, texts, self._node_texts, show_maps, QFontMetricsF(font), self._ref_exists
        )
        self._label_cache = (key, placed, hidden)
        return placed, hidden

    # ------------------------------------------------------------ hit testing
    def _hit(self, point: QPointF | None):
        """What is at a scene point: ("node", (layer, i)), ("bias_node", layer),
        ("edge", ParameterRef) or None."""
        layout = self._layout
        if point is None or layout is None or self._snapshot is None:
            return None
        px, py = point.x(), point.y()
        tolerance = HIT_TOLERANCE_PIXELS / self._view.scale_factor()
        show_maps = self._node_maps_visible and self._node_map_images is not None
        for layer, positions in enumerate(layout.node_positions):
            d = np.hypot(positions[:, 0] - px, positions[:, 1] - py)
            k = int(np.argmin(d))
            half = layout.map_half_side if show_maps else NODE_RADIUS
            if d[k] <= half + tolerance * 0.5:
                return "node", (layer, k)
        if layout.has_bias:
            for layer, (x, y) in enumerate(layout.bias_positions):
                if max(abs(x - px), abs(y - py)) <= BIAS_HALF_SIDE + tolerance * 0.5:
                    return "bias_node", layer
        self._ensure_fresh()
        best: tuple[float, ParameterRef] | None = None
        for segments, widths, refs in (
            (layout.weight_segments, self._weight_widths, layout.weight_refs),
            (layout.bias_segments, self._bias_widths, layout.bias_refs),
        ):
            if not len(refs):
                continue
            distance = segment_distances(segments, px, py)
            k = int(np.argmin(distance))
            if distance[k] <= tolerance + widths[k] / 2 and (best is None or distance[k] < best[0]):
                best = (float(distance[k]), refs[k])
        return None if best is None else ("edge", best[1])

    def _clicked(self, point: QPointF) -> None:
        if self._exercise_mode:
            return  # the exercise chooses what is highlighted
        hit = self._hit(point)
        if hit is None:
            self.select(None)
            return
        kind, what = hit
        if kind == "edge":
            self.select(what)
        elif kind == "node":
            self.node_selected.emit(what)

    def _double_clicked(self, point: QPointF, view_pos) -> None:
        hit = self._hit(point)
        if hit is None or hit[0] != "edge":
            return
        ref = hit[1]
        self.select(ref)
        if not self._editable:
            self._post_status(f"{ref.name} can be edited only while training is paused.")
            return
        value = ref.value_in(self._snapshot.weights, self._snapshot.biases)
        self._editor.open_for(ref, value, view_pos)

    def _edit_committed(self, ref: ParameterRef, value: float) -> None:
        if not self._editable:
            self._post_status(f"{ref.name} can be edited only while training is paused.")
            return
        if not math.isfinite(value):
            self._post_status(f"{ref.name} needs a finite number.")
            return
        self.weight_edit_requested.emit(ref, float(value))
        self._post_status(f"{ref.name} set to {fmt(value)}")

    def _hovered(self, point: QPointF | None) -> None:
        hit = self._hit(point)
        ref = hit[1] if hit is not None and hit[0] == "edge" else None
        node = hit[1] if hit is not None and hit[0] == "node" else None
        changed = ref != self._hovered_ref or node != self._hovered_node
        if node != self._hovered_node:
            self.node_hovered.emit(node)
        self._hovered_ref, self._hovered_node = ref, node
        self._view.viewport().setCursor(
            Qt.CursorShape.PointingHandCursor if ref is not None else Qt.CursorShape.ArrowCursor
        )
        if changed:
            self._item.update()


__all__ = ["COLOUR_MODES", "NetworkView"]
