"""The shared diverging colour map: orange for negative, grey near zero, blue for positive.

Every view that colours a signed number (the network view's edges, the weight
tables, the gradient check) uses this module, so one colour means one value
everywhere. Orange and blue stay distinct for the common colour-vision
deficiencies (the pair PuOr / "vik" use), and the neutral mid grey is visible on
both light and dark backgrounds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QLinearGradient, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Positions in [-1, 1] of the colour anchors (value / limit).
ANCHOR_POSITIONS = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
#: RGB of the anchors: deep orange-brown, orange, neutral grey, light blue, deep blue.
ANCHOR_COLOURS = np.array(
    [
        [166, 84, 0],
        [238, 150, 54],
        [200, 200, 200],
        [96, 160, 214],
        [24, 82, 168],
    ],
    dtype=np.float64,
)
#: Colour used for values that are not finite (NaN after a divergence).
INVALID_COLOUR = (200, 0, 200, 255)

SCALE_MODES = ("auto", "fixed")


def _finite_abs_max(values) -> float:
    """Largest finite |value| over an array or a sequence of arrays (0.0 when none)."""
    if values is None:
        return 0.0
    if isinstance(values, np.ndarray):
        arrays: Iterable = [values]
    else:
        arrays = [v for v in values if v is not None]
    best = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        if a.size == 0:
            continue
        finite = np.abs(a[np.isfinite(a)])
        if finite.size:
            best = max(best, float(finite.max()))
    return best


class ColourScale:
    """Which |value| maps to the deepest colour.

    Parameters
    ----------
    mode
        ``"auto"``: the largest |value| of what is shown; ``"fixed"``: ``limit``.
    limit
        The fixed limit (must be a finite number > 0 in ``"fixed"`` mode).

    Raises
    ------
    ValueError
        For an unknown mode or a fixed limit that is not a positive finite number.
    """

    #: Limit used by "auto" when everything shown is zero (so zero stays neutral).
    EMPTY_LIMIT = 1.0

    def __init__(self, mode: str = "auto", limit: float | None = None) -> None:
        if mode not in SCALE_MODES:
            raise ValueError(f"colour scale mode must be 'auto' or 'fixed', not {mode!r}")
        if mode == "fixed":
            if limit is None or not np.isfinite(limit) or limit <= 0:
                raise ValueError(f"a fixed colour scale needs a limit > 0, not {limit!r}")
            limit = float(limit)
        self.mode = mode
        self.limit = limit

    def limit_for(self, values) -> float:
        """The limit to use for ``values`` (an array or a sequence of arrays)."""
        if self.mode == "fixed":
            return float(self.limit)
        biggest = _finite_abs_max(values)
        return biggest if biggest > 0 else self.EMPTY_LIMIT

    def __repr__(self) -> str:
        return f"ColourScale(mode={self.mode!r}, limit={self.limit!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ColourScale) and other.mode == self.mode and other.limit == self.limit
        )

    __hash__ = None  # mutable


def diverging_rgba(values: npt.ArrayLike, limit: float) -> npt.NDArray[np.uint8]:
    """RGBA colours (N, 4) uint8 for ``values``, with ±``limit`` the deepest colours.

    Values beyond the limit are clipped to the end colours; non-finite values
    get :data:`INVALID_COLOUR` (magenta) so a divergence is visible.
    """
    flat = np.asarray(values, dtype=np.float64).ravel()
    out = np.empty((flat.size, 4), dtype=np.uint8)
    if flat.size == 0:
        return out
    if not np.isfinite(limit) or limit <= 0:
        limit = 1.0
    finite = np.isfinite(flat)
    position = np.clip(np.where(finite, flat, 0.0) / limit, -1.0, 1.0)
    for channel in range(3):
        out[:, channel] = np.rint(
            np.interp(position, ANCHOR_POSITIONS, ANCHOR_COLOURS[:, channel])
        ).astype(np.uint8)
    out[:, 3] = 255
    if not finite.all():
        out[~finite] = INVALID_COLOUR
    return out


#: Anchors of the sequential map (viridis: dark purple, blue, teal, green, yellow).
SEQUENTIAL_POSITIONS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
SEQUENTIAL_COLOURS = np.array(
    [
        [68, 1, 84],
        [59, 82, 139],
        [33, 145, 140],
        [94, 201, 98],
        [253, 231, 37],
    ],
    dtype=np.float64,
)


def sequential_rgba(values: npt.ArrayLike, low: float, high: float) -> npt.NDArray[np.uint8]:
    """RGBA colours (N, 4) uint8 of a sequential map (viridis) from ``low`` to ``high``.

    For unsigned quantities: node activations, a unit's output over the input
    plane. Values outside are clipped; non-finite values get :data:`INVALID_COLOUR`.
    """
    flat = np.asarray(values, dtype=np.float64).ravel()
    out = np.empty((flat.size, 4), dtype=np.uint8)
    if flat.size == 0:
        return out
    span = high - low
    if not np.isfinite(span) or span <= 0:
        low, span = (low if np.isfinite(low) else 0.0), 1.0
    finite = np.isfinite(flat)
    position = np.clip((np.where(finite, flat, low) - low) / span, 0.0, 1.0)
    for channel in range(3):
        out[:, channel] = np.rint(
            np.interp(position, SEQUENTIAL_POSITIONS, SEQUENTIAL_COLOURS[:, channel])
        ).astype(np.uint8)
    out[:, 3] = 255
    if not finite.all():
        out[~finite] = INVALID_COLOUR
    return out


def diverging_qcolor(value: float, limit: float) -> QColor:
    """The :func:`diverging_rgba` colour of one value, as a QColor."""
    r, g, b, a = (int(c) for c in diverging_rgba([value], limit)[0])
    return QColor(r, g, b, a)


def relative_luminance(rgba: Sequence[float] | QColor) -> float:
    """WCAG relative luminance (0 black … 1 white) of an RGB(A) colour with 0-255 channels."""
    if isinstance(rgba, QColor):
        red, green, blue = rgba.red(), rgba.green(), rgba.blue()
    else:
        red, green, blue = (float(c) for c in list(rgba)[:3])
    return _luminance(red, green, blue)


def _luminance(red: float, green: float, blue: float) -> float:
    # Plain floats: called for every node on every repaint, where NumPy's
    # per-call overhead for three numbers cost more than the drawing.
    total = 0.0
    for channel, weight in ((red, 0.2126), (green, 0.7152), (blue, 0.0722)):
        c = channel / 255.0
        total += weight * (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return total


def text_colour_for(rgba: Sequence[float] | QColor) -> QColor:
    """Black or white, whichever contrasts more with the background ``rgba``."""
    if isinstance(rgba, QColor):
        key = (rgba.red(), rgba.green(), rgba.blue())
    else:
        key = tuple(round(float(c)) for c in list(rgba)[:3])
    return QColor(_text_colour_for_rgb(*key))


@functools.lru_cache(maxsize=4096)
def _text_colour_for_rgb(red: int, green: int, blue: int) -> Qt.GlobalColor:
    luminance = _luminance(red, green, blue)
    # Contrast with black (L + 0.05) / 0.05 vs with white 1.05 / (L + 0.05).
    if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05):
        return Qt.GlobalColor.black
    return Qt.GlobalColor.white


def format_scale_number(value: float) -> str:
    """How legend ticks print a number: 3 significant digits, a true minus sign."""
    if value == 0:
        return "0"
    text = f"{value:.3g}"
    return text.replace("-", "\u2212")


@functools.cache
def _legend_gradient_stops() -> list[tuple[float, QColor]]:
    """The legend bar's colour stops: the diverging map at 21 evenly spaced positions."""
    stops = np.linspace(-1.0, 1.0, 21)
    return [
        (float((stop + 1) / 2), QColor(*(int(c) for c in colour)))
        for stop, colour in zip(stops, diverging_rgba(stops, 1.0), strict=True)
    ]


class ColourLegend(QWidget):
    """A horizontal gradient bar with ticks at −limit, 0 and +limit and a title.

    Parameters
    ----------
    title
        What the colours mean, e.g. ``"weight"``, ``"dE/dw"``, ``"Δw"``.
    limit
        The value drawn at the deepest colours.
    """

    BAR_HEIGHT = 10
    MARGIN = 4

    def __init__(
        self, title: str = "weight", limit: float = 1.0, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._title = title
        self._limit = float(limit)
        self._scale_mode = "auto"
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        # Opaque (the window's background): an auto scale's new limit repaints the
        # legend alone, not the panel behind it, while training streams snapshots.
        self.setAutoFillBackground(True)
        self._update_tooltip()

    # -- state ---------------------------------------------------------------
    def title(self) -> str:
        return self._title

    def limit(self) -> float:
        return self._limit

    def scale_mode(self) -> str:
        return self._scale_mode

    def set_title(self, title: str) -> None:
        drawn = self._drawn_texts()
        self._title = title
        self._update_if_changed(drawn)

    def set_limit(self, limit: float, scale_mode: str | None = None) -> None:
        """Show ``limit`` at the ends; ``scale_mode`` ("auto"/"fixed") is named in the title."""
        drawn = self._drawn_texts()
        self._limit = float(limit)
        if scale_mode is not None:
            self._scale_mode = scale_mode
        self._update_if_changed(drawn)

    def _drawn_texts(self) -> tuple[str, ...]:
        return (self.heading(), *self.tick_labels())

    def _update_if_changed(self, drawn_before: tuple[str, ...]) -> None:
        # An auto scale moves a little every frame while training; the legend only
        # shows 3 significant digits, so most frames change nothing it draws.
        if self._drawn_texts() != drawn_before:
            self._update_tooltip()
            self.update()

    def tick_labels(self) -> list[str]:
        """The three tick labels as drawn: −limit, 0, +limit."""
        return [
            format_scale_number(-self._limit),
            "0",
            format_scale_number(self._limit),
        ]

    def heading(self) -> str:
        """The title line as drawn, e.g. ``"weight (auto scale)"``."""
        return f"{self._title} ({self._scale_mode} scale)"

    def _update_tooltip(self) -> None:
        low, _, high = self.tick_labels()
        self.setToolTip(
            f"Colour of {self._title}: orange negative, grey near zero, blue positive.\n"
            f"Deepest colours at {low} and {high}; values beyond are clipped "
            f"({self._scale_mode} scale)."
        )

    # -- painting --------------------------------------------------------------
    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        height = 2 * metrics.height() + self.BAR_HEIGHT + 3 * self.MARGIN
        return QSize(220, height)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        try:
            self.paint_into(painter, QRectF(self.rect()))
        finally:
            painter.end()

    def paint_into(self, painter: QPainter, rect: QRectF) -> None:
        """Draw the legend into ``rect`` (also used by the network view's export)."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        metrics = QFontMetrics(painter.font())
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        m = self.MARGIN
        painter.setPen(text_colour)
        title_rect = QRectF(rect.left() + m, rect.top() + m, rect.width() - 2 * m, metrics.height())
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.heading()
        )
        low, mid, high = self.tick_labels()
        side = max(metrics.horizontalAdvance(low), metrics.horizontalAdvance(high)) / 2 + m
        bar = QRectF(
            rect.left() + side,
            title_rect.bottom() + m,
            max(10.0, rect.width() - 2 * side),
            self.BAR_HEIGHT,
        )
        gradient = QLinearGradient(bar.left(), 0, bar.right(), 0)
        gradient.setStops(_legend_gradient_stops())
        painter.fillRect(bar, gradient)
        painter.setPen(QPen(text_colour, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(bar)
        label_top = bar.bottom() + 2
        for fraction, label in ((0.0, low), (0.5, mid), (1.0, high)):
            x = bar.left() + fraction * bar.width()
            painter.drawLine(int(x), int(bar.bottom()), int(x), int(bar.bottom() + 2))
            width = metrics.horizontalAdvance(label) + 2
            painter.drawText(
                QRectF(x - width / 2, label_top, width, metrics.height()),
                Qt.AlignmentFlag.AlignCenter,
                label,
            )


#: How strongly maps over the input plane are coloured (the data plot's background,
#: the network view's unit maps): paler than edges so points drawn on them stand out.
PLANE_MAP_STRENGTH = 0.55


def range_rgba(values: npt.ArrayLike, low: float, high: float) -> npt.NDArray[np.uint8]:
    """The app's one colour language for a value in [low, high]: orange at ``low``,
    grey in the middle, blue at ``high`` (the diverging map over the range).

    Node fill (an activation h(a) in its layer's range) and the unit maps use it, so
    low/negative/class 0 is orange and high/positive/class 1 is blue everywhere.
    """
    values = np.asarray(values, dtype=np.float64)
    span = max(float(high) - float(low), 1e-300)
    with np.errstate(invalid="ignore", over="ignore"):
        positions = 2.0 * (values - float(low)) / span - 1.0
    return diverging_rgba(positions, 1.0)


def plane_map_rgba(values: npt.ArrayLike, low: float, high: float) -> npt.NDArray[np.uint8]:
    """:func:`range_rgba`, paled by PLANE_MAP_STRENGTH like the data plot's background."""
    rgba = range_rgba(values, low, high).astype(np.float64)
    rgba[..., :3] = 255.0 - PLANE_MAP_STRENGTH * (255.0 - rgba[..., :3])
    return rgba.astype(np.uint8)
