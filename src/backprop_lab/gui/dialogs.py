"""The About box, the error dialog (details + a copy button), and small widget helpers."""

from __future__ import annotations

import platform

import numpy as np
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QRect, QSize, Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from backprop_lab import __version__
from backprop_lab.gui.icons import app_icon, icon


class _MinimumForWidthLayout(QLayout):
    """Holds one panel in a scroll area: its minimum height is the panel's minimum for
    the width it has, and it reports no height-for-width.

    A QScrollArea takes a height-for-width panel's *preferred* height (every
    word-wrapped label at its longest, a plot at its size hint) as the least it
    may get, so a dock panel scrolled long before anything needed to: the data
    plot's x axis and the training controls' last rows were off the bottom of a
    1280 x 720 window with room to spare. With this layout it scrolls only below
    what the panel really needs at that width.
    """

    def __init__(self, parent: QWidget, panel: QWidget) -> None:
        super().__init__(parent)
        self.setContentsMargins(0, 0, 0, 0)
        self._item: QLayoutItem | None = None
        self._width = -1
        self.addWidget(panel)

    def addItem(self, item: QLayoutItem) -> None:
        self._item = item

    def count(self) -> int:
        return 0 if self._item is None else 1

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._item if index == 0 else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        item, self._item = (self._item, None) if index == 0 else (None, self._item)
        return item

    def hasHeightForWidth(self) -> bool:
        return False

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal | Qt.Orientation.Vertical

    def sizeHint(self) -> QSize:
        return QSize() if self._item is None else self._item.sizeHint()

    def minimumSize(self) -> QSize:
        if self._item is None:
            return QSize(0, 0)
        minimum = self._item.minimumSize()
        panel = self._item.widget()
        inner = panel.layout() if panel is not None else None
        if inner is not None and inner.hasHeightForWidth():
            width = max(self._width, minimum.width())
            minimum.setHeight(max(minimum.height(), inner.totalHeightForWidth(width)))
        return minimum

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        if self._item is not None:
            self._item.setGeometry(rect)
        if rect.width() != self._width:
            self._width = rect.width()
            self.invalidate()  # the minimum height follows the width


def scrolled(widget: QWidget, footer: QWidget | None = None) -> QWidget:
    """``widget`` in a frameless scroll area that resizes it (for panels in docks).

    It scrolls only when the dock is smaller than what ``widget`` needs at the
    dock's width (see _MinimumForWidthLayout). ``footer`` (a row of action
    buttons taken out of ``widget``) is pinned below the scroll area, so it stays
    visible however small the dock is.
    """
    area = QScrollArea()
    holder = QWidget()
    _MinimumForWidthLayout(holder, widget)
    area.setWidget(holder)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    if footer is None:
        return area
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(area, 1)
    footer.setParent(holder)
    footer.setContentsMargins(6, 4, 6, 4)
    layout.addWidget(footer)
    return holder


def about_text() -> str:
    """The About box's rich text: what the app is and the versions it runs on."""
    import pyqtgraph

    return (
        f"<h2>Backprop Lab {__version__}</h2>"
        "<p>A desktop simulator that teaches backpropagation: watch a small neural "
        "network learn, one epoch at a time, with every number one click away.</p>"
        "<p>It opens on the classic 2-3-3-1 sigmoid example (all weights 0.1, learning "
        "rate 1, E = ½ Σ (t − P)²) and computes every gradient correctly.</p>"
        f"<p style='color:gray'>Python {platform.python_version()} · Qt {qVersion()} · "
        f"PySide6 {pyside_version} · NumPy {np.__version__} · "
        f"pyqtgraph {pyqtgraph.__version__}</p>"
        "<p>MIT licence.</p>"
    )


def show_about(parent: QWidget | None) -> None:
    """Show the modal About box."""
    box = QMessageBox(parent)
    box.setWindowTitle("About Backprop Lab")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_text())
    box.setIconPixmap(app_icon().pixmap(96, 96))
    box.exec()


class ErrorDialog(QDialog):
    """An error explained in one sentence, with the technical details and a copy button.

    Non-modal by default so the app keeps running behind it.
    """

    def __init__(
        self,
        summary: str,
        details: str = "",
        parent: QWidget | None = None,
        title: str = "Backprop Lab: something went wrong",
        log_path: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowIcon(icon("error"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        picture = QLabel()
        picture.setPixmap(icon("error").pixmap(40, 40))
        picture.setAlignment(Qt.AlignmentFlag.AlignTop)
        top.addWidget(picture)
        self.summary_label = QLabel(summary)
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.summary_label, 1)
        layout.addLayout(top)
        if log_path:
            note = QLabel(f"The details were also written to <code>{log_path}</code>.")
            note.setWordWrap(True)
            note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(note)
        self.details_view = QPlainTextEdit(details)
        self.details_view.setReadOnly(True)
        self.details_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details_view.setVisible(bool(details))
        self.details_view.setMinimumHeight(180)
        layout.addWidget(self.details_view, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton(icon("copy"), "Copy details")
        self.copy_button.setToolTip("Copy the message and the details to the clipboard")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._summary = summary
        self._details = details

    def text(self) -> str:
        """The summary followed by the details, as copied."""
        return f"{self._summary}\n\n{self._details}".strip() + "\n"

    def copy_details(self) -> None:
        """Put the summary and the details on the clipboard."""
        QGuiApplication.clipboard().setText(self.text())
        self.copy_button.setText("Copied")


def show_error(
    parent: QWidget | None,
    summary: str,
    details: str = "",
    log_path: str | None = None,
    modal: bool = False,
) -> ErrorDialog:
    """Show an :class:`ErrorDialog` (non-modal unless ``modal``) and return it."""
    dialog = ErrorDialog(summary, details, parent, log_path=log_path)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if modal:
        dialog.exec()
    else:
        dialog.show()
    return dialog
