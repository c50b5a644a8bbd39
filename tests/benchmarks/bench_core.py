"""Epochs per second of the core's Trainer against a minimal hand-written NumPy loop.

Run by hand (never collected by the test command)::

    python tests/benchmarks/bench_core.py

Both sides train the same network on the same data, side by side in one run,
with BLAS limited to one thread (docs/architecture.md, Threads); each side is timed in
alternating rounds and the best round counts, which cancels most of the noise
of a shared machine. The minimal loop computes the loss every epoch too,
because the Trainer reports it every epoch.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from backprop_lab.core import Network, Trainer, seed_example


def minimal_seed_loop(X, T, epochs):
    """The seed's 2-3-3-1 sigmoid loop, written correctly, reporting the loss."""
    W1 = np.full((2, 3), 0.1)
    W2 = np.full((3, 3), 0.1)
    W3 = np.full((3, 1), 0.1)
    losses = np.empty(epochs)
    for e in range(epochs):
        h1 = 1 / (1 + np.exp(-(X @ W1)))
        h2 = 1 / (1 + np.exp(-(h1 @ W2)))
        P = 1 / (1 + np.exp(-(h2 @ W3)))
        diff = P - T
        losses[e] = 0.5 * np.sum(diff * diff)
        d3 = diff * P * (1 - P)
        d2 = (d3 @ W3.T) * h2 * (1 - h2)
        d1 = (d2 @ W2.T) * h1 * (1 - h1)
        W3 = W3 - h2.T @ d3
        W2 = W2 - h1.T @ d2
        W1 = W1 - X.T @ d1
    return losses


def minimal_tanh_loop(X, T, weights, biases, learning_rate, epochs):
    """A 2-64-64-1 network: tanh hidden layers, linear output, biases, mse."""
    W1, W2, W3 = (w.copy() for w in weights)
    b1, b2, b3 = (b.copy() for b in biases)
    n = X.shape[0]
    losses = np.empty(epochs)
    for e in range(epochs):
        h1 = np.tanh(X @ W1 + b1)
        h2 = np.tanh(h1 @ W2 + b2)
        P = h2 @ W3 + b3
        diff = P - T
        losses[e] = np.sum(diff * diff) / n
        d3 = 2 * diff / n
        d2 = (d3 @ W3.T) * (1 - h2 * h2)
        d1 = (d2 @ W2.T) * (1 - h1 * h1)
        W3 = W3 - learning_rate * (h2.T @ d3)
        b3 = b3 - learning_rate * d3.sum(0)
        W2 = W2 - learning_rate * (h1.T @ d2)
        b2 = b2 - learning_rate * d2.sum(0)
        W1 = W1 - learning_rate * (X.T @ d1)
        b1 = b1 - learning_rate * d1.sum(0)
    return losses


def _rate(fn, epochs):
    start = time.perf_counter()
    fn(epochs)
    return epochs / (time.perf_counter() - start)


def compare(name, core_fn, minimal_fn, epochs, rounds=5):
    core_best = minimal_best = 0.0
    for _ in range(rounds):
        core_best = max(core_best, _rate(core_fn, epochs))
        minimal_best = max(minimal_best, _rate(minimal_fn, epochs))
    return name, core_best, minimal_best, core_best / minimal_best


def main() -> None:
    rows = []
    with threadpool_limits(limits=1):
        # (a) the seed example
        setup = seed_example()
        X, T = setup["X"], setup["T"]

        def core_seed(epochs):
            Trainer(**seed_example()).step(epochs)

        # Same numbers on both sides, checked before timing.
        reference = minimal_seed_loop(X, T, 50)
        check = [r.train_loss for r in Trainer(**seed_example()).step(50)]
        np.testing.assert_allclose(check, reference, rtol=1e-12)
        rows.append(
            compare(
                "seed 2-3-3-1, 3 samples", core_seed, lambda e: minimal_seed_loop(X, T, e), 3000
            )
        )

        # (b) 2-64-64-1 tanh on 1,000 points
        rng = np.random.default_rng(0)
        Xb = rng.uniform(-1, 1, size=(1000, 2))
        Tb = np.sin(3 * Xb[:, :1]) * np.cos(2 * Xb[:, 1:])
        net0 = Network([2, 64, 64, 1], ["tanh", "tanh", "linear"], init="xavier", seed=0)

        def core_big(epochs):
            Trainer(net0.copy(), Xb, Tb, learning_rate=0.05, loss="mse").step(epochs)

        def minimal_big(epochs):
            minimal_tanh_loop(Xb, Tb, net0.weights, net0.biases, 0.05, epochs)

        reference = minimal_tanh_loop(Xb, Tb, net0.weights, net0.biases, 0.05, 5)
        check = [r.train_loss for r in Trainer(net0.copy(), Xb, Tb, 0.05, "mse").step(5)]
        np.testing.assert_allclose(check, reference, rtol=1e-10)
        rows.append(compare("2-64-64-1 tanh, 1000 points", core_big, minimal_big, 150))

    targets = {"seed 2-3-3-1, 3 samples": 0.7, "2-64-64-1 tanh, 1000 points": 0.9}
    print(f"{'case':32} {'core ep/s':>12} {'minimal ep/s':>13} {'ratio':>7} {'target':>7}")
    for name, core, minimal, ratio in rows:
        flag = "ok" if ratio >= targets[name] else "BELOW"
        target = ">=" + str(targets[name])
        print(f"{name:32} {core:12.0f} {minimal:13.0f} {ratio:7.2f} {target:>7} {flag}")


if __name__ == "__main__":
    main()
