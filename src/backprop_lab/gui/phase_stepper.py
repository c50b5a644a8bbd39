"""Walk one training step phase by phase: Forward, Backward, Update, one layer at a time.

The panel explains the step the network would take now (for the whole batch
or one chosen sample), shows the numbers of the current phase on the network
view (a and h(a) on the nodes going forward, deltas going backward, old
weight, change and new weight on the edges of the update) and in a table,
and after the last phase applies exactly that update through the controller.
"""

from __future__ import annotations

from functools import partial
from itertools import pairwise

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core.inspect import Phase, StepExplanation, explain_snapshot, explain_step
from backprop_lab.core.naming import parameter_name, sample_label
from backprop_lab.core.snapshot import ParameterRef
from backprop_lab.core.step_export import exportable
from backprop_lab.gui import load_progress
from backprop_lab.gui.load_progress import LoadCancelledByUser, network_work
from backprop_lab.gui.sample_chooser import SampleChooser

#: The most table rows drawn for one phase (the CSV export has every number).
MAX_TABLE_ROWS = 400

DELTA_NOTE = "The deltas use the weights from before the update."


def format_number(value: float, digits: int = 4) -> str:
    """``digits`` significant digits with a true minus sign (−0.1387)."""
    value = float(value)
    if value == 0:
        return "0"
    if not np.isfinite(value):
        return str(value)
    return f"{value:.{digits}g}".replace("-", "\u2212")


def optimizer_label(name: str) -> str:
    """``"plain gradient descent"``, ``"momentum"``, ``"Adam"``, ... for messages."""
    return {
        "sgd": "plain gradient descent",
        "momentum": "momentum",
        "nesterov": "Nesterov momentum",
        "rmsprop": "RMSprop",
        "adam": "Adam",
    }.get(name, name)


def update_header(e: StepExplanation) -> str:
    """The update column's heading: the rule the optimiser applies."""
    regularised = bool(e.l1 or e.l2)
    g = "g" if regularised else "∂E/∂w"
    return {
        "sgd": f"Δ = −η·{g}",
        "momentum": "Δ = v = μv − η·g",
        "nesterov": "Δ = μv − η·g",
        "rmsprop": "Δ = −η·g/(√s + ε)",
        "adam": "Δ = −η·m̂/(√v̂ + ε)",
    }.get(e.optimizer, "Δ")


def signed_change(value: float, digits: int = 4) -> str:
    """``+ 0.1387`` or ``− 0.0012``: a change written as an addition."""
    sign = "\u2212" if value < 0 else "+"
    return f"{sign} {format_number(abs(value), digits)}"


class ExplanationOutdated(ValueError):
    """The network, its data or its settings changed while the step was being explained:
    the answer describes a step that will not happen and is not shown."""


def explain_work(controller, sample: int | None = None) -> int:
    """About how much work explaining this step is: samples x weights (one sample's
    step is one sample's work), on the scale of ``load_progress.OFF_THREAD_WORK``."""
    sizes = controller.current_snapshot().layer_sizes
    n = 1 if sample is not None else controller.dataset()[0].n_samples
    return n * sum((a + 1) * b for a, b in pairwise(sizes))


def _explanation_inputs(controller) -> tuple:
    """What an explanation depends on besides the weights: compared before and after a
    wait (a changed network, data, setting or mistake makes the answer outdated)."""
    generation = getattr(controller, "generation", None)
    session = getattr(controller, "session", None)
    return (
        generation() if callable(generation) else None,
        tuple(id(d) for d in controller.dataset()),
        controller.settings(),
        controller.mistakes() if hasattr(controller, "mistakes") else None,
        None if session is None else session.is_live,
        # A rewound epoch's step is of the epoch shown (a live one moves while training).
        None if session is None or session.is_live else id(controller.current_snapshot()),
    )


def explain_current(
    controller, sample: int | None = None, *, parent: QWidget | None = None
) -> StepExplanation:
    """Explain the step the controller's network would take now (current mistakes included).

    For the whole batch of the live network this is exactly the next Step, asked
    of the training worker's own trainer (its optimiser state, learning-rate
    schedule and minibatch shuffling). For one sample, or a rewound epoch, it
    is one update from the shown weights with the optimiser's state at zero
    (the state of a past epoch is not kept).

    With a ``parent`` widget, a big explanation (:func:`explain_work` above
    ``load_progress.OFF_THREAD_WORK``) is waited for without blocking the GUI
    thread: the window repaints and, after a second, a window-modal progress
    dialog with Cancel appears (:func:`~backprop_lab.gui.load_progress.network_work`,
    as for a big gradient check). Cancel raises
    :class:`~backprop_lab.gui.load_progress.LoadCancelledByUser` (the late answer
    is dropped); an answer that arrives after the network, its data or its settings
    changed raises :class:`ExplanationOutdated`. Without a parent, or for a small
    step, the call computes or waits right here, as it always did.
    """
    off_thread = parent is not None and explain_work(controller, sample) >= (
        load_progress.OFF_THREAD_WORK
    )
    before = _explanation_inputs(controller) if off_thread else None
    explanation = _explain_now(controller, sample, parent if off_thread else None)
    if off_thread and _explanation_inputs(controller) != before:
        raise ExplanationOutdated(
            "the network changed while its step was being explained; ask again"
        )
    return explanation


def _explain_now(controller, sample, parent) -> StepExplanation:
    """The explanation: on this thread when ``parent`` is None, else waited for in the
    event loop with load_progress's progress and Cancel."""
    if parent is None:
        return explain_job(controller, sample, wait_here=True)()
    job = explain_job(controller, sample)
    with network_work(parent, "Explaining the next step…", load_progress.OFF_THREAD_WORK) as p:
        return p.run(job)


def explain_job(controller, sample: int | None = None, *, wait_here: bool = False):
    """What :func:`explain_current` computes, as a function of no arguments that may be
    called on any thread (it touches no widget and nothing another thread changes).

    For the live network's whole batch the worker is asked now and the function
    waits for its answer (``TimeoutError`` becomes ``ValueError``); otherwise the
    step is computed from a new network of the shown weights and the data's arrays.
    ``wait_here``: ask the worker through ``controller.explain_next_step`` (a
    controller without the non-blocking request, as in tests).
    """
    session = getattr(controller, "session", None)
    ask_worker = getattr(controller, "explain_next_step", None)
    if sample is None and ask_worker is not None and session is not None and session.is_live:
        timeout = explain_timeout(controller)
        if wait_here:
            future = None
        else:
            # The worker computes it; the function only waits for its answer.
            future = controller.request_next_step_explanation()

        def answer() -> StepExplanation:
            try:
                return ask_worker(timeout) if future is None else future.result(timeout)
            except TimeoutError:
                raise ValueError("the training worker did not answer in time") from None

        return answer
    snapshot = controller.current_snapshot()
    train, _test = controller.dataset()
    settings = controller.settings()
    X = np.asarray(train.inputs, dtype=np.float64)
    T = np.asarray(train.targets, dtype=np.float64)
    if session is None:
        return partial(
            explain_snapshot, snapshot, X, T, settings["loss"], settings["learning_rate"],
            mistakes=controller.mistakes(), sample=sample,
        )  # fmt: skip
    trainer = session.make_trainer(session.network(snapshot))
    trainer.epoch = int(snapshot.epoch)  # the schedule's learning rate of the next epoch
    # A new network and the data's arrays: nothing another thread changes.
    return partial(
        explain_step,
        trainer.net,
        X,
        T,
        trainer.loss,
        trainer.current_learning_rate,
        mistakes=trainer.mistakes,
        sample=sample,
        optimizer=trainer.optimizer,
        hyperparameters=dict(trainer.hyperparameters),
        l1=trainer.l1,
        l2=trainer.l2,
    )


def explain_timeout(controller) -> float:
    """Seconds to wait for the worker's explanation: 10, and more for a big batch (the
    largest network on the largest data takes about a second when the machine is idle,
    ten under load)."""
    sizes = controller.current_snapshot().layer_sizes
    n = controller.dataset()[0].n_samples
    weights = sum(a * b for a, b in pairwise(sizes))
    return 10.0 + 30.0 * n * weights / 1e10


def sample_labels(controller, start: int = 0, stop: int | None = None) -> list[str]:
    """``"sample 1: x = (0.667, 1), t = (1)"`` for training samples ``start`` … ``stop - 1``
    (every one by default; counted from 1 in the text)."""
    train, _ = controller.dataset()
    X = np.asarray(train.inputs, dtype=np.float64).reshape(len(train.inputs), -1)[start:stop]
    T = np.asarray(train.targets, dtype=np.float64).reshape(len(train.targets), -1)[start:stop]
    labels = []
    for n, (x, t) in enumerate(zip(X, T, strict=True), start=start):
        xs = ", ".join(format_number(v, 3) for v in x[:4]) + (", …" if x.size > 4 else "")
        ts = ", ".join(format_number(v, 3) for v in t[:3]) + (", …" if t.size > 3 else "")
        labels.append(f"{sample_label(n)}: x = ({xs}), t = ({ts})")
    return labels


def number_table(columns: int, labels: list[str] | None = None) -> QTableWidget:
    """A read-only, compact table in a monospace font, for columns of numbers."""
    table = QTableWidget(0, columns)
    if labels:
        table.setHorizontalHeaderLabels(labels)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    mono = QFont("monospace")
    mono.setStyleHint(QFont.StyleHint.Monospace)
    table.setFont(mono)
    return table


def _is_running(controller) -> bool:
    running = controller.is_running
    return bool(running() if callable(running) else running)


class PhaseStepper(QWidget):
    """The "Step phase" panel.

    Parameters
    ----------
    controller
        The training controller (see ``gui.training.TrainingController``).
    network_view
        The network view to draw on (``set_highlighted_layer``,
        ``set_node_texts``, ``set_edge_texts``), or None.

    Signals
    -------
    phase_shown(object)
        The :class:`Phase` now shown, or None when the walk ended or was cancelled.
    step_applied(object)
        The :class:`StepExplanation` whose update was just applied.
    """

    phase_shown = Signal(object)
    step_applied = Signal(object)

    def __init__(self, controller, network_view=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._network_view = network_view
        self._explanation: StepExplanation | None = None
        self._index = -1
        self._applying = False
        #: True while a big explanation is waited for (its event loop turns).
        self._explaining = False
        #: Counts the walks forgotten (Start over, a new sample, training, a reset).
        self._walks = 0

        # Above PAGE_SIZE samples the list holds a page of them (and says so).
        self._samples = SampleChooser(
            lambda n: f"the whole batch ({n} samples)",
            lambda start, stop: sample_labels(self._controller, start, stop),
        )
        self._sample_combo = self._samples.combo
        self._sample_combo.setToolTip(
            "Explain the step for the whole batch (what Step does with full-batch training)\n"
            "or for one sample only (one step of online learning)"
        )
        self._step_button = QPushButton("Step phase")
        self._step_button.setToolTip(
            "Show the next phase: Forward → Backward → Update, layer by layer"
        )
        self._finish_button = QPushButton("Finish step")
        self._finish_button.setToolTip("Skip the remaining phases and apply the update")
        self._cancel_button = QPushButton("Start over")
        self._cancel_button.setToolTip("Forget this walk; nothing is changed")
        self._step_button.clicked.connect(self.step_phase)
        self._finish_button.clicked.connect(self.finish_step)
        self._cancel_button.clicked.connect(self.cancel)
        self._samples.sample_changed.connect(lambda _sample: self.cancel())

        self._phase_label = QLabel()
        self._phase_label.setWordWrap(True)
        font = self._phase_label.font()
        font.setBold(True)
        self._phase_label.setFont(font)
        self._description_label = QLabel()
        self._description_label.setWordWrap(True)
        self._note_label = QLabel(DELTA_NOTE)
        self._note_label.setWordWrap(True)
        self._note_label.setStyleSheet("QLabel { color: palette(highlight); font-style: italic; }")
        self._status_label = QLabel()
        self._status_label.setWordWrap(True)
        self._table = number_table(0)

        top = QHBoxLayout()
        top.addWidget(QLabel("Explain:"))
        top.addWidget(self._samples, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self._step_button)
        buttons.addWidget(self._finish_button)
        buttons.addWidget(self._cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self._samples.page_row)
        layout.addLayout(buttons)
        layout.addWidget(self._phase_label)
        layout.addWidget(self._description_label)
        layout.addWidget(self._note_label)
        layout.addWidget(self._table, 1)
        layout.addWidget(self._status_label)

        controller.state_changed.connect(self._on_state_changed)
        controller.snapshot_ready.connect(self._on_snapshot)
        controller.network_reset.connect(self._on_network_reset)
        data_changed = getattr(controller, "data_changed", None)
        #: Whether new data is announced on its own (else a network reset may bring it).
        self._hears_data = data_changed is not None
        if data_changed is not None:
            data_changed.connect(lambda _payload: self._on_data_changed())
        self.refresh_samples()
        self._show_idle()
        self._on_state_changed("")

    # ---------------------------------------------------------------- queries
    def explanation(self) -> StepExplanation | None:
        """The step being walked through (None when idle)."""
        return self._explanation

    def current_phase(self) -> Phase | None:
        """The phase shown, or None when idle."""
        if self._explanation is None or self._index < 0:
            return None
        return self._explanation.phases[self._index]

    def chosen_sample(self) -> int | None:
        """None for the whole batch, else the chosen sample's index."""
        return self._samples.chosen()

    def set_sample(self, sample: int | None) -> None:
        """Choose the whole batch (None) or one sample; cancels a walk in progress."""
        self._samples.set_sample(sample)

    def sample_chooser(self) -> SampleChooser:
        """The whole-batch / sample list (paged above its page size)."""
        return self._samples

    def table_rows(self) -> list[list[str]]:
        """The texts of the table, row by row (for tests and accessibility)."""
        # The "… more rows" line is one cell spanning the row.
        return [
            [
                "" if (item := self._table.item(r, c)) is None else item.text()
                for c in range(self._table.columnCount())
            ]
            for r in range(self._table.rowCount())
        ]

    def table_headers(self) -> list[str]:
        return [
            self._table.horizontalHeaderItem(c).text() for c in range(self._table.columnCount())
        ]

    def phase_text(self) -> str:
        return self._phase_label.text()

    def note_text(self) -> str:
        return self._note_label.text()

    def status_text(self) -> str:
        return self._status_label.text()

    # ---------------------------------------------------------------- actions
    def refresh_samples(self) -> None:
        """Rebuild the sample list from the controller's training data."""
        self._samples.refresh(self._controller.dataset()[0].n_samples)
        self.cancel()

    def step_phase(self) -> None:
        """Show the next phase; past the last Update phase, apply the update."""
        if _is_running(self._controller):
            self._status_label.setText("Pause training to step through phases.")
            return
        if self._explanation is None:
            if not self._explain():
                return
            self._index = 0
            self._status_label.setText("")
        elif self._index + 1 < len(self._explanation.phases):
            self._index += 1
        else:
            self._apply()
            return
        self._show_phase()

    def finish_step(self) -> None:
        """Apply the update now (computing the step first if no walk is in progress)."""
        if _is_running(self._controller):
            self._status_label.setText("Pause training to step through phases.")
            return
        if self._explanation is None and not self._explain():
            return
        self._apply()

    def _explain(self) -> bool:
        """Compute the step about to be walked; False (and a message) when it cannot be.

        A big step is waited for in the event loop (see :func:`explain_current`):
        a click on this panel meanwhile is ignored, Cancel leaves the panel as it
        was, and an answer for a network that changed meanwhile is not shown.
        """
        if self._explaining:
            return False  # a click while a big explanation is waited for
        self._explaining = True
        walk = self._walks
        try:
            explanation = explain_current(self._controller, self.chosen_sample(), parent=self)
        except LoadCancelledByUser:
            self._status_label.setText("Explaining the step was cancelled; nothing changed.")
            return False
        except ValueError as exc:
            self._status_label.setText(f"Cannot explain this step: {exc}")
            return False
        finally:
            self._explaining = False
        if _is_running(self._controller) or walk != self._walks:
            return False  # training started, or the walk was cancelled, meanwhile
        self._explanation = explanation
        if not self._weights_still_match():
            self._explanation = None
            self._status_label.setText(
                "The network changed while its step was being explained; "
                "press Step phase to start again."
            )
            return False
        return True

    def cancel(self) -> None:
        """Forget the walk in progress; nothing is changed."""
        had_walk = self._explanation is not None
        self._walks += 1  # an explanation still awaited is of the walk forgotten
        self._explanation = None
        self._index = -1
        self._show_idle()
        if had_walk:
            self.phase_shown.emit(None)

    # ------------------------------------------------------------- applying
    def _weights_still_match(self) -> bool:
        e = self._explanation
        snap = self._controller.current_snapshot()
        if e is None or len(snap.weights) != e.n_layers:
            return False
        same = all(
            a.shape == b.shape and np.array_equal(a, b)
            for a, b in zip(snap.weights, e.old_weights, strict=True)
        )
        if e.old_biases is not None:
            same = (
                same
                and snap.biases is not None
                and all(
                    np.array_equal(a, b) for a, b in zip(snap.biases, e.old_biases, strict=True)
                )
            )
        return same

    def _apply(self) -> None:
        e = self._explanation
        if e is None:
            return
        if not self._weights_still_match():
            self.cancel()
            self._status_label.setText(
                "The network changed meanwhile; press Step phase to start again."
            )
            return
        self._applying = True
        try:
            if e.sample is None:
                # The walk explained the next Step (worker's trainer): Step does it.
                self._controller.step(1)
                updates = (
                    f"its {e.n_updates} minibatch updates" if e.n_updates > 1 else "its update"
                )
                message = (
                    f"Applied as the next Step (epoch {e.epoch}, {updates}, "
                    f"{optimizer_label(e.optimizer)})."
                )
            else:
                self._controller.set_parameters(
                    list(e.new_weights), None if e.new_biases is None else list(e.new_biases)
                )
                message = (
                    f"Update for {sample_label(e.sample)} applied to the weights "
                    "(one online-learning step; the epoch counter does not move)."
                )
        except ValueError as exc:
            self._applying = False
            self._status_label.setText(f"Could not apply the update: {exc}")
            return
        self._explanation = None
        self._index = -1
        self._show_idle()
        self._status_label.setText(message)
        self.phase_shown.emit(None)
        self.step_applied.emit(e)

    # ------------------------------------------------------------ reactions
    def _on_state_changed(self, _state: str) -> None:
        running = _is_running(self._controller)
        for widget in (self._step_button, self._finish_button, self._samples):
            widget.setEnabled(not running)
        if running:
            self._status_label.setText(
                "Disabled while training runs: pause to step through phases."
            )
            if self._explanation is not None:
                self.cancel()
                self._status_label.setText(
                    "Disabled while training runs: pause to step through phases."
                )
        elif self._status_label.text().startswith("Disabled while"):
            self._status_label.setText("")

    def _on_snapshot(self, _snapshot) -> None:
        if self._applying:
            self._applying = False
            return
        if self._explanation is not None and not self._weights_still_match():
            self.cancel()
            self._status_label.setText("The network changed; the walk was cancelled.")

    def _on_network_reset(self, _snapshot) -> None:
        self._applying = False
        # New data comes with its own news (data_changed, before this one): the list
        # is rebuilt here only if it does not hold the data's samples.
        n = self._controller.dataset()[0].n_samples
        if self._samples.count() != n or not self._hears_data:
            self._samples.refresh(n)
        self.cancel()
        self._cancel_for_change("The network was replaced; the walk was cancelled.")

    def _on_data_changed(self) -> None:
        self.refresh_samples()
        self._cancel_for_change("The data changed; the walk was cancelled.")

    def _cancel_for_change(self, why: str) -> None:
        """A walk of another network's (or data's) step is never left on screen."""
        if self._explanation is not None:
            self.cancel()
            self._status_label.setText(why)

    # -------------------------------------------------------------- display
    def _show_idle(self) -> None:
        n = 3 * (len(self._controller.current_snapshot().layer_sizes) - 1)
        self._phase_label.setText(
            f"Ready: press Step phase to walk through the {n} phases of one step."
        )
        self._description_label.setText(
            "Forward computes a and h(a) layer by layer, Backward the deltas from the "
            "output towards the input, Update changes each layer's weights."
        )
        self._step_button.setText("Step phase")
        self._note_label.setText(DELTA_NOTE)
        self._set_table([], [])
        view = self._network_view
        if view is not None:
            view.set_highlighted_layer(None)
            view.set_node_texts(None)
            view.set_edge_texts(None)

    def _show_phase(self) -> None:
        e = self._explanation
        phase = self.current_phase()
        if e is None or phase is None:
            return
        total = len(e.phases)
        which = "the whole batch" if e.sample is None else sample_label(e.sample)
        self._phase_label.setText(f"Phase {self._index + 1} of {total}: {phase.title} ({which})")
        description = phase.description
        if phase.kind == "update":
            description += (
                f" Epoch {e.epoch}: {optimizer_label(e.optimizer)}, η = "
                f"{format_number(e.learning_rate, 6)}"
                + (
                    f" (η₀ = {format_number(e.base_learning_rate, 6)}, {e.schedule} schedule)"
                    if e.base_learning_rate is not None and e.learning_rate != e.base_learning_rate
                    else ""
                )
                + (f", L1 = {e.l1:g}" if e.l1 else "")
                + (f", L2 = {e.l2:g}" if e.l2 else "")
                + "."
            )
        self._description_label.setText(description)
        notes = [DELTA_NOTE]
        if e.minibatch_caveat:
            notes.append(e.minibatch_caveat)
        if e.sample is not None:
            notes.append(
                f"One update from {sample_label(e.sample)} alone (online learning), with "
                f"{optimizer_label(e.optimizer)}'s state at zero: not the next Step, which "
                "uses the batch size set and the optimiser's state so far."
            )
        if e.divergence:
            notes.append(e.divergence)
        self._note_label.setText(" ".join(notes))
        last = self._index + 1 == total
        self._step_button.setText("Apply update" if last else "Step phase")
        if phase.kind == "forward":
            self._show_forward(e, phase.layer)
        elif phase.kind == "backward":
            self._show_backward(e, phase.layer)
        else:
            self._show_update(e, phase.layer)
        self.phase_shown.emit(phase)

    def _node_texts(self, e: StepExplanation, forward_upto: int, backward_from: int | None):
        texts: list[list[str]] = []
        batch = e.sample is None
        for layer, size in enumerate(e.layer_sizes):
            if layer == 0:
                values = e.inputs.mean(axis=0) if batch else e.inputs[0]
                prefix = "mean x=" if batch else "x="
                texts.append([prefix + format_number(v) for v in values])
            elif backward_from is not None and layer >= backward_from:
                values = e.batch_delta_sums(layer) if batch else e.deltas[layer - 1][0]
                prefix = "Σδ=" if batch else "δ="
                texts.append([prefix + format_number(v) for v in values])
            elif backward_from is None and layer <= forward_upto:
                if batch:
                    a_v, h_v = e.batch_means(layer)
                else:
                    a_v, h_v = e.pre_activations[layer - 1][0], e.activations[layer - 1][0]
                label = "mean " if batch else ""
                texts.append(
                    [
                        f"{label}a={format_number(x)}\n{label}h={format_number(y)}"
                        for x, y in zip(a_v, h_v, strict=True)
                    ]
                )
            else:
                texts.append([""] * size)
        return texts

    def _show_forward(self, e: StepExplanation, layer: int) -> None:
        a, h = e.pre_activations[layer - 1], e.activations[layer - 1]
        units = a.shape[1]
        rows = []
        for r in range(_rows_needed(e.n_held, units)):
            n = e.sample_indices[r]
            for unit in range(units):
                rows.append(
                    [
                        str(n + 1),
                        str(unit + 1),
                        format_number(a[r, unit], 6),
                        format_number(h[r, unit], 6),
                    ]
                )
        self._set_table(
            ["sample", "unit", f"a⁽{layer}⁾", f"h(a⁽{layer}⁾)"], rows, e.n_samples * units, e
        )
        self._draw(layer, self._node_texts(e, layer, None), None)

    def _show_backward(self, e: StepExplanation, layer: int) -> None:
        d = e.deltas[layer - 1]
        units = d.shape[1]
        rows = []
        for r in range(_rows_needed(e.n_held, units)):
            n = e.sample_indices[r]
            for unit in range(units):
                rows.append([str(n + 1), str(unit + 1), format_number(d[r, unit], 6)])
        total = e.n_samples * units
        if e.sample is None:
            total += units
            if len(rows) == e.n_samples * units:  # the sums come after every sample's rows
                sums = e.batch_delta_sums(layer)
                for unit in range(units):
                    rows.append(["Σ", str(unit + 1), format_number(sums[unit], 6)])
        self._set_table(["sample", "unit", f"δ⁽{layer}⁾ = ∂E/∂a⁽{layer}⁾"], rows, total, e)
        self._draw(layer, self._node_texts(e, 0, layer), None)

    def update_rows(
        self, e: StepExplanation, layer: int
    ) -> list[tuple[ParameterRef, float, float, float]]:
        """(parameter, old, Δ, new) of every weight and bias of ``layer`` (seed numbering)."""
        l = layer - 1
        out = []
        W, dW, newW = e.old_weights[l], e.weight_updates[l], e.new_weights[l]
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                out.append((ParameterRef(l, i, j), W[i, j], dW[i, j], newW[i, j]))
        if e.old_biases is not None:
            b, db, newb = e.old_biases[l], e.bias_updates[l], e.new_biases[l]
            for j in range(b.shape[0]):
                out.append((ParameterRef(l, None, j), b[j], db[j], newb[j]))
        return out

    def _show_update(self, e: StepExplanation, layer: int) -> None:
        rows = []
        edge_texts: dict[ParameterRef, str] = {}
        several = e.n_updates > 1
        every = self.update_rows(e, layer)
        for ref, old, change, new in every:
            if len(rows) < MAX_TABLE_ROWS:  # the rest are counted
                row = [
                    parameter_name(ref),
                    format_number(old, 7),
                    format_number(e.parameter_value(ref, "gradient"), 7),
                    format_number(change, 7),
                    format_number(new, 7),
                ]
                if several:
                    row.append(format_number(e.parameter_value(ref, "epoch_end"), 7))
                rows.append(row)
            if not ref.is_bias:
                edge_texts[ref] = (
                    f"{format_number(old)} {signed_change(change)} = {format_number(new)}"
                )
        headers = ["parameter", "old", "g = ∂E/∂w", update_header(e), "new"]
        if several:
            headers.append(f"after all {e.n_updates} updates")
        self._set_table(headers, rows, len(every), e)
        self._draw(layer, self._node_texts(e, 0, 1), edge_texts)

    def _draw(self, layer: int, node_texts, edge_texts) -> None:
        view = self._network_view
        if view is None:
            return
        view.set_highlighted_layer(layer)
        view.set_node_texts(node_texts)
        view.set_edge_texts(edge_texts)

    def _set_table(
        self,
        headers: list[str],
        rows: list[list[str]],
        total: int | None = None,
        explanation: StepExplanation | None = None,
    ) -> None:
        """Show ``rows`` (at most MAX_TABLE_ROWS) of a table of ``total`` rows (default: all)."""
        # An empty table under "Ready: press Step phase" looked like a broken panel.
        self._table.setVisible(bool(headers))
        shown = rows[:MAX_TABLE_ROWS]
        extra = (len(rows) if total is None else total) - len(shown)
        self._table.clear()
        self._table.setColumnCount(len(headers))
        self._table.setHorizontalHeaderLabels(headers)
        self._table.setRowCount(len(shown) + (1 if extra else 0))
        for r, row in enumerate(shown):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c >= 1:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self._table.setItem(r, c, item)
        if extra:
            if explanation is not None and not exportable(explanation):
                where = "choose one sample above to see any sample's numbers"
            else:
                where = "File ▸ Export step as CSV has them all"
            item = QTableWidgetItem(f"… {extra} more rows ({where})")
            self._table.setItem(len(shown), 0, item)
            self._table.setSpan(len(shown), 0, 1, max(len(headers), 1))


def _rows_needed(held: int, units: int) -> int:
    """How many samples' rows fill the table (``units`` rows each), of the ``held`` there are."""
    return min(held, -(-MAX_TABLE_ROWS // max(units, 1)))
