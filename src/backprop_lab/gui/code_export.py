"""File ▸ Export ▸ Training as Python code: the session as a NumPy or PyTorch script.

The script itself is written by :mod:`backprop_lab.core.codegen`; this module
only asks where to, for which framework, for how many epochs and whether the
data goes into the script or into CSV files beside it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core.codegen import DEFAULT_EPOCHS, ExportedSession, write_code
from backprop_lab.gui.dialogs import show_error
from backprop_lab.gui.window_host import PanelHost

#: (framework key, what the student sees)
FRAMEWORK_CHOICES = (
    ("numpy", "NumPy (forward and backward pass written out)"),
    ("pytorch", "PyTorch (torch.nn and torch.optim)"),
)
DATA_CHOICES = (("embed", "inside the script"), ("csv", "in CSV files beside the script"))


def session_of(controller, title: str = "") -> ExportedSession:
    """What the exported script rebuilds: the session's initial weights, data and settings."""
    train, test = controller.dataset()
    # The Trainer's own keyword arguments (shuffling seed, optimiser, schedule,
    # penalties, ...) over the plain settings.
    settings = {**controller.settings(), **controller.typed_settings().trainer_options()}
    return ExportedSession.from_parts(
        controller.initial_network(), train, test, settings, title=title
    )


class ExportCodeDialog(QDialog):
    """Framework, epochs and data placement for the exported script."""

    def __init__(self, epochs: int = DEFAULT_EPOCHS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export training as Python code")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A standalone script that rebuilds this session (network, initial weights, "
            "data, loss, optimiser, batches) and trains it, printing the loss of every "
            "epoch: the same numbers as the loss plot."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.framework_combo = QComboBox()
        for key, text in FRAMEWORK_CHOICES:
            self.framework_combo.addItem(text, key)
        form.addRow("Framework:", self.framework_combo)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 10_000_000)
        self.epochs_spin.setValue(max(1, int(epochs)))
        self.epochs_spin.setSuffix(" epochs")
        form.addRow("Train for:", self.epochs_spin)
        self.data_combo = QComboBox()
        for key, text in DATA_CHOICES:
            self.data_combo.addItem(text, key)
        form.addRow("Data:", self.data_combo)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choices(self) -> tuple[str, int, str]:
        """(framework, epochs, data mode)."""
        return (
            self.framework_combo.currentData(),
            self.epochs_spin.value(),
            self.data_combo.currentData(),
        )


class CodeExport:
    """The File ▸ Export entry; :meth:`export_to` does the work without dialogs."""

    def __init__(self, window: PanelHost) -> None:
        self.window = window
        self.action = window.export_menu.addAction(
            "Training as Python &code (NumPy or PyTorch)…", self.export_dialog
        )
        self.action.setToolTip(
            "Write a standalone NumPy or PyTorch script that trains this network "
            "from its initial weights and prints the same losses"
        )

    def export_to(
        self,
        path: str | Path,
        framework: str = "numpy",
        epochs: int = DEFAULT_EPOCHS,
        data: str = "embed",
    ) -> list[Path]:
        """Write the script (and CSV files); returns the files written. Raises on failure."""
        title = str(getattr(self.window, "session_name", "") or "")
        return write_code(session_of(self.window.controller, title), path, framework, epochs, data)

    def export_dialog(self) -> bool:
        """Ask for the options and the file, then write it; False when cancelled or failed."""
        epochs = max(DEFAULT_EPOCHS, self.window.controller.current_snapshot().epoch)
        dialog = ExportCodeDialog(epochs, parent=self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        framework, epochs, data = dialog.choices()
        name = "train_numpy.py" if framework == "numpy" else "train_pytorch.py"
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export training as Python code", name, "Python scripts (*.py)"
        )
        if not path:
            return False
        if not path.endswith(".py"):
            path += ".py"
        try:
            written = self.export_to(path, framework, epochs, data)
        except (OSError, ValueError) as exc:
            show_error(self.window, f"Could not export the code to {path}.", str(exc))
            return False
        self.window.show_message(
            f"Wrote {', '.join(p.name for p in written)}: run python {Path(path).name}"
        )
        return True


def install_code_export(window: PanelHost) -> CodeExport:
    """Add File ▸ Export ▸ Training as Python code to ``window``; returns the exporter."""
    return CodeExport(window)
