"""Every layer's weight matrix and bias vector as a heatmap table with the numbers.

One table per layer, stacked in a scroll area: rows are the units an edge comes
from (``x1, x2`` for the seed's W1, plus a bias row ``b``), columns the units it
goes to (``h1(1), h2(1), h3(1)``: unit j of hidden layer k is ``hj(k)``; outputs
are ``P`` as in the seed). Cells are coloured with the shared diverging colour
map and the same scale rule as the network view (auto: the largest |value| shown
over all layers; or a fixed limit), so a colour means the same number in both.

The tables can show the weights, their gradients dE/dw or the last update Δw,
following the network view's colour mode. Snapshots update the cells in place
(``dataChanged``) while the architecture stays the same, at most 10 times a
second while snapshots stream in. A snapshot costs the colours of every cell
(vectorised) and the text of the cells in view only: Qt asks the model about
the cells it paints, and a cell's text and colour are made when first asked for.
Nothing is recomputed while the widget is hidden or tabbed away.
"""

from __future__ import annotations

import math
import time

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core.snapshot import NetworkSnapshot, ParameterRef

from .colors import ColourLegend, ColourScale, diverging_rgba
from .steady import call_when_shown, is_shown

#: What the tables can show, with the legend titles the network view uses.
VALUE_KINDS: dict[str, str] = {
    "weight": "weight w",
    "gradient": "gradient dE/dw",
    "update": "last update Δw",
}
#: Symbols used in tooltips, for weights and for biases.
_SYMBOLS = {
    "weight": ("weight w", "bias b"),
    "gradient": ("gradient dE/dw", "gradient dE/db"),
    "update": ("last update Δw", "last update Δb"),
}
#: Model role: True for the selected cell.
SELECTED_ROLE = Qt.ItemDataRole.UserRole + 1
#: Model role: the cell's :class:`ParameterRef`.
PARAMETER_ROLE = Qt.ItemDataRole.UserRole + 2
#: Model role: the cell's value as a float (NaN when there is none yet).
VALUE_ROLE = Qt.ItemDataRole.UserRole + 3
#: Shown in cells of the "update" kind before any update was made.
NO_VALUE_TEXT = "–"

# Plain ints: data() runs for every role of every visible cell on each repaint.
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_BACKGROUND = Qt.ItemDataRole.BackgroundRole.value
_FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_SELECTED = int(SELECTED_ROLE)
_PARAMETER = int(PARAMETER_ROLE)
_VALUE = int(VALUE_ROLE)
_ROLES = frozenset(
    (_DISPLAY, _BACKGROUND, _FOREGROUND, _ALIGNMENT, _TOOLTIP, _SELECTED, _PARAMETER, _VALUE)
)
_RIGHT_ALIGNED = (Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value
#: Shortest time between two refreshes while snapshots stream in (10 a second:
#: numbers that change faster cannot be read, and repainting hundreds of cells costs).
REFRESH_INTERVAL_MS = 100
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_BLACK = QColor(Qt.GlobalColor.black)
_WHITE = QColor(Qt.GlobalColor.white)


_CHANNELS = np.arange(256) / 255.0
#: Each 8-bit channel value's linear light (sRGB), looked up instead of computed per cell.
_LINEAR = np.where(_CHANNELS <= 0.04045, _CHANNELS / 12.92, ((_CHANNELS + 0.055) / 1.055) ** 2.4)


def _white_text(rgba: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Per colour, whether white text contrasts more than black: ``text_colour_for``, vectorised."""
    linear = _LINEAR[rgba[..., :3]]
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722])
    return (luminance + 0.05) / 0.05 < 1.05 / (luminance + 0.05)


def format_value(value: float) -> str:
    """How a cell prints a number: 4 significant digits (full precision is in the tooltip)."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.4g}"
    return "0" if text == "-0" else text


def unit_names(layer_sizes: tuple[int, ...] | list[int]) -> list[list[str]]:
    """Names of every unit, layer by layer: ``x1..``, ``h1(1)..`` per hidden layer, ``P..``."""
    last = len(layer_sizes) - 1
    names = []
    for layer, size in enumerate(layer_sizes):
        if layer == 0:
            names.append([f"x{i + 1}" for i in range(size)])
        elif layer == last:
            names.append(["P"] if size == 1 else [f"P{i + 1}" for i in range(size)])
        else:
            names.append([f"h{i + 1}({layer})" for i in range(size)])
    return names


def layer_title(layer: int, layer_sizes: tuple[int, ...] | list[int], has_bias: bool) -> str:
    """Heading of one layer's table, e.g. ``"W1 + b1: inputs → hidden 1 (2 × 3)"``."""
    last = len(layer_sizes) - 1

    def place(index: int) -> str:
        if index == 0:
            return "inputs"
        if index == last:
            return "output" if layer_sizes[-1] == 1 else "outputs"
        return f"hidden {index}"

    name = f"W{layer + 1}" + (f" + b{layer + 1}" if has_bias else "")
    shape = f"{layer_sizes[layer]} × {layer_sizes[layer + 1]}"
    return f"{name}: {place(layer)} → {place(layer + 1)} ({shape})"


class LayerTableModel(QAbstractTableModel):
    """One layer's weights (rows: source units, columns: target units) and a bias row ``b``.

    Parameters
    ----------
    layer
        Index into the network's weights (0 is the seed's W1).
    source_names, target_names
        Row and column headers.
    has_bias
        Whether the layer has a bias vector (adds the last row, ``b``).
    """

    def __init__(
        self,
        layer: int,
        source_names: list[str],
        target_names: list[str],
        has_bias: bool,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.layer = layer
        self._source_names = list(source_names)
        self._target_names = list(target_names)
        self._has_bias = has_bias
        rows = len(source_names) + (1 if has_bias else 0)
        self._values = np.full((rows, len(target_names)), np.nan)
        self._present = False
        self._kind = "weight"
        self._selected: tuple[int, int] | None = None
        # Cell colours as packed 0xAARRGGBB and "white text" flags, computed for the
        # whole table (vectorised) when Qt first asks for a colour, so a table out of
        # view costs nothing; the texts and QColors only for the cells Qt asks about,
        # i.e. the ones in view, once per snapshot.
        self._limit = 1.0
        self._colour_values = np.zeros((rows, len(target_names)))
        self._argb: npt.NDArray[np.uint32] | None = None
        self._white: npt.NDArray[np.bool_] | None = None
        self._texts: dict[tuple[int, int], str] = {}
        self._backgrounds: dict[tuple[int, int], QColor] = {}

    # -------------------------------------------------------------- state
    @property
    def shape(self) -> tuple[int, int, bool]:
        """(source units, target units, has bias): what decides the table's layout."""
        return len(self._source_names), len(self._target_names), self._has_bias

    def set_values(
        self,
        weights: npt.NDArray[np.float64] | None,
        bias: npt.NDArray[np.float64] | None,
        limit: float,
        kind: str,
    ) -> None:
        """Show new numbers (None: no values yet, e.g. before the first update).

        Numbers equal to those shown, at the same limit and kind, change nothing: no
        cell is made again and the table is not repainted (a network that no longer
        learns, or a layer that does not change, costs nothing per snapshot).
        """
        n_source, _, has_bias = self.shape
        values = self._values
        if (
            weights is not None
            and self._present
            and kind == self._kind
            and limit == self._limit
            and np.array_equal(values[:n_source], weights)
            and (not has_bias or np.array_equal(values[n_source], 0.0 if bias is None else bias))
        ):
            return
        if weights is None:
            values[:] = np.nan
            self._present = False
            colour_values = np.zeros(values.shape)
        else:
            values[:n_source] = weights
            if has_bias:
                values[n_source] = 0.0 if bias is None else bias
            self._present = True
            colour_values = values
        self._kind = kind
        self._limit = limit
        self._colour_values = colour_values
        self._argb = self._white = None
        self._texts = {}
        self._backgrounds = {}
        if values.size:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(values.shape[0] - 1, values.shape[1] - 1),
                [
                    Qt.ItemDataRole.DisplayRole,
                    Qt.ItemDataRole.BackgroundRole,
                    Qt.ItemDataRole.ForegroundRole,
                    Qt.ItemDataRole.ToolTipRole,
                    VALUE_ROLE,
                ],
            )

    def _make_colours(self) -> None:
        rgba = diverging_rgba(self._colour_values, self._limit).reshape((*self._values.shape, 4))
        wide = rgba.astype(np.uint32)
        self._argb = (
            (wide[..., 3] << 24) | (wide[..., 0] << 16) | (wide[..., 1] << 8) | wide[..., 2]
        )
        self._white = _white_text(rgba)

    def colours_made(self) -> bool:
        """Whether this snapshot's colours were computed (only once a cell was painted)."""
        return self._argb is not None

    def texts_made(self) -> int:
        """How many cells' texts were made for this snapshot (only those Qt asked for)."""
        return len(self._texts)

    def set_names(self, source_names: list[str], target_names: list[str]) -> None:
        """Rename the headers (same counts)."""
        self._source_names = list(source_names)
        self._target_names = list(target_names)
        self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, max(0, self.rowCount() - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, self.columnCount() - 1))

    def ref_at(self, row: int, column: int) -> ParameterRef:
        """The parameter of a cell."""
        source = None if row >= len(self._source_names) else row
        return ParameterRef(self.layer, source, column)

    def cell_of(self, ref: ParameterRef) -> tuple[int, int] | None:
        """(row, column) of a parameter of this layer, None if it is not in this table."""
        n_source, n_target, has_bias = self.shape
        if ref.layer != self.layer or not 0 <= ref.target < n_target:
            return None
        if ref.source is None:
            return (n_source, ref.target) if has_bias else None
        return (ref.source, ref.target) if 0 <= ref.source < n_source else None

    def set_selected(self, cell: tuple[int, int] | None) -> None:
        """Frame the cell at (row, column), or none."""
        previous = self._selected
        if previous == cell:
            return
        self._selected = cell
        for changed in (previous, cell):
            if changed is not None:
                index = self.index(*changed)
                self.dataChanged.emit(index, index, [SELECTED_ROLE])

    def selected(self) -> tuple[int, int] | None:
        return self._selected

    # ---------------------------------------------------------- Qt model
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._values.shape[0]

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._values.shape[1]

    def flags(self, index):
        return _CELL_FLAGS

    def data(self, index, role=_DISPLAY):
        role = role if isinstance(role, int) else role.value
        if role not in _ROLES or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == _DISPLAY:
            cell = (row, column)
            text = self._texts.get(cell)
            if text is None:
                value = float(self._values[row, column])
                text = format_value(value) if self._present else NO_VALUE_TEXT
                self._texts[cell] = text
            return text
        if role == _BACKGROUND:
            cell = (row, column)
            colour = self._backgrounds.get(cell)
            if colour is None:
                if self._argb is None:
                    self._make_colours()
                colour = QColor.fromRgba(int(self._argb[row, column]))
                self._backgrounds[cell] = colour
            return colour
        if role == _FOREGROUND:
            if self._white is None:
                self._make_colours()
            return _WHITE if self._white[row, column] else _BLACK
        if role == _ALIGNMENT:
            return _RIGHT_ALIGNED
        if role == _TOOLTIP:
            return self._tooltip(row, column)
        if role == _SELECTED:
            return self._selected == (row, column)
        if role == _PARAMETER:
            return self.ref_at(row, column)
        return float(self._values[row, column])  # _VALUE

    def _tooltip(self, row: int, column: int) -> str:
        ref = self.ref_at(row, column)
        target = self._target_names[column]
        weight_symbol, bias_symbol = _SYMBOLS[self._kind]
        if ref.is_bias:
            where = f"{ref.name}: bias of {target}"
            symbol = bias_symbol
        else:
            where = f"{ref.name}: {self._source_names[row]} → {target}"
            symbol = weight_symbol
        if not self._present:
            return f"{where}\n{symbol}: no update yet"
        return f"{where}\n{symbol} = {float(self._values[row, column])!r}"

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        horizontal = orientation == Qt.Orientation.Horizontal
        names = self._target_names if horizontal else self._source_names
        if role == Qt.ItemDataRole.DisplayRole:
            if not horizontal and section >= len(names):
                return "b"
            return names[section] if 0 <= section < len(names) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if horizontal:
                return f"to {self._target_names[section]}"
            if section >= len(names):
                return f"bias b{self.layer + 1}: the +1 bias unit's weights"
            return f"from {names[section]}"
        return None


class _LayerTableView(QTableView):
    """A table that is exactly as big as its contents (the scroll area around it scrolls)."""

    def __init__(self, model: LayerTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        # The selected cell is framed in paintEvent (the heatmap colour stays visible), so no
        # selection fill and no focus rectangle: cells are painted by Qt's C++ delegate alone.
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Full height (the scroll area around the tables scrolls vertically), but a wide
        # table scrolls sideways on its own, so its row names stay in sight.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._content_width = 0
        self._content_height = 0
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        metrics = self.fontMetrics()
        horizontal = self.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        horizontal.setDefaultSectionSize(metrics.horizontalAdvance("-0.0001234") + 14)
        horizontal.setHighlightSections(False)
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(metrics.height() + 8)
        vertical.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        vertical.setHighlightSections(False)
        self.fit_to_contents()

    def fit_to_contents(self) -> None:
        """Size the table to show every row; as wide as its columns, narrower if it must."""
        frame = 2 * self.frameWidth()
        horizontal, vertical = self.horizontalHeader(), self.verticalHeader()
        self._content_width = vertical.sizeHint().width() + horizontal.length() + frame
        self._content_height = horizontal.sizeHint().height() + vertical.length() + frame
        self.setMaximumWidth(self._content_width)
        self._fit_height()
        self.updateGeometry()

    def _fit_height(self) -> None:
        scroll_bar = self.horizontalScrollBar().sizeHint().height()
        needs_scroll_bar = self.width() < self._content_width
        self.setFixedHeight(self._content_height + (scroll_bar if needs_scroll_bar else 0))

    def sizeHint(self) -> QSize:
        return QSize(self._content_width, self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(min(self._content_width, 120), self.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        cell = self.layer_model().selected()
        if cell is None:
            return
        rect = self.visualRect(self.model().index(*cell))
        if not rect.isValid():
            return
        # Black outside, white inside: visible on every colour of the map, in any theme.
        painter = QPainter(self.viewport())
        try:
            outer = QPen(QColor(Qt.GlobalColor.black), 3)
            outer.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(outer)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
            inner = QPen(QColor(Qt.GlobalColor.white), 1)
            inner.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(inner)
            painter.drawRect(rect.adjusted(3, 3, -4, -4))
        finally:
            painter.end()

    def layer_model(self) -> LayerTableModel:
        return self.model()  # type: ignore[return-value]


class WeightTable(QWidget):
    """Heatmap tables of every layer's weights and biases (or their gradients or updates).

    Signals
    -------
    parameter_selected(ParameterRef)
        The user clicked a cell. (:meth:`select` highlights without emitting,
        so two views can follow each other without echoing.)
    """

    parameter_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snapshot: NetworkSnapshot | None = None
        self._kind = "weight"
        self._scales = {kind: ColourScale("auto") for kind in VALUE_KINDS}
        self._limit = ColourScale.EMPTY_LIMIT
        self._selected: ParameterRef | None = None
        self._dirty = False
        self._input_names: list[str] = []
        self._output_names: list[str] = []
        self._architecture: tuple[tuple[int, ...], bool] | None = None
        self._models: list[LayerTableModel] = []
        self._views: list[_LayerTableView] = []
        self._titles: list[QLabel] = []
        self._last_refresh = -math.inf
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._refresh_if_visible)

        self.legend = ColourLegend(VALUE_KINDS["weight"], 1.0)
        self.empty_label = QLabel("No network yet")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self._content = QWidget()
        self._content_layout = QVBoxLayout(self._content)
        self._content_layout.setContentsMargins(6, 6, 6, 6)
        self._content_layout.setSpacing(4)
        self._content_layout.addWidget(self.empty_label)
        self._content_layout.addStretch(1)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self._content)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        layout.addWidget(self.scroll_area, 1)
        call_when_shown(self, self._on_shown)

    # ------------------------------------------------------------- inputs
    def set_snapshot(self, snapshot: NetworkSnapshot | None, deferred: bool = False) -> None:
        """Show a new snapshot (cells update in place; work waits while hidden).

        ``deferred``: only store it (queries refresh first, so they answer for it);
        :meth:`catch_up`, run by the caller in a later event-loop turn, updates the cells.
        """
        self._snapshot = snapshot
        if self._selected is not None and not self._ref_exists(self._selected):
            self._selected = None
        if deferred:
            self._dirty = True
            return
        self._schedule_refresh()

    def catch_up(self) -> None:
        """Update the cells for what a deferred :meth:`set_snapshot` stored (paced;
        nothing while the tables cannot be seen)."""
        if self._dirty:
            self._schedule_refresh()

    def snapshot(self) -> NetworkSnapshot | None:
        return self._snapshot

    def refresh_pending(self) -> bool:
        """True when the tables do not show the latest snapshot yet (hidden, or paced)."""
        return self._dirty

    def set_value_kind(self, kind: str) -> None:
        """Show ``"weight"``, ``"gradient"`` (dE/dw) or ``"update"`` (the last Δw)."""
        if kind not in VALUE_KINDS:
            raise ValueError(f"value kind must be one of {', '.join(VALUE_KINDS)}, not {kind!r}")
        if kind == self._kind:
            return
        self._kind = kind
        self._schedule_refresh(immediate=True)

    def value_kind(self) -> str:
        return self._kind

    def set_scale(self, mode: str, limit: float | None = None) -> None:
        """Colour scale of the current value kind: ``"auto"`` or ``"fixed"`` at ``limit``.

        ``"fixed"`` with ``limit=None`` freezes the limit in use now. Raises
        ValueError (and keeps the old scale) for a bad mode or limit.
        """
        if mode == "fixed" and limit is None:
            self.refresh()
            limit = self._limit
        self._scales[self._kind] = ColourScale(mode, limit)
        self._schedule_refresh(immediate=True)

    def scale(self) -> ColourScale:
        """The colour scale of the current value kind."""
        return self._scales[self._kind]

    def colour_limit(self) -> float:
        """The |value| drawn with the deepest colour now."""
        self.refresh()
        return self._limit

    def set_names(self, input_names: list[str] | None, output_names: list[str] | None) -> None:
        """Name the input and output units (e.g. the data's column names); None: x1.., P.."""
        self._input_names = [str(n) for n in input_names] if input_names else []
        self._output_names = [str(n) for n in output_names] if output_names else []
        if self._architecture is not None:
            names = self._unit_names(self._architecture[0])
            for layer, model in enumerate(self._models):
                model.set_names(names[layer], names[layer + 1])
                self._views[layer].fit_to_contents()

    def select(self, ref: ParameterRef | None) -> None:
        """Highlight a weight or bias (None: nothing); does not emit ``parameter_selected``.

        Connected to the network view's selection, this may run before this
        (hidden, not yet refreshed) table has the network the ref belongs to: a
        ref not in the network shown is remembered without a highlight, shown
        once a snapshot with it arrives, and dropped by a snapshot without it.
        """
        self._selected = ref
        if self._dirty:
            self._schedule_refresh(immediate=True)
        else:
            self._apply_selection()

    def selected(self) -> ParameterRef | None:
        return self._selected

    # ----------------------------------------------------------- queries
    def table_count(self) -> int:
        """How many layer tables are shown."""
        self.refresh()
        return len(self._views)

    def model(self, layer: int) -> LayerTableModel:
        """The table model of ``layer`` (0 is W1)."""
        self.refresh()
        return self._models[layer]

    def view(self, layer: int) -> QTableView:
        """The table view of ``layer``."""
        self.refresh()
        return self._views[layer]

    def title(self, layer: int) -> str:
        self.refresh()
        return self._titles[layer].text()

    def cell_text(self, ref: ParameterRef) -> str:
        """What the cell of ``ref`` shows."""
        return self._cell_data(ref, Qt.ItemDataRole.DisplayRole)

    def cell_background(self, ref: ParameterRef) -> QColor:
        return self._cell_data(ref, Qt.ItemDataRole.BackgroundRole)

    def cell_foreground(self, ref: ParameterRef) -> QColor:
        return self._cell_data(ref, Qt.ItemDataRole.ForegroundRole)

    def cell_tooltip(self, ref: ParameterRef) -> str:
        return self._cell_data(ref, Qt.ItemDataRole.ToolTipRole)

    def index_of(self, ref: ParameterRef) -> QModelIndex:
        """The model index of a parameter's cell (in ``model(ref.layer)``)."""
        self.refresh()
        if not self._ref_exists(ref):
            raise ValueError(f"{ref.name} is not a parameter of the network shown")
        model = self._models[ref.layer]
        return model.index(*model.cell_of(ref))

    def _cell_data(self, ref: ParameterRef, role):
        index = self.index_of(ref)
        return index.model().data(index, role)

    # ----------------------------------------------------------- refresh
    def _schedule_refresh(self, immediate: bool = False) -> None:
        """Refresh now, or (while snapshots stream in) at most every REFRESH_INTERVAL_MS.

        ``immediate``: a user's action (value kind, scale, selection), shown at once.
        """
        self._dirty = True
        if not is_shown(self):
            return  # hidden or tabbed away: caught up when shown (see _on_shown)
        if immediate:
            self.refresh()
            return
        if self._refresh_timer.isActive():
            return
        since = (time.perf_counter() - self._last_refresh) * 1000.0
        if since >= REFRESH_INTERVAL_MS:
            self.refresh()
        else:
            self._refresh_timer.start(max(1, int(REFRESH_INTERVAL_MS - since)))

    def _refresh_if_visible(self) -> None:
        if is_shown(self):
            self.refresh()

    def _on_shown(self) -> None:
        # Shown, or its dock's tab brought to the front: catch up at once.
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        """Bring the tables up to date now if anything changed (also while hidden)."""
        if not self._dirty:
            return
        self._dirty = False
        self._refresh_timer.stop()
        self._last_refresh = time.perf_counter()
        snap = self._snapshot
        if snap is None:
            self._rebuild(None)
            self._limit = self._scales[self._kind].limit_for(None)
            self._update_legend()
            return
        architecture = (tuple(snap.layer_sizes), snap.biases is not None)
        if architecture != self._architecture:
            self._rebuild(architecture)
        weights, biases, present = self._kind_arrays(snap)
        shown = list(weights) + list(biases or [])
        self._limit = self._scales[self._kind].limit_for(shown)
        for layer, model in enumerate(self._models):
            model.set_values(
                weights[layer] if present else None,
                None if biases is None else biases[layer],
                self._limit,
                self._kind,
            )
        self._update_legend()
        self._apply_selection()

    def _kind_arrays(self, snap: NetworkSnapshot):
        """(weights, biases, present) of the current kind, as the network view colours them."""
        if self._kind == "weight":
            return snap.weights, snap.biases, True
        if self._kind == "gradient":
            return snap.weight_gradients, snap.bias_gradients, True
        weights, biases = snap.last_weight_updates, snap.last_bias_updates
        if weights is None:
            zeros = [np.zeros_like(w) for w in snap.weights]
            bias_zeros = None if snap.biases is None else [np.zeros_like(b) for b in snap.biases]
            return zeros, bias_zeros, False
        if biases is None and snap.biases is not None:
            biases = [np.zeros_like(b) for b in snap.biases]
        return weights, biases, True

    def _update_legend(self) -> None:
        title = VALUE_KINDS[self._kind]
        snap = self._snapshot
        if self._kind == "update" and snap is not None and snap.last_weight_updates is None:
            title += " (no update yet)"
        self.legend.set_title(title)
        self.legend.set_limit(self._limit, self._scales[self._kind].mode)

    def _unit_names(self, layer_sizes: tuple[int, ...]) -> list[list[str]]:
        names = unit_names(layer_sizes)
        if len(self._input_names) == layer_sizes[0]:
            names[0] = list(self._input_names)
        if len(self._output_names) == layer_sizes[-1]:
            names[-1] = list(self._output_names)
        return names

    def _rebuild(self, architecture: tuple[tuple[int, ...], bool] | None) -> None:
        """Replace the tables for a new architecture (or none)."""
        for widget in (*self._titles, *self._views):
            self._content_layout.removeWidget(widget)
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        for model in self._models:
            model.deleteLater()
        self._titles, self._views, self._models = [], [], []
        self._architecture = architecture
        self.empty_label.setVisible(architecture is None)
        if architecture is None:
            return
        layer_sizes, has_bias = architecture
        names = self._unit_names(layer_sizes)
        insert_at = self._content_layout.count() - 1  # before the stretch
        for layer in range(len(layer_sizes) - 1):
            model = LayerTableModel(layer, names[layer], names[layer + 1], has_bias, self)
            title = QLabel(layer_title(layer, layer_sizes, has_bias))
            font = title.font()
            font.setBold(True)
            title.setFont(font)
            view = _LayerTableView(model, self._content)
            view.clicked.connect(self._on_cell_clicked)
            self._content_layout.insertWidget(insert_at, title)
            self._content_layout.insertWidget(insert_at + 1, view)
            insert_at += 2
            self._models.append(model)
            self._views.append(view)
            self._titles.append(title)

    def _apply_selection(self) -> None:
        for model in self._models:
            model.set_selected(None if self._selected is None else model.cell_of(self._selected))
        if self._selected is not None and self._selected.layer < len(self._views):
            view = self._views[self._selected.layer]
            cell = self._models[self._selected.layer].cell_of(self._selected)
            if cell is not None and self.isVisible():
                index = view.model().index(*cell)
                view.scrollTo(index)  # sideways, inside a wide table
                rect = view.visualRect(index)
                center = view.viewport().mapTo(self._content, rect.center())
                self.scroll_area.ensureVisible(center.x(), center.y(), rect.width(), rect.height())

    def _on_cell_clicked(self, index: QModelIndex) -> None:
        ref = index.data(PARAMETER_ROLE)
        if ref is None:
            return
        self.select(ref)
        self.parameter_selected.emit(ref)

    def _ref_exists(self, ref: ParameterRef) -> bool:
        snap = self._snapshot
        if snap is None or not 0 <= ref.layer < len(snap.weights):
            return False
        n_source, n_target = snap.weights[ref.layer].shape
        if not 0 <= ref.target < n_target:
            return False
        if ref.source is None:
            return snap.biases is not None
        return 0 <= ref.source < n_source


__all__ = ["VALUE_KINDS", "LayerTableModel", "WeightTable", "format_value", "unit_names"]
