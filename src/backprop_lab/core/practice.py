"""Practice exercises: compute one number of backpropagation by hand, checked by the core.

A *set* number names a sequence of exercises, so "set 17" gives every student the
same networks and numbers::

    >>> ex = make_exercise(17, 1)
    >>> ex.check(ex.answer).correct
    True

Each exercise is a small network (2-2-1 up to 2-3-3-1; sigmoid, tanh or ReLU;
with or without biases) with one or two training samples, and asks for ONE
quantity: a pre-activation a, an output h(a), the loss E, an output delta, a
hidden delta, a gradient ∂E/∂w or an updated weight (plain gradient descent;
the last level with momentum). The difficulty :data:`LEVELS` decide the
architecture, the activations, biases, the number of samples and which numbers
are given: the inputs of the asked step only, or just the network and the data.

Every number is the core's own: the forward pass, the deltas and the gradients
come from :func:`backprop_lab.core.inspect.explain_step` and
:func:`backprop_lab.core.inspect.chain_rule_terms` (the inspector's explanation
of a training step), and the momentum update from :class:`~backprop_lab.core.
trainer.Trainer` itself. The worked solution writes the chain rule of those
explanations out with the numbers in place; nothing here recomputes a forward or
backward pass.

No Qt here: the practice panel and the exercise sheets format what this module returns.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np

from .inspect import (
    Equation,
    StepExplanation,
    chain_rule_terms,
    explain_next_step,
    explain_step,
    hidden_delta_explanation,
    output_delta_explanation,
    update_explanation,
)
from .inspect import format_value as inspector_format_value
from .naming import parameter_name
from .network import Network
from .snapshot import ParameterRef
from .trainer import Trainer

#: The quantity kinds, in the order a training step computes them.
KINDS = (
    "pre_activation",
    "output",
    "loss",
    "output_delta",
    "hidden_delta",
    "gradient",
    "update",
)

#: What each kind is called in the app.
KIND_TITLES = {
    "pre_activation": "pre-activation a",
    "output": "output h(a)",
    "loss": "loss E",
    "output_delta": "output delta δ",
    "hidden_delta": "hidden delta δ",
    "gradient": "gradient ∂E/∂w",
    "update": "updated weight",
}

#: The loss every exercise uses: the seed post's E = ½ Σₙ (t − P)².
LOSS = "half_sse"

#: Significant digits an answer must agree to, unless an exercise says otherwise.
DEFAULT_DIGITS = 3

#: Significant digits of the computed numbers an exercise gives and its solution shows.
SHOWN_DIGITS = 4


@dataclass(frozen=True)
class Level:
    """A difficulty level.

    Attributes
    ----------
    number, name, description
        1 is the easiest.
    architectures
        The layer sizes an exercise may have, input first.
    hidden_activations, output_activations
        Drawn from per exercise (one activation for all hidden layers).
    bias
        Whether the network has biases.
    samples
        Training samples per exercise (a two-sample gradient sums both).
    given
        ``"step"``: the numbers the asked step needs are given (the forward values,
        the deltas of the layer above, ...); ``"network"``: only the network, the
        data and the learning rate — the student computes everything on the way.
    momentum
        The momentum coefficient of the updates (0 for plain gradient descent).
    weight_step
        Weights, biases and inputs are multiples of this.
    learning_rates
        Drawn from per exercise.
    """

    number: int
    name: str
    description: str
    architectures: tuple[tuple[int, ...], ...]
    hidden_activations: tuple[str, ...]
    output_activations: tuple[str, ...]
    bias: bool
    samples: int
    given: str
    momentum: float = 0.0
    weight_step: float = 0.1
    learning_rates: tuple[float, ...] = (0.5,)


LEVELS: tuple[Level, ...] = (
    Level(
        1,
        "First steps",
        "2-2-1 sigmoid network without biases, one sample; the numbers of the step are given.",
        ((2, 2, 1),),
        ("sigmoid",),
        ("sigmoid",),
        bias=False,
        samples=1,
        given="step",
    ),
    Level(
        2,
        "Biases and tanh",
        "2-2-1 or 2-3-1 with biases, sigmoid or tanh, one sample; the numbers of the step "
        "are given.",
        ((2, 2, 1), (2, 3, 1)),
        ("sigmoid", "tanh"),
        ("sigmoid",),
        bias=True,
        samples=1,
        given="step",
        learning_rates=(0.1, 0.5, 1.0),
    ),
    Level(
        3,
        "ReLU and depth",
        "Up to 2-3-3-1 with biases, sigmoid, tanh or ReLU hidden units, one sample; "
        "the numbers of the step are given.",
        ((2, 3, 1), (2, 2, 2, 1), (2, 3, 3, 1)),
        ("sigmoid", "tanh", "relu"),
        ("sigmoid", "tanh"),
        bias=True,
        samples=1,
        given="step",
        weight_step=0.05,
        learning_rates=(0.1, 0.2, 0.5),
    ),
    Level(
        4,
        "Two samples, from scratch",
        "2-2-1 to 2-2-2-1, two samples (a full-batch step sums them); only the network "
        "and the data are given.",
        ((2, 2, 1), (2, 3, 1), (2, 2, 2, 1)),
        ("sigmoid", "tanh", "relu"),
        ("sigmoid",),
        bias=True,
        samples=2,
        given="network",
        learning_rates=(0.1, 0.5, 1.0),
    ),
    Level(
        5,
        "Momentum, from scratch",
        "Up to 2-3-3-1, two samples, updates with momentum 0.9; only the network, the "
        "data and the previous update are given.",
        ((2, 2, 1), (2, 2, 2, 1), (2, 3, 3, 1)),
        ("sigmoid", "tanh", "relu"),
        ("sigmoid", "tanh"),
        bias=True,
        samples=2,
        given="network",
        momentum=0.9,
        weight_step=0.05,
        learning_rates=(0.1, 0.2, 0.5),
    ),
)


def get_level(number: int) -> Level:
    """The level numbered ``number`` (1 to ``len(LEVELS)``)."""
    number = int(number)
    if not 1 <= number <= len(LEVELS):
        raise ValueError(f"there are levels 1 to {len(LEVELS)}, not {number}")
    return LEVELS[number - 1]


# ------------------------------------------------------------------ notation
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789()-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁻")


def _sub(text: str) -> str:
    return text.translate(_SUB)


def _sup(text: str) -> str:
    return text.translate(_SUP)


class Notation:
    """The seed post's symbols for one network, units counted from 1, in plain Unicode.

    ``x₁`` inputs, ``aⱼ⁽ˡ⁾`` pre-activations, ``hⱼ⁽ˡ⁾ = h(aⱼ⁽ˡ⁾)`` outputs, ``P`` the
    network's output and ``t`` its target, ``δⱼ⁽ˡ⁾ = ∂E/∂aⱼ⁽ˡ⁾``, ``wⱼᵢ⁽ˡ⁾`` the weight
    from unit i of layer l − 1 to unit j of layer l (the chain-rule panel's order),
    ``bⱼ⁽ˡ⁾`` a bias. The lone output unit has no subscript.
    """

    def __init__(self, layer_sizes) -> None:
        self.sizes = tuple(int(s) for s in layer_sizes)
        self.L = len(self.sizes) - 1

    def _index(self, layer: int, unit: int) -> str:
        if layer == self.L and self.sizes[layer] == 1:
            return ""
        return _sub(str(unit + 1))

    def x(self, unit: int) -> str:
        return "x" + _sub(str(unit + 1))

    def a(self, layer: int, unit: int) -> str:
        return "a" + self._index(layer, unit) + _sup(f"({layer})")

    def h(self, layer: int, unit: int) -> str:
        """The output of a unit: x for an input, P for the output layer."""
        if layer == 0:
            return self.x(unit)
        if layer == self.L:
            return "P" + self._index(layer, unit)
        return "h" + self._index(layer, unit) + _sup(f"({layer})")

    def t(self, unit: int) -> str:
        return "t" + self._index(self.L, unit)

    def delta(self, layer: int, unit: int) -> str:
        return "δ" + self._index(layer, unit) + _sup(f"({layer})")

    def param(self, ref: ParameterRef) -> str:
        """``w₂₁⁽¹⁾`` for ``W1[0,1]`` (target 2, source 1), ``b₁⁽²⁾`` for ``b2[0]``: the
        app's one name of a parameter (:func:`backprop_lab.core.naming.parameter_name`)."""
        return parameter_name(ref)

    def unit_name(self, layer: int, unit: int) -> str:
        """E.g. ``"hidden unit 2 of layer 1"`` or ``"the output unit"``."""
        if layer == 0:
            return f"input {unit + 1}"
        if layer == self.L:
            return "the output unit" if self.sizes[layer] == 1 else f"output unit {unit + 1}"
        return f"hidden unit {unit + 1} of layer {layer}"

    def param_name(self, ref: ParameterRef) -> str:
        """In words: ``"the weight from x₁ to h₂⁽¹⁾"`` or ``"the bias of P"``."""
        target = self.h(ref.layer + 1, ref.target)
        if ref.is_bias:
            return f"the bias of {target}"
        return f"the weight from {self.h(ref.layer, ref.source)} to {target}"


def format_value(value: float, digits: int = SHOWN_DIGITS) -> str:
    """A number as an exercise shows it: the inspector's format (``digits`` significant
    digits, a real minus sign), so solutions and the chain-rule panel read alike.

    >>> format_value(-0.0123456)
    '−0.01235'
    >>> format_value(0.5), format_value(2.0), format_value(3.2e-6)
    ('0.5', '2', '3.2e−6')
    """
    return inspector_format_value(value, digits)


def _p(value: float) -> str:
    """A number inside a product or sum: negatives in parentheses."""
    text = format_value(value)
    return f"({text})" if value < 0 else text


# ----------------------------------------------------------------- quantities
@dataclass(frozen=True)
class Quantity:
    """One number of a training step.

    Attributes
    ----------
    kind
        ``"a"``, ``"h"``, ``"x"``, ``"t"``, ``"delta"``, ``"loss"``, ``"param"``,
        ``"gradient"``, ``"new"`` (the parameter after the update), ``"velocity"``
        (its previous update, for momentum), ``"lr"`` or ``"momentum"``.
    layer, unit
        The unit (layer 0 is the input layer, counted as in the seed post).
    sample
        The sample (0-based) for per-sample numbers, else None.
    ref
        The parameter of ``"param"``, ``"gradient"``, ``"new"`` and ``"velocity"``.
    """

    kind: str
    layer: int = 0
    unit: int = 0
    sample: int | None = None
    ref: ParameterRef | None = None

    def symbol(self, notation: Notation) -> str:
        """The quantity's symbol, e.g. ``δ₁⁽¹⁾`` or ``∂E/∂w₁₂⁽²⁾``."""
        k = self.kind
        if k == "a":
            return notation.a(self.layer, self.unit)
        if k in ("h", "x"):
            return notation.h(self.layer, self.unit)
        if k == "t":
            return notation.t(self.unit)
        if k == "delta":
            return notation.delta(self.layer, self.unit)
        if k == "loss":
            return "E" if self.sample is None else f"E of sample {self.sample + 1}"
        if k == "lr":
            return "η"
        if k == "momentum":
            return "μ"
        assert self.ref is not None
        p = notation.param(self.ref)
        if k == "param":
            return p
        if k == "gradient":
            return f"∂E/∂{p}"
        if k == "velocity":
            return f"v({p})"
        if k == "new":
            return f"{p} (new)"
        raise ValueError(f"unknown quantity kind {k!r}")


@dataclass(frozen=True)
class Given:
    """A number the student is given."""

    quantity: Quantity
    symbol: str
    value: float
    text: str


@dataclass(frozen=True)
class SolutionStep:
    """One line of a worked solution.

    ``formula`` is the rule in symbols, ``substituted`` the same with the numbers in
    place, ``value`` the result (the core's number).
    """

    quantity: Quantity
    title: str
    formula: str
    substituted: str
    value: float
    note: str = ""
    #: The inspector's equations that lead to this one, with their numbers.
    lines: tuple[str, ...] = ()

    @property
    def result(self) -> str:
        return format_value(self.value)

    def text(self) -> str:
        """The step: its leading equations, then ``formula = substituted = result``."""
        parts = [self.formula]
        if self.substituted and self.substituted != self.result:
            parts.append(self.substituted)
        parts.append(self.result)
        line = " = ".join(parts)
        line = f"{line}   ({self.note})" if self.note else line
        return "\n".join([*self.lines, line])


@dataclass(frozen=True)
class Verdict:
    """What :meth:`Exercise.check` says about an answer."""

    correct: bool
    value: float | None
    message: str


# ------------------------------------------------------------------ problem
@dataclass(frozen=True, eq=False)
class Problem:
    """A network, its samples and the update rule: everything an exercise is about.

    Weights are ``(n_in, n_out)`` like :class:`Network`; inputs ``X`` are (N, 2) and
    targets ``T`` (N, 1). ``velocity`` is the previous update of every weight and
    bias (momentum only), shaped like ``weights`` and ``biases``.
    """

    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...] | None
    X: np.ndarray
    T: np.ndarray
    learning_rate: float
    momentum: float = 0.0
    velocity: tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...] | None] | None = None

    def network(self) -> Network:
        return Network.from_arrays(self.weights, self.biases, self.activations)

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def notation(self) -> Notation:
        return Notation(self.layer_sizes)

    def parameter_refs(self) -> list[ParameterRef]:
        refs = [
            ParameterRef(l, i, j)
            for l in range(len(self.weights))
            for j in range(self.layer_sizes[l + 1])
            for i in range(self.layer_sizes[l])
        ]
        if self.biases is not None:
            refs += [
                ParameterRef(l, None, j)
                for l in range(len(self.weights))
                for j in range(self.layer_sizes[l + 1])
            ]
        return refs


class _Numbers:
    """The core's numbers of one problem: its step explanation and (momentum) trainer step."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.explanation: StepExplanation = explain_step(
            problem.network(), problem.X, problem.T, LOSS, problem.learning_rate
        )
        self._update_source: StepExplanation | None = None
        self._terms: dict = {}

    def sample_explanation(self, sample: int) -> StepExplanation:
        p = self.problem
        return explain_step(p.network(), p.X, p.T, LOSS, p.learning_rate, sample=sample)

    def terms(self, layer: int, unit: int, ref: ParameterRef | None = None):
        """The inspector's chain rule for a parameter leading into (layer, unit)."""
        if ref is None:
            ref = ParameterRef(layer - 1, 0, unit)
        if ref not in self._terms:
            self._terms[ref] = chain_rule_terms(self.explanation, ref)
        return self._terms[ref]

    def sample_terms(self, layer: int, unit: int, sample: int):
        return self.terms(layer, unit).samples[sample]

    def value(self, q: Quantity) -> float:
        e = self.explanation
        p = self.problem
        k = q.kind
        if k in ("x", "h"):
            return float(e.layer_outputs(q.layer)[q.sample, q.unit])
        if k == "a":
            return float(e.pre_activations[q.layer - 1][q.sample, q.unit])
        if k == "t":
            return float(e.targets[q.sample, q.unit])
        if k == "delta":
            return self.sample_terms(q.layer, q.unit, q.sample).delta
        if k == "loss":
            if q.sample is not None:  # one sample's share, as the inspector explains it
                return self.sample_explanation(q.sample).loss_value
            return float(e.loss_value)
        if k == "lr":
            return float(p.learning_rate)
        if k == "momentum":
            return float(p.momentum)
        assert q.ref is not None
        if k == "param":
            return e.parameter_value(q.ref, "old")
        if k == "gradient":
            return e.parameter_value(q.ref, "gradient")
        if k == "velocity":
            assert p.velocity is not None
            return q.ref.value_in(*p.velocity)
        if k == "new":
            return self.update(q.ref).new_value
        raise ValueError(f"unknown quantity kind {k!r}")

    def update_source(self) -> StepExplanation:
        """The explanation the update is read from: plain gradient descent, or the next
        Step of a Trainer with momentum whose velocity is the given previous update."""
        if self._update_source is None:
            p = self.problem
            if not p.momentum:
                self._update_source = self.explanation
            else:
                trainer = Trainer(p.network(), p.X, p.T, p.learning_rate, LOSS, momentum=p.momentum)
                assert p.velocity is not None
                weights_v, biases_v = p.velocity
                trainer.set_optimizer_state({"velocity": [*weights_v, *(biases_v or ())]})
                self._update_source = explain_next_step(trainer)
        return self._update_source

    def update(self, ref: ParameterRef):
        """The inspector's explanation of the optimiser's update of ``ref``."""
        return update_explanation(self.update_source(), ref)

    def delta(self, layer: int, unit: int, sample: int):
        """The inspector's explanation of δ of a unit for one sample."""
        if layer == len(self.problem.layer_sizes) - 1:
            return output_delta_explanation(self.explanation, sample, unit)
        return hidden_delta_explanation(self.explanation, layer, sample, unit)


# ---------------------------------------------------------------- exercises
@dataclass(frozen=True, eq=False)
class Exercise:
    """One question: compute ``quantity`` of ``problem``.

    Attributes
    ----------
    set_number, number
        The exercise set (its seed) and the exercise's place in it, from 1.
    level
        The difficulty level.
    kind
        One of :data:`KINDS`.
    problem
        The network, the samples and the update rule.
    quantity
        What is asked.
    answer
        The core's value of it.
    givens
        The numbers the student is given (everything else is hidden).
    digits
        Significant digits the answer must agree to.
    """

    set_number: int
    number: int
    level: Level
    kind: str
    problem: Problem
    quantity: Quantity
    answer: float
    givens: tuple[Given, ...]
    digits: int = DEFAULT_DIGITS
    _numbers: _Numbers | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> tuple[int, int, int, str]:
        """(set, number, level, kind): what names the exercise (its numbers follow)."""
        return (self.set_number, self.number, self.level.number, self.kind)

    # ---- text
    @property
    def notation(self) -> Notation:
        return self.problem.notation

    @property
    def symbol(self) -> str:
        return self.quantity.symbol(self.notation)

    @property
    def title(self) -> str:
        """E.g. ``"Set 17 · exercise 3 · level 2: loss E"``."""
        return (
            f"Set {self.set_number} · exercise {self.number} · level {self.level.number}: "
            f"{KIND_TITLES[self.kind]}"
        )

    @property
    def architecture(self) -> str:
        """E.g. ``"2-3-1, hidden tanh, output sigmoid, with biases"``."""
        p = self.problem
        sizes = "-".join(str(s) for s in p.layer_sizes)
        hidden = p.activations[0]
        text = f"{sizes} network, hidden units {hidden}, output {p.activations[-1]}"
        return text + (", with biases" if p.biases is not None else ", no biases")

    @property
    def question(self) -> str:
        """The question in words."""
        q, n = self.quantity, self.notation
        sample = self._sample_words(q.sample)
        if self.kind == "pre_activation":
            return (
                f"Compute the pre-activation {self.symbol} of {n.unit_name(q.layer, q.unit)}"
                f"{sample}."
            )
        if self.kind == "output":
            return (
                f"Compute the output {self.symbol} = h({n.a(q.layer, q.unit)}) of "
                f"{n.unit_name(q.layer, q.unit)}{sample}."
            )
        if self.kind == "loss":
            over = " summed over both samples" if self.problem.n_samples > 1 else ""
            return f"Compute the loss E = ½ Σₙ (t − P)²{over}."
        if self.kind in ("output_delta", "hidden_delta"):
            return (
                f"Compute the delta {self.symbol} = ∂E/∂{n.a(q.layer, q.unit)} of "
                f"{n.unit_name(q.layer, q.unit)}{sample}."
            )
        assert q.ref is not None
        p = n.param(q.ref)
        batch = " (the full-batch gradient: both samples)" if self.problem.n_samples > 1 else ""
        if self.kind == "gradient":
            return f"Compute the gradient ∂E/∂{p} of {n.param_name(q.ref)}{batch}."
        rule = (
            f"gradient descent with momentum μ = {format_value(self.problem.momentum)} "
            f"(v({p}) is its velocity, the previous update)"
            if self.problem.momentum
            else "one step of gradient descent"
        )
        return f"Compute the new value of {p} ({n.param_name(q.ref)}) after {rule}{batch}."

    def _sample_words(self, sample: int | None) -> str:
        if sample is None or self.problem.n_samples == 1:
            return ""
        return f" for sample {sample + 1}"

    @property
    def tolerance_text(self) -> str:
        return (
            f"Answers count as right within half a unit of the {_ordinal(self.digits)} "
            f"significant digit (relative error at most {self.relative_tolerance:.2%})."
        )

    @property
    def relative_tolerance(self) -> float:
        """The largest relative error accepted: 0.5 % for 3 significant digits."""
        return 0.5 * 10.0 ** (1 - self.digits)

    # ---- checking
    def accepts(self, value: float) -> bool:
        """True when ``value`` is right to :attr:`digits` significant digits."""
        return is_close(value, self.answer, self.digits)

    def check(self, answer: str | float) -> Verdict:
        """Check an answer (a number or the text a student typed)."""
        try:
            value = parse_answer(answer) if isinstance(answer, str) else float(answer)
        except ValueError as exc:
            return Verdict(False, None, str(exc))
        if not math.isfinite(value):
            return Verdict(False, None, "That is not a finite number.")
        if self.accepts(value):
            return Verdict(True, value, f"Right: {self.symbol} = {format_value(self.answer)}.")
        for label, wrong in self.distractors():
            if is_close(value, wrong, self.digits):
                return Verdict(False, value, f"Not quite: {label}.")
        return Verdict(False, value, f"Not right: {format_value(value)} is not {self.symbol}.")

    def distractors(self) -> list[tuple[str, float]]:
        """Typical wrong answers, each with what it means (used for feedback and tests).

        Always the answer with the wrong sign and, where there is one, the same
        quantity of a neighbouring unit, parameter or sample.
        """
        out = [("the sign is wrong", -self.answer)]
        numbers = self.numbers
        q = self.quantity
        n = self.notation
        for other in _neighbours(self.problem, q):
            if other.kind == "loss":
                label = f"that is only the term of sample {other.sample + 1}; E sums both"
            else:
                where = self._sample_words(other.sample)
                label = f"that is {other.symbol(n)}{where}, not {self.symbol}"
            out.append((label, numbers.value(other)))
        if self.kind == "loss":
            out.append(("the ½ of E = ½ Σ (t − P)² is missing", 2 * self.answer))
        if self.kind == "update":
            assert q.ref is not None
            w = numbers.value(Quantity("param", ref=q.ref))
            out.append(("step against the gradient: w − η ∂E/∂w", 2 * w - self.answer))
            out.append(("that is the weight before the update", w))
        return out

    # ---- solution
    @property
    def numbers(self) -> _Numbers:
        if self._numbers is None:
            object.__setattr__(self, "_numbers", _Numbers(self.problem))
        assert self._numbers is not None
        return self._numbers

    def solution(self) -> list[SolutionStep]:
        """The worked solution: the chain-rule derivation with the numbers substituted.

        With the level's ``given == "step"`` only the asked step (its inputs are
        given); otherwise every step from the network and the data, in the order
        backpropagation computes them.
        """
        given = {g.quantity for g in self.givens}
        steps: list[SolutionStep] = []
        _solve(self.numbers, self.quantity, given, steps, set())
        return sorted(steps, key=lambda step: _step_order(step.quantity))

    def given_text(self) -> list[str]:
        return [g.text for g in self.givens]


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def is_close(value: float, expected: float, digits: int = DEFAULT_DIGITS) -> bool:
    """``value`` agrees with ``expected`` to ``digits`` significant digits.

    The rule: |value − expected| ≤ ½ · 10^(1 − digits) · |expected|, so any
    correctly rounded answer passes (0.1235 for 0.12345…), and a relative error
    above 0.5 % (3 digits) does not. An exact zero needs |value| < 10⁻¹².
    """
    value, expected = float(value), float(expected)
    tolerance = 0.5 * 10.0 ** (1 - int(digits)) * abs(expected)
    return abs(value - expected) <= max(tolerance, 1e-12)


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_answer(text: str) -> float:
    """The number a student typed: ``-0.25``, ``−0,25``, ``2.5e-3``, ``2.5×10^-3``, ``1/8``.

    Raises ValueError with a message for anything else.
    """
    raw = str(text)
    s = raw.strip().replace("−", "-").replace("–", "-").replace(" ", "").replace("\u2009", "")
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    s = re.sub(r"(?:[x×*]10\^?|·10\^?)([+-]?\d+)$", r"e\1", s)
    if not s:
        raise ValueError("Type a number first.")
    if "/" in s:
        top, _, bottom = s.partition("/")
        if _NUMBER.match(top) and _NUMBER.match(bottom) and float(bottom) != 0:
            return float(top) / float(bottom)
    if _NUMBER.match(s):
        return float(s)
    raise ValueError(f"{raw.strip()!r} is not a number (write e.g. 0.125 or -1.5e-3).")


# ----------------------------------------------------------- derivation steps
def _dependencies(problem: Problem, q: Quantity) -> list[Quantity]:
    """The quantities the rule for ``q`` uses (a tree down to the network and the data)."""
    sizes, L = problem.layer_sizes, len(problem.layer_sizes) - 1
    n = q.sample
    k = q.kind
    if k == "a":
        prev = "x" if q.layer == 1 else "h"
        deps = [Quantity(prev, q.layer - 1, i, n) for i in range(sizes[q.layer - 1])]
        deps += [
            Quantity("param", ref=ParameterRef(q.layer - 1, i, q.unit))
            for i in range(sizes[q.layer - 1])
        ]
        if problem.biases is not None:
            deps.append(Quantity("param", ref=ParameterRef(q.layer - 1, None, q.unit)))
        return deps
    if k == "h":
        return [Quantity("a", q.layer, q.unit, n)]
    if k == "loss":
        return [
            d
            for s in range(problem.n_samples)
            for u in range(sizes[L])
            for d in (Quantity("h", L, u, s), Quantity("t", L, u, s))
        ]
    if k == "delta":
        deps = [Quantity("a", q.layer, q.unit, n), Quantity("h", q.layer, q.unit, n)]
        if problem.activations[q.layer - 1] == "relu":
            deps = deps[:1]  # h′ needs only the sign of a
        elif problem.activations[q.layer - 1] in ("sigmoid", "tanh"):
            deps = deps[1:]  # h′ from h: P (1 − P), 1 − h²
        if q.layer == L:
            return [*deps, Quantity("h", L, q.unit, n), Quantity("t", L, q.unit, n)]
        above = [Quantity("delta", q.layer + 1, k2, n) for k2 in range(sizes[q.layer + 1])]
        weights = [
            Quantity("param", ref=ParameterRef(q.layer, q.unit, k2))
            for k2 in range(sizes[q.layer + 1])
        ]
        return _unique([*deps, *above, *weights])
    if k == "gradient":
        ref = q.ref
        assert ref is not None
        deps = []
        for s in range(problem.n_samples):
            deps.append(Quantity("delta", ref.layer + 1, ref.target, s))
            if not ref.is_bias:
                prev = "x" if ref.layer == 0 else "h"
                deps.append(Quantity(prev, ref.layer, ref.source, s))
        return deps
    if k == "new":
        deps = [Quantity("param", ref=q.ref), Quantity("lr"), Quantity("gradient", ref=q.ref)]
        if problem.momentum:
            deps += [Quantity("momentum"), Quantity("velocity", ref=q.ref)]
        return deps
    return []  # x, t, param, lr, momentum, velocity: given by the problem


def _step_order(q: Quantity) -> tuple:
    """Forward layer by layer (every sample), the loss, deltas from the top, then the update."""
    sample = -1 if q.sample is None else q.sample
    if q.kind in ("a", "h"):
        return (0, q.layer, sample, q.unit, q.kind == "h")
    if q.kind == "loss":
        return (1,)
    if q.kind == "delta":
        return (2, -q.layer, sample, q.unit)
    return (3 if q.kind == "gradient" else 4,)


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _solve(numbers: _Numbers, q: Quantity, given, steps: list[SolutionStep], seen: set) -> None:
    """Append the steps that compute ``q`` (after those of what it depends on)."""
    if q in seen or q in given or q.kind in ("x", "t", "param", "lr", "momentum", "velocity"):
        return
    seen.add(q)
    for dep in _dependencies(numbers.problem, q):
        _solve(numbers, dep, given, steps, seen)
    steps.append(_step(numbers, q))


_H_FORMULAS = {
    "sigmoid": ("1 / (1 + e^(−{a}))", "1 / (1 + e^(−{av}))"),
    "tanh": ("tanh({a})", "tanh({a_plain})"),
    "relu": ("max(0, {a})", "max(0, {a_plain})"),
    "linear": ("{a}", "{a_plain}"),
}


def _step(numbers: _Numbers, q: Quantity) -> SolutionStep:
    """One line of the derivation, with the numbers of the core's explanation."""
    problem = numbers.problem
    N = problem.notation
    v = numbers.value
    sym = q.symbol(N)
    L = len(problem.layer_sizes) - 1
    s = q.sample
    sample_note = f"sample {s + 1}" if s is not None and problem.n_samples > 1 else ""
    if q.kind == "a":
        prev_size = problem.layer_sizes[q.layer - 1]
        refs = [ParameterRef(q.layer - 1, i, q.unit) for i in range(prev_size)]
        prev = [Quantity("x" if q.layer == 1 else "h", q.layer - 1, i, s) for i in range(prev_size)]
        formula = " + ".join(f"{N.param(r)}·{p.symbol(N)}" for r, p in zip(refs, prev))
        subst = " + ".join(
            f"{_p(v(Quantity('param', ref=r)))}·{_p(v(p))}" for r, p in zip(refs, prev)
        )
        if problem.biases is not None:
            bias = ParameterRef(q.layer - 1, None, q.unit)
            formula += f" + {N.param(bias)}"
            subst += f" + {_p(v(Quantity('param', ref=bias)))}"
        return SolutionStep(
            q,
            f"Pre-activation of {N.unit_name(q.layer, q.unit)}",
            f"{sym} = {formula}",
            subst,
            v(q),
            sample_note,
        )
    if q.kind == "h":
        act = problem.activations[q.layer - 1]
        a_q = Quantity("a", q.layer, q.unit, s)
        rule, numbers_rule = _H_FORMULAS[act]
        formula = f"{sym} = h({a_q.symbol(N)}) = " + rule.format(a=a_q.symbol(N))
        subst = numbers_rule.format(av=_p(v(a_q)), a_plain=format_value(v(a_q)))
        return SolutionStep(
            q,
            f"Output of {N.unit_name(q.layer, q.unit)} ({act})",
            formula,
            subst,
            v(q),
            sample_note,
        )
    if q.kind == "loss":
        terms = [
            (Quantity("t", L, u, n), Quantity("h", L, u, n))
            for n in range(problem.n_samples)
            for u in range(problem.layer_sizes[L])
        ]
        formula = "E = ½ Σₙ (t − P)²"
        subst = "½ (" + " + ".join(f"({_p(v(t))} − {_p(v(p))})²" for t, p in terms) + ")"
        note = "one term per sample" if problem.n_samples > 1 else ""
        return SolutionStep(q, "Loss", formula, subst, v(q), note)
    if q.kind == "delta":
        return _delta_step(numbers, q, sample_note)
    ref = q.ref
    assert ref is not None
    p = N.param(ref)
    if q.kind == "gradient":
        terms = numbers.terms(ref.layer + 1, ref.target, ref)
        d_sym = N.delta(ref.layer + 1, ref.target)
        if ref.is_bias:
            formula = f"∂E/∂{p} = Σₙ {d_sym}" if problem.n_samples > 1 else f"∂E/∂{p} = {d_sym}"
            subst = " + ".join(_p(t.delta) for t in terms.samples)
        else:
            f_sym = N.h(ref.layer, ref.source)
            formula = f"∂E/∂{p} = " + ("Σₙ " if problem.n_samples > 1 else "") + f"{d_sym}·{f_sym}"
            subst = " + ".join(f"{_p(t.delta)}·{_p(t.factor)}" for t in terms.samples)
        if problem.n_samples == 1 and ref.is_bias:
            subst = ""
        note = "one term per sample" if problem.n_samples > 1 else ""
        return SolutionStep(
            q, f"Gradient of {N.param_name(ref)}", formula, subst, terms.total, note
        )
    if q.kind == "new":
        update = numbers.update(ref)
        title = f"Update of {N.param_name(ref)}"
        if problem.momentum:
            title += " with momentum"
        return _equation_step(q, title, update.equations, update.new_value)
    raise ValueError(f"no rule for {q.kind!r}")


def _equation_step(
    q: Quantity, title: str, equations, value: float, note: str = ""
) -> SolutionStep:
    """A step from the inspector's equations: the last one is the step, the others lead to it."""
    *before, last = equations
    return SolutionStep(
        q,
        title,
        last.formula,
        last.expr.substituted(SHOWN_DIGITS),
        value,
        note,
        tuple(_equation_line(eq) for eq in before),
    )


def _equation_line(eq: Equation) -> str:
    """``lhs = formula = numbers = value`` (shorter where the parts coincide)."""
    parts = [eq.formula]
    numbers = eq.expr.substituted(SHOWN_DIGITS)
    result = format_value(eq.value)
    if numbers not in (eq.expr.symbolic(), result):
        parts.append(numbers)
    parts.append(result)
    return " = ".join(parts)


def _delta_step(numbers: _Numbers, q: Quantity, sample_note: str) -> SolutionStep:
    assert q.sample is not None
    N = numbers.problem.notation
    explained = numbers.delta(q.layer, q.unit, q.sample)  # the inspector's explanation
    title = f"Delta of {N.unit_name(q.layer, q.unit)}"
    if q.layer < len(numbers.problem.layer_sizes) - 1:
        title += ", from the layer above"
    return _equation_step(q, title, explained.equations, explained.delta, sample_note)


# ----------------------------------------------------------------- neighbours
def _neighbours(problem: Problem, q: Quantity) -> list[Quantity]:
    """The same quantity of the neighbouring unit(s), parameter(s) or sample."""
    sizes = problem.layer_sizes
    out: list[Quantity] = []
    if q.kind in ("a", "h", "delta"):
        for du in (-1, 1):
            if 0 <= q.unit + du < sizes[q.layer]:
                out.append(replace(q, unit=q.unit + du))
        # the unit at the same place one layer up or down
        for dl in (-1, 1):
            layer = q.layer + dl
            if 1 <= layer < len(sizes) and (q.kind != "delta" or layer >= 1):
                out.append(replace(q, layer=layer, unit=min(q.unit, sizes[layer] - 1)))
        if q.sample is not None and problem.n_samples > 1:
            out.append(replace(q, sample=1 - q.sample))
    elif q.kind in ("gradient", "new") and q.ref is not None:
        ref = q.ref
        candidates = []
        if ref.is_bias:
            candidates += [ParameterRef(ref.layer, None, ref.target + d) for d in (-1, 1)]
            candidates.append(ParameterRef(ref.layer, 0, ref.target))
        else:
            candidates += [ParameterRef(ref.layer, ref.source + d, ref.target) for d in (-1, 1)]
            candidates += [ParameterRef(ref.layer, ref.source, ref.target + d) for d in (-1, 1)]
            if problem.biases is not None:
                candidates.append(ParameterRef(ref.layer, None, ref.target))
        valid = set(problem.parameter_refs())
        out = [replace(q, ref=c) for c in candidates if c in valid]
    elif q.kind == "loss" and q.sample is None and problem.n_samples > 1:
        out = [replace(q, sample=s) for s in range(problem.n_samples)]  # one sample's share
    return out


# ----------------------------------------------------------------- generation
def _draw_values(rng: np.random.Generator, step: float, limit: float, shape) -> np.ndarray:
    """Non-zero multiples of ``step`` in [−limit, limit]."""
    k = round(limit / step)
    magnitudes = rng.integers(1, k + 1, size=shape)
    signs = rng.choice([-1.0, 1.0], size=shape)
    return np.round(signs * magnitudes * step, 10)


def _draw_problem(rng: np.random.Generator, level: Level) -> Problem:
    sizes = level.architectures[int(rng.integers(len(level.architectures)))]
    hidden = level.hidden_activations[int(rng.integers(len(level.hidden_activations)))]
    output = level.output_activations[int(rng.integers(len(level.output_activations)))]
    activations = tuple([hidden] * (len(sizes) - 2) + [output])
    weights = tuple(
        _draw_values(rng, level.weight_step, 1.0, (n_in, n_out)) for n_in, n_out in pairwise(sizes)
    )
    biases = None
    if level.bias:
        biases = tuple(_draw_values(rng, 0.1, 0.5, (n,)) for n in sizes[1:])
    X = _draw_values(rng, 0.5, 1.0, (level.samples, sizes[0]))
    if output == "tanh":
        T = rng.choice([-0.5, 0.5, 1.0], size=(level.samples, 1))
    else:
        T = rng.choice([0.0, 1.0], size=(level.samples, 1))
    if level.samples > 1:
        T[1] = 1.0 - T[0] if output != "tanh" else -T[0]  # two samples of two classes
    velocity = None
    if level.momentum:
        velocity = (
            tuple(_draw_values(rng, 0.01, 0.05, w.shape) for w in weights),
            None
            if biases is None
            else tuple(_draw_values(rng, 0.01, 0.05, b.shape) for b in biases),
        )
    lr = float(level.learning_rates[int(rng.integers(len(level.learning_rates)))])
    return Problem(
        layer_sizes=tuple(sizes),
        activations=activations,
        weights=weights,
        biases=biases,
        X=X,
        T=T,
        learning_rate=lr,
        momentum=level.momentum,
        velocity=velocity,
    )


def _draw_quantity(rng: np.random.Generator, problem: Problem, kind: str) -> Quantity:
    sizes, L = problem.layer_sizes, len(problem.layer_sizes) - 1
    sample = int(rng.integers(problem.n_samples))
    if kind in ("pre_activation", "output"):
        layer = int(rng.integers(1, L + 1))
        unit = int(rng.integers(sizes[layer]))
        return Quantity("a" if kind == "pre_activation" else "h", layer, unit, sample)
    if kind == "loss":
        return Quantity("loss")
    if kind == "output_delta":
        return Quantity("delta", L, int(rng.integers(sizes[L])), sample)
    if kind == "hidden_delta":
        layer = int(rng.integers(1, L))
        return Quantity("delta", layer, int(rng.integers(sizes[layer])), sample)
    refs = problem.parameter_refs()
    ref = refs[int(rng.integers(len(refs)))]
    return Quantity("gradient" if kind == "gradient" else "new", ref=ref)


def _givens(numbers: _Numbers, level: Level, q: Quantity) -> tuple[Given, ...]:
    problem = numbers.problem
    N = problem.notation
    if level.given == "step":
        needed = _dependencies(problem, q)
    else:
        needed = _primitives(problem, q)
    if q.kind != "new" and Quantity("lr") in needed:
        needed.remove(Quantity("lr"))
    out = []
    for g in _unique(needed):
        value = numbers.value(g)
        sym = g.symbol(N)
        note = ""
        if g.sample is not None and problem.n_samples > 1:
            note = f" (sample {g.sample + 1})"
        out.append(Given(g, sym, value, f"{sym} = {format_value(value)}{note}"))
    return tuple(out)


def _primitives(problem: Problem, q: Quantity) -> list[Quantity]:
    """Everything a from-scratch exercise gives: the data, every parameter, η (μ, Δw)."""
    sizes = problem.layer_sizes
    out = [Quantity("x", 0, i, s) for s in range(problem.n_samples) for i in range(sizes[0])]
    if q.kind in ("loss", "delta", "gradient", "new"):
        out += [Quantity("t", len(sizes) - 1, 0, s) for s in range(problem.n_samples)]
    out += [Quantity("param", ref=r) for r in problem.parameter_refs()]
    if q.kind == "new":
        out.append(Quantity("lr"))
        if problem.momentum:
            assert q.ref is not None
            out += [Quantity("momentum"), Quantity("velocity", ref=q.ref)]
    return out


#: Attempts to draw an exercise whose answer is clearly told apart from the usual mistakes.
_ATTEMPTS = 50


def kind_for(number: int) -> str:
    """The kind of exercise ``number`` of a set: the kinds in turn, a training step's order."""
    return KINDS[(int(number) - 1) % len(KINDS)]


def level_for(number: int) -> int:
    """The level of exercise ``number`` of a set with no fixed level.

    Two exercises per level, easy to hard, then again from level 1: any ten
    consecutive exercises cover every level (and, with :func:`kind_for`, every kind).
    """
    return 1 + ((int(number) - 1) // 2) % len(LEVELS)


def make_exercise(
    set_number: int,
    number: int,
    level: int | None = None,
    kind: str | None = None,
    digits: int = DEFAULT_DIGITS,
) -> Exercise:
    """Exercise ``number`` (from 1) of set ``set_number``: the same numbers for everybody.

    Parameters
    ----------
    set_number
        The set's seed (any integer ≥ 0).
    number
        The exercise's place in the set, from 1.
    level
        1 to ``len(LEVELS)``; None follows :func:`level_for` (easy to hard, two of each).
    kind
        One of :data:`KINDS`; None follows :func:`kind_for` (every kind in turn).
    digits
        Significant digits an answer must agree to.
    """
    set_number, number = int(set_number), int(number)
    if set_number < 0:
        raise ValueError(f"a set number is 0 or more, not {set_number}")
    if number < 1:
        raise ValueError(f"exercises are numbered from 1, not {number}")
    level_obj = get_level(level_for(number) if level is None else level)
    kind = kind_for(number) if kind is None else kind
    if kind not in KINDS:
        raise ValueError(f"unknown exercise kind {kind!r}; choose one of: {', '.join(KINDS)}")
    rng = np.random.default_rng([set_number, number, level_obj.number, KINDS.index(kind)])
    candidate = None
    for _ in range(_ATTEMPTS):
        problem = _draw_problem(rng, level_obj)
        if kind == "hidden_delta" and len(problem.layer_sizes) < 3:
            continue
        numbers = _Numbers(problem)
        if _has_near_zero_pre_activation(numbers.explanation):
            continue  # a ReLU at a ≈ 0 has no clear derivative, and 1e-17 is no number to give
        quantity = _draw_quantity(rng, problem, kind)
        answer = numbers.value(quantity)
        exercise = Exercise(
            set_number,
            number,
            level_obj,
            kind,
            problem,
            quantity,
            answer,
            _givens(numbers, level_obj, quantity),
            digits,
            numbers,
        )
        candidate = exercise
        if _well_posed(exercise):
            return exercise
    assert candidate is not None
    return candidate


def _has_near_zero_pre_activation(explanation: StepExplanation) -> bool:
    return any(bool(np.any(np.abs(a) < 1e-6)) for a in explanation.pre_activations)


def _well_posed(exercise: Exercise) -> bool:
    """The answer is not tiny, and no usual mistake lands within twice the tolerance."""
    answer = exercise.answer
    if not math.isfinite(answer) or abs(answer) < 1e-3:
        return False
    margin = 2 * exercise.relative_tolerance * abs(answer)
    return all(abs(wrong - answer) > margin for _label, wrong in exercise.distractors())


def exercise_set(
    set_number: int, count: int, level: int | None = None, digits: int = DEFAULT_DIGITS
) -> list[Exercise]:
    """The first ``count`` exercises of a set (every kind in turn)."""
    count = int(count)
    if count < 1:
        raise ValueError(f"a set needs at least one exercise, not {count}")
    return [make_exercise(set_number, n, level, digits=digits) for n in range(1, count + 1)]


# -------------------------------------------------------------------- score
@dataclass(frozen=True)
class Attempt:
    """One checked answer."""

    set_number: int
    number: int
    level: int
    kind: str
    answer: float | None
    correct: bool
    solution_shown: bool = False


@dataclass
class Score:
    """The practice session's score: every attempt, and what it adds up to.

    An exercise counts as solved when it was answered right before its solution
    was shown; :meth:`to_dict` / :meth:`from_dict` are what a project file stores.
    """

    attempts: list[Attempt] = field(default_factory=list)

    def record(self, exercise: Exercise, answer: float | None, correct: bool) -> Attempt:
        attempt = Attempt(
            exercise.set_number,
            exercise.number,
            exercise.level.number,
            exercise.kind,
            answer,
            correct,
            self.solution_shown(exercise),
        )
        self.attempts.append(attempt)
        return attempt

    def record_solution_shown(self, exercise: Exercise) -> None:
        self.attempts.append(
            Attempt(
                exercise.set_number,
                exercise.number,
                exercise.level.number,
                exercise.kind,
                None,
                False,
                True,
            )
        )

    @staticmethod
    def _key(a) -> tuple:
        return (a.set_number, a.number, a.level, a.kind)

    def _exercise_key(self, exercise: Exercise) -> tuple:
        return (exercise.set_number, exercise.number, exercise.level.number, exercise.kind)

    def solution_shown(self, exercise: Exercise) -> bool:
        key = self._exercise_key(exercise)
        return any(
            a.solution_shown and a.answer is None for a in self.attempts if self._key(a) == key
        )

    @property
    def exercises(self) -> int:
        """Exercises tried (answered or solution shown)."""
        return len({self._key(a) for a in self.attempts})

    @property
    def solved(self) -> int:
        """Exercises answered right without looking at the solution first."""
        solved = set()
        for a in self.attempts:
            if a.correct and not a.solution_shown:
                solved.add(self._key(a))
        return len(solved)

    @property
    def first_try(self) -> int:
        """Exercises whose first answer was right."""
        first: dict[tuple, Attempt] = {}
        for a in self.attempts:
            if a.answer is not None or a.solution_shown:
                first.setdefault(self._key(a), a)
        return sum(1 for a in first.values() if a.correct)

    @property
    def answers(self) -> int:
        return sum(1 for a in self.attempts if a.answer is not None)

    def summary(self) -> str:
        if not self.attempts:
            return "No exercises tried yet."
        answers = "1 answer" if self.answers == 1 else f"{self.answers} answers"
        return (
            f"{self.solved} of {self.exercises} solved ({self.first_try} at the first try, "
            f"{answers} checked)"
        )

    def to_dict(self) -> dict:
        return {
            "attempts": [
                {
                    "set": a.set_number,
                    "number": a.number,
                    "level": a.level,
                    "kind": a.kind,
                    "answer": a.answer,
                    "correct": a.correct,
                    "solution_shown": a.solution_shown,
                }
                for a in self.attempts
            ]
        }

    @classmethod
    def from_dict(cls, data: dict) -> Score:
        """Read what :meth:`to_dict` wrote; raises ValueError for anything malformed."""
        if not isinstance(data, dict) or not isinstance(data.get("attempts", []), list):
            raise ValueError("practice score: expected {'attempts': [...]}")
        attempts = []
        for item in data.get("attempts", []):
            try:
                answer = item["answer"]
                attempts.append(
                    Attempt(
                        int(item["set"]),
                        int(item["number"]),
                        int(item["level"]),
                        str(item["kind"]),
                        None if answer is None else float(answer),
                        bool(item["correct"]),
                        bool(item.get("solution_shown", False)),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"practice score: a malformed attempt {item!r}") from exc
        return cls(attempts)
