"""Cost of one decision-boundary map: 100x100 grid, 2-8-8-1 network (target < 5 ms).

Run by hand: ``python tests/benchmarks/bench_boundary.py``.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time

import numpy as np

from backprop_lab.core.boundary import decision_map, grid_for, node_maps
from backprop_lab.core.network import Network

TARGET_MS = 5.0


def best_ms(function, repeats: int = 200) -> float:
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main() -> None:
    net = Network([2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], seed=0)
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(200, 2))
    grid_ms = best_ms(lambda: grid_for(inputs, resolution=100))
    grid = grid_for(inputs, resolution=100)
    map_ms = best_ms(lambda: decision_map(net, grid))
    exact_ms = best_ms(lambda: decision_map(net, grid, dtype=np.float64))
    nodes_ms = best_ms(lambda: node_maps(net, grid))
    total = grid_ms + map_ms
    print(f"100x100 grid:                    {grid_ms:6.3f} ms (median)")
    print(f"100x100 decision map, 2-8-8-1:   {map_ms:6.3f} ms (median, float32 display)")
    print(f"  same map in float64:           {exact_ms:6.3f} ms (median)")
    print(f"100x100 node maps (all 19 units): {nodes_ms:6.3f} ms (median)")
    verdict = "OK" if total < TARGET_MS else "TOO SLOW"
    print(f"grid + decision map per update:  {total:6.3f} ms, target < {TARGET_MS} ms: {verdict}")


if __name__ == "__main__":
    main()
