"""Where every node, bias node, edge and label of the network drawing sits.

Pure geometry in scene units (the view scales the scene to fit): no painting here,
only the positions the painter and the hit testing share, and the placement of
edge labels so that none covers a node or another label.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QFontMetricsF

from backprop_lab.core.snapshot import ParameterRef

#: The smallest distance between layer columns, and between nodes of a column.
#: Where the view has room to spare in one direction, the drawing spreads out
#: in that direction (see :func:`spacing_for_view`) instead of leaving it empty.
COLUMN_SPACING = 190.0
NODE_SPACING = 46.0
#: Spreading stops at these multiples of the smallest spacing.
MAX_COLUMN_SPREAD = 2.2
MAX_NODE_SPREAD = 3.0
#: The drawing is never magnified more than this (a 1-1 network stays modest).
MAX_ZOOM = 1.6
# Room around the nodes: the layer headings and bias row above, names beside.
SIDE_MARGIN = 118.0
#: Width beside the input and output nodes where their names go.
SIDE_ROOM = 100.0
BIAS_ROW_GAP = 50.0
HEADING_GAP = 40.0
TOP_PAD = 22.0
BOTTOM_PAD = 40.0
NODE_RADIUS = 19.0
#: The headings' text size (scene units) when the view is not zoomed out.
HEADING_TEXT_SIZE = 12.0
BIAS_HALF_SIDE = 11.0
MAP_HALF_SIDE = 24.0
#: Where along an edge :meth:`NetworkView.edge_hit_point` lies (sqrt(2) - 1).
EDGE_HIT_FRACTION = math.sqrt(2.0) - 1.0
#: Where along its edge a label may sit, in order of preference: labels go to the
#: first of these places where they overlap no node and no other label.
EDGE_LABEL_FRACTIONS = (0.5, 0.38, 0.62, 0.28, 0.72, 0.44, 0.56, 0.2, 0.8, 0.33, 0.67)
#: At most this many edge labels are placed (the rest are counted as hidden).
MAX_EDGE_LABELS = 400


#: Networks with up to this many weight edges keep a QLineF per edge (2-64-64-1
#: has 4,224); bigger ones make them for the edges drawn only.
PREBUILT_LINES = 20_000


class WeightRefs(Sequence):
    """Every weight's ParameterRef in edge order, computed from its position."""

    def __init__(self, layer_sizes: tuple[int, ...], offsets: np.ndarray) -> None:
        self._sizes = layer_sizes
        self._offsets = offsets

    def __len__(self) -> int:
        return int(self._offsets[-1])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        k = int(index)
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(f"edge {index} does not exist ({len(self)} edges)")
        layer = int(np.searchsorted(self._offsets, k, side="right")) - 1
        source, target = divmod(k - int(self._offsets[layer]), self._sizes[layer + 1])
        return ParameterRef(layer, source, target)

    def __iter__(self):
        for layer in range(len(self._sizes) - 1):
            for source in range(self._sizes[layer]):
                for target in range(self._sizes[layer + 1]):
                    yield ParameterRef(layer, source, target)


class WeightRefIndex:
    """ParameterRef of a weight -> its edge index (a dict's ``in``, ``[]`` and ``get``)."""

    def __init__(self, layer_sizes: tuple[int, ...], offsets: np.ndarray) -> None:
        self._sizes = layer_sizes
        self._offsets = offsets

    def get(self, ref: ParameterRef, default=None):
        if not isinstance(ref, ParameterRef) or ref.source is None:
            return default
        layer, source, target = ref.layer, ref.source, ref.target
        if not (0 <= layer < len(self._sizes) - 1):
            return default
        if not (0 <= source < self._sizes[layer] and 0 <= target < self._sizes[layer + 1]):
            return default
        return int(self._offsets[layer]) + source * self._sizes[layer + 1] + target

    def __contains__(self, ref) -> bool:
        return self.get(ref) is not None

    def __getitem__(self, ref: ParameterRef) -> int:
        index = self.get(ref)
        if index is None:
            raise KeyError(ref)
        return index

    def __len__(self) -> int:
        return int(self._offsets[-1])


def _vertical_room(text_size: float) -> tuple[float, float, float, float]:
    """(heading gap, top pad, bottom pad, side margin) for headings of ``text_size``."""
    t = max(float(text_size), HEADING_TEXT_SIZE)
    heading_gap = max(HEADING_GAP, t + BIAS_HALF_SIDE + 8.0)
    top_pad = max(TOP_PAD, 1.2 * t - 2.0)
    bottom_pad = max(BOTTOM_PAD, 1.6 * t)
    side_margin = max(SIDE_MARGIN, 7.5 * t)
    return heading_gap, top_pad, bottom_pad, side_margin


def layout_bounds(
    layer_sizes: Sequence[int],
    has_bias: bool,
    column_spacing: float = COLUMN_SPACING,
    node_spacing: float = NODE_SPACING,
    text_size: float = HEADING_TEXT_SIZE,
) -> QRectF:
    """The scene rectangle :class:`NetworkLayout` of these arguments takes (its
    ``bounds``), without placing a node or an edge."""
    sizes = [int(n) for n in layer_sizes]
    heading_gap, top_pad, bottom_pad, side_margin = _vertical_room(text_size)
    tallest = max(sizes)
    top = -(tallest - 1) / 2.0 * float(node_spacing)
    bias_row_y = top - BIAS_ROW_GAP
    label_y = (bias_row_y if has_bias else top) - heading_gap
    width = (len(sizes) - 1) * float(column_spacing)
    bottom = (tallest - 1) / 2.0 * float(node_spacing)
    # Room for names and texts on both sides, labels above.
    return QRectF(
        -side_margin,
        label_y - top_pad,
        width + 2 * side_margin,
        bottom - label_y + top_pad + bottom_pad,
    )


class NetworkLayout:
    """Where every node, bias node, edge and label sits, for one architecture."""

    def __init__(
        self,
        layer_sizes: Sequence[int],
        has_bias: bool,
        column_spacing: float = COLUMN_SPACING,
        node_spacing: float = NODE_SPACING,
        text_size: float = HEADING_TEXT_SIZE,
    ) -> None:
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        #: The headings' text size in scene units: where the view is zoomed out so
        #: far that readable text is bigger than 12 units, the room above the
        #: nodes grows with it, so headings and activation names never overlap.
        self.text_size = max(float(text_size), HEADING_TEXT_SIZE)
        heading_gap, _top_pad, _bottom_pad, side_margin = _vertical_room(self.text_size)
        #: Room beside the inputs and outputs for their names: about eight
        #: characters at the text size.
        self.side_margin = side_margin
        self.side_room = self.side_margin - (SIDE_MARGIN - SIDE_ROOM)
        self.has_bias = has_bias
        self.column_spacing = float(column_spacing)
        self.node_spacing = float(node_spacing)
        #: Half the side of a unit-map thumbnail: at most MAP_HALF_SIDE, and small
        #: enough to leave a gap of a sixth of the spacing between neighbours.
        self.map_half_side = min(MAP_HALF_SIDE, self.node_spacing * 5 / 12)
        tallest = max(self.layer_sizes)
        self.node_positions: list[npt.NDArray[np.float64]] = []
        for layer, n in enumerate(self.layer_sizes):
            ys = (np.arange(n) - (n - 1) / 2.0) * self.node_spacing
            xs = np.full(n, layer * self.column_spacing)
            self.node_positions.append(np.column_stack([xs, ys]))
        top = -(tallest - 1) / 2.0 * self.node_spacing
        self.bias_row_y = top - BIAS_ROW_GAP
        self.label_y = (self.bias_row_y if has_bias else top) - heading_gap
        # Bias nodes sit above the source column, shifted right so their
        # dashed edges do not hide the column's own edges.
        self.bias_positions = [
            np.array([layer * self.column_spacing + COLUMN_SPACING * 0.3, self.bias_row_y])
            for layer in range(len(self.layer_sizes) - 1)
        ]
        # Edges, layer pair by layer pair, source-major (the order of
        # Network.weights[layer].ravel()): their refs and index are computed from
        # the position, not stored, and their segments and QLineF objects are made
        # when first asked for, so a 256-wide network (65,536 edges a pair) costs
        # no more than it must.
        sizes = self.layer_sizes
        counts = [sizes[k] * sizes[k + 1] for k in range(len(sizes) - 1)]
        #: Index of each layer pair's first edge (and the total at the end).
        self.weight_offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
        self.weight_refs = WeightRefs(sizes, self.weight_offsets)
        self.ref_index = WeightRefIndex(sizes, self.weight_offsets)
        self.weight_target_layers = np.repeat(
            np.arange(1, len(sizes), dtype=np.int64), np.asarray(counts, dtype=np.int64)
        )
        self._weight_segments: np.ndarray | None = None
        self._weight_lines: np.ndarray | None = None
        self._pair_geometry: dict[int, tuple[float, float]] = {}
        bias_segments = []
        self.bias_refs: list[ParameterRef] = []
        if has_bias:
            for layer in range(len(self.layer_sizes) - 1):
                src = self.bias_positions[layer]
                for j, dst in enumerate(self.node_positions[layer + 1]):
                    bias_segments.append([*src, *dst])
                    self.bias_refs.append(ParameterRef(layer, None, j))
        self.bias_segments = np.array(bias_segments, dtype=np.float64).reshape(-1, 4)
        self.bias_target_layers = np.array(
            [ref.layer + 1 for ref in self.bias_refs], dtype=np.int64
        )
        self.bias_lines = np.empty(len(self.bias_refs), dtype=object)
        self.bias_lines[:] = [QLineF(*seg) for seg in self.bias_segments.tolist()]
        self.bias_ref_index = {ref: k for k, ref in enumerate(self.bias_refs)}
        self.bounds = layout_bounds(
            self.layer_sizes, has_bias, self.column_spacing, self.node_spacing, self.text_size
        )

    @property
    def weight_segments(self) -> np.ndarray:
        """(E, 4) scene segments (x0, y0, x1, y1) of every weight edge, in ref order."""
        if self._weight_segments is None:
            parts = []
            for layer in range(len(self.layer_sizes) - 1):
                src = self.node_positions[layer]
                dst = self.node_positions[layer + 1]
                pair = np.empty((len(src), len(dst), 4), dtype=np.float64)
                pair[:, :, 0:2] = src[:, None, :]
                pair[:, :, 2:4] = dst[None, :, :]
                parts.append(pair.reshape(-1, 4))
            self._weight_segments = (
                np.concatenate(parts) if parts else np.zeros((0, 4), dtype=np.float64)
            )
        return self._weight_segments

    @property
    def weight_lines(self) -> np.ndarray:
        """An object array of one QLineF per weight edge (made once, when first asked)."""
        if self._weight_lines is None:
            lines = np.empty(len(self.weight_refs), dtype=object)
            lines[:] = [QLineF(*seg) for seg in self.weight_segments.tolist()]
            self._weight_lines = lines
        return self._weight_lines

    def weight_lines_at(self, indices: np.ndarray) -> np.ndarray:
        """QLineF objects of the weight edges at ``indices`` (an object array).

        Up to :data:`PREBUILT_LINES` edges the lines are made once and kept; a bigger
        network's are made for the edges asked for only (the view draws a bounded
        number of them, see ``rendering.edges_to_draw``).
        """
        if len(self.weight_refs) <= PREBUILT_LINES:
            return self.weight_lines[indices]
        lines = np.empty(len(indices), dtype=object)
        lines[:] = [QLineF(*seg) for seg in self.weight_segments[indices].tolist()]
        return lines

    def pair_geometry(self, layer: int) -> tuple[float, float]:
        """(mean edge length, area of the band the edges fill), in scene units, of the
        edges from column ``layer`` to ``layer + 1``."""
        cached = self._pair_geometry.get(layer)
        if cached is not None:
            return cached
        src = self.node_positions[layer][:, 1]
        dst = self.node_positions[layer + 1][:, 1]
        dy = src[:, None] - dst[None, :]
        mean_length = float(np.mean(np.hypot(self.column_spacing, dy)))
        height = max(float(np.ptp(src)), float(np.ptp(dst))) + self.node_spacing
        self._pair_geometry[layer] = (mean_length, self.column_spacing * height)
        return self._pair_geometry[layer]

    def column_rect(self, layer: int) -> QRectF:
        x = float(self.node_positions[layer][0, 0])
        ys = self.node_positions[layer][:, 1]
        half = self.map_half_side + 8
        return QRectF(x - half, ys.min() - half, 2 * half, ys.max() - ys.min() + 2 * half)

    def point_along(self, ref: ParameterRef, fraction: float) -> QPointF:
        if ref.is_bias:
            seg = self.bias_segments[self.bias_ref_index[ref]]
        else:
            seg = self.weight_segments[self.ref_index[ref]]
        return QPointF(seg[0] + fraction * (seg[2] - seg[0]), seg[1] + fraction * (seg[3] - seg[1]))

    def midpoint(self, ref: ParameterRef) -> QPointF:
        return self.point_along(ref, 0.5)

    def has_ref(self, ref: ParameterRef) -> bool:
        if ref.is_bias:
            return ref in self.bias_ref_index
        return ref in self.ref_index


def spacing_for_view(
    layer_sizes: Sequence[int],
    has_bias: bool,
    width: float,
    height: float,
    min_text_pixels: float = 0.0,
) -> tuple[float, float, float]:
    """(column spacing, node spacing, text size) that fill a ``width`` x ``height`` view.

    The drawing is first fitted at the smallest spacings; the direction with room to
    spare then spreads out (up to MAX_COLUMN_SPREAD / MAX_NODE_SPREAD), so a wide
    view gets wider gaps between layers and a tall one taller gaps between nodes,
    instead of empty bands around a small drawing. The text size (scene units) is
    what ``min_text_pixels`` screen pixels come to at that zoom (at least 12), and
    the room for the headings follows it.
    """
    if width <= 1 or height <= 1:
        return COLUMN_SPACING, NODE_SPACING, HEADING_TEXT_SIZE
    text = HEADING_TEXT_SIZE
    sizes = tuple(int(n) for n in layer_sizes)
    for _ in range(3):  # the room for text changes the zoom a little: settle it
        # The bounds alone: a whole NetworkLayout of 2-256x8-1 takes 40 ms to make.
        bounds = layout_bounds(sizes, has_bias, COLUMN_SPACING, NODE_SPACING, text)
        zoom = min(width / bounds.width(), height / bounds.height(), MAX_ZOOM)
        wanted = max(HEADING_TEXT_SIZE, 1.25 * min_text_pixels / zoom)
        if abs(wanted - text) <= 0.5:
            break
        text = wanted
    n_gaps = len(sizes) - 1
    n_rows = max(sizes) - 1
    column = COLUMN_SPACING
    if n_gaps > 0:
        spare = width / zoom - bounds.width()
        column = min(COLUMN_SPACING + max(spare, 0.0) / n_gaps, COLUMN_SPACING * MAX_COLUMN_SPREAD)
    node = NODE_SPACING
    if n_rows > 0:
        spare = height / zoom - bounds.height()
        node = min(NODE_SPACING + max(spare, 0.0) / n_rows, NODE_SPACING * MAX_NODE_SPREAD)
    return float(column), float(node), float(text)


def text_box_size(metrics: QFontMetricsF, text: str) -> tuple[float, float]:
    """Width and height of a (multi-line) text in its rounded box."""
    lines = text.split("\n")
    width = max(metrics.horizontalAdvance(line) for line in lines) + 6
    return width, metrics.height() * len(lines) + 4


def place_edge_labels(
    layout: NetworkLayout,
    texts: dict[ParameterRef, str],
    node_texts: Sequence[Sequence[str]] | None,
    show_maps: bool,
    metrics: QFontMetricsF,
    ref_exists: Callable[[ParameterRef], bool],
) -> tuple[list[tuple[QRectF, str]], int]:
    """Where the edge labels go: ([(scene rect, text)], number left out).

    Each label sits on its own edge, at the first of EDGE_LABEL_FRACTIONS where
    its box overlaps no node, no node text and no label placed before it; a
    label with no such place is left out (and counted), never drawn over another.
    """
    half = (layout.map_half_side if show_maps else NODE_RADIUS) + 1
    boxes: list[tuple[float, float, float, float]] = []
    for positions in layout.node_positions:
        boxes.extend((x - half, y - half, x + half, y + half) for x, y in positions.tolist())
    for x, y in [tuple(b) for b in layout.bias_positions] if layout.has_bias else []:
        boxes.append(
            (x - BIAS_HALF_SIDE, y - BIAS_HALF_SIDE, x + BIAS_HALF_SIDE, y + BIAS_HALF_SIDE)
        )
    for layer, row in enumerate((node_texts or [])[: len(layout.layer_sizes)]):
        positions = layout.node_positions[layer]
        for index, text in enumerate(row[: len(positions)]):
            if text:
                x, y = positions[index]
                w, h = text_box_size(metrics, text)
                offset = half + 2
                boxes.append((x + offset, y - offset, x + offset + w, y - offset + h))
    occupied = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    placed: list[tuple[QRectF, str]] = []
    hidden = 0
    wanted = [(ref, text) for ref, text in texts.items() if text and ref_exists(ref)]
    for count, (ref, text) in enumerate(wanted):
        if count >= MAX_EDGE_LABELS:
            hidden += len(wanted) - count
            break
        w, h = text_box_size(metrics, text)
        for fraction in EDGE_LABEL_FRACTIONS:
            centre = layout.point_along(ref, fraction)
            box = (
                centre.x() - w / 2 - 1,
                centre.y() - h / 2 - 1,
                centre.x() + w / 2 + 1,
                centre.y() + h / 2 + 1,
            )
            overlaps = (
                (occupied[:, 0] < box[2])
                & (occupied[:, 2] > box[0])
                & (occupied[:, 1] < box[3])
                & (occupied[:, 3] > box[1])
            )
            if not overlaps.any():
                occupied = np.vstack([occupied, box])
                placed.append((QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h), text))
                break
        else:
            hidden += 1
    return placed, hidden


def segment_distances(segments: np.ndarray, px: float, py: float) -> np.ndarray:
    """Distance from (px, py) to every segment (x0, y0, x1, y1), vectorised."""
    x0, y0, x1, y1 = segments.T
    dx, dy = x1 - x0, y1 - y0
    length_squared = dx * dx + dy * dy
    t = np.where(
        length_squared > 0,
        ((px - x0) * dx + (py - y0) * dy) / np.where(length_squared > 0, length_squared, 1.0),
        0.0,
    )
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(x0 + t * dx - px, y0 + t * dy - py)
