"""Above PAGE_SIZE samples the phase stepper and chain-rule panel list a page of samples.

The list says which samples it holds; choosing any sample by number turns to
its page, and the step explained is that sample's.
"""

import inspect_fixtures
import numpy as np
import pytest

from backprop_lab.core.data import Dataset
from backprop_lab.core.snapshot import ParameterRef
from backprop_lab.gui.chain_rule_panel import ChainRulePanel
from backprop_lab.gui.phase_stepper import PhaseStepper, sample_labels
from backprop_lab.gui.sample_chooser import PAGE_SIZE

controller = inspect_fixtures.controller
network_view = inspect_fixtures.network_view

N = 2 * PAGE_SIZE + 500  # three pages, the last one half full


def big_data(n: int = N) -> Dataset:
    rng = np.random.default_rng(4)
    inputs = rng.uniform(0.0, 1.0, size=(n, 2))
    targets = (inputs[:, :1] > 0.5).astype(float)
    return Dataset(inputs, targets, ("x1", "x2"), ("t",))


@pytest.fixture
def stepper(qtbot, controller, network_view):
    panel = PhaseStepper(controller, network_view)
    qtbot.addWidget(panel)
    return panel


def combo_samples(chooser) -> list:
    return [chooser.combo.itemData(i) for i in range(chooser.combo.count())]


def test_small_data_lists_every_sample_without_pages(stepper, controller):
    chooser = stepper.sample_chooser()
    n = controller.dataset()[0].n_samples
    assert combo_samples(chooser) == [None, *range(n)]
    assert not chooser.is_paged() and chooser.note_text() == ""
    assert chooser.page_row.isHidden()


def test_large_data_lists_one_page_and_says_so(stepper, controller):
    controller.set_data(big_data())
    chooser = stepper.sample_chooser()
    assert chooser.is_paged() and chooser.page_count() == 3
    assert combo_samples(chooser) == [None, *range(PAGE_SIZE)]
    assert chooser.combo.itemText(0) == f"the whole batch ({N} samples)"
    assert chooser.combo.itemText(1) == sample_labels(controller, 0, 1)[0]
    note = chooser.note_text()
    assert note == f"Listed: samples 1–{PAGE_SIZE:,} of {N:,}"
    assert not chooser.page_row.isHidden() and chooser.page_row.parent() is not None
    chooser.page_spin.setValue(3)  # the user turns to the last page
    assert combo_samples(chooser) == [None, *range(2 * PAGE_SIZE, N)]
    assert f"{2 * PAGE_SIZE + 1:,}–{N:,}" in chooser.note_text()
    first = 2 * PAGE_SIZE
    assert chooser.combo.itemText(1) == sample_labels(controller, first, first + 1)[0]
    assert stepper.chosen_sample() is None  # the whole batch stays chosen


def test_choosing_a_sample_on_another_page_explains_that_sample(stepper, controller):
    controller.set_data(big_data())
    chosen = []
    stepper.sample_chooser().sample_changed.connect(chosen.append)
    stepper.set_sample(N - 1)
    assert chosen == [N - 1] and stepper.chosen_sample() == N - 1
    assert stepper.sample_chooser().page() == 2
    stepper.step_phase()
    assert stepper.explanation().sample == N - 1
    # Turning the page gives a chosen sample way to the first of the new page
    # (and cancels the walk, as any other choice does).
    stepper.sample_chooser().set_page(0)
    assert chosen == [N - 1, 0] and stepper.chosen_sample() == 0
    assert stepper.explanation() is None
    with pytest.raises(ValueError, match="does not exist"):
        stepper.set_sample(N)


def test_fewer_samples_keep_the_choice_if_it_still_exists(stepper, controller):
    controller.set_data(big_data())
    stepper.set_sample(1500)
    controller.set_data(big_data(1600))
    assert stepper.chosen_sample() == 1500 and stepper.sample_chooser().page() == 1
    controller.set_data(big_data(900))  # sample 1500 is gone: the whole batch, one page
    assert stepper.chosen_sample() is None
    assert not stepper.sample_chooser().is_paged()
    assert combo_samples(stepper.sample_chooser()) == [None, *range(900)]


def test_chain_rule_panel_pages_too_and_writes_the_chosen_sample(qtbot, controller):
    panel = ChainRulePanel(controller)
    qtbot.addWidget(panel)
    controller.set_data(big_data())
    chooser = panel._samples
    assert chooser.is_paged() and combo_samples(chooser) == [None, *range(PAGE_SIZE)]
    assert chooser.combo.itemText(0) == f"every sample, and the sum ({N})"
    panel.show_parameter(ParameterRef(1, 0, 0))
    panel.set_sample(2 * PAGE_SIZE + 7)
    assert [s.sample for s in panel.terms().samples] == [2 * PAGE_SIZE + 7]
    assert f"Sample {2 * PAGE_SIZE + 8}" in panel.plain_text()  # counted from 1
