"""One training step of backpropagation, explained number by number.

:func:`explain_step` runs the forward pass, the backward pass and the update of
plain gradient descent on a copy of a network and keeps every intermediate
array, in the seed post's notation: per layer the pre-activations ``a``, the
outputs ``h(a)``, the deltas ``dE/da``, the gradients ``dE/dW`` and the old,
changed and new weights. :func:`chain_rule_terms` picks out the factors of the
chain rule for one weight or bias. All numbers come from the arrays
:meth:`Network.backward` returned, so they are the core's own, not a re-derivation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .activations import get_activation
from .losses import get_loss
from .network import NO_MISTAKES, Mistakes, Network, _as_batch
from .snapshot import NetworkSnapshot, ParameterRef, frozen_copies

Array = npt.NDArray[np.float64]

PHASE_KINDS = ("forward", "backward", "update")


@dataclass(frozen=True)
class Phase:
    """One stage of a training step.

    Attributes
    ----------
    kind
        ``"forward"``, ``"backward"`` or ``"update"``.
    layer
        The layer it computes, counted as in the seed post: 1 is the first
        layer after the input, L the output layer. Forward and Backward
        compute the units of that layer, Update changes the weights that
        lead into it.
    """

    kind: str
    layer: int

    @property
    def title(self) -> str:
        """E.g. ``"Backward · layer 2"``."""
        return f"{self.kind.capitalize()} · layer {self.layer}"

    @property
    def description(self) -> str:
        """What the phase computes, in words."""
        l = self.layer
        if self.kind == "forward":
            return f"a({l}) = h({l - 1}) · W{l} (+ b{l}), then h(a({l}))"
        if self.kind == "backward":
            return f"δ({l}) = ∂E/∂a({l}), from the deltas of the layer above"
        return f"W{l} ← W{l} − learning_rate · ∂E/∂W{l}"


def step_phases(n_layers: int) -> tuple[Phase, ...]:
    """Forward 1..L, Backward L..1, Update 1..L for a network of ``n_layers`` weight layers."""
    forward = [Phase("forward", l) for l in range(1, n_layers + 1)]
    backward = [Phase("backward", l) for l in range(n_layers, 0, -1)]
    update = [Phase("update", l) for l in range(1, n_layers + 1)]
    return tuple(forward + backward + update)


@dataclass(frozen=True)
class StepExplanation:
    """Every number of one gradient-descent step (lists are per layer, index 0 = layer 1).

    Attributes
    ----------
    layer_sizes, activation_names
        The architecture.
    loss, learning_rate, mistakes
        How the step was computed.
    sample
        The sample index explained, or None for the whole batch.
    sample_indices
        The indices in the full data of the rows of ``inputs`` (``(sample,)`` or
        ``0..N-1``).
    inputs, targets
        The batch X and T that were used, (N, n_in) and (N, n_out).
    pre_activations, activations
        ``a`` and ``h(a)`` per layer, each (N, units).
    deltas
        dE/da per layer, (N, units), computed with the weights before the update.
    weight_gradients, bias_gradients
        dE/dW (shaped like the weights) and dE/db per layer (None without biases).
    old_weights, old_biases
        The parameters the step started from.
    weight_updates, bias_updates
        ``-learning_rate * dE/dW`` and ``-learning_rate * dE/db``.
    new_weights, new_biases
        ``old - learning_rate * gradient``, exactly as the trainer computes them.
    loss_value
        The loss of the batch before the update.
    phases
        Forward 1..L, Backward L..1, Update 1..L.
    """

    layer_sizes: tuple[int, ...]
    activation_names: tuple[str, ...]
    loss: str
    learning_rate: float
    mistakes: Mistakes
    sample: int | None
    sample_indices: tuple[int, ...]
    inputs: Array
    targets: Array
    pre_activations: tuple[Array, ...]
    activations: tuple[Array, ...]
    deltas: tuple[Array, ...]
    weight_gradients: tuple[Array, ...]
    bias_gradients: tuple[Array, ...] | None
    old_weights: tuple[Array, ...]
    old_biases: tuple[Array, ...] | None
    weight_updates: tuple[Array, ...]
    bias_updates: tuple[Array, ...] | None
    new_weights: tuple[Array, ...]
    new_biases: tuple[Array, ...] | None
    loss_value: float
    phases: tuple[Phase, ...]

    @property
    def n_layers(self) -> int:
        """Number of weight layers L."""
        return len(self.old_weights)

    @property
    def n_samples(self) -> int:
        """Rows of the batch explained."""
        return int(self.inputs.shape[0])

    def layer_outputs(self, layer: int) -> Array:
        """h of layer ``layer`` counting the input as 0 (0 gives X)."""
        return self.inputs if layer == 0 else self.activations[layer - 1]

    def parameter_value(self, ref: ParameterRef, which: str = "old") -> float:
        """The ``"old"``, ``"update"``, ``"new"`` or ``"gradient"`` value of a parameter."""
        table = {
            "old": (self.old_weights, self.old_biases),
            "update": (self.weight_updates, self.bias_updates),
            "new": (self.new_weights, self.new_biases),
            "gradient": (self.weight_gradients, self.bias_gradients),
        }
        if which not in table:
            raise ValueError(f"which must be one of {', '.join(table)}, not {which!r}")
        weights, biases = table[which]
        if ref.is_bias and biases is None:
            raise ValueError(f"{ref.name}: this network has no biases")
        return ref.value_in(weights, biases)


def explain_step(
    net: Network,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    loss: str = "half_sse",
    learning_rate: float = 0.1,
    mistakes: Mistakes = NO_MISTAKES,
    sample: int | None = None,
) -> StepExplanation:
    """Explain one full-batch (or one-sample) gradient-descent step of ``net``.

    Parameters
    ----------
    net
        The network; it is not changed.
    X, T
        All training inputs (N, n_in) and targets (N, n_out).
    loss
        ``"half_sse"``, ``"mse"`` or ``"cross_entropy"``.
    learning_rate
        The step size (a finite number > 0).
    mistakes
        Deliberate mistakes injected into the backward pass.
    sample
        None for the whole batch, or the index of one sample (the step then
        uses ``X[sample:sample + 1]`` only, as online learning would).

    Returns
    -------
    StepExplanation

    Raises
    ------
    ValueError
        For a sample index out of range, a bad learning rate or shapes that do
        not fit the network.
    """
    X_all = _as_batch(X, net.layer_sizes[0], "X")
    T_all = _as_batch(T, net.layer_sizes[-1], "T")
    if X_all.shape[0] != T_all.shape[0]:
        raise ValueError(f"X has {X_all.shape[0]} samples but T has {T_all.shape[0]}")
    if X_all.shape[0] == 0:
        raise ValueError("a step needs at least one sample")
    learning_rate = float(learning_rate)
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"the learning rate must be a number > 0, got {learning_rate}")
    if sample is None:
        Xb, Tb = X_all, T_all
        indices = tuple(range(X_all.shape[0]))
    else:
        sample = int(sample)
        if not 0 <= sample < X_all.shape[0]:
            raise ValueError(f"sample {sample} does not exist; choose 0 to {X_all.shape[0] - 1}")
        Xb, Tb = X_all[sample : sample + 1], T_all[sample : sample + 1]
        indices = (sample,)
    trace = net.forward(Xb)
    grads = net.backward(trace, Tb, loss, mistakes)
    weight_updates = [-learning_rate * g for g in grads.weights]
    # The same expression as Trainer._apply, so the new weights match it bit for bit.
    new_weights = [w - learning_rate * g for w, g in zip(net.weights, grads.weights, strict=True)]
    bias_updates = new_biases = None
    if net.biases is not None and grads.biases is not None:
        bias_updates = [-learning_rate * g for g in grads.biases]
        new_biases = [b - learning_rate * g for b, g in zip(net.biases, grads.biases, strict=True)]
    return StepExplanation(
        layer_sizes=tuple(net.layer_sizes),
        activation_names=tuple(net.activations),
        loss=loss,
        learning_rate=learning_rate,
        mistakes=mistakes,
        sample=sample,
        sample_indices=indices,
        inputs=frozen_copies([Xb])[0],
        targets=frozen_copies([Tb])[0],
        pre_activations=frozen_copies(trace.pre_activations),
        activations=frozen_copies(trace.activations),
        deltas=frozen_copies(grads.deltas),
        weight_gradients=frozen_copies(grads.weights),
        bias_gradients=frozen_copies(grads.biases),
        old_weights=frozen_copies(net.weights),
        old_biases=frozen_copies(net.biases),
        weight_updates=frozen_copies(weight_updates),
        bias_updates=frozen_copies(bias_updates),
        new_weights=frozen_copies(new_weights),
        new_biases=frozen_copies(new_biases),
        loss_value=float(net.loss(Xb, Tb, loss)),
        phases=step_phases(net.n_layers),
    )


def explain_snapshot(
    snapshot: NetworkSnapshot,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    loss: str | None = None,
    learning_rate: float = 0.1,
    mistakes: Mistakes = NO_MISTAKES,
    sample: int | None = None,
) -> StepExplanation:
    """:func:`explain_step` for the network a snapshot shows (``loss`` defaults to its loss)."""
    net = Network.from_arrays(snapshot.weights, snapshot.biases, snapshot.activations)
    return explain_step(
        net, X, T, loss or snapshot.loss_name, learning_rate, mistakes=mistakes, sample=sample
    )


# ------------------------------------------------------------------ chain rule
@dataclass(frozen=True)
class DeltaSumTerm:
    """One term δ_k(l+1) · w_kj(l+1) of the sum that carries a delta back one layer.

    Attributes
    ----------
    next_unit
        k, the unit of layer l+1 (0-based).
    delta
        δ_k(l+1) of the sample.
    weight
        w_kj(l+1), i.e. ``W(l+1)[j, k]``, the weight before the update.
    product
        delta * weight.
    """

    next_unit: int
    delta: float
    weight: float
    product: float


@dataclass(frozen=True)
class SampleChainRule:
    """The chain rule for one parameter and one sample.

    Attributes
    ----------
    sample
        Index of the sample in the full data.
    pre_activation, activation
        a_j(l) and h(a_j(l)) of the parameter's target unit.
    delta
        δ_j(l), as the backward pass computed it.
    factor
        What δ_j(l) is multiplied by: h(a_i(l-1)) (x_i for layer 1), the
        pre-activation a_i(l-1) under mistake (b), or 1 for a bias.
    gradient
        delta * factor: this sample's share of dE/dw.
    output_error
        For the output layer: ∂E/∂P of the sample (with the loss's
        normalisation), else None.
    derivative
        h'(a_j(l)) as the backward pass used it (under mistake (a) the
        formula evaluated at a instead of h); None when the output delta is
        not a product (cross-entropy or softmax).
    delta_sum_terms, delta_sum
        For hidden layers, the terms δ_k(l+1) w_kj(l+1) and their sum.
    """

    sample: int
    pre_activation: float
    activation: float
    delta: float
    factor: float
    gradient: float
    output_error: float | None
    derivative: float | None
    delta_sum_terms: tuple[DeltaSumTerm, ...]
    delta_sum: float | None


@dataclass(frozen=True)
class ChainRuleTerms:
    """Everything the chain-rule panel shows for one weight or bias.

    Attributes
    ----------
    ref
        The parameter.
    layer
        Its layer in the seed's numbering (``ref.layer + 1``).
    is_output_layer
        Whether the parameter leads into the output layer.
    factor_kind
        ``"input"`` (x_i), ``"activation"`` (h(a_i)), ``"pre_activation"``
        (mistake (b)) or ``"bias"``.
    samples
        The chain rule per sample.
    total
        dE/dw over the samples explained, taken from the backward pass.
    value, update, new_value
        The parameter before the step, −learning_rate · total, and after.
    """

    ref: ParameterRef
    layer: int
    is_output_layer: bool
    factor_kind: str
    samples: tuple[SampleChainRule, ...]
    total: float
    value: float
    update: float
    new_value: float
    mistakes: Mistakes


def chain_rule_terms(
    explanation: StepExplanation, ref: ParameterRef, sample: int | None = None
) -> ChainRuleTerms:
    """The factors of ∂E/∂w for one parameter, per sample and summed.

    Parameters
    ----------
    explanation
        What :func:`explain_step` returned.
    ref
        The weight or bias.
    sample
        Restrict the per-sample rows to this sample (an index in the full
        data, which must be among ``explanation.sample_indices``); the total
        stays the gradient of the explained batch.

    Raises
    ------
    ValueError
        For a parameter that does not exist in the network, or a sample that
        was not part of the step.
    """
    L = explanation.n_layers
    l = ref.layer
    sizes = explanation.layer_sizes
    if not 0 <= l < L:
        raise ValueError(f"{ref.name}: the network has weight layers 1 to {L}")
    if not 0 <= ref.target < sizes[l + 1]:
        raise ValueError(f"{ref.name}: layer {l + 1} has units 0 to {sizes[l + 1] - 1}")
    if ref.is_bias:
        if explanation.old_biases is None:
            raise ValueError(f"{ref.name}: this network has no biases")
    elif not 0 <= ref.source < sizes[l]:
        raise ValueError(f"{ref.name}: layer {l} has units 0 to {sizes[l] - 1}")
    rows = list(range(explanation.n_samples))
    if sample is not None:
        if sample not in explanation.sample_indices:
            raise ValueError(f"sample {sample} was not part of this step")
        rows = [explanation.sample_indices.index(sample)]
    j = ref.target
    m = explanation.mistakes
    is_output = l == L - 1
    if ref.is_bias:
        factor_kind = "bias"
        factors = np.ones(explanation.n_samples)
    elif l == 0:
        factor_kind = "input"
        factors = explanation.inputs[:, ref.source]
    elif m.pre_activation_in_update:
        factor_kind = "pre_activation"
        factors = explanation.pre_activations[l - 1][:, ref.source]
    else:
        factor_kind = "activation"
        factors = explanation.activations[l - 1][:, ref.source]
    act = get_activation(explanation.activation_names[l])
    a_all = explanation.pre_activations[l]
    h_all = explanation.activations[l]
    if is_output:
        loss_fn = get_loss(explanation.loss)
        P, T = explanation.activations[-1], explanation.targets
        output_error = loss_fn.output_gradient(P, T, act.name) / loss_fn.normaliser(*P.shape)
        simplifies = loss_fn.name == "cross_entropy" and act.name in ("sigmoid", "softmax")
        derivative = None if simplifies or act.name == "softmax" else act.derivative(a_all, h_all)
    else:
        output_error = None
        if m.derivative_of_pre_activation:
            derivative = act.derivative(a_all, a_all)
        else:
            derivative = act.derivative(a_all, h_all)
    samples = []
    for r in rows:
        delta = float(explanation.deltas[l][r, j])
        factor = float(factors[r])
        terms: tuple[DeltaSumTerm, ...] = ()
        delta_sum = None
        if not is_output:
            next_deltas = explanation.deltas[l + 1][r]
            next_weights = explanation.old_weights[l + 1][j]
            terms = tuple(
                DeltaSumTerm(k, float(d), float(w), float(d * w))
                for k, (d, w) in enumerate(zip(next_deltas, next_weights, strict=True))
            )
            delta_sum = float(next_deltas @ next_weights)
        samples.append(
            SampleChainRule(
                sample=explanation.sample_indices[r],
                pre_activation=float(a_all[r, j]),
                activation=float(h_all[r, j]),
                delta=delta,
                factor=factor,
                gradient=delta * factor,
                output_error=None if output_error is None else float(output_error[r, j]),
                derivative=None if derivative is None else float(derivative[r, j]),
                delta_sum_terms=terms,
                delta_sum=delta_sum,
            )
        )
    return ChainRuleTerms(
        ref=ref,
        layer=l + 1,
        is_output_layer=is_output,
        factor_kind=factor_kind,
        samples=tuple(samples),
        total=explanation.parameter_value(ref, "gradient"),
        value=explanation.parameter_value(ref, "old"),
        update=explanation.parameter_value(ref, "update"),
        new_value=explanation.parameter_value(ref, "new"),
        mistakes=m,
    )


def all_parameter_refs(layer_sizes, has_bias: bool) -> list[ParameterRef]:
    """Every weight (layer by layer, row-major) then every bias, like the gradient check."""
    sizes = list(layer_sizes)
    refs = [
        ParameterRef(l, i, j)
        for l in range(len(sizes) - 1)
        for i in range(sizes[l])
        for j in range(sizes[l + 1])
    ]
    if has_bias:
        refs += [
            ParameterRef(l, None, j) for l in range(len(sizes) - 1) for j in range(sizes[l + 1])
        ]
    return refs
