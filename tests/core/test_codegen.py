"""Export as code: the exported scripts, run in a subprocess, print the core's losses.

Every activation, loss and optimiser setting the core offers appears in at least
one case; each case runs 100 epochs and must agree with the core to 1e-9
(float64). All scripts of one framework run in one subprocess (runpy, one
interpreter start and one ``import torch`` for all of them).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop_lab.core.codegen import (
    CodegenError,
    ExportedSession,
    export_code,
    parse_printed_losses,
    write_code,
)
from backprop_lab.core.network import Network
from backprop_lab.core.presets import PRESETS, get_preset

EPOCHS = 100
TOLERANCE = 1e-9

HAS_TORCH = importlib.util.find_spec("torch") is not None

_RUNNER = r"""
import contextlib, io, json, runpy, sys
out = {}
for path in json.loads(sys.argv[1]):
    buffer = io.StringIO()
    sys.argv = [path]
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(path, run_name="__main__")
    out[path] = buffer.getvalue()
print(json.dumps(out))
"""


def run_scripts(paths: list[Path]) -> dict[str, str]:
    """Run every script in one fresh interpreter; what each printed, by path."""
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps([str(p) for p in paths])],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def _data(n: int, n_in: int, n_out: int, kind: str, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, n_in))
    if kind == "onehot":
        T = np.eye(n_out)[rng.integers(0, n_out, size=n)]
    elif kind == "binary":
        T = (rng.uniform(size=(n, n_out)) > 0.5).astype(float)
    else:
        T = rng.uniform(0.1, 0.9, size=(n, n_out))
    return X, T


class _Set:
    def __init__(self, X, T):
        self.inputs, self.targets = X, T


def _case(
    hidden,
    output,
    loss,
    *,
    sizes=(2, 4, 3),
    bias=True,
    momentum=0.0,
    batch=None,
    lr=0.3,
    test=False,
    init="xavier",
    seed=1,
    features=None,
    **options,
):
    n_out = sizes[-1]
    kind = "onehot" if output == "softmax" else ("binary" if loss == "cross_entropy" else "real")
    n_data = 2 if features else sizes[0]
    if features:
        sizes = (len(features), *sizes[1:])
    X, T = _data(12, n_data, n_out, kind, seed)
    net = Network(
        list(sizes),
        [*([hidden] * (len(sizes) - 2)), output],
        init=init,
        bias=bias,
        seed=seed,
        features=features,
        n_inputs=n_data if features else None,
    )
    settings = {
        "loss": loss,
        "learning_rate": lr,
        "batch_size": batch,
        "momentum": momentum,
        "init_seed": seed,
        **options,
    }
    test_set = _Set(*_data(5, n_data, n_out, kind, seed + 7)) if test else None
    return ExportedSession.from_parts(net, _Set(X, T), test_set, settings, title="case")


#: Each hidden activation, each output activation with each loss it allows,
#: momentum, minibatches (incl. a short last batch), no bias, a test set.
CASES = {
    "sigmoid-sigmoid-half_sse": _case("sigmoid", "sigmoid", "half_sse", sizes=(2, 3, 1), lr=1.0),
    "tanh-sigmoid-mse-momentum": _case("tanh", "sigmoid", "mse", momentum=0.9),
    "relu-linear-mse-minibatch": _case("relu", "linear", "mse", batch=5, lr=0.05),
    "linear-tanh-half_sse-nobias": _case("linear", "tanh", "half_sse", bias=False, lr=0.05),
    "relu-relu-mse": _case("relu", "relu", "mse", lr=0.1, init="he"),
    "tanh-softmax-mse": _case("tanh", "softmax", "mse", lr=1.0),
    "sigmoid-softmax-half_sse-online": _case("sigmoid", "softmax", "half_sse", batch=1, lr=0.2),
    "tanh-sigmoid-ce-minibatch-momentum-test": _case(
        "tanh", "sigmoid", "cross_entropy", batch=4, momentum=0.5, test=True
    ),
    "relu-softmax-ce-deep": _case(
        "relu", "softmax", "cross_entropy", sizes=(3, 5, 4, 3), lr=0.2, test=True
    ),
    "sigmoid-linear-half_sse-3layers": _case(
        "sigmoid", "linear", "half_sse", sizes=(2, 3, 3, 1), lr=0.1, init="uniform"
    ),
    # the activations of issue 14, hidden and as outputs
    "leaky_relu-elu-mse": _case("leaky_relu", "elu", "mse", lr=0.05, init="he"),
    "elu-softplus-half_sse": _case("elu", "softplus", "half_sse", lr=0.02),
    "softplus-leaky_relu-mse": _case("softplus", "leaky_relu", "mse", lr=0.05),
    "sine-gaussian-mse": _case("sine", "gaussian", "mse", lr=0.2),
    "gaussian-sine-half_sse": _case("gaussian", "sine", "half_sse", lr=0.05),
    "step-sigmoid-ce": _case("step", "sigmoid", "cross_entropy", sizes=(2, 4, 1), lr=0.5),
    "tanh-step-mse": _case("tanh", "step", "mse", lr=0.5),
    # the optimisers, schedules and penalties
    "nesterov-step-schedule": _case(
        "tanh",
        "sigmoid",
        "mse",
        lr=0.5,
        optimizer="nesterov",
        momentum=0.8,
        batch=5,
        schedule="step",
        schedule_params={"drop": 0.5, "every": 30},
    ),
    "momentum-inverse_time-l2": _case(
        "relu",
        "linear",
        "mse",
        lr=0.05,
        momentum=0.9,
        schedule="inverse_time",
        schedule_params={"decay": 0.05},
        l2=0.01,
        init="he",
    ),
    "rmsprop-minibatch-l1": _case(
        "tanh",
        "sigmoid",
        "cross_entropy",
        sizes=(2, 4, 1),
        lr=0.01,
        optimizer="rmsprop",
        rho=0.85,
        epsilon=1e-7,
        batch=4,
        l1=0.003,
        test=True,
    ),
    "adam-l1-l2-step": _case(
        "elu",
        "softmax",
        "cross_entropy",
        lr=0.01,
        optimizer="adam",
        beta1=0.8,
        beta2=0.99,
        l1=0.001,
        l2=0.002,
        schedule="step",
        schedule_params={"drop": 0.7, "every": 20},
    ),
    "adam-online-nobias": _case(
        "sigmoid",
        "sigmoid",
        "half_sse",
        sizes=(2, 3, 1),
        bias=False,
        lr=0.02,
        optimizer="adam",
        batch=1,
    ),
    "sgd-inverse_time": _case(
        "sigmoid", "sigmoid", "half_sse", sizes=(2, 3, 1), lr=2.0, schedule="inverse_time"
    ),
    # feature inputs: the script computes them from the raw data columns
    "features-playground": _case(
        "tanh",
        "sigmoid",
        "cross_entropy",
        sizes=(0, 3, 1),
        lr=0.3,
        test=True,
        features=["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"],
    ),
}


def test_the_cases_cover_everything_the_core_offers():
    from backprop_lab.core.activations import ACTIVATIONS
    from backprop_lab.core.losses import LOSSES
    from backprop_lab.core.optimizers import OPTIMIZERS, SCHEDULES

    sessions = list(CASES.values())
    assert {a for s in sessions for a in s.activations} == set(ACTIVATIONS)
    assert {s.loss for s in sessions} == set(LOSSES)
    assert {s.optimizer for s in sessions} == set(OPTIMIZERS)
    assert {s.schedule for s in sessions} == set(SCHEDULES)
    assert any(s.l1 for s in sessions) and any(s.l2 for s in sessions)
    assert any(s.features for s in sessions)
    assert any(not s.full_batch for s in sessions) and any(s.biases is None for s in sessions)


def _check_losses(printed: str, session: ExportedSession) -> None:
    got = parse_printed_losses(printed)
    expected = session.reference_losses(EPOCHS)
    assert len(got) == EPOCHS
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE, atol=TOLERANCE)


def _export_all(tmp_path: Path, framework: str, data: str) -> dict[str, Path]:
    paths = {}
    for name, session in CASES.items():
        path = tmp_path / f"{name.replace('-', '_')}_{framework}.py"
        write_code(session, path, framework, epochs=EPOCHS, data=data)
        paths[name] = path
    for name in PRESETS:
        path = tmp_path / f"preset_{name}_{framework}.py"
        write_code(ExportedSession.from_preset(get_preset(name)), path, framework, EPOCHS, data)
        paths[f"preset:{name}"] = path
    return paths


def _session(name: str) -> ExportedSession:
    if name.startswith("preset:"):
        return ExportedSession.from_preset(get_preset(name.split(":", 1)[1]))
    return CASES[name]


@pytest.mark.parametrize("data", ["embed", "csv"])
def test_numpy_scripts_print_the_cores_losses(tmp_path, data):
    paths = _export_all(tmp_path, "numpy", data)
    outputs = run_scripts(list(paths.values()))
    for name, path in paths.items():
        _check_losses(outputs[str(path)], _session(name))


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed (pip install torch==2.13.0)")
def test_pytorch_scripts_print_the_cores_losses(tmp_path):
    paths = _export_all(tmp_path, "pytorch", "embed")
    outputs = run_scripts(list(paths.values()))
    for name, path in paths.items():
        _check_losses(outputs[str(path)], _session(name))


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed (pip install torch==2.13.0)")
def test_pytorch_script_reads_its_csv(tmp_path):
    session = CASES["tanh-sigmoid-ce-minibatch-momentum-test"]
    path = tmp_path / "ce.py"
    write_code(session, path, "pytorch", epochs=EPOCHS, data="csv")
    _check_losses(run_scripts([path])[str(path)], session)


def test_test_loss_is_printed_and_matches_the_core(tmp_path):
    session = CASES["tanh-sigmoid-ce-minibatch-momentum-test"]
    path = tmp_path / "t.py"
    write_code(session, path, "numpy", epochs=5)
    printed = run_scripts([path])[str(path)]
    test_losses = [float(line.split()[-1]) for line in printed.splitlines()]
    expected = [r.test_loss for r in session.trainer().step(5)]
    np.testing.assert_allclose(test_losses, expected, rtol=TOLERANCE)


def test_csv_mode_writes_exact_data_beside_the_script(tmp_path):
    session = CASES["relu-softmax-ce-deep"]
    written = write_code(session, tmp_path / "deep.py", "numpy", data="csv")
    assert [p.name for p in written] == ["deep.py", "deep_train.csv", "deep_test.csv"]
    table = np.loadtxt(tmp_path / "deep_train.csv", delimiter=",", skiprows=1, ndmin=2)
    np.testing.assert_array_equal(table[:, :3], session.X)
    np.testing.assert_array_equal(table[:, 3:], session.T)
    header = (tmp_path / "deep_train.csv").read_text().splitlines()[0]
    assert header == "x1,x2,x3,t1,t2,t3"
    assert "np.loadtxt" in written[0].read_text()


def test_initial_weights_are_written_exactly():
    session = _case("tanh", "sigmoid", "mse")
    code = export_code(session, "numpy")
    namespace: dict = {}
    tree = ast.parse(code)
    # Evaluate only the weight assignments (W1 = np.array(...)).
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "")[:1] in "Wb":
            name = node.targets[0].id
            if name[1:].isdigit():
                exec(compile(ast.Module([node], []), "<w>", "exec"), {"np": np}, namespace)
    for l, w in enumerate(session.weights, start=1):
        np.testing.assert_array_equal(namespace[f"W{l}"], w)
    for l, b in enumerate(session.biases, start=1):
        np.testing.assert_array_equal(namespace[f"b{l}"], b)


@pytest.mark.parametrize("framework", ["numpy", "pytorch"])
def test_scripts_are_readable_and_say_what_they_rebuild(framework):
    session = ExportedSession.from_preset(get_preset("spirals"))
    code = export_code(session, framework)
    ast.parse(code)
    assert code.startswith("#!/usr/bin/env python3\n")
    assert "Network: 2-16-16-1, activations tanh, tanh, sigmoid, with biases" in code
    assert "momentum 0.9" in code
    assert "default_rng(0).permutation" not in code or session.full_batch is False
    assert max(len(line) for line in code.splitlines() if "[" not in line) <= 100
    if framework == "pytorch":
        assert "groups = model.parameters()" in code
        assert "torch.optim.SGD(groups, lr=LEARNING_RATE, momentum=MOMENTUM)" in code
        assert "(so v = -η buf)" in code  # the momentum-form note
        assert "nn.BCEWithLogitsLoss()" in code
        assert "nn.Tanh()" in code
    else:
        assert "import torch" not in code
        assert "def backward(" in code


def test_pytorch_notes_half_sse_convention():
    code = export_code(ExportedSession.from_preset(get_preset("seed")), "pytorch")
    assert "reduction='sum' and the 1/2" in code
    assert 'reduction="sum"' in code


def test_epochs_option_of_the_script(tmp_path):
    session = ExportedSession.from_preset(get_preset("seed"))
    path = tmp_path / "seed.py"
    write_code(session, path, "numpy", epochs=100)
    proc = subprocess.run(
        [sys.executable, str(path), "--epochs", "7"], capture_output=True, text=True, check=True
    )
    losses = parse_printed_losses(proc.stdout)
    np.testing.assert_allclose(losses, session.reference_losses(7), rtol=TOLERANCE)
    assert round(losses[0], 6) == 0.189265  # the Trainer docstring's first seed loss


def test_divergence_stops_the_script(tmp_path):
    session = _case("relu", "linear", "mse", lr=500.0, init="he")
    path = tmp_path / "boom.py"
    write_code(session, path, "numpy", epochs=100)
    printed = run_scripts([path])[str(path)]
    assert "diverged" in printed.splitlines()[-1]
    records = session.trainer().step(100)
    assert 0 < len(records) < 100
    # The app undoes the full-batch step that made the loss non-finite, so it
    # keeps one epoch fewer than the script printed before it stopped.
    printed_losses = parse_printed_losses(printed)
    assert len(printed_losses) == len(records) + 1
    np.testing.assert_allclose(printed_losses[:-1], [r.train_loss for r in records], rtol=TOLERANCE)


def test_bad_requests_are_refused():
    session = ExportedSession.from_preset(get_preset("seed"))
    with pytest.raises(CodegenError, match="framework"):
        export_code(session, "jax")
    with pytest.raises(CodegenError, match="at least 1 epoch"):
        export_code(session, "numpy", epochs=0)
    with pytest.raises(CodegenError, match="data mode"):
        write_code(session, "x.py", data="zip")


@pytest.mark.parametrize("name", ["adam-l1-l2-step", "momentum-inverse_time-l2"])
def test_regularised_scripts_print_the_cores_penalty(tmp_path, name):
    session = CASES[name]
    path = tmp_path / "reg.py"
    write_code(session, path, "numpy", epochs=20)
    printed = run_scripts([path])[str(path)]
    penalties = [float(line.split()[-1]) for line in printed.splitlines()]
    expected = [r.penalty for r in session.trainer().step(20)]
    assert expected[0] > 0
    np.testing.assert_allclose(penalties, expected, rtol=TOLERANCE)


def test_the_readmes_export_example_prints_what_it_says():
    readme = Path(__file__).resolve().parents[2] / "README.md"
    if not readme.exists():
        pytest.skip("run from a source checkout")
    shown = parse_printed_losses(readme.read_text(encoding="utf-8"))
    assert len(shown) == 2
    assert shown == [
        float(f"{x:.15g}")
        for x in ExportedSession.from_preset(get_preset("seed")).reference_losses(2)
    ]
