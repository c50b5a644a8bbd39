"""Shared fixtures for the inspector panels' tests: a real controller on the seed example."""

from __future__ import annotations

import pytest

from backprop_lab.gui.network_view import NetworkView
from backprop_lab.gui.training import TrainingController


@pytest.fixture
def controller(qtbot):
    ctrl = TrainingController()
    yield ctrl
    assert ctrl.shutdown(5000), "the training thread did not stop"


@pytest.fixture
def network_view(qtbot, controller):
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_snapshot(controller.current_snapshot())
    controller.snapshot_ready.connect(view.set_snapshot)
    controller.network_reset.connect(view.set_snapshot)
    return view


def wait_for_snapshot(qtbot, controller, action, timeout=5000, epoch=None):
    """Run ``action`` and return the snapshot the controller emits after it.

    With ``epoch``, wait for a snapshot of that epoch (earlier commands may
    still be sending theirs).
    """
    check = None if epoch is None else (lambda snapshot: snapshot.epoch == epoch)
    with qtbot.waitSignal(
        controller.snapshot_ready, timeout=timeout, check_params_cb=check
    ) as blocker:
        action()
    return blocker.args[0]
