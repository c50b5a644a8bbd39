"""One name for every weight, unit, layer and sample, counted as in the seed post.

Everything people read counts from 1: layer 0 is the input layer and layer L
the output layer; units are 1..n in every layer; samples are 1..N. Arrays stay
0-based inside the code (``ParameterRef`` holds array indices), and nothing
formats a parameter by hand: every panel, tooltip, table and export calls
:func:`parameter_name`.

A weight is written as in the post, target unit first: ``w₁₂⁽²⁾`` is the
weight into unit 1 of layer 2 from unit 2 of layer 1, i.e. ``W2[1, 0]`` of the
seed's ``h1 @ W2`` (row = source, column = target). When an index reaches 10 a
comma separates the two: ``w₁₂,₃⁽²⁾``. A bias is ``b₁⁽²⁾``. The ASCII spelling
of the same name (for CSV headers, code comments, file names) is ``w_12^(2)``,
``w_12,3^(2)``, ``b_1^(2)``.
"""

from __future__ import annotations

from collections.abc import Sequence

_SUB = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def _indices(*numbers: int) -> str:
    text = [str(n) for n in numbers]
    return ",".join(text) if any(n >= 10 for n in numbers) else "".join(text)


def weight_name(layer: int, target: int, source: int, ascii: bool = False) -> str:
    """The name of the weight into ``target`` of ``layer`` from ``source`` of ``layer - 1``.

    All three numbers are as people count them: layers from 1 (the first layer
    after the input), units from 1.
    """
    idx = _indices(target, source)
    if ascii:
        return f"w_{idx}^({layer})"
    return f"w{idx.translate(_SUB)}{f'({layer})'.translate(_SUP)}"


def bias_name(layer: int, target: int, ascii: bool = False) -> str:
    """The name of the bias of unit ``target`` (from 1) of ``layer`` (from 1)."""
    if ascii:
        return f"b_{target}^({layer})"
    return f"b{str(target).translate(_SUB)}{f'({layer})'.translate(_SUP)}"


def parameter_name(ref, ascii: bool = False) -> str:
    """The one name of a :class:`~.snapshot.ParameterRef` (``w₁₂⁽²⁾``, ``b₁⁽²⁾``).

    ``ascii=True`` spells the same name ``w_12^(2)`` / ``b_1^(2)``.
    """
    if ref.source is None:
        return bias_name(ref.layer + 1, ref.target + 1, ascii)
    return weight_name(ref.layer + 1, ref.target + 1, ref.source + 1, ascii)


def unit_label(
    layer: int, unit: int, layer_sizes: Sequence[int], input_labels: Sequence[str] | None = None
) -> str:
    """A unit as people read it: ``x₁`` (or a feature, ``x₁²``), ``unit 2 of layer 1``, ...

    ``layer`` counts from 0 (the inputs), ``unit`` is the array index (from 0).
    """
    sizes = list(layer_sizes)
    if layer == 0:
        if input_labels is not None:
            return str(input_labels[unit])
        return f"x{str(unit + 1).translate(_SUB)}"
    if layer == len(sizes) - 1:
        return "the output" if sizes[layer] == 1 else f"output {unit + 1}"
    return f"unit {unit + 1} of layer {layer}"


def parameter_description(
    ref, layer_sizes: Sequence[int], input_labels: Sequence[str] | None = None
) -> str:
    """``"from x₂ to unit 1 of layer 1"`` or ``"bias of unit 1 of layer 2"`` (for tooltips)."""
    target = unit_label(ref.layer + 1, ref.target, layer_sizes, input_labels)
    if ref.source is None:
        return f"bias of {target}"
    source = unit_label(ref.layer, ref.source, layer_sizes, input_labels)
    return f"from {source} to {target}"


def sample_label(index: int) -> str:
    """``"sample 1"`` for row 0 of the data."""
    return f"sample {int(index) + 1}"


def layer_label(layer: int, n_layers: int) -> str:
    """``"input layer"``, ``"layer 1"``, ..., ``"output layer (L)"`` — ``layer`` from 0."""
    if layer == 0:
        return "input layer"
    if layer == n_layers:
        return f"output layer ({layer})"
    return f"layer {layer}"
