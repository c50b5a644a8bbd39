"""The step CSV holds the core's numbers, one row per number."""

import csv

import numpy as np
import pytest

from backprop_lab.core import Network, seed_example
from backprop_lab.core.inspect import explain_step
from backprop_lab.core.presets import get_preset
from backprop_lab.core.step_export import HEADER, export_step_for_preset, write_step_csv


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == HEADER
    return rows[1:]


def values(rows, layer, quantity):
    return {
        (r[2], r[3], r[4]): float(r[5]) for r in rows if r[0] == str(layer) and r[1] == quantity
    }


def test_seed_step_csv_holds_the_cores_numbers(tmp_path):
    setup = seed_example()
    e = explain_step(setup["net"], setup["X"], setup["T"], "half_sse", 1.0)
    path = tmp_path / "step.csv"
    n = write_step_csv(path, e)
    rows = read(path)
    assert len(rows) == n
    grad = values(rows, 3, "weight_gradient")
    # Counted from 1, as everywhere: row 1, column 1 of W3 is w_11^(3).
    assert grad[("", "1", "1")] == e.weight_gradients[2][0, 0]
    assert grad[("", "1", "1")] == pytest.approx(-0.138684574, abs=1e-9)
    assert next(r[6] for r in rows if r[0] == "3" and r[1] == "weight_gradient") == "w_11^(3)"
    new_w1 = values(rows, 1, "new_weight")
    assert new_w1[("", "2", "3")] == pytest.approx(0.10034179, abs=1e-8)
    deltas = values(rows, 2, "delta")
    for n_ in range(3):
        for j in range(3):
            assert deltas[(str(n_ + 1), str(j + 1), "")] == e.deltas[1][n_, j]
    acts = values(rows, 1, "activation")
    assert acts[("3", "2", "")] == e.activations[0][2, 1]
    assert values(rows, 0, "input")[("2", "2", "")] == setup["X"][1, 1]
    # 3 samples: 6 inputs + 3 targets; per layer 3 x (a, h, delta) x units; 4 x weights
    assert n == 6 + 3 + 3 * 3 * (3 + 3 + 1) + 4 * (6 + 9 + 3)


def test_biases_and_one_sample(tmp_path):
    net = Network([2, 2, 1], "sigmoid", bias=True, seed=2)
    setup = seed_example()
    e = explain_step(net, setup["X"], setup["T"], "half_sse", 0.5, sample=2)
    path = tmp_path / "one.csv"
    write_step_csv(path, e)
    rows = read(path)
    assert {r[2] for r in rows if r[1] == "delta"} == {"3"}
    assert values(rows, 1, "new_bias")[("", "2", "")] == e.new_biases[0][1]
    assert values(rows, 2, "bias_gradient")[("", "1", "")] == e.bias_gradients[1][0]
    assert {r[6] for r in rows if r[1] == "new_bias"} == {"b_1^(1)", "b_2^(1)", "b_1^(2)"}


def test_export_for_preset_writes_the_first_step(tmp_path):
    path = tmp_path / "preset.csv"
    e = export_step_for_preset("seed", path)
    rows = read(path)
    assert values(rows, 3, "new_weight")[("", "3", "1")] == pytest.approx(0.23868457, abs=1e-8)
    np.testing.assert_array_equal(
        e.new_weights[2][2, 0], values(rows, 3, "new_weight")[("", "3", "1")]
    )
    with pytest.raises(ValueError, match="unknown preset"):
        export_step_for_preset("no such preset", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_export_for_another_preset_uses_that_presets_network_and_training_set(tmp_path):
    path = tmp_path / "xor.csv"
    e = export_step_for_preset("xor", path)
    trainer = get_preset("xor").trainer()
    assert e.layer_sizes == tuple(trainer.net.layer_sizes) == (2, 4, 1)
    assert e.n_samples == len(trainer.X) == 160  # 200 points, 20 % held out for testing
    rows = read(path)
    assert {r[2] for r in rows if r[1] == "delta"} == {str(n) for n in range(1, 161)}
    trainer.step(1)
    np.testing.assert_array_equal(e.new_weights[0], trainer.net.weights[0])


def test_unwritable_path_gives_a_clear_error(tmp_path):
    e = explain_step(seed_example()["net"], seed_example()["X"], seed_example()["T"])
    with pytest.raises(OSError, match="could not write the step"):
        write_step_csv(tmp_path / "missing" / "dir" / "x.csv", e)
