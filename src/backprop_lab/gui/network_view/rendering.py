"""Painting the network: edge colour levels, pens grouped for ``drawLines``, nodes, texts.

All edges are painted by ONE graphics item: edges are grouped by their
(quantised) pen, and each group is one ``QPainter.drawLines`` call, so a
network of a few hundred edges redraws in a few milliseconds.

:func:`paint_network` draws one :class:`PaintInputs` (everything the picture
depends on, gathered by the widget) in layers: the highlighted column, the edges,
the hovered/selected edge, bias nodes, nodes, headings, names, node and edge texts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from backprop_lab.core.snapshot import NetworkSnapshot, ParameterRef

from ..colors import diverging_rgba, text_colour_for
from .layout import (
    BIAS_HALF_SIDE,
    NODE_RADIUS,
    NetworkLayout,
    text_box_size,
)

MIN_EDGE_WIDTH = 0.8
MAX_EDGE_WIDTH = 6.5
#: Colour/width levels per sign: values are quantised to 1/LEVELS of the limit,
#: so edges share pens and are drawn in a few ``drawLines`` calls.
LEVELS = 100
#: Alpha of edges outside the highlighted layer.
DIMMED_ALPHA = 60
#: Edges drawn thinner than this many device pixels on screen are not antialiased.
EDGE_ANTIALIAS_MIN_PIXELS = 3.0

NAN_LEVEL = LEVELS + 1  # key of non-finite values


def fmt(value: float) -> str:
    """Numbers in tooltips: 6 significant digits (what tests compare with)."""
    return f"{value:.6g}"


def short(value: float) -> str:
    """Numbers inside nodes: compact."""
    if not math.isfinite(value):
        return "nan"
    if abs(value) < 0.005:  # fits in the node; the tooltip has every digit
        return "0.00"
    if abs(value) >= 1000:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}"


def node_range(activation: str | None, values: npt.NDArray[np.float64]) -> tuple[float, float]:
    """The value range a layer's node fill spans (fixed for bounded activations)."""
    if activation in ("sigmoid", "softmax"):
        return 0.0, 1.0
    if activation == "tanh":
        return -1.0, 1.0
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    low = min(0.0, float(finite.min()))
    high = max(float(finite.max()), low + 1e-12)
    return low, high


class EdgeGroup:
    """Edges sharing one pen: drawn with one ``drawLines`` call."""

    __slots__ = ("lines", "order", "pen", "width")

    def __init__(self, pen: QPen, lines: list[QLineF], order: float) -> None:
        self.pen = pen
        self.lines = lines
        self.order = order
        self.width = pen.widthF()


def levels_for(values: np.ndarray, limit: float) -> np.ndarray:
    """Signed integer level in [-LEVELS, LEVELS] per value (NAN_LEVEL for non-finite)."""
    finite = np.isfinite(values)
    position = np.clip(np.where(finite, values, 0.0) / limit, -1.0, 1.0)
    levels = np.rint(position * LEVELS).astype(np.int64)
    levels[~finite] = NAN_LEVEL
    return levels


def _level_style_of(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    finite = levels != NAN_LEVEL
    positions = np.where(finite, levels / LEVELS, np.nan)
    rgba = diverging_rgba(positions, 1.0)
    magnitude = np.where(finite, np.abs(levels) / LEVELS, 0.0)
    widths = MIN_EDGE_WIDTH + (MAX_EDGE_WIDTH - MIN_EDGE_WIDTH) * magnitude
    return rgba, widths


# The style of every level, -LEVELS..LEVELS and then NAN_LEVEL: looked up per edge
# (a 256-wide network has 459,520 edges; colouring each took 150 ms).
_STYLE_RGBA, _STYLE_WIDTHS = _level_style_of(
    np.r_[np.arange(-LEVELS, LEVELS + 1), NAN_LEVEL].astype(np.int64)
)


def level_style(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RGBA and width of every level."""
    levels = np.asarray(levels, dtype=np.int64)
    index = np.where(levels == NAN_LEVEL, 2 * LEVELS + 1, levels + LEVELS)
    return _STYLE_RGBA[index], _STYLE_WIDTHS[index]


class EdgePens:
    """The cached pen of every quantised level, and grouping of edges by pen."""

    def __init__(self, factor: float = 1.0) -> None:
        #: Width multiplier (presentation mode).
        self.factor = float(factor)
        self._cache: dict[tuple[int, bool, bool], QPen] = {}

    def pen(self, level: int, dimmed: bool, dashed: bool) -> QPen:
        """The cached pen of one quantised level (colours and widths never change per level)."""
        key = (level, dimmed, dashed)
        pen = self._cache.get(key)
        if pen is None:
            rgba, widths = level_style(np.array([level]))
            r, g, b, a = (int(c) for c in rgba[0])
            colour = QColor(r, g, b, DIMMED_ALPHA if dimmed else a)
            pen = QPen(colour, float(widths[0]) * self.factor)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            if dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            self._cache[key] = pen
        return pen

    def group_edges(
        self,
        lines: np.ndarray,
        target_layers: np.ndarray,
        levels: np.ndarray,
        dashed: bool,
        highlighted: int | None,
    ) -> list[EdgeGroup]:
        """Group edges by pen: one ``drawLines`` call per group."""
        if levels.size == 0:
            return []
        dimmed = (
            np.zeros(levels.size, dtype=bool)
            if highlighted is None
            else target_layers != highlighted
        )
        keys = levels * 2 + dimmed.astype(np.int64)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], sorted_keys.size]
        sorted_lines = lines[order]
        sorted_levels = levels[order].tolist()
        sorted_dimmed = dimmed[order].tolist()
        groups = []
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            level = sorted_levels[start]
            is_dimmed = sorted_dimmed[start]
            magnitude = -1 if level == NAN_LEVEL else abs(level)
            # Dimmed first, then weak to strong so strong edges end on top.
            rank = (0 if is_dimmed else 1) * 10 * LEVELS + magnitude + (0.5 if dashed else 0.0)
            pen = self.pen(level, is_dimmed, dashed)
            groups.append(EdgeGroup(pen, sorted_lines[start:end].tolist(), rank))
        return groups


#: Level of detail: where the edges between two columns would cover the band they
#: fill more than this many times over (a 64-wide pair in a small view: some 30
#: times), only the strongest are drawn, as many as cover it this many times.
#: Edges are drawn weak to strong, so each pixel shows the strongest edge through
#: it; the weakest, covered anyway, are the ones left out (the hint says so).
MAX_OVERDRAW = 6.0
#: ... but never fewer than this many edges of a pair.
MIN_EDGES_PER_PAIR = 256


def edges_to_draw(
    layout, levels: np.ndarray, widths: np.ndarray, lod: float
) -> tuple[np.ndarray | None, int]:
    """Which weight edges to draw at ``lod`` device pixels per scene unit.

    Returns (indices in edge order, number left out), or (None, 0) when every
    edge is drawn. ``widths`` are the pens' widths in scene units. Edges with a
    non-finite value are always drawn.
    """
    lod = max(float(lod), 1e-6)
    offsets = layout.weight_offsets
    magnitude = np.where(levels == NAN_LEVEL, LEVELS + 1, np.abs(levels))
    kept: list[np.ndarray] = []
    left_out = 0
    for layer in range(len(offsets) - 1):
        start, end = int(offsets[layer]), int(offsets[layer + 1])
        count = end - start
        if count == 0:
            continue
        mean_length, area = layout.pair_geometry(layer)
        device_width = float(np.mean(np.maximum(1.0, widths[start:end] * lod)))
        capacity = MAX_OVERDRAW * area * lod * lod
        fits = int(capacity / max(mean_length * lod * device_width, 1e-9))
        if fits >= count:
            kept.append(np.arange(start, end))
            continue
        fits = min(count, max(fits, MIN_EDGES_PER_PAIR))
        strongest = np.argpartition(-magnitude[start:end], fits - 1)[:fits]
        strongest.sort()
        kept.append(start + strongest)
        left_out += count - fits
    if left_out == 0:
        return None, 0
    return np.concatenate(kept), left_out


#: Text in the network view is never drawn smaller than this many screen pixels
#: (or 0.8 of the UI font, whichever is larger): what does not fit at that size is
#: abbreviated or left out, and the view says so, instead of shrinking.
MIN_TEXT_PIXELS = 9.0
#: Base sizes (scene units) of the headings/names and of the small texts.
HEADING_SIZE, SMALL_SIZE = 12.0, 10.0


@dataclass
class TextPlan:
    """What text the network view draws at one zoom, and at which sizes (scene units)."""

    font_size: float
    small_size: float
    show_values: bool
    show_bias_text: bool
    headings: list[str]
    activation_texts: list[str]
    input_names: list[str]
    output_labels: list[str]
    target_names: list[str]
    #: What was left out or abbreviated, for the view to say.
    notes: list[str]


def _abbreviate_heading(text: str) -> str:
    if text.startswith("hidden "):
        return "h" + text.removeprefix("hidden ")
    return {"inputs x": "x", "output P": "P", "outputs P": "P"}.get(text, text)


def plan_texts(
    layout: NetworkLayout,
    scale: float,
    min_pixels: float,
    base_font: QFont,
    headings: list[str],
    activations: tuple[str, ...],
    input_names: list[str],
    output_names: list[str],
    show_maps: bool,
) -> TextPlan:
    """Decide the text sizes and what fits, for ``scale`` screen pixels per scene unit."""
    scale = max(scale, 1e-6)
    least = min_pixels / scale  # the smallest readable size, in scene units
    font_size = max(HEADING_SIZE, least)
    small_size = max(SMALL_SIZE, least)
    font, small = QFont(base_font), QFont(base_font)
    font.setPixelSize(max(1, math.ceil(font_size)))
    small.setPixelSize(max(1, math.ceil(small_size)))
    big, little = QFontMetricsF(font), QFontMetricsF(small)
    notes: list[str] = []
    # Numbers inside the nodes only when "0.00" fits in one (wider ones are shortened
    # to one decimal, or left out, node by node).
    inner = 2 * NODE_RADIUS * 0.96
    show_values = (
        not show_maps and little.horizontalAdvance("0.00") <= inner and little.height() <= inner
    )
    if not show_maps and not show_values:
        notes.append("node values (hover a node)")
    show_bias_text = big.horizontalAdvance("+1") <= 2 * BIAS_HALF_SIDE and big.height() <= 2.6 * (
        BIAS_HALF_SIDE
    )
    room = layout.column_spacing * 0.96
    shown_headings: list[str] = []
    abbreviated = False
    for text in headings:
        if big.horizontalAdvance(text) <= room:
            shown_headings.append(text)
            continue
        short_text = _abbreviate_heading(text)
        abbreviated = True
        shown_headings.append(short_text if big.horizontalAdvance(short_text) <= room else "")
    activation_texts = []
    for name in activations:
        fits = little.horizontalAdvance(name) <= room
        activation_texts.append(
            name if fits else little.elidedText(name, Qt.TextElideMode.ElideRight, room)
        )
        abbreviated = abbreviated or not fits
    if abbreviated:
        notes.append("full headings (h1 = hidden 1)")
    side = layout.side_room
    elided = False
    names_in = []
    for name in input_names[: layout.layer_sizes[0]]:
        shown = big.elidedText(name, Qt.TextElideMode.ElideMiddle, side)
        elided = elided or shown != name
        names_in.append(shown)
    outputs = layout.layer_sizes[-1]
    output_labels = ["P" if outputs == 1 else f"P{k + 1}" for k in range(outputs)]
    targets = []
    for name in output_names[:outputs]:
        text = f"t: {name}"
        shown = little.elidedText(text, Qt.TextElideMode.ElideMiddle, side)
        elided = elided or shown != text
        targets.append(shown)
    if elided:
        notes.append("long names (shortened with …)")
    # Rows too close for a name each: the names are dropped.
    if big.height() > layout.node_spacing * 0.98 and (names_in or targets):
        names_in, targets = [], []
        notes.append("input and target names")
    return TextPlan(
        font_size,
        small_size,
        show_values,
        show_bias_text,
        shown_headings,
        activation_texts,
        names_in,
        output_labels,
        targets,
        notes,
    )


@dataclass
class PaintInputs:
    """Everything one picture of the network depends on."""

    layout: NetworkLayout
    snapshot: NetworkSnapshot
    text_colour: QColor
    base_colour: QColor
    highlight: QColor
    highlighted_layer: int | None
    groups: list[EdgeGroup]
    weight_rgba: np.ndarray
    weight_widths: np.ndarray
    bias_rgba: np.ndarray
    bias_widths: np.ndarray
    node_fill: list[np.ndarray]
    node_values: list[np.ndarray]
    #: The unit-map images when they are shown, else None.
    map_images: list[list[QImage | None]] | None
    hovered_ref: ParameterRef | None
    selected: ParameterRef | None
    hovered_node: tuple[int, int] | None
    headings: list[str]
    input_names: list[str]
    output_names: list[str]
    node_texts: list[list[str]] | None
    #: ([(scene rect, text)], number left out), or None without edge texts.
    edge_labels: tuple[list[tuple[QRectF, str]], int] | None
    #: Write each node's value in it (not in the practice mode's exercise view).
    show_node_values: bool = True
    #: Line width multiplier (presentation mode).
    line_factor: float = 1.0
    #: What text is drawn and how big (see :func:`plan_texts`); None: the default plan.
    plan: TextPlan | None = None
    #: Screen pixels per scene unit (1 for exports).
    scale: float = 1.0
    #: When a list, every text drawn is appended as (text, size in screen pixels).
    text_log: list[tuple[str, float]] | None = None


def _text(painter: QPainter, rect: QRectF, flags, text: str, inputs: PaintInputs) -> None:
    """drawText, logged (text, screen pixels) when the inputs ask for it."""
    if not text:
        return
    if inputs.text_log is not None:
        inputs.text_log.append((text, painter.font().pixelSize() * inputs.scale))
    painter.drawText(rect, flags, text)


def paint_message(painter: QPainter, rect: QRectF, colour: QColor, text: str) -> None:
    painter.setPen(colour)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def paint_network(painter: QPainter, lod: float, inputs: PaintInputs) -> None:
    """Draw the whole network; ``lod`` is device pixels per scene unit."""
    if inputs.plan is None:
        inputs.plan = plan_texts(
            inputs.layout,
            inputs.scale,
            0.0,
            painter.font(),
            inputs.headings,
            inputs.snapshot.activations,
            inputs.input_names,
            inputs.output_names,
            inputs.map_images is not None,
        )
    font = QFont(painter.font())
    font.setPixelSize(max(1, math.ceil(inputs.plan.font_size)))
    small = QFont(font)
    small.setPixelSize(max(1, math.ceil(inputs.plan.small_size)))
    _paint_highlight_band(painter, inputs)
    _paint_edges(painter, lod, inputs)
    _paint_focus_edges(painter, inputs)
    _paint_bias_nodes(painter, inputs, font)
    _paint_nodes(painter, lod, inputs, small)
    _paint_headings(painter, inputs, font, small)
    _paint_names(painter, inputs, font, small)
    _paint_texts(painter, inputs, small)


def _paint_highlight_band(painter: QPainter, inputs: PaintInputs) -> None:
    """The highlighted column, behind everything."""
    if inputs.highlighted_layer is None:
        return
    band = QColor(inputs.highlight)
    band.setAlpha(45)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(band)
    painter.drawRoundedRect(inputs.layout.column_rect(inputs.highlighted_layer), 10, 10)


def _paint_edges(painter: QPainter, lod: float, inputs: PaintInputs) -> None:
    """One drawLines call per pen.

    Antialiasing costs about as much as the rest of the edge drawing and is
    invisible on lines under 1.5 device pixels, so thin edges are drawn without it
    (thick ones, and exports, keep it).
    """
    painter.setBrush(Qt.BrushStyle.NoBrush)
    antialiased = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
    thin_below = EDGE_ANTIALIAS_MIN_PIXELS / max(lod, 1e-6)
    for group in inputs.groups:
        painter.setRenderHint(
            QPainter.RenderHint.Antialiasing, antialiased and group.width >= thin_below
        )
        painter.setPen(group.pen)
        painter.drawLines(group.lines)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialiased)


def _paint_focus_edges(painter: QPainter, inputs: PaintInputs) -> None:
    """Hovered and selected edges on top, with a halo."""
    layout = inputs.layout
    for ref, alpha in ((inputs.hovered_ref, 110), (inputs.selected, 255)):
        if ref is None or not layout.has_ref(ref):
            continue
        if ref.is_bias:
            k = layout.bias_ref_index[ref]
            seg, rgba, width = layout.bias_segments[k], inputs.bias_rgba[k], inputs.bias_widths[k]
        else:
            k = layout.ref_index[ref]
            seg = layout.weight_segments[k]
            rgba, width = inputs.weight_rgba[k], inputs.weight_widths[k]
        halo = QColor(inputs.highlight)
        halo.setAlpha(alpha)
        halo_pen = QPen(halo, float(width) + (6.0 if alpha == 255 else 4.0))
        halo_pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(halo_pen)
        line = QLineF(*seg)
        painter.drawLine(line)
        pen = QPen(QColor(*(int(c) for c in rgba)), float(width))
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        if ref.is_bias:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(line)


def _paint_bias_nodes(painter: QPainter, inputs: PaintInputs, font: QFont) -> None:
    layout = inputs.layout
    if not layout.has_bias:
        return
    painter.setFont(font)
    for layer, (x, y) in enumerate(layout.bias_positions):
        side = 2 * BIAS_HALF_SIDE
        rect = QRectF(x - BIAS_HALF_SIDE, y - BIAS_HALF_SIDE, side, side)
        dim = inputs.highlighted_layer is not None and inputs.highlighted_layer != layer + 1
        outline = QColor(inputs.text_colour)
        if dim:
            outline.setAlpha(110)
        painter.setPen(QPen(outline, 1.2))
        painter.setBrush(inputs.base_colour)
        painter.drawRoundedRect(rect, 4, 4)
        if inputs.plan.show_bias_text:
            _text(painter, rect, Qt.AlignmentFlag.AlignCenter, "+1", inputs)


def _paint_nodes(painter: QPainter, lod: float, inputs: PaintInputs, small: QFont) -> None:
    layout = inputs.layout
    map_images = inputs.map_images
    show_values = inputs.plan.show_values and inputs.show_node_values
    half = layout.map_half_side
    metrics = QFontMetricsF(small)
    inner = 2 * NODE_RADIUS * 0.96
    painter.setFont(small)
    for layer, positions in enumerate(layout.node_positions):
        fills = inputs.node_fill[layer].tolist()
        values = inputs.node_values[layer]
        is_highlighted = inputs.highlighted_layer == layer
        outline_pen = QPen(
            inputs.highlight if is_highlighted else inputs.text_colour,
            2.6 if is_highlighted else 1.2,
        )
        painter.setPen(outline_pen)
        row = map_images[layer] if map_images is not None and layer < len(map_images) else ()
        for index, (x, y) in enumerate(positions.tolist()):
            image = row[index] if index < len(row) else None
            if image is not None:
                rect = QRectF(x - half, y - half, 2 * half, 2 * half)
                painter.drawImage(rect, image)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(outline_pen)
                painter.drawRect(rect)
                continue
            r, g, b, a = fills[index]
            painter.setBrush(QColor(r, g, b, a))
            painter.drawEllipse(QPointF(x, y), NODE_RADIUS, NODE_RADIUS)
            if show_values:
                value = float(values[index])
                text = short(value)
                if metrics.horizontalAdvance(text) > inner:
                    text = f"{value:.1f}" if math.isfinite(value) and abs(value) < 100 else ""
                    if metrics.horizontalAdvance(text) > inner:
                        text = ""
                painter.setPen(text_colour_for((r, g, b)))
                _text(
                    painter,
                    QRectF(x - NODE_RADIUS, y - NODE_RADIUS, 2 * NODE_RADIUS, 2 * NODE_RADIUS),
                    Qt.AlignmentFlag.AlignCenter,
                    text,
                    inputs,
                )
                painter.setPen(outline_pen)
    hovered_node = inputs.hovered_node
    if hovered_node is not None and hovered_node[0] < len(layout.node_positions):
        positions = layout.node_positions[hovered_node[0]]
        if hovered_node[1] < len(positions):
            x, y = positions[hovered_node[1]]
            ring = QColor(inputs.highlight)
            ring.setAlpha(160)
            painter.setPen(QPen(ring, 3.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(x, y), NODE_RADIUS + 3, NODE_RADIUS + 3)


def _paint_headings(painter: QPainter, inputs: PaintInputs, font: QFont, small: QFont) -> None:
    """Layer headings and activation names (abbreviated where a column is too narrow)."""
    layout = inputs.layout
    plan = inputs.plan
    painter.setPen(inputs.text_colour)
    column_width = layout.column_spacing
    big_height = QFontMetricsF(font).height()
    for layer in range(len(layout.layer_sizes)):
        x = float(layout.node_positions[layer][0, 0])
        heading_font = QFont(font)
        heading_font.setBold(inputs.highlighted_layer == layer)
        painter.setFont(heading_font)
        top = layout.label_y - 12 - max(0.0, big_height - 16)
        rect = QRectF(x - column_width / 2, top, column_width, max(16.0, big_height))
        _text(painter, rect, Qt.AlignmentFlag.AlignCenter, plan.headings[layer], inputs)
        if layer > 0:
            painter.setFont(small)
            height = max(14.0, QFontMetricsF(small).height())
            rect = QRectF(x - column_width / 2, layout.label_y + 4, column_width, height)
            _text(
                painter,
                rect,
                Qt.AlignmentFlag.AlignCenter,
                plan.activation_texts[layer - 1],
                inputs,
            )


def _paint_names(painter: QPainter, inputs: PaintInputs, font: QFont, small: QFont) -> None:
    """Input names beside the inputs; the output labelled P with its target apart."""
    layout = inputs.layout
    plan = inputs.plan
    painter.setFont(font)
    height = max(18.0, QFontMetricsF(font).height())
    gap = NODE_RADIUS + 6
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    for index, name in enumerate(plan.input_names):
        x, y = layout.node_positions[0][index]
        rect = QRectF(x - gap - layout.side_room, y - height / 2, layout.side_room, height)
        _text(painter, rect, right, name, inputs)
    muted = QColor(inputs.text_colour)
    muted.setAlpha(170)
    small_height = max(14.0, QFontMetricsF(small).height())
    for index, label in enumerate(plan.output_labels):
        x, y = layout.node_positions[-1][index]
        painter.setFont(font)
        painter.setPen(inputs.text_colour)
        rect = QRectF(x + gap, y - height / 2, layout.side_room, height)
        _text(painter, rect, left, label, inputs)
        if index < len(plan.target_names):
            painter.setFont(small)
            painter.setPen(muted)
            rect = QRectF(x + gap, y + height / 2 - 2, layout.side_room, small_height)
            _text(painter, rect, left, plan.target_names[index], inputs)
    painter.setPen(inputs.text_colour)


def _paint_texts(painter: QPainter, inputs: PaintInputs, small: QFont) -> None:
    """Node texts and edge texts, in boxes for legibility."""
    layout = inputs.layout
    painter.setFont(small)
    metrics = QFontMetricsF(small)
    if inputs.node_texts:
        offset = (layout.map_half_side if inputs.map_images is not None else NODE_RADIUS) + 3
        for layer, texts in enumerate(inputs.node_texts[: len(layout.layer_sizes)]):
            positions = layout.node_positions[layer]
            for index, text in enumerate(texts[: len(positions)]):
                if not text:
                    continue
                x, y = positions[index]
                draw_text_box(
                    painter,
                    metrics,
                    text,
                    QPointF(x + offset, y - offset),
                    inputs.text_colour,
                    inputs.base_colour,
                    None,
                    log=inputs.text_log,
                    scale=inputs.scale,
                )
    if inputs.edge_labels is None:
        return
    placed, hidden = inputs.edge_labels
    for rect, text in placed:
        draw_text_box(
            painter,
            metrics,
            text,
            rect.center(),
            inputs.text_colour,
            inputs.base_colour,
            inputs.highlight,
            centred=True,
            log=inputs.text_log,
            scale=inputs.scale,
        )
    if hidden:
        note = (
            f"{hidden} of {hidden + len(placed)} edge labels left out for lack of "
            "room: hover an edge, or read them all in the Step phases table"
        )
        bounds = layout.bounds
        painter.setPen(inputs.text_colour)
        height = max(18.0, metrics.height())
        _text(
            painter,
            QRectF(bounds.left() + 4, bounds.bottom() - height - 2, bounds.width() - 8, height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            note,
            inputs,
        )


def draw_text_box(
    painter: QPainter,
    metrics: QFontMetricsF,
    text: str,
    anchor: QPointF,
    text_colour: QColor,
    base_colour: QColor,
    border: QColor | None,
    centred: bool = False,
    log: list[tuple[str, float]] | None = None,
    scale: float = 1.0,
) -> None:
    width, height = text_box_size(metrics, text)
    if log is not None:
        log.append((text, painter.font().pixelSize() * scale))
    if centred:
        rect = QRectF(anchor.x() - width / 2, anchor.y() - height / 2, width, height)
    else:
        rect = QRectF(anchor.x(), anchor.y(), width, height)
    background = QColor(base_colour)
    background.setAlpha(225)
    painter.setBrush(background)
    painter.setPen(QPen(border, 1.2) if border is not None else Qt.PenStyle.NoPen)
    painter.drawRoundedRect(rect, 3, 3)
    painter.setPen(text_colour)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
