"""The phase stepper walks the seed example's step and applies exactly its update."""

import inspect_fixtures
import numpy as np
import pytest

from backprop_lab.core import Mistakes
from backprop_lab.core.inspect import Phase
from backprop_lab.core.snapshot import ParameterRef
from backprop_lab.gui.phase_stepper import DELTA_NOTE, PhaseStepper

# The shared fixtures (a real controller on the seed example) and helpers.
controller = inspect_fixtures.controller
network_view = inspect_fixtures.network_view
wait_for_snapshot = inspect_fixtures.wait_for_snapshot


@pytest.fixture
def stepper(qtbot, controller, network_view):
    panel = PhaseStepper(controller, network_view)
    qtbot.addWidget(panel)
    return panel


def test_walks_forward_then_backward_then_update(stepper, network_view):
    seen = []
    stepper.phase_shown.connect(seen.append)
    for _ in range(9):
        stepper.step_phase()
    assert [p for p in seen] == [
        Phase("forward", 1),
        Phase("forward", 2),
        Phase("forward", 3),
        Phase("backward", 3),
        Phase("backward", 2),
        Phase("backward", 1),
        Phase("update", 1),
        Phase("update", 2),
        Phase("update", 3),
    ]
    assert network_view.highlighted_layer() == 3
    assert DELTA_NOTE == "The deltas use the weights from before the update."
    assert stepper.note_text() == DELTA_NOTE and stepper._note_label.isVisibleTo(stepper)


def test_forward_shows_a_and_h_on_the_nodes(stepper, network_view):
    stepper.set_sample(0)
    stepper.step_phase()
    e = stepper.explanation()
    assert network_view.highlighted_layer() == 1
    texts = network_view.node_texts()
    a, h = e.pre_activations[0][0, 0], e.activations[0][0, 0]
    assert texts[1][0] == f"a={a:.4g}\nh={h:.4g}"
    assert texts[2] == ["", "", ""]
    rows = stepper.table_rows()
    # Samples and units are counted from 1.
    assert rows[0][:2] == ["1", "1"] and float(rows[0][3]) == pytest.approx(h, abs=1e-6)


def test_backward_shows_deltas_from_output_towards_input(stepper, network_view, controller):
    for _ in range(4):
        stepper.step_phase()
    assert stepper.current_phase() == Phase("backward", 3)
    e = stepper.explanation()
    snap = controller.current_snapshot()
    assert network_view.highlighted_layer() == 3
    texts = network_view.node_texts()
    total = e.deltas[2][:, 0].sum()
    assert texts[3][0] == "Σδ=" + f"{total:.4g}".replace("-", "\u2212")
    assert texts[1] == ["", "", ""]  # layer 1's deltas are not computed yet
    stepper.step_phase()
    stepper.step_phase()
    assert network_view.highlighted_layer() == 1
    assert network_view.node_texts()[1][0].startswith("Σδ=")
    # the deltas shown are the core's, from the weights before the update
    from backprop_lab.core import Network

    net = Network.from_arrays(snap.weights, snap.biases, snap.activations)
    train, _ = controller.dataset()
    grads = net.backward(net.forward(train.inputs), train.targets, "half_sse")
    for shown, core in zip(e.deltas, grads.deltas, strict=True):
        np.testing.assert_array_equal(shown, core)
    sums = [row for row in stepper.table_rows() if row[0] == "Σ"]
    assert [float(r[2].replace("\u2212", "-")) for r in sums] == pytest.approx(
        list(grads.deltas[0].sum(axis=0)), rel=1e-5
    )


def test_update_shows_old_change_and_new_on_every_edge(stepper, network_view):
    for _ in range(9):
        stepper.step_phase()
    assert stepper.current_phase() == Phase("update", 3)
    edges = network_view.edge_texts()
    assert set(edges) == {ParameterRef(2, k, 0) for k in range(3)}
    assert edges[ParameterRef(2, 0, 0)] == "0.1 + 0.1387 = 0.2387"
    rows = stepper.table_rows()
    assert stepper.table_headers() == ["parameter", "old", "g = ∂E/∂w", "Δ = −η·∂E/∂w", "new"]
    assert rows[0] == ["w₁₁⁽³⁾", "0.1", "−0.1386846", "0.1386846", "0.2386846"]
    assert stepper._step_button.text() == "Apply update"


def test_applying_the_batch_step_gives_the_explanations_weights(qtbot, stepper, controller):
    for _ in range(9):
        stepper.step_phase()
    e = stepper.explanation()
    applied = []
    stepper.step_applied.connect(applied.append)
    snap = wait_for_snapshot(qtbot, controller, stepper.step_phase)
    assert applied == [e] and stepper.explanation() is None
    assert snap.epoch == 1
    for got, expected in zip(snap.weights, e.new_weights, strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(snap.weights[2], np.full((3, 1), 0.23868457), atol=1e-8)
    np.testing.assert_allclose(snap.weights[0], [[0.10032772] * 3, [0.10034179] * 3], atol=1e-8)


def test_one_sample_step_goes_through_set_parameters(qtbot, stepper, controller, network_view):
    stepper.set_sample(2)
    stepper.step_phase()
    e = stepper.explanation()
    assert e.sample == 2 and e.n_samples == 1
    assert "One update from sample 3 alone" in stepper.note_text()  # not the next Step
    snap = wait_for_snapshot(qtbot, controller, stepper.finish_step)
    assert snap.epoch == 0
    for got, expected in zip(snap.weights, e.new_weights, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert network_view.highlighted_layer() is None and network_view.edge_texts() is None
    assert "sample 3" in stepper.status_text()  # row 2, counted from 1


def test_mistakes_are_part_of_the_explained_step(qtbot, stepper, controller):
    wait_for_snapshot(qtbot, controller, lambda: controller.set_mistakes(Mistakes(True, True)))
    stepper.step_phase()
    e = stepper.explanation()
    assert e.mistakes == Mistakes(True, True)
    snap = wait_for_snapshot(qtbot, controller, stepper.finish_step)
    np.testing.assert_allclose(snap.weights[2], np.full((3, 1), 0.14122566), atol=1e-8)
    for got, expected in zip(snap.weights, e.new_weights, strict=True):
        np.testing.assert_array_equal(got, expected)


def test_a_changed_network_cancels_the_walk(qtbot, stepper, controller):
    stepper.step_phase()
    wait_for_snapshot(
        qtbot, controller, lambda: controller.set_parameter(ParameterRef(0, 0, 0), 0.5)
    )
    assert stepper.explanation() is None
    assert "changed" in stepper.status_text()


def test_disabled_while_running(qtbot, stepper, controller):
    with qtbot.waitSignal(controller.state_changed, timeout=5000):
        controller.run()
    assert not stepper._step_button.isEnabled() and not stepper._finish_button.isEnabled()
    with qtbot.waitSignal(controller.state_changed, timeout=5000):
        controller.pause()
    assert stepper._step_button.isEnabled()


def test_the_number_table_appears_with_the_first_phase(stepper):
    stepper.show()
    assert stepper._table.isHidden()  # nothing to list before a phase is shown
    stepper.step_phase()
    assert not stepper._table.isHidden() and stepper._table.rowCount() > 0
    stepper.cancel()
    assert stepper._table.isHidden()
