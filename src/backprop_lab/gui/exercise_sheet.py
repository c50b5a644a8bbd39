"""Printable exercise sheets: a set's exercises as a PDF, optionally with the worked solutions.

``backprop-lab --exercise-sheet sheet.pdf --set 17 --count 10 [--answers]`` and
File ▸ Export ▸ Exercise sheet write one A4 page per exercise — its network
drawn by the network view (with the given numbers on it), the numbers given,
the question, room to work and a line for the answer — and with ``--answers``
an answer key after them: every answer and its worked solution, step by step.

Only Qt is used (QPdfWriter, QPainter, QTextDocument). :func:`sheet_layout`
is the document model (what goes on which page); :func:`write_exercise_sheet`
prints it.
"""

from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from backprop_lab import __version__
from backprop_lab.core.limits import MAX_EXERCISE_SET, MAX_SHEET_EXERCISES
from backprop_lab.core.practice import (
    KIND_TITLES,
    LEVELS,
    Exercise,
    exercise_set,
    format_value,
)
from backprop_lab.gui.exercise_view import show_diagram
from backprop_lab.gui.network_view import NetworkView

#: Dots per inch of the PDF's coordinate system.
RESOLUTION = 300
#: Page margins in millimetres.
MARGIN_MM = 15.0

RULES = (
    "Rules: a = Σ w·h + b;  sigmoid h = 1/(1+e^(−a)), h′ = h(1−h);  tanh, h′ = 1 − h²;  "
    "ReLU h = max(0, a), h′ = 1 if a > 0 else 0.  E = ½ Σₙ (t − P)².  "
    "Output δ = (P − t)·h′(a);  hidden δⱼ = h′(aⱼ)·Σₖ δₖ wₖⱼ;  ∂E/∂wⱼᵢ = Σₙ δⱼ hᵢ  "
    "(hᵢ = xᵢ for the first layer, 1 for a bias);  w ← w − η ∂E/∂w;  "
    "momentum: v ← μ v − η ∂E/∂w, w ← w + v (v: the velocity, the previous update)."
)


@dataclass(frozen=True)
class Sheet:
    """What was written: the file, its pages and exercises."""

    path: Path
    exercises: int
    pages: int
    exercise_pages: int
    answer_pages: int
    answers: bool
    items: tuple[Exercise, ...]


def _esc(text: str) -> str:
    return html.escape(text)


def exercise_html(exercise: Exercise, count: int) -> str:
    """The text of an exercise's page above its drawing."""
    ex = exercise
    # the given numbers in a table of four columns, so a long list stays compact
    cells = [f"<td>{_esc(g.text)}</td>" for g in ex.givens]
    rows = "".join("<tr>" + "".join(cells[i : i + 4]) + "</tr>" for i in range(0, len(cells), 4))
    lr = ""
    if ex.kind == "update":
        lr = f" Learning rate η = {format_value(ex.problem.learning_rate)}."
        if ex.problem.momentum:
            lr += f" Momentum μ = {format_value(ex.problem.momentum)}."
    samples = ex.problem.n_samples
    return (
        "<style>td { padding: 1px 14px 1px 0; } p { margin: 0 0 4pt 0; }</style>"
        f'<p style="font-size: 8pt; color: #555">Backprop Lab exercise sheet · set '
        f"{ex.set_number}</p>"
        f'<p style="font-size: 15pt"><b>Exercise {ex.number}</b> of {count} '
        f'<span style="font-size: 10pt">· level {ex.level.number} ({_esc(ex.level.name)}) · '
        f"{_esc(KIND_TITLES[ex.kind])}</span></p>"
        f'<p style="font-size: 12pt">{_esc(ex.question)}</p>'
        f'<p style="font-size: 9.5pt">{_esc(ex.architecture)}; loss E = ½ Σₙ (t − P)²; '
        f"{samples} sample{'s' if samples > 1 else ''}.{_esc(lr)} Give the answer to "
        f"{ex.digits} significant digits.</p>"
        f'<p style="font-size: 10pt"><b>Given</b></p>'
        f'<table style="font-size: 10pt">{rows}</table>'
    )


def answers_html(exercises: list[Exercise]) -> str:
    """The answer key: per exercise the answer and the worked solution."""
    parts = [
        "<style>p { margin: 0 0 3pt 0; } .f { font-family: serif; }</style>",
        f'<p style="font-size: 15pt"><b>Answers and worked solutions</b> · set '
        f"{exercises[0].set_number}</p>",
    ]
    for ex in exercises:
        parts.append(
            f'<p style="font-size: 12pt; margin-top: 10pt"><b>Exercise {ex.number}</b> · '
            f"{_esc(KIND_TITLES[ex.kind])}: <b>{_esc(ex.symbol)} = "
            f"{_esc(format_value(ex.answer))}</b></p>"
        )
        for number, step in enumerate(ex.solution(), start=1):
            note = f" ({_esc(step.note)})" if step.note else ""
            subst = f" = {_esc(step.substituted)}" if step.substituted else ""
            lead = "".join(f"{_esc(line)}<br>" for line in step.lines)
            parts.append(
                f'<p style="font-size: 9.5pt; margin-left: 12pt">{number}. '
                f"{_esc(step.title)}{note}:<br>"
                f'<span class="f">{lead}{_esc(step.formula)}{subst} = '
                f"<b>{_esc(step.result)}</b></span></p>"
            )
    return "".join(parts)


def network_image(exercise: Exercise, width: int = 640, height: int = 330) -> QImage:
    """The exercise's network as the practice panel draws it (given numbers, the "?")."""
    view = NetworkView()
    view.resize(width, height)
    view.graphics_view().resize(width, height)
    show_diagram(view, exercise)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.png"
        view.export_image(path)
        image = QImage(str(path))
    view.deleteLater()
    return image


class _Document:
    """A QTextDocument laid out for the PDF's resolution."""

    def __init__(self, html_text: str, width: float, writer: QPdfWriter) -> None:
        self.doc = QTextDocument()
        self.doc.documentLayout().setPaintDevice(writer)
        font = QFont("DejaVu Sans")
        font.setPointSizeF(10)
        self.doc.setDefaultFont(font)
        self.doc.setDocumentMargin(0)
        self.doc.setHtml(html_text)
        self.doc.setTextWidth(width)

    @property
    def height(self) -> float:
        return self.doc.size().height()

    def draw(self, painter: QPainter, x: float, y: float, clip: QRectF | None = None) -> None:
        painter.save()
        painter.translate(x, y)
        if clip is None:
            self.doc.drawContents(painter)
        else:
            painter.translate(0, -clip.top())
            self.doc.drawContents(painter, clip)
        painter.restore()


def _points(value: float) -> float:
    """Points → device units of the PDF."""
    return value * RESOLUTION / 72.0


def _footer(painter: QPainter, rect: QRectF, text: str) -> None:
    font = QFont("DejaVu Sans")
    font.setPointSizeF(8)
    painter.setFont(font)
    painter.setPen(QColor("#555555"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def sheet_layout(exercises: list[Exercise], answers: bool) -> dict:
    """The document model: the pages in order, each a dict of what is on it."""
    pages = [
        {
            "kind": "exercise",
            "exercise": ex.number,
            "question": ex.question,
            "givens": [g.text for g in ex.givens],
            "symbol": ex.symbol,
        }
        for ex in exercises
    ]
    key = []
    if answers:
        key = [
            {
                "exercise": ex.number,
                "answer": format_value(ex.answer),
                "steps": [s.text() for s in ex.solution()],
            }
            for ex in exercises
        ]
    return {"pages": pages, "answers": key}


def write_exercise_sheet(
    path: str | Path,
    set_number: int,
    count: int,
    level: int | None = None,
    answers: bool = False,
) -> Sheet:
    """Write the first ``count`` exercises of set ``set_number`` as a PDF at ``path``.

    One page per exercise; with ``answers`` the answer key follows on its own pages.
    Needs a QApplication (the networks are drawn by the network view).

    Raises
    ------
    ValueError
        For a count outside 1..MAX_SHEET_EXERCISES or an unknown level.
    OSError
        When the file cannot be written.
    """
    count = int(count)
    if not 1 <= count <= MAX_SHEET_EXERCISES:
        raise ValueError(f"a sheet has 1 to {MAX_SHEET_EXERCISES} exercises, not {count}")
    exercises = exercise_set(set_number, count, level)
    path = Path(path)
    if path.is_dir():
        raise OSError(f"{path} is a folder, not a file name")
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(f"Backprop Lab exercise sheet, set {set_number}")
    writer.setCreator(f"Backprop Lab {__version__}")
    page = writer.pageLayout().paintRectPixels(RESOLUTION)
    width, height = float(page.width()), float(page.height())
    footer_height = _points(14)
    body_height = height - footer_height

    answer_doc = None
    answer_pages = 0
    if answers:
        answer_doc = _Document(answers_html(exercises), width, writer)
        answer_doc.doc.setPageSize(QSizeF(width, body_height))
        answer_pages = answer_doc.doc.pageCount()
    total = count + answer_pages

    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"could not write {path}")
    try:
        for index, ex in enumerate(exercises):
            if index:
                writer.newPage()
            _draw_exercise_page(painter, ex, count, width, body_height)
            _footer(
                painter,
                QRectF(0, height - footer_height, width, footer_height),
                f"Set {ex.set_number} · exercise {ex.number} of {count} · page {index + 1} "
                f"of {total}",
            )
        if answer_doc is not None:
            for k in range(answer_pages):
                writer.newPage()
                clip = QRectF(0, k * body_height, width, body_height)
                answer_doc.draw(painter, 0, 0, clip)
                _footer(
                    painter,
                    QRectF(0, height - footer_height, width, footer_height),
                    f"Set {set_number} · answers · page {count + k + 1} of {total}",
                )
    finally:
        painter.end()
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"could not write {path}")
    return Sheet(path, count, total, count, answer_pages, answers, tuple(exercises))


def _draw_exercise_page(
    painter: QPainter, ex: Exercise, count: int, width: float, height: float
) -> None:
    writer = painter.device()
    text = _Document(exercise_html(ex, count), width, writer)
    text.draw(painter, 0, 0)
    y = text.height + _points(8)
    rules = _Document(f'<p style="font-size: 7.5pt; color: #444">{_esc(RULES)}</p>', width, writer)
    answer_height = _points(30)
    work_min = _points(170)
    room = height - y - rules.height - answer_height - work_min - _points(16)
    image = network_image(ex)
    if not image.isNull() and room > _points(80):
        scale = min(width * 0.9 / image.width(), room / image.height())
        w, h = image.width() * scale, image.height() * scale
        painter.drawImage(QRectF((width - w) / 2, y, w, h), image)
        y += h + _points(8)
    # room to work, then the answer line, then the rules
    pen = QPen(QColor("#999999"))
    pen.setWidthF(_points(0.6))
    painter.setPen(pen)
    work_bottom = height - rules.height - answer_height - _points(8)
    painter.drawRect(QRectF(0, y, width, work_bottom - y))
    font = QFont("DejaVu Sans")
    font.setPointSizeF(8)
    painter.setFont(font)
    painter.setPen(QColor("#777777"))
    painter.drawText(
        QRectF(_points(4), y + _points(2), width, _points(12)),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
        "Working",
    )
    font.setPointSizeF(12)
    painter.setFont(font)
    painter.setPen(QColor("#000000"))
    painter.drawText(
        QRectF(0, work_bottom + _points(4), width, answer_height),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        f"Answer:  {ex.symbol} = ______________________",
    )
    rules.draw(painter, 0, height - rules.height)


class SheetDialog(QDialog):
    """Asks for the set, the number of exercises, the level and whether to add the answers."""

    def __init__(self, parent: QWidget | None, set_number: int = 1, level: int | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export exercise sheet")
        self._set = QSpinBox()
        self._set.setRange(0, MAX_EXERCISE_SET)
        self._set.setValue(int(set_number))
        self._count = QSpinBox()
        self._count.setRange(1, MAX_SHEET_EXERCISES)
        self._count.setValue(10)
        self._level = QComboBox()
        self._level.addItem("mixed: levels 1 to 5, two of each", None)
        for lv in LEVELS:
            self._level.addItem(f"{lv.number}: {lv.name}", lv.number)
        self._level.setCurrentIndex(max(self._level.findData(level), 0))
        self._answers = QCheckBox("add the answers and worked solutions at the end")
        form = QFormLayout(self)
        form.addRow("Exercise set", self._set)
        form.addRow("Exercises", self._count)
        form.addRow("Level", self._level)
        form.addRow("", self._answers)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def set_number(self) -> int:
        return self._set.value()

    def count(self) -> int:
        return self._count.value()

    def level(self) -> int | None:
        return self._level.currentData()

    def answers(self) -> bool:
        return self._answers.isChecked()


__all__ = ["RULES", "Sheet", "SheetDialog", "sheet_layout", "write_exercise_sheet"]
