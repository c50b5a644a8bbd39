"""The training worker and controller, checked number for number against the core."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, QThread, Slot
from waiting import process_events, worker_round_trip

from backprop_lab.core import Network, ParameterRef, Trainer, seed_example
from backprop_lab.core.data import Dataset
from backprop_lab.core.datasets import make_dataset, seed_dataset
from backprop_lab.gui.training import (
    GIL_SWITCH_INTERVAL_SECONDS,
    MAX_SNAPSHOTS_PER_SECOND,
    EpochBatch,
    TrainingWorker,
    WorkerState,
)
from backprop_lab.gui.training.worker import (
    FIRST_SNAPSHOT_MAX_SECONDS,
    GUI_BUSY_BUDGET,
    SNAPSHOT_COST_BUDGET,
    STEP_ASIDE_FRAMES_PER_SECOND,
    STEP_ASIDE_GUI_BUDGET,
    STEP_ASIDE_LEAN_BUDGET,
    Pause,
    Quit,
    Run,
    SetLearningRate,
    Step,
)

TIMEOUT = 30_000  # an upper bound for waits on signals: a loaded CI machine can take seconds


def wait_paused(qtbot, controller, timeout=TIMEOUT):
    qtbot.waitUntil(lambda: not controller.is_running, timeout=timeout)


def collect(controller):
    batches: list[EpochBatch] = []
    controller.epochs_trained.connect(batches.append)
    return batches


def all_losses(batches):
    if not batches:
        return np.array([], dtype=np.int64), np.array([])
    return (
        np.concatenate([b.epochs for b in batches]),
        np.concatenate([b.train_loss for b in batches]),
    )


def test_opens_on_the_seed_example(controller):
    snapshot = controller.current_snapshot()
    assert snapshot.epoch == 0
    assert snapshot.layer_sizes == (2, 3, 3, 1)
    assert snapshot.activations == ("sigmoid",) * 3
    assert snapshot.biases is None
    assert all(np.all(w == 0.1) for w in snapshot.weights)
    settings = controller.settings()
    assert settings["learning_rate"] == 1.0 and settings["loss"] == "half_sse"
    assert controller.thread_is_alive() and not controller.is_running


def test_step_trains_exactly_one_epoch_like_the_core(qtbot, controller):
    batches = collect(controller)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT) as blocker:
        assert controller.step()
    snapshot = blocker.args[0]
    core = Trainer(**seed_example())
    record = core.step(1)[0]
    assert snapshot.epoch == 1
    epochs, losses = all_losses(batches)
    assert epochs.tolist() == [1]
    assert losses[0] == record.train_loss
    for shown, expected in zip(snapshot.weights, core.net.weights, strict=True):
        np.testing.assert_array_equal(shown, expected)
    # The seed's correct first update (docs/architecture.md, the seed example).
    np.testing.assert_allclose(snapshot.weights[2], 0.23868457, atol=1e-8)


def test_step_n_keeps_every_epochs_loss(qtbot, controller):
    batches = collect(controller)
    with qtbot.waitSignal(
        controller.state_changed, timeout=TIMEOUT, check_params_cb=lambda s: s == "paused"
    ):
        controller.step(500)
    core = Trainer(**seed_example())
    records = core.step(500)
    epochs, losses = all_losses(batches)
    assert epochs.tolist() == list(range(1, 501))
    np.testing.assert_array_equal(losses, [r.train_loss for r in records])
    np.testing.assert_array_equal(controller.current_snapshot().weights[0], core.net.weights[0])


def test_run_then_pause_stops_at_an_epoch_boundary(qtbot, controller):
    batches = collect(controller)
    with qtbot.waitSignal(controller.state_changed, timeout=TIMEOUT):
        controller.run()
    assert controller.is_running
    qtbot.waitUntil(lambda: sum(len(b) for b in batches) > 50, timeout=TIMEOUT)
    with qtbot.waitSignal(controller.state_changed, timeout=TIMEOUT) as blocker:
        controller.pause()
    assert blocker.args == ["paused"]
    assert not controller.is_running
    worker_round_trip(qtbot, controller)  # everything sent before the pause has arrived
    epochs, losses = all_losses(batches)
    settled = controller.current_snapshot().epoch
    # Nothing runs after the pause: the worker's trainer is still at the shown epoch,
    # no new epochs arrived, and the shown epoch is the last loss's.
    assert worker_round_trip(qtbot, controller).epoch == settled + 1
    assert all_losses(batches)[0].tolist() == epochs.tolist()
    assert controller.current_snapshot().epoch == settled == epochs[-1]
    assert epochs.tolist() == list(range(1, settled + 1))
    core = Trainer(**seed_example())
    np.testing.assert_array_equal(losses, [r.train_loss for r in core.step(settled)])
    np.testing.assert_array_equal(controller.current_snapshot().weights[1], core.net.weights[1])


def test_learning_rate_change_while_running_applies_from_the_next_epoch(qtbot, controller):
    batches = collect(controller)
    controller.run()
    qtbot.waitUntil(lambda: sum(len(b) for b in batches) >= 20, timeout=TIMEOUT)
    controller.set_learning_rate(0.25)
    changed_at = sum(len(b) for b in batches)
    qtbot.waitUntil(lambda: sum(len(b) for b in batches) >= changed_at + 100, timeout=TIMEOUT)
    controller.pause()
    wait_paused(qtbot, controller)
    process_events()  # batches queued before the pause arrive
    _epochs, losses = all_losses(batches)
    # Replay in the core: lr 1 until the switch, then 0.25. Find the switch epoch k
    # for which the whole loss curve matches exactly.
    core = Trainer(**seed_example())
    reference = [r.train_loss for r in core.step(len(losses))]
    first_diff = int(np.argmax(np.asarray(losses) != np.asarray(reference)))
    assert first_diff > 0, "the learning rate never changed"
    # It applies from an epoch boundary at or after the call, never before.
    assert first_diff >= changed_at
    replay = Trainer(**seed_example())
    replay.step(first_diff - 1)
    replay.learning_rate = 0.25
    tail = [r.train_loss for r in replay.step(len(losses) - first_diff + 1)]
    np.testing.assert_array_equal(losses[first_diff - 1 :], tail)
    np.testing.assert_array_equal(controller.current_snapshot().weights[0], replay.net.weights[0])
    assert controller.settings()["learning_rate"] == 0.25


def test_reset_restores_the_initial_weights_exactly(qtbot, controller):
    initial = [w.copy() for w in controller.current_snapshot().weights]
    with qtbot.waitSignal(
        controller.state_changed, timeout=TIMEOUT, check_params_cb=lambda s: s == "paused"
    ):
        controller.step(40)
    assert not np.array_equal(controller.current_snapshot().weights[0], initial[0])
    with qtbot.waitSignal(controller.network_reset, timeout=TIMEOUT) as blocker:
        controller.reset()
    snapshot = blocker.args[0]
    assert snapshot.epoch == 0
    for shown, expected in zip(snapshot.weights, initial, strict=True):
        np.testing.assert_array_equal(shown, expected)
    # and a Step after Reset is the core's first step again
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT) as blocker:
        controller.step()
    core = Trainer(**seed_example())
    core.step(1)
    np.testing.assert_array_equal(blocker.args[0].weights[2], core.net.weights[2])


def test_reinitialise_uses_the_new_seed(qtbot, controller):
    controller.set_architecture([4], ["tanh", "linear"], bias=True, init="xavier", init_seed=1)
    with qtbot.waitSignal(controller.network_reset, timeout=TIMEOUT) as blocker:
        seed = controller.reinitialise(seed=7)
    assert seed == 7 and controller.settings()["init_seed"] == 7
    expected = Network([2, 4, 1], ["tanh", "linear"], init="xavier", bias=True, seed=7)
    np.testing.assert_array_equal(blocker.args[0].weights[0], expected.weights[0])


def test_architecture_change_resets_and_bad_values_change_nothing(qtbot, controller):
    with qtbot.waitSignal(controller.network_reset, timeout=TIMEOUT) as blocker:
        controller.set_architecture([5, 2], "tanh", bias=True, init="he", init_seed=3)
    assert blocker.args[0].layer_sizes == (2, 5, 2, 1)
    assert blocker.args[0].biases is not None
    before = controller.settings()
    generation = controller.generation()
    bad_calls = [
        lambda: controller.set_architecture([0], "tanh", True, "he"),
        lambda: controller.set_architecture([3], ["softmax", "sigmoid"], True, "he"),
        lambda: controller.set_architecture([3], "tanh", True, "magic"),
        lambda: controller.set_learning_rate(0),
        lambda: controller.set_learning_rate(float("nan")),
        lambda: controller.set_momentum(1.0),
        lambda: controller.set_batch_size(0),
        lambda: controller.set_loss("hinge"),
        lambda: controller.set_speed(-1),
        lambda: controller.set_stop_conditions(0, None),
        lambda: controller.set_stop_conditions(None, float("inf")),
        lambda: controller.step(0),
    ]
    for call in bad_calls:
        with pytest.raises(ValueError, match=r"\w"):
            call()
    assert controller.settings() == before
    assert controller.generation() == generation


def test_edit_a_weight_while_paused(qtbot, controller):
    ref = ParameterRef(layer=2, source=1, target=0)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT) as blocker:
        controller.set_parameter(ref, -0.75)
    assert ref.value_in(blocker.args[0].weights, None) == -0.75
    with pytest.raises(ValueError, match="no biases"):
        controller.set_parameter(ParameterRef(0, None, 0), 1.0)
    with pytest.raises(ValueError, match="does not exist"):
        controller.set_parameter(ParameterRef(0, 5, 0), 1.0)
    # The edited weight takes part in the next step exactly as in the core.
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT) as blocker:
        controller.step()
    core = Trainer(**seed_example())
    core.net.weights[2][1, 0] = -0.75
    core.step(1)
    np.testing.assert_array_equal(blocker.args[0].weights[0], core.net.weights[0])


def test_editing_while_running_is_refused(qtbot, controller):
    controller.run()
    with pytest.raises(ValueError, match="pause"):
        controller.set_parameter(ParameterRef(0, 0, 0), 1.0)
    controller.pause()
    wait_paused(qtbot, controller)


def test_divergence_pauses_and_keeps_the_last_finite_weights(qtbot, controller):
    # Sigmoid saturates, so the seed example at learning rate 10 does not diverge;
    # an all-linear network on the same data does, at epoch 5.
    controller.set_architecture([3, 3], "linear", bias=False, init="constant", init_seed=0)
    controller.set_learning_rate(10)
    with qtbot.waitSignal(controller.diverged, timeout=TIMEOUT) as blocker:
        controller.run()
    divergence = blocker.args[0]
    assert "smaller learning rate" in divergence.message
    wait_paused(qtbot, controller)
    snapshot = controller.current_snapshot()
    assert all(np.all(np.isfinite(w)) for w in snapshot.weights)
    assert snapshot.epoch == divergence.epoch - 1
    # A smaller learning rate after a reset trains again.
    controller.reset()
    controller.set_learning_rate(0.05)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT) as blocker:
        controller.step()
    assert blocker.args[0].epoch == 1 and np.isfinite(blocker.args[0].train_loss)


def test_stop_conditions(qtbot, controller):
    controller.set_stop_conditions(max_epochs=120, target_loss=None)
    with qtbot.waitSignal(controller.stop_condition_reached, timeout=TIMEOUT) as blocker:
        controller.run()
    assert "120" in blocker.args[0]
    wait_paused(qtbot, controller)
    assert controller.current_snapshot().epoch == 120
    controller.reset()
    controller.set_stop_conditions(None, target_loss=0.02)
    with qtbot.waitSignal(controller.stop_condition_reached, timeout=TIMEOUT):
        controller.run()
    wait_paused(qtbot, controller)
    core = Trainer(**seed_example())
    first = next(r.epoch for r in core.step(1000) if r.train_loss <= 0.02)
    assert controller.current_snapshot().epoch == first


def test_speed_cap_limits_epochs_per_second(qtbot, controller):
    batches = collect(controller)
    controller.set_speed(50)
    started = time.perf_counter()
    controller.run()
    # Let it run long enough for the cap to matter (at 50 epochs/s, at least 0.3 s).
    qtbot.waitUntil(lambda: sum(len(b) for b in batches) >= 15, timeout=TIMEOUT)
    controller.pause()
    wait_paused(qtbot, controller)
    elapsed = time.perf_counter() - started
    trained = sum(len(b) for b in batches)
    # Never faster than the cap, however long a loaded machine made the wait; one
    # epoch of slack for the one trained at the start.
    assert 15 <= trained <= 50 * elapsed + 1


def test_same_width_data_keeps_the_weights_new_width_rebuilds(qtbot, controller):
    xor = make_dataset("xor", n_samples=40)
    assert controller.set_data(xor) is False  # 2 inputs, 1 output: same network
    controller.step()
    qtbot.waitUntil(lambda: controller.current_snapshot().epoch == 1, timeout=TIMEOUT)
    core = Trainer(**seed_example())
    core.set_data(xor.inputs, xor.targets)
    core.step(1)
    np.testing.assert_array_equal(controller.current_snapshot().weights[0], core.net.weights[0])
    assert controller.current_snapshot().inputs.shape == (40, 2)
    wide = Dataset(np.ones((4, 3)), np.zeros((4, 2)), ("a", "b", "c"), ("p", "q"))
    with qtbot.waitSignal(controller.network_reset, timeout=TIMEOUT) as blocker:
        assert controller.set_data(wide) is True
    assert blocker.args[0].layer_sizes == (3, 3, 3, 2)
    assert controller.dataset()[0] is wide
    empty = Dataset(np.zeros((0, 3)), np.zeros((0, 2)), ("a", "b", "c"), ("p", "q"))
    with pytest.raises(ValueError, match="at least one sample"):
        controller.set_data(empty)
    assert controller.dataset()[0] is wide


def test_stale_frames_of_a_replaced_network_are_dropped(qtbot, controller):
    shown = []
    controller.snapshot_ready.connect(shown.append)
    controller.run()
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)  # frames while running
    controller.set_architecture([6], "tanh", bias=True, init="xavier", init_seed=2)
    shown.clear()  # frames of the old network still queued must never arrive now
    # The worker has handled the replacement and everything it emitted before has
    # been delivered (and dropped).
    worker_round_trip(qtbot, controller)
    assert shown == [] or all(s.layer_sizes == (2, 6, 1) for s in shown)
    controller.step()
    qtbot.waitUntil(lambda: controller.current_snapshot().epoch == 1, timeout=TIMEOUT)
    assert shown and all(s.layer_sizes == (2, 6, 1) for s in shown)
    assert controller.current_snapshot().layer_sizes == (2, 6, 1)
    assert not controller.is_running


def test_shutdown_while_running_joins_the_thread(qtbot):
    from backprop_lab.gui.training import TrainingController

    controller = TrainingController()
    controller.run()
    qtbot.waitUntil(lambda: controller.current_snapshot().epoch > 0, timeout=TIMEOUT)
    assert controller.shutdown(timeout_ms=3000)
    assert not controller.thread_is_alive()
    assert controller.shutdown()  # twice is fine


def test_seed_dataset_is_the_default_data(controller):
    train, test = controller.dataset()
    np.testing.assert_array_equal(train.inputs, seed_dataset().inputs)
    assert test is None


def test_a_step_never_ends_on_weights_whose_loss_is_not_finite(qtbot, controller):
    # From the last finite weights of a diverged linear net, one more full-batch
    # step gives finite weights with an infinite loss; the worker undoes it and
    # reports the divergence instead of showing them.
    controller.set_architecture([3, 3], "linear", bias=False, init="constant", init_seed=0)
    controller.set_learning_rate(10)
    with qtbot.waitSignal(controller.diverged, timeout=TIMEOUT):
        controller.run()
    wait_paused(qtbot, controller)
    rewound = controller.current_snapshot()
    batches = collect(controller)
    changes = []
    controller.session_changed.connect(changes.append)
    for _ in range(3):
        with qtbot.waitSignal(controller.diverged, timeout=TIMEOUT):
            controller.step()
        wait_paused(qtbot, controller)
        snapshot = controller.current_snapshot()
        assert snapshot.epoch == rewound.epoch
        assert np.isfinite(snapshot.train_loss)
        for mine, before in zip(snapshot.weights, rewound.weights, strict=True):
            np.testing.assert_array_equal(mine, before)
    assert all(b.epochs.max() <= rewound.epoch for b in batches)


def test_session_changed_names_what_changed(qtbot, controller):
    changes = []
    controller.session_changed.connect(changes.append)
    controller.set_learning_rate(0.5)
    controller.set_parameter(ParameterRef(0, 0, 0), 0.2)
    controller.set_data(seed_dataset())
    controller.reset()
    with qtbot.waitSignal(controller.epochs_trained, timeout=TIMEOUT):
        controller.step()
    assert changes == ["settings", "weights", "data", "network", "training"]


def test_runs_train_several_epochs_a_turn_but_never_past_a_limit(qtbot, controller):
    # Long runs call the core a few epochs at a time; every epoch still arrives, and
    # a maximum that is no multiple of the chunk still stops exactly there.
    batches = collect(controller)
    controller.set_stop_conditions(max_epochs=1237, target_loss=None)
    with qtbot.waitSignal(controller.stop_condition_reached, timeout=TIMEOUT):
        controller.run()
    wait_paused(qtbot, controller)
    assert controller.current_snapshot().epoch == 1237
    epochs, losses = all_losses(batches)
    assert epochs.tolist() == list(range(1, 1238))
    core = Trainer(**seed_example())
    np.testing.assert_array_equal(losses, [r.train_loss for r in core.step(1237)])
    np.testing.assert_array_equal(controller.current_snapshot().weights[2], core.net.weights[2])


class InterruptingTrainer(Trainer):
    """Sends worker commands at the end of given epochs, as clicks during them would."""

    def __init__(self, *args, commands: dict[int, list], **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = commands
        self.worker = None

    def step(self, epochs=1, until=None):
        def boundary(record):
            for command in self.commands.pop(record.epoch, []):
                self.worker.send(command)
            return until is not None and until(record)

        return super().step(epochs, until=boundary)


class Collector(QObject):
    """Receives the worker's signals in the GUI thread."""

    def __init__(self):
        super().__init__()
        self.batches: list[EpochBatch] = []
        self.snapshots = []
        self.states: list[str] = []

    @Slot(object)
    def progressed(self, payload):
        _generation, batch, snapshot = payload
        if batch is not None:
            self.batches.append(batch)
        if snapshot is not None:
            self.snapshots.append(snapshot)

    @Slot(object)
    def state_changed(self, payload):
        self.states.append(payload[1])


@pytest.fixture
def run_worker(qtbot):
    """Start a TrainingWorker on a trainer in its own thread; joined afterwards."""
    started = []

    def start(trainer):
        worker = TrainingWorker(trainer)
        trainer.worker = worker
        thread = QThread()
        collector = Collector()
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        worker.progressed.connect(collector.progressed)
        worker.state_changed.connect(collector.state_changed)
        thread.start()
        started.append((worker, thread, collector))
        return worker, collector

    yield start
    for worker, thread, _collector in started:
        worker.send(Quit())
        thread.quit()
        assert thread.wait(TIMEOUT)


def interrupting_seed_trainer(commands):
    example = seed_example()
    return InterruptingTrainer(
        example.pop("net"), example.pop("X"), example.pop("T"), commands=commands, **example
    )


def test_pause_takes_effect_at_the_next_epoch_boundary(qtbot, run_worker):
    # Pause arrives while epoch 37 trains: the worker stops right after it, not a
    # chunk of epochs later, and every epoch's loss has been sent.
    worker, got = run_worker(interrupting_seed_trainer({37: [Pause()]}))
    worker.send(Run())
    qtbot.waitUntil(lambda: got.states[-1:] == ["paused"], timeout=TIMEOUT)
    assert got.snapshots[-1].epoch == 37
    epochs = np.concatenate([b.epochs for b in got.batches])
    assert epochs.tolist() == list(range(1, 38))
    assert worker.state is WorkerState.PAUSED


def test_learning_rate_and_step_take_effect_at_the_next_epoch_boundary(qtbot, run_worker):
    commands = {
        3: [SetLearningRate(0.5)],
        7: [Pause(), Step(2)],  # paused after epoch 7, then exactly two more
        8: [SetLearningRate(2.0)],
    }
    worker, got = run_worker(interrupting_seed_trainer(commands))
    worker.send(Run())
    qtbot.waitUntil(
        lambda: bool(got.snapshots) and got.snapshots[-1].epoch == 9,
        timeout=TIMEOUT,
    )
    qtbot.waitUntil(lambda: worker.state is WorkerState.PAUSED, timeout=TIMEOUT)
    core = Trainer(**seed_example())
    records = core.step(3)
    core.learning_rate = 0.5
    records += core.step(5)
    core.learning_rate = 2.0
    records += core.step(1)
    epochs = np.concatenate([b.epochs for b in got.batches])
    losses = np.concatenate([b.train_loss for b in got.batches])
    assert epochs.tolist() == list(range(1, 10))
    np.testing.assert_array_equal(losses, [r.train_loss for r in records])
    for shown, expected in zip(got.snapshots[-1].weights, core.net.weights, strict=True):
        np.testing.assert_array_equal(shown, expected)


def test_snapshots_are_spaced_by_what_they_cost_the_gui():
    worker = TrainingWorker(Trainer(**seed_example()))
    worker._epochs_per_second = 1000.0  # a speed cap: the worker does not step aside
    assert worker.snapshot_interval() == pytest.approx(1 / MAX_SNAPSHOTS_PER_SECOND)
    for _ in range(50):  # the views take 40 ms per snapshot
        worker.report_gui_cost(0.040, 0.2)
    assert worker.snapshot_interval() == pytest.approx(0.040 / GUI_BUSY_BUDGET, rel=1e-3)
    # Full speed: the worker waits while the GUI draws, so the GUI gets a smaller share.
    worker._epochs_per_second = None
    assert worker.snapshot_interval() == pytest.approx(0.040 / STEP_ASIDE_GUI_BUDGET, rel=1e-3)
    for _ in range(50):  # quick views (10 ms): the lean share still gives enough frames
        worker.report_gui_cost(0.010, 0.2)
    assert worker.snapshot_interval() == pytest.approx(0.010 / STEP_ASIDE_LEAN_BUDGET, rel=1e-3)
    assert 1 / worker.snapshot_interval() >= STEP_ASIDE_FRAMES_PER_SECOND
    for _ in range(50):  # 18 ms: the share grows to keep that frame rate
        worker.report_gui_cost(0.018, 0.2)
    assert worker.snapshot_interval() == pytest.approx(1 / STEP_ASIDE_FRAMES_PER_SECOND, rel=1e-3)
    assert STEP_ASIDE_LEAN_BUDGET < 0.018 * STEP_ASIDE_FRAMES_PER_SECOND < STEP_ASIDE_GUI_BUDGET
    for _ in range(50):  # however slow: at least one a second
        worker.report_gui_cost(5.0, 1.0)
    assert worker.snapshot_interval() == pytest.approx(1.0)
    worker.report_gui_cost(0.0, 60.0)  # after a long pause: says nothing about drawing
    assert worker.snapshot_interval() == pytest.approx(1.0)
    for _ in range(50):
        worker.report_gui_cost(0.001, 0.1)
    assert worker.snapshot_interval() < 0.05
    worker.report_gui_cost(0.001, 0.1, watched=False)  # no window on screen: the fewest
    assert worker.snapshot_interval() == pytest.approx(1.0)
    worker.report_gui_cost(0.001, 0.1)
    worker._snapshot_seconds = 0.3  # a huge network: a snapshot costs 0.3 s of training
    assert worker.snapshot_interval() == pytest.approx(0.3 / SNAPSHOT_COST_BUDGET)


def test_a_gui_that_never_goes_idle_slows_training_but_never_stops_it(qtbot, run_worker):
    # The worker waits for a busy GUI thread only within its share of the time: with
    # the GUI busy for ever, a Step still finishes, with the core's numbers.
    worker, got = run_worker(Trainer(**seed_example()))
    worker.gui_idle.clear()
    worker.send(Step(300))
    qtbot.waitUntil(lambda: bool(got.snapshots) and got.snapshots[-1].epoch == 300, timeout=TIMEOUT)
    core = Trainer(**seed_example())
    records = core.step(300)
    losses = np.concatenate([b.train_loss for b in got.batches])
    np.testing.assert_array_equal(losses, [r.train_loss for r in records])
    for shown, expected in zip(got.snapshots[-1].weights, core.net.weights, strict=True):
        np.testing.assert_array_equal(shown, expected)


def test_process_wide_settings_hold_while_training_and_are_restored(qtbot, controller):
    # Every wake-up of the GUI thread waits for the GIL: at most one switch interval,
    # 5 ms by Python's default; and the worker trains with one BLAS thread. Both only
    # while training runs.
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    interval, threads = sys.getswitchinterval(), blas_threads()
    assert GIL_SWITCH_INTERVAL_SECONDS <= 0.001
    controller.run()
    qtbot.waitUntil(
        lambda: (
            sys.getswitchinterval() <= GIL_SWITCH_INTERVAL_SECONDS
            and all(n == 1 for n in blas_threads())
        ),
        timeout=TIMEOUT,
    )
    controller.pause()
    wait_paused(qtbot, controller)
    qtbot.waitUntil(
        lambda: sys.getswitchinterval() == interval and blas_threads() == threads,
        timeout=TIMEOUT,
    )


def test_garbage_is_collected_in_the_gui_thread_only_while_a_worker_lives(qtbot):
    # Python's cyclic collector runs in whichever thread allocates; in the training
    # thread it could destroy Qt widgets outside their thread (a deadlock). While a
    # controller lives automatic collection is off and the GUI thread collects.
    import gc

    from backprop_lab.gui.training import TrainingController

    before = gc.isenabled()
    controller = TrainingController()
    assert not gc.isenabled()

    class Cycle:
        pass

    alive = []
    for _ in range(3 * gc.get_threshold()[0]):
        cycle = Cycle()
        cycle.self = cycle
        alive.append(cycle)
    del cycle
    import weakref

    witness = weakref.ref(alive[0])
    alive.clear()
    qtbot.waitUntil(lambda: witness() is None, timeout=TIMEOUT)  # collected by the GUI thread
    assert controller.shutdown()
    assert gc.isenabled() == before


def test_full_collections_while_training_skip_what_the_last_one_froze(monkeypatch):
    # A full collection walks every object of the app (40-250 ms of the GUI thread).
    # While training, the survivors of one are frozen and the next full collections
    # only walk what was made since; a thorough one (every full collection when not
    # training) collects the frozen objects too, and nothing stays frozen after.
    import gc
    import math
    import weakref

    from backprop_lab.gui.training import worker as w

    class Cycle:
        pass

    def full_collection_due():
        monkeypatch.setattr(w, "_last_full_collection", -math.inf)

    # Every generation's threshold reached (counts are Python's, not the test's).
    monkeypatch.setattr(gc, "get_count", gc.get_threshold)
    monkeypatch.setattr(w, "_frozen", False)
    w._hold_garbage_collection()
    try:
        cycle = Cycle()
        cycle.self = cycle
        witness = weakref.ref(cycle)
        del cycle
        full_collection_due()
        w.collect_garbage_if_due(training=True)  # training starts: what lives is frozen
        assert gc.get_freeze_count() > 0
        assert witness() is not None  # a full collection, but not of the frozen objects
        full_collection_due()
        w.collect_garbage_if_due(training=False)  # training stopped: unfrozen, thorough
        assert witness() is None
        assert gc.get_freeze_count() == 0
    finally:
        w._release_garbage_collection()
    if w._gc_holders == 0:
        assert gc.get_freeze_count() == 0


def test_a_command_sent_while_the_worker_waits_for_the_gui_applies_at_that_boundary():
    # The worker waits for a busy GUI thread at an epoch boundary; a Pause sent then
    # (the GUI is busy: it is handling the click) stops it there, not an epoch later.
    worker = TrainingWorker(Trainer(**seed_example()))
    worker._apply(Run())
    worker._aside_credit = 1.0  # plenty of time to step aside
    worker._aside_since = time.perf_counter()
    worker._next_emit = time.perf_counter() + 60  # no snapshot due meanwhile
    worker.gui_idle.clear()

    class BusyGui:
        """The GUI's idle event, as it is while the click on Pause is handled."""

        def __init__(self, real):
            self.real = real

        def is_set(self):
            return self.real.is_set()

        def clear(self):
            self.real.clear()

        def set(self):
            self.real.set()

        def wait(self, timeout):
            worker.send(Pause())  # arrives while the worker waits
            return self.real.wait(timeout)

    worker.gui_idle = BusyGui(worker.gui_idle)
    epoch = worker._trainer.epoch
    worker._train_one_epoch()
    assert worker._trainer.epoch == epoch  # nothing trained after the Pause arrived
    worker._wake.clear()
    worker._drain_commands()
    assert worker.state is WorkerState.PAUSED
    assert worker._trainer.epoch == epoch


def test_a_headless_step_is_paced_unwatched_from_its_first_epoch(qtbot, controller):
    # The headless paths (--epochs, --screenshot, --self-test) train with no window
    # shown: the worker sends the fewest snapshots and never waits for the GUI from
    # the first epoch on, not only once a snapshot's cost has told it so.
    from PySide6.QtGui import QGuiApplication

    assert not any(window.isVisible() for window in QGuiApplication.topLevelWindows())
    worker = controller._worker
    worker.set_watched(True)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        assert controller.step(3)
    wait_paused(qtbot, controller)
    assert not worker._watched
    assert worker._first_snapshot_delay() == pytest.approx(worker.snapshot_interval())
    assert not worker._steps_aside()
    # In a window: after the usual interval (a snapshot sooner than the budget would
    # be one more per run), but soon enough for the student to see it start.
    worker.set_watched(True)
    assert worker._first_snapshot_delay() == pytest.approx(worker.snapshot_interval())
    for _ in range(50):  # slow views: 100 ms per snapshot
        worker.report_gui_cost(0.1, 0.5)
    assert worker.snapshot_interval() > FIRST_SNAPSHOT_MAX_SECONDS
    assert worker._first_snapshot_delay() == pytest.approx(FIRST_SNAPSHOT_MAX_SECONDS)


def test_only_snapshots_while_training_feed_the_gui_cost(qtbot, controller):
    # The GUI's busy time per snapshot paces the next ones. The time before a run's
    # first snapshot (the paused window, handling the click) and up to its last (the
    # pause) says nothing about drawing, so neither is reported.
    reports = []
    worker = controller._worker
    real = worker.report_gui_cost
    worker.report_gui_cost = lambda *args: (reports.append(args), real(*args))
    for _ in range(3):
        with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
            assert controller.step(1)
        wait_paused(qtbot, controller)
    assert reports == []
