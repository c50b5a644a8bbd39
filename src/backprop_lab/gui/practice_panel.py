"""Practice mode: compute one number of backpropagation by hand; the app checks it.

The panel shows an exercise of :mod:`backprop_lab.core.practice`: the question,
the network drawn by the network view with the asked quantity highlighted and
only the numbers the student is given written on it (no node fills, no values
in the nodes, no tooltips: the rest is hidden), an answer field, right or
wrong feedback, the worked solution on request, and the session's score.

A set number names the exercises ("set 17" is the same for every student);
Next and Previous walk through the set. :func:`install_practice` adds the
panel as a dock and a Practice menu to the main window.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core.limits import MAX_EXERCISE_SET
from backprop_lab.core.practice import (
    KIND_TITLES,
    KINDS,
    LEVELS,
    Exercise,
    Score,
    SolutionStep,
    Verdict,
    format_value,
    make_exercise,
)
from backprop_lab.gui.dialogs import scrolled
from backprop_lab.gui.exercise_view import diagram_labels, exercise_snapshot, show_diagram
from backprop_lab.gui.network_view import NetworkView
from backprop_lab.gui.window_host import PanelHost

#: The floating practice window's width, and the least docked height it is used in.
PRACTICE_WIDTH = 520
PRACTICE_MIN_DOCKED_HEIGHT = 600

RIGHT_COLOUR = "#1b7f3b"
WRONG_COLOUR = "#b00020"


def solution_html(steps: list[SolutionStep], exercise: Exercise) -> str:
    """The worked solution as rich text: one block per step, the result in bold."""
    parts = [
        "<style>p { margin: 2px 0 6px 0; } .f { font-family: serif; font-size: 110%; }"
        " .note { color: palette(mid); }</style>"
    ]
    if exercise.level.given == "network" and len(steps) > 1:
        parts.append(
            "<p><i>From the network and the data: the forward pass, then the deltas from "
            "the output down, then the gradient and the update.</i></p>"
        )
    for number, step in enumerate(steps, start=1):
        note = f" <small>({html.escape(step.note)})</small>" if step.note else ""
        lines = [html.escape(line) for line in step.lines] + [html.escape(step.formula)]
        if step.substituted:
            lines.append("= " + html.escape(step.substituted))
        lines.append(f"= <b>{html.escape(step.result)}</b>")
        parts.append(
            f"<p><b>{number}. {html.escape(step.title)}</b>{note}<br>"
            f'<span class="f">{"<br>".join(lines)}</span></p>'
        )
    return "".join(parts)


class _Compact(QWidget):
    """Holds the network view with a small preferred size: the view takes the room there
    is (it has the layout's stretch) instead of asking for 640 x 440 and pushing the
    answer field and the solution out of a small window."""

    def __init__(self, child: QWidget) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(child)

    def sizeHint(self) -> QSize:
        return QSize(420, 240)


class PracticePanel(QWidget):
    """Exercises one at a time, checked against the core, with the session's score.

    Signals
    -------
    exercise_changed(object)
        A new :class:`Exercise` is shown.
    answer_checked(object)
        The :class:`Verdict` of an answer.
    score_changed()
        The score changed (an answer checked, a solution shown, a score loaded).
    """

    exercise_changed = Signal(object)
    answer_checked = Signal(object)
    score_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._score = Score()
        self._exercise: Exercise | None = None
        self._number = 1
        self._solution_visible = False

        self._set_spin = QSpinBox()
        self._set_spin.setRange(0, MAX_EXERCISE_SET)
        self._set_spin.setValue(1)
        self._set_spin.setToolTip(
            "The exercise set: the same set number gives everybody the same exercises"
        )
        self._level_combo = QComboBox()
        self._level_combo.addItem("mixed: levels 1 to 5, two of each", None)
        for level in LEVELS:
            self._level_combo.addItem(f"{level.number}: {level.name}", level.number)
            self._level_combo.setItemData(
                self._level_combo.count() - 1, level.description, Qt.ItemDataRole.ToolTipRole
            )
        self._kind_combo = QComboBox()
        self._kind_combo.addItem("every kind in turn", None)
        for kind in KINDS:
            self._kind_combo.addItem(KIND_TITLES[kind], kind)
        for combo in (self._level_combo, self._kind_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(10)
        self._previous = QPushButton("◀ Previous")
        self._next = QPushButton("Next ▶")
        self._next.setToolTip("The next exercise of the set (Ctrl+N in the Practice menu)")
        self._header = QLabel()
        header_font = QFont(self._header.font())
        header_font.setBold(True)
        self._header.setFont(header_font)
        self._header.setWordWrap(True)
        self._question = QLabel()
        self._question.setWordWrap(True)
        self._question.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        question_font = QFont(self._question.font())
        question_font.setPointSizeF(question_font.pointSizeF() * 1.1)
        self._question.setFont(question_font)
        self._details = QLabel()
        self._details.setWordWrap(True)
        self.network_view = NetworkView()
        self.network_view.setMinimumHeight(200)
        self.network_view.set_exercise_mode(True)
        self._given = QLabel()
        self._given.setWordWrap(True)
        self._given.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._answer_label = QLabel()
        self._answer = QLineEdit()
        self._answer.setPlaceholderText("your answer, e.g. 0.123 or -1.5e-3")
        self._answer.setClearButtonEnabled(True)
        self._check = QPushButton("Check")
        self._check.setDefault(True)
        self._feedback = QLabel()
        self._feedback.setWordWrap(True)
        self._show_solution = QPushButton("Show solution")
        self._show_solution.setToolTip(
            "The chain rule step by step with the numbers in place "
            "(an exercise counts as solved only when answered before this)"
        )
        self._solution = QTextBrowser()
        self._solution.setOpenLinks(False)
        self._solution.setVisible(False)
        self._solution.setMinimumHeight(120)
        self._score_label = QLabel()
        self._score_label.setWordWrap(True)

        choose = QHBoxLayout()
        choose.addWidget(QLabel("Set"))
        choose.addWidget(self._set_spin)
        choose.addWidget(QLabel("Level"))
        choose.addWidget(self._level_combo, 1)
        kinds = QHBoxLayout()
        kinds.addWidget(QLabel("Ask for"))
        kinds.addWidget(self._kind_combo, 1)
        kinds.addWidget(self._previous)
        kinds.addWidget(self._next)
        answer_row = QHBoxLayout()
        answer_row.addWidget(self._answer_label)
        answer_row.addWidget(self._answer, 1)
        answer_row.addWidget(self._check)
        solution_row = QHBoxLayout()
        solution_row.addWidget(self._show_solution)
        solution_row.addStretch(1)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(choose)
        layout.addLayout(kinds)
        layout.addWidget(self._score_label)  # on top: always in sight
        layout.addWidget(line)
        layout.addWidget(self._header)
        layout.addWidget(self._question)
        layout.addWidget(self._details)
        layout.addWidget(_Compact(self.network_view), 3)
        layout.addWidget(self._given)
        layout.addLayout(answer_row)
        layout.addWidget(self._feedback)
        layout.addLayout(solution_row)
        layout.addWidget(self._solution, 2)
        for label in (self._details, self._given, self._feedback, self._score_label):
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self._set_spin.valueChanged.connect(lambda _v: self.go_to(1))
        self._level_combo.currentIndexChanged.connect(lambda _i: self.go_to(self._number))
        self._kind_combo.currentIndexChanged.connect(lambda _i: self.go_to(self._number))
        self._previous.clicked.connect(self.previous_exercise)
        self._next.clicked.connect(self.next_exercise)
        self._check.clicked.connect(lambda: self.submit(self._answer.text()))
        self._answer.returnPressed.connect(lambda: self.submit(self._answer.text()))
        self._show_solution.clicked.connect(self.toggle_solution)
        self.go_to(1)
        self._show_score()

    # ------------------------------------------------------------------ API
    def exercise(self) -> Exercise | None:
        """The exercise shown."""
        return self._exercise

    def score(self) -> Score:
        """The session's score (every answer checked)."""
        return self._score

    def set_score(self, score: Score) -> None:
        """Replace the score (a project was opened)."""
        self._score = score
        self._show_score()
        self.score_changed.emit()

    def choose(
        self, set_number: int, level: int | None = None, kind: str | None = None, number: int = 1
    ) -> None:
        """Show exercise ``number`` of a set, at a level (None: mixed) and kind (None: any)."""
        for widget in (self._set_spin, self._level_combo, self._kind_combo):
            widget.blockSignals(True)
        self._set_spin.setValue(int(set_number))
        self._level_combo.setCurrentIndex(max(self._level_combo.findData(level), 0))
        self._kind_combo.setCurrentIndex(max(self._kind_combo.findData(kind), 0))
        for widget in (self._set_spin, self._level_combo, self._kind_combo):
            widget.blockSignals(False)
        self.go_to(number)

    def set_number(self) -> int:
        return self._set_spin.value()

    def level_choice(self) -> int | None:
        """The level chosen (None: mixed)."""
        return self._level_combo.currentData()

    def kind_choice(self) -> str | None:
        """The kind chosen (None: every kind in turn)."""
        return self._kind_combo.currentData()

    def go_to(self, number: int) -> None:
        """Show exercise ``number`` (from 1) of the chosen set."""
        self._number = max(1, int(number))
        self._exercise = make_exercise(
            self._set_spin.value(),
            self._number,
            self._level_combo.currentData(),
            self._kind_combo.currentData(),
        )
        self._solution_visible = False
        self._show_exercise()
        self.exercise_changed.emit(self._exercise)

    def show_exercise(self, exercise: Exercise) -> None:
        """Show a given exercise (the set, level and kind choices stay as they are)."""
        self._exercise = exercise
        self._number = exercise.number
        self._solution_visible = False
        self._show_exercise()
        self.exercise_changed.emit(exercise)

    def next_exercise(self) -> None:
        self.go_to(self._number + 1)

    def previous_exercise(self) -> None:
        self.go_to(self._number - 1)

    def submit(self, text: str) -> Verdict:
        """Check ``text`` as the answer; show and record the verdict."""
        exercise = self._exercise
        assert exercise is not None
        verdict = exercise.check(text)
        if verdict.value is not None:
            self._score.record(exercise, verdict.value, verdict.correct)
            self._show_score()
            self.score_changed.emit()
        colour = RIGHT_COLOUR if verdict.correct else WRONG_COLOUR
        mark = "✔" if verdict.correct else "✘"
        extra = ""
        if not verdict.correct and verdict.value is not None:
            extra = " Try again, or show the solution."
        self._feedback.setText(
            f'<span style="color:{colour}"><b>{mark} {html.escape(verdict.message)}</b></span>'
            f"{html.escape(extra)}"
        )
        self.answer_checked.emit(verdict)
        return verdict

    def feedback_text(self) -> str:
        """The feedback line as plain text."""
        doc = QTextBrowser()
        doc.setHtml(self._feedback.text())
        return doc.toPlainText()

    def toggle_solution(self) -> None:
        self.show_solution(not self._solution_visible)

    def show_solution(self, visible: bool = True) -> None:
        """Show (or hide) the worked solution; showing it is recorded in the score."""
        exercise = self._exercise
        assert exercise is not None
        if visible and not self._score.solution_shown(exercise):
            self._score.record_solution_shown(exercise)
            self._show_score()
            self.score_changed.emit()
        self._solution_visible = visible
        if visible:
            self._solution.setHtml(solution_html(exercise.solution(), exercise))
        self._solution.setVisible(visible)
        self._show_solution.setText("Hide solution" if visible else "Show solution")

    def solution_visible(self) -> bool:
        return self._solution_visible

    def solution_text(self) -> str:
        return self._solution.toPlainText()

    def question_text(self) -> str:
        return self._question.text()

    def given_text(self) -> str:
        return self._given.text()

    def score_text(self) -> str:
        return self._score_label.text()

    def answer_field(self) -> QLineEdit:
        return self._answer

    # ------------------------------------------------------------ internals
    def _show_exercise(self) -> None:
        ex = self._exercise
        assert ex is not None
        self._header.setText(
            f"Exercise {ex.number} of set {ex.set_number} · level {ex.level.number} "
            f"({ex.level.name}) · {KIND_TITLES[ex.kind]}"
        )
        self._question.setText(ex.question)
        lr = ""
        if ex.kind == "update":
            lr = f" Learning rate η = {format_value(ex.problem.learning_rate)}."
        self._details.setText(
            f"{ex.architecture}; loss E = ½ Σₙ (t − P)²; "
            f"{ex.problem.n_samples} sample{'s' if ex.problem.n_samples > 1 else ''}.{lr} "
            f"{ex.tolerance_text}"
        )
        givens = "; ".join(g.text for g in ex.givens)
        self._given.setText(f"<b>Given:</b> {html.escape(givens)}")
        self._answer_label.setText(f"{ex.symbol} =")
        self._answer.clear()
        self._feedback.setText("")
        self._solution.clear()
        self._solution.setVisible(False)
        self._show_solution.setText("Show solution")
        self._previous.setEnabled(ex.number > 1)
        self._show_diagram(ex)

    def _show_diagram(self, ex: Exercise) -> None:
        show_diagram(self.network_view, ex)

    def _show_score(self) -> None:
        self._score_label.setText(f"<b>Score:</b> {html.escape(self._score.summary())}")


class Practice(QObject):
    """Practice mode in the main window: the dock, the Practice menu, the sheet export.

    Attributes
    ----------
    panel
        The :class:`PracticePanel`.
    dock
        Its dock widget.
    menu
        The Practice menu.
    """

    def __init__(self, window: PanelHost) -> None:
        super().__init__(window)
        self.window = window
        self.panel = PracticePanel()
        # Scrolled: the panel's full height would otherwise become the smallest height
        # of every panel tabbed with it (open() gives the dock the room it needs).
        self.dock = window.add_panel_dock("practice", "Practice", scrolled(self.panel))
        menu = self.menu = window.add_menu("practice", "&Practice", before="help")
        self.open_action = menu.addAction("&Practice exercises", self.open)
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.open_action.setStatusTip(
            "Compute one number of backpropagation by hand; the app checks it"
        )
        self.next_action = menu.addAction("&Next exercise", self._next)
        self.next_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.solution_action = menu.addAction("Show &solution", self._solution)
        menu.addSeparator()
        self.sheet_action = menu.addAction(
            "Export exercise &sheet (PDF)…", self.export_sheet_dialog
        )
        self.sheet_action.setStatusTip(
            "A printable PDF of a set's exercises, with the worked solutions if you like"
        )
        window.export_menu.addAction(self.sheet_action)
        # An answer or a shown solution changes the session (the score is saved with it).
        self.panel.score_changed.connect(self._score_changed)

    def open(self) -> None:
        """Show the practice panel with room for the exercise; the cursor in the answer field.

        Docked in a column too small for it, the dock floats as a window of its own
        beside the main window's left edge (double-click its title to dock it again).
        """
        dock = self.dock
        dock.show()
        dock.raise_()
        wanted = self.panel.sizeHint()
        if not dock.isFloating() and (
            dock.height() < min(wanted.height(), PRACTICE_MIN_DOCKED_HEIGHT)
            or dock.width() < self.panel.minimumSizeHint().width()
        ):
            frame = dock.window().frameGeometry()  # the main window
            screen = dock.screen().availableGeometry()
            # + the dock's title bar and the scroll area's frame
            height = min(max(wanted.height() + 48, 660), screen.height() - 40)
            width = min(max(wanted.width(), PRACTICE_WIDTH), screen.width() // 2)
            dock.setFloating(True)
            dock.resize(width, height)
            x = max(screen.left(), min(frame.left() + 20, screen.right() - width))
            y = max(screen.top(), min(frame.top() + 60, screen.bottom() - height))
            dock.move(x, y)
        self.panel.answer_field().setFocus()

    def _next(self) -> None:
        self.open()
        self.panel.next_exercise()

    def _solution(self) -> None:
        self.open()
        self.panel.show_solution(True)

    def _score_changed(self) -> None:
        if not self._loading:
            self.window.set_modified(True)

    _loading = False

    # ---- the project file keeps the score
    def state(self) -> dict:
        """What a project file stores: the score and the exercise shown."""
        ex = self.panel.exercise()
        state = {"score": self.panel.score().to_dict()}
        if ex is not None:
            state["set"] = ex.set_number
            state["number"] = ex.number
            state["level"] = self.panel.level_choice()
            state["kind"] = self.panel.kind_choice()
        return state

    def load_state(self, state: dict | None) -> None:
        """Restore :meth:`state` (None: a fresh score). Raises ValueError if malformed."""
        self._loading = True
        try:
            if not state:
                self.panel.set_score(Score())
                return
            score = Score.from_dict(state.get("score", {}))
            self.panel.set_score(score)
            if "set" in state:
                try:
                    self.panel.choose(
                        int(state["set"]),
                        state.get("level"),
                        state.get("kind"),
                        int(state.get("number", 1)),
                    )
                except (TypeError, ValueError):
                    self.panel.go_to(1)  # a place that no longer exists: the set's start
        finally:
            self._loading = False

    # ---- exercise sheets
    def export_sheet_dialog(self) -> None:
        from backprop_lab.gui.exercise_sheet import SheetDialog

        dialog = SheetDialog(self.window, self.panel.set_number(), self.panel.level_choice())
        if dialog.exec() != SheetDialog.DialogCode.Accepted:
            return
        path, _ = QFileDialog.getSaveFileName(
            self.window,
            "Export exercise sheet",
            f"exercise-sheet-set-{dialog.set_number()}.pdf",
            "PDF (*.pdf)",
        )
        if not path:
            return
        self.export_sheet(
            path, dialog.set_number(), dialog.count(), dialog.level(), dialog.answers()
        )

    def export_sheet(
        self,
        path: str,
        set_number: int,
        count: int,
        level: int | None = None,
        answers: bool = False,
    ) -> bool:
        """Write an exercise sheet; False (and a warning) when it fails."""
        from backprop_lab.gui.exercise_sheet import write_exercise_sheet

        try:
            sheet = write_exercise_sheet(path, set_number, count, level, answers)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self.window, "Export failed", str(exc))
            return False
        self.window.show_message(
            f"Wrote {sheet.exercises} exercises of set {set_number} on {sheet.pages} pages "
            f"to {path}"
        )
        return True


def install_practice(window: PanelHost) -> Practice:
    """Add practice mode (dock, Practice menu, sheet export) to ``window``; returns it.

    It is also kept as ``window.practice``.
    """
    practice = Practice(window)
    window.practice = practice
    return practice


__all__ = [
    "Practice",
    "PracticePanel",
    "diagram_labels",
    "exercise_snapshot",
    "install_practice",
    "solution_html",
]
