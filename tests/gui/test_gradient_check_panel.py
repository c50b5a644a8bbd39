"""The gradient check panel: every parameter, coloured pass/fail, with a summary."""

import inspect_fixtures
import pytest

from backprop_lab.core import Mistakes
from backprop_lab.gui.gradient_check_panel import FAIL_COLOUR, PASS_COLOUR, GradientCheckPanel

# The shared fixtures (a real controller on the seed example) and helpers.
controller = inspect_fixtures.controller
wait_for_snapshot = inspect_fixtures.wait_for_snapshot


@pytest.fixture
def panel(qtbot, controller):
    widget = GradientCheckPanel(controller)
    qtbot.addWidget(widget)
    return widget


def test_correct_backprop_passes_for_all_18_weights(qtbot, panel):
    with qtbot.waitSignal(panel.check_finished, timeout=5000) as blocker:
        panel._button.click()
    rows = blocker.args[0]
    assert len(rows) == 18  # 2·3 + 3·3 + 3·1 weights, no biases
    assert panel.summary_text() == "all 18 parameters agree to 1e-6"
    texts = panel.table_texts()
    assert texts[15][0] == "w₁₁⁽³⁾"
    assert float(texts[15][1].replace("\u2212", "-")) == pytest.approx(-0.138684574, abs=1e-9)
    assert float(texts[15][2].replace("\u2212", "-")) == pytest.approx(-0.138684574, abs=1e-8)
    assert all(t[4] == "pass" for t in texts)
    assert panel.row_colour(0) == PASS_COLOUR


@pytest.mark.parametrize(
    "mistakes",
    [
        Mistakes(derivative_of_pre_activation=True),
        Mistakes(pre_activation_in_update=True),
        Mistakes(True, True),
    ],
)
def test_each_mistake_makes_the_check_fail_visibly(qtbot, panel, controller, mistakes):
    wait_for_snapshot(qtbot, controller, lambda: controller.set_mistakes(mistakes))
    rows = panel.run_check()
    failed = [r for r in rows if not r.passed()]
    assert failed
    assert panel.summary_text() == f"{len(failed)} of 18 disagree (relative error ≥ 1e-6)"
    index = [r.name for r in rows].index(failed[0].name)
    assert panel.row_colour(index) == FAIL_COLOUR
    assert panel.table_texts()[index][4] == "FAIL"
    assert "Mistakes on" in panel.detail_text()
    # Which layers go wrong: (a) spoils the hidden deltas, so W1 and W2; (b) the
    # factor h(a) of W2 and W3 (W1 multiplies the inputs x, which are right).
    wrong_layers = {"W" + r.name[-2].translate(str.maketrans("¹²³", "123")) for r in failed}
    expected = set()
    if mistakes.derivative_of_pre_activation:
        expected |= {"W1", "W2"}
    if mistakes.pre_activation_in_update:
        expected |= {"W2", "W3"}
    assert wrong_layers == expected


def test_a_stale_check_says_so(qtbot, panel, controller):
    panel.run_check()
    wait_for_snapshot(qtbot, controller, lambda: controller.step(1), epoch=1)
    assert "changed since this check" in panel.detail_text()


def test_the_panel_uses_the_same_rule():
    from backprop_lab.core import gradcheck
    from backprop_lab.gui import gradient_check_panel

    assert gradient_check_panel.TOLERANCE == gradcheck.RELATIVE_TOLERANCE


def test_a_check_too_big_checks_some_parameters_of_every_layer_and_says_so(
    qtbot, panel, monkeypatch
):
    import backprop_lab.gui.gradient_check_panel as module

    # The seed's check costs 2 x 18 losses of 3 samples through 18 weights: allow 6.
    monkeypatch.setattr(module, "MAX_CHECK_WORK", 6 * 2 * 3 * 18)
    rows = panel.run_check()
    assert 3 <= len(rows) <= 6
    layers = {name[-2] for name in (r.name for r in rows)}  # the superscript layer digit
    assert layers == {"¹", "²", "³"}
    assert all(r.passed() for r in rows)
    assert panel.summary_text() == f"all {len(rows)} parameters checked (of 18) agree to 1e-6"
    assert f"Only {len(rows)} of the 18 parameters were checked" in panel.detail_text()
    assert len(panel.table_texts()) == len(rows)
    # Each is the whole check's row for that parameter.
    monkeypatch.undo()
    every = {r.name: r for r in panel.run_check()}
    assert len(every) == 18 and panel.summary_text() == "all 18 parameters agree to 1e-6"
    for row in rows:
        assert row == every[row.name]


def test_a_big_check_runs_off_the_gui_thread_with_the_same_rows(qtbot, panel, monkeypatch):
    import threading

    import backprop_lab.gui.gradient_check_panel as module
    import backprop_lab.gui.load_progress as load_progress

    inline = panel.run_check()
    threads = []
    real = module.gradient_check

    def recorded(*args):
        threads.append(threading.get_ident())
        return real(*args)

    monkeypatch.setattr(module, "gradient_check", recorded)
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)  # every check is "big"
    rows = panel.run_check()
    assert threads and threads[0] != threading.get_ident()
    assert rows == inline and panel.summary_text() == "all 18 parameters agree to 1e-6"
