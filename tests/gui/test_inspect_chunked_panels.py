"""Step phases and the chain rule of a batch explained in chunks (a big network on big
data, forced here by small budgets) show the whole batch's numbers.

Only the first EXPLAINED_ROWS samples' numbers are held (5 here); the tables say how
many rows there are, the nodes show the batch's means and sums, and a sample that
is not held is computed again when chosen.
"""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.core import inspect as inspect_module
from backprop_lab.core import network as network_module
from backprop_lab.core.inspect import Phase, explain_next_step
from backprop_lab.core.presets import PRESETS
from backprop_lab.core.snapshot import ParameterRef
from backprop_lab.gui.phase_stepper import MAX_TABLE_ROWS, format_number

TIMEOUT = 10_000


@pytest.fixture
def spirals(qtbot, main_window, monkeypatch):
    """The spirals example (2-16-16-1, 160 samples) after 2 epochs, explained in chunks."""
    main_window.example_actions["spirals"].trigger()
    controller = main_window.controller
    controller.step(2)
    qtbot.waitUntil(lambda: controller.live_snapshot().epoch == 2, timeout=TIMEOUT)
    reference = PRESETS["spirals"].trainer()
    reference.step(2)
    expected = explain_next_step(reference)  # in one pass, every row held
    monkeypatch.setattr(network_module, "STEP_TRACE_MAX_BYTES", 0)
    monkeypatch.setattr(network_module, "STEP_CHUNK_BYTES", 0)  # one row per chunk
    monkeypatch.setattr(inspect_module, "EXPLAINED_ROWS", 5)
    return main_window, expected


def test_step_phases_of_a_chunked_batch(spirals):
    window, expected = spirals
    stepper = window.inspector.phase_stepper
    view = window.network_view
    stepper.set_sample(None)
    stepper.step_phase()
    e = stepper.explanation()
    assert e.n_held == 5 and e.n_samples == 160
    assert e.loss_value == pytest.approx(expected.loss_value, rel=1e-12)
    # Forward 1: five samples' rows of 16 units, then how many more there are.
    rows = stepper.table_rows()
    assert len(rows) == 5 * 16 + 1
    assert [r[0] for r in rows[:-1]] == [str(n + 1) for n in range(5) for _ in range(16)]
    assert rows[-1][0].startswith(f"… {160 * 16 - 80} more rows")
    assert "choose one sample" in rows[-1][0]  # not every sample's numbers are held
    a = expected.pre_activations[0]
    assert float(rows[17][2].replace("\u2212", "-")) == pytest.approx(a[1, 1], rel=1e-5)
    a_mean, h_mean = expected.pre_activations[0].mean(0), expected.activations[0].mean(0)
    assert view.node_texts()[1][3] == (
        f"mean a={format_number(a_mean[3])}\nmean h={format_number(h_mean[3])}"
    )
    for _ in range(5):
        stepper.step_phase()
    assert stepper.current_phase() == Phase("backward", 1)
    sums = expected.deltas[0].sum(axis=0)
    assert view.node_texts()[1] == ["Σδ=" + format_number(v) for v in sums]
    assert stepper.table_rows()[-1][0].startswith(f"… {160 * 16 + 16 - 80} more rows")
    for _ in range(3):
        stepper.step_phase()
    assert stepper.current_phase() == Phase("update", 3)
    rows = stepper.table_rows()
    assert rows[0][2] == format_number(expected.weight_gradients[2][0, 0], 7)
    assert rows[0][4] == format_number(expected.new_weights[2][0, 0], 7)


def test_the_update_table_counts_what_it_leaves_out(spirals):
    window, _expected = spirals
    stepper = window.inspector.phase_stepper
    for _ in range(8):
        stepper.step_phase()
    assert stepper.current_phase() == Phase("update", 2)
    rows = stepper.table_rows()  # 16 x 16 weights and 16 biases: all shown
    assert len(rows) == 16 * 16 + 16 <= MAX_TABLE_ROWS


def test_chain_rule_of_a_sample_not_held(qtbot, spirals):
    window, expected = spirals
    dock = window.inspector.docks["chain_rule"]
    dock.show()
    dock.raise_()
    panel = window.inspector.chain_rule
    ref = ParameterRef(1, 2, 3)
    panel.show_parameter(ref)
    terms = panel.terms()
    assert len(terms.samples) == 5 and terms.n_samples == 160  # the rows held
    text = panel.plain_text()
    assert "… and 155 more samples" in text and "summed over the 160 samples" in text
    panel.set_sample(150)
    terms = panel.terms()
    (s,) = terms.samples
    assert s.sample == 150
    grads = expected.deltas[1]
    assert s.delta == pytest.approx(grads[150, 3], rel=1e-12)
    assert s.factor == pytest.approx(expected.activations[0][150, 2], rel=1e-12)
    assert all(eq.check() for eq in s.delta_explanation.equations)
    text = panel.plain_text()
    assert "Sample 151" in text and "summed over the 160 samples" in text
    assert "more samples" not in text
    assert terms.total == pytest.approx(expected.parameter_value(ref, "gradient"), rel=1e-9)
    assert np.isfinite(terms.update_explanation.new_value)
