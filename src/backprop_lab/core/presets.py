"""The seed post's exact example, ready for a Trainer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .datasets import make_dataset, train_test_split
from .network import Network

# The seed example lives in .seed; these names stay importable from here.
from .seed import SEED_T_RAW, SEED_X_RAW, seed_inputs, seed_network  # noqa: F401
from .trainer import Trainer


def seed_example() -> dict[str, Any]:
    """Everything a :class:`~backprop_lab.core.trainer.Trainer` needs for the seed example.

    Returns
    -------
    dict
        ``net``, ``X``, ``T``, ``learning_rate`` (1.0) and ``loss``
        (``"half_sse"``, the seed's E); use it as ``Trainer(**seed_example())``.
    """
    X, T = seed_inputs()
    return {"net": seed_network(), "X": X, "T": T, "learning_rate": 1.0, "loss": "half_sse"}


@dataclass(frozen=True)
class Preset:
    """An example a teacher can open in one click: data plus a network that learns it.

    Attributes
    ----------
    name
        The example's display name; unless ``dataset`` says otherwise, also its
        dataset's (a key of ``DATASETS``).
    description
        One sentence for the student.
    hidden_layer_sizes, activations
        The architecture; ``activations`` has one name per hidden layer and one
        for the output layer.
    bias, init, init_value, init_seed
        Biases and initialisation.
    learning_rate, loss, batch_size, momentum
        Training settings (batch_size None = full batch).
    test_fraction
        Share of the data held out as a test set.
    dataset
        The example dataset's display name when it differs from ``name`` (two
        examples on the same data), else empty.
    """

    name: str
    description: str
    hidden_layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    bias: bool = True
    init: str = "xavier"
    init_value: float = 0.1
    init_seed: int = 0
    learning_rate: float = 0.1
    loss: str = "mse"
    batch_size: int | None = None
    momentum: float = 0.0
    test_fraction: float = 0.0
    dataset: str = ""

    @property
    def dataset_name(self) -> str:
        """The display name of the example dataset this preset trains on."""
        return self.dataset or self.name

    def settings(self) -> dict[str, Any]:
        """The network and training settings, as the app stores them.

        The optimiser is stated (momentum when the preset has momentum, else
        plain SGD) with a constant learning rate and no L1/L2, as
        :meth:`trainer` trains, so opening an example never keeps the
        previous session's optimiser, schedule or penalty.
        """
        return {
            "hidden_layer_sizes": list(self.hidden_layer_sizes),
            "activations": list(self.activations),
            "bias": self.bias,
            "init": self.init,
            "init_value": self.init_value,
            "init_seed": self.init_seed,
            "learning_rate": self.learning_rate,
            "loss": self.loss,
            "batch_size": self.batch_size,
            "momentum": self.momentum,
            "optimizer": "momentum" if self.momentum > 0 else "sgd",
            "lr_schedule": "constant",
            "l1": 0.0,
            "l2": 0.0,
        }

    def datasets(self, seed: int = 0):
        """The training set and the test set (None when ``test_fraction`` is 0)."""
        data = make_dataset(self.dataset_name, seed=seed)
        if self.test_fraction <= 0:
            return data, None
        return train_test_split(data, self.test_fraction, seed=seed)

    def network(self, n_inputs: int, n_outputs: int) -> Network:
        """The preset's network, initialised from ``init_seed``."""
        return Network(
            [n_inputs, *self.hidden_layer_sizes, n_outputs],
            list(self.activations),
            init=self.init,
            bias=self.bias,
            seed=self.init_seed,
            init_value=self.init_value,
        )

    def trainer(self, seed: int = 0) -> Trainer:
        """A core Trainer set up exactly as the app sets this preset up."""
        train, test = self.datasets(seed)
        return Trainer(
            self.network(train.n_inputs, train.n_outputs),
            train.inputs,
            train.targets,
            learning_rate=self.learning_rate,
            loss=self.loss,
            batch_size=self.batch_size,
            momentum=self.momentum,
            seed=self.init_seed,
            X_test=None if test is None else test.inputs,
            T_test=None if test is None else test.targets,
        )


#: The examples, by the short names the command line takes (``--preset xor``).
PRESETS: dict[str, Preset] = {
    "seed": Preset(
        "Seed example",
        "The blog post's 2-3-3-1 sigmoid network: no bias, every weight 0.1, learning rate 1.",
        (3, 3),
        ("sigmoid", "sigmoid", "sigmoid"),
        bias=False,
        init="constant",
        learning_rate=1.0,
        loss="half_sse",
    ),
    "xor": Preset(
        "XOR",
        "Not linearly separable: one hidden layer of 4 tanh units bends the boundary.",
        (4,),
        ("tanh", "sigmoid"),
        learning_rate=1.0,
        loss="cross_entropy",
        test_fraction=0.2,
    ),
    "circles": Preset(
        "Circles",
        "A ring around a disc: the hidden units each cut the plane, the output combines them.",
        (8,),
        ("tanh", "sigmoid"),
        learning_rate=1.0,
        loss="cross_entropy",
        test_fraction=0.2,
    ),
    "gaussians": Preset(
        "Two gaussians",
        "Two blobs: a single straight boundary is enough, so training is quick.",
        (2,),
        ("tanh", "sigmoid"),
        learning_rate=0.5,
        loss="cross_entropy",
        test_fraction=0.2,
    ),
    "spirals": Preset(
        "Two spirals",
        "Hard: two interleaved spirals need two hidden layers, momentum and patience.",
        (16, 16),
        ("tanh", "tanh", "sigmoid"),
        learning_rate=0.3,
        loss="cross_entropy",
        momentum=0.9,
        test_fraction=0.2,
    ),
    "sine": Preset(
        "Noisy sine",
        "Regression: a tanh hidden layer and a linear output fit a curve through noise.",
        (8,),
        ("tanh", "linear"),
        learning_rate=0.2,
        loss="mse",
        test_fraction=0.2,
    ),
    "above_sine": Preset(
        "Above/below sine",
        "Class 1 above the curve y = 0.6 sin(pi x): 8 tanh units bend one boundary into a wave.",
        (8,),
        ("tanh", "sigmoid"),
        learning_rate=1.0,
        loss="cross_entropy",
        test_fraction=0.2,
    ),
    "above_cubic": Preset(
        "Above/below cubic",
        "Class 1 above y = 1.5 (x^3 - x): the boundary rises, falls and rises again.",
        (8,),
        ("tanh", "sigmoid"),
        learning_rate=1.0,
        loss="cross_entropy",
        test_fraction=0.2,
    ),
    "above_abs": Preset(
        "Above/below |x|",
        "Class 1 above the V y = |x| - 0.5: a few units are enough for its corner.",
        (4,),
        ("tanh", "sigmoid"),
        learning_rate=1.0,
        loss="cross_entropy",
        test_fraction=0.2,
    ),
    "moons": Preset(
        "Two moons",
        "Two interleaved half circles: one hidden layer of 8 tanh units separates them.",
        (8,),
        ("tanh", "sigmoid"),
        learning_rate=1.0,
        loss="cross_entropy",
        test_fraction=0.2,
    ),
    "three_gaussians": Preset(
        "Three gaussians",
        "Three classes: a softmax output gives each point three probabilities that add up to 1.",
        (4,),
        ("tanh", "softmax"),
        learning_rate=0.5,
        loss="cross_entropy",
        test_fraction=0.2,
    ),
    "vanishing": Preset(
        "Deep sigmoid net (vanishing gradients)",
        "Five sigmoid layers on two moons: the first layer's gradients are about 3000 times "
        "smaller than the last's, so the loss stays flat for hundreds of epochs.",
        (8, 8, 8, 8, 8),
        ("sigmoid",) * 6,
        init="xavier",
        learning_rate=1.0,
        loss="cross_entropy",
        test_fraction=0.2,
        dataset="Two moons",
    ),
    "vanishing_relu": Preset(
        "Deep ReLU net, He initialisation",
        "The same five-layer net with ReLU units and He initialisation: gradients keep their "
        "size through the layers and it learns within 200 epochs.",
        (8, 8, 8, 8, 8),
        ("relu",) * 5 + ("sigmoid",),
        init="he",
        learning_rate=0.2,
        loss="cross_entropy",
        test_fraction=0.2,
        dataset="Two moons",
    ),
}


def get_preset(name: str) -> Preset:
    """A preset by its short name (``"xor"``) or display name (``"XOR"``), any case.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.
    """
    key = name.strip().lower()
    for short, preset in PRESETS.items():
        if key in (short, preset.name.lower()):
            return preset
    raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
