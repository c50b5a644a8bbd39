"""A batch whose forward trace is too big to hold at once is trained in chunks of rows.

The chunked pass sums every chunk's loss total and gradients, each chunk's delta
scaled by the whole batch's normaliser, so it agrees with the whole-batch pass
up to rounding. The budgets are forced small here so that 53 rows go in
chunks of a few rows (the last one short).
"""

import copy
import tracemalloc

import numpy as np
import pytest

from backprop_lab.core import Mistakes, Network, Trainer
from backprop_lab.core import network as network_module
from backprop_lab.core.gradcheck import gradients_agree, noise_floor
from backprop_lab.core.inspect import explain_next_step
from backprop_lab.core.limits import MAX_HIDDEN_LAYERS, MAX_LAYER_SIZE, MAX_SAMPLES
from backprop_lab.core.losses import get_loss
from backprop_lab.core.network import NO_MISTAKES, TrainWorkspace, step_chunk_rows, trace_bytes
from backprop_lab.core.optimizers import regularised_gradients

N = 53
EPS = float(np.finfo(np.float64).eps)


def _problem(loss="half_sse", output="sigmoid", features=None, bias=True, n=N, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.5, 1.5, size=(n, 2))
    if output == "softmax":
        labels = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 0] > 0.5)
        T = np.eye(3)[labels]
    elif output == "sigmoid":
        T = (np.sin(2 * X[:, :1]) > X[:, 1:]).astype(float)
    else:
        T = np.column_stack([np.sin(3 * X[:, 0]), np.cos(2 * X[:, 1])])
    n_in = 2 if features is None else len(features)
    net = Network(
        [n_in, 6, 5, T.shape[1]],
        ["tanh", "relu", output],
        init="xavier",
        bias=bias,
        seed=seed,
        features=features,
        n_inputs=None if features is None else 2,
    )
    return net, X, T


def _chunk(monkeypatch, rows: int) -> None:
    # Every batch goes in chunks of `rows` rows (the workspace of a chunk is
    # bytes_needed(rows) bytes).
    monkeypatch.setattr(network_module, "STEP_TRACE_MAX_BYTES", 0)
    monkeypatch.setattr(network_module, "STEP_CHUNK_BYTES", 0)
    real = network_module.step_chunk_rows

    def fixed(n, layer_sizes):
        return None if real(n, layer_sizes) is None else min(rows, n)

    monkeypatch.setattr(network_module, "step_chunk_rows", fixed)
    import backprop_lab.core.inspect as inspect_module
    import backprop_lab.core.trainer as trainer_module

    monkeypatch.setattr(trainer_module, "step_chunk_rows", fixed)
    monkeypatch.setattr(inspect_module, "step_chunk_rows", fixed)


CASES = [
    {"loss": "half_sse"},
    {"loss": "mse"},
    {"loss": "mse", "output": "linear"},
    {"loss": "half_sse", "output": "linear", "bias": False},
    {"loss": "cross_entropy"},
    {"loss": "cross_entropy", "output": "softmax"},
    {"loss": "mse", "features": ["x1", "x2", "x1_sq", "x1_x2"]},
]
MISTAKES = [
    Mistakes(),
    Mistakes(derivative_of_pre_activation=True),
    Mistakes(pre_activation_in_update=True),
]


def _case_id(case):
    return "-".join(f"{k}={v}" for k, v in case.items())


def _whole(net, inputs, T, loss, mistakes):
    """The whole batch's loss total, gradients, and the scale of their terms."""
    loss_fn = get_loss(loss)
    trace = net._forward(inputs)
    total, delta = loss_fn.evaluate(
        trace.pre_activations[-1], trace.activations[-1], T, net._activation_objects[-1]
    )
    grads = net._backward(trace, delta, mistakes)
    # Sum over rows of |term|: what the rounding of a sum over rows is relative to.
    weight_scales = []
    for l, d in enumerate(grads.deltas):
        if l == 0:
            prev = trace.inputs
        elif mistakes.pre_activation_in_update:
            prev = trace.pre_activations[l - 1]
        else:
            prev = trace.activations[l - 1]
        weight_scales.append(np.abs(prev).T @ np.abs(d))
    bias_scales = [np.abs(d).sum(axis=0) for d in grads.deltas]
    return total, grads, weight_scales, bias_scales


def _tolerance(scale, n):
    # Reordering a sum of n terms changes it by at most about n eps times the
    # sum of their magnitudes; the deltas of a chunk may round differently by a
    # few eps too (BLAS blocks a short matrix differently).
    return 16 * (n + 16) * EPS * scale


@pytest.mark.parametrize("mistakes", MISTAKES, ids=["none", "derivative", "pre_in_update"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("rows", [1, 7, 20])
@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "allocating"])
def test_chunked_gradients_and_loss_equal_the_whole_batch(
    monkeypatch, case, mistakes, rows, buffered
):
    net, X, T = _problem(**case)
    trainer = Trainer(net, X, T, 0.1, case["loss"], mistakes=mistakes)
    trainer.step(2)  # somewhere other than the initial weights
    inputs = trainer._inputs
    total, grads, weight_scales, bias_scales = _whole(net, inputs, T, case["loss"], mistakes)
    _chunk(monkeypatch, rows)
    ws = TrainWorkspace(net, N, buffered and not mistakes.any) if buffered else None
    if ws is not None:
        assert ws.chunk_rows == ws.rows == rows and ws.enabled == (not mistakes.any)
    chunked_total, chunked = trainer._chunked_pass(inputs, T, rows, ws)
    assert abs(chunked_total - total) <= _tolerance(abs(total), N)
    for got, expected, scale in zip(chunked.weights, grads.weights, weight_scales, strict=True):
        assert np.all(np.abs(got - expected) <= _tolerance(scale, N))
    if net.biases is None:
        assert chunked.biases is None
    else:
        for got, expected, scale in zip(chunked.biases, grads.biases, bias_scales, strict=True):
            assert np.all(np.abs(got - expected) <= _tolerance(scale, N))
    # Each chunk's own normaliser instead of the batch's would be far outside.
    if case["loss"] != "half_sse":
        wrong = grads.weights[-1] * (N / rows)
        assert not np.all(np.abs(chunked.weights[-1] - wrong) <= _tolerance(weight_scales[-1], N))


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_one_chunk_is_the_allocating_pass_bit_for_bit(case):
    net, X, T = _problem(**case)
    trainer = Trainer(net, X, T, 0.1, case["loss"])
    total, grads, _, _ = _whole(net, trainer._inputs, T, case["loss"], Mistakes())
    chunked_total, chunked = trainer._chunked_pass(trainer._inputs, T, N, None)
    assert chunked_total == total
    for got, expected in zip(chunked.weights, grads.weights):
        np.testing.assert_array_equal(got, expected)
    for got, expected in zip(chunked.biases or (), grads.biases or ()):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("penalty", [(0.0, 0.0), (0.01, 0.0), (0.0, 0.05)])
def test_chunked_gradient_passes_central_differences(case, penalty):
    l1, l2 = penalty
    net, X, T = _problem(**case)
    loss = case["loss"]
    trainer = Trainer(net, X, T, 0.1, loss, l1=l1, l2=l2)
    trainer.step(2)
    _, grads = trainer._chunked_pass(trainer._inputs, T, 7, None)
    weight_grads = regularised_gradients(net.weights, grads.weights, l1, l2)
    analytic = list(weight_grads) + list(grads.biases or ())
    epsilon = 1e-6
    floor = noise_floor(net.objective(X, T, loss, l1, l2), epsilon)
    checked = 0
    for (name, param), grad in zip(net.parameter_arrays(), analytic, strict=True):
        flat, g = param.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            keep = flat[i]
            flat[i] = keep + epsilon
            up = net.objective(X, T, loss, l1, l2)
            flat[i] = keep - epsilon
            down = net.objective(X, T, loss, l1, l2)
            flat[i] = keep
            numeric = (up - down) / (2 * epsilon)
            assert gradients_agree(float(g[i]), numeric, floor), (name, i, g[i], numeric)
            checked += 1
    assert checked == net.n_parameters


OPTIONS = [
    {"optimizer": "sgd", "learning_rate": 1.0},
    {"optimizer": "sgd", "learning_rate": 0.3},
    {"optimizer": "momentum", "momentum": 0.8},
    {"optimizer": "nesterov", "momentum": 0.5},
    {"optimizer": "rmsprop"},
    {"optimizer": "adam", "l2": 0.01},
    {"optimizer": "sgd", "l1": 0.01, "schedule": "inverse_time"},
    {"optimizer": "sgd", "batch_size": 30},  # minibatches of 30 in chunks, the last of 23
    {"optimizer": "adam", "batch_size": 10},
]


def _trainer(case, options, mistakes=NO_MISTAKES, test_set=True):
    net, X, T = _problem(**case)
    options = dict(options)
    lr = options.pop("learning_rate", 0.05)
    schedule = options.pop("schedule", "constant")
    test = {"X_test": X[:17] * 0.9, "T_test": T[:17]} if test_set else {}
    return Trainer(
        net, X, T, lr, case["loss"], mistakes=mistakes, schedule=schedule, **test, **options
    )


def _close(a: Trainer, b: Trainer):
    arrays = list(zip(a.net.weights, b.net.weights))
    arrays += list(zip(a.net.biases or (), b.net.biases or ()))
    for x, y in arrays:
        # The rounding of a few epochs' sums, far below any real change.
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(y).max()))


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(map(str, o.values())))
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_chunked_training_follows_whole_batch_training(monkeypatch, case, options):
    whole = _trainer(case, options)
    whole_records = whole.step(4)
    assert whole._workspace is None or whole._workspace.chunk_rows is None
    _chunk(monkeypatch, 7)
    chunked = _trainer(case, options)
    records = chunked.step(4)
    if options.get("batch_size") is None:
        assert chunked._workspace.chunk_rows == 7
    _close(chunked, whole)
    assert len(records) == len(whole_records) == 4
    for got, expected in zip(records, whole_records):
        assert got.epoch == expected.epoch
        assert got.train_loss == pytest.approx(expected.train_loss, rel=1e-12)
        assert got.test_loss == pytest.approx(expected.test_loss, rel=1e-12)
        assert got.penalty == pytest.approx(expected.penalty, rel=1e-12)
    # The optimiser's state followed the same gradients.
    for name, arrays in whole.optimizer_state().items():
        for x, y in zip(chunked.optimizer_state()[name], arrays):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("mistakes", MISTAKES[1:], ids=["derivative", "pre_in_update"])
def test_chunked_training_with_mistakes(monkeypatch, mistakes):
    case = {"loss": "mse", "output": "linear"}
    whole = _trainer(case, {"optimizer": "momentum", "momentum": 0.5}, mistakes)
    whole_records = whole.step(3)
    _chunk(monkeypatch, 5)
    chunked = _trainer(case, {"optimizer": "momentum", "momentum": 0.5}, mistakes)
    records = chunked.step(3)
    assert not chunked._workspace.enabled and chunked._workspace.chunk_rows == 5
    _close(chunked, whole)
    for got, expected in zip(records, whole_records):
        assert got.train_loss == pytest.approx(expected.train_loss, rel=1e-12)


DIVERGING = [
    ({"loss": "half_sse", "output": "linear"}, {"learning_rate": 1e3}),
    ({"loss": "half_sse", "output": "linear"}, {"learning_rate": 1e3, "batch_size": 30}),
    (
        {"loss": "mse", "output": "linear"},
        {"optimizer": "momentum", "momentum": 0.99, "learning_rate": 300.0},
    ),
    ({"loss": "cross_entropy"}, {"learning_rate": 1e300}),
    ({"loss": "cross_entropy", "output": "softmax"}, {"learning_rate": 1e250, "batch_size": 20}),
]


@pytest.mark.parametrize(("case", "options"), DIVERGING)
def test_a_chunked_step_diverges_as_the_whole_batch_does(monkeypatch, case, options):
    whole = _trainer(case, options)
    whole_records = whole.step(60)
    assert whole.divergence is not None
    _chunk(monkeypatch, 7)
    chunked = _trainer(case, options)
    records = chunked.step(60)
    assert chunked.divergence is not None
    # The same epoch, the same kind (the loss, or a weight), undone the same way.
    assert chunked.divergence.epoch == whole.divergence.epoch
    assert (
        chunked.divergence.message.split(" in epoch")[0].split(" became")[0]
        == (whole.divergence.message.split(" in epoch")[0].split(" became")[0])
    )
    assert chunked.epoch == whole.epoch == len(records) == len(whole_records)
    assert all(np.isfinite(w).all() for w in chunked.net.weights)
    for got, expected in zip(records, whole_records):
        assert got.train_loss == pytest.approx(expected.train_loss, rel=1e-6)


def test_explain_next_step_of_a_chunked_trainer(monkeypatch):
    case = {"loss": "cross_entropy", "output": "softmax"}
    whole = _trainer(case, {"optimizer": "adam"})
    whole.step(2)
    expected = explain_next_step(whole)
    _chunk(monkeypatch, 7)
    trainer = _trainer(case, {"optimizer": "adam"})
    trainer.step(2)
    explanation = explain_next_step(trainer)
    twin = copy.deepcopy(trainer)
    twin.step(1)
    # epoch_end_* are those of the trainer's own (chunked) step, bit for bit.
    for a, b in zip(explanation.epoch_end_weights, twin.net.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(explanation.epoch_end_biases, twin.net.biases, strict=True):
        np.testing.assert_array_equal(a, b)
    # The explained numbers are the whole batch's, as before.
    assert explanation.loss_value == pytest.approx(expected.loss_value, rel=1e-12)
    for a, b in zip(explanation.weight_gradients, expected.weight_gradients):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-15)
    for a, b in zip(explanation.new_weights, twin.net.weights):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_network_loss_in_chunks(monkeypatch):
    for case in CASES:
        net, X, T = _problem(**case)
        expected = net.loss(X, T, case["loss"])
        with monkeypatch.context() as m:
            m.setattr(network_module, "STEP_TRACE_MAX_BYTES", 0)
            m.setattr(network_module, "STEP_CHUNK_BYTES", 0)  # one row at a time
            assert network_module.step_chunk_rows(N, net.layer_sizes) == 1
            assert net.loss(X, T, case["loss"]) == pytest.approx(expected, rel=1e-13)
            assert net.loss(X[:1], T[:1], case["loss"]) == pytest.approx(
                Network.loss(net, X[:1], T[:1], case["loss"]), rel=0
            )


def test_budgets():
    largest = [2] + [MAX_LAYER_SIZE] * MAX_HIDDEN_LAYERS + [1]
    # The largest network on the largest data: a 655 MB trace, trained in chunks
    # whose buffers fit the chunk budget.
    assert trace_bytes(MAX_SAMPLES, largest) > 600 * 2**20
    rows = step_chunk_rows(MAX_SAMPLES, largest)
    assert rows is not None and rows > 100
    assert TrainWorkspace.bytes_needed(rows, largest) <= network_module.STEP_CHUNK_BYTES
    assert TrainWorkspace.bytes_needed(rows + 1, largest) > network_module.STEP_CHUNK_BYTES
    # Below the budget nothing changes: the seed, 2-64-64-1 on 20,000 points.
    assert step_chunk_rows(4, [2, 3, 3, 1]) is None
    assert step_chunk_rows(MAX_SAMPLES, [2, 64, 64, 1]) is None
    n_over = network_module.STEP_TRACE_MAX_BYTES // trace_bytes(1, [2, 64, 64, 1]) + 1
    assert step_chunk_rows(n_over, [2, 64, 64, 1]) is not None


def test_a_chunked_step_needs_memory_for_one_chunk_only(monkeypatch):
    # NumPy reports its arrays to tracemalloc. 2-64-64-1 on 20,000 points has a
    # 41 MB trace (and as much again in deltas); in chunks of 1 MB buffers a
    # step needs a few MB.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 2))
    T = (X[:, :1] > X[:, 1:]).astype(float)
    monkeypatch.setattr(network_module, "STEP_TRACE_MAX_BYTES", 2**20)
    monkeypatch.setattr(network_module, "STEP_CHUNK_BYTES", 2**20)
    for mistakes in (Mistakes(), Mistakes(derivative_of_pre_activation=True)):
        net = Network([2, 64, 64, 1], ["tanh", "tanh", "sigmoid"], seed=1)
        trainer = Trainer(net, X, T, 0.1, "cross_entropy", mistakes=mistakes, optimizer="adam")
        trainer.step(1)
        tracemalloc.start()
        try:
            trainer.step(1)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert trainer._workspace.chunk_rows is not None
        assert peak < 8 * 2**20, peak


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("penalty", [(0.0, 0.0), (0.01, 0.02)])
def test_batch_gradients_in_chunks(monkeypatch, case, penalty):
    l1, l2 = penalty
    net, X, T = _problem(**case)
    trace = net.forward(X)
    expected = net.backward(trace, T, case["loss"], l1=l1, l2=l2)
    # Below the budget: exactly backward(forward(X)), deltas included.
    same = net.batch_gradients(X, T, case["loss"], l1=l1, l2=l2)
    assert len(same.deltas) == net.n_layers
    for a, b in zip(same.weights + (same.biases or []), expected.weights + (expected.biases or [])):
        np.testing.assert_array_equal(a, b)
    _, _, weight_scales, bias_scales = _whole(
        net, net.input_features(X), T, case["loss"], NO_MISTAKES
    )
    _chunk(monkeypatch, 7)
    chunked = net.batch_gradients(X, T, case["loss"], l1=l1, l2=l2)
    assert chunked.deltas == []
    for got, want, scale in zip(chunked.data_weights, expected.data_weights, weight_scales):
        assert np.all(np.abs(got - want) <= _tolerance(scale, N))
    for got, want in zip(chunked.weights, expected.weights):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    for got, want, scale in zip(chunked.biases or (), expected.biases or (), bias_scales):
        assert np.all(np.abs(got - want) <= _tolerance(scale, N))


def test_landscape_and_gradient_slice_in_chunks(monkeypatch):
    from backprop_lab.core import landscape
    from backprop_lab.core.snapshot import ParameterRef

    for case in CASES:
        net, X, T = _problem(**case)
        refs = (ParameterRef(1, 0, 1), ParameterRef(2, None, 0))
        if net.biases is None:
            refs = (ParameterRef(1, 0, 1), ParameterRef(2, 3, 0))
        whole = landscape.loss_landscape(net, X, T, case["loss"], *refs, 0.1, resolution=5)
        whole_slice = landscape.gradient_slice(net, X, T, case["loss"], 0.1, points=9)
        with monkeypatch.context() as m:
            _chunk(m, 7)
            m.setattr(landscape, "CHUNK_VALUES", 2 * N * 6)  # two step sizes at a time
            chunked = landscape.loss_landscape(net, X, T, case["loss"], *refs, 0.1, resolution=5)
            chunked_slice = landscape.gradient_slice(net, X, T, case["loss"], 0.1, points=9)
        np.testing.assert_allclose(chunked.gradient, whole.gradient, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(chunked.loss, whole.loss, rtol=1e-12)
        assert chunked.current_loss == pytest.approx(whole.current_loss, rel=1e-13)
        np.testing.assert_array_equal(chunked_slice.etas, whole_slice.etas)
        np.testing.assert_allclose(chunked_slice.loss, whole_slice.loss, rtol=1e-10)
        assert chunked_slice.gradient_norm == pytest.approx(whole_slice.gradient_norm, rel=1e-10)
