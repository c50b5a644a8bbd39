"""Benchmark: saving and opening a project with a long loss history, version 2 against
version 1 (every number a JSON list), side by side in one run, twice for the spread.

    python tests/benchmarks/bench_project_file.py [epochs]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from backprop_lab.core import Network, Project, seed_dataset
from backprop_lab.core.project_file import (
    _encode_losses_v1,
    load_project,
    project_to_dict,
    save_project,
)


def project(epochs: int) -> Project:
    net = Network([2, 3, 3, 1], "sigmoid", init="xavier", seed=1)
    rng = np.random.default_rng(0)
    history = {
        "epoch": np.arange(1, epochs + 1),
        "train_loss": rng.uniform(size=epochs),
        "test_loss": np.full(epochs, np.nan),
    }
    return Project(net, net.copy(), seed_dataset(), None, {"learning_rate": 1.0}, epochs, history)


def save_version_1(path: Path, p: Project) -> None:
    document = project_to_dict(p)
    document["version"] = 1
    document["loss_history"] = {
        "epoch": p.loss_history["epoch"].tolist(),
        "train_loss": _encode_losses_v1(p.loss_history["train_loss"]),
        "test_loss": _encode_losses_v1(p.loss_history["test_loss"]),
    }
    path.write_text(json.dumps(document))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(epochs: int = 1_000_000) -> None:
    p = project(epochs)
    with tempfile.TemporaryDirectory() as folder:
        v2, v1 = Path(folder) / "v2.bplab", Path(folder) / "v1.bplab"
        for run in (1, 2):
            save2 = timed(lambda: save_project(v2, p))
            save1 = timed(lambda: save_version_1(v1, p))
            load2 = timed(lambda: load_project(v2))
            load1 = timed(lambda: load_project(v1))
            size2 = v2.stat().st_size / 1e6
            print(
                f"run {run}, {epochs:,} epochs: save v2 {save2:.3f} s ({size2:.1f}"
                f" MB), v1 {save1:.3f} s ({v1.stat().st_size / 1e6:.1f} MB), ratio "
                f"{save1 / save2:.1f}x; open v2 {load2:.3f} s, v1 {load1:.3f} s, ratio "
                f"{load1 / load2:.1f}x"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
