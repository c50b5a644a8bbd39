"""One training step of backpropagation, explained number by number.

:func:`explain_next_step` explains exactly what the trainer's next Step does
(its optimiser, learning-rate schedule, minibatches and penalty), and
:func:`explain_step` one plain step of a network on given data. Both keep every
intermediate array, in the seed post's notation: per layer the pre-activations
``a``, the outputs ``h(a)``, the deltas ``dE/da``, the gradients ``dE/dW`` and
the old, changed and new weights. :func:`chain_rule_terms` picks out the factors
of the chain rule for one weight or bias, with :func:`output_delta_explanation`
(δ of the output layer written for its actual activation and loss) and
:func:`update_explanation` (the optimiser's own update with its numbers). All
numbers come from the arrays the core computed, not from a re-derivation; the
formulas are :class:`Equation` objects whose substituted arithmetic can be
re-evaluated (a test does, for every output activation × loss × optimiser).

A batch whose forward trace would exceed :data:`~.network.STEP_TRACE_MAX_BYTES`
(the largest network on the largest data: 655 MB, and as much again in deltas)
is explained in chunks of rows, as the trainer trains it: the loss, the
gradients, the updates and the per-unit batch means and sums are sums over the
chunks, and every number of the first :data:`EXPLAINED_ROWS` samples is kept;
any other sample's are computed again from the weights when asked
(:meth:`StepExplanation.row`). Smaller batches keep every sample's numbers.

Numbering follows :mod:`~.naming`: layers, units and samples from 1.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .activations import get_activation
from .losses import get_loss
from .naming import (
    bias_name,
    layer_label,
    parameter_description,
    parameter_name,
    sample_label,
    unit_label,
    weight_name,
)
from .network import NO_MISTAKES, Mistakes, Network, _as_batch, step_chunk_rows
from .optimizers import (
    OPTIMIZER_LABELS,
    OPTIMIZER_STATE,
    OptimizerState,
    apply_update,
    check_hyperparameter,
    check_optimizer,
    check_penalty,
    penalty,
    penalty_gradients,
    regularised_gradients,
    schedule_formula,
)
from .snapshot import NetworkSnapshot, ParameterRef, frozen_copies

__all__ = [
    "EXPLAINED_ROWS",
    "PHASE_KINDS",
    "ChainRuleTerms",
    "DeltaExplanation",
    "DeltaSumTerm",
    "Equation",
    "Num",
    "Op",
    "Phase",
    "SampleChainRule",
    "StepExplanation",
    "StepRow",
    "UpdateExplanation",
    "all_parameter_refs",
    "bias_name",
    "chain_rule_terms",
    "explain_next_step",
    "explain_snapshot",
    "explain_step",
    "hidden_delta_explanation",
    "layer_label",
    "output_delta_explanation",
    "parameter_description",
    "parameter_name",
    "parse_parameter_name",
    "sample_label",
    "unit_label",
    "update_explanation",
    "weight_name",
]

Array = npt.NDArray[np.float64]

PHASE_KINDS = ("forward", "backward", "update")

#: A batch explained in chunks of rows keeps every number of its first EXPLAINED_ROWS
#: samples (the step phases table shows at most 400 rows, the chain rule 8 samples);
#: 400 rows of 2-256x8-1 take 20 MB. Any other sample's numbers are computed again
#: from the weights when asked (:meth:`StepExplanation.row`).
EXPLAINED_ROWS = 400


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
        return f"W{l} ← W{l} − η · ∂E/∂W{l} (or the optimiser's own update)"


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
        ``a`` and ``h(a)`` per layer, each (N, units), or (:attr:`n_held`, units)
        for a batch explained in chunks: the first :data:`EXPLAINED_ROWS` rows
        (:meth:`row` gives any row).
    deltas
        dE/da per layer, (N, units) (or :attr:`n_held` rows, as above), computed
        with the weights before the update.
    weight_gradients, bias_gradients
        dE/dW (shaped like the weights) and dE/db per layer (None without biases).
    old_weights, old_biases
        The parameters the step started from.
    weight_updates, bias_updates
        ``-learning_rate * dE/dW`` and ``-learning_rate * dE/db``.
    new_weights, new_biases
        ``old - learning_rate * gradient``, exactly as the trainer computes them.
    loss_value
        The (data) loss of the batch before the update.
    phases
        Forward 1..L, Backward L..1, Update 1..L.
    optimizer, hyperparameters
        The optimiser and its hyperparameters (``"sgd"`` and ``{}`` for plain
        gradient descent).
    base_learning_rate, schedule, schedule_params
        η0 and the schedule that turned it into ``learning_rate`` (η of this epoch).
    epoch
        The epoch this step trains, from 1.
    l1, l2, penalty_value
        Regularisation and the penalty of the old weights.
    data_weight_gradients, penalty_gradients
        ∂E/∂W of the data loss and of the penalty; ``weight_gradients`` is their sum.
    state_before, state_after
        The optimiser's state arrays (``"velocity"``, ``"s"``, ``"m"``,
        ``"v"``) per parameter array (weights, then biases) before and after
        the update.
    optimizer_steps
        Adam's t after the update.
    n_updates, batch_size
        How many updates the whole Step makes (1 for full batch) and the batch
        size (None: full batch). The rows explained are the first update's.
    epoch_end_weights, epoch_end_biases
        The parameters after the whole Step, exactly as the trainer leaves them.
    raw_inputs
        The data rows of the batch (``inputs`` are their features, if any).
    input_labels
        Labels of the input nodes (``"x₁"``, or the features').
    divergence
        The trainer's message if the next Step diverges (and is undone), else None.
    pre_activation_means, activation_means, delta_sums
        Per layer, the mean of ``a`` and of ``h(a)`` over the batch and the sum of
        the deltas (units,), over every row of the batch even when only some are held.
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
    optimizer: str = "sgd"
    hyperparameters: dict = field(default_factory=dict)
    base_learning_rate: float | None = None
    schedule: str = "constant"
    schedule_params: dict = field(default_factory=dict)
    epoch: int = 1
    l1: float = 0.0
    l2: float = 0.0
    penalty_value: float = 0.0
    data_weight_gradients: tuple[Array, ...] | None = None
    penalty_gradients: tuple[Array, ...] | None = None
    state_before: dict = field(default_factory=dict)
    state_after: dict = field(default_factory=dict)
    optimizer_steps: int = 0
    n_updates: int = 1
    batch_size: int | None = None
    epoch_end_weights: tuple[Array, ...] | None = None
    epoch_end_biases: tuple[Array, ...] | None = None
    raw_inputs: Array | None = None
    input_labels: tuple[str, ...] | None = None
    divergence: str | None = None
    pre_activation_means: tuple[Array, ...] | None = None
    activation_means: tuple[Array, ...] | None = None
    delta_sums: tuple[Array, ...] | None = None
    #: Computes the rows not held (a batch explained in chunks), else None.
    _rows: _RowSource | None = field(default=None, compare=False, repr=False)

    @property
    def n_held(self) -> int:
        """Rows of the batch whose per-sample numbers are held (all, unless explained in chunks)."""
        return int(self.deltas[0].shape[0]) if self.deltas else self.n_samples

    @property
    def holds_every_sample(self) -> bool:
        """Whether ``pre_activations``, ``activations`` and ``deltas`` have every row."""
        return self.n_held == self.n_samples

    def row(self, row: int) -> StepRow:
        """Every per-sample number of batch row ``row`` (0-based, as ``sample_indices``).

        A row that is not held (see :attr:`n_held`) is computed again from the
        weights before the update: a forward and backward pass of that row alone,
        its delta scaled by the whole batch's normaliser (the same numbers up to
        rounding).
        """
        row = int(row)
        if not 0 <= row < self.n_samples:
            raise IndexError(f"row {row} is not in this batch of {self.n_samples} samples")
        if row >= self.n_held and self._rows is not None:
            return self._rows.row(row, self.sample_indices[row])
        raw = self.raw_inputs if self.raw_inputs is not None else self.inputs
        return StepRow(
            sample=self.sample_indices[row],
            inputs=self.inputs[row],
            raw_inputs=raw[row],
            targets=self.targets[row],
            pre_activations=tuple(a[row] for a in self.pre_activations),
            activations=tuple(h[row] for h in self.activations),
            deltas=tuple(d[row] for d in self.deltas),
        )

    def batch_means(self, layer: int) -> tuple[Array, Array]:
        """Mean ``a`` and mean ``h(a)`` per unit of ``layer`` (from 1) over the batch."""
        if self.pre_activation_means is not None and self.activation_means is not None:
            return self.pre_activation_means[layer - 1], self.activation_means[layer - 1]
        a, h = self.pre_activations[layer - 1], self.activations[layer - 1]
        return a.mean(axis=0), h.mean(axis=0)

    def batch_delta_sums(self, layer: int) -> Array:
        """Σ of δ per unit of ``layer`` (from 1) over the batch."""
        if self.delta_sums is not None:
            return self.delta_sums[layer - 1]
        return self.deltas[layer - 1].sum(axis=0)

    @property
    def minibatch_caveat(self) -> str | None:
        """What a minibatch Step does beyond the update shown (None for one update)."""
        if self.n_updates <= 1:
            return None
        first = ", ".join(str(i + 1) for i in self.sample_indices[:6])
        more = ", …" if len(self.sample_indices) > 6 else ""
        return (
            f"This Step makes {self.n_updates} updates, one per minibatch of "
            f"{self.batch_size} shuffled samples; shown is the first, on samples {first}{more}. "
            "The new values after the whole Step are given too. The loss plotted for an "
            "epoch is the sum of its batches' losses as each batch saw them, not the loss of "
            "the weights the epoch ends with."
        )

    def state_value(self, name: str, ref: ParameterRef, which: str = "before") -> float:
        """One number of the optimiser's state (``"velocity"``, ``"m"``, ...) for a parameter."""
        table = self.state_before if which == "before" else self.state_after
        arrays = table[name]
        n_w = self.n_layers
        if ref.is_bias:
            return float(arrays[n_w + ref.layer][ref.target])
        return float(arrays[ref.layer][ref.source, ref.target])

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
            "data_gradient": (
                self.data_weight_gradients or self.weight_gradients,
                self.bias_gradients,
            ),
            "penalty_gradient": (
                self.penalty_gradients or tuple(np.zeros_like(g) for g in self.weight_gradients),
                None
                if self.bias_gradients is None
                else tuple(np.zeros_like(g) for g in self.bias_gradients),
            ),
            "epoch_end": (
                self.epoch_end_weights or self.new_weights,
                self.epoch_end_biases if self.epoch_end_weights else self.new_biases,
            ),
        }
        if which not in table:
            raise ValueError(f"which must be one of {', '.join(table)}, not {which!r}")
        weights, biases = table[which]
        if ref.is_bias and biases is None:
            raise ValueError(f"{ref.name}: this network has no biases")
        return ref.value_in(weights, biases)


@dataclass(frozen=True)
class StepRow:
    """Every per-sample number of one row of an explained batch.

    Attributes
    ----------
    sample
        The sample's index in the full data.
    inputs, raw_inputs, targets
        Its input layer's values (the features, if any), data row and target.
    pre_activations, activations, deltas
        ``a``, ``h(a)`` and δ of every layer after the input (index 0 = layer 1).
    """

    sample: int
    inputs: Array
    raw_inputs: Array
    targets: Array
    pre_activations: tuple[Array, ...]
    activations: tuple[Array, ...]
    deltas: tuple[Array, ...]


class _RowSource:
    """Computes any row of a batch explained in chunks again, from the weights before
    the update (the last row asked is kept)."""

    def __init__(self, net, inputs, raw, targets, loss: str, mistakes, normaliser) -> None:
        self._net = net
        self._inputs, self._raw, self._targets = inputs, raw, targets
        self._loss = loss
        self._mistakes = mistakes
        self._normaliser = normaliser
        self._last: StepRow | None = None
        self._last_row = -1

    def row(self, row: int, sample: int) -> StepRow:
        if self._last is not None and self._last_row == row:
            return self._last
        net = self._net
        x = self._inputs[row : row + 1]
        t = self._targets[row : row + 1]
        with np.errstate(over="ignore", invalid="ignore"):
            trace = net._forward(x)
            _total, delta = get_loss(self._loss).evaluate(
                trace.pre_activations[-1],
                trace.activations[-1],
                t,
                net._activation_objects[-1],
                self._normaliser,
            )
            grads = net._backward(trace, delta, self._mistakes)
        values = StepRow(
            sample=int(sample),
            inputs=self._inputs[row],
            raw_inputs=self._raw[row],
            targets=self._targets[row],
            pre_activations=_row_values(trace.pre_activations),
            activations=_row_values(trace.activations),
            deltas=_row_values(grads.deltas),
        )
        self._last, self._last_row = values, row
        return values


def _row_values(arrays) -> tuple[Array, ...]:
    out = []
    for a in arrays:
        v = np.array(a[0], dtype=np.float64)
        v.flags.writeable = False
        out.append(v)
    return tuple(out)


def explain_step(
    net: Network,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    loss: str = "half_sse",
    learning_rate: float = 0.1,
    mistakes: Mistakes = NO_MISTAKES,
    sample: int | None = None,
    *,
    optimizer: str = "sgd",
    hyperparameters: dict | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
) -> StepExplanation:
    """Explain one full-batch (or one-sample) step of ``net`` with a fresh optimiser.

    Parameters
    ----------
    net
        The network; it is not changed.
    X, T
        All training inputs (N, n_in) and targets (N, n_out); X are data rows
        (the network computes its feature inputs, if any).
    loss
        ``"half_sse"``, ``"mse"`` or ``"cross_entropy"``.
    learning_rate
        The step size (a finite number > 0).
    mistakes
        Deliberate mistakes injected into the backward pass.
    sample
        None for the whole batch, or the index of one sample (the step then
        uses ``X[sample:sample + 1]`` only, as online learning would).
    optimizer, hyperparameters, l1, l2
        The update rule (its state starts at zero, as in a first step).
        :func:`explain_next_step` explains a trainer's next Step with its state.

    Raises
    ------
    ValueError
        For a sample index out of range, a bad learning rate or shapes that do
        not fit the network.
    """
    X_all = _as_batch(X, net.n_inputs, "X")
    T_all = _as_batch(T, net.layer_sizes[-1], "T")
    if X_all.shape[0] != T_all.shape[0]:
        raise ValueError(f"X has {X_all.shape[0]} samples but T has {T_all.shape[0]}")
    if X_all.shape[0] == 0:
        raise ValueError("a step needs at least one sample")
    learning_rate = float(learning_rate)
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"the learning rate must be a number > 0, got {learning_rate}")
    if sample is None:
        indices = np.arange(X_all.shape[0])
    else:
        sample = int(sample)
        if not 0 <= sample < X_all.shape[0]:
            raise ValueError(f"sample {sample} does not exist; choose 0 to {X_all.shape[0] - 1}")
        indices = np.array([sample])
    optimizer = check_optimizer(optimizer)
    hyper = {k: check_hyperparameter(k, v) for k, v in (hyperparameters or {}).items()}
    from .optimizers import OPTIMIZER_HYPERPARAMETERS

    full_hyper = {**OPTIMIZER_HYPERPARAMETERS[optimizer], **hyper}
    l1, l2 = check_penalty("l1", l1), check_penalty("l2", l2)
    plain = optimizer == "sgd" and not l1 and not l2
    inputs = net.input_features(X_all)
    return _explain_update(
        net,
        inputs[indices],
        X_all[indices],
        T_all[indices],
        tuple(int(i) for i in indices),
        loss=loss,
        mistakes=mistakes,
        sample=sample,
        optimizer=optimizer,
        hyper=full_hyper,
        state=OptimizerState(),
        lr=learning_rate,
        base_lr=learning_rate,
        schedule="constant",
        schedule_params={},
        epoch=1,
        l1=l1,
        l2=l2,
        plain=plain,
        n_updates=1,
        batch_size=None,
        epoch_end=None,
        divergence=None,
    )


def explain_next_step(trainer) -> StepExplanation:
    """Explain exactly what ``trainer.step(1)`` will do next; the trainer is not changed.

    The explanation shows the first update of the epoch (the whole batch, or the
    first minibatch the shuffling will draw) with the optimiser's state, the
    epoch's learning rate from the schedule and the penalty; ``epoch_end_*``
    are the parameters after the whole Step, equal to the trainer's after
    ``step(1)`` bit for bit.

    A batch the trainer computes in chunks of rows (a trace bigger than
    :data:`~.network.STEP_TRACE_MAX_BYTES`) is explained in the same chunks, so
    its update is the trainer's bit for bit too; the per-sample numbers of its
    first :data:`EXPLAINED_ROWS` samples are held, any other's computed when
    asked (:meth:`StepExplanation.row`).
    """
    t = copy.deepcopy(trainer)
    net = t.net
    n = t.X.shape[0]
    full = t.batch_size is None or t.batch_size >= n
    lr = t._learning_rate if t._plain else t.current_learning_rate
    idx = np.arange(n) if full else t._epoch_batches()[0]
    n_updates = 1 if full else math.ceil(n / t.batch_size)
    if full:
        epoch_end = None  # one update: the epoch ends where it does (unless it diverges)
        divergence = None
    else:
        epoch_end, divergence = _after_one_step(trainer)
    explanation = _explain_update(
        net,
        t._inputs[idx],
        t.X[idx],
        t.T[idx],
        tuple(int(i) for i in idx),
        loss=t.loss,
        mistakes=t.mistakes,
        sample=None,
        optimizer=t.optimizer,
        hyper=dict(t._hyper),
        state=t._state.copy(),
        lr=lr,
        base_lr=t.learning_rate,
        schedule=t.schedule,
        schedule_params=t.schedule_params,
        epoch=t.epoch + 1,
        l1=t.l1,
        l2=t.l2,
        plain=t._plain,
        n_updates=n_updates,
        batch_size=None if full else t.batch_size,
        epoch_end=epoch_end,
        divergence=divergence,
        own_network=True,
    )
    if full and not _finite_step(explanation):
        # The trainer undoes a step whose loss or parameters are not finite: show what it does.
        (end_w, end_b), divergence = _after_one_step(trainer)
        explanation = dataclasses.replace(
            explanation,
            epoch_end_weights=frozen_copies(end_w),
            epoch_end_biases=frozen_copies(end_b),
            divergence=divergence,
        )
    return explanation


def _after_one_step(trainer):
    after = copy.deepcopy(trainer)
    after.step(1)
    message = after.divergence.message if after.divergence is not None else None
    return (after.net.weights, after.net.biases), message


def _finite_step(e: StepExplanation) -> bool:
    arrays = list(e.new_weights) + list(e.new_biases or ())
    return math.isfinite(e.loss_value) and all(np.isfinite(a).all() for a in arrays)


def _read_only(arrays) -> tuple[Array, ...] | None:
    # Arrays made for the explanation alone (nothing else holds them): no copy.
    if arrays is None:
        return None
    out = []
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        a.flags.writeable = False
        out.append(a)
    return tuple(out)


@dataclass
class _BatchPass:
    """The forward and backward pass of one batch: what the explanation shows of it."""

    total: float
    weight_gradients: list
    bias_gradients: list | None
    pre_activations: list
    activations: list
    deltas: list
    pre_activation_means: list
    activation_means: list
    delta_sums: list


def _one_pass(net: Network, inputs, raw, Tb, loss_fn, mistakes) -> _BatchPass:
    # The same computations, in the same order, as the trainer's one-pass epoch.
    trace = net._forward(inputs, raw)
    total, output_delta = loss_fn.evaluate(
        trace.pre_activations[-1], trace.activations[-1], Tb, net._activation_objects[-1]
    )
    grads = net._backward(trace, output_delta, mistakes)
    return _BatchPass(
        total,
        grads.weights,
        grads.biases,
        trace.pre_activations,
        trace.activations,
        grads.deltas,
        [a.mean(axis=0) for a in trace.pre_activations],
        [h.mean(axis=0) for h in trace.activations],
        [d.sum(axis=0) for d in grads.deltas],
    )


def _chunked_pass(net: Network, inputs, Tb, loss_fn, mistakes, rows: int) -> _BatchPass:
    # Trainer._chunked_pass, keeping the first EXPLAINED_ROWS rows' numbers and the
    # per-unit sums: only one chunk's trace and deltas are alive at a time.
    n = inputs.shape[0]
    normaliser = loss_fn.normaliser(n, Tb.shape[1])
    output_activation = net._activation_objects[-1]
    sizes = net.layer_sizes[1:]
    held = min(n, EXPLAINED_ROWS)
    kept = [[np.empty((held, s)) for s in sizes] for _ in range(3)]
    sums = [[np.zeros(s) for s in sizes] for _ in range(3)]
    total = 0.0
    weight_sums: list | None = None
    bias_sums: list | None = None
    for start in range(0, n, rows):
        trace = net._forward(inputs[start : start + rows])
        chunk_total, delta = loss_fn.evaluate(
            trace.pre_activations[-1],
            trace.activations[-1],
            Tb[start : start + rows],
            output_activation,
            normaliser,
        )
        total += chunk_total
        grads = net._backward(trace, delta, mistakes)
        for which, arrays in enumerate((trace.pre_activations, trace.activations, grads.deltas)):
            for l, values in enumerate(arrays):
                sums[which][l] += values.sum(axis=0)
                if start < held:
                    stop = min(held - start, values.shape[0])
                    kept[which][l][start : start + stop] = values[:stop]
        if weight_sums is None:
            weight_sums, bias_sums = grads.weights, grads.biases
        else:
            for acc, g in zip(weight_sums, grads.weights):
                np.add(acc, g, out=acc)
            if bias_sums is not None:
                for acc, g in zip(bias_sums, grads.biases):
                    np.add(acc, g, out=acc)
        del trace, delta, grads  # before the next chunk's pass
    pre_sums, out_sums, delta_sums = sums
    return _BatchPass(
        total,
        weight_sums,
        bias_sums,
        kept[0],
        kept[1],
        kept[2],
        [s / n for s in pre_sums],
        [s / n for s in out_sums],
        delta_sums,
    )


def _explain_update(
    net: Network,
    inputs: Array,
    raw: Array,
    Tb: Array,
    indices: tuple[int, ...],
    *,
    loss: str,
    mistakes: Mistakes,
    sample: int | None,
    optimizer: str,
    hyper: dict,
    state: OptimizerState,
    lr: float,
    base_lr: float,
    schedule: str,
    schedule_params: dict,
    epoch: int,
    l1: float,
    l2: float,
    plain: bool,
    n_updates: int,
    batch_size: int | None,
    epoch_end,
    divergence: str | None,
    own_network: bool = False,
) -> StepExplanation:
    # The same computations, in the same order, as Trainer._train_epoch and its
    # updates (in the same chunks of rows for a batch it trains in chunks), so
    # every number equals the trainer's bit for bit.
    loss_fn = get_loss(loss)
    chunk_rows = step_chunk_rows(inputs.shape[0], net.layer_sizes)
    rows = None
    with np.errstate(over="ignore", invalid="ignore"):
        if chunk_rows is None:
            done = _one_pass(net, inputs, raw, Tb, loss_fn, mistakes)
        else:
            done = _chunked_pass(net, inputs, Tb, loss_fn, mistakes, chunk_rows)
            if done.deltas[0].shape[0] < inputs.shape[0]:
                rows = _RowSource(
                    net if own_network else net.copy(),
                    _read_only([inputs])[0],
                    _read_only([raw])[0],
                    _read_only([Tb])[0],
                    loss,
                    mistakes,
                    loss_fn.normaliser(*Tb.shape),
                )
        total = done.total
        data_w = done.weight_gradients
        bias_grads = done.bias_gradients
        weight_grads = regularised_gradients(net.weights, data_w, l1, l2) if (l1 or l2) else data_w
        n_w = net.n_layers
        if plain:
            if lr == 1.0:
                new_w = [w - g for w, g in zip(net.weights, weight_grads)]
                new_b = (
                    None if net.biases is None else [b - g for b, g in zip(net.biases, bias_grads)]
                )
            else:
                new_w = [w - lr * g for w, g in zip(net.weights, weight_grads)]
                new_b = (
                    None
                    if net.biases is None
                    else [b - lr * g for b, g in zip(net.biases, bias_grads)]
                )
            new_state = OptimizerState({}, state.steps)
            updates_w = [-lr * g for g in weight_grads]
            updates_b = None if new_b is None else [-lr * g for g in bias_grads]
        else:
            params = net.weights if net.biases is None else net.weights + net.biases
            all_grads = weight_grads if net.biases is None else list(weight_grads) + bias_grads
            new, new_state = apply_update(optimizer, hyper, params, all_grads, lr, state)
            new_w = new[:n_w]
            new_b = None if net.biases is None else new[n_w:]
            updates_w = [a - b for a, b in zip(new_w, net.weights)]
            updates_b = None if new_b is None else [a - b for a, b in zip(new_b, net.biases)]
        if state.arrays:
            before = state.arrays
        else:
            params = net.weights if net.biases is None else net.weights + net.biases
            before = {k: [np.zeros_like(p) for p in params] for k in OPTIMIZER_STATE[optimizer]}
    used_hyper = {k: hyper[k] for k in _HYPER_OF[optimizer]}
    end_w, end_b = epoch_end if epoch_end is not None else (new_w, new_b)
    return StepExplanation(
        layer_sizes=tuple(net.layer_sizes),
        activation_names=tuple(net.activations),
        loss=loss,
        learning_rate=float(lr),
        mistakes=mistakes,
        sample=sample,
        sample_indices=indices,
        inputs=_read_only([inputs])[0],
        targets=_read_only([Tb])[0],
        pre_activations=_read_only(done.pre_activations),
        activations=_read_only(done.activations),
        deltas=_read_only(done.deltas),
        weight_gradients=frozen_copies(weight_grads),
        bias_gradients=frozen_copies(bias_grads),
        old_weights=frozen_copies(net.weights),
        old_biases=frozen_copies(net.biases),
        weight_updates=frozen_copies(updates_w),
        bias_updates=frozen_copies(updates_b),
        new_weights=frozen_copies(new_w),
        new_biases=frozen_copies(new_b),
        loss_value=float(total / loss_fn.normaliser(*Tb.shape)),
        phases=step_phases(net.n_layers),
        optimizer=optimizer,
        hyperparameters=used_hyper,
        base_learning_rate=float(base_lr),
        schedule=schedule,
        schedule_params=dict(schedule_params),
        epoch=int(epoch),
        l1=float(l1),
        l2=float(l2),
        penalty_value=penalty(net.weights, l1, l2),
        data_weight_gradients=frozen_copies(data_w),
        penalty_gradients=frozen_copies(penalty_gradients(net.weights, l1, l2)),
        state_before={k: frozen_copies(v) for k, v in before.items()},
        state_after={k: frozen_copies(v) for k, v in new_state.arrays.items()},
        optimizer_steps=new_state.steps,
        n_updates=int(n_updates),
        batch_size=batch_size,
        epoch_end_weights=frozen_copies(end_w),
        epoch_end_biases=frozen_copies(end_b),
        raw_inputs=_read_only([raw])[0],
        input_labels=net.input_labels(),
        divergence=divergence,
        pre_activation_means=_read_only(done.pre_activation_means),
        activation_means=_read_only(done.activation_means),
        delta_sums=_read_only(done.delta_sums),
        _rows=rows,
    )


_HYPER_OF = {
    "sgd": (),
    "momentum": ("momentum",),
    "nesterov": ("momentum",),
    "rmsprop": ("rho", "epsilon"),
    "adam": ("beta1", "beta2", "epsilon"),
}


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
    net = Network.from_arrays(
        snapshot.weights,
        snapshot.biases,
        snapshot.activations,
        snapshot.features,
        None if snapshot.raw_inputs is None else snapshot.raw_inputs.shape[1],
    )
    X_data = X
    return explain_step(
        net, X_data, T, loss or snapshot.loss_name, learning_rate, mistakes=mistakes, sample=sample
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
    delta_explanation
        δ written out with its numbers (:func:`output_delta_explanation` or
        :func:`hidden_delta_explanation`).
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
    delta_explanation: DeltaExplanation | None = None


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
        The parameter before the step, the change of this update (−η · total
        for plain gradient descent) and after.
    name, description
        The parameter's one name (``w₁₂⁽²⁾``) and where it sits.
    data_gradient, penalty_gradient
        ∂E/∂w of the data loss and of the L1/L2 penalty (``total`` is their sum).
    update_explanation
        The optimiser's update with its numbers.
    epoch_end_value
        The value after the whole Step (several minibatches: several updates).
    caveat
        The minibatch caveat, or None.
    n_samples
        How many samples ``total`` sums over (``samples`` may write out fewer).
    sample
        The one sample written out when one was asked for, else None.
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
    name: str = ""
    description: str = ""
    data_gradient: float = 0.0
    penalty_gradient: float = 0.0
    update_explanation: UpdateExplanation | None = None
    epoch_end_value: float = 0.0
    caveat: str | None = None
    n_samples: int = 0
    sample: int | None = None


def chain_rule_terms(
    explanation: StepExplanation,
    ref: ParameterRef,
    sample: int | None = None,
    max_samples: int | None = None,
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
    max_samples
        Write out at most this many samples (the first of the batch); None:
        every sample the explanation holds (every sample of the batch, or the
        first :data:`EXPLAINED_ROWS` of a batch explained in chunks). The total
        is the whole batch's either way (``n_samples`` says how many it sums).

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
    rows = range(explanation.n_held)
    if max_samples is not None:
        rows = range(min(explanation.n_held, max(0, int(max_samples))))
    if sample is not None:
        try:
            rows = range(_row_of(explanation, sample), _row_of(explanation, sample) + 1)
        except ValueError:
            raise ValueError(f"sample {sample} was not part of this step") from None
    j = ref.target
    m = explanation.mistakes
    is_output = l == L - 1
    if ref.is_bias:
        factor_kind = "bias"
    elif l == 0:
        factor_kind = "input"
    elif m.pre_activation_in_update:
        factor_kind = "pre_activation"
    else:
        factor_kind = "activation"
    act = get_activation(explanation.activation_names[l])
    loss_fn = get_loss(explanation.loss)
    normaliser = loss_fn.normaliser(explanation.n_samples, sizes[-1])
    simplifies = loss_fn.name == "cross_entropy" and act.name in ("sigmoid", "softmax")
    samples = []
    for r in rows:
        v = explanation.row(r)
        a_row = v.pre_activations[l][None, :]
        h_row = v.activations[l][None, :]
        if is_output:
            output_error = float(
                loss_fn.output_gradient(h_row, v.targets[None, :], act.name)[0, j] / normaliser
            )
            if simplifies or act.name == "softmax":
                derivative = None
            else:
                derivative = float(act.derivative(a_row, h_row)[0, j])
        else:
            output_error = None
            if m.derivative_of_pre_activation:
                derivative = float(act.derivative(a_row, a_row)[0, j])
            else:
                derivative = float(act.derivative(a_row, h_row)[0, j])
        if factor_kind == "bias":
            factor = 1.0
        elif factor_kind == "input":
            factor = float(v.inputs[ref.source])
        elif factor_kind == "pre_activation":
            factor = float(v.pre_activations[l - 1][ref.source])
        else:
            factor = float(v.activations[l - 1][ref.source])
        delta = float(v.deltas[l][j])
        terms: tuple[DeltaSumTerm, ...] = ()
        delta_sum = None
        if not is_output:
            next_deltas = v.deltas[l + 1]
            next_weights = explanation.old_weights[l + 1][j]
            terms = tuple(
                DeltaSumTerm(k, float(d), float(w), float(d * w))
                for k, (d, w) in enumerate(zip(next_deltas, next_weights, strict=True))
            )
            delta_sum = float(next_deltas @ next_weights)
        if is_output:
            delta_ex = _output_delta_explanation(explanation, v, j)
        else:
            delta_ex = _hidden_delta_explanation(explanation, l + 1, v, j)
        samples.append(
            SampleChainRule(
                sample=v.sample,
                pre_activation=float(v.pre_activations[l][j]),
                activation=float(v.activations[l][j]),
                delta=delta,
                factor=factor,
                gradient=delta * factor,
                output_error=output_error,
                derivative=derivative,
                delta_sum_terms=terms,
                delta_sum=delta_sum,
                delta_explanation=delta_ex,
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
        name=parameter_name(ref),
        description=parameter_description(ref, sizes, explanation.input_labels),
        data_gradient=explanation.parameter_value(ref, "data_gradient"),
        penalty_gradient=explanation.parameter_value(ref, "penalty_gradient"),
        update_explanation=update_explanation(explanation, ref),
        epoch_end_value=explanation.parameter_value(ref, "epoch_end"),
        caveat=explanation.minibatch_caveat,
        n_samples=explanation.n_samples,
        sample=None if sample is None else int(sample),
    )


def _row_of(explanation: StepExplanation, sample: int) -> int:
    """The batch row of data sample ``sample`` (ValueError if it is not in the batch)."""
    indices = explanation.sample_indices
    sample = int(sample)
    if 0 <= sample < len(indices) and indices[sample] == sample:
        return sample  # the whole batch in order: the row is the sample
    return indices.index(sample)


_ASCII = re.compile(r"^\s*([wb])_(\d+)(?:,(\d+))?\^\((\d+)\)\s*$")


def parse_parameter_name(text: str, layer_sizes) -> ParameterRef:
    """The ParameterRef a name means (either spelling); ValueError if it is not in the network."""
    plain = str(text).translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾", "01234567890123456789()"))
    match = re.match(r"^\s*([wb])(\d+)(?:,(\d+))?\((\d+)\)\s*$", plain) or _ASCII.match(plain)
    if match is None:
        raise ValueError(f"{text!r} is not a weight or bias name such as w₁₂⁽²⁾ or b₁⁽²⁾")
    kind, first, second, layer = match.groups()
    layer = int(layer)
    sizes = list(layer_sizes)
    if not 1 <= layer < len(sizes):
        raise ValueError(f"{text}: the network has weight layers 1 to {len(sizes) - 1}")
    if kind == "b":
        if second is not None:
            raise ValueError(f"{text}: a bias has one index")
        target, source = int(first), None
    elif second is not None:
        target, source = int(first), int(second)
    else:
        # Without a comma both indices are below 10: one digit each.
        if len(first) != 2:
            raise ValueError(f"{text}: write w_kj with a comma when an index is 10 or more")
        target, source = int(first[0]), int(first[1])
    if not 1 <= target <= sizes[layer]:
        raise ValueError(f"{text}: layer {layer} has units 1 to {sizes[layer]}")
    if source is not None and not 1 <= source <= sizes[layer - 1]:
        raise ValueError(f"{text}: layer {layer - 1} has units 1 to {sizes[layer - 1]}")
    return ParameterRef(layer - 1, None if source is None else source - 1, target - 1)


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


# ------------------------------------------------------------------ equations
_PRECEDENCE = {
    "+": 1,
    "-": 1,
    "*": 2,
    "/": 2,
    "neg": 3,
    "pow": 4,
    "sq": 4,
    "sqrt": 5,
    "cos": 5,
    "exp": 5,
}
_SHOWN = {"+": " + ", "-": " − ", "*": " × ", "/": " / "}


def format_value(value: float, digits: int = 4) -> str:
    """A number as explanations show it: ``digits`` significant digits, a real minus sign."""
    value = float(value)
    if value == 0.0:
        return "0"
    if not math.isfinite(value):
        return "∞" if value > 0 else ("−∞" if value < 0 else "NaN")
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−")


@dataclass(frozen=True)
class Num:
    """A number in a formula, with the symbol it stands for (``"P₁"``, ``"η"``)."""

    value: float
    symbol: str

    def evaluate(self) -> float:
        return float(self.value)

    def symbolic(self) -> str:
        return self.symbol

    def substituted(self, digits: int = 4) -> str:
        return format_value(self.value, digits)

    @property
    def negative(self) -> bool:
        return float(self.value) < 0.0 or (self.value == 0.0 and math.copysign(1, self.value) < 0)


@dataclass(frozen=True)
class Op:
    """An operation of a formula: ``"+" "-" "*" "/"`` (two args), ``"neg" "sqrt" "cos" "exp"``
    ``"sq"`` (one; ``sq`` is x·x, shown as x²), ``"pow"`` (base, exponent)."""

    kind: str
    args: tuple

    def evaluate(self) -> float:
        v = [a.evaluate() for a in self.args]
        k = self.kind
        if k == "+":
            return v[0] + v[1]
        if k == "-":
            return v[0] - v[1]
        if k == "*":
            return v[0] * v[1]
        if k == "/":
            return (
                v[0] / v[1]
                if v[1] != 0.0
                else math.copysign(math.inf, v[0]) * (1.0 if v[0] != 0.0 else math.nan)
            )
        if k == "neg":
            return -v[0]
        if k == "sq":
            return v[0] * v[0]
        if k == "sqrt":
            return math.sqrt(v[0])
        if k == "cos":
            return math.cos(v[0])
        if k == "exp":
            return math.exp(v[0])
        if k == "pow":
            return v[0] ** v[1]
        raise ValueError(f"unknown operation {k!r}")

    def _render(self, leaf, numbers: bool) -> str:
        k = self.kind
        p = _PRECEDENCE[k]

        def child(arg, right: bool = False) -> str:
            text = arg._render(leaf, numbers) if isinstance(arg, Op) else leaf(arg)
            if isinstance(arg, Op):
                q = _PRECEDENCE[arg.kind]
                if q < p or (right and q == p and k in "-/") or (k in ("pow", "sq") and q <= p):
                    return f"({text})"
                return text
            if numbers and arg.negative and (right or k in ("*", "/", "pow", "sq", "neg")):
                return f"({text})"
            if numbers and arg.negative and k in ("+", "-") and not right:
                return text
            return text

        if k in _SHOWN:
            return child(self.args[0]) + _SHOWN[k] + child(self.args[1], right=True)
        if k == "neg":
            return "−" + child(self.args[0], right=True)
        if k == "pow":
            return child(self.args[0]) + "^" + child(self.args[1], right=True)
        if k == "sq":
            return child(self.args[0]) + "²"
        inner = self.args[0]
        text = inner._render(leaf, numbers) if isinstance(inner, Op) else leaf(inner)
        name = {"sqrt": "√", "cos": "cos", "exp": "exp"}[k]
        return f"{name}({text})"

    def symbolic(self) -> str:
        return self._render(_leaf_symbol, False)

    def substituted(self, digits: int = 4) -> str:
        return self._render(lambda n: _leaf_number(n, digits), True)


def _leaf_symbol(n: Num) -> str:
    return n.symbol


def _leaf_number(n: Num, digits: int = 4) -> str:
    return n.substituted(digits)


def _n(value: float, symbol: str) -> Num:
    return Num(float(value), symbol)


@dataclass(frozen=True)
class Equation:
    """``lhs = formula = substituted numbers = value``.

    ``value`` is the core's own number; ``expr.evaluate()`` recomputes it from
    the substituted numbers (equal up to rounding, exactly for the updates).
    """

    lhs: str
    expr: Num | Op
    value: float
    note: str = ""

    @property
    def formula(self) -> str:
        """``"δ₁⁽³⁾ = (P₁ − t₁) / N"``."""
        return f"{self.lhs} = {self.expr.symbolic()}"

    def substituted(self, digits: int = 4) -> str:
        """``"δ₁⁽³⁾ = (0.546 − 1) / 3 = −0.1513"``."""
        numbers = self.expr.substituted(digits)
        result = format_value(self.value, digits)
        if isinstance(self.expr, Num) or numbers == result:
            return f"{self.lhs} = {result}"
        return f"{self.lhs} = {numbers} = {result}"

    def check(self, rel: float = 1e-9, abs_tol: float = 1e-300) -> bool:
        """Whether the formula's numbers give the value."""
        got = self.expr.evaluate()
        if not math.isfinite(self.value) or not math.isfinite(got):
            return got == self.value or (math.isnan(got) and math.isnan(self.value))
        return math.isclose(got, self.value, rel_tol=rel, abs_tol=abs_tol)


def _sub(text: str) -> str:
    return text.translate(str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,"))


def _sup(layer: int) -> str:
    return f"({layer})".translate(str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾"))


class _Symbols:
    """Symbols of the seed post (units from 1; no index for a lone output)."""

    def __init__(self, layer_sizes) -> None:
        self.sizes = list(layer_sizes)
        self.L = len(self.sizes) - 1

    def idx(self, layer: int, unit: int) -> str:
        if layer == self.L and self.sizes[layer] == 1:
            return ""
        return _sub(str(unit + 1))

    def a(self, layer: int, unit: int) -> str:
        return f"a{self.idx(layer, unit)}{_sup(layer)}"

    def h(self, layer: int, unit: int) -> str:
        return f"h{self.idx(layer, unit)}{_sup(layer)}"

    def P(self, unit: int) -> str:
        return f"P{self.idx(self.L, unit)}"

    def t(self, unit: int) -> str:
        return f"t{self.idx(self.L, unit)}"

    def delta(self, layer: int, unit: int) -> str:
        return f"δ{self.idx(layer, unit)}{_sup(layer)}"

    def w(self, layer: int, target: int, source: int) -> str:
        return weight_name(layer, target + 1, source + 1)


# ------------------------------------------------------------ delta of a unit
@dataclass(frozen=True)
class DeltaExplanation:
    """δ of one unit for one sample, written for its actual activation and loss.

    Attributes
    ----------
    kind
        ``"simplified"`` (cross-entropy with sigmoid/softmax: δ = (P − t) / N),
        ``"product"`` (δ = ∂E/∂P · h′(a)), ``"softmax_jacobian"`` (δ_k =
        P_k (g_k − Σ_j g_j P_j) with g = ∂E/∂P), ``"hidden"`` (δ = (Σ_k δ_k w_kj) · h′(a)).
    equations
        In the order they are computed; the last one gives δ.
    delta
        δ as the backward pass computed it.
    text
        One sentence saying which form applies and why.
    """

    kind: str
    layer: int
    unit: int
    sample: int
    equations: tuple[Equation, ...]
    delta: float
    text: str


def _derivative_equation(
    act_name: str, a: float, h: float, lhs_symbol: str, a_sym: str, h_sym: str, value: float
) -> Equation:
    act = get_activation(act_name)
    lhs = f"{act.derivative_symbol}({a_sym})"
    A, H = _n(a, a_sym), _n(h, h_sym)
    if act_name == "sigmoid":
        expr = Op("*", (H, Op("-", (_n(1.0, "1"), H))))
    elif act_name == "tanh":
        expr = Op("-", (_n(1.0, "1"), Op("sq", (H,))))
    elif act_name in ("linear",):
        expr = _n(1.0, "1")
    elif act_name in ("relu", "leaky_relu", "step"):
        expr = _n(value, "1" if value == 1.0 else format_value(value))
    elif act_name == "elu":
        expr = _n(1.0, "1") if a > 0 else Op("+", (H, _n(1.0, "1")))
    elif act_name == "softplus":
        expr = Op("/", (_n(1.0, "1"), Op("+", (_n(1.0, "1"), Op("exp", (Op("neg", (A,)),))))))
    elif act_name == "sine":
        expr = Op("cos", (A,))
    elif act_name == "gaussian":
        expr = Op("*", (Op("*", (_n(-2.0, "−2"), A)), H))
    else:
        expr = _n(value, lhs)
    note = act.derivative_formula
    if act_name == "step":
        note = "the step has derivative 0 wherever it has one: no gradient flows through it"
    return Equation(lhs, expr, value, note)


def output_delta_explanation(explanation: StepExplanation, row: int, unit: int) -> DeltaExplanation:
    """δ of output ``unit`` for row ``row`` of the explained batch (both 0-based).

    The numbers are the explanation's (the core's); the formula is the one that
    applies to the output activation and loss: the simplified (P − t) / N for
    cross-entropy with sigmoid or softmax, the softmax Jacobian for softmax with
    a squared error, or ∂E/∂P · h′(a) with h′ written for the activation.
    """
    return _output_delta_explanation(explanation, explanation.row(row), unit)


def _output_delta_explanation(e: StepExplanation, v: StepRow, unit: int) -> DeltaExplanation:
    L = e.n_layers
    S = _Symbols(e.layer_sizes)
    loss_fn = get_loss(e.loss)
    act_name = e.activation_names[-1]
    # One row, as 1 x K arrays: the same elementwise numbers as the whole batch's.
    P = v.activations[-1][None, :]
    T = v.targets[None, :]
    a = v.pre_activations[-1][None, :]
    row = 0
    n_out = P.shape[1]
    norm = loss_fn.normaliser(e.n_samples, n_out)
    delta = float(v.deltas[-1][unit])
    d_sym = S.delta(L, unit)
    sample = v.sample
    p, t = float(P[row, unit]), float(T[row, unit])
    Pn, tn = _n(p, S.P(unit)), _n(t, S.t(unit))
    N_sym = "N" if e.loss != "mse" else "N·K"

    def dEdP_expr(k: int) -> tuple[Num | Op, float]:
        pk, tk = _n(float(P[row, k]), S.P(k)), _n(float(T[row, k]), S.t(k))
        diff = Op("-", (pk, tk))
        if e.loss == "half_sse":
            expr = diff
        elif e.loss == "mse":
            expr = Op("/", (Op("*", (_n(2.0, "2"), diff)), _n(norm, N_sym)))
        else:  # cross-entropy written out (for display only)
            expr = Op("neg", (Op("/", (tk, pk)),))
        grad = loss_fn.output_gradient(P[row : row + 1], T[row : row + 1], act_name)[0, k] / norm
        return expr, float(grad)

    if e.loss == "cross_entropy" and act_name in ("sigmoid", "softmax"):
        expr = Op("-", (Pn, tn)) if norm == 1.0 else Op("/", (Op("-", (Pn, tn)), _n(norm, "N")))
        which = "σ′ cancels 1/(P(1 − P))" if act_name == "sigmoid" else "the softmax Jacobian"
        text = (
            f"Cross-entropy with a {act_name} output: ∂E/∂P and {which} combine to the "
            f"simplified δ = (P − t) / N (N = {int(norm)} samples in this batch)."
        )
        if act_name == "softmax":
            text += " This holds because every target row is one-hot."
        return DeltaExplanation(
            "simplified", L, unit, sample, (Equation(d_sym, expr, delta),), delta, text
        )
    if act_name == "softmax":
        equations = []
        g_nums = []
        for k in range(n_out):
            expr, g = dEdP_expr(k)
            lhs = f"∂E/∂{S.P(k)}"
            equations.append(Equation(lhs, expr, g))
            g_nums.append((g, lhs))
        products = [
            Op("*", (_n(g, lhs), _n(float(P[row, k]), S.P(k)))) for k, (g, lhs) in enumerate(g_nums)
        ]
        # numpy sums left to right for these short rows
        sum_expr: Num | Op = products[0]
        for term in products[1:]:
            sum_expr = Op("+", (sum_expr, term))
        s_val = float(sum(g * float(P[row, k]) for k, (g, _) in enumerate(g_nums)))
        s_val = float((np.array([g for g, _ in g_nums]) * P[row]).sum())
        equations.append(Equation("Σⱼ ∂E/∂Pⱼ Pⱼ", sum_expr, s_val))
        g_k, g_lhs = g_nums[unit]
        d_expr = Op("*", (Pn, Op("-", (_n(g_k, g_lhs), _n(s_val, "Σⱼ ∂E/∂Pⱼ Pⱼ")))))
        equations.append(Equation(d_sym, d_expr, delta))
        text = (
            "A softmax output couples its units: ∂P_k/∂a_j = P_k (δ_kj − P_j), so "
            "δ_k = Σ_j ∂E/∂P_j · ∂P_j/∂a_k = P_k (∂E/∂P_k − Σ_j ∂E/∂P_j P_j)."
        )
        return DeltaExplanation("softmax_jacobian", L, unit, sample, tuple(equations), delta, text)
    expr, g = dEdP_expr(unit)
    dE = Equation(f"∂E/∂{S.P(unit)}", expr, g)
    act = get_activation(act_name)
    deriv_value = float(
        act.derivative(a[row : row + 1, unit : unit + 1], P[row : row + 1, unit : unit + 1])[0, 0]
    )
    dh = _derivative_equation(
        act_name, float(a[row, unit]), p, d_sym, S.a(L, unit), S.P(unit), deriv_value
    )
    d_expr = Op("*", (_n(g, dE.lhs), _n(deriv_value, dh.lhs)))
    text = (
        f"δ = ∂E/∂P · h′(a), with h′ the derivative of the {act.label} output "
        f"({act.derivative_formula})."
    )
    return DeltaExplanation(
        "product", L, unit, sample, (dE, dh, Equation(d_sym, d_expr, delta)), delta, text
    )


def hidden_delta_explanation(
    explanation: StepExplanation, layer: int, row: int, unit: int
) -> DeltaExplanation:
    """δ of hidden ``unit`` of ``layer`` (from 1) for batch row ``row``: (Σ_k δ_k w_kj) h′(a_j)."""
    if not 0 <= layer - 1 < explanation.n_layers - 1:
        raise ValueError(f"layer {layer} is not a hidden layer")
    return _hidden_delta_explanation(explanation, layer, explanation.row(row), unit)


def _hidden_delta_explanation(
    e: StepExplanation, layer: int, v: StepRow, unit: int
) -> DeltaExplanation:
    S = _Symbols(e.layer_sizes)
    l = layer - 1
    next_d = v.deltas[l + 1]
    next_w = e.old_weights[l + 1][unit]
    terms = [
        Op("*", (_n(float(d), S.delta(layer + 1, k)), _n(float(w), S.w(layer + 1, k, unit))))
        for k, (d, w) in enumerate(zip(next_d, next_w))
    ]
    sum_expr: Num | Op = terms[0]
    for t in terms[1:]:
        sum_expr = Op("+", (sum_expr, t))
    s_val = float(next_d @ next_w)
    sum_lhs = f"Σₖ δₖ{_sup(layer + 1)} wₖ{_sub(str(unit + 1))}{_sup(layer + 1)}"
    act_name = e.activation_names[l]
    act = get_activation(act_name)
    a_val = float(v.pre_activations[l][unit])
    h_val = float(v.activations[l][unit])
    a_arr = v.pre_activations[l][None, unit : unit + 1]
    h_arr = v.activations[l][None, unit : unit + 1]
    if e.mistakes.derivative_of_pre_activation:
        deriv = float(act.derivative(a_arr, a_arr)[0, 0])
        dh = _derivative_equation(
            act_name, a_val, a_val, "", S.a(layer, unit), S.a(layer, unit), deriv
        )
        dh = Equation(dh.lhs, dh.expr, deriv, "MISTAKE: the formula evaluated at a instead of h(a)")
    else:
        deriv = float(act.derivative(a_arr, h_arr)[0, 0])
        dh = _derivative_equation(
            act_name, a_val, h_val, "", S.a(layer, unit), S.h(layer, unit), deriv
        )
    delta = float(v.deltas[l][unit])
    d_eq = Equation(S.delta(layer, unit), Op("*", (_n(s_val, sum_lhs), _n(deriv, dh.lhs))), delta)
    text = (
        "δ of a hidden unit: the deltas of the layer above, weighted by the weights out of "
        "it, times h′(a)."
    )
    return DeltaExplanation(
        "hidden",
        layer,
        unit,
        v.sample,
        (Equation(sum_lhs, sum_expr, s_val), dh, d_eq),
        delta,
        text,
    )


# --------------------------------------------------------- optimiser's update
@dataclass(frozen=True)
class UpdateExplanation:
    """The optimiser's update of one parameter, number by number.

    Attributes
    ----------
    optimizer
        Its name; ``label`` the display name.
    equations
        g (with the penalty term when regularised), η (when a schedule
        applies), the state updates (v, s, m, v, m̂, v̂) and the new value.
    new_value
        The value after this update: the explanation's new value of the
        parameter, bit for bit (what the trainer computes).
    epoch_end_value
        The value after the whole Step (differs from ``new_value`` only with
        several minibatches).
    caveat
        The minibatch caveat, or None.
    """

    optimizer: str
    label: str
    equations: tuple[Equation, ...]
    new_value: float
    epoch_end_value: float
    caveat: str | None


def update_explanation(explanation: StepExplanation, ref: ParameterRef) -> UpdateExplanation:
    """The optimiser's own update of ``ref`` with its numbers (see :mod:`~.optimizers`)."""
    e = explanation
    name = parameter_name(ref)
    w = e.parameter_value(ref, "old")
    g_total = e.parameter_value(ref, "gradient")
    new_value = e.parameter_value(ref, "new")
    equations: list[Equation] = []
    W = _n(w, name)
    g_sym = f"g({name})"
    if not ref.is_bias and (e.l1 or e.l2):
        data = e.parameter_value(ref, "data_gradient")
        expr: Num | Op = _n(data, f"∂E/∂{name}")
        if e.l2:
            expr = Op("+", (expr, Op("*", (_n(e.l2, "λ₂"), W))))
        if e.l1:
            expr = Op(
                "+", (expr, Op("*", (_n(e.l1, "λ₁"), _n(float(np.sign(w)), f"sign({name})"))))
            )
        equations.append(Equation(g_sym, expr, g_total, "the data gradient plus the penalty's"))
    else:
        equations.append(Equation(g_sym, _n(g_total, f"∂E/∂{name}"), g_total))
    G = _n(g_total, g_sym)
    lr = e.learning_rate
    if e.schedule != "constant":
        k = e.epoch - 1
        base = e.base_learning_rate
        if e.schedule == "step":
            p = e.schedule_params
            expr = Op(
                "*",
                (
                    _n(base, "η₀"),
                    Op(
                        "pow",
                        (
                            _n(p["drop"], "drop"),
                            _n(float(k // int(p["every"])), f"⌊{k}/{int(p['every'])}⌋"),
                        ),
                    ),
                ),
            )
        else:
            p = e.schedule_params
            expr = Op(
                "/",
                (
                    _n(base, "η₀"),
                    Op("+", (_n(1.0, "1"), Op("*", (_n(p["decay"], "decay"), _n(float(k), "k"))))),
                ),
            )
        equations.append(
            Equation(
                "η",
                expr,
                lr,
                schedule_formula(e.schedule, e.schedule_params) + f", k = {k} epochs done",
            )
        )
    eta = _n(lr, "η")
    opt = e.optimizer
    hp = e.hyperparameters
    if opt == "sgd":
        if lr == 1.0:
            new_expr: Num | Op = Op("-", (W, G))
        else:
            new_expr = Op("-", (W, Op("*", (eta, G))))
        equations.append(Equation(f"new {name}", new_expr, new_value))
    elif opt in ("momentum", "nesterov"):
        mu = _n(hp["momentum"], "μ")
        v_old = e.state_value("velocity", ref, "before")
        v_new = e.state_value("velocity", ref, "after")
        v_sym = f"v({name})"
        equations.append(
            Equation(
                f"new {v_sym}", Op("-", (Op("*", (mu, _n(v_old, v_sym))), Op("*", (eta, G)))), v_new
            )
        )
        V = _n(v_new, f"new {v_sym}")
        if opt == "momentum":
            new_expr = Op("+", (W, V))
        else:
            new_expr = Op("-", (Op("+", (W, Op("*", (mu, V)))), Op("*", (eta, G))))
        equations.append(Equation(f"new {name}", new_expr, new_value))
    elif opt == "rmsprop":
        rho = _n(hp["rho"], "ρ")
        s_old = e.state_value("s", ref, "before")
        s_new = e.state_value("s", ref, "after")
        s_sym = f"s({name})"
        equations.append(
            Equation(
                f"new {s_sym}",
                Op(
                    "+",
                    (
                        Op("*", (rho, _n(s_old, s_sym))),
                        Op("*", (Op("-", (_n(1.0, "1"), rho)), Op("sq", (G,)))),
                    ),
                ),
                s_new,
            )
        )
        new_expr = Op(
            "-",
            (
                W,
                Op(
                    "/",
                    (
                        Op("*", (eta, G)),
                        Op("+", (Op("sqrt", (_n(s_new, f"new {s_sym}"),)), _n(hp["epsilon"], "ε"))),
                    ),
                ),
            ),
        )
        equations.append(Equation(f"new {name}", new_expr, new_value))
    elif opt == "adam":
        b1, b2 = _n(hp["beta1"], "β₁"), _n(hp["beta2"], "β₂")
        t = e.optimizer_steps
        m_old, m_new = e.state_value("m", ref, "before"), e.state_value("m", ref, "after")
        v_old, v_new = e.state_value("v", ref, "before"), e.state_value("v", ref, "after")
        m_sym, v_sym = f"m({name})", f"v({name})"
        one = _n(1.0, "1")
        equations.append(
            Equation(
                f"new {m_sym}",
                Op("+", (Op("*", (b1, _n(m_old, m_sym))), Op("*", (Op("-", (one, b1)), G)))),
                m_new,
            )
        )
        equations.append(
            Equation(
                f"new {v_sym}",
                Op(
                    "+",
                    (
                        Op("*", (b2, _n(v_old, v_sym))),
                        Op("*", (Op("-", (one, b2)), Op("sq", (G,)))),
                    ),
                ),
                v_new,
            )
        )
        T_ = _n(float(t), "t")
        c1 = 1.0 - hp["beta1"] ** t
        c2 = 1.0 - hp["beta2"] ** t
        m_hat = m_new / c1
        v_hat = v_new / c2
        equations.append(
            Equation(
                "m̂",
                Op("/", (_n(m_new, f"new {m_sym}"), Op("-", (one, Op("pow", (b1, T_)))))),
                m_hat,
                f"bias correction, t = {t} updates",
            )
        )
        equations.append(
            Equation(
                "v̂",
                Op("/", (_n(v_new, f"new {v_sym}"), Op("-", (one, Op("pow", (b2, T_)))))),
                v_hat,
            )
        )
        new_expr = Op(
            "-",
            (
                W,
                Op(
                    "/",
                    (
                        Op("*", (eta, _n(m_hat, "m̂"))),
                        Op("+", (Op("sqrt", (_n(v_hat, "v̂"),)), _n(hp["epsilon"], "ε"))),
                    ),
                ),
            ),
        )
        equations.append(Equation(f"new {name}", new_expr, new_value))
    return UpdateExplanation(
        optimizer=opt,
        label=OPTIMIZER_LABELS[opt],
        equations=tuple(equations),
        new_value=new_value,
        epoch_end_value=e.parameter_value(ref, "epoch_end"),
        caveat=e.minibatch_caveat,
    )
