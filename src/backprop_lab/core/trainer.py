"""Gradient-descent training of a :class:`~backprop_lab.core.network.Network`.

No threads and no Qt here: the GUI's worker calls :meth:`Trainer.step` between
its pause/stop checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .losses import get_loss
from .network import NO_MISTAKES, Mistakes, Network, _as_batch

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class EpochRecord:
    """The result of one epoch.

    Attributes
    ----------
    epoch
        1 for the first epoch trained.
    train_loss
        The training loss measured during the epoch, before its updates
        (for full-batch training exactly the loss of the weights the epoch
        started with: epoch 1 of the seed example gives the seed's printed
        loss under ``"mse"``). For minibatches, the sum of the batches' losses
        as each batch saw them, normalised like the loss.
    test_loss
        Loss on the test set with the weights the epoch started with, or None.
    """

    epoch: int
    train_loss: float
    test_loss: float | None = None


@dataclass(frozen=True, slots=True)
class Divergence:
    """Why training stopped: the loss stopped being a finite number."""

    epoch: int
    loss: float
    message: str


class Trainer:
    """Trains a network on (X, T) by gradient descent.

    Parameters
    ----------
    net
        The network; its arrays are updated in place (``net.weights[l]`` may be
        replaced by a new array of the same shape after each update).
    X, T
        Training inputs (N, n_inputs) and targets (N, n_outputs).
    learning_rate
        Step size: W -= learning_rate * dE/dW.
    loss
        ``"half_sse"``, ``"mse"`` or ``"cross_entropy"``.
    batch_size
        None for full-batch gradient descent, 1 for online learning, k for
        minibatches of k samples (reshuffled every epoch).
    momentum
        Classical momentum: v = momentum v - learning_rate dE/dW; W += v.
    seed
        Seed for the minibatch shuffling.
    X_test, T_test
        Optional test set; its loss is recorded every epoch.
    mistakes
        Deliberate backpropagation mistakes (for the mistakes lab).

    Examples
    --------
    >>> from backprop_lab.core import seed_example
    >>> trainer = Trainer(**seed_example())
    >>> [round(r.train_loss, 6) for r in trainer.step(2)]
    [0.189265, 0.136664]
    """

    def __init__(
        self,
        net: Network,
        X: npt.ArrayLike,
        T: npt.ArrayLike,
        learning_rate: float = 0.1,
        loss: str = "half_sse",
        batch_size: int | None = None,
        momentum: float = 0.0,
        seed: int | None = 0,
        X_test: npt.ArrayLike | None = None,
        T_test: npt.ArrayLike | None = None,
        mistakes: Mistakes = NO_MISTAKES,
    ) -> None:
        self.net = net
        self.loss = loss
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.momentum = momentum
        self.mistakes = mistakes
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self.epoch = 0
        self.divergence: Divergence | None = None
        self._velocity: list[Array] | None = None
        self._bias_velocity: list[Array] | None = None
        self.set_data(X, T, X_test, T_test)

    # ------------------------------------------------------------- settings
    @property
    def loss(self) -> str:
        """Name of the loss being minimised."""
        return self._loss_name

    @loss.setter
    def loss(self, name: str) -> None:
        fn = get_loss(name)
        if name == "cross_entropy" and self.net.activations[-1] not in ("sigmoid", "softmax"):
            raise ValueError("cross-entropy needs a sigmoid or softmax output layer")
        self._loss_name = name
        self._loss_fn = fn

    @property
    def learning_rate(self) -> float:
        """The step size, a finite number > 0."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        value = float(value)
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"the learning rate must be a number > 0, got {value}")
        self._learning_rate = value

    @property
    def momentum(self) -> float:
        """Momentum coefficient in [0, 1)."""
        return self._momentum

    @momentum.setter
    def momentum(self, value: float) -> None:
        value = float(value)
        if not (0.0 <= value < 1.0):
            raise ValueError(f"momentum must be in [0, 1), got {value}")
        self._momentum = value

    @property
    def batch_size(self) -> int | None:
        """None (full batch) or the minibatch size."""
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value: int | None) -> None:
        if value is not None:
            value = int(value)
            if value < 1:
                raise ValueError(f"the batch size must be at least 1, got {value}")
        self._batch_size = value

    def set_data(
        self,
        X: npt.ArrayLike,
        T: npt.ArrayLike,
        X_test: npt.ArrayLike | None = None,
        T_test: npt.ArrayLike | None = None,
    ) -> None:
        """Replace the training (and test) data; shapes must fit the network."""
        n_in, n_out = self.net.layer_sizes[0], self.net.layer_sizes[-1]
        X = np.array(_as_batch(X, n_in, "X"), dtype=np.float64)
        T = np.array(_as_batch(T, n_out, "T"), dtype=np.float64)
        if X.shape[0] != T.shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples but T has {T.shape[0]}")
        if X.shape[0] == 0:
            raise ValueError("training needs at least one sample")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(T))):
            raise ValueError("training data must be finite numbers")
        if (X_test is None) != (T_test is None):
            raise ValueError("give both X_test and T_test, or neither")
        if X_test is not None and T_test is not None:
            Xt = np.array(_as_batch(X_test, n_in, "X_test"), dtype=np.float64)
            Tt = np.array(_as_batch(T_test, n_out, "T_test"), dtype=np.float64)
            if Xt.shape[0] != Tt.shape[0]:
                raise ValueError(f"X_test has {Xt.shape[0]} samples but T_test has {Tt.shape[0]}")
            self.X_test: Array | None = Xt if Xt.shape[0] else None
            self.T_test: Array | None = Tt if Tt.shape[0] else None
        else:
            self.X_test = self.T_test = None
        self.X, self.T = X, T

    def reset_momentum(self) -> None:
        """Forget the momentum velocity (after a weight edit or reset)."""
        self._velocity = None
        self._bias_velocity = None

    def forget_last_update(self) -> None:
        """Forget the momentum and the last update (after the weights were edited).

        A later divergence then cannot go back to weights from before the edit,
        and no snapshot shows the edit as the last update.
        """
        self.reset_momentum()
        self._previous = None

    # -------------------------------------------------------------- training
    def step(self, epochs: int = 1) -> list[EpochRecord]:
        """Train ``epochs`` epochs and return one record per epoch.

        If the loss becomes NaN or infinite the step stops early: the network
        goes back to the last weights whose loss was finite (in full-batch
        training, undoing the last epoch, so :attr:`epoch` goes back by one),
        :attr:`divergence` says what happened, and the records returned are
        those of the epochs that still count. A caller that kept records from
        earlier calls drops those with ``epoch > trainer.epoch``.
        """
        records: list[EpochRecord] = []
        self.divergence = None
        # Overflow is expected while diverging and is handled explicitly below.
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(int(epochs)):
                record = self._train_epoch()
                if record is None:
                    # Drop the records of epochs whose update was undone.
                    records = [r for r in records if r.epoch <= self.epoch]
                    break
                records.append(record)
        return records

    def test_loss(self) -> float | None:
        """Loss on the test set with the current weights (None without one)."""
        if self.X_test is None or self.T_test is None:
            return None
        return self.net.loss(self.X_test, self.T_test, self._loss_name)

    def train_loss(self) -> float:
        """Loss on the training set with the current weights."""
        return self.net.loss(self.X, self.T, self._loss_name)

    def _train_epoch(self) -> EpochRecord | None:
        net = self.net
        loss_fn = self._loss_fn
        output_activation = net._activation_objects[-1]
        mistakes = self.mistakes
        test_loss = None
        if self.X_test is not None:
            test_loss = self.test_loss()
        n = self.X.shape[0]
        if self._batch_size is None or self._batch_size >= n:
            trace = net._forward(self.X)
            total, output_delta = loss_fn.evaluate(
                trace.pre_activations[-1], trace.activations[-1], self.T, output_activation
            )
            if not math.isfinite(total):
                return self._diverged(total)
            self._apply(net._backward(trace, output_delta, mistakes))
            train_loss = total / loss_fn.normaliser(n, self.T.shape[1])
        else:
            order = self._rng.permutation(n)
            total = 0.0
            for start in range(0, n, self._batch_size):
                idx = order[start : start + self._batch_size]
                Xb, Tb = self.X[idx], self.T[idx]
                trace = net._forward(Xb)
                batch_total, output_delta = loss_fn.evaluate(
                    trace.pre_activations[-1], trace.activations[-1], Tb, output_activation
                )
                if not math.isfinite(batch_total):
                    return self._diverged(batch_total)
                total += batch_total
                self._apply(net._backward(trace, output_delta, mistakes))
            train_loss = total / loss_fn.normaliser(n, self.T.shape[1])
        self.epoch += 1
        return EpochRecord(self.epoch, train_loss, test_loss)

    def _apply(self, grads) -> None:
        net = self.net
        lr = self._learning_rate
        # Double buffering: the new weights go into fresh arrays, so the
        # previous ones stay intact as the last finite state.
        self._previous = (net.weights, net.biases)
        if self._momentum == 0.0:
            if lr == 1.0:  # the seed's setting: skip a multiplication by one
                net.weights = [w - g for w, g in zip(net.weights, grads.weights)]
                if net.biases is not None:
                    net.biases = [b - g for b, g in zip(net.biases, grads.biases)]
                return
            net.weights = [w - lr * g for w, g in zip(net.weights, grads.weights)]
            if net.biases is not None:
                net.biases = [b - lr * g for b, g in zip(net.biases, grads.biases)]
            return
        mu = self._momentum
        if self._velocity is None or len(self._velocity) != len(net.weights):
            self._velocity = [np.zeros_like(w) for w in net.weights]
            self._bias_velocity = (
                [np.zeros_like(b) for b in net.biases] if net.biases is not None else None
            )
        self._velocity = [mu * v - lr * g for v, g in zip(self._velocity, grads.weights)]
        net.weights = [w + v for w, v in zip(net.weights, self._velocity)]
        if net.biases is not None:
            if self._bias_velocity is None:
                self._bias_velocity = [np.zeros_like(b) for b in net.biases]
            self._bias_velocity = [
                mu * v - lr * g for v, g in zip(self._bias_velocity, grads.biases)
            ]
            net.biases = [b + v for b, v in zip(net.biases, self._bias_velocity)]

    def _diverged(self, loss: float) -> None:
        # The weights that gave a non-finite loss are useless (any further step
        # from them diverges too), so go back to the weights before the last
        # update, whose loss was finite. In full-batch training that undoes
        # the last completed epoch, so the epoch counter goes back by one.
        net = self.net
        previous = getattr(self, "_previous", None)
        if previous is not None:
            net.weights, net.biases = previous
            self._previous = None
            if self._batch_size is None or self._batch_size >= self.X.shape[0]:
                self.epoch = max(self.epoch - 1, 0)
        self.reset_momentum()
        self.divergence = Divergence(
            epoch=self.epoch + 1,
            loss=loss,
            message=(
                f"Training diverged: the loss became {loss} in epoch {self.epoch + 1}. "
                f"The network is back at the last weights with a finite loss (epoch "
                f"{self.epoch}). Try a smaller learning rate (now {self._learning_rate:g})."
            ),
        )
        return None
