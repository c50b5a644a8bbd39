"""Practice exercises: every kind and level, right answers accepted, usual mistakes rejected.

The expected numbers are computed here straight from Network.forward / backward and
Trainer.step (and the gradients by central differences), not from the practice module.
"""

import math

import numpy as np
import pytest

from backprop_lab.core import Network, ParameterRef, Trainer
from backprop_lab.core.practice import (
    KINDS,
    LEVELS,
    Exercise,
    Quantity,
    Score,
    exercise_set,
    format_value,
    is_close,
    kind_for,
    make_exercise,
    parse_answer,
)

SETS = (0, 17, 2026)
CASES = [(s, level.number, kind) for s in SETS for level in LEVELS for kind in KINDS]


def _core(ex: Exercise):
    p = ex.problem
    net = p.network()
    trace = net.forward(p.X)
    grads = net.backward(trace, p.T, "half_sse")
    return net, trace, grads


def _new_parameters(ex: Exercise):
    """Weights and biases after the step, from the Trainer (momentum: its update rule)."""
    p = ex.problem
    net = p.network()
    if not p.momentum:
        Trainer(net, p.X, p.T, p.learning_rate, "half_sse").step(1)
        return net.weights, net.biases
    _, _, grads = _core(ex)
    vw, vb = p.velocity
    weights = [
        w + (p.momentum * v - p.learning_rate * g) for w, v, g in zip(p.weights, vw, grads.weights)
    ]
    biases = [
        b + (p.momentum * v - p.learning_rate * g) for b, v, g in zip(p.biases, vb, grads.biases)
    ]
    return weights, biases


def truth(ex: Exercise, q: Quantity) -> float:
    """The value of ``q`` in ``ex`` from the core directly."""
    p = ex.problem
    net, trace, grads = _core(ex)
    if q.kind == "a":
        return float(trace.pre_activations[q.layer - 1][q.sample, q.unit])
    if q.kind == "h":
        return float(trace.layer_outputs(q.layer)[q.sample, q.unit])
    if q.kind == "loss":
        if q.sample is not None:
            s = q.sample
            return net.loss(p.X[s : s + 1], p.T[s : s + 1], "half_sse")
        return net.loss(p.X, p.T, "half_sse")
    if q.kind == "delta":
        return float(grads.deltas[q.layer - 1][q.sample, q.unit])
    if q.kind == "gradient":
        return q.ref.value_in(grads.weights, grads.biases)
    if q.kind == "new":
        return q.ref.value_in(*_new_parameters(ex))
    raise AssertionError(q.kind)


def neighbours(ex: Exercise) -> list[Quantity]:
    """The same quantity of the neighbouring unit(s) / parameter(s) / sample."""
    q, sizes = ex.quantity, ex.problem.layer_sizes
    out = []
    if q.kind in ("a", "h", "delta"):
        out += [
            Quantity(q.kind, q.layer, u, q.sample)
            for u in (q.unit - 1, q.unit + 1)
            if 0 <= u < sizes[q.layer]
        ]
        # the unit at the same place in the layer below or above (not the inputs)
        out += [
            Quantity(q.kind, l, min(q.unit, sizes[l] - 1), q.sample)
            for l in (q.layer - 1, q.layer + 1)
            if 1 <= l < len(sizes)
        ]
        if ex.problem.n_samples == 2:
            out.append(Quantity(q.kind, q.layer, q.unit, 1 - q.sample))
    elif q.kind in ("gradient", "new"):
        r = q.ref
        refs = set(ex.problem.parameter_refs())
        if r.is_bias:
            cands = [ParameterRef(r.layer, None, r.target + d) for d in (-1, 1)]
            cands.append(ParameterRef(r.layer, 0, r.target))  # a weight into the same unit
        else:
            cands = [ParameterRef(r.layer, r.source + d, r.target) for d in (-1, 1)]
            cands += [ParameterRef(r.layer, r.source, r.target + d) for d in (-1, 1)]
        out += [Quantity(q.kind, ref=c) for c in cands if c in refs]
    elif q.kind == "loss" and ex.problem.n_samples == 2:
        out += [Quantity("loss", sample=s) for s in (0, 1)]  # one sample's share only
    return out


@pytest.mark.parametrize(("set_number", "level", "kind"), CASES)
def test_answer_is_the_cores_and_mistakes_are_rejected(set_number, level, kind):
    ex = make_exercise(set_number, 3, level, kind)
    assert ex.kind == kind and ex.level.number == level
    expected = truth(ex, ex.quantity)
    assert ex.answer == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # right answers, exact, rounded to 3 significant digits, and typed
    assert ex.check(expected).correct
    rounded = float(f"{expected:.3g}")
    assert ex.check(rounded).correct
    assert ex.check(f"{expected:.4g}".replace("-", "−")).correct
    # off by sign
    assert not ex.check(-expected).correct
    # off by one unit: the neighbouring unit's (parameter's, sample's) value
    others = neighbours(ex)
    if kind != "loss" or ex.problem.n_samples == 2:
        assert others, "every exercise but a one-sample loss has a neighbour"
    for other in others:
        value = truth(ex, other)
        verdict = ex.check(value)
        assert not verdict.correct, (other, value, expected)
        assert "not" in verdict.message.lower()


@pytest.mark.parametrize("level", [lv.number for lv in LEVELS])
def test_networks_and_samples_follow_the_level(level):
    lv = LEVELS[level - 1]
    for n in range(1, 15):
        ex = make_exercise(5, n, level)
        p = ex.problem
        assert p.layer_sizes in lv.architectures
        assert 2 <= len(p.layer_sizes) - 1 <= 3 and p.layer_sizes[0] == 2
        assert max(p.layer_sizes) <= 3 and p.layer_sizes[-1] == 1
        assert (p.biases is not None) == lv.bias
        assert p.n_samples == lv.samples
        assert set(p.activations[:-1]) <= set(lv.hidden_activations)
        assert p.momentum == lv.momentum
        # the given numbers are short: multiples of the level's step
        for w in p.weights:
            np.testing.assert_allclose(w / lv.weight_step, np.round(w / lv.weight_step), atol=1e-9)


def test_a_set_gives_everybody_the_same_numbers():
    a = exercise_set(17, 10)
    b = exercise_set(17, 10)
    for x, y in zip(a, b):
        assert x.answer == y.answer and x.question == y.question
        for wx, wy in zip(x.problem.weights, y.problem.weights):
            np.testing.assert_array_equal(wx, wy)
    other = exercise_set(18, 10)
    assert [x.answer for x in a] != [x.answer for x in other]
    assert [x.kind for x in a] == [kind_for(n) for n in range(1, 11)]
    assert set(KINDS) <= {x.kind for x in a}
    # any ten exercises in a row cover every level, easy to hard
    assert [x.level.number for x in a] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


@pytest.mark.parametrize(("set_number", "level", "kind"), CASES[: len(LEVELS) * len(KINDS)])
def test_solution_steps_are_the_cores_numbers(set_number, level, kind):
    ex = make_exercise(set_number, 2, level, kind)
    steps = ex.solution()
    assert steps and steps[-1].quantity == ex.quantity
    assert steps[-1].value == pytest.approx(ex.answer, rel=1e-12, abs=1e-15)
    for step in steps:
        assert step.value == pytest.approx(truth(ex, step.quantity), rel=1e-12, abs=1e-15)
        assert step.formula and step.title
        assert format_value(step.value) in step.text()
    given = {g.quantity for g in ex.givens}
    assert not any(step.quantity in given for step in steps)
    if ex.level.given == "step":
        assert len(steps) == 1  # everything the step needs is given
    else:
        # from scratch: only the data, the parameters and the update's constants are given
        assert {g.quantity.kind for g in ex.givens} <= {
            "x",
            "t",
            "param",
            "lr",
            "momentum",
            "velocity",
        }
    for g in ex.givens:
        if g.quantity.kind in ("x", "t", "param", "lr", "momentum", "velocity"):
            continue
        assert g.value == pytest.approx(truth(ex, g.quantity), rel=1e-12, abs=1e-15)


def test_from_scratch_gradient_writes_out_the_whole_chain():
    ex = make_exercise(17, 1, 5, "gradient")
    kinds = [s.quantity.kind for s in ex.solution()]
    # forward pass first, then deltas from the output down, then the gradient
    assert kinds[0] == "a" and kinds[-1] == "gradient" and "delta" in kinds
    assert kinds.index("delta") > max(i for i, k in enumerate(kinds) if k == "h")


def test_gradients_agree_with_central_differences():
    for level in range(1, len(LEVELS) + 1):
        ex = make_exercise(17, 4, level, "gradient")
        p, ref = ex.problem, ex.quantity.ref

        def loss_at(value, p=p, ref=ref):
            weights = [w.copy() for w in p.weights]
            biases = None if p.biases is None else [b.copy() for b in p.biases]
            if ref.is_bias:
                biases[ref.layer][ref.target] = value
            else:
                weights[ref.layer][ref.source, ref.target] = value
            net = Network.from_arrays(weights, biases, p.activations)
            return net.loss(p.X, p.T, "half_sse")

        w0 = ref.value_in(p.weights, p.biases)
        eps = 1e-6
        numeric = (loss_at(w0 + eps) - loss_at(w0 - eps)) / (2 * eps)
        assert ex.answer == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_tolerance_is_three_significant_digits():
    assert is_close(0.1235, 0.12345678)
    assert is_close(0.123, 0.1234)
    assert not is_close(0.1241, 0.1234)  # 0.57 % away
    assert is_close(-2.50, -2.5049)
    assert not is_close(2.5, -2.5)
    assert is_close(0.0, 0.0) and not is_close(1e-6, 0.0)
    assert is_close(0.12, 0.1234, digits=2) and not is_close(0.1234, 0.12, digits=4)
    ex = make_exercise(17, 1)
    assert "3rd significant digit" in ex.tolerance_text and "0.50%" in ex.tolerance_text


def test_parse_answer():
    assert parse_answer(" −0,25 ") == -0.25
    assert parse_answer("2.5e-3") == 0.0025
    assert parse_answer("2.5×10^-3") == pytest.approx(0.0025)
    assert parse_answer("3.25e−6") == pytest.approx(3.25e-6)
    assert parse_answer("1/8") == 0.125
    assert parse_answer("+.5") == 0.5
    for bad in ("", "abc", "1/0", "0.1.2", "nan"):
        with pytest.raises(ValueError):
            parse_answer(bad)
    ex = make_exercise(3, 1)
    verdict = ex.check("twelve")
    assert not verdict.correct and verdict.value is None and "not a number" in verdict.message


def test_feedback_names_the_mistake():
    ex = make_exercise(17, 1, 1, "hidden_delta")
    assert "sign" in ex.check(-ex.answer).message
    ex = make_exercise(17, 1, 1, "loss")
    assert "½" in ex.check(2 * ex.answer).message
    ex = make_exercise(17, 1, 1, "update")
    w = ex.problem.network()
    assert "before the update" in ex.check(ex.quantity.ref.value_in(w.weights, w.biases)).message


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="levels 1 to"):
        make_exercise(1, 1, level=9)
    with pytest.raises(ValueError, match="kind"):
        make_exercise(1, 1, kind="hessian")
    with pytest.raises(ValueError, match="from 1"):
        make_exercise(1, 0)
    with pytest.raises(ValueError, match="at least one"):
        exercise_set(1, 0)


def test_score_counts_and_round_trips():
    score = Score()
    a, b, c = make_exercise(17, 1), make_exercise(17, 2), make_exercise(17, 3)
    score.record(a, -a.answer, False)
    score.record(a, a.answer, True)
    score.record(b, b.answer, True)
    score.record_solution_shown(c)
    score.record(c, c.answer, True)  # right, but after looking at the solution
    assert (score.exercises, score.solved, score.first_try, score.answers) == (3, 2, 1, 4)
    assert "2 of 3 solved" in score.summary()
    again = Score.from_dict(score.to_dict())
    assert again.attempts == score.attempts
    with pytest.raises(ValueError):
        Score.from_dict({"attempts": [{"set": 1}]})
    assert Score().summary().startswith("No exercises")


def test_numbers_are_written_as_a_student_would():
    assert format_value(-0.012345678) == "−0.01235"
    assert format_value(0.5) == "0.5" and format_value(-1.0) == "−1"
    assert format_value(3.25e-6) == "3.25e−6"
    assert math.isclose(parse_answer(format_value(-0.012345678)), -0.01235)
