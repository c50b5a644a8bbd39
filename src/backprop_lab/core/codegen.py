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
from .features import feature_formula
from .network import Network
from .optimizers import (
    OPTIMIZER_HYPERPARAMETERS,
    OPTIMIZER_LABELS,
    OPTIMIZERS,
    SCHEDULE_PARAMETERS,
    check_schedule,
)
from .trainer import Trainer

Array = npt.NDArray[np.float64]

#: The frameworks :func:`export_code` writes for.
FRAMEWORKS = ("numpy", "pytorch")

#: How the data reaches the script: inside it, or in CSV files beside it.
DATA_MODES = ("embed", "csv")

#: Epochs the exported script trains unless told otherwise.
DEFAULT_EPOCHS = 100


#: The Trainer's default hyperparameters (what a session that names none uses).
TRAINER_HYPERPARAMETER_DEFAULTS = {"beta1": 0.9, "beta2": 0.999, "rho": 0.9, "epsilon": 1e-8}


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
    optimizer, hyperparameters
        The optimiser's name (default: ``"momentum"`` when momentum > 0, else
        ``"sgd"``) and its hyperparameters (default: the Trainer's).
    schedule, schedule_params
        The learning-rate schedule.
    l1, l2
        Regularisation of the weights (never the biases).
    features
        Feature inputs of the network (``X`` stays the raw data), or None.
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
    optimizer: str = ""
    hyperparameters: dict[str, float] = field(default_factory=dict)
    schedule: str = "constant"
    schedule_params: dict[str, float] = field(default_factory=dict)
    l1: float = 0.0
    l2: float = 0.0
    features: tuple[str, ...] | None = None
    input_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    title: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        opt = self.optimizer or ("momentum" if self.momentum > 0 else "sgd")
        if opt not in OPTIMIZERS:
            raise CodegenError(f"cannot export the optimiser {opt!r}")
        object.__setattr__(self, "optimizer", opt)
        hyper = {"momentum": self.momentum, **TRAINER_HYPERPARAMETER_DEFAULTS}
        hyper.update({k: float(v) for k, v in dict(self.hyperparameters).items()})
        object.__setattr__(
            self, "hyperparameters", {k: hyper[k] for k in OPTIMIZER_HYPERPARAMETERS[opt]}
        )
        object.__setattr__(
            self, "schedule_params", check_schedule(self.schedule, self.schedule_params)
        )
        if self.features is not None:
            object.__setattr__(self, "features", tuple(self.features))
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
        """From the initial network, the datasets and the settings.

        ``train`` and ``test`` are :class:`~backprop_lab.core.data.Dataset`
        objects (or anything with ``inputs`` / ``targets``). ``settings`` is
        the app's settings dict or the Trainer's keyword arguments
        (``TrainingSettings.trainer_options()``): ``learning_rate``, ``loss``,
        ``batch_size``, ``momentum``, ``seed`` (else ``init_seed``, as the app
        seeds its shuffling), ``optimizer``, ``beta1`` ..., ``schedule``,
        ``schedule_params``, ``l1``, ``l2``.
        """
        settings = dict(settings or {})
        X, T = _as_2d(train.inputs), _as_2d(train.targets)
        Xt = Tt = None
        if test is not None and len(test.inputs):
            Xt, Tt = _as_2d(test.inputs), _as_2d(test.targets)
        seed = settings.get("seed", settings.get("init_seed"))
        batch = settings.get("batch_size")
        hyper = {k: settings[k] for k in TRAINER_HYPERPARAMETER_DEFAULTS if k in settings}
        schedule = str(settings.get("schedule") or settings.get("lr_schedule") or "constant")
        schedule_params = settings.get("schedule_params")
        if schedule_params is None:  # the app's settings: lr_drop, lr_every, lr_decay
            schedule_params = {
                k: settings[f"lr_{k}"]
                for k in SCHEDULE_PARAMETERS.get(schedule, {})
                if f"lr_{k}" in settings
            }
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
            optimizer=str(settings.get("optimizer") or ""),
            hyperparameters=hyper,
            schedule=schedule,
            schedule_params=dict(schedule_params),
            l1=float(settings.get("l1", 0.0) or 0.0),
            l2=float(settings.get("l2", 0.0) or 0.0),
            features=initial_network.features,
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
    def from_trainer(cls, trainer: Trainer, initial_network: Network, title: str = ""):
        """The session a core Trainer trains, from ``initial_network``'s weights."""

        class _Data:
            def __init__(self, X, T):
                self.inputs, self.targets = X, T

        test = None if trainer.X_test is None else _Data(trainer.X_test, trainer.T_test)
        settings = {
            "learning_rate": trainer.learning_rate,
            "loss": trainer.loss,
            "batch_size": trainer.batch_size,
            "momentum": trainer.momentum,
            "seed": trainer.seed,
            "optimizer": trainer.optimizer,
            **trainer.hyperparameters,
            "schedule": trainer.schedule,
            "schedule_params": trainer.schedule_params,
            "l1": trainer.l1,
            "l2": trainer.l2,
        }
        return cls.from_parts(
            initial_network, _Data(trainer.X, trainer.T), test, settings, title=title
        )

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

    @property
    def layer_sizes_text(self) -> str:
        return "-".join(str(s) for s in self.layer_sizes)

    def network(self) -> Network:
        """A fresh core network with the initial weights."""
        return Network.from_arrays(
            self.weights,
            self.biases,
            list(self.activations),
            self.features,
            self.X.shape[1] if self.features else None,
        )

    def trainer(self) -> Trainer:
        """A core Trainer set up exactly as the script sets itself up."""
        hyper = dict(self.hyperparameters)
        return Trainer(
            self.network(),
            self.X,
            self.T,
            learning_rate=self.learning_rate,
            loss=self.loss,
            batch_size=self.batch_size,
            momentum=hyper.pop("momentum", 0.0),
            seed=self.seed,
            X_test=self.X_test,
            T_test=self.T_test,
            optimizer=self.optimizer,
            schedule=self.schedule,
            schedule_params=self.schedule_params,
            l1=self.l1,
            l2=self.l2,
            **hyper,
        )

    @property
    def regularised(self) -> bool:
        """True when L1 or L2 is on."""
        return bool(self.l1 or self.l2)

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
    "leaky_relu": (
        "def leaky_relu(a):\n"
        '    """a where a > 0, else 0.01 a."""\n'
        "    return np.where(a > 0.0, a, 0.01 * a)\n",
        "def leaky_relu_prime(a, h):\n    return np.where(a > 0.0, 1.0, 0.01)\n",
    ),
    "elu": (
        "def elu(a):\n"
        '    """a where a > 0, else e^a - 1."""\n'
        "    return np.where(a > 0.0, a, np.expm1(np.minimum(a, 0.0)))\n",
        "def elu_prime(a, h):\n"
        '    """1 where a > 0, else h + 1 (= e^a)."""\n'
        "    return np.where(a > 0.0, 1.0, h + 1.0)\n",
    ),
    "softplus": (
        "def softplus(a):\n"
        '    """log(1 + e^a), computed without overflow."""\n'
        "    return np.logaddexp(0.0, a)\n",
        'def softplus_prime(a, h):\n    """softplus\'(a) = sigmoid(a)."""\n    return sigmoid(a)\n',
    ),
    "sine": (
        "def sine(a):\n    return np.sin(a)\n",
        "def sine_prime(a, h):\n    return np.cos(a)\n",
    ),
    "gaussian": (
        'def gaussian(a):\n    """The bump e^(-a^2)."""\n    return np.exp(-(a * a))\n',
        "def gaussian_prime(a, h):\n    return -2.0 * a * h\n",
    ),
    "step": (
        'def step(a):\n    """1 where a > 0, else 0."""\n    return (a > 0.0).astype(np.float64)\n',
        "def step_prime(a, h):\n"
        '    """0 everywhere: no gradient flows through a step, so what is below never learns."""\n'
        "    return np.zeros_like(a)\n",
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
    "leaky_relu": "nn.LeakyReLU(0.01)",
    "elu": "nn.ELU(alpha=1.0)",
    # PyTorch's softplus returns a itself above its threshold (20 by default),
    # 2e-9 off log(1 + e^a); above 40 the two are the same float.
    "softplus": "nn.Softplus(threshold=40.0)",
    "sine": "Sine()",
    "gaussian": "Gaussian()",
    "step": "Step()",
}

#: Modules PyTorch does not have, written into the script when used.
TORCH_CUSTOM_MODULES: dict[str, str] = {
    "sine": (
        "class Sine(nn.Module):\n"
        '    """h(a) = sin(a) (PyTorch has no module for it)."""\n\n'
        "    def forward(self, a):\n"
        "        return torch.sin(a)\n"
    ),
    "gaussian": (
        "class Gaussian(nn.Module):\n"
        '    """h(a) = e^(-a^2) (PyTorch has no module for it)."""\n\n'
        "    def forward(self, a):\n"
        "        return torch.exp(-(a * a))\n"
    ),
    "step": (
        "class Step(nn.Module):\n"
        '    """h(a) = 1 where a > 0, else 0; its gradient is 0 everywhere, as in the app.\n\n'
        '    (a > 0) alone would cut the graph; 0 * a keeps it, with a zero gradient."""\n\n'
        "    def forward(self, a):\n"
        "        return (a > 0).to(a.dtype) + 0.0 * a\n"
    ),
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
                "    # -Σ t log P computed from a (log-sum-exp), exact even where P rounds to 0\n"
                "    m = a.max(axis=1, keepdims=True)\n"
                "    lse = m + np.log(np.exp(a - m).sum(axis=1, keepdims=True))\n"
                "    total = np.sum(T * (lse - a))\n"
                "    # softmax + cross-entropy: the Jacobian cancels, dE/da = (P - T) / n\n"
                "    return total, (P - T) * (1.0 / n)\n"
            )
        else:
            body = (
                "    n = P.shape[0]\n"
                "    # -[t log P + (1 - t) log(1 - P)] computed from a, exact for any a:\n"
                "    total = np.sum(np.maximum(a, 0.0) - T * a + np.log1p(np.exp(-np.abs(a))))\n"
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
    text = f"{OPTIMIZER_LABELS[session.optimizer]}, learning rate {session.learning_rate:g}"
    for name, value in session.hyperparameters.items():
        text += f", {name} {value:g}"
    if session.schedule != "constant":
        params = ", ".join(f"{k} {v:g}" for k, v in session.schedule_params.items())
        text += f"; schedule {session.schedule} ({params})"
    if session.regularised:
        text += f"; L1 {session.l1:g}, L2 {session.l2:g} on the weights"
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
    parts.append(_settings_block(session))
    parts.append(_data_block(session, "np.array", stem, "numpy"))
    if session.features:
        parts.append(_features_block(session, "numpy"))
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
    if "softplus" in need_prime and "sigmoid" not in used:
        used.insert(0, "sigmoid")  # softplus' derivative is the sigmoid
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

    parts.append(_numpy_optimiser_block(session))
    penalty_line = ""
    penalty_print = ""
    if session.regularised:
        penalty_line = "        penalty = PENALTY(W)  # of the weights the epoch starts with\n"
        penalty_print = '        line += f"  penalty {penalty:.15g}"\n'
    parts.append(
        "# --------------------------------------------------------------- training\n"
        "def train_one_epoch(W, b, rng, lr):\n"
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
        + (
            "        # the penalty's gradient, on the weights only: L2 w + L1 sign(w)\n"
            "        grad_W = [g + L2 * w + L1 * np.sign(w) for w, g in zip(W, grad_W)]\n"
            if session.regularised
            else ""
        )
        + "        params = W + ([] if b is None else b)  # weights, then biases\n"
        "        new = update(params, grad_W + ([] if b is None else grad_b), lr)\n"
        "        W, b = new[: len(W)], (None if b is None else new[len(W) :])\n"
        "    return W, b, total / NORMALISER(n)\n"
        "\n\n"
        "def main():\n"
        "    global W, b\n"
        "    rng = np.random.default_rng(SHUFFLE_SEED)\n"
        "    for epoch in range(1, epochs_to_train() + 1):\n"
        "        # the test loss is taken with the weights the epoch starts with\n"
        "        test = None if X_test is None else loss_of(X_test, T_test, W, b)\n"
        + penalty_line
        + "        W, b, loss = train_one_epoch(W, b, rng, learning_rate_at(epoch - 1))\n"
        "        if not np.isfinite(loss):\n"
        '            print(f"epoch {epoch} diverged: the loss became {loss}. Try a smaller "\n'
        '                  "learning rate. (The app also undoes the last step that led here.)")\n'
        "            break\n"
        '        line = f"epoch {epoch:5d}  loss {loss:.15g}"\n'
        "        if test is not None:\n"
        '            line += f"  test loss {test:.15g}"\n' + penalty_print + "        print(line)\n"
        "\n\n" + _epochs_arg(epochs) + "\n\n"
        'if __name__ == "__main__":\n'
        '    with np.errstate(over="ignore"):  # exp() of a large number is inf: h becomes 0 or 1\n'
        "        main()\n"
    )
    return _join(parts)


_HYPER_NOTES = {
    "momentum": "momentum coefficient μ",
    "rho": "RMSprop's decay of the mean square ρ",
    "beta1": "Adam's decay of the mean gradient β1",
    "beta2": "Adam's decay of the mean square β2",
    "epsilon": "keeps the division away from 0",
}


def _settings_block(session: ExportedSession, framework: str = "numpy") -> str:
    lines = [
        "# ------------------------------------------------------------ the settings",
        f"LEARNING_RATE = {_float(session.learning_rate)}"
        + ("  # η0: the schedule below lowers it" if session.schedule != "constant" else ""),
        f'OPTIMIZER = "{session.optimizer}"  # {OPTIMIZER_LABELS[session.optimizer]}',
    ]
    for name, value in session.hyperparameters.items():
        lines.append(f"{name.upper()} = {_float(value)}  # {_HYPER_NOTES[name]}")
    if session.schedule != "constant":
        lines.append(f'SCHEDULE = "{session.schedule}"')
        for name, value in session.schedule_params.items():
            lines.append(f"{name.upper()} = {value!r}")
    if session.regularised:
        lines.append(f"L1 = {_float(session.l1)}  # penalty l1 Σ|w| on the weights (not biases)")
        lines.append(f"L2 = {_float(session.l2)}  # penalty (l2 / 2) Σ w² on the weights")
    lines.append(
        f"BATCH_SIZE = {session.batch_size!r}"
        + ("  # None: full batch" if session.batch_size is None else "")
    )
    lines.append(f"SHUFFLE_SEED = {session.seed}  # seeds the minibatch order")
    return "\n".join(lines) + "\n"


def _features_block(session: ExportedSession, framework: str) -> str:
    xp = "np" if framework == "numpy" else "torch"
    columns = []
    for name in session.features or ():
        formula = feature_formula(name)
        if framework != "numpy":
            formula = formula.replace("np.sin", "torch.sin")
        columns.append(f"        {formula},  # {name}")
    return (
        "# ---------------------------------------------------------- feature inputs\n"
        "# The input nodes are these functions of the data columns, not the columns.\n"
        "def features(X):\n"
        f"    return {xp}.column_stack(\n        [\n"
        + "\n".join(columns)
        + "\n        ]\n    )\n\n\n"
        "X = features(X)\n"
        "if X_test is not None:\n"
        "    X_test = features(X_test)\n"
    )


_NUMPY_UPDATES = {
    "sgd": (
        "",
        "    return [p - lr * g for p, g in zip(params, grads)]\n",
    ),
    "momentum": (
        "velocity = None  # one array per parameter array, zero at first\n",
        "    # v = μ v - η g;  w = w + v\n"
        "    global velocity\n"
        "    if velocity is None:\n"
        "        velocity = [np.zeros_like(p) for p in params]\n"
        "    velocity = [MOMENTUM * v - lr * g for v, g in zip(velocity, grads)]\n"
        "    return [p + v for p, v in zip(params, velocity)]\n",
    ),
    "nesterov": (
        "velocity = None  # one array per parameter array, zero at first\n",
        "    # v = μ v - η g;  w = w + μ v - η g  (the look-ahead form)\n"
        "    global velocity\n"
        "    if velocity is None:\n"
        "        velocity = [np.zeros_like(p) for p in params]\n"
        "    velocity = [MOMENTUM * v - lr * g for v, g in zip(velocity, grads)]\n"
        "    return [p + MOMENTUM * v - lr * g for p, v, g in zip(params, velocity, grads)]\n",
    ),
    "rmsprop": (
        "mean_square = None  # s, one array per parameter array, zero at first\n",
        "    # s = ρ s + (1 - ρ) g²;  w = w - η g / (√s + ε)\n"
        "    global mean_square\n"
        "    if mean_square is None:\n"
        "        mean_square = [np.zeros_like(p) for p in params]\n"
        "    mean_square = [RHO * s + (1.0 - RHO) * (g * g) for s, g in zip(mean_square, grads)]\n"
        "    return [\n"
        "        p - lr * g / (np.sqrt(s) + EPSILON)\n"
        "        for p, g, s in zip(params, grads, mean_square)\n"
        "    ]\n",
    ),
    "adam": (
        "adam_m = adam_v = None  # first and second moments, zero at first\n"
        "adam_t = 0  # updates so far (minibatches, not epochs)\n",
        "    # m = β1 m + (1 - β1) g;  v = β2 v + (1 - β2) g²;  w = w - η m̂ / (√v̂ + ε)\n"
        "    global adam_m, adam_v, adam_t\n"
        "    if adam_m is None:\n"
        "        adam_m = [np.zeros_like(p) for p in params]\n"
        "        adam_v = [np.zeros_like(p) for p in params]\n"
        "    adam_t += 1\n"
        "    adam_m = [BETA1 * m + (1.0 - BETA1) * g for m, g in zip(adam_m, grads)]\n"
        "    adam_v = [BETA2 * v + (1.0 - BETA2) * (g * g) for v, g in zip(adam_v, grads)]\n"
        "    c1 = 1.0 - BETA1**adam_t  # bias corrections: m̂ = m / c1, v̂ = v / c2\n"
        "    c2 = 1.0 - BETA2**adam_t\n"
        "    return [\n"
        "        p - lr * (m / c1) / (np.sqrt(v / c2) + EPSILON)\n"
        "        for p, m, v in zip(params, adam_m, adam_v)\n"
        "    ]\n",
    ),
}

_SCHEDULE_CODE = {
    "constant": "    return LEARNING_RATE  # constant\n",
    "step": "    return LEARNING_RATE * DROP ** (k // EVERY)  # step decay\n",
    "inverse_time": "    return LEARNING_RATE / (1.0 + DECAY * k)  # 1/t decay\n",
}


def _numpy_optimiser_block(session: ExportedSession) -> str:
    state, body = _NUMPY_UPDATES[session.optimizer]
    out = "# --------------------------------------------------------------- optimiser\n"
    out += (
        "def learning_rate_at(k):\n"
        '    """η of the epoch after k completed epochs (the same for all its updates)."""\n'
        + _SCHEDULE_CODE[session.schedule]
        + "\n\n"
    )
    if session.regularised:
        out += (
            "def PENALTY(W):\n"
            '    """R = l1 Σ|w| + (l2 / 2) Σ w² over the weights (never the biases)."""\n'
            "    l1 = L1 * sum(np.abs(w).sum() for w in W)\n"
            "    return l1 + 0.5 * L2 * sum(np.vdot(w, w) for w in W)\n"
            "\n\n"
        )
    out += state + ("\n\n" if state else "")
    out += (
        "def update(params, grads, lr):\n"
        '    """One optimiser step of every parameter array (weights, then biases)."""\n' + body
    )
    return out


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
    parts.append(_settings_block(session, "pytorch"))
    parts.append(_data_block(session, "torch.tensor", stem, "pytorch"))
    if session.features:
        parts.append(_features_block(session, "pytorch"))
    parts.append(_weights_block(session, "torch.tensor"))
    custom = [TORCH_CUSTOM_MODULES[a] for a in dict.fromkeys(acts) if a in TORCH_CUSTOM_MODULES]
    if custom:
        parts.append(
            "# ------------------------------------------- activations PyTorch lacks\n"
            + "\n\n".join(custom)
        )

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
    positions = _linear_positions(acts, fused)
    for l, pos in enumerate(positions, start=1):
        model_lines.append(f"    model[{pos}].weight.copy_(W{l}.T)")
        if has_bias:
            model_lines.append(f"    model[{pos}].bias.copy_(b{l})")
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
        + _torch_penalty_line(session)
        + "        for idx in batches(rng):\n"
        "            optimizer.zero_grad()\n"
        "            loss = loss_fn(model(X[idx]), T[idx])\n"
        + (
            "            (loss + L1 * sum(w.abs().sum() for w in weights)).backward()\n"
            if session.l1
            else "            loss.backward()\n"
        )
        + "            optimizer.step()\n"
        "            total += loss.item() * "
        + _torch_batch_weight(session)
        + "\n"
        + _torch_schedule_step(session)
        + "        loss = total"
        + ("" if session.loss == "half_sse" else " / n")
        + "\n"
        "        if not np.isfinite(loss):\n"
        '            print(f"epoch {epoch} diverged: the loss became {loss}. Try a smaller "\n'
        '                  "learning rate. (The app also undoes the last step that led here.)")\n'
        "            break\n"
        '        line = f"epoch {epoch:5d}  loss {loss:.15g}"\n'
        "        if test is not None:\n"
        '            line += f"  test loss {test:.15g}"\n'
        + ('        line += f"  penalty {penalty:.15g}"\n' if session.regularised else "")
        + "        print(line)\n"
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
            "# nn.CrossEntropyLoss takes the logits and does both at once, from the\n"
            "# logits as the app does (exact even where P rounds to 0). The targets\n"
            "# are one-hot class probabilities.\n"
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
        "# and does both at once, from the logits as the app does (exact even where\n"
        "# P rounds to 0 or 1).\n" + fn + "\n\n"
        "def predict(X):\n"
        '    """The probabilities the app shows: the sigmoid the loss applies."""\n'
        "    with torch.no_grad():\n"
        "        return torch.sigmoid(model(X))\n"
    )


_TORCH_OPTIMIZERS = {
    "sgd": "torch.optim.SGD(groups, lr=LEARNING_RATE)",
    "momentum": "torch.optim.SGD(groups, lr=LEARNING_RATE, momentum=MOMENTUM)",
    "nesterov": "torch.optim.SGD(groups, lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=True)",
    "rmsprop": "torch.optim.RMSprop(groups, lr=LEARNING_RATE, alpha=RHO, eps=EPSILON)",
    "adam": "torch.optim.Adam(groups, lr=LEARNING_RATE, betas=(BETA1, BETA2), eps=EPSILON)",
}

_TORCH_OPTIMIZER_NOTES = {
    "momentum": (
        "# Momentum, written two ways that take the same steps: the app keeps a\n"
        "# velocity v = MOMENTUM v - η dE/dW and adds it (W += v); PyTorch keeps\n"
        "# buf = MOMENTUM buf + dE/dW and subtracts η buf (so v = -η buf).\n"
    ),
    "nesterov": (
        "# Nesterov momentum: the app's v = μ v - η g; W += μ v - η g is PyTorch's\n"
        "# buf = μ buf + g; W -= η (g + μ buf), with v = -η buf.\n"
    ),
    "rmsprop": "# RMSprop: the app's rho is PyTorch's alpha (s = ρ s + (1 - ρ) g²).\n",
    "adam": "# Adam as in the app: bias-corrected moments, t counts updates (minibatches).\n",
}


def _torch_optimiser_block(session: ExportedSession) -> str:
    head = "# -------------------------------------------------------------- optimiser\n"
    lines = []
    if session.regularised:
        lines += [
            "weights = [m.weight for m in model if isinstance(m, nn.Linear)]",
            "biases = [m.bias for m in model if isinstance(m, nn.Linear) and m.bias is not None]",
        ]
    if session.l2:
        lines += [
            "# L2 on the weights only, never the biases: weight_decay adds L2 * w to the",
            "# gradient, as the app does (the data loss printed excludes the penalty).",
            'groups = [{"params": weights, "weight_decay": L2}, {"params": biases, '
            '"weight_decay": 0.0}]',
        ]
    else:
        lines.append("groups = model.parameters()")
    if session.l1:
        lines += [
            "# L1 has no weight_decay counterpart: L1 * Σ|w| is added to the loss that is",
            "# backpropagated (its gradient is L1 * sign(w)), not to the loss printed.",
        ]
    out = head + "\n".join(lines) + "\n"
    out += _TORCH_OPTIMIZER_NOTES.get(session.optimizer, "")
    out += f"optimizer = {_TORCH_OPTIMIZERS[session.optimizer]}\n"
    if session.schedule == "step":
        out += (
            "# η = η0 · DROP^⌊epoch / EVERY⌋, set once per epoch\n"
            "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=EVERY, gamma=DROP)\n"
        )
    elif session.schedule == "inverse_time":
        out += (
            "# η = η0 / (1 + DECAY · epoch), set once per epoch\n"
            "scheduler = torch.optim.lr_scheduler.LambdaLR(\n"
            "    optimizer, lambda k: 1.0 / (1.0 + DECAY * k)\n"
            ")\n"
        )
    return out


def _torch_schedule_step(session: ExportedSession) -> str:
    if session.schedule == "constant":
        return ""
    if session.optimizer in ("momentum", "nesterov"):
        return (
            '        old_lr = optimizer.param_groups[0]["lr"]\n'
            "        scheduler.step()\n"
            '        new_lr = optimizer.param_groups[0]["lr"]\n'
            "        # The app's velocity is in weight units (it already holds the old η),\n"
            "        # PyTorch's buffer in gradient units: rescale it so that the next step\n"
            "        # continues the app's v = μ v - η g with the new η.\n"
            "        for p, state in optimizer.state.items():\n"
            '            if state.get("momentum_buffer") is not None:\n'
            '                state["momentum_buffer"].mul_(old_lr / new_lr)\n'
        )
    return "        scheduler.step()  # the learning rate of the next epoch\n"


def _torch_penalty_line(session: ExportedSession) -> str:
    if not session.regularised:
        return ""
    return (
        "        with torch.no_grad():  # the penalty of the weights the epoch starts with\n"
        "            penalty = (\n"
        "                L1 * sum(w.abs().sum() for w in weights)\n"
        "                + 0.5 * L2 * sum((w * w).sum() for w in weights)\n"
        "            ).item()\n"
    )
