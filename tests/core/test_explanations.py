"""The explanations are true for every combination: output activation × loss × optimiser.

Every formula the chain-rule panel and the step phases show is an Equation
whose substituted numbers, read back from the text shown, give the result
shown; and "the next step" is exactly what the trainer's next Step does.
"""

import math
import re

import numpy as np
import pytest

from backprop_lab.core import Network, ParameterRef, Trainer
from backprop_lab.core.activations import OUTPUT_ACTIVATIONS
from backprop_lab.core.inspect import (
    Equation,
    all_parameter_refs,
    chain_rule_terms,
    explain_next_step,
    explain_step,
    format_value,
    output_delta_explanation,
    parse_parameter_name,
)
from backprop_lab.core.naming import parameter_description, parameter_name, sample_label
from backprop_lab.core.optimizers import OPTIMIZERS

LOSSES = ("half_sse", "mse", "cross_entropy")
COMBINATIONS = [
    (act, loss, opt)
    for act in OUTPUT_ACTIVATIONS
    for loss in LOSSES
    if loss != "cross_entropy" or act in ("sigmoid", "softmax")
    for opt in OPTIMIZERS
]


def _read_back(text: str) -> tuple[float, float]:
    """(what the substituted arithmetic gives, the result shown) from 'lhs = numbers = result'."""
    _, rest = text.split(" = ", 1)
    numbers, result = rest.rsplit(" = ", 1)
    table = str.maketrans({"−": "-", "×": "*", "√": "sqrt", "∞": "inf"})
    expr = numbers.translate(table).replace("^", "**").replace("²", "**2")
    assert re.fullmatch(r"[0-9eE.+\-*/() sqrtcoxpinf]+", expr), expr
    value = eval(
        expr,
        {"__builtins__": {}},
        {"sqrt": math.sqrt, "cos": math.cos, "exp": math.exp, "inf": math.inf},
    )
    return float(value), float(result.translate(table))


def _check_equation(eq: Equation, exact: bool = False):
    assert eq.check(), (eq.formula, eq.substituted(17), eq.expr.evaluate(), eq.value)
    if exact:
        assert eq.expr.evaluate() == eq.value, (eq.formula, eq.expr.evaluate(), eq.value)
    text = eq.substituted(17)
    if text.count(" = ") >= 2:
        got, shown = _read_back(text)
        assert math.isclose(got, shown, rel_tol=1e-12, abs_tol=1e-300), (text, got, shown)
    # the default display (4 digits) names the same result
    assert eq.substituted(4).endswith(format_value(eq.value, 4))
    assert eq.formula.startswith(eq.lhs + " = ")


def _trainer(act, loss, opt, batch_size=None, schedule="constant", l1=0.0, l2=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, 2))
    n_out = 3 if act == "softmax" else 2
    if act == "softmax":
        T = np.eye(3)[rng.integers(0, 3, size=6)]
    elif loss == "cross_entropy":
        T = rng.integers(0, 2, size=(6, n_out)).astype(float)
    else:
        T = rng.uniform(-0.5, 1.0, size=(6, n_out))
    net = Network([2, 3, n_out], ["tanh", act], init="xavier", bias=True, seed=seed + 1)
    net.biases = [rng.normal(0, 0.3, size=b.shape) for b in net.biases]
    params = {"step": {"drop": 0.5, "every": 2}, "inverse_time": {"decay": 0.3}}.get(schedule)
    return Trainer(
        net,
        X,
        T,
        0.05,
        loss,
        batch_size=batch_size,
        optimizer=opt,
        **({"momentum": 0.8} if opt in ("momentum", "nesterov") else {}),
        schedule=schedule,
        schedule_params=params,
        l1=l1,
        l2=l2,
    )


def _check_everything(trainer):
    trainer.step(3)  # the optimiser's state is not zero any more
    before = [w.copy() for w in trainer.net.weights]
    e = explain_next_step(trainer)
    for w, b in zip(trainer.net.weights, before):
        np.testing.assert_array_equal(w, b)  # nothing changed
    refs = all_parameter_refs(e.layer_sizes, True)
    for ref in refs:
        terms = chain_rule_terms(e, ref)
        assert terms.name == parameter_name(ref)
        for s in terms.samples:
            d = s.delta_explanation
            assert d is not None and d.delta == s.delta
            assert d.equations[-1].value == s.delta
            for eq in d.equations:
                _check_equation(eq)
        u = terms.update_explanation
        assert u.new_value == terms.new_value
        for eq in u.equations:
            _check_equation(eq, exact=True)
        assert u.equations[-1].value == terms.new_value
        assert terms.epoch_end_value == u.epoch_end_value
        assert terms.total == pytest.approx(terms.data_gradient + terms.penalty_gradient)
    # "The next step" is exactly what the next Step does.
    trainer.step(1)
    for got, shown in zip(trainer.net.weights, e.epoch_end_weights):
        np.testing.assert_array_equal(got, shown)
    for got, shown in zip(trainer.net.biases, e.epoch_end_biases):
        np.testing.assert_array_equal(got, shown)
    if e.n_updates == 1:
        for got, shown in zip(trainer.net.weights, e.new_weights):
            np.testing.assert_array_equal(got, shown)
        assert e.minibatch_caveat is None
    else:
        assert "first" in e.minibatch_caveat and str(e.n_updates) in e.minibatch_caveat
    return e


@pytest.mark.parametrize(("act", "loss", "opt"), COMBINATIONS)
def test_every_output_activation_loss_and_optimiser(act, loss, opt):
    e = _check_everything(_trainer(act, loss, opt))
    kinds = {output_delta_explanation(e, 0, k).kind for k in range(e.layer_sizes[-1])}
    if loss == "cross_entropy":
        assert kinds == {"simplified"}
    elif act == "softmax":
        assert kinds == {"softmax_jacobian"}
    else:
        assert kinds == {"product"}


@pytest.mark.parametrize("opt", OPTIMIZERS)
@pytest.mark.parametrize("batch_size", [1, 4])
@pytest.mark.parametrize("schedule", ["constant", "step", "inverse_time"])
def test_every_optimiser_batch_size_schedule_and_penalty(opt, batch_size, schedule):
    _check_everything(
        _trainer("sigmoid", "cross_entropy", opt, batch_size, schedule, l1=0.01, l2=0.1, seed=2)
    )


def test_softmax_with_half_sse_adds_up():
    # The issue's example: "(P − t) / 1 = (0.546 − 1) / 1 = −0.2251" did not add up.
    trainer = _trainer("softmax", "half_sse", "sgd")
    e = explain_next_step(trainer)
    d = output_delta_explanation(e, 0, 1)
    assert d.kind == "softmax_jacobian"
    assert "Σ" in d.equations[-1].formula and d.equations[-1].value == e.deltas[-1][0, 1]


def test_minibatch_next_step_matches_the_spirals_example():
    # The issue: momentum and minibatches were ignored by "the next step".
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 2))
    T = (X[:, :1] > 0).astype(float)
    net = Network([2, 8, 1], ["tanh", "sigmoid"], seed=0)
    trainer = Trainer(net, X, T, 0.3, "cross_entropy", batch_size=10, momentum=0.9)
    trainer.step(1)
    e = explain_next_step(trainer)
    ref = ParameterRef(1, 0, 0)
    shown = chain_rule_terms(e, ref).epoch_end_value
    trainer.step(1)
    assert shown == trainer.net.weights[1][0, 0]


def test_explain_step_with_an_optimiser_starts_from_zero_state():
    trainer = _trainer("linear", "mse", "adam")
    e = explain_step(trainer.net, trainer.X, trainer.T, "mse", 0.05, optimizer="adam")
    fresh = _trainer("linear", "mse", "adam")
    fresh.step(1)
    for got, shown in zip(fresh.net.weights, e.new_weights):
        np.testing.assert_array_equal(got, shown)
    assert e.optimizer_steps == 1


def test_one_name_per_weight_counted_from_1():
    sizes = [2, 12, 3, 1]
    ref = ParameterRef(1, 10, 2)  # into unit 3 of layer 2 from unit 11 of layer 1
    assert parameter_name(ref) == "w₃,₁₁⁽²⁾"
    assert parameter_name(ref, ascii=True) == "w_3,11^(2)"
    assert parameter_name(ParameterRef(0, 1, 0)) == "w₁₂⁽¹⁾"
    assert parameter_name(ParameterRef(2, None, 0)) == "b₁⁽³⁾"
    assert parameter_name(ParameterRef(2, None, 0), ascii=True) == "b_1^(3)"
    for r in all_parameter_refs(sizes, True):
        assert parse_parameter_name(parameter_name(r), sizes) == r
        assert parse_parameter_name(parameter_name(r, ascii=True), sizes) == r
    assert parameter_description(ParameterRef(0, 1, 0), sizes) == "from x₂ to unit 1 of layer 1"
    assert (
        parameter_description(ParameterRef(0, 1, 0), sizes, ["x₁", "x₁²"])
        == "from x₁² to unit 1 of layer 1"
    )
    assert parameter_description(ParameterRef(2, None, 0), sizes) == "bias of the output"
    assert sample_label(0) == "sample 1"
    with pytest.raises(ValueError, match="units 1 to 3"):
        parse_parameter_name("w₄₁⁽²⁾", sizes)


def test_the_readme_issue_14_example_runs(capsys):
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2] / "README.md"
    if not readme.exists():
        pytest.skip("run from a source checkout")
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    block = next(b for b in blocks if "explain_next_step" in b)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "True True" and lines[-1] == "True"
    assert any(line.startswith("m̂ = ") for line in lines)
    assert any("10 updates" in line for line in lines)


def test_next_step_that_diverges_says_so_and_shows_what_the_trainer_keeps():
    X = np.array([[1e300, 1.0]])
    T = np.array([[1.0]])
    net = Network.from_arrays([[[-1e-300], [0.0]]], None, "sigmoid")
    trainer = Trainer(net, X, T, learning_rate=1e300, loss="half_sse")
    e = explain_next_step(trainer)
    assert e.divergence is not None and "infinite or NaN" in e.divergence
    trainer.step(1)
    np.testing.assert_array_equal(trainer.net.weights[0], e.epoch_end_weights[0])
