"""The network drawn as nodes and edges, coloured by weight, gradient or last update.

Inputs, hidden layers and outputs are columns of nodes. Every edge is a weight,
coloured with the shared diverging map of :mod:`backprop_lab.gui.colors`
(orange negative, grey near zero, blue positive) and drawn wider the larger its
|value|; each layer's bias is a "+1" node above the previous column with
dashed edges. A node's fill is its output h(a) for one chosen sample or the
batch mean, in the same colours over its layer's range (orange low, blue high).

The package: :mod:`.layout` (where everything sits), :mod:`.rendering` (pens,
edge groups, painting) and :mod:`.widget` (the :class:`NetworkView` widget).

Edge order used by :meth:`NetworkView.edge_colours` and
:meth:`NetworkView.edge_widths`: layer by layer (``weights[0]`` first), and
within a layer row-major over (source, target), i.e. ``weights[l].ravel()``.
"""

from .layout import (
    BIAS_HALF_SIDE,
    COLUMN_SPACING,
    EDGE_HIT_FRACTION,
    EDGE_LABEL_FRACTIONS,
    MAP_HALF_SIDE,
    MAX_COLUMN_SPREAD,
    MAX_EDGE_LABELS,
    MAX_NODE_SPREAD,
    MAX_ZOOM,
    NODE_RADIUS,
    NODE_SPACING,
    NetworkLayout,
    spacing_for_view,
)
from .rendering import (
    DIMMED_ALPHA,
    EDGE_ANTIALIAS_MIN_PIXELS,
    LEVELS,
    MAX_EDGE_WIDTH,
    MIN_EDGE_WIDTH,
)
from .widget import COLOUR_MODE_LABELS, COLOUR_MODES, HIT_TOLERANCE_PIXELS, NetworkView

__all__ = [
    "BIAS_HALF_SIDE",
    "COLOUR_MODES",
    "COLOUR_MODE_LABELS",
    "COLUMN_SPACING",
    "DIMMED_ALPHA",
    "EDGE_ANTIALIAS_MIN_PIXELS",
    "EDGE_HIT_FRACTION",
    "EDGE_LABEL_FRACTIONS",
    "HIT_TOLERANCE_PIXELS",
    "LEVELS",
    "MAP_HALF_SIDE",
    "MAX_COLUMN_SPREAD",
    "MAX_EDGE_LABELS",
    "MAX_EDGE_WIDTH",
    "MAX_NODE_SPREAD",
    "MAX_ZOOM",
    "MIN_EDGE_WIDTH",
    "NODE_RADIUS",
    "NODE_SPACING",
    "NetworkLayout",
    "NetworkView",
    "spacing_for_view",
]
