"""Network settings: the architecture, and how training computes its updates.

Architecture edits (layers, activations per layer, feature inputs, bias,
initialisation) are collected and applied together with **Apply**, because a
new architecture resets training. Everything in *Training* applies at once,
from the next epoch: the loss, the batch size, the optimiser (plain gradient
descent, momentum, Nesterov, RMSprop, Adam) and its hyperparameters, the
learning-rate schedule and L1/L2 regularisation. Every value is checked by the
session's :class:`~backprop_lab.core.settings.TrainingSettings`; a refused one
is put back and the status bar says why.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core import (
    HIDDEN_ACTIVATIONS,
    INIT_SCHEMES,
    LOSSES,
    OUTPUT_ACTIVATIONS,
    get_activation,
    limits,
    no_gradient_reason,
)
from backprop_lab.core.features import PLAYGROUND_FEATURES, feature_label
from backprop_lab.core.losses import get_loss
from backprop_lab.core.optimizers import OPTIMIZERS, SCHEDULES
from backprop_lab.gui.load_progress import LoadCancelledByUser, network_work, snapshot_work
from backprop_lab.gui.training import MAX_HIDDEN_LAYERS, MAX_LAYER_SIZE, TrainingController

INIT_LABELS = {
    "constant": "Constant (every weight the same)",
    "uniform": "Uniform ±value",
    "xavier": "Xavier / Glorot",
    "he": "He (normal)",
}


OPTIMIZER_LABELS = {
    "sgd": "Gradient descent (SGD)",
    "momentum": "Momentum",
    "nesterov": "Nesterov momentum",
    "rmsprop": "RMSprop",
    "adam": "Adam",
}
SCHEDULE_LABELS = {
    "constant": "Constant",
    "step": "Step decay",
    "inverse_time": "1/t decay",
}
#: The hyperparameters each optimiser uses (the others are hidden).
OPTIMIZER_FIELDS = {
    "sgd": (),
    "momentum": ("momentum",),
    "nesterov": ("momentum",),
    "rmsprop": ("rho", "epsilon"),
    "adam": ("beta1", "beta2", "epsilon"),
}


def activation_label(name: str) -> str:
    """The activation's display name ("leaky ReLU"), or its name."""
    return get_activation(name).label or name


def _fill_activations(combo: QComboBox, names) -> None:
    for name in names:
        act = get_activation(name)
        combo.addItem(act.label or name, name)
        combo.setItemData(
            combo.count() - 1,
            act.formula + ("" if act.has_useful_gradient else " (no useful gradient)"),
            Qt.ItemDataRole.ToolTipRole,
        )


def _snapshot_work(settings, session) -> int:
    """About how much work the first snapshot of ``settings``' network is."""
    train, test = session.dataset()
    n_inputs = train.n_inputs if settings.features is None else len(settings.features)
    sizes = [n_inputs, *settings.hidden_layer_sizes, train.n_outputs]
    return snapshot_work(sizes, train, test)


class SettingsPanel(QWidget):
    """Edits the controller's network and training settings."""

    #: A message for the status bar, e.g. "New architecture 2-4-1: training was reset".
    message_posted = Signal(str)

    def __init__(self, controller: TrainingController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._layer_rows: list[tuple[QLabel, QSpinBox, QComboBox]] = []
        #: Whether Apply is building a network (a second Apply waits for it).
        self._applying = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        # ------------------------------------------------------ architecture
        arch = QGroupBox("Architecture")
        arch_layout = QVBoxLayout(arch)
        count_row = QFormLayout()
        self.layer_count_box = QSpinBox()
        self.layer_count_box.setRange(0, MAX_HIDDEN_LAYERS)
        self.layer_count_box.setToolTip("Number of hidden layers (0: inputs straight to outputs)")
        self.layer_count_box.valueChanged.connect(self._layer_count_edited)
        count_row.addRow("Hidden layers", self.layer_count_box)
        arch_layout.addLayout(count_row)
        self._layers_form = QFormLayout()
        arch_layout.addLayout(self._layers_form)
        out_form = QFormLayout()
        self.output_activation_box = QComboBox()
        _fill_activations(self.output_activation_box, OUTPUT_ACTIVATIONS)
        self.output_activation_box.currentIndexChanged.connect(self._mark_changed)
        out_form.addRow("Output activation", self.output_activation_box)
        self.bias_check = QCheckBox("Bias in every layer")
        self.bias_check.toggled.connect(self._mark_changed)
        out_form.addRow("", self.bias_check)
        self.feature_checks: dict[str, QCheckBox] = {}
        features = QWidget()
        grid = QGridLayout(features)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(0)
        for index, name in enumerate(PLAYGROUND_FEATURES):
            box = QCheckBox(feature_label(name))
            box.setToolTip(f"Feed {feature_label(name)} to the network as an input node")
            box.toggled.connect(self._mark_changed)
            # Three a row: four made the panel wider than a 1280 x 720 window's column.
            grid.addWidget(box, index // 3, index % 3)
            self.feature_checks[name] = box
        self.features_label = QLabel("Inputs")
        self.features_label.setToolTip(
            "Feature inputs, as in TensorFlow Playground: the network is fed these "
            "functions of the data's x₁ and x₂ (the data stays as it is). Only x₁ and x₂: "
            "the data's columns as they are."
        )
        out_form.addRow(self.features_label, features)
        self.init_box = QComboBox()
        for name in INIT_SCHEMES:
            self.init_box.addItem(INIT_LABELS.get(name, name), name)
        self.init_box.currentIndexChanged.connect(self._init_edited)
        out_form.addRow("Initialisation", self.init_box)
        self.init_value_box = QDoubleSpinBox()
        self.init_value_box.setDecimals(3)
        self.init_value_box.setRange(-limits.MAX_INIT_VALUE, limits.MAX_INIT_VALUE)
        self.init_value_box.setSingleStep(0.05)
        self.init_value_box.valueChanged.connect(self._mark_changed)
        out_form.addRow("Initial value", self.init_value_box)
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, limits.MAX_SEED)
        self.seed_box.valueChanged.connect(self._mark_changed)
        out_form.addRow("Seed", self.seed_box)
        arch_layout.addLayout(out_form)
        #: The Apply row as one widget, so the window can pin it below the scrolled
        #: panel where it is always visible (see dialogs.scrolled's footer).
        self.apply_bar = QWidget()
        apply_row = QHBoxLayout(self.apply_bar)
        apply_row.setContentsMargins(0, 0, 0, 0)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        apply_row.addWidget(self.summary_label, 1)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(lambda: self.show_settings(controller.settings()))
        self.apply_button = QPushButton("Apply (resets)")
        self.apply_button.setToolTip("Build the new network; training starts again from epoch 0")
        self.apply_button.clicked.connect(self.apply_architecture)
        apply_row.addWidget(self.revert_button)
        apply_row.addWidget(self.apply_button)
        arch_layout.addWidget(self.apply_bar)
        self.gradient_warning = QLabel()
        self.gradient_warning.setWordWrap(True)
        self.gradient_warning.setStyleSheet("QLabel { color: #b00020; }")
        self.gradient_warning.hide()
        arch_layout.addWidget(self.gradient_warning)
        layout.addWidget(arch)

        # ---------------------------------------------------------- training
        training = QGroupBox("Training")
        form = QFormLayout(training)
        self.loss_box = QComboBox()
        for name in LOSSES:
            self.loss_box.addItem(get_loss(name).description, name)
        self.loss_box.currentIndexChanged.connect(self._loss_edited)
        # The loss formulas are long: the box stays narrow, the list shows them whole.
        self.loss_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.loss_box.setMinimumContentsLength(14)
        self.loss_box.view().setMinimumWidth(self.loss_box.sizeHint().width() * 2)
        form.addRow("Loss", self.loss_box)
        self.batch_box = QSpinBox()
        self.batch_box.setRange(0, limits.MAX_BATCH_SIZE)
        self.batch_box.setSpecialValueText("Full batch")
        self.batch_box.setToolTip("Samples per weight update: full batch, 1 (online) or k")
        self.batch_box.setKeyboardTracking(False)
        self.batch_box.valueChanged.connect(self._batch_edited)
        form.addRow("Batch size", self.batch_box)
        self.momentum_box = QDoubleSpinBox()
        self.momentum_box.setDecimals(3)
        self.momentum_box.setRange(0.0, limits.MAX_MOMENTUM)
        self.momentum_box.setSingleStep(0.1)
        self.momentum_box.setKeyboardTracking(False)
        self.momentum_box.valueChanged.connect(self._momentum_edited)
        self.optimizer_box = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer_box.addItem(OPTIMIZER_LABELS.get(name, name), name)
        self.optimizer_box.setToolTip(
            "How each update uses the gradient; applies from the next epoch"
        )
        self.optimizer_box.currentIndexChanged.connect(self._optimizer_edited)
        form.addRow("Optimiser", self.optimizer_box)
        form.addRow("Momentum μ", self.momentum_box)
        self._hyper_boxes: dict[str, QDoubleSpinBox] = {"momentum": self.momentum_box}
        self._form = form
        for name, label, decimals, low, high, step in (
            ("beta1", "β₁ (Adam)", 4, 0.0, limits.MAX_MOMENTUM, 0.01),
            ("beta2", "β₂ (Adam)", 4, 0.0, limits.MAX_MOMENTUM, 0.001),
            ("rho", "ρ (RMSprop)", 4, 0.0, limits.MAX_MOMENTUM, 0.01),
        ):
            box = self._number_box(decimals, low, high, step)
            box.valueChanged.connect(lambda value, n=name: self._setting_edited(n, value))
            form.addRow(label, box)
            self._hyper_boxes[name] = box
        self.epsilon_box = QLineEdit()
        self.epsilon_box.setToolTip(
            f"ε keeps the division finite ({limits.MIN_EPSILON:g} to {limits.MAX_EPSILON:g})"
        )
        self.epsilon_box.editingFinished.connect(self._epsilon_edited)
        form.addRow("ε", self.epsilon_box)
        self.schedule_box = QComboBox()
        for name in SCHEDULES:
            self.schedule_box.addItem(SCHEDULE_LABELS.get(name, name), name)
        self.schedule_box.setToolTip(
            "The learning rate of epoch k + 1 (k epochs done) from the base rate η₀ of the "
            "Training panel: constant η₀; step decay η₀ · drop^⌊k / every⌋; "
            "1/t decay η₀ / (1 + decay · k)"
        )
        self.schedule_box.currentIndexChanged.connect(
            lambda _i: self._setting_edited("lr_schedule", self.schedule_box.currentData())
        )
        form.addRow("Learning rate", self.schedule_box)
        self.lr_drop_box = self._number_box(3, 0.001, 1.0, 0.05)
        self.lr_drop_box.valueChanged.connect(lambda v: self._setting_edited("lr_drop", v))
        form.addRow("Drop by ×", self.lr_drop_box)
        self.lr_every_box = QSpinBox()
        self.lr_every_box.setRange(1, limits.MAX_EPOCH)
        self.lr_every_box.setSuffix(" epochs")
        self.lr_every_box.setKeyboardTracking(False)
        self.lr_every_box.valueChanged.connect(lambda v: self._setting_edited("lr_every", v))
        form.addRow("Every", self.lr_every_box)
        self.lr_decay_box = self._number_box(4, 0.0, limits.MAX_LR_DECAY, 0.001)
        self.lr_decay_box.valueChanged.connect(lambda v: self._setting_edited("lr_decay", v))
        form.addRow("Decay", self.lr_decay_box)
        self.l1_box = self._number_box(5, 0.0, limits.MAX_PENALTY, 0.0001)
        self.l1_box.setToolTip("L1 regularisation: adds l1 · Σ|w| over the weights (not biases)")
        self.l1_box.valueChanged.connect(lambda v: self._setting_edited("l1", v))
        form.addRow("L1", self.l1_box)
        self.l2_box = self._number_box(5, 0.0, limits.MAX_PENALTY, 0.0001)
        self.l2_box.setToolTip(
            "L2 regularisation: adds (l2 / 2) · Σw² over the weights (not biases)"
        )
        self.l2_box.valueChanged.connect(lambda v: self._setting_edited("l2", v))
        form.addRow("L2", self.l2_box)
        layout.addWidget(training)
        layout.addStretch(1)

        controller.settings_changed.connect(self.show_settings)
        controller.network_reset.connect(lambda _snapshot: self._on_network_reset())
        self.show_settings(controller.settings())

    # -------------------------------------------------------------- display
    def _set_layer_rows(self, count: int) -> None:
        while len(self._layer_rows) > count:
            label, size, activation = self._layer_rows.pop()
            self._layers_form.removeRow(label)
        while len(self._layer_rows) < count:
            index = len(self._layer_rows)
            label = QLabel(f"Hidden layer {index + 1}")
            size = QSpinBox()
            size.setRange(1, MAX_LAYER_SIZE)
            size.setValue(self._layer_rows[-1][1].value() if self._layer_rows else 3)
            size.setSuffix(" units")
            size.valueChanged.connect(self._mark_changed)
            activation = QComboBox()
            _fill_activations(activation, HIDDEN_ACTIVATIONS)
            if self._layer_rows:
                activation.setCurrentIndex(self._layer_rows[-1][2].currentIndex())
            activation.currentIndexChanged.connect(self._mark_changed)
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(size)
            row_layout.addWidget(activation)
            self._layers_form.addRow(label, row)
            self._layer_rows.append((label, size, activation))

    def show_settings(self, settings: dict) -> None:
        """Show ``settings`` (discarding unapplied architecture edits)."""
        widgets = [
            self.layer_count_box,
            self.output_activation_box,
            self.bias_check,
            self.init_box,
            self.init_value_box,
            self.seed_box,
            self.loss_box,
            self.batch_box,
            self.momentum_box,
            self.optimizer_box,
            self.epsilon_box,
            self.schedule_box,
            self.lr_drop_box,
            self.lr_every_box,
            self.lr_decay_box,
            self.l1_box,
            self.l2_box,
            *self._hyper_boxes.values(),
            *self.feature_checks.values(),
        ]
        for widget in widgets:
            widget.blockSignals(True)
        try:
            hidden = settings["hidden_layer_sizes"]
            activations = settings["activations"]
            self.layer_count_box.setValue(len(hidden))
            self._set_layer_rows(len(hidden))
            for (_label, size, activation), units, name in zip(
                self._layer_rows, hidden, activations, strict=False
            ):
                size.blockSignals(True)
                activation.blockSignals(True)
                size.setValue(units)
                activation.setCurrentIndex(max(0, activation.findData(name)))
                size.blockSignals(False)
                activation.blockSignals(False)
            self.output_activation_box.setCurrentIndex(
                max(0, self.output_activation_box.findData(activations[-1]))
            )
            self.bias_check.setChecked(bool(settings["bias"]))
            self.init_box.setCurrentIndex(max(0, self.init_box.findData(settings["init"])))
            self.init_value_box.setValue(float(settings.get("init_value", 0.1)))
            self.init_value_box.setEnabled(settings["init"] in ("constant", "uniform"))
            seed = settings.get("init_seed")
            self.seed_box.setValue(0 if seed is None else int(seed))
            self.loss_box.setCurrentIndex(max(0, self.loss_box.findData(settings["loss"])))
            batch = settings.get("batch_size")
            self.batch_box.setValue(0 if batch is None else int(batch))
            self.momentum_box.setValue(float(settings.get("momentum", 0.0)))
            optimizer = settings.get("optimizer", "sgd")
            self.optimizer_box.setCurrentIndex(max(0, self.optimizer_box.findData(optimizer)))
            for name in ("beta1", "beta2", "rho"):
                if name in settings:
                    self._hyper_boxes[name].setValue(float(settings[name]))
            self.epsilon_box.setText(f"{float(settings.get('epsilon', 1e-8)):g}")
            schedule = settings.get("lr_schedule", "constant")
            self.schedule_box.setCurrentIndex(max(0, self.schedule_box.findData(schedule)))
            self.lr_drop_box.setValue(float(settings.get("lr_drop", 0.5)))
            self.lr_every_box.setValue(int(settings.get("lr_every", 100)))
            self.lr_decay_box.setValue(float(settings.get("lr_decay", 0.01)))
            self.l1_box.setValue(float(settings.get("l1", 0.0)))
            self.l2_box.setValue(float(settings.get("l2", 0.0)))
            features = settings.get("features")
            chosen = set(features) if features else {"x1", "x2"}
            for name, box in self.feature_checks.items():
                box.setChecked(name in chosen)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._update_rows()
        self._update_features_enabled()
        self._set_pending(False)
        self._show_gradient_warning()

    def _on_network_reset(self) -> None:
        self._show_summary()
        self._update_features_enabled()
        self._show_gradient_warning()

    def _show_summary(self) -> None:
        sizes = self._controller.current_snapshot().layer_sizes
        self.summary_label.setText("Network " + "-".join(str(s) for s in sizes))

    def _set_pending(self, pending: bool) -> None:
        self.apply_button.setEnabled(pending)
        self.revert_button.setEnabled(pending)
        if pending:
            self.summary_label.setText("<i>Changed: Apply to rebuild</i>")
        else:
            self._show_summary()

    # ---------------------------------------------------------------- edits
    def _mark_changed(self, *_args) -> None:
        self._set_pending(True)

    def _layer_count_edited(self, count: int) -> None:
        self._set_layer_rows(count)
        self._mark_changed()

    def _init_edited(self, *_args) -> None:
        self.init_value_box.setEnabled(self.init_box.currentData() in ("constant", "uniform"))
        self._mark_changed()

    def chosen_features(self) -> list[str] | None:
        """The feature inputs ticked, or None when they are just the data's x₁ and x₂."""
        if not self._features_apply():
            return None
        names = [name for name, box in self.feature_checks.items() if box.isChecked()]
        return None if names == ["x1", "x2"] else names

    def _features_apply(self) -> bool:
        train, _test = self._controller.dataset()
        return train.n_inputs == 2

    def architecture(self) -> dict:
        """The architecture the widgets describe (applied or not)."""
        return {
            "hidden_layer_sizes": [size.value() for _label, size, _act in self._layer_rows],
            "activations": [act.currentData() for _label, _size, act in self._layer_rows]
            + [self.output_activation_box.currentData()],
            "features": self.chosen_features(),
            "bias": self.bias_check.isChecked(),
            "init": self.init_box.currentData(),
            "init_seed": self.seed_box.value(),
            "init_value": self.init_value_box.value(),
        }

    def apply_architecture(self) -> bool:
        """Build the network the widgets describe; False (and a message) when refused."""
        architecture = self.architecture()
        if (
            self._features_apply()
            and not architecture["features"]
            and not any(box.isChecked() for box in self.feature_checks.values())
        ):
            self.message_posted.emit("Architecture not changed: tick at least one input")
            return False
        if self._applying:
            return False  # Apply again while the network is still being built
        self._applying = True
        try:
            settings = self._controller.architecture_settings(**architecture)
            session = self._controller.session
            # The first snapshot of a big network on big data (a forward and backward
            # pass over every sample) takes seconds: off the GUI thread, cancellable.
            work = _snapshot_work(settings, session)
            with network_work(self.window(), "Building the new network…", work) as progress:
                prepared = progress.run(session.prepare_network, settings)
                progress.showing("Showing the new network…")
                self._controller.set_architecture(**architecture, prepared=prepared)
        except LoadCancelledByUser:
            self.message_posted.emit("Architecture not changed: cancelled")
            return False
        except ValueError as exc:
            self.message_posted.emit(f"Architecture not changed: {exc}")
            return False
        finally:
            self._applying = False
        sizes = "-".join(str(s) for s in self._controller.current_snapshot().layer_sizes)
        message = f"New network {sizes}: training was reset to epoch 0"
        reason = self._gradient_reason()
        if reason:
            message += ". " + reason
        self.message_posted.emit(message)
        self._set_pending(False)
        self._show_gradient_warning()
        return True

    # ------------------------------------------------- optimiser and schedule
    @staticmethod
    def _number_box(decimals: int, low: float, high: float, step: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setDecimals(decimals)
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setKeyboardTracking(False)
        return box

    def _setting_edited(self, name: str, value) -> bool:
        """Apply one training setting now; put the shown value back if it is refused."""
        try:
            self._controller.update_settings(**{name: value})
        except ValueError as exc:
            self.message_posted.emit(f"Not changed: {exc}")
            self.show_settings(self._controller.settings())
            return False
        self._update_rows()
        return True

    def _optimizer_edited(self, *_args) -> None:
        name = self.optimizer_box.currentData()
        changes: dict = {"optimizer": name}
        # The choice is what trains: sgd stays plain SGD and keeps μ (hidden) for
        # when momentum or Nesterov is chosen again.
        if name in ("momentum", "nesterov") and self.momentum_box.value() == 0.0:
            changes["momentum"] = 0.9  # the usual start
        try:
            self._controller.update_settings(**changes)
        except ValueError as exc:
            self.message_posted.emit(f"Optimiser not changed: {exc}")
            self.show_settings(self._controller.settings())
            return
        self.show_settings(self._controller.settings())
        self.message_posted.emit(
            f"Optimiser: {OPTIMIZER_LABELS.get(name, name)}, from the next epoch "
            "(its state starts at zero)"
        )

    def _epsilon_edited(self) -> None:
        text = self.epsilon_box.text().strip().replace("−", "-")
        try:
            value = float(text)
        except ValueError:
            self.message_posted.emit(f"ε must be a number such as 1e-8, got {text!r}")
            self.show_settings(self._controller.settings())
            return
        self._setting_edited("epsilon", value)

    def _update_rows(self) -> None:
        """Show only the hyperparameters of the chosen optimiser and schedule."""
        used = set(OPTIMIZER_FIELDS.get(self.optimizer_box.currentData(), ()))
        for name, box in self._hyper_boxes.items():
            self._form.setRowVisible(box, name in used)
        self._form.setRowVisible(self.epsilon_box, "epsilon" in used)
        schedule = self.schedule_box.currentData()
        self._form.setRowVisible(self.lr_drop_box, schedule == "step")
        self._form.setRowVisible(self.lr_every_box, schedule == "step")
        self._form.setRowVisible(self.lr_decay_box, schedule == "inverse_time")

    def _update_features_enabled(self) -> None:
        applies = self._features_apply()
        for box in self.feature_checks.values():
            box.setEnabled(applies)
        self.features_label.setEnabled(applies)

    def _gradient_reason(self) -> str | None:
        try:
            return no_gradient_reason(self._controller.current_network())
        except Exception:
            return None

    def _show_gradient_warning(self) -> None:
        reason = self._gradient_reason()
        self.gradient_warning.setText(reason or "")
        self.gradient_warning.setVisible(bool(reason))

    def _loss_edited(self, *_args) -> None:
        name = self.loss_box.currentData()
        try:
            self._controller.set_loss(name)
        except ValueError as exc:
            self.message_posted.emit(f"Loss not changed: {exc}")
            self.show_settings(self._controller.settings())
            return
        self.message_posted.emit(f"Loss is now {name}, from the next epoch")

    def _batch_edited(self, value: int) -> None:
        try:
            self._controller.set_batch_size(None if value == 0 else value)
        except ValueError as exc:
            self.message_posted.emit(str(exc))

    def _momentum_edited(self, value: float) -> None:
        try:
            self._controller.set_momentum(value)
        except ValueError as exc:
            self.message_posted.emit(str(exc))
