"""The gradient check and the layer statistics of data too big for one pass go in chunks.

The budgets are forced small (as in test_trainer_chunked) so that 53 rows go in
chunks of a few rows: the analytic gradient (mistakes included), the central
differences (of the same objective, computed in chunks) and the statistics
equal the whole batch's up to rounding, in memory for one chunk.
"""

import tracemalloc

import numpy as np
import pytest
from test_trainer_chunked import CASES, MISTAKES, _case_id, _chunk, _problem

from backprop_lab.core import Network
from backprop_lab.core import network as network_module
from backprop_lab.core.gradcheck import (
    analytic_gradients,
    check_cost,
    gradient_check,
    spread_parameters,
)
from backprop_lab.core.inspect import all_parameter_refs
from backprop_lab.core.layer_stats import _FIELDS, network_layer_stats
from backprop_lab.core.naming import parameter_name
from backprop_lab.core.snapshot import ParameterRef


@pytest.mark.parametrize("mistakes", MISTAKES, ids=["none", "derivative", "pre_in_update"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("penalty", [(0.0, 0.0), (0.01, 0.02)])
def test_chunked_gradient_check_equals_the_whole_batch(monkeypatch, case, mistakes, penalty):
    net, X, T = _problem(**case)
    l1, l2 = penalty
    whole = gradient_check(net, X, T, case["loss"], 1e-6, mistakes, l1, l2)
    _chunk(monkeypatch, 6)
    assert network_module.step_chunk_rows(X.shape[0], net.layer_sizes) == 6
    chunked = gradient_check(net, X, T, case["loss"], 1e-6, mistakes, l1, l2)
    assert [r.name for r in chunked] == [r.name for r in whole]
    for got, expected in zip(chunked, whole, strict=True):
        # Backprop's own gradient: a sum over rows in another order.
        assert got.analytic == pytest.approx(expected.analytic, rel=1e-9, abs=1e-14)
        # The same central difference, its rounding noise apart.
        assert abs(got.numeric - expected.numeric) <= 4 * expected.noise_floor + 1e-9 * abs(
            expected.numeric
        )
        assert got.noise_floor == pytest.approx(expected.noise_floor, rel=1e-9)
        if not mistakes.any:
            assert got.passed() and expected.passed()
    if mistakes.any:  # the mistake still shows
        assert any(not r.passed() for r in chunked)
        assert [r.passed() for r in chunked] == [r.passed() for r in whole]


@pytest.mark.parametrize("mistakes", MISTAKES, ids=["none", "derivative", "pre_in_update"])
def test_analytic_gradients_in_chunks_are_backward_of_forward(monkeypatch, mistakes):
    net, X, T = _problem(loss="cross_entropy", output="softmax")
    grads = net.backward(net.forward(X), T, "cross_entropy", mistakes, l1=0.01)
    weights, biases = analytic_gradients(net, X, T, "cross_entropy", mistakes, l1=0.01)
    for a, b in zip(weights + biases, grads.weights + grads.biases, strict=True):
        np.testing.assert_array_equal(a, b)  # one pass: the same arrays' numbers
    _chunk(monkeypatch, 1)
    weights, biases = analytic_gradients(net, X, T, "cross_entropy", mistakes, l1=0.01)
    for a, b in zip(weights + biases, grads.weights + grads.biases, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_a_check_of_some_parameters_is_those_rows_of_the_whole_check():
    net, X, T = _problem(loss="mse", output="linear")
    every = gradient_check(net, X, T, "mse")
    refs = all_parameter_refs(net.layer_sizes, True)
    assert [r.name for r in every] == [parameter_name(ref) for ref in refs]
    picked = [refs[40], refs[3], refs[-1], refs[3], refs[60]]  # any order, repeats
    rows = gradient_check(net, X, T, "mse", parameters=picked)
    by_name = {r.name: r for r in every}
    wanted = sorted({refs.index(r) for r in picked})
    assert [r.name for r in rows] == [every[i].name for i in wanted]
    for row in rows:
        assert row == by_name[row.name]
    with pytest.raises(ValueError, match="not a parameter"):
        gradient_check(net, X, T, "mse", parameters=[ParameterRef(0, 2, 0)])
    with pytest.raises(ValueError, match="no biases"):
        no_bias, X2, T2 = _problem(loss="mse", output="linear", bias=False)
        gradient_check(no_bias, X2, T2, "mse", parameters=[ParameterRef(1, None, 0)])


@pytest.mark.parametrize("count", [1, 9, 30, 10_000])
def test_spread_parameters_reach_every_layer(count):
    sizes = [2, 256, 256, 256, 1]
    refs = spread_parameters(sizes, True, count)
    layers = {r.layer for r in refs}
    assert layers == {0, 1, 2, 3}  # at least one of every layer
    every = {ref: k for k, ref in enumerate(all_parameter_refs(sizes, True))}
    positions = [every[r] for r in refs]
    assert positions == sorted(positions) and len(set(positions)) == len(refs)
    assert len(refs) <= max(count, 4)
    assert len(refs) >= min(count, len(every)) // 2
    # The largest case: one loss is 20,000 samples through 459,520 weights.
    assert check_cost([2] + [256] * 8 + [1], 20_000) == 20_000 * 459_520


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_chunked_layer_statistics_equal_the_whole_batch(monkeypatch, case):
    net, X, T = _problem(**case)
    whole = network_layer_stats(net, X, T, case["loss"], epoch=4)
    _chunk(monkeypatch, 7)
    chunked = network_layer_stats(net, X, T, case["loss"], epoch=4)
    assert chunked.epoch == 4
    for name in _FIELDS:
        got, expected = getattr(chunked, name), getattr(whole, name)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-15, err_msg=name)


def test_big_checks_need_memory_for_a_chunk_or_a_layer(monkeypatch):
    # 2-64-64-1 on 20,000 points: a 41 MB trace and as much again in deltas.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 2))
    T = (X[:, :1] > X[:, 1:]).astype(float)
    monkeypatch.setattr(network_module, "STEP_TRACE_MAX_BYTES", 2**20)
    monkeypatch.setattr(network_module, "STEP_CHUNK_BYTES", 2**20)
    net = Network([2, 64, 64, 1], ["tanh", "tanh", "sigmoid"], seed=1)
    layer = 20_000 * 64 * 8  # one layer's h(a) of every sample: 10 MB
    tracemalloc.start()
    try:
        rows = gradient_check(
            net, X, T, "cross_entropy", parameters=[ParameterRef(0, 0, 0), ParameterRef(2, 5, 0)]
        )
        _, check_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        stats = network_layer_stats(net, X, T, "cross_entropy")
        _, stats_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rows) == 2 and all(r.passed() for r in rows)
    assert stats.n_layers == 3
    assert check_peak < 8 * 2**20, check_peak
    # A percentile needs a layer's every value: two layers and a copy, not the trace.
    assert stats_peak < 4.5 * layer, stats_peak


@pytest.mark.parametrize("features", [None, ["x1", "x2", "x1_sq", "x1_x2"]])
def test_statistics_of_a_snapshot_too_big_to_keep_every_sample(monkeypatch, features):
    from backprop_lab.core import Trainer
    from backprop_lab.core import snapshot as snapshot_module
    from backprop_lab.core.layer_stats import snapshot_layer_stats

    net, X, T = _problem(loss="mse", features=features)
    trainer = Trainer(net, X, T, 0.1, "mse")
    trainer.step(3)
    whole = snapshot_layer_stats(snapshot_module.take_snapshot(trainer))
    monkeypatch.setattr(snapshot_module, "KEEP_ACTIVATIONS_BYTES", 0)
    _chunk(monkeypatch, 5)
    big = snapshot_module.take_snapshot(trainer)
    assert not big.keeps_every_sample
    stats = snapshot_layer_stats(big)
    for name in _FIELDS:
        np.testing.assert_allclose(
            getattr(stats, name), getattr(whole, name), rtol=1e-9, atol=1e-15, err_msg=name
        )
