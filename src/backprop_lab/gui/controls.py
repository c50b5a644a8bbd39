"""Training actions (Step, Run/Pause, Reset, ...) and the control panel that shows them."""

from __future__ import annotations

import math
import random

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core import limits
from backprop_lab.gui.icons import icon
from backprop_lab.gui.load_progress import LoadCancelledByUser, network_work, snapshot_work
from backprop_lab.gui.steady import fix_label_size
from backprop_lab.gui.training import TrainingController

#: Choices of the speed box: (label, epochs per second or None for full speed).
SPEED_CHOICES: tuple[tuple[str, float | None], ...] = (
    ("As fast as possible", None),
    ("1000 epochs/s", 1000.0),
    ("100 epochs/s", 100.0),
    ("30 epochs/s", 30.0),
    ("10 epochs/s", 10.0),
    ("2 epochs/s", 2.0),
    ("1 epoch/s", 1.0),
)

#: The widest texts the live epoch and loss labels show: the labels get a fixed size
#: that fits them, so a new number repaints the label without re-laying out the window.
WIDEST_EPOCH_TEXTS = ("8,888,888,888",)
WIDEST_LOSS_TEXTS = ("-8.88888e-308", "-0.000888888", "–")


def format_loss(value: float | None) -> str:
    """A loss as the status bar and the panel show it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.6g}"


#: Why the loss shown here differs a little from the loss plot's point for the same epoch.
LOSS_NOW_EXPLAINED = (
    "The training loss of the weights shown, after the last update. The loss plot "
    "records each epoch's loss on that epoch's forward pass, before its update, so "
    "its point for epoch N equals the loss shown here at epoch N - 1."
)


class TrainingActions(QObject):
    """The QActions shared by the menu, the toolbar and the control panel.

    Attributes
    ----------
    step, step_n, run_pause, reset, reinitialise
        ``run_pause`` toggles between Run and Pause (Space).
    """

    def __init__(self, controller: TrainingController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.step_count = 10
        self.step = QAction(icon("step"), "&Step one epoch", self)
        self.step.setShortcut(QKeySequence(Qt.Key.Key_Right))
        self.step.setToolTip("Train exactly one epoch (Right arrow)")
        self.step_n = QAction(icon("step-n"), "Step &N epochs", self)
        self.step_n.setShortcut(QKeySequence("Shift+Right"))
        self.run_pause = QAction(icon("run"), "&Run", self)
        self.run_pause.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.reset = QAction(icon("reset"), "R&eset", self)
        self.reset.setShortcut(QKeySequence("Ctrl+R"))
        self.reset.setToolTip("Back to exactly the initial weights, epoch 0 (Ctrl+R)")
        self.reinitialise = QAction(icon("reinitialise"), "Re-&initialise", self)
        self.reinitialise.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.reinitialise.setToolTip("New random initial weights from a new seed (Ctrl+Shift+R)")
        for action in self.all():
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        # Training goes on from the live network, so the buttons show it again (a
        # student who rewound and presses Step expects to see the step).
        self.step.triggered.connect(lambda: self._train(1))
        self.step_n.triggered.connect(lambda: self._train(self.step_count))
        self.run_pause.triggered.connect(self.toggle_run)
        self.reset.triggered.connect(self.reset_network)
        self.reinitialise.triggered.connect(self.reinitialise_network)
        #: Whether Reset or Re-initialise is computing its snapshot (a second waits).
        self._rebuilding = False
        controller.state_changed.connect(self.show_state)
        self.set_step_count(self.step_count)
        self.show_state("paused")

    def all(self) -> list[QAction]:
        """Every action, in toolbar order."""
        return [self.step, self.step_n, self.run_pause, self.reset, self.reinitialise]

    def set_step_count(self, count: int) -> None:
        """How many epochs Step N trains."""
        self.step_count = max(1, int(count))
        self.step_n.setText(f"Step {self.step_count} epochs")
        self.step_n.setToolTip(f"Train {self.step_count} epochs, then pause (Shift+Right)")

    # ------------------------------------------- reset and re-initialise
    def reset_network(self) -> bool:
        """Reset, the first snapshot computed off the GUI thread for a big network on
        big data (progress and Cancel after a second; Cancel changes nothing)."""
        session = self._controller.session
        return self._rebuild("Resetting to the initial weights…", session.prepare_reset, (),
                             lambda prepared: self._controller.reset(prepared))  # fmt: skip

    def reinitialise_network(self) -> bool:
        """Re-initialise from a new random seed, computed as :meth:`reset_network` is."""
        session = self._controller.session
        seed = random.randrange(0, limits.MAX_SEED)
        settings = session.settings.replace(init_seed=seed)
        return self._rebuild(
            "New initial weights…",
            session.prepare_network,
            (settings,),
            lambda prepared: self._controller.reinitialise(seed, prepared),
        )

    def _rebuild(self, label: str, prepare, args, apply) -> bool:
        if self._rebuilding:
            return False
        snapshot = self._controller.current_snapshot()
        train, test = self._controller.dataset()
        work = snapshot_work(snapshot.layer_sizes, train, test)
        parent = self.parent() if isinstance(self.parent(), QWidget) else None
        self._rebuilding = True
        try:
            if self._controller.is_running:
                self._controller.pause()
            with network_work(parent, label, work) as progress:
                prepared = progress.run(prepare, *args)
                progress.showing("Showing the network…")
                apply(prepared)
        except LoadCancelledByUser:
            return False
        finally:
            self._rebuilding = False
        return True

    def _train(self, epochs: int) -> None:
        self._controller.go_live()
        self._controller.step(epochs)

    def toggle_run(self) -> None:
        """Run when paused (from the live network), pause when running."""
        if self._controller.is_running:
            self._controller.pause()
        else:
            self._controller.go_live()
            self._controller.run()
        self.show_state("running" if self._controller.is_running else "paused")

    def show_state(self, state: str) -> None:
        """Swap Run/Pause and enable what makes sense in ``state``."""
        running = state == "running"
        self.run_pause.setText("&Pause" if running else "&Run")
        self.run_pause.setIcon(icon("pause" if running else "run"))
        self.run_pause.setToolTip(
            "Pause at the end of this epoch (Space)" if running else "Train until paused (Space)"
        )
        self.step.setEnabled(not running)
        self.step_n.setEnabled(not running)


def _tool_button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setMinimumWidth(110)
    return button


class ControlPanel(QWidget):
    """Buttons, learning rate, speed, stop conditions, epoch counter and current loss."""

    #: A message for the status bar (e.g. a refused value).
    message_posted = Signal(str)

    def __init__(
        self,
        controller: TrainingController,
        actions: TrainingActions,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._actions = actions
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        # Readout: epoch and loss in large type.
        readout = QGridLayout()
        self.epoch_label = QLabel("0")
        self.loss_label = QLabel("–")
        for value in (self.epoch_label, self.loss_label):
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.6)
            font.setBold(True)
            value.setFont(font)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        readout.addWidget(QLabel("Epoch"), 0, 0)
        loss_heading = QLabel("Loss now")
        loss_heading.setToolTip(LOSS_NOW_EXPLAINED)
        self.loss_label.setToolTip(LOSS_NOW_EXPLAINED)
        readout.addWidget(loss_heading, 0, 1)
        readout.addWidget(self.epoch_label, 1, 0)
        readout.addWidget(self.loss_label, 1, 1)
        self.test_loss_label = QLabel("")
        readout.addWidget(self.test_loss_label, 2, 1)
        layout.addLayout(readout)
        self._fit_live_labels()

        # Buttons.
        buttons = QGridLayout()
        buttons.addWidget(_tool_button(actions.step), 0, 0)
        buttons.addWidget(_tool_button(actions.run_pause), 0, 1)
        step_row = QHBoxLayout()
        step_row.addWidget(_tool_button(actions.step_n))
        self.step_count_box = QSpinBox()
        self.step_count_box.setRange(1, limits.MAX_STEP_COUNT)
        self.step_count_box.setValue(actions.step_count)
        self.step_count_box.setToolTip("How many epochs Step N trains")
        self.step_count_box.valueChanged.connect(actions.set_step_count)
        step_row.addWidget(self.step_count_box)
        buttons.addLayout(step_row, 1, 0, 1, 2)
        buttons.addWidget(_tool_button(actions.reset), 2, 0)
        buttons.addWidget(_tool_button(actions.reinitialise), 2, 1)
        layout.addLayout(buttons)

        # Learning rate and speed.
        form = QFormLayout()
        self.learning_rate_box = QDoubleSpinBox()
        self.learning_rate_box.setDecimals(4)
        self.learning_rate_box.setRange(limits.MIN_LEARNING_RATE, limits.MAX_LEARNING_RATE)
        self.learning_rate_box.setSingleStep(0.1)
        self.learning_rate_box.setKeyboardTracking(False)
        self.learning_rate_box.setToolTip(
            "Step size η in W ← W − η ∂E/∂W; changes apply from the next epoch"
        )
        self.learning_rate_box.valueChanged.connect(self._learning_rate_edited)
        form.addRow("Learning rate η", self.learning_rate_box)
        self.speed_box = QComboBox()
        for label, value in SPEED_CHOICES:
            self.speed_box.addItem(label, value)
        self.speed_box.setToolTip("Cap the training speed to watch it happen")
        self.speed_box.currentIndexChanged.connect(self._speed_edited)
        # "As fast as possible" one click away from a watchable speed.
        self.full_speed_button = QToolButton()
        self.full_speed_button.setText("Full speed")
        self.full_speed_button.setToolTip("Train as fast as possible (the Speed box's first line)")
        self.full_speed_button.clicked.connect(lambda: self.speed_box.setCurrentIndex(0))
        speed_row = QHBoxLayout()
        speed_row.setContentsMargins(0, 0, 0, 0)
        speed_row.addWidget(self.speed_box, 1)
        speed_row.addWidget(self.full_speed_button)
        form.addRow("Speed", speed_row)
        layout.addLayout(form)

        # Stop conditions.
        stop = QGroupBox("Stop when")
        stop_form = QFormLayout(stop)
        self.max_epochs_check = QCheckBox("epoch reaches")
        self.max_epochs_box = QSpinBox()
        self.max_epochs_box.setRange(1, limits.MAX_EPOCH)
        self.max_epochs_box.setValue(10_000)
        self.max_epochs_box.setKeyboardTracking(False)
        stop_form.addRow(self.max_epochs_check, self.max_epochs_box)
        self.target_loss_check = QCheckBox("loss reaches")
        self.target_loss_edit = QLineEdit("0.001")
        self.target_loss_edit.setToolTip("Pause when the training loss is at or below this")
        stop_form.addRow(self.target_loss_check, self.target_loss_edit)
        for widget in (self.max_epochs_check, self.target_loss_check):
            widget.toggled.connect(self._stop_conditions_edited)
        self.max_epochs_box.valueChanged.connect(self._stop_conditions_edited)
        self.target_loss_edit.editingFinished.connect(self._stop_conditions_edited)
        layout.addWidget(stop)
        layout.addStretch(1)

        controller.settings_changed.connect(self.show_settings)
        controller.snapshot_ready.connect(self.show_snapshot)
        controller.network_reset.connect(self.show_snapshot)
        self.show_settings(controller.settings())
        self.show_snapshot(controller.current_snapshot())

    # ----------------------------------------------------------------- view
    def _fit_live_labels(self) -> None:
        for label in (self.epoch_label, self.loss_label, self.test_loss_label):
            # Opaque: a new number repaints the label alone, not the panel behind it.
            label.setAutoFillBackground(True)
        fix_label_size(self.epoch_label, WIDEST_EPOCH_TEXTS)
        fix_label_size(self.loss_label, WIDEST_LOSS_TEXTS)
        fix_label_size(self.test_loss_label, [f"test {text}" for text in WIDEST_LOSS_TEXTS])

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_live_labels()

    def show_snapshot(self, snapshot) -> None:
        """Epoch and loss of ``snapshot``."""
        self.epoch_label.setText(f"{snapshot.epoch:,}")
        self.loss_label.setText(format_loss(snapshot.train_loss))
        self.loss_label.setToolTip(f"{snapshot.loss_name}: {LOSS_NOW_EXPLAINED}")
        if snapshot.test_loss is None:
            self.test_loss_label.setText("")
        else:
            self.test_loss_label.setText(f"test {format_loss(snapshot.test_loss)}")

    def show_settings(self, settings: dict) -> None:
        """Reflect settings changed elsewhere (a project opened, a reset)."""
        widgets = (
            self.learning_rate_box,
            self.speed_box,
            self.max_epochs_check,
            self.max_epochs_box,
            self.target_loss_check,
            self.target_loss_edit,
        )
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.learning_rate_box.setValue(settings["learning_rate"])
            speed = settings.get("epochs_per_second")
            index = self.speed_box.findData(speed)
            if index < 0:
                self.speed_box.addItem(f"{speed:g} epochs/s", speed)
                index = self.speed_box.count() - 1
            self.speed_box.setCurrentIndex(index)
            max_epochs = settings.get("max_epochs")
            self.max_epochs_check.setChecked(max_epochs is not None)
            if max_epochs is not None:
                self.max_epochs_box.setValue(max_epochs)
            target = settings.get("target_loss")
            self.target_loss_check.setChecked(target is not None)
            if target is not None:
                self.target_loss_edit.setText(f"{target:g}")
        finally:
            for widget in widgets:
                widget.blockSignals(False)

    # ---------------------------------------------------------------- edits
    def _learning_rate_edited(self, value: float) -> None:
        try:
            self._controller.set_learning_rate(value)
        except ValueError as exc:
            self.message_posted.emit(str(exc))
            return
        self.message_posted.emit(f"Learning rate {value:g}, from the next epoch")

    def _speed_edited(self, index: int) -> None:
        self._controller.set_speed(self.speed_box.itemData(index))

    def _stop_conditions_edited(self, *_args) -> None:
        max_epochs = self.max_epochs_box.value() if self.max_epochs_check.isChecked() else None
        target = None
        if self.target_loss_check.isChecked():
            try:
                target = float(self.target_loss_edit.text().replace(",", "."))
            except ValueError:
                self.message_posted.emit(
                    f"The target loss must be a number, not {self.target_loss_edit.text()!r}"
                )
                self.target_loss_check.setChecked(False)
                return
        try:
            self._controller.set_stop_conditions(max_epochs, target)
        except ValueError as exc:
            self.message_posted.emit(str(exc).capitalize())
            self.target_loss_check.setChecked(False)
