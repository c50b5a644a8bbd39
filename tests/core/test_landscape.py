"""The loss landscape against the core: values, gradients, the step, the slice."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from backprop_lab.core.landscape import (
    DEFAULT_RESOLUTION,
    MIN_RESOLUTION,
    gradient_slice,
    landscape_value,
    loss_landscape,
    path_in,
    resolution_for,
)
from backprop_lab.core.network import Network
from backprop_lab.core.presets import get_preset
from backprop_lab.core.snapshot import ParameterRef, take_snapshot

W = ParameterRef


def trained(name: str, epochs: int = 15):
    trainer = get_preset(name).trainer()
    trainer.step(epochs)
    return trainer


#: (preset, ref_a, ref_b): weights in different layers, the same layer, the same
#: unit, and biases; sigmoid / tanh / softmax outputs, half_sse, mse, cross-entropy.
CASES = [
    ("seed", W(0, 0, 0), W(2, 1, 0)),
    ("seed", W(1, 0, 1), W(1, 2, 1)),
    ("xor", W(0, 1, 2), W(1, 3, 0)),
    ("xor", W(0, None, 1), W(1, None, 0)),
    ("sine", W(0, 0, 3), W(0, None, 3)),
    ("three_gaussians", W(0, 0, 0), W(1, 2, 2)),
    ("spirals", W(1, 4, 5), W(2, 0, 0)),
]


def _moved(net: Network, refs, values) -> Network:
    out = net.copy()
    for ref, v in zip(refs, values):
        if ref.source is None:
            out.biases[ref.layer][ref.target] = v
        else:
            out.weights[ref.layer][ref.source, ref.target] = v
    return out


@pytest.mark.parametrize(("preset", "ref_a", "ref_b"), CASES)
def test_value_at_the_current_point_is_the_current_loss(preset, ref_a, ref_b):
    trainer = trained(preset)
    L = loss_landscape(trainer.net, trainer.X, trainer.T, trainer.loss, ref_a, ref_b, 0.5)
    n_a, n_b = L.resolution
    assert n_a % 2 == 1 and L.values_a[n_a // 2] == L.center[0]
    assert L.current_loss == trainer.train_loss()
    assert L.loss[n_b // 2, n_a // 2] == pytest.approx(trainer.train_loss(), rel=1e-12)
    assert take_snapshot(trainer).train_loss == pytest.approx(L.current_loss, rel=1e-12)


@pytest.mark.parametrize(("preset", "ref_a", "ref_b"), CASES)
def test_grid_values_equal_the_core_loss_with_the_two_parameters_moved(preset, ref_a, ref_b):
    trainer = trained(preset)
    net = trainer.net
    L = loss_landscape(net, trainer.X, trainer.T, trainer.loss, ref_a, ref_b, 0.5, resolution=9)
    rng = np.random.default_rng(3)
    for _ in range(6):
        i, j = rng.integers(0, 9, size=2)
        values = (L.values_a[i], L.values_b[j])
        expected = _moved(net, (ref_a, ref_b), values).loss(trainer.X, trainer.T, trainer.loss)
        assert L.loss[j, i] == pytest.approx(expected, rel=1e-11, abs=1e-14)
    # the other parameters were held fixed: the network is unchanged
    assert L.center == (
        ref_a.value_in(net.weights, net.biases),
        ref_b.value_in(net.weights, net.biases),
    )


@pytest.mark.parametrize(("preset", "ref_a", "ref_b"), CASES)
def test_gradient_arrow_is_the_two_gradients_and_central_differences(preset, ref_a, ref_b):
    trainer = trained(preset)
    net, X, T = trainer.net, trainer.X, trainer.T
    lr = 0.3
    L = loss_landscape(net, X, T, trainer.loss, ref_a, ref_b, lr)
    grads = net.backward(net.forward(X), T, trainer.loss)
    expected = [
        float(grads.biases[r.layer][r.target])
        if r.source is None
        else float(grads.weights[r.layer][r.source, r.target])
        for r in (ref_a, ref_b)
    ]
    assert L.gradient == tuple(expected)
    assert L.step == (-lr * expected[0], -lr * expected[1])
    h = 1e-6
    for k, ref in enumerate((ref_a, ref_b)):
        up = list(L.center)
        down = list(L.center)
        up[k] += h
        down[k] -= h
        numeric = (
            landscape_value(net, X, T, trainer.loss, (ref_a, ref_b), up)
            - landscape_value(net, X, T, trainer.loss, (ref_a, ref_b), down)
        ) / (2 * h)
        assert numeric == pytest.approx(expected[k], rel=1e-5, abs=1e-9), ref.name


@pytest.mark.parametrize("preset", ["seed", "xor", "sine", "three_gaussians"])
def test_slice_step_point_is_the_next_steps_loss_for_sgd(preset):
    trainer = trained(preset)
    trainer.batch_size = None  # a Step is one full-batch update
    if trainer.momentum:
        trainer.momentum = 0.0
    S = gradient_slice(trainer.net, trainer.X, trainer.T, trainer.loss, trainer.learning_rate)
    assert S.etas[0] == 0.0 and S.current_loss == trainer.train_loss()
    assert trainer.learning_rate in S.etas
    after = copy.deepcopy(trainer)
    after.step(1)
    assert S.step_loss == pytest.approx(after.train_loss(), rel=1e-12, abs=1e-15)


def test_a_too_large_learning_rate_overshoots_and_climbs():
    trainer = trained("seed", 30)
    gentle = gradient_slice(trainer.net, trainer.X, trainer.T, "half_sse", 1.0, reach=2.0)
    assert not gentle.climbs
    wild = gradient_slice(trainer.net, trainer.X, trainer.T, "half_sse", 400.0)
    assert wild.overshoots and wild.climbs
    assert wild.best_eta < 400.0


def test_penalty_is_included_when_regularised():
    trainer = trained("xor")
    net, X, T = trainer.net, trainer.X, trainer.T
    a, b = W(0, 0, 0), W(0, None, 0)
    L = loss_landscape(net, X, T, "cross_entropy", a, b, 0.1, l1=0.01, l2=0.02, resolution=5)
    assert L.penalised
    assert L.current_loss == pytest.approx(net.objective(X, T, "cross_entropy", 0.01, 0.02))
    moved = _moved(net, (a, b), (L.values_a[0], L.values_b[4]))
    assert L.loss[4, 0] == pytest.approx(moved.objective(X, T, "cross_entropy", 0.01, 0.02))


def test_resolution_is_61_for_the_seed_and_coarser_for_big_networks():
    seed = trained("seed").net
    assert resolution_for(seed, 3) == DEFAULT_RESOLUTION == 61
    big = Network([2, 64, 64, 1], "tanh")
    n = resolution_for(big, 400)
    assert MIN_RESOLUTION <= n < DEFAULT_RESOLUTION and n % 2 == 1


def test_path_follows_the_snapshots():
    trainer = get_preset("seed").trainer()
    snaps = [take_snapshot(trainer)]
    for _ in range(3):
        trainer.step(1)
        snaps.append(take_snapshot(trainer))
    path = path_in(snaps, W(0, 0, 0), W(2, 0, 0))
    assert path.shape == (4, 2)
    assert path[-1, 0] == trainer.net.weights[0][0, 0]
    assert path[0, 1] == 0.1


def test_bad_choices_are_refused():
    net = trained("seed").net
    X, T = get_preset("seed").trainer().X, get_preset("seed").trainer().T
    with pytest.raises(ValueError, match="two different"):
        loss_landscape(net, X, T, "half_sse", W(0, 0, 0), W(0, 0, 0), 1.0)
    with pytest.raises(ValueError, match="no biases"):
        loss_landscape(net, X, T, "half_sse", W(0, None, 0), W(0, 0, 0), 1.0)
    with pytest.raises(ValueError, match="units"):
        loss_landscape(net, X, T, "half_sse", W(0, 5, 0), W(0, 0, 0), 1.0)
