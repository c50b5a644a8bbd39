"""Epochs per second of this checkout's core against an older commit's, side by side.

Run by hand (never collected by the test command), from the repository::

    python tests/benchmarks/bench_core_history.py            # against e8ada2c (0.1.0's core)
    python tests/benchmarks/bench_core_history.py REV [RUNS]

The older ``src/backprop_lab/core`` is read with ``git archive`` into a
temporary package, so both cores are imported in one process; both train the
same networks on the same data with one BLAS thread, in alternating rounds, and
the best of five rounds counts. The cases are bench_core.py's (the seed example
and 2-64-64-1 tanh on 1,000 points), with the final losses checked equal.
"""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import backprop_lab.core as current

REPO = Path(__file__).resolve().parents[2]


def load_core(rev: str):
    """The core package of commit ``rev``, importable as ``_bench_old.core``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "src/backprop_lab/core"],
        check=True,
        capture_output=True,
    ).stdout
    root = Path(tempfile.mkdtemp(prefix="bench_core_history_"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        # our own repository's files; the filter argument exists from Python 3.10.12/3.11.4
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(root, **safe)
    package = root / "_bench_old"
    (root / "src" / "backprop_lab").rename(package)
    (package / "__init__.py").write_text(f'__version__ = "{rev}"\n')
    sys.path.insert(0, str(root))
    return importlib.import_module("_bench_old.core")


def big_rate(core, epochs=150):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(1000, 2))
    T = np.sin(3 * X[:, :1]) * np.cos(2 * X[:, 1:])
    net = core.Network([2, 64, 64, 1], ["tanh", "tanh", "linear"], init="xavier", seed=0)
    trainer = core.Trainer(net, X, T, learning_rate=0.05, loss="mse")
    start = time.perf_counter()
    records = trainer.step(epochs)
    return epochs / (time.perf_counter() - start), records[-1].train_loss


def seed_rate(core, epochs=3000):
    trainer = core.Trainer(**core.seed_example())
    start = time.perf_counter()
    records = trainer.step(epochs)
    return epochs / (time.perf_counter() - start), records[-1].train_loss


CASES = (("seed 2-3-3-1, 3 samples", seed_rate), ("2-64-64-1 tanh, 1000", big_rate))


def main() -> None:
    rev = sys.argv[1] if len(sys.argv) > 1 else "e8ada2c"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    old = load_core(rev)
    print(f"{'run':4} {'case':28} {rev + ' ep/s':>14} {'this ep/s':>10} {'this/old':>9}")
    with threadpool_limits(limits=1):
        for run in range(1, runs + 1):
            for name, fn in CASES:
                best_old = best_new = 0.0
                for _ in range(5):
                    rate_old, loss_old = fn(old)
                    rate_new, loss_new = fn(current)
                    if loss_old != loss_new:
                        raise SystemExit(f"{name}: losses differ, {loss_old!r} vs {loss_new!r}")
                    best_old, best_new = max(best_old, rate_old), max(best_new, rate_new)
                ratio = best_new / best_old
                print(f"{run:<4} {name:28} {best_old:14.0f} {best_new:10.0f} {ratio:9.2f}")


if __name__ == "__main__":
    main()
