"""The explanation of a step whose batch is too big for one pass is computed in chunks.

The budgets are forced small (as in test_trainer_chunked) so that 53 rows go in
chunks of a few rows, and EXPLAINED_ROWS so that only some rows are held: every
number the panels show must equal the whole batch's explanation up to rounding,
the update must be the trainer's own bit for bit, rows not held are computed
again on demand, and the gradients shown pass central differences.
"""

import copy
import tracemalloc

import numpy as np
import pytest
from test_trainer_chunked import CASES, MISTAKES, N, _case_id, _chunk, _problem

from backprop_lab.core import Mistakes, Network, Trainer
from backprop_lab.core import inspect as inspect_module
from backprop_lab.core import network as network_module
from backprop_lab.core.gradcheck import gradients_agree, noise_floor
from backprop_lab.core.inspect import (
    all_parameter_refs,
    chain_rule_terms,
    explain_next_step,
    explain_step,
    hidden_delta_explanation,
    output_delta_explanation,
)
from backprop_lab.core.network import NO_MISTAKES
from backprop_lab.core.step_export import STEP_EXPORT_MAX_NUMBERS, step_numbers, write_step_csv

OPTIONS = [
    {"optimizer": "sgd"},
    {"optimizer": "sgd", "learning_rate": 1.0},
    {"optimizer": "momentum", "momentum": 0.5},
    {"optimizer": "adam", "l2": 0.01},
    {"optimizer": "rmsprop", "l1": 0.01},
    {"optimizer": "sgd", "batch_size": 30},  # the first minibatch of 30, in chunks
]


def _trainer(case, options, mistakes=NO_MISTAKES):
    net, X, T = _problem(**case)
    options = dict(options)
    lr = options.pop("learning_rate", 0.05)
    trainer = Trainer(net, X, T, lr, case["loss"], mistakes=mistakes, **options)
    trainer.step(2)  # an optimiser state, somewhere other than the initial weights
    return trainer


def _close(got, expected, rtol=1e-9):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-12 * scale)


def _pair(monkeypatch, case, options, mistakes, rows, held):
    trainer = _trainer(case, options, mistakes)
    whole = explain_next_step(trainer)
    assert whole.holds_every_sample and whole._rows is None
    _chunk(monkeypatch, rows)
    monkeypatch.setattr(inspect_module, "EXPLAINED_ROWS", held)
    chunked = explain_next_step(trainer)
    return trainer, whole, chunked


@pytest.mark.parametrize("mistakes", MISTAKES, ids=["none", "derivative", "pre_in_update"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(map(str, o.values())))
def test_chunked_explanation_equals_the_whole_batch(monkeypatch, case, options, mistakes):
    trainer, whole, chunked = _pair(monkeypatch, case, options, mistakes, rows=7, held=5)
    n = whole.n_samples
    assert chunked.n_samples == n and chunked.sample_indices == whole.sample_indices
    assert chunked.n_held == 5 and not chunked.holds_every_sample
    assert chunked.loss_value == pytest.approx(whole.loss_value, rel=1e-12)
    for name in (
        "weight_gradients",
        "data_weight_gradients",
        "bias_gradients",
        "weight_updates",
        "bias_updates",
        "new_weights",
        "new_biases",
        "epoch_end_weights",
        "epoch_end_biases",
    ):
        got, expected = getattr(chunked, name), getattr(whole, name)
        if expected is None:
            assert got is None
            continue
        for a, b in zip(got, expected, strict=True):
            _close(a, b)
    for key, arrays in whole.state_after.items():
        for a, b in zip(chunked.state_after[key], arrays, strict=True):
            _close(a, b)
    # The update is the trainer's own (chunked) step, bit for bit.
    twin = copy.deepcopy(trainer)
    twin.step(1)
    for a, b in zip(chunked.epoch_end_weights, twin.net.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    if options.get("batch_size") is None:
        for a, b in zip(chunked.new_weights, twin.net.weights, strict=True):
            np.testing.assert_array_equal(a, b)
    # What the step phases put on the nodes: batch means and sums of every row.
    for layer in range(1, whole.n_layers + 1):
        a_mean, h_mean = chunked.batch_means(layer)
        _close(a_mean, whole.pre_activations[layer - 1].mean(axis=0))
        _close(h_mean, whole.activations[layer - 1].mean(axis=0))
        _close(chunked.batch_delta_sums(layer), whole.deltas[layer - 1].sum(axis=0))
        assert whole.batch_means(layer)[0] is whole.pre_activation_means[layer - 1]
    # Rows held, and rows computed again, are the whole batch's rows.
    for l in range(whole.n_layers):
        _close(chunked.pre_activations[l], whole.pre_activations[l][:5], rtol=1e-12)
        _close(chunked.deltas[l], whole.deltas[l][:5], rtol=1e-12)
    for r in (0, 4, 5, 6, n - 1):
        got, expected = chunked.row(r), whole.row(r)
        assert got.sample == expected.sample == whole.sample_indices[r]
        _close(got.inputs, expected.inputs, rtol=0)
        _close(got.targets, expected.targets, rtol=0)
        for name in ("pre_activations", "activations", "deltas"):
            for a, b in zip(getattr(got, name), getattr(expected, name), strict=True):
                _close(a, b, rtol=1e-12)


@pytest.mark.parametrize("mistakes", MISTAKES, ids=["none", "derivative", "pre_in_update"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_chain_rule_of_any_sample_of_a_chunked_explanation(monkeypatch, case, mistakes):
    options = {"optimizer": "momentum", "momentum": 0.5}
    _, whole, chunked = _pair(monkeypatch, case, options, mistakes, rows=4, held=3)
    refs = all_parameter_refs(whole.layer_sizes, whole.old_biases is not None)
    picked = refs[:: max(1, len(refs) // 12)] + refs[-1:]
    for ref in picked:
        every = chain_rule_terms(whole, ref)
        assert len(every.samples) == every.n_samples == N
        shown = chain_rule_terms(chunked, ref)
        assert len(shown.samples) == 3 and shown.n_samples == N  # the rows held
        assert len(chain_rule_terms(chunked, ref, max_samples=2).samples) == 2
        assert shown.total == pytest.approx(every.total, rel=1e-9, abs=1e-15)
        assert shown.sample is None
        for sample in (0, 2, 3, 17, N - 1):  # held, and computed again
            got = chain_rule_terms(chunked, ref, sample=sample)
            expected = chain_rule_terms(whole, ref, sample=sample)
            assert got.sample == sample and got.n_samples == N
            (g,) = got.samples
            (e,) = expected.samples
            assert g.sample == e.sample == sample
            for name in ("pre_activation", "activation", "delta", "factor", "gradient"):
                assert getattr(g, name) == pytest.approx(getattr(e, name), rel=1e-12, abs=1e-300)
            for name in ("output_error", "derivative", "delta_sum"):
                a, b = getattr(g, name), getattr(e, name)
                assert (a is None) == (b is None)
                if a is not None:
                    assert a == pytest.approx(b, rel=1e-12, abs=1e-300)
            assert [t.product for t in g.delta_sum_terms] == pytest.approx(
                [t.product for t in e.delta_sum_terms], rel=1e-12, abs=1e-300
            )
            # Every equation still adds up, with the whole batch's N.
            assert g.delta_explanation.kind == e.delta_explanation.kind
            for eq_got, eq_expected in zip(
                g.delta_explanation.equations, e.delta_explanation.equations, strict=True
            ):
                assert eq_got.check(rel=1e-9)
                assert eq_got.formula == eq_expected.formula
                assert eq_got.value == pytest.approx(eq_expected.value, rel=1e-12, abs=1e-300)
            for eq in got.update_explanation.equations:
                assert eq.check(rel=1e-9)


def test_delta_explanations_of_rows_not_held(monkeypatch):
    case = {"loss": "mse", "output": "softmax"}
    _t, whole, chunked = _pair(monkeypatch, case, {"optimizer": "sgd"}, Mistakes(), 5, 2)
    L = whole.n_layers
    for row in (1, 2, 30):
        for unit in range(whole.layer_sizes[-1]):
            got = output_delta_explanation(chunked, row, unit)
            expected = output_delta_explanation(whole, row, unit)
            assert got.kind == expected.kind == "softmax_jacobian"
            assert got.sample == expected.sample
            assert got.delta == pytest.approx(expected.delta, rel=1e-12)
            assert all(eq.check(rel=1e-9) for eq in got.equations)
        for layer in range(1, L):
            got = hidden_delta_explanation(chunked, layer, row, 1)
            expected = hidden_delta_explanation(whole, layer, row, 1)
            assert got.delta == pytest.approx(expected.delta, rel=1e-12, abs=1e-300)
            assert all(eq.check(rel=1e-9) for eq in got.equations)
    with pytest.raises(IndexError):
        chunked.row(N)
    with pytest.raises(ValueError, match="not part of this step"):
        chain_rule_terms(chunked, all_parameter_refs(whole.layer_sizes, True)[0], sample=N)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("penalty", [(0.0, 0.0), (0.01, 0.0), (0.0, 0.05)])
def test_chunked_explained_gradients_pass_central_differences(monkeypatch, case, penalty):
    # The gradient the step phases, the chain rule and the update show, of the
    # objective the trainer minimises (computed in chunks too: the same objective).
    net, X, T = _problem(**case)
    l1, l2 = penalty
    _chunk(monkeypatch, 6)
    monkeypatch.setattr(inspect_module, "EXPLAINED_ROWS", 4)
    e = explain_step(net, X, T, case["loss"], 0.1, l1=l1, l2=l2)
    assert not e.holds_every_sample
    eps = 1e-6
    floor = noise_floor(net.objective(X, T, case["loss"], l1, l2), eps)
    shown = list(e.weight_gradients) + list(e.bias_gradients or ())
    params = list(net.weights) + list(net.biases or ())
    for param, grad in zip(params, shown, strict=True):
        flat = param.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            plus = net.objective(X, T, case["loss"], l1, l2)
            flat[i] = old - eps
            minus = net.objective(X, T, case["loss"], l1, l2)
            flat[i] = old
            numeric = (plus - minus) / (2 * eps)
            assert gradients_agree(float(grad.reshape(-1)[i]), numeric, floor), (i, grad)
    # The data loss's own gradient, shown beside the penalty's (∂E/∂w of the data loss).
    data_floor = noise_floor(net.loss(X, T, case["loss"]), eps)
    for param, grad in zip(net.weights, e.data_weight_gradients, strict=True):
        flat = param.reshape(-1)
        for i in range(0, flat.size, 3):
            old = flat[i]
            flat[i] = old + eps
            plus = net.loss(X, T, case["loss"])
            flat[i] = old - eps
            minus = net.loss(X, T, case["loss"])
            flat[i] = old
            numeric = (plus - minus) / (2 * eps)
            assert gradients_agree(float(grad.reshape(-1)[i]), numeric, data_floor), (i, grad)


def test_below_the_budget_nothing_changes_bit_for_bit():
    # One pass, every row held: the numbers are the one-pass numbers themselves.
    net, X, T = _problem(loss="cross_entropy", output="softmax")
    e = explain_step(net, X, T, "cross_entropy", 0.1)
    assert e.holds_every_sample and e._rows is None and e.n_held == N
    trace = net.forward(X)
    grads = net.backward(trace, T, "cross_entropy")
    for l in range(net.n_layers):
        np.testing.assert_array_equal(e.pre_activations[l], trace.pre_activations[l])
        np.testing.assert_array_equal(e.deltas[l], grads.deltas[l])
        np.testing.assert_array_equal(e.weight_gradients[l], grads.weights[l])
        np.testing.assert_array_equal(e.delta_sums[l], grads.deltas[l].sum(axis=0))
        np.testing.assert_array_equal(e.activation_means[l], trace.activations[l].mean(axis=0))
    assert not e.deltas[0].flags.writeable and not e.inputs.flags.writeable


def test_a_chunked_explanation_needs_memory_for_one_chunk_only(monkeypatch):
    # 2-64-64-1 on 20,000 points: a 41 MB trace and as much again in deltas; in
    # chunks of 1 MB buffers the explanation holds 400 rows and the sums.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 2))
    T = (X[:, :1] > X[:, 1:]).astype(float)
    monkeypatch.setattr(network_module, "STEP_TRACE_MAX_BYTES", 2**20)
    monkeypatch.setattr(network_module, "STEP_CHUNK_BYTES", 2**20)
    net = Network([2, 64, 64, 1], ["tanh", "tanh", "sigmoid"], seed=1)
    trainer = Trainer(net, X, T, 0.1, "cross_entropy", optimizer="adam")
    trainer.step(1)
    tracemalloc.start()
    try:
        e = explain_next_step(trainer)
        terms = chain_rule_terms(e, all_parameter_refs(net.layer_sizes, True)[300], max_samples=8)
        last = chain_rule_terms(e, terms.ref, sample=19_999)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert e.n_held == 400 and e.n_samples == 20_000
    assert len(terms.samples) == 8 and last.samples[0].sample == 19_999
    assert peak < 12 * 2**20, peak


def test_export_of_a_step_too_big_for_a_file(monkeypatch, tmp_path):
    net, X, T = _problem()
    e = explain_step(net, X, T, "half_sse", 0.1)
    path = tmp_path / "step.csv"
    assert write_step_csv(path, e) == step_numbers(e)
    assert len(path.read_text().splitlines()) == step_numbers(e) + 1
    import backprop_lab.core.step_export as step_export

    monkeypatch.setattr(step_export, "STEP_EXPORT_MAX_NUMBERS", step_numbers(e) - 1)
    with pytest.raises(ValueError, match="Choose one sample"):
        write_step_csv(tmp_path / "big.csv", e)
    assert not (tmp_path / "big.csv").exists()
    monkeypatch.undo()
    # A step explained in chunks holds some rows only: it is never written in part.
    _chunk(monkeypatch, 7)
    monkeypatch.setattr(inspect_module, "EXPLAINED_ROWS", 5)
    chunked = explain_step(net, X, T, "half_sse", 0.1)
    with pytest.raises(ValueError, match="at most"):
        write_step_csv(tmp_path / "chunked.csv", chunked)
    # The largest network on the largest data: far above the limit.
    sizes = (2, *([256] * 8), 1)
    per_sample = 2 + 1 + 3 * sum(sizes[1:])
    assert 20_000 * per_sample > 20 * STEP_EXPORT_MAX_NUMBERS
