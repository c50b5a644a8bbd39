"""Benchmark: peak memory and time of the explanations and checks of one step on the
largest case the app accepts (2-256x8-1, MAX_HIDDEN_LAYERS x MAX_LAYER_SIZE, on
MAX_SAMPLES training samples).

Each case runs in a fresh subprocess. The network, data and trainer are built
first; then the peak RSS is reset (``/proc/self/clear_refs``), the case runs,
and the report is its wall time and its peak RSS (VmHWM) above the RSS before it.

Cases:

* ``explain``: ``explain_next_step`` of a full-batch trainer (what Step phases
  and the chain rule ask of the worker);
* ``explain_minibatch``: the same with minibatches of MAX_SAMPLES // 2;
* ``chain``: ``explain_next_step``, then the chain rule of one weight for the
  samples the panel writes out and for the last sample;
* ``gradcheck``: ``gradient_check`` of two parameters (the analytic gradient, the
  noise floor's loss and four losses: a whole check repeats the last part per parameter);
* ``layer_stats``: ``network_layer_stats`` (a kept epoch of the Layer statistics panel);
* ``snapshot_stats``: ``snapshot_layer_stats`` of the live snapshot.

    python tests/benchmarks/bench_inspect_memory.py [--runs 2] [CASE ...]

Run with PYTHONPATH pointing at another checkout's ``src`` to measure that code
(``gradcheck`` then stops the check after the same four losses).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import subprocess
import sys
import time

CASES = ("explain", "explain_minibatch", "chain", "gradcheck", "layer_stats", "snapshot_stats")


def _status(field: str) -> float:
    with open("/proc/self/status") as f:
        return int(re.search(rf"{field}:\s+(\d+)", f.read()).group(1)) / 1024


def _largest():
    import numpy as np

    from backprop_lab.core import Network, Trainer
    from backprop_lab.core.limits import MAX_HIDDEN_LAYERS, MAX_LAYER_SIZE, MAX_SAMPLES

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(MAX_SAMPLES, 2))
    T = (X[:, :1] * X[:, 1:] > 0).astype(float)
    sizes = [2] + [MAX_LAYER_SIZE] * MAX_HIDDEN_LAYERS + [1]
    net = Network(sizes, ["tanh"] * MAX_HIDDEN_LAYERS + ["sigmoid"], init="xavier", seed=1)
    return net, X, T, Trainer(net, X, T, 0.1, "half_sse")


def run_case(case: str) -> dict:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    net, X, T, trainer = _largest()
    prepared = None
    if case == "snapshot_stats":
        from backprop_lab.core.snapshot import take_snapshot

        prepared = take_snapshot(trainer)
    if case == "explain_minibatch":
        trainer.batch_size = X.shape[0] // 2
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status("VmRSS")
    started = time.perf_counter()
    note = ""
    if case in ("explain", "explain_minibatch", "chain"):
        from backprop_lab.core.inspect import chain_rule_terms, explain_next_step
        from backprop_lab.core.snapshot import ParameterRef

        e = explain_next_step(trainer)
        note = f"loss {e.loss_value:.6g}"
        if case == "chain":
            ref = ParameterRef(3, 5, 7)
            try:
                shown = chain_rule_terms(e, ref, max_samples=8)
            except TypeError:  # before max_samples: every sample
                shown = chain_rule_terms(e, ref)
            last = chain_rule_terms(e, ref, sample=X.shape[0] - 1)
            note += f", {len(shown.samples)} samples written, last δ {last.samples[0].delta:.6g}"
    elif case == "gradcheck":
        from backprop_lab.core import gradcheck
        from backprop_lab.core.snapshot import ParameterRef

        refs = [ParameterRef(0, 0, 0), ParameterRef(MAX := len(net.weights) - 1, 0, 0)]
        try:
            rows = gradcheck.gradient_check(net, X, T, "half_sse", parameters=refs)
        except TypeError:  # before parameters=: stop after the same number of losses
            calls = {"n": 0}
            real = net.objective

            def counted(*args, **kwargs):
                calls["n"] += 1
                if calls["n"] > 5:
                    raise StopIteration
                return real(*args, **kwargs)

            net.objective = counted
            try:
                gradcheck.gradient_check(net, X, T, "half_sse")
            except StopIteration:
                pass
            rows = []
        note = f"{len(rows)} rows (layer {MAX + 1} checked)"
        if rows:
            note += f", max rel. error {max(r.relative_error for r in rows):.2e}"
    elif case == "layer_stats":
        from backprop_lab.core.layer_stats import network_layer_stats

        stats = network_layer_stats(net, X, T, "half_sse")
        note = f"p90 of layer 8 {stats.activation_p90[7]:.6g}"
    elif case == "snapshot_stats":
        from backprop_lab.core.layer_stats import snapshot_layer_stats

        stats = snapshot_layer_stats(prepared)
        note = f"p90 of layer 8 {stats.activation_p90[7]:.6g}"
    else:
        raise SystemExit(f"unknown case {case!r}")
    wall = time.perf_counter() - started
    return {
        "case": case,
        "baseline_mb": before,
        "peak_over_baseline_mb": _status("VmHWM") - before,
        "wall_s": wall,
        "note": note,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES))
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_case(args.one)))
        return
    for run in range(1, args.runs + 1):
        for case in args.cases:
            load = os.getloadavg()[0]
            out = subprocess.run(
                [sys.executable, __file__, "--one", case],
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode != 0:
                print(f"run {run} {case}: failed\n{out.stderr[-2000:]}", flush=True)
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"run {run} {case:18s} peak +{r['peak_over_baseline_mb']:7.0f} MB over "
                f"{r['baseline_mb']:4.0f} MB  {r['wall_s']:6.1f} s  load {load:.1f}->"
                f"{os.getloadavg()[0]:.1f}  ({r['note']})",
                flush=True,
            )


if __name__ == "__main__":
    main()
