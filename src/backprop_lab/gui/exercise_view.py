"""An exercise's network drawn by the network view: only the given numbers, the asked one "?".

Used by the practice panel and the exercise sheets alike.
"""

from __future__ import annotations

from backprop_lab.core.practice import Exercise, format_value
from backprop_lab.core.snapshot import NetworkSnapshot, ParameterRef
from backprop_lab.gui.network_view import NetworkView


def exercise_snapshot(exercise: Exercise) -> NetworkSnapshot:
    """The exercise's network as the network view draws it (the values stay hidden)."""
    e = exercise.numbers.explanation
    return NetworkSnapshot(
        epoch=0,
        layer_sizes=tuple(e.layer_sizes),
        activations=tuple(e.activation_names),
        weights=e.old_weights,
        biases=e.old_biases,
        weight_gradients=e.weight_gradients,
        bias_gradients=e.bias_gradients,
        last_weight_updates=None,
        last_bias_updates=None,
        inputs=e.inputs,
        pre_activations=e.pre_activations,
        activations_values=e.activations,
        train_loss=e.loss_value,
        test_loss=None,
        loss_name="half_sse",
    )


def _join(values: list[float]) -> str:
    return " | ".join(format_value(v) for v in values)


def diagram_labels(exercise: Exercise) -> tuple[list[list[str]], dict[ParameterRef, str]]:
    """The texts beside the nodes and on the edges: the given numbers and the "?".

    Per-sample numbers of a two-sample exercise are written ``sample 1 | sample 2``.
    """
    p = exercise.problem
    sizes = p.layer_sizes
    node: list[list[list[str]]] = [[[] for _ in range(n)] for n in sizes]
    per_sample: dict[tuple[str, int, int], dict[int, float]] = {}
    edges: dict[ParameterRef, str] = {}
    for g in exercise.givens:
        q = g.quantity
        if q.kind == "param" and q.ref is not None:
            edges[q.ref] = f"{g.symbol} = {format_value(g.value)}"
        elif q.kind in ("x", "h", "a", "delta", "t"):
            layer = len(sizes) - 1 if q.kind == "t" else q.layer
            per_sample.setdefault((q.kind, layer, q.unit), {})[q.sample or 0] = g.value
    names = {"x": "", "h": "h", "a": "a", "delta": "δ", "t": "t"}
    for (kind, layer, unit), values in per_sample.items():
        ordered = [values[s] for s in sorted(values)]
        label = names[kind]
        if kind == "h" and layer == len(sizes) - 1:
            label = "P"
        node[layer][unit].append(f"{label} = {_join(ordered)}" if label else _join(ordered))
    q = exercise.quantity
    asked = exercise.symbol
    if q.kind in ("a", "h", "delta"):
        node[q.layer][q.unit].insert(0, f"{asked} = ?")
    elif q.kind in ("gradient", "new") and q.ref is not None:
        edges[q.ref] = f"{edges[q.ref]}, {asked} = ?" if q.ref in edges else f"{asked} = ?"
    texts = [["\n".join(parts) for parts in layer] for layer in node]
    return texts, edges


def show_diagram(view: NetworkView, ex: Exercise) -> None:
    """Draw ``ex`` in ``view`` (in exercise mode): given numbers, the asked one highlighted."""
    view.set_exercise_mode(True)
    view.set_snapshot(exercise_snapshot(ex))
    node_texts, edge_texts = diagram_labels(ex)
    sizes = ex.problem.layer_sizes
    view.set_names([f"x{_sub(i + 1)}" for i in range(sizes[0])], [""])
    view.set_node_texts(node_texts)
    view.set_edge_texts(edge_texts)
    q = ex.quantity
    if q.kind in ("gradient", "new") and q.ref is not None:
        view.set_highlighted_layer(None)
        view.select(q.ref)
    else:
        view.select(None)
        view.set_highlighted_layer(q.layer if q.kind in ("a", "h", "delta") else len(sizes) - 1)


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
