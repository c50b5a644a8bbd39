"""Gradient-descent training of a :class:`~backprop_lab.core.network.Network`.

No threads and no Qt here: the GUI's worker calls :meth:`Trainer.step` between
its pause/stop checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .losses import get_loss, validate_targets
from .network import (
    NO_MISTAKES,
    Gradients,
    Mistakes,
    Network,
    TrainWorkspace,
    _as_batch,
    step_chunk_rows,
)
from .optimizers import (
    OPTIMIZER_HYPERPARAMETERS,
    OptimizerState,
    apply_update,
    check_hyperparameter,
    check_optimizer,
    check_penalty,
    check_schedule,
    learning_rate_at,
    penalty,
    regularised_gradients,
)
from .settings import check_loss_fits_output

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
    penalty
        The L1/L2 penalty R of the weights the epoch started with (0 without
        regularisation). ``train_loss`` is the data loss alone; training
        minimises ``train_loss + penalty``.
    """

    epoch: int
    train_loss: float
    test_loss: float | None = None
    penalty: float = 0.0


@dataclass(frozen=True, slots=True)
class Divergence:
    """Why training stopped: the loss, or a weight or bias, stopped being a finite number."""

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
        Step size η0: W -= learning_rate * dE/dW for plain SGD (a schedule
        scales it per epoch).
    loss
        ``"half_sse"``, ``"mse"`` or ``"cross_entropy"``.
    batch_size
        None for full-batch gradient descent, 1 for online learning, k for
        minibatches of k samples (reshuffled every epoch).
    momentum
        Momentum coefficient μ of ``"momentum"`` and ``"nesterov"``
        (classical momentum: v = μ v - η dE/dW; W += v).
    seed
        Seed for the minibatch shuffling.
    X_test, T_test
        Optional test set; its loss is recorded every epoch.
    mistakes
        Deliberate backpropagation mistakes (for the mistakes lab).
    optimizer
        ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"rmsprop"`` or ``"adam"``
        (see :mod:`~.optimizers`); None: ``"momentum"`` if ``momentum > 0``,
        else ``"sgd"`` (as before optimisers existed).
    beta1, beta2, rho, epsilon
        Adam's and RMSprop's hyperparameters.
    schedule, schedule_params
        Learning-rate schedule ``"constant"``, ``"step"`` (``drop``,
        ``every``) or ``"inverse_time"`` (``decay``), evaluated per epoch.
    l1, l2
        Regularisation of the weights (not the biases): the penalty
        l1 · Σ|w| + (l2 / 2) · Σ w² is added to every update's objective.

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
        *,
        optimizer: str | None = None,
        beta1: float = 0.9,
        beta2: float = 0.999,
        rho: float = 0.9,
        epsilon: float = 1e-8,
        schedule: str = "constant",
        schedule_params: dict | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
    ) -> None:
        self.net = net
        self.loss = loss
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self._workspace: TrainWorkspace | None = None
        self.mistakes = mistakes
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self.epoch = 0
        self.divergence: Divergence | None = None
        momentum = check_hyperparameter("momentum", momentum)
        if optimizer is None:
            optimizer = "momentum" if momentum > 0.0 else "sgd"
        self._optimizer = check_optimizer(optimizer)
        self._hyper = {
            "momentum": momentum,
            "beta1": check_hyperparameter("beta1", beta1),
            "beta2": check_hyperparameter("beta2", beta2),
            "rho": check_hyperparameter("rho", rho),
            "epsilon": check_hyperparameter("epsilon", epsilon),
        }
        self._state = OptimizerState()
        self._schedule = "constant"
        self._schedule_params: dict = {}
        self.set_schedule(schedule, schedule_params)
        self._l1 = check_penalty("l1", l1)
        self._l2 = check_penalty("l2", l2)
        self._update_plain()
        self._check_params = False
        self.set_data(X, T, X_test, T_test)

    # ------------------------------------------------------------- settings
    @property
    def loss(self) -> str:
        """Name of the loss being minimised."""
        return self._loss_name

    @loss.setter
    def loss(self, name: str) -> None:
        fn = get_loss(name)
        # The one loss/output rule, shared with TrainingSettings (a SettingsError).
        check_loss_fits_output(name, self.net.activations[-1])
        if getattr(self, "T", None) is not None:
            validate_targets(self.T, self.net.activations[-1], name)
        self._loss_name = name
        self._loss_fn = fn

    @property
    def mistakes(self) -> Mistakes:
        """The deliberate backpropagation mistakes injected (none by default)."""
        return self._mistakes

    @mistakes.setter
    def mistakes(self, value: Mistakes) -> None:
        self._mistakes = value
        self._workspace = None  # the buffered pass knows no mistakes

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
        """Momentum coefficient μ in [0, 1) (0 for optimisers without momentum).

        Setting it on ``"sgd"``/``"momentum"`` switches between the two as
        before optimisers existed (``"momentum"`` when > 0); on ``"nesterov"``
        it sets μ; on rmsprop/adam only 0 is accepted.
        """
        if self._optimizer in ("momentum", "nesterov"):
            return self._hyper["momentum"]
        return 0.0

    @momentum.setter
    def momentum(self, value: float) -> None:
        value = check_hyperparameter("momentum", value)
        if self._optimizer in ("sgd", "momentum"):
            name = "momentum" if value > 0.0 else "sgd"
            if name != self._optimizer:
                self._optimizer = name
                self.reset_optimizer_state()
        elif self._optimizer != "nesterov" and value != 0.0:
            raise ValueError(f"{self._optimizer} has no momentum; choose momentum or nesterov")
        self._hyper["momentum"] = value
        self._update_plain()

    @property
    def optimizer(self) -> str:
        """The optimiser (see :data:`~.optimizers.OPTIMIZERS`); a new one starts from zero state."""
        return self._optimizer

    @optimizer.setter
    def optimizer(self, name: str) -> None:
        self.set_optimizer(name)

    @property
    def hyperparameters(self) -> dict[str, float]:
        """The active optimiser's hyperparameters (a copy), e.g. ``{"momentum": 0.9}``."""
        return {k: self._hyper[k] for k in OPTIMIZER_HYPERPARAMETERS[self._optimizer]}

    def set_optimizer(self, name: str | None = None, **hyperparameters: float) -> None:
        """Change the optimiser and/or its hyperparameters (from the next update).

        A new optimiser starts from zero state; changing only hyperparameters
        keeps the state (like changing the learning rate).
        """
        name = self._optimizer if name is None else check_optimizer(name)
        checked = {k: check_hyperparameter(k, v) for k, v in hyperparameters.items()}
        if name != self._optimizer:
            self._optimizer = name
            self.reset_optimizer_state()
        self._hyper.update(checked)
        self._update_plain()

    @property
    def schedule(self) -> str:
        """The learning-rate schedule's name."""
        return self._schedule

    @property
    def schedule_params(self) -> dict:
        """The schedule's parameters (a copy, defaults filled in)."""
        return dict(self._schedule_params)

    def set_schedule(self, name: str = "constant", params: dict | None = None) -> None:
        """Set the learning-rate schedule; it applies from the next epoch (epochs keep counting)."""
        self._schedule_params = check_schedule(name, params)
        self._schedule = name
        self._update_plain()

    @property
    def current_learning_rate(self) -> float:
        """η of the next epoch: the learning rate after the schedule."""
        return learning_rate_at(
            self._schedule, self._schedule_params, self._learning_rate, self.epoch
        )

    @property
    def l1(self) -> float:
        """L1 coefficient (weights only)."""
        return self._l1

    @l1.setter
    def l1(self, value: float) -> None:
        self._l1 = check_penalty("l1", value)
        self._update_plain()

    @property
    def l2(self) -> float:
        """L2 coefficient (weights only)."""
        return self._l2

    @l2.setter
    def l2(self, value: float) -> None:
        self._l2 = check_penalty("l2", value)
        self._update_plain()

    def penalty(self) -> float:
        """The penalty R of the current weights (0 without regularisation)."""
        return penalty(self.net.weights, self._l1, self._l2)

    @property
    def optimizer_steps(self) -> int:
        """Updates made since the optimiser state was last reset (Adam's t)."""
        return self._state.steps

    def optimizer_state(self) -> dict[str, tuple[Array, ...]]:
        """Copies of the optimiser's state arrays, per parameter array (weights, then biases)."""
        return {k: tuple(a.copy() for a in v) for k, v in self._state.arrays.items()}

    def set_optimizer_state(self, arrays: dict, steps: int = 0) -> None:
        """Start from a given optimiser state, e.g. ``{"velocity": [...]}`` for momentum.

        One array per parameter array (weights, then biases), shaped like them;
        ``steps`` is Adam's t. Names the optimiser does not keep are an error.
        """
        from .optimizers import OPTIMIZER_STATE

        net = self.net
        params = net.weights if net.biases is None else net.weights + net.biases
        wanted = set(OPTIMIZER_STATE[self._optimizer])
        if set(arrays) != wanted:
            raise ValueError(
                f"{self._optimizer} keeps {', '.join(sorted(wanted)) or 'no state'}, "
                f"got {', '.join(sorted(arrays)) or 'nothing'}"
            )
        state = {}
        for name, values in arrays.items():
            values = [np.array(v, dtype=np.float64) for v in values]
            if len(values) != len(params) or any(
                v.shape != p.shape for v, p in zip(values, params)
            ):
                raise ValueError(f"{name}: need one array per parameter array, shaped like it")
            state[name] = values
        self._state = OptimizerState(state, int(steps))

    def _update_plain(self) -> None:
        # Plain SGD with a constant rate and no penalty keeps the seed's fast path.
        self._plain = (
            getattr(self, "_optimizer", "sgd") == "sgd"
            and getattr(self, "_schedule", "constant") == "constant"
            and not getattr(self, "_l1", 0.0)
            and not getattr(self, "_l2", 0.0)
        )

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
        n_in, n_out = self.net.n_inputs, self.net.layer_sizes[-1]
        X = np.array(_as_batch(X, n_in, "X"), dtype=np.float64)
        T = np.array(_as_batch(T, n_out, "T"), dtype=np.float64)
        if X.shape[0] != T.shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples but T has {T.shape[0]}")
        if X.shape[0] == 0:
            raise ValueError("training needs at least one sample")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(T))):
            raise ValueError("training data must be finite numbers")
        validate_targets(T, self.net.activations[-1], self._loss_name)
        if (X_test is None) != (T_test is None):
            raise ValueError("give both X_test and T_test, or neither")
        if X_test is not None and T_test is not None:
            Xt = np.array(_as_batch(X_test, n_in, "X_test"), dtype=np.float64)
            Tt = np.array(_as_batch(T_test, n_out, "T_test"), dtype=np.float64)
            if Xt.shape[0] != Tt.shape[0]:
                raise ValueError(f"X_test has {Xt.shape[0]} samples but T_test has {Tt.shape[0]}")
            try:
                validate_targets(Tt, self.net.activations[-1], self._loss_name)
            except ValueError as exc:
                raise type(exc)(f"test set: {exc}") from None
            self.X_test: Array | None = Xt if Xt.shape[0] else None
            self.T_test: Array | None = Tt if Tt.shape[0] else None
        else:
            self.X_test = self.T_test = None
        self.X, self.T = X, T
        # The input layer's values of the training data, computed once.
        fmap = self.net.feature_map
        self._inputs = X if fmap is None else fmap.transform(X)

    def reset_optimizer_state(self) -> None:
        """Forget the optimiser's state (velocity, Adam's m, v and t) after an edit or reset."""
        self._state = OptimizerState()

    def reset_momentum(self) -> None:
        """Forget the optimiser's state (the old name of :meth:`reset_optimizer_state`)."""
        self.reset_optimizer_state()

    def forget_last_update(self) -> None:
        """Forget the momentum and the last update (after the weights were edited).

        A later divergence then cannot go back to weights from before the edit,
        and no snapshot shows the edit as the last update.
        """
        self.reset_momentum()
        self._previous = None

    # -------------------------------------------------------------- training
    def step(
        self, epochs: int = 1, until: Callable[[EpochRecord], bool] | None = None
    ) -> list[EpochRecord]:
        """Train ``epochs`` epochs and return one record per epoch.

        ``until``, when given, is called with the record of every epoch; the step
        ends after the first epoch for which it returns True (a caller that must
        react at the next epoch boundary passes one instead of stepping one epoch
        a call, which costs more than a small network's epoch).

        If the loss becomes NaN or infinite, or an update makes any weight or
        bias infinite or NaN (a saturated output can keep the loss finite), the
        step stops early: the network
        goes back to the last weights whose loss was finite (in full-batch
        training, undoing the last epoch, so :attr:`epoch` goes back by one),
        :attr:`divergence` says what happened, and the records returned are
        those of the epochs that still count. A caller that kept records from
        earlier calls drops those with ``epoch > trainer.epoch``.
        """
        records: list[EpochRecord] = []
        self.divergence = None
        epochs = int(epochs)
        if epochs <= 0:
            return records
        # A weight that turns inf/NaN stays inf/NaN, so checking the weights
        # once at the end of the call finds every such update; only then is the
        # call replayed from its start, checking after every update, to undo
        # exactly the update that made a parameter non-finite. Plain training
        # pays one check per call, not one per epoch.
        start = self._checkpoint()
        self._check_params = False
        # Overflow is expected while diverging and is handled explicitly below.
        with np.errstate(over="ignore", invalid="ignore"):
            attempted = 0
            for _ in range(epochs):
                attempted += 1
                record = self._train_epoch()
                if record is None:
                    break
                records.append(record)
                if until is not None and until(record):
                    break
            epochs = attempted  # a replay below trains exactly these epochs again
            if not self._params_finite():
                self._restore(start)
                self._check_params = True
                records = []
                self.divergence = None
                try:
                    for _ in range(epochs):
                        record = self._train_epoch()
                        if record is None:
                            break
                        records.append(record)
                finally:
                    self._check_params = False
        # Drop the records of epochs whose update was undone.
        return [r for r in records if r.epoch <= self.epoch]

    def _checkpoint(self) -> tuple:
        # Updates never write into arrays, so references are a faithful copy.
        net = self.net
        rng_state = self._rng.bit_generator.state if self._batch_size is not None else None
        return (
            net.weights,
            net.biases,
            rng_state,
            self._state.copy(),
            self.epoch,
            getattr(self, "_previous", None),
        )

    def _restore(self, checkpoint: tuple) -> None:
        net = self.net
        weights, biases, rng_state, state, epoch, previous = checkpoint
        net.weights, net.biases = weights, biases
        if rng_state is not None:
            self._rng.bit_generator.state = rng_state
        self._state = state
        self.epoch = epoch
        self._previous = previous

    def _params_finite(self) -> bool:
        net = self.net
        arrays = net.weights if net.biases is None else net.weights + net.biases
        total = 0.0
        for a in arrays:
            total += np.add.reduce(a, None)
        if math.isfinite(total):
            return True
        # The sum can overflow for huge finite values: look properly.
        return all(np.isfinite(a).all() for a in arrays)

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
        mistakes = self._mistakes
        test_loss = None
        if self.X_test is not None:
            test_loss = self.test_loss()
        n = self.X.shape[0]
        plain = self._plain
        if plain:
            lr = self._learning_rate
            record_penalty = 0.0
        else:
            lr = self.current_learning_rate
            record_penalty = penalty(net.weights, self._l1, self._l2)
        if self._batch_size is None or self._batch_size >= n:
            # Plain (no mistakes) full-batch epochs of a big enough network reuse
            # their buffers (see TrainWorkspace): the same numbers, no fresh memory.
            ws = self._workspace
            if ws is None or ws.net is not net or ws.n != n:
                ws = self._workspace = TrainWorkspace(net, n, not mistakes.any)
            if ws.chunk_rows is not None:
                # A trace too big to hold at once: the same sums, a chunk of rows at a time.
                total, grads = self._chunked_pass(self._inputs, self.T, ws.chunk_rows, ws)
                if grads is None:
                    return self._diverged(total)
            else:
                buffered = ws.enabled
                if buffered:
                    trace = net._forward_into(self._inputs, ws)
                else:
                    trace = net._forward(self._inputs)
                total, output_delta = loss_fn.evaluate(
                    trace.pre_activations[-1], trace.activations[-1], self.T, output_activation
                )
                if not math.isfinite(total):
                    return self._diverged(total)
                if buffered:
                    grads = net._gradients_into(trace, output_delta, ws)
                else:
                    grads = net._backward(trace, output_delta, mistakes)
            if plain:
                self._apply(grads, lr)
            else:
                self._apply_optimizer(grads, lr)
            if self._check_params and not self._params_finite():
                return self._diverged(total, parameters=True)
            train_loss = total / loss_fn.normaliser(n, self.T.shape[1])
        else:
            total = 0.0
            # Minibatches of a size whose trace is too big to hold at once go in chunks.
            chunk_rows = step_chunk_rows(self._batch_size, net.layer_sizes)
            for idx in self._epoch_batches():
                Tb = self.T[idx]
                if chunk_rows is not None:
                    batch_total, grads = self._chunked_pass(self._inputs[idx], Tb, chunk_rows, None)
                    if grads is None:
                        return self._diverged(batch_total)
                    total += batch_total
                else:
                    trace = net._forward(self._inputs[idx])
                    batch_total, output_delta = loss_fn.evaluate(
                        trace.pre_activations[-1], trace.activations[-1], Tb, output_activation
                    )
                    if not math.isfinite(batch_total):
                        return self._diverged(batch_total)
                    total += batch_total
                    grads = net._backward(trace, output_delta, mistakes)
                if plain:
                    self._apply(grads, lr)
                else:
                    self._apply_optimizer(grads, lr)
                if self._check_params and not self._params_finite():
                    return self._diverged(batch_total, parameters=True)
            train_loss = total / loss_fn.normaliser(n, self.T.shape[1])
        self.epoch += 1
        return EpochRecord(self.epoch, train_loss, test_loss, record_penalty)

    def _chunked_pass(
        self, inputs: Array, targets: Array, rows: int, ws: TrainWorkspace | None
    ) -> tuple[float, Gradients | None]:
        """The loss total and gradients of one batch, ``rows`` rows at a time.

        Each chunk's delta is scaled by the whole batch's normaliser, so the
        sums over the chunks are the whole batch's loss total and gradients up
        to rounding (with one chunk, exactly the allocating pass's). Only one
        chunk's trace and deltas are alive at a time; with a workspace whose
        buffered pass is enabled they go into its buffers. Returns the total
        and None as soon as the total is not finite (the step then diverged).
        """
        net = self.net
        loss_fn = self._loss_fn
        output_activation = net._activation_objects[-1]
        mistakes = self._mistakes
        buffered = ws is not None and ws.enabled
        n = inputs.shape[0]
        normaliser = loss_fn.normaliser(n, targets.shape[1])
        total = 0.0
        weight_sums: list[Array] | None = None
        bias_sums: list[Array] | None = None
        for start in range(0, n, rows):
            chunk = inputs[start : start + rows]
            if buffered:
                trace = net._forward_into(chunk, ws)
            else:
                trace = net._forward(chunk)
            chunk_total, delta = loss_fn.evaluate(
                trace.pre_activations[-1],
                trace.activations[-1],
                targets[start : start + rows],
                output_activation,
                normaliser,
            )
            total += chunk_total
            if not math.isfinite(total):
                return total, None
            if buffered:
                grads = net._gradients_into(trace, delta, ws)
            else:
                grads = net._backward(trace, delta, mistakes)
            del trace, delta  # before the next chunk's pass
            if weight_sums is None:
                weight_sums, bias_sums = grads.weights, grads.biases
            else:
                for acc, g in zip(weight_sums, grads.weights):
                    np.add(acc, g, out=acc)
                if bias_sums is not None:
                    for acc, g in zip(bias_sums, grads.biases):
                        np.add(acc, g, out=acc)
            del grads
        return total, Gradients([], weight_sums, bias_sums)

    def _epoch_batches(self) -> list:
        # The rows of each minibatch of the next epoch (draws from the shuffling RNG).
        n = self.X.shape[0]
        order = self._rng.permutation(n)
        return [order[start : start + self._batch_size] for start in range(0, n, self._batch_size)]

    def _apply_optimizer(self, grads, lr: float) -> None:
        net = self.net
        self._previous = (net.weights, net.biases)
        weight_grads = grads.weights
        if self._l1 or self._l2:
            weight_grads = regularised_gradients(net.weights, weight_grads, self._l1, self._l2)
        n_w = len(net.weights)
        params = net.weights if net.biases is None else net.weights + net.biases
        all_grads = weight_grads if net.biases is None else list(weight_grads) + grads.biases
        new, self._state = apply_update(
            self._optimizer, self._hyper, params, all_grads, lr, self._state
        )
        net.weights = new[:n_w]
        if net.biases is not None:
            net.biases = new[n_w:]

    def _apply(self, grads, lr: float) -> None:
        net = self.net
        # Double buffering: the new weights go into fresh arrays, so the
        # previous ones stay intact as the last finite state.
        self._previous = (net.weights, net.biases)
        if lr == 1.0:  # the seed's setting: skip a multiplication by one
            net.weights = [w - g for w, g in zip(net.weights, grads.weights)]
            if net.biases is not None:
                net.biases = [b - g for b, g in zip(net.biases, grads.biases)]
            return
        net.weights = [w - lr * g for w, g in zip(net.weights, grads.weights)]
        if net.biases is not None:
            net.biases = [b - lr * g for b, g in zip(net.biases, grads.biases)]

    def _diverged(self, loss: float, parameters: bool = False) -> None:
        # The weights that gave a non-finite loss are useless (any further step
        # from them diverges too), so go back to the weights before the last
        # update, whose loss was finite. In full-batch training that undoes
        # the last completed epoch, so the epoch counter goes back by one.
        net = self.net
        previous = getattr(self, "_previous", None)
        if previous is not None:
            net.weights, net.biases = previous
            self._previous = None
            full_batch = self._batch_size is None or self._batch_size >= self.X.shape[0]
            if full_batch and not parameters:
                # The loss of epoch e + 1 is computed from the weights epoch e made.
                self.epoch = max(self.epoch - 1, 0)
        self.reset_optimizer_state()
        what = (
            "a weight or bias became infinite or NaN" if parameters else f"the loss became {loss}"
        )
        self.divergence = Divergence(
            epoch=self.epoch + 1,
            loss=loss,
            message=(
                f"Training diverged: {what} in epoch {self.epoch + 1}. "
                f"The network is back at the last weights with a finite loss (epoch "
                f"{self.epoch}). Try a smaller learning rate (now {self._learning_rate:g})."
            ),
        )
        return None
