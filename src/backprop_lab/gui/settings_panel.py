"""Network settings: hidden layers, activations, bias, initialisation, loss, batch, momentum.

Architecture edits (layers, activations, bias, initialisation) are collected
and applied together with **Apply**, because a new architecture resets
training; loss, batch size and momentum apply at once, from the next epoch.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core import HIDDEN_ACTIVATIONS, INIT_SCHEMES, LOSSES, OUTPUT_ACTIVATIONS
from backprop_lab.core.losses import get_loss
from backprop_lab.gui.training import MAX_HIDDEN_LAYERS, MAX_LAYER_SIZE, TrainingController

INIT_LABELS = {
    "constant": "Constant (every weight the same)",
    "uniform": "Uniform ±value",
    "xavier": "Xavier / Glorot",
    "he": "He (normal)",
}


class SettingsPanel(QWidget):
    """Edits the controller's network and training settings."""

    #: A message for the status bar, e.g. "New architecture 2-4-1: training was reset".
    message_posted = Signal(str)

    def __init__(self, controller: TrainingController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._layer_rows: list[tuple[QLabel, QSpinBox, QComboBox]] = []
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
        self.output_activation_box.addItems(OUTPUT_ACTIVATIONS)
        self.output_activation_box.currentIndexChanged.connect(self._mark_changed)
        out_form.addRow("Output activation", self.output_activation_box)
        self.bias_check = QCheckBox("Bias in every layer")
        self.bias_check.toggled.connect(self._mark_changed)
        out_form.addRow("", self.bias_check)
        self.init_box = QComboBox()
        for name in INIT_SCHEMES:
            self.init_box.addItem(INIT_LABELS.get(name, name), name)
        self.init_box.currentIndexChanged.connect(self._init_edited)
        out_form.addRow("Initialisation", self.init_box)
        self.init_value_box = QDoubleSpinBox()
        self.init_value_box.setDecimals(3)
        self.init_value_box.setRange(-10.0, 10.0)
        self.init_value_box.setSingleStep(0.05)
        self.init_value_box.valueChanged.connect(self._mark_changed)
        out_form.addRow("Initial value", self.init_value_box)
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 2**31 - 2)
        self.seed_box.valueChanged.connect(self._mark_changed)
        out_form.addRow("Seed", self.seed_box)
        arch_layout.addLayout(out_form)
        apply_row = QHBoxLayout()
        self.summary_label = QLabel()
        apply_row.addWidget(self.summary_label, 1)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(lambda: self.show_settings(controller.settings()))
        self.apply_button = QPushButton("Apply (resets)")
        self.apply_button.setToolTip("Build the new network; training starts again from epoch 0")
        self.apply_button.clicked.connect(self.apply_architecture)
        apply_row.addWidget(self.revert_button)
        apply_row.addWidget(self.apply_button)
        arch_layout.addLayout(apply_row)
        layout.addWidget(arch)

        # ---------------------------------------------------------- training
        training = QGroupBox("Training")
        form = QFormLayout(training)
        self.loss_box = QComboBox()
        for name in LOSSES:
            self.loss_box.addItem(get_loss(name).description, name)
        self.loss_box.currentIndexChanged.connect(self._loss_edited)
        form.addRow("Loss", self.loss_box)
        self.batch_box = QSpinBox()
        self.batch_box.setRange(0, 1_000_000)
        self.batch_box.setSpecialValueText("Full batch")
        self.batch_box.setToolTip("Samples per weight update: full batch, 1 (online) or k")
        self.batch_box.setKeyboardTracking(False)
        self.batch_box.valueChanged.connect(self._batch_edited)
        form.addRow("Batch size", self.batch_box)
        self.momentum_box = QDoubleSpinBox()
        self.momentum_box.setDecimals(3)
        self.momentum_box.setRange(0.0, 0.999)
        self.momentum_box.setSingleStep(0.1)
        self.momentum_box.setKeyboardTracking(False)
        self.momentum_box.valueChanged.connect(self._momentum_edited)
        form.addRow("Momentum", self.momentum_box)
        layout.addWidget(training)
        layout.addStretch(1)

        controller.settings_changed.connect(self.show_settings)
        controller.network_reset.connect(lambda _snapshot: self._show_summary())
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
            activation.addItems(HIDDEN_ACTIVATIONS)
            if self._layer_rows:
                activation.setCurrentText(self._layer_rows[-1][2].currentText())
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
                activation.setCurrentText(name)
                size.blockSignals(False)
                activation.blockSignals(False)
            self.output_activation_box.setCurrentText(activations[-1])
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
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._set_pending(False)

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

    def architecture(self) -> dict:
        """The architecture the widgets describe (applied or not)."""
        return {
            "hidden_layer_sizes": [size.value() for _label, size, _act in self._layer_rows],
            "activations": [act.currentText() for _label, _size, act in self._layer_rows]
            + [self.output_activation_box.currentText()],
            "bias": self.bias_check.isChecked(),
            "init": self.init_box.currentData(),
            "init_seed": self.seed_box.value(),
            "init_value": self.init_value_box.value(),
        }

    def apply_architecture(self) -> bool:
        """Build the network the widgets describe; False (and a message) when refused."""
        try:
            self._controller.set_architecture(**self.architecture())
        except ValueError as exc:
            self.message_posted.emit(f"Architecture not changed: {exc}")
            return False
        sizes = "-".join(str(s) for s in self._controller.current_snapshot().layer_sizes)
        self.message_posted.emit(f"New network {sizes}: training was reset to epoch 0")
        self._set_pending(False)
        return True

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
