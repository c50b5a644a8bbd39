"""Small screens and keys that always work: Enter applies, Escape leaves, Space/→ win."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QTabBar

from backprop_lab.gui.screen_fit import PRESENTATION_FONT_FACTOR, PRESENTATION_LINE_FACTOR

TIMEOUT = 30_000  # an upper bound for waits on signals: a loaded CI machine can take seconds


def _focus(qtbot, window, widget):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() in (widget, widget.focusProxy()), timeout=TIMEOUT
    )
    return QApplication.focusWidget()


def test_the_window_shrinks_to_a_1280_by_720_projector(main_window):
    main_window.show()
    assert main_window.minimumSizeHint().width() <= 1280
    assert main_window.minimumSizeHint().height() <= 720
    main_window.resize(1280, 720)
    assert main_window.width() == 1280


def test_tab_titles_are_never_elided_and_combos_stay_narrow(main_window):
    main_window.show()
    for bar in main_window.findChildren(QTabBar):
        assert bar.elideMode() == Qt.TextElideMode.ElideNone
    for combo in main_window.findChildren(QComboBox):
        assert combo.minimumSizeHint().width() < 260, combo.currentText()


def test_space_in_a_focused_spin_box_runs_and_right_steps(qtbot, main_window):
    spin = main_window.control_panel.findChildren(type(main_window.settings_panel.seed_box))[0]
    focused = _focus(qtbot, main_window, spin)
    qtbot.keyClick(focused, Qt.Key.Key_Right)  # steps, not a cursor move
    qtbot.waitUntil(lambda: main_window.controller.current_snapshot().epoch == 1, timeout=TIMEOUT)
    qtbot.keyClick(focused, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: main_window.controller.is_running, timeout=TIMEOUT)
    qtbot.keyClick(focused, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not main_window.controller.is_running, timeout=TIMEOUT)


def test_enter_in_a_network_settings_field_applies(qtbot, main_window):
    panel = main_window.settings_panel
    main_window.docks["settings"].raise_()
    focused = _focus(qtbot, main_window, panel.seed_box)
    panel.seed_box.setValue(panel.seed_box.value() + 7)
    assert panel.apply_button.isEnabled()
    with qtbot.waitSignal(main_window.controller.network_reset, timeout=TIMEOUT):
        qtbot.keyClick(focused, Qt.Key.Key_Return)
    assert main_window.controller.settings()["init_seed"] == panel.seed_box.value()
    # Enter also leaves the field: the training keys work again.
    assert QApplication.focusWidget() is not focused


def test_escape_leaves_a_field(qtbot, main_window):
    main_window.docks["settings"].raise_()
    focused = _focus(qtbot, main_window, main_window.settings_panel.seed_box)
    qtbot.keyClick(focused, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is not focused


def test_presentation_mode_enlarges_fonts_and_lines(qtbot, main_window):
    before = QApplication.font().pointSizeF()
    main_window.presentation.action.trigger()
    assert QApplication.font().pointSizeF() == before * PRESENTATION_FONT_FACTOR
    assert main_window.network_view.line_factor() == PRESENTATION_LINE_FACTOR
    main_window.presentation.action.trigger()
    assert QApplication.font().pointSizeF() == before
    assert main_window.network_view.line_factor() == 1.0
    assert main_window.presentation.action in main_window.menus["view"].actions()


def test_a_first_start_trains_at_a_watchable_speed_with_full_speed_one_click_away(
    qtbot, main_window
):
    from backprop_lab.gui.screen_fit import FIRST_RUN_SPEED, apply_first_run_speed

    assert not main_window.session.modified
    assert apply_first_run_speed(main_window)  # nothing remembered yet
    assert main_window.controller.settings()["epochs_per_second"] == FIRST_RUN_SPEED
    # Applying the first-start pace is not an edit: the untouched example is not "modified".
    assert not main_window.session.modified
    assert not main_window.isWindowModified()
    panel = main_window.control_panel
    qtbot.waitUntil(lambda: panel.speed_box.currentData() == FIRST_RUN_SPEED, timeout=TIMEOUT)
    panel.full_speed_button.click()
    assert main_window.controller.settings()["epochs_per_second"] is None
    main_window.save_settings()
    assert not apply_first_run_speed(main_window)  # the student's choice is remembered
    assert main_window.controller.settings()["epochs_per_second"] is None


def test_a_project_named_on_the_command_line_keeps_its_saved_pace_on_a_first_start(
    qtbot, main_window, tmp_path
):
    """`backprop-lab lesson.bplab` on a first start: the lesson's own pace, not the
    first-start one (File > Open of the same file gives the file's pace too)."""
    from backprop_lab.core.project_file import save_project
    from backprop_lab.gui.app import apply_start_pace, build_parser
    from backprop_lab.gui.screen_fit import FIRST_RUN_SPEED

    assert main_window.controller.settings()["epochs_per_second"] != 7.0
    main_window.controller.set_speed(7.0)
    path = tmp_path / "lesson.bplab"
    save_project(path, main_window.project())
    main_window.controller.set_speed(None)
    assert main_window.open_project_from(path, show_errors=False, ask_to_save=False)
    assert not apply_start_pace(build_parser().parse_args([str(path)]), main_window)
    assert main_window.controller.settings()["epochs_per_second"] == 7.0
    assert not main_window.session.modified
    # A plain first start still gets the watchable pace.
    assert apply_start_pace(build_parser().parse_args([]), main_window)
    assert main_window.controller.settings()["epochs_per_second"] == FIRST_RUN_SPEED


def test_combos_and_tab_bars_made_later_are_fitted_too(qtbot, main_window):
    from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout, QWidget

    dialog = QDialog(main_window)
    layout = QVBoxLayout(dialog)
    combo = QComboBox()
    combo.addItems(["a choice much longer than eight characters" * 3, "short"])
    tabs = QTabWidget()
    tabs.addTab(QWidget(), "A long tab title")
    layout.addWidget(combo)
    layout.addWidget(tabs)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert combo.sizeAdjustPolicy() == (
        QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
    )
    assert combo.minimumSizeHint().width() < 260
    assert tabs.tabBar().elideMode() == Qt.TextElideMode.ElideNone
    assert tabs.tabBar().usesScrollButtons()
    dialog.close()


def test_the_key_filter_watches_only_the_focused_field(qtbot, main_window):
    """Nothing filters every event of the application: the keys' filter sits on the
    focused field of this window alone, and moves with the focus."""
    key_filter = main_window._backprop_lab_key_filter
    spin = main_window.control_panel.findChildren(type(main_window.settings_panel.seed_box))[0]
    focused = _focus(qtbot, main_window, spin)
    assert key_filter.watched_field() is focused
    main_window.network_view.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: key_filter.watched_field() is None, timeout=TIMEOUT)
    # Keys still work in the field the focus comes back to.
    focused = _focus(qtbot, main_window, spin)
    qtbot.keyClick(focused, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: main_window.controller.current_snapshot().epoch == 1, timeout=TIMEOUT)


def test_enter_in_the_network_views_weight_editor_applies_the_edit(qtbot, main_window):
    """The inline weight editor handles Enter itself: the window's Enter-leaves-the-field
    key used to take it, which closed the editor without applying the value."""
    from PySide6.QtCore import QPoint

    from backprop_lab.core import ParameterRef

    view = main_window.network_view
    ref = ParameterRef(1, 1, 1)
    main_window.show()
    qtbot.waitExposed(main_window)
    main_window.activateWindow()
    graphics = view.graphics_view()
    at = graphics.mapFromScene(view.edge_hit_point(ref))
    qtbot.mouseDClick(graphics.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(at.x(), at.y()))
    editor = view.weight_editor()
    assert editor.isVisible()
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() in (editor, editor.lineEdit()), timeout=TIMEOUT
    )
    editor.setValue(-0.375)
    with qtbot.waitSignal(main_window.controller.snapshot_ready, timeout=TIMEOUT):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert ref.value_in(main_window.controller.current_snapshot().weights, None) == -0.375
    assert not editor.isVisible()
