"""install_inspector wires the panels into the real main window."""

import csv

import numpy as np
import pytest

from backprop_lab.core import Mistakes
from backprop_lab.core.snapshot import ParameterRef
from backprop_lab.gui.inspector import install_inspector


def wait_epoch(qtbot, window, epoch, action):
    # Live snapshots: while rewound, snapshot_ready (what the views draw) stays rewound.
    with qtbot.waitSignal(
        window.controller.live_snapshot_ready,
        timeout=5000,
        check_params_cb=lambda s: s.epoch == epoch,
    ) as blocker:
        action()
    return blocker.args[0]


@pytest.fixture
def inspector(main_window):
    return install_inspector(main_window)


def test_docks_and_menus_are_installed(main_window, inspector):
    assert main_window.inspector is inspector
    titles = {name: dock.windowTitle() for name, dock in inspector.docks.items()}
    assert titles == {
        "phases": "Step phases",
        "chain_rule": "Chain rule",
        "gradient_check": "Gradient check",
        "mistakes": "Mistakes lab",
        "rewind": "Rewind",
    }
    for name in titles:
        assert main_window.docks[name] is inspector.docks[name]
    texts = [a.text() for a in inspector.menu.actions()]
    assert "Step &phase" in texts and "Run &gradient check" in texts
    assert main_window.menus["inspect"] is inspector.menu
    file_exports = [a.menu() for a in main_window.menus["file"].actions() if a.menu() is not None]
    assert any(inspector.export_step_action in m.actions() for m in file_exports)


def test_selecting_a_weight_shows_its_chain_rule(main_window, inspector):
    inspector.docks["chain_rule"].show()
    inspector.docks["chain_rule"].raise_()
    main_window.network_view.select(ParameterRef(2, 0, 0))
    assert inspector.chain_rule.parameter() == ParameterRef(2, 0, 0)
    inspector.chain_rule.set_digits(9)
    assert "∂E/∂w₁₁⁽³⁾ = −0.138684574" in inspector.chain_rule.plain_text()


def test_colour_mode_reaches_the_weight_table(main_window, inspector):
    main_window.network_view.set_colour_mode("gradient")
    assert main_window.weight_table.value_kind() == "gradient"
    main_window.network_view.set_colour_mode("update")
    assert main_window.weight_table.value_kind() == "update"


def test_step_phase_menu_walks_and_applies(qtbot, main_window, inspector):
    inspector.step_phase_action.trigger()
    assert main_window.network_view.highlighted_layer() == 1
    e = inspector.phase_stepper.explanation()
    for _ in range(8):
        inspector.step_phase_action.trigger()
    snap = wait_epoch(qtbot, main_window, 1, inspector.step_phase_action.trigger)
    for got, expected in zip(snap.weights, e.new_weights, strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(
        main_window.weight_table.snapshot().weights[2], np.full((3, 1), 0.23868457), atol=1e-8
    )


def test_a_mistake_makes_the_shown_gradient_check_fail(qtbot, main_window, inspector):
    inspector.gradient_check_action.trigger()
    assert inspector.gradient_check.summary_text().startswith("all 18")
    with qtbot.waitSignal(main_window.controller.snapshot_ready, timeout=5000):
        inspector.mistakes.set_switch("derivative_of_pre_activation", True)
    assert main_window.controller.mistakes() == Mistakes(derivative_of_pre_activation=True)
    assert "of 18 disagree" in inspector.gradient_check.summary_text()


def test_rewind_shows_stored_weights_in_the_window(qtbot, main_window, inspector):
    snapshots = [
        wait_epoch(qtbot, main_window, n, lambda: main_window.controller.step(1)) for n in (1, 2, 3)
    ]
    inspector.rewind.show_epoch(1)
    assert main_window.network_view.snapshot().epoch == 1
    np.testing.assert_array_equal(
        main_window.weight_table.snapshot().weights[0], snapshots[0].weights[0]
    )
    assert main_window.loss_plot.marker() == 1
    wait_epoch(qtbot, main_window, 4, lambda: main_window.controller.step(1))
    assert main_window.network_view.snapshot().epoch == 1  # stored, not shown
    inspector.rewind.go_live()
    assert main_window.network_view.snapshot().epoch == 4
    assert main_window.loss_plot.marker() is None


def test_export_step_writes_the_cores_numbers(main_window, inspector, tmp_path):
    path = tmp_path / "step.csv"
    n = inspector.export_step(path)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == n + 1
    grads = main_window.controller.current_snapshot().weight_gradients
    w3 = [r for r in rows if r[:2] == ["3", "weight_gradient"]]
    assert [float(r[5]) for r in w3] == list(grads[2].ravel())
    assert float(w3[0][5]) == pytest.approx(-0.138684574, abs=1e-9)
