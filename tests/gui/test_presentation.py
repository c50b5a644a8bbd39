"""Presentation mode on a 1280 x 720 projector: it fits, nothing is clipped, and the
step inspector is one click away; leaving it brings the window's arrangement back."""

from __future__ import annotations

import pytest
from clipping import KNOWN_SIDEWAYS, clipped_texts
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QTabBar
from waiting import event_loop_turn

TIMEOUT = 30_000  # an upper bound for waits on signals: a loaded CI machine can take seconds


@pytest.fixture(autouse=True)
def leave_presentation_mode(main_window):
    """Presentation mode scales the application's font: never leave it to other tests."""
    yield
    main_window.presentation.set_enabled(False)


def _settle(qtbot, window):
    # A font change re-lays out the panels over a few rounds of posted layout requests.
    for _ in range(3):
        window.layout().activate()
        QApplication.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        event_loop_turn(qtbot)  # every posted layout request so far has been handled


def _on_top(dock) -> bool:
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def _present(qtbot, window, size=(1280, 720)):
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.width() == size[0], timeout=TIMEOUT)
    window.size_docks()
    _settle(qtbot, window)
    window.presentation.set_enabled(True)
    _settle(qtbot, window)
    window.size_docks()
    _settle(qtbot, window)


def _tab(window, title):
    for bar in window.findChildren(QTabBar):
        if bar.isVisible():
            for index in range(bar.count()):
                if bar.tabText(index) == title:
                    return bar, bar.tabRect(index)
    return None, None


def test_presentation_mode_fits_a_projector_with_the_inspector_one_click_away(qtbot, main_window):
    window = main_window
    window.docks["phases"].close()  # closed before: presentation mode shows it
    _present(qtbot, window)
    assert window.is_presenting()
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, hint
    assert window.width() == 1280
    # The network keeps most of the width; the training controls, the step inspector,
    # the loss and data plots are shown, the other panels hidden.
    assert window.network_view.width() >= 480
    for name in ("controls", "phases", "loss", "data_plot"):
        assert _on_top(window.docks[name]), name
    assert not window.docks["weights"].isVisible()
    # The chain rule: one click on its tab, beside the step phases.
    bar, rect = _tab(window, "Chain rule")
    assert bar is not None and bar.rect().contains(rect), "no whole Chain rule tab"
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: _on_top(window.docks["chain_rule"]), timeout=TIMEOUT)
    # Step phase on the toolbar: shown (not in the toolbar's overflow menu), and one
    # click brings the step phases up, even closed, and walks the first phase.
    window.docks["phases"].close()
    button = window.toolbar.widgetForAction(window.inspector.step_phase_action)
    assert button is not None and button.isVisible()
    assert window.toolbar.rect().contains(button.geometry())
    assert window.inspector.phase_stepper.current_phase() is None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _on_top(window.docks["phases"]), timeout=TIMEOUT)
    assert window.inspector.phase_stepper.current_phase() is not None


def test_nothing_is_clipped_in_presentation_mode(qtbot, main_window):
    window = main_window
    assert window.open_example("circles")
    window.controller.step(1500)
    qtbot.waitUntil(lambda: window.controller.current_snapshot().epoch == 1500, timeout=20000)
    _present(qtbot, window)
    problems = {}
    for name, dock in window.docks.items():
        if not dock.isVisible():
            continue
        dock.raise_()
        _settle(qtbot, window)
        for problem in clipped_texts(window, KNOWN_SIDEWAYS):
            problems.setdefault(problem, name)
    assert not problems, "\n".join(f"[{dock} raised] {p}" for p, dock in problems.items())


def test_leaving_presentation_mode_restores_the_arrangement(qtbot, main_window):
    from backprop_lab.gui.settings_store import app_settings

    window = main_window
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.size_docks()
    window.docks["chain_rule"].raise_()
    _settle(qtbot, window)
    before = {name for name, dock in window.docks.items() if _on_top(dock)}
    assert "chain_rule" in before and "weights" in before
    window.presentation.action.trigger()
    _settle(qtbot, window)
    assert not window.docks["weights"].isVisible()
    # Closing in presentation mode remembers the arrangement from before it.
    window.save_settings()
    assert app_settings().value("window/state") == window.normal_state()
    window.presentation.action.trigger()
    _settle(qtbot, window)
    assert not window.is_presenting()
    qtbot.waitUntil(
        lambda: {name for name, dock in window.docks.items() if _on_top(dock)} == before,
        timeout=TIMEOUT,
    )
