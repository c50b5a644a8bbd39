"""Practice mode in the window: the exercise shown, answers checked, the score kept and saved."""

import json
import shutil
import subprocess

import pytest
from cli_helpers import run_cli

from backprop_lab.core.practice import KINDS, exercise_set, format_value, make_exercise
from backprop_lab.core.project_file import (
    ProjectFileError,
    load_project,
    parse_project,
    serialise_project,
)
from backprop_lab.gui.exercise_sheet import sheet_layout, write_exercise_sheet
from backprop_lab.gui.practice_panel import PracticePanel, diagram_labels


@pytest.fixture
def panel(qtbot):
    widget = PracticePanel()
    qtbot.addWidget(widget)
    widget.resize(460, 900)
    widget.show()
    return widget


def test_panel_shows_the_cores_exercise(panel):
    panel.choose(17, 2, "hidden_delta")
    ex = panel.exercise()
    assert ex.key == make_exercise(17, 1, 2, "hidden_delta").key
    assert panel.question_text() == ex.question
    for given in ex.givens:
        assert given.text in panel.given_text()
    # the asked node is marked, the given numbers are on the drawing, nothing else
    view = panel.network_view
    assert view.exercise_mode()
    texts = view.node_texts()
    q = ex.quantity
    assert texts[q.layer][q.unit].startswith(f"{ex.symbol} = ?")
    assert view.highlighted_layer() == q.layer
    drawn = " ".join(" ".join(row) for row in texts) + " ".join((view.edge_texts() or {}).values())
    assert format_value(ex.answer) not in drawn
    # values are hidden: no tooltips in exercise mode
    assert view.tooltip_at(view.node_position(q.layer, q.unit)) == ""


def test_right_and_wrong_answers_and_the_score(panel, qtbot):
    panel.choose(17, 1, "gradient")
    ex = panel.exercise()
    with qtbot.waitSignal(panel.answer_checked) as blocker:
        panel.submit(format_value(-ex.answer))
    assert not blocker.args[0].correct
    assert "sign" in panel.feedback_text()
    with qtbot.waitSignal(panel.score_changed):
        verdict = panel.submit(f"{ex.answer:.3g}")
    assert verdict.correct and "Right" in panel.feedback_text()
    assert "1 of 1 solved" in panel.score_text()
    # typing rubbish is explained, not scored
    verdict = panel.submit("one half")
    assert not verdict.correct and panel.score().answers == 2
    # the gradient asked is the highlighted edge
    assert panel.network_view.selected() == ex.quantity.ref


def test_solution_is_the_derivation_and_counts(panel):
    panel.choose(17, 4, "update")
    ex = panel.exercise()
    panel.show_solution(True)
    text = panel.solution_text()
    for step in ex.solution():
        assert step.result in text
    assert format_value(ex.answer) in text
    assert panel.solution_visible()
    # answering after looking does not count as solved
    panel.submit(str(ex.answer))
    assert panel.score().solved == 0 and panel.score().exercises == 1


def test_next_and_previous_walk_the_set(panel):
    panel.choose(5)
    numbers = []
    for _ in range(len(KINDS)):
        numbers.append(panel.exercise().kind)
        panel.next_exercise()
    assert numbers == list(KINDS)
    panel.previous_exercise()
    assert panel.exercise().key == make_exercise(5, len(KINDS)).key


def test_diagram_labels_two_samples():
    ex = make_exercise(3, 1, 4, "loss")
    nodes, edges = diagram_labels(ex)
    x = [g.value for g in ex.givens if g.quantity.kind == "x" and g.quantity.unit == 0]
    assert nodes[0][0] == f"{format_value(x[0])} | {format_value(x[1])}"
    weights = [g for g in ex.givens if g.quantity.kind == "param"]
    assert len(edges) == len(weights)


def test_window_has_practice_dock_menu_and_saves_the_score(main_window, tmp_path, qtbot):
    practice = main_window.practice
    assert practice.dock is main_window.docks["practice"]
    practice.open_action.trigger()
    assert practice.dock.isVisible()
    assert practice.sheet_action in main_window.export_menu.actions()
    panel = practice.panel
    panel.choose(42, 3, "output", 2)
    panel.submit(str(panel.exercise().answer))
    assert main_window.is_modified()
    path = tmp_path / "practice.bplab"
    assert main_window.save_project_to(path)
    saved = load_project(path).practice
    assert saved["set"] == 42 and saved["level"] == 3 and saved["number"] == 2
    assert len(saved["score"]["attempts"]) == 1
    # a new session keeps the practice; opening the file brings its score back
    panel.choose(1)
    panel.set_score(type(panel.score())())
    assert main_window.open_project_from(path, ask_to_save=False)
    assert panel.score().solved == 1
    assert panel.exercise().key == make_exercise(42, 2, 3, "output").key


def test_project_practice_entry_is_checked(main_window):
    text = serialise_project(main_window.project())
    assert parse_project(text).practice["score"] == {"attempts": []}
    document = json.loads(text)
    document["practice"]["kind"] = "hessian"
    with pytest.raises(ProjectFileError, match="practice score"):
        parse_project(json.dumps(document))
    document["practice"] = {"score": {"attempts": [{"set": 1}]}}
    with pytest.raises(ProjectFileError, match="practice score"):
        parse_project(json.dumps(document))
    del document["practice"]  # files from before practice mode
    assert parse_project(json.dumps(document)).practice is None


def _pdf_pages_text(path):
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    return out.stdout.split("\f")


def test_sheet_has_a_page_per_exercise_and_the_cores_numbers(qtbot, tmp_path):
    path = tmp_path / "sheet.pdf"
    sheet = write_exercise_sheet(path, 17, 4, answers=True)
    assert sheet.exercises == 4 and sheet.exercise_pages == 4
    assert sheet.pages == 4 + sheet.answer_pages and sheet.answer_pages >= 1
    exercises = exercise_set(17, 4)
    layout = sheet_layout(exercises, answers=True)
    assert [p["exercise"] for p in layout["pages"]] == [1, 2, 3, 4]
    assert [a["answer"] for a in layout["answers"]] == [format_value(e.answer) for e in exercises]
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    pages = [p for p in _pdf_pages_text(path) if p.strip()]
    assert len(pages) == sheet.pages
    for ex, page in zip(exercises, pages):
        flat = " ".join(page.split())
        assert f"Exercise {ex.number} of 4" in flat
        for given in ex.givens:
            assert format_value(given.value) in flat
        assert f"page {ex.number} of {sheet.pages}" in flat
        assert format_value(ex.answer) not in flat or ex.answer in [g.value for g in ex.givens]
    key = " ".join(" ".join(pages[4:]).split())
    for ex in exercises:
        assert f"{ex.symbol} = {format_value(ex.answer)}" in key


def test_sheet_without_answers_and_bad_counts(qtbot, tmp_path):
    sheet = write_exercise_sheet(tmp_path / "s.pdf", 3, 2, level=5)
    assert sheet.pages == 2 and sheet.answer_pages == 0
    assert all(e.level.number == 5 for e in sheet.items)
    with pytest.raises(ValueError):
        write_exercise_sheet(tmp_path / "t.pdf", 3, 0)


def test_exercise_sheet_command_line(tmp_path):
    result = run_cli(
        "--exercise-sheet",
        "sheet.pdf",
        "--set",
        "17",
        "--count",
        "3",
        "--answers",
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 3 exercises of set 17" in result.stderr
    assert (tmp_path / "sheet.pdf").read_bytes().startswith(b"%PDF")
    result = run_cli("--set", "3", tmp_path=tmp_path)
    assert result.returncode == 2 and "--exercise-sheet" in result.stderr
    result = run_cli("--exercise-sheet", "x.txt", tmp_path=tmp_path)
    assert result.returncode == 2 and ".pdf" in result.stderr
