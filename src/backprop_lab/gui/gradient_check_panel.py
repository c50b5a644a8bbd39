"""Gradient check: backpropagation's gradient against central differences, per parameter.

The check runs :func:`backprop_lab.core.gradcheck.gradient_check` on the
network shown, the training data and the mistakes switched on, and colours
each parameter green when the two agree and red when they do not.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core.gradcheck import (
    RELATIVE_TOLERANCE,
    GradientCheckRow,
    check_cost,
    gradient_check,
    spread_parameters,
)
from backprop_lab.core.network import no_gradient_reason
from backprop_lab.gui.load_progress import LoadCancelledByUser, network_work
from backprop_lab.gui.phase_stepper import format_number, number_table

#: Relative error below which analytic and numeric gradients agree (core.gradcheck's rule).
TOLERANCE = RELATIVE_TOLERANCE
#: Background of the rows of a check made for another network (out of date).
STALE_COLOUR = QColor("#e6e6e6")
#: The finite-difference step.
EPSILON = 1e-6
#: A check costs two losses of the whole training data per parameter. Above this
#: many multiply-adds (a second or two) it checks a sample of the parameters spread
#: over every layer, at least one per layer, and says so: every parameter of
#: 2-64-64-1 on 1,000 points would be 38 billion (2-256x8-1 on 20,000 samples:
#: 8.5 million billion, about a month).
MAX_CHECK_WORK = 4e9

PASS_COLOUR = QColor(200, 235, 200)
FAIL_COLOUR = QColor(245, 190, 190)


def format_tolerance(tolerance: float) -> str:
    """``1e-6`` rather than Python's ``1e-06``."""
    return f"{tolerance:g}".replace("e-0", "e-").replace("e+0", "e+")


def summarise(
    rows: list[GradientCheckRow], tolerance: float = TOLERANCE, of: int | None = None
) -> str:
    """``"all 15 parameters agree to 1e-6"`` or ``"9 of 15 disagree"``; with ``of`` (the
    network's parameter count, when only some were checked) ``"all 9 parameters checked
    (of 460,801) agree to 1e-6"``."""
    failed = sum(not r.passed(tolerance) for r in rows)
    if not rows:
        return "nothing to check"
    some = of is not None and of > len(rows)
    if failed == 0:
        checked = f"parameters checked (of {of:,})" if some else "parameters"
        return f"all {len(rows)} {checked} agree to {format_tolerance(tolerance)}"
    checked = f" checked (of {of:,})" if some else ""
    limit = format_tolerance(tolerance)
    return f"{failed} of {len(rows)}{checked} disagree (relative error ≥ {limit})"


def parameters_to_check(net, n_samples: int, budget: float | None = None):
    """None (every parameter), or the parameters a check of this size is limited to
    (``budget`` multiply-adds, :data:`MAX_CHECK_WORK` by default)."""
    budget = MAX_CHECK_WORK if budget is None else budget
    per_loss = check_cost(net.layer_sizes, n_samples)
    total = net.n_parameters
    if 2 * per_loss * total <= budget:
        return None
    count = int(budget // max(2 * per_loss, 1))
    return spread_parameters(net.layer_sizes, net.has_bias, count)


#: Multiply-adds a second, roughly, of one BLAS thread on a small machine (for the words).
_WORK_PER_SECOND = 3e9


def _work_words(net, n_samples: int) -> str:
    """``"40 minutes"``: how long checking every parameter would take, roughly."""
    seconds = 2 * check_cost(net.layer_sizes, n_samples) * net.n_parameters / _WORK_PER_SECOND
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{max(seconds, 1):,.0f} seconds"


class GradientCheckPanel(QWidget):
    """A button, a table of every parameter and a summary line.

    Signals
    -------
    check_finished(object)
        The list of :class:`GradientCheckRow` of a finished check.
    """

    check_finished = Signal(object)

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._rows: list[GradientCheckRow] = []
        #: The network's parameter count when only some were checked, else None.
        self._of: int | None = None
        self._running = False
        self._checked_epoch: int | None = None
        #: What the last check was computed for: (snapshot, training data, loss, mistakes).
        self._checked: tuple | None = None
        self._button = QPushButton("Run gradient check")
        self._button.setToolTip(
            "Compare every ∂E/∂w from backpropagation with the central difference\n"
            f"(E(w + ε) − E(w − ε)) / 2ε, ε = {EPSILON:g}, on the training data"
        )
        self._button.clicked.connect(self.run_check)
        self._summary = QLabel("Press the button to check backpropagation's gradient.")
        self._summary.setWordWrap(True)
        bold = self._summary.font()
        bold.setBold(True)
        self._summary.setFont(bold)
        self._detail = QLabel()
        self._detail.setWordWrap(True)
        self._table = number_table(
            5, ["parameter", "analytic (backprop)", "numeric (central diff.)", "relative error", ""]
        )
        top = QHBoxLayout()
        top.addWidget(self._button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self._summary)
        layout.addWidget(self._detail)
        layout.addWidget(self._table, 1)
        controller.snapshot_ready.connect(self._mark_stale)
        controller.network_reset.connect(self._mark_stale)
        # Data, loss and mistakes change the gradient without a new epoch.
        controller.data_changed.connect(lambda _data: self._mark_stale(None))
        controller.settings_changed.connect(lambda _settings: self._mark_stale(None))

    # ----------------------------------------------------------------- API
    def rows(self) -> list[GradientCheckRow]:
        """The rows of the last check."""
        return list(self._rows)

    def summary_text(self) -> str:
        return self._summary.text()

    def detail_text(self) -> str:
        return self._detail.text()

    def row_colour(self, row: int) -> QColor:
        """The background colour of table row ``row``."""
        return self._table.item(row, 0).background().color()

    def table_texts(self) -> list[list[str]]:
        return [
            [self._table.item(r, c).text() for c in range(self._table.columnCount())]
            for r in range(self._table.rowCount())
        ]

    def run_check(self) -> list[GradientCheckRow]:
        """Check the network shown now (its weights, the training data, the mistakes)."""
        snap = self._controller.current_snapshot()
        train, _ = self._controller.dataset()
        settings = self._controller.settings()
        mistakes = self._controller.mistakes()
        if self._running:
            return []  # a click while a long check runs (its event loop turns)
        net = snap.network()
        n_samples = len(train.inputs)
        limited = parameters_to_check(net, n_samples)
        checked = net.n_parameters if limited is None else len(limited)
        # Two losses of every sample per parameter: a big check runs off the GUI
        # thread (progress and Cancel after a second), a small one here.
        work = 2 * check_cost(net.layer_sizes, n_samples) * (checked + 1)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self._running = True
        try:
            with network_work(self, f"Checking {checked:,} gradients…", work) as progress:
                rows = progress.run(
                    gradient_check,
                    net,
                    np.asarray(train.inputs, dtype=np.float64),
                    np.asarray(train.targets, dtype=np.float64),
                    settings["loss"],
                    EPSILON,
                    mistakes,
                    float(settings.get("l1", 0.0)),
                    float(settings.get("l2", 0.0)),
                    limited,
                )
        except LoadCancelledByUser:
            self._summary.setText("The check was cancelled.")
            return []
        except ValueError as exc:
            self._summary.setText(f"The check could not run: {exc}")
            return []
        finally:
            self._running = False
            QGuiApplication.restoreOverrideCursor()
        self._rows = rows
        self._of = None if limited is None else net.n_parameters
        self._checked_epoch = snap.epoch
        self._checked = (snap, train, settings["loss"], mistakes)
        self._fill(rows)
        failed = sum(not r.passed(TOLERANCE) for r in rows)
        self._summary.setText(summarise(rows, of=self._of))
        self._summary.setStyleSheet(
            "QLabel { color: #1b5e20; }" if failed == 0 else "QLabel { color: #b00020; }"
        )
        on = [
            name
            for name, flag in (
                ("(a) derivative of the pre-activation", mistakes.derivative_of_pre_activation),
                ("(b) pre-activations in the update", mistakes.pre_activation_in_update),
            )
            if flag
        ]
        detail = (
            f"Checked at epoch {snap.epoch} on {len(train.inputs)} samples, "
            f"loss {settings['loss']}."
        )
        if limited is not None:
            detail += (
                f" Only {len(rows):,} of the {net.n_parameters:,} parameters were checked, "
                "spread over every layer: each costs two losses of all the training data, "
                f"and checking every one would take about {_work_words(net, len(train.inputs))}."
            )
        if on:
            detail += " Mistakes on: " + "; ".join(on) + ", so backpropagation's gradient is wrong."
        elif failed:
            detail += (
                " No mistake is on: a disagreement here usually means saturated units or "
                "a kink (ReLU at 0), where central differences are inaccurate."
            )
        if settings.get("l1") or settings.get("l2"):
            detail += " Both sides include the L1/L2 penalty of the weights."
        reason = no_gradient_reason(net)
        if reason is not None:
            detail += " " + reason
        self._detail.setText(detail)
        self.check_finished.emit(rows)
        return rows

    # ------------------------------------------------------------ internals
    def _fill(self, rows: list[GradientCheckRow]) -> None:
        self._table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            passed = row.passed(TOLERANCE)
            texts = [
                row.name,
                format_number(row.analytic, 10),
                format_number(row.numeric, 10),
                f"{row.relative_error:.2e}",
                "pass" if passed else "FAIL",
            ]
            colour = QBrush(PASS_COLOUR if passed else FAIL_COLOUR)
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setBackground(colour)
                item.setForeground(QBrush(QColor(Qt.GlobalColor.black)))
                if c in (1, 2, 3):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self._table.setItem(r, c, item)

    def is_out_of_date(self) -> bool:
        """Whether a check is shown that was made for another network, data, loss or
        mistakes than the ones shown now."""
        if not self._rows or self._checked is None:
            return False
        snap, train, loss, mistakes = self._checked
        now = self._controller.current_snapshot()
        if (
            train is not self._controller.dataset()[0]
            or loss != self._controller.settings()["loss"]
            or mistakes != self._controller.mistakes()
        ):
            return True
        if now is snap:
            return False
        if now.layer_sizes != snap.layer_sizes or (now.biases is None) != (snap.biases is None):
            return True
        same = all(np.array_equal(a, b) for a, b in zip(now.weights, snap.weights))
        if same and now.biases is not None:
            same = all(np.array_equal(a, b) for a, b in zip(now.biases, snap.biases))
        return not same

    def _mark_stale(self, _snapshot=None) -> None:
        if not self.is_out_of_date():
            return
        now = self._controller.current_snapshot()
        self._summary.setText("Out of date: " + summarise(self._rows, of=self._of))
        self._summary.setStyleSheet("QLabel { color: #6b6b6b; }")
        # The rows lose their pass/fail colours: they are another network's numbers.
        grey, text = QBrush(STALE_COLOUR), QBrush(QColor("#6b6b6b"))
        for r in range(self._table.rowCount()):
            for c in range(self._table.columnCount()):
                item = self._table.item(r, c)
                if item is not None:
                    item.setBackground(grey)
                    item.setForeground(text)
        self._detail.setText(
            f"The network has changed since this check (checked at epoch "
            f"{self._checked_epoch}, now epoch {now.epoch}): the numbers below are "
            "another network's; run it again."
        )
