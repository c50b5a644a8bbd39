"""Export a session as a standalone NumPy or PyTorch script that trains it again.

The script rebuilds everything the app trains with: the architecture and its
activations, the exact initial weights (written with ``repr``, so they read
back bit for bit), the data (embedded in the script or in CSV files written
beside it), the loss, the optimiser with its hyperparameters, the batch size
and the shuffling seed. It then trains for a number of epochs and prints the
loss of every epoch, the same numbers the app's loss plot shows (float64; the
NumPy script to rounding, the PyTorch one to about 1e-12).

What each activation, loss and optimiser looks like in the script is kept in
tables (:data:`NUMPY_ACTIVATIONS`, :data:`TORCH_ACTIVATIONS`, ...), so a new
one is one entry per table.

Examples
--------
>>> from backprop_lab.core.presets import get_preset
>>> session = ExportedSession.from_preset(get_preset("seed"))
>>> code = export_code(session, "numpy", epochs=3)
>>> "def forward(" in code and "W1 = np.array(" in code
True
"""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import __version__
from .network import Network
from .trainer import Trainer

Array = npt.NDArray[np.float64]

#: The frameworks :func:`export_code` writes for.
FRAMEWORKS = ("numpy", "pytorch")

#: How the data reaches the script: inside it, or in CSV files beside it.
DATA_MODES = ("embed", "csv")

#: Epochs the exported script trains unless told otherwise.
DEFAULT_EPOCHS = 100


class CodegenError(ValueError):
    """The session cannot be exported (e.g. a setting the script does not know)."""


# ============================================================== the session
@dataclass(frozen=True, eq=False)
class ExportedSession:
    """Everything an exported script needs to train a session again.

    Attributes
    ----------
    weights, biases
        The initial weights (epoch 0, what Reset returns to); ``weights[l]`` is
        (n_in, n_out), biases None for a network without biases.
    activations
        One name per layer after the input.
    X, T
        Training inputs and targets.
    X_test, T_test
        The test set, or None.
    loss
        ``"half_sse"``, ``"mse"`` or ``"cross_entropy"``.
    learning_rate, batch_size, momentum
        As the :class:`~backprop_lab.core.trainer.Trainer` takes them.
    seed
        Seed of the minibatch shuffling.
    input_names, target_names
        Column names, for comments and the CSV header.
    title
        What the session is, e.g. ``"XOR"``, for the script's docstring.
    """

    weights: tuple[Array, ...]
    biases: tuple[Array, ...] | None
    activations: tuple[str, ...]
    X: Array
    T: Array
    X_test: Array | None = None
    T_test: Array | None = None
    loss: str = "half_sse"
    learning_rate: float = 0.1
    batch_size: int | None = None
    momentum: float = 0.0
    seed: int = 0
    input_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    title: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.loss not in LOSS_NOTES:
            raise CodegenError(f"cannot export the loss {self.loss!r}")
        for name in self.activations:
            if name not in NUMPY_ACTIVATIONS:
                raise CodegenError(f"cannot export the activation {name!r}")
        if not self.input_names:
            object.__setattr__(
                self, "input_names", tuple(f"x{i + 1}" for i in range(self.X.shape[1]))
            )
        if not self.target_names:
            object.__setattr__(
                self, "target_names", tuple(f"t{i + 1}" for i in range(self.T.shape[1]))
            )

    # ------------------------------------------------------------ builders
    @classmethod
    def from_parts(
        cls,
        initial_network: Network,
        train,
        test=None,
        settings: dict[str, Any] | None = None,
        title: str = "",
    ) -> ExportedSession:
        """From the initial network, the datasets and the app's settings dict.

        ``train`` and ``test`` are :class:`~backprop_lab.core.data.Dataset`
        objects (or anything with ``inputs`` / ``targets``); the shuffling seed
        is the initialisation seed, as in the app.
        """
        settings = dict(settings or {})
        X, T = _as_2d(train.inputs), _as_2d(train.targets)
        Xt = Tt = None
        if test is not None and len(test.inputs):
            Xt, Tt = _as_2d(test.inputs), _as_2d(test.targets)
        seed = settings.get("init_seed")
        batch = settings.get("batch_size")
        return cls(
            weights=tuple(np.array(w, dtype=np.float64) for w in initial_network.weights),
            biases=None
            if initial_network.biases is None
            else tuple(np.array(b, dtype=np.float64) for b in initial_network.biases),
            activations=tuple(initial_network.activations),
            X=X,
            T=T,
            X_test=Xt,
            T_test=Tt,
            loss=str(settings.get("loss", "half_sse")),
            learning_rate=float(settings.get("learning_rate", 0.1)),
            batch_size=None if batch is None else int(batch),
            momentum=float(settings.get("momentum", 0.0)),
            seed=0 if seed is None else int(seed),
            input_names=tuple(getattr(train, "input_names", ()) or ()),
            target_names=tuple(getattr(train, "target_names", ()) or ()),
            title=title or str(getattr(train, "name", "") or ""),
        )

    @classmethod
    def from_preset(cls, preset, data_seed: int = 0) -> ExportedSession:
        """The session the app opens for a :class:`~backprop_lab.core.presets.Preset`."""
        train, test = preset.datasets(data_seed)
        net = preset.network(train.n_inputs, train.n_outputs)
        return cls.from_parts(net, train, test, preset.settings(), title=preset.name)

    @classmethod
    def from_project(cls, project) -> ExportedSession:
        """From a :class:`~backprop_lab.core.project_file.Project` (its initial weights)."""
        return cls.from_parts(
            project.initial_network, project.train, project.test, project.settings
        )

    # ------------------------------------------------------------ reference
    @property
    def layer_sizes(self) -> list[int]:
        """Units per layer, input first."""
        return [self.weights[0].shape[0]] + [w.shape[1] for w in self.weights]

    def network(self) -> Network:
        """A fresh core network with the initial weights."""
        return Network.from_arrays(self.weights, self.biases, list(self.activations))

    def trainer(self) -> Trainer:
        """A core Trainer set up exactly as the script sets itself up."""
        return Trainer(
            self.network(),
            self.X,
            self.T,
            learning_rate=self.learning_rate,
            loss=self.loss,
            batch_size=self.batch_size,
            momentum=self.momentum,
            seed=self.seed,
            X_test=self.X_test,
            T_test=self.T_test,
        )

    def reference_losses(self, epochs: int = DEFAULT_EPOCHS) -> list[float]:
        """The training loss of every epoch as the app's core computes it."""
        return [r.train_loss for r in self.trainer().step(epochs)]

    @property
    def full_batch(self) -> bool:
        """True when every update uses all training samples."""
        return self.batch_size is None or self.batch_size >= self.X.shape[0]


def _as_2d(values) -> Array:
    arr = np.array(values, dtype=np.float64)
    return arr.reshape(-1, 1) if arr.ndim == 1 else arr


# ================================================================== tables
# Each activation: the NumPy function h(a), its derivative written with a and
# h = h(a) (as the app's backward pass uses it), and the torch module.
NUMPY_ACTIVATIONS: dict[str, tuple[str, str]] = {
    "sigmoid": (
        "def sigmoid(a):\n"
        '    """Logistic sigmoid 1 / (1 + e^-a)."""\n'
        "    return 1.0 / (1.0 + np.exp(-a))\n",
        "def sigmoid_prime(a, h):\n"
        '    """sigmoid\'(a) = h (1 - h), written with the output h = sigmoid(a)."""\n'
        "    return h * (1.0 - h)\n",
    ),
    "tanh": (
        "def tanh(a):\n    return np.tanh(a)\n",
        'def tanh_prime(a, h):\n    """tanh\'(a) = 1 - h^2."""\n    return 1.0 - h * h\n',
    ),
    "relu": (
        "def relu(a):\n    return np.maximum(a, 0.0)\n",
        "def relu_prime(a, h):\n"
        '    """relu\'(a) = 1 where a > 0, else 0 (0 at a = 0)."""\n'
        "    return (a > 0.0).astype(np.float64)\n",
    ),
    "linear": (
        "def linear(a):\n    return a\n",
        "def linear_prime(a, h):\n    return np.ones_like(a)\n",
    ),
    "softmax": (
        "def softmax(a):\n"
        '    """Row-wise softmax, shifted by the row maximum so exp cannot overflow."""\n'
        "    e = np.exp(a - a.max(axis=1, keepdims=True))\n"
        "    return e / e.sum(axis=1, keepdims=True)\n",
        "",  # softmax backpropagates with its full Jacobian, see backprop_through()
    ),
}

TORCH_ACTIVATIONS: dict[str, str] = {
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "linear": "",  # no module: the layer's output is used as it is
    "softmax": "nn.Softmax(dim=1)",
}

# Each loss: the formula for the docstring, and the NumPy code of
# loss_and_output_delta(a, P, T) for the output layer's activation.
LOSS_NOTES: dict[str, str] = {
    "half_sse": "E = 1/2 Σ (t - P)²  summed over samples and outputs",
    "mse": "E = mean of (t - P)² over samples and outputs",
    "cross_entropy": "E = -mean over samples of Σ t log P (+ (1 - t) log(1 - P) for a sigmoid)",
}


def _numpy_loss_code(loss: str, output_activation: str) -> str:
    head = (
        "def loss_and_output_delta(a, P, T):\n"
        '    """The batch\'s summed loss and the output layer\'s delta dE/da.\n\n'
        "    The sum is divided by NORMALISER(n) for the loss of n samples; the\n"
        '    delta already includes the batch\'s own normalisation."""\n'
    )
    if loss == "cross_entropy":
        if output_activation == "softmax":
            body = (
                "    n = P.shape[0]\n"
                "    total = -np.sum(T * np.log(np.clip(P, EPS, 1.0)))\n"
                "    # softmax + cross-entropy: the Jacobian cancels, dE/da = (P - T) / n\n"
                "    return total, (P - T) * (1.0 / n)\n"
            )
        else:
            body = (
                "    n = P.shape[0]\n"
                "    Pc = np.clip(P, EPS, 1.0 - EPS)  # log(0) is -inf\n"
                "    total = -np.sum(T * np.log(Pc) + (1.0 - T) * np.log(1.0 - Pc))\n"
                "    # sigmoid + cross-entropy: h'(a) cancels, dE/da = (P - T) / n\n"
                "    return total, (P - T) * (1.0 / n)\n"
            )
        return head + body
    if loss == "half_sse":
        grad = "diff"
        total = "0.5 * np.sum(diff * diff)"
    else:
        grad = "diff * (2.0 / diff.size)"
        total = "np.sum(diff * diff)"
    body = f"    diff = P - T\n    total = {total}\n    grad_P = {grad}  # dE/dP\n"
    if output_activation == "softmax":
        body += (
            "    # softmax's Jacobian: dE/da_i = P_i (g_i - sum_j g_j P_j)\n"
            "    return total, P * (grad_P - np.sum(grad_P * P, axis=1, keepdims=True))\n"
        )
    else:
        body += f"    return total, grad_P * {output_activation}_prime(a, P)\n"
    return head + body


_NUMPY_NORMALISER = {
    "half_sse": "def NORMALISER(n):\n    return 1.0  # half_sse is a plain sum\n",
    "mse": "def NORMALISER(n):\n    return n * N_OUTPUTS  # mean over samples and outputs\n",
    "cross_entropy": "def NORMALISER(n):\n    return n  # mean over samples\n",
}


# ================================================================ literals
def _float(x: float) -> str:
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        raise CodegenError("the session holds a number that is not finite")
    return repr(x)


def _array_literal(a: npt.ArrayLike, ctor: str, indent: int = 4) -> str:
    """``ctor([...])`` with one row per line and every float exact (``repr``)."""
    arr = np.asarray(a, dtype=np.float64)
    pad = " " * indent
    if arr.ndim == 1:
        return f"{ctor}([{', '.join(_float(v) for v in arr)}])"
    rows = [f"{pad}[{', '.join(_float(v) for v in row)}]," for row in arr]
    return f"{ctor}(\n    [\n" + "\n".join(pad + r for r in rows) + "\n    ]\n)"


def _csv_text(X: Array, T: Array, names: Sequence[str]) -> str:
    lines = [",".join(names)]
    for x, t in zip(X, T):
        lines.append(",".join(_float(v) for v in (*x, *t)))
    return "\n".join(lines) + "\n"


def _describe(session: ExportedSession) -> list[str]:
    sizes = "-".join(str(s) for s in session.layer_sizes)
    out = [
        f"Network: {sizes}, activations {', '.join(session.activations)}, "
        + ("with biases" if session.biases is not None else "no biases"),
        f"Loss: {session.loss}  ({LOSS_NOTES[session.loss]})",
        f"Optimiser: {_optimiser_text(session)}",
        f"Batches: {_batch_text(session)}",
        f"Data: {session.X.shape[0]} training samples"
        + ("" if session.X_test is None else f", {session.X_test.shape[0]} test samples")
        + f"; inputs {', '.join(session.input_names)}; targets {', '.join(session.target_names)}",
    ]
    return out


def _optimiser_text(session: ExportedSession) -> str:
    text = f"gradient descent, learning rate {session.learning_rate:g}"
    if session.momentum:
        text += f", momentum {session.momentum:g}"
    return text


def _batch_text(session: ExportedSession) -> str:
    if session.full_batch:
        return "full batch (every update uses all training samples)"
    return (
        f"minibatches of {session.batch_size}, reshuffled every epoch with "
        f"numpy.random.default_rng({session.seed}).permutation"
    )


# ===================================================================== API
def export_code(
    session: ExportedSession,
    framework: str = "numpy",
    epochs: int = DEFAULT_EPOCHS,
    data_file_stem: str | None = None,
) -> str:
    """The script's source.

    Parameters
    ----------
    session
        What to export.
    framework
        ``"numpy"`` or ``"pytorch"``.
    epochs
        How many epochs the script trains (it also takes ``--epochs N``).
    data_file_stem
        None to embed the data; otherwise the script reads
        ``<stem>_train.csv`` (and ``<stem>_test.csv``) from its own folder,
        which :func:`write_code` writes.
    """
    if framework not in FRAMEWORKS:
        raise CodegenError(f"unknown framework {framework!r}; choose one of: numpy, pytorch")
    epochs = int(epochs)
    if epochs < 1:
        raise CodegenError(f"the script must train at least 1 epoch, got {epochs}")
    if framework == "numpy":
        return _numpy_script(session, epochs, data_file_stem)
    return _torch_script(session, epochs, data_file_stem)


def write_code(
    session: ExportedSession,
    path: str | Path,
    framework: str = "numpy",
    epochs: int = DEFAULT_EPOCHS,
    data: str = "embed",
) -> list[Path]:
    """Write the script (and, for ``data="csv"``, its data files); returns the files written."""
    from .data import write_text_atomically

    if data not in DATA_MODES:
        raise CodegenError(f"unknown data mode {data!r}; choose one of: embed, csv")
    path = Path(path)
    stem = path.stem if data == "csv" else None
    written: list[Path] = []
    source = export_code(session, framework, epochs, stem)
    if stem is not None:
        names = (*session.input_names, *session.target_names)
        train = path.with_name(f"{stem}_train.csv")
        write_text_atomically(train, _csv_text(session.X, session.T, names))
        written.append(train)
        if session.X_test is not None and session.T_test is not None:
            test = path.with_name(f"{stem}_test.csv")
            write_text_atomically(test, _csv_text(session.X_test, session.T_test, names))
            written.append(test)
    write_text_atomically(path, source)
    written.insert(0, path)
    return written


def parse_printed_losses(output: str) -> list[float]:
    """The per-epoch training losses an exported script printed, in order."""
    losses = []
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "epoch" and parts[2] == "loss":
            losses.append(float(parts[3]))
    return losses


# ================================================================== common
def _header(session: ExportedSession, framework: str, epochs: int) -> str:
    name = "NumPy" if framework == "numpy" else "PyTorch"
    title = f" ({session.title})" if session.title else ""
    lines = [
        "#!/usr/bin/env python3",
        f'"""A Backprop Lab session{title}, exported as a standalone {name} script.',
        "",
        *_describe(session),
        "",
        f"Run it with `python {{this file}}` to train {epochs} epochs from the session's",
        "initial weights (or `--epochs N`); it prints the training loss of every epoch,",
        "the numbers Backprop Lab's loss plot shows for the same session (float64).",
        "",
        f"Exported by Backprop Lab {__version__}.",
        '"""',
    ]
    text = "\n".join(lines) + "\n"
    if session.notes:
        text += "\n" + "".join(f"# NOTE: {note}\n" for note in session.notes)
    return text


def _data_block(session: ExportedSession, ctor: str, stem: str | None, framework: str) -> str:
    names_in = ", ".join(session.input_names)
    names_out = ", ".join(session.target_names)
    out = [
        "# ---------------------------------------------------------------- the data",
        f"# One row per sample. Inputs: {names_in}. Targets: {names_out}.",
    ]
    if stem is None:
        out.append(f"X = {_array_literal(session.X, ctor)}")
        out.append(f"T = {_array_literal(session.T, ctor)}")
        if session.X_test is not None:
            out.append("# The test set: never trained on, its loss is printed for comparison.")
            out.append(f"X_test = {_array_literal(session.X_test, ctor)}")
            out.append(f"T_test = {_array_literal(session.T_test, ctor)}")
        else:
            out.append("X_test = T_test = None  # no test set")
        return "\n".join(out) + "\n"
    n_in = session.X.shape[1]
    to = "" if framework == "numpy" else "torch.from_numpy"
    out += [
        f"# Read from the CSV files written beside this script ({n_in} input columns first).",
        "HERE = Path(__file__).resolve().parent",
        "",
        "",
        "def read_csv(name):",
        '    table = np.loadtxt(HERE / name, delimiter=",", skiprows=1, ndmin=2)',
        f"    return {to}(table[:, :{n_in}].copy()), {to}(table[:, {n_in}:].copy())",
        "",
        "",
        f'X, T = read_csv("{stem}_train.csv")',
    ]
    if session.X_test is not None:
        out.append(f'X_test, T_test = read_csv("{stem}_test.csv")')
    else:
        out.append("X_test = T_test = None  # no test set")
    return "\n".join(out) + "\n"


def _weights_block(session: ExportedSession, ctor: str) -> str:
    out = [
        "# ------------------------------------------------------ the initial weights",
        "# W[l] has one row per unit of the layer below and one column per unit of",
        "# the layer above, so a layer computes a = h_below @ W (+ b).",
    ]
    for l, w in enumerate(session.weights, start=1):
        out.append(f"W{l} = {_array_literal(w, ctor)}")
    if session.biases is not None:
        for l, b in enumerate(session.biases, start=1):
            out.append(f"b{l} = {_array_literal(b, ctor)}")
    return "\n".join(out) + "\n"


def _epochs_arg(epochs: int) -> str:
    return (
        "def epochs_to_train():\n"
        '    parser = argparse.ArgumentParser(description="Train the exported network.")\n'
        f'    parser.add_argument("--epochs", type=int, default={epochs})\n'
        "    return parser.parse_args().epochs\n"
    )


# =================================================================== numpy
def _numpy_script(session: ExportedSession, epochs: int, stem: str | None) -> str:
    L = len(session.weights)
    acts = list(session.activations)
    parts = [_header(session, "numpy", epochs)]
    imports = "import argparse\n"
    if stem is not None:
        imports += "from pathlib import Path\n"
    parts.append(imports + "\nimport numpy as np\n")
    parts.append(
        "# ------------------------------------------------------------ the settings\n"
        f"LEARNING_RATE = {_float(session.learning_rate)}\n"
        f"MOMENTUM = {_float(session.momentum)}"
        + (
            "  # classical momentum: v = MOMENTUM v - LEARNING_RATE dE/dW; W += v\n"
            if session.momentum
            else "  # none: plain gradient descent\n"
        )
        + f"BATCH_SIZE = {session.batch_size!r}"
        + ("  # None: full batch\n" if session.batch_size is None else "\n")
        + f"SHUFFLE_SEED = {session.seed}  # seeds the minibatch order\n"
        + "EPS = 1e-12  # keeps log() away from 0 in the cross-entropy\n"
    )
    parts.append(_data_block(session, "np.array", stem, "numpy"))
    parts.append("N_OUTPUTS = T.shape[1]\n")
    parts.append(_weights_block(session, "np.array"))
    ws = ", ".join(f"W{l}" for l in range(1, L + 1))
    parts.append(f"W = [{ws}]\n")
    if session.biases is not None:
        bs = ", ".join(f"b{l}" for l in range(1, L + 1))
        parts.append(f"b = [{bs}]\n")
    else:
        parts.append("b = None  # this network has no biases\n")

    # activations actually used, each written once
    used: list[str] = []
    for name in acts:
        if name not in used:
            used.append(name)
    need_prime = set(acts[:-1])
    if session.loss != "cross_entropy" and acts[-1] != "softmax":
        need_prime.add(acts[-1])
    act_code = ["# ----------------------------------------- activations and their derivatives"]
    for name in used:
        fn, prime = NUMPY_ACTIVATIONS[name]
        act_code.append("\n" + fn.rstrip("\n"))
        if name in need_prime and prime:
            act_code.append("\n" + prime.rstrip("\n"))
    parts.append("\n\n".join(act_code) + "\n")
    names = ", ".join(acts)
    parts.append(f"# One activation per layer after the input.\nACTIVATIONS = [{names}]\n")
    hidden_primes = ", ".join(f"{a}_prime" for a in acts[:-1])
    parts.append(f"HIDDEN_DERIVATIVES = [{hidden_primes}]  # h'(a) of the hidden layers\n")

    parts.append(
        "# ------------------------------------------------------------- the loss\n"
        + _NUMPY_NORMALISER[session.loss]
        + "\n\n"
        + _numpy_loss_code(session.loss, acts[-1])
    )

    bias_add = "        if b is not None:\n            a = a + b[l]\n"
    parts.append(
        "# --------------------------------------------- forward and backward passes\n"
        "def forward(X, W, b):\n"
        '    """Pre-activations a and outputs h of every layer (h[0] is X)."""\n'
        "    hs, pre = [X], []\n"
        "    for l in range(len(W)):\n"
        "        a = hs[-1] @ W[l]\n" + bias_add + "        pre.append(a)\n"
        "        hs.append(ACTIVATIONS[l](a))\n"
        "    return pre, hs\n"
        "\n\n"
        "def backward(pre, hs, output_delta, W):\n"
        '    """dE/dW (and dE/db) of every layer, by the chain rule from the output down."""\n'
        "    deltas = [None] * len(W)\n"
        "    deltas[-1] = output_delta\n"
        "    for l in range(len(W) - 2, -1, -1):\n"
        "        # delta of layer l: the delta above, sent back through W[l + 1],\n"
        "        # times this layer's h'(a)\n"
        "        grad_h = deltas[l + 1] @ W[l + 1].T\n"
        "        deltas[l] = grad_h * HIDDEN_DERIVATIVES[l](pre[l], hs[l + 1])\n"
        "    grad_W = [hs[l].T @ deltas[l] for l in range(len(W))]\n"
        "    grad_b = [d.sum(axis=0) for d in deltas]\n"
        "    return grad_W, grad_b\n"
        "\n\n"
        "def loss_of(X, T, W, b):\n"
        '    """The loss of the current weights on a whole data set."""\n'
        "    pre, hs = forward(X, W, b)\n"
        "    total, _ = loss_and_output_delta(pre[-1], hs[-1], T)\n"
        "    return total / NORMALISER(X.shape[0])\n"
    )

    if session.momentum:
        update = (
            "    global velocity, bias_velocity\n"
            "    if velocity is None:\n"
            "        velocity = [np.zeros_like(w) for w in W]\n"
            "        bias_velocity = [np.zeros_like(g) for g in grad_b]\n"
            "    velocity = [MOMENTUM * v - LEARNING_RATE * g for v, g in zip(velocity, grad_W)]\n"
            "    W = [w + v for w, v in zip(W, velocity)]\n"
            "    if b is not None:\n"
            "        bias_velocity = [\n"
            "            MOMENTUM * v - LEARNING_RATE * g for v, g in zip(bias_velocity, grad_b)\n"
            "        ]\n"
            "        b = [bi + v for bi, v in zip(b, bias_velocity)]\n"
            "    return W, b\n"
        )
        state = (
            "velocity = bias_velocity = None  # momentum's running update, built on first use\n\n\n"
        )
    else:
        update = (
            "    W = [w - LEARNING_RATE * g for w, g in zip(W, grad_W)]\n"
            "    if b is not None:\n"
            "        b = [bi - LEARNING_RATE * g for bi, g in zip(b, grad_b)]\n"
            "    return W, b\n"
        )
        state = ""
    parts.append(
        "# --------------------------------------------------------------- training\n"
        + state
        + "def update(W, b, grad_W, grad_b):\n"
        '    """One optimiser step."""\n' + update
    )

    parts.append(
        "def train_one_epoch(W, b, rng):\n"
        '    """One pass over the training set; returns the new weights and the epoch\'s loss.\n\n'
        "    The loss is measured while training: each batch's loss with the weights\n"
        '    it saw (for full batch, exactly the loss of the weights the epoch began with)."""\n'
        "    n = X.shape[0]\n"
        "    if BATCH_SIZE is None or BATCH_SIZE >= n:\n"
        "        batches = [np.arange(n)]  # full batch: no shuffling, no random numbers drawn\n"
        "    else:\n"
        "        order = rng.permutation(n)\n"
        "        batches = [order[i : i + BATCH_SIZE] for i in range(0, n, BATCH_SIZE)]\n"
        "    total = 0.0\n"
        "    for idx in batches:\n"
        "        Xb, Tb = X[idx], T[idx]\n"
        "        pre, hs = forward(Xb, W, b)\n"
        "        batch_total, output_delta = loss_and_output_delta(pre[-1], hs[-1], Tb)\n"
        "        if not np.isfinite(batch_total):\n"
        "            return W, b, float(batch_total)\n"
        "        total += batch_total\n"
        "        grad_W, grad_b = backward(pre, hs, output_delta, W)\n"
        "        W, b = update(W, b, grad_W, grad_b)\n"
        "    return W, b, total / NORMALISER(n)\n"
        "\n\n"
        "def main():\n"
        "    global W, b\n"
        "    rng = np.random.default_rng(SHUFFLE_SEED)\n"
        "    for epoch in range(1, epochs_to_train() + 1):\n"
        "        # the test loss is taken with the weights the epoch starts with\n"
        "        test = None if X_test is None else loss_of(X_test, T_test, W, b)\n"
        "        W, b, loss = train_one_epoch(W, b, rng)\n"
        "        if not np.isfinite(loss):\n"
        '            print(f"epoch {epoch} diverged: the loss became {loss}. Try a smaller "\n'
        '                  "learning rate. (The app also undoes the last step that led here.)")\n'
        "            break\n"
        '        line = f"epoch {epoch:5d}  loss {loss:.15g}"\n'
        "        if test is not None:\n"
        '            line += f"  test loss {test:.15g}"\n'
        "        print(line)\n"
        "\n\n" + _epochs_arg(epochs) + "\n\n"
        'if __name__ == "__main__":\n'
        '    with np.errstate(over="ignore"):  # exp() of a large number is inf: h becomes 0 or 1\n'
        "        main()\n"
    )
    return _join(parts)


def _join(parts: list[str]) -> str:
    text = "\n\n".join(p.strip("\n") for p in parts) + "\n"
    return _two_blank_lines_around_functions(text)


def _two_blank_lines_around_functions(text: str) -> str:
    """PEP 8's two blank lines before and after every top-level function."""
    lines = [line.rstrip() for line in text.split("\n")]
    tree = ast.parse(text)
    for node in reversed(tree.body):
        if not isinstance(node, ast.FunctionDef):
            continue
        start, end = node.lineno - 1, node.end_lineno or node.lineno
        # after the body: two blank lines before whatever comes next
        after = end
        while after < len(lines) and lines[after] == "":
            after += 1
        if after < len(lines):
            lines[end:after] = ["", ""]
        # the comment block right above belongs to the function
        while start > 0 and lines[start - 1].startswith("#"):
            start -= 1
        before = start
        while before > 0 and lines[before - 1] == "":
            before -= 1
        if before > 0:
            lines[before:start] = ["", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# ================================================================= pytorch
def _torch_script(session: ExportedSession, epochs: int, stem: str | None) -> str:
    L = len(session.weights)
    acts = list(session.activations)
    sizes = session.layer_sizes
    has_bias = session.biases is not None
    fused = session.loss == "cross_entropy"  # the loss takes logits
    parts = [_header(session, "pytorch", epochs)]
    imports = "import argparse\n"
    if stem is not None:
        imports += "from pathlib import Path\n\nimport numpy as np\n"
    else:
        imports += "\nimport numpy as np\n"
    imports += "import torch\nfrom torch import nn\n"
    parts.append(imports)
    parts.append(
        "# The app computes in float64; so do we, so the losses agree to ~1e-12.\n"
        "torch.set_default_dtype(torch.float64)\n"
    )
    parts.append(
        "# ------------------------------------------------------------ the settings\n"
        f"LEARNING_RATE = {_float(session.learning_rate)}\n"
        f"MOMENTUM = {_float(session.momentum)}\n"
        f"BATCH_SIZE = {session.batch_size!r}"
        + ("  # None: full batch\n" if session.batch_size is None else "\n")
        + f"SHUFFLE_SEED = {session.seed}\n"
    )
    parts.append(_data_block(session, "torch.tensor", stem, "pytorch"))
    parts.append(_weights_block(session, "torch.tensor"))

    layers = []
    for l in range(L):
        layers.append(f"    nn.Linear({sizes[l]}, {sizes[l + 1]}, bias={has_bias}),")
        module = TORCH_ACTIVATIONS[acts[l]]
        if l == L - 1 and fused:
            layers.append(
                f"    # no {acts[l]} here: the loss below applies it to the logits itself"
            )
        elif module:
            layers.append(f"    {module},")
    model_lines = [
        "# -------------------------------------------------------------- the model",
        "model = nn.Sequential(",
        *layers,
        ")",
        "",
        "# nn.Linear computes h @ weight.T + bias: its weight is the transpose of the",
        "# app's W (one row per unit of the layer above).",
        "with torch.no_grad():",
    ]
    linear_index = [i for i, _ in enumerate(_sequential_modules(acts, fused))]
    positions = _linear_positions(acts, fused)
    for l, pos in enumerate(positions, start=1):
        model_lines.append(f"    model[{pos}].weight.copy_(W{l}.T)")
        if has_bias:
            model_lines.append(f"    model[{pos}].bias.copy_(b{l})")
    del linear_index
    parts.append("\n".join(model_lines) + "\n")

    parts.append(_torch_loss_block(session, acts[-1]))
    parts.append(_torch_optimiser_block(session))
    parts.append(
        "# --------------------------------------------------------------- training\n"
        "def batches(rng):\n"
        '    """The index batches of one epoch.\n\n'
        "    The app shuffles with NumPy's default_rng(SHUFFLE_SEED).permutation each\n"
        "    epoch; we draw the same order so the losses match. (A DataLoader with\n"
        '    shuffle=True trains just as well, on a different order.)"""\n'
        "    n = X.shape[0]\n"
        "    if BATCH_SIZE is None or BATCH_SIZE >= n:\n"
        "        return [torch.arange(n)]  # full batch: nothing is shuffled\n"
        "    order = torch.from_numpy(rng.permutation(n))\n"
        "    return list(order.split(BATCH_SIZE))\n"
        "\n\n"
        "def main():\n"
        "    rng = np.random.default_rng(SHUFFLE_SEED)\n"
        "    n = X.shape[0]\n"
        "    for epoch in range(1, epochs_to_train() + 1):\n"
        "        test = None\n"
        "        if X_test is not None:\n"
        "            with torch.no_grad():  # with the weights the epoch starts with\n"
        "                test = loss_fn(model(X_test), T_test).item()\n"
        "        total = 0.0\n"
        "        for idx in batches(rng):\n"
        "            optimizer.zero_grad()\n"
        "            loss = loss_fn(model(X[idx]), T[idx])\n"
        "            loss.backward()\n"
        "            optimizer.step()\n"
        "            total += loss.item() * " + _torch_batch_weight(session) + "\n"
        "        loss = total" + ("" if session.loss == "half_sse" else " / n") + "\n"
        "        if not np.isfinite(loss):\n"
        '            print(f"epoch {epoch} diverged: the loss became {loss}. Try a smaller "\n'
        '                  "learning rate. (The app also undoes the last step that led here.)")\n'
        "            break\n"
        '        line = f"epoch {epoch:5d}  loss {loss:.15g}"\n'
        "        if test is not None:\n"
        '            line += f"  test loss {test:.15g}"\n'
        "        print(line)\n"
        "\n\n" + _epochs_arg(epochs) + "\n\n"
        'if __name__ == "__main__":\n'
        "    main()\n"
    )
    return _join(parts)


def _sequential_modules(acts: list[str], fused: bool) -> list[str]:
    out = []
    for l, name in enumerate(acts):
        out.append("linear")
        if l == len(acts) - 1 and fused:
            continue
        if TORCH_ACTIVATIONS[name]:
            out.append(name)
    return out


def _linear_positions(acts: list[str], fused: bool) -> list[int]:
    return [i for i, m in enumerate(_sequential_modules(acts, fused)) if m == "linear"]


def _torch_batch_weight(session: ExportedSession) -> str:
    # The epoch's loss is the sum of the batch totals divided by the loss's
    # normaliser over all samples: half_sse sums, mse and cross-entropy average
    # over their batch, so each batch's mean is weighted by its size.
    return "1" if session.loss == "half_sse" else "len(idx)"


def _torch_loss_block(session: ExportedSession, output_activation: str) -> str:
    head = "# ------------------------------------------------------------- the loss\n"
    if session.loss == "half_sse":
        return head + (
            "# The app's half_sse is E = 1/2 Σ (t - P)² summed over the batch (the\n"
            "# textbook E whose gradient is P - T), not PyTorch's usual mean: hence\n"
            "# reduction='sum' and the 1/2.\n"
            "def loss_fn(P, T):\n"
            '    return 0.5 * nn.functional.mse_loss(P, T, reduction="sum")\n'
        )
    if session.loss == "mse":
        return head + (
            "# mean of (t - P)² over the batch's samples and outputs, as the app's mse.\n"
            "loss_fn = nn.MSELoss()\n"
        )
    if output_activation == "softmax":
        return head + (
            "# The app's network ends in a softmax and its loss is -mean Σ t log P;\n"
            "# nn.CrossEntropyLoss takes the logits and does both at once (numerically\n"
            "# safer; the app instead clips P at 1e-12, which only matters once a\n"
            "# probability is below 1e-12). The targets are class probabilities.\n"
            "loss_fn = nn.CrossEntropyLoss()\n"
            "\n\n"
            "def predict(X):\n"
            '    """The probabilities the app shows: the softmax the loss applies."""\n'
            "    with torch.no_grad():\n"
            "        return torch.softmax(model(X), dim=1)\n"
        )
    if session.T.shape[1] == 1:
        fn = "loss_fn = nn.BCEWithLogitsLoss()\n"
    else:
        fn = (
            "# With several outputs the app sums the cross-entropy over the outputs and\n"
            "# averages over the samples; BCEWithLogitsLoss's mean would also divide by\n"
            "# the number of outputs.\n"
            "def loss_fn(logits, T):\n"
            "    total = nn.functional.binary_cross_entropy_with_logits(\n"
            '        logits, T, reduction="sum"\n'
            "    )\n"
            "    return total / len(T)\n"
        )
    return head + (
        "# The app's network ends in a sigmoid and its loss is binary cross-entropy,\n"
        "# -mean[t log P + (1 - t) log(1 - P)]; nn.BCEWithLogitsLoss takes the logits\n"
        "# and does both at once (numerically safer; the app instead clips P to\n"
        "# [1e-12, 1 - 1e-12], which only matters once P is that close to 0 or 1).\n" + fn + "\n\n"
        "def predict(X):\n"
        '    """The probabilities the app shows: the sigmoid the loss applies."""\n'
        "    with torch.no_grad():\n"
        "        return torch.sigmoid(model(X))\n"
    )


def _torch_optimiser_block(session: ExportedSession) -> str:
    head = "# -------------------------------------------------------------- optimiser\n"
    if session.momentum:
        return head + (
            "# Momentum, written two ways that give the same steps for a fixed learning\n"
            "# rate: the app uses v = MOMENTUM v - LEARNING_RATE dE/dW; W += v, PyTorch\n"
            "# buf = MOMENTUM buf + dE/dW; W -= LEARNING_RATE buf (so v = -LEARNING_RATE buf).\n"
            "optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)\n"
        )
    return head + "optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)\n"
