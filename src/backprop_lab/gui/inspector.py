"""Wire the backpropagation inspector into the main window.

:func:`install_inspector` adds the docks (phase stepping, chain rule, gradient
check, mistakes lab, rewind), an Inspect menu and the step CSV export, and
connects them to the window's controller and views.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMessageBox, QWidget

from backprop_lab.core.step_export import write_step_csv
from backprop_lab.gui.chain_rule_panel import ChainRulePanel
from backprop_lab.gui.dialogs import scrolled
from backprop_lab.gui.gradient_check_panel import GradientCheckPanel
from backprop_lab.gui.load_progress import LoadCancelledByUser
from backprop_lab.gui.mistakes_panel import MistakesPanel
from backprop_lab.gui.phase_stepper import PhaseStepper, explain_current
from backprop_lab.gui.rewind import RewindPanel
from backprop_lab.gui.window_host import PanelHost


class Inspector(QObject):
    """The inspector's panels and docks, owned by the main window.

    Attributes
    ----------
    phase_stepper, chain_rule, gradient_check, mistakes, rewind
        The panels.
    docks
        Their dock widgets by name.
    menu
        The Inspect menu.
    """

    def __init__(self, window: PanelHost) -> None:
        super().__init__(window)
        self.window = window
        controller = window.controller
        self.phase_stepper = PhaseStepper(controller, window.network_view)
        self.chain_rule = ChainRulePanel(controller)
        self.gradient_check = GradientCheckPanel(controller)
        self.mistakes = MistakesPanel(controller)
        # Every view follows the session's shown state; the window marks the loss plot.
        self.rewind = RewindPanel(controller)
        self.docks: dict[str, QDockWidget] = {}
        # One group of tabs (the main window's arrange_docks places them: see
        # main_window.LEFT_BOTTOM_TABS): the phase walk first, then the explanations.
        self._add_dock("phases", "Step phases", self.phase_stepper)
        phases = self.docks["phases"]
        # The chain rule's equations are wide: scrolled, so they never widen the column.
        self._add_dock("chain_rule", "Chain rule", scrolled(self.chain_rule))
        self._add_dock("gradient_check", "Gradient check", self.gradient_check)
        self._add_dock("mistakes", "Mistakes lab", scrolled(self.mistakes))
        # Scrolled: the slider panel's fixed height would otherwise pin the whole tab
        # group (and so the step phases table) to its smallest height.
        self._add_dock("rewind", "Rewind", scrolled(self.rewind))
        phases.raise_()
        self._build_menu()
        self._connect()

    # ------------------------------------------------------------- building
    def _add_dock(self, name: str, title: str, widget: QWidget) -> QDockWidget:
        # The main window places its docks itself (see dock_layout).
        dock = self.window.add_panel_dock(name, title, widget)
        self.docks[name] = dock
        return dock

    def _build_menu(self) -> None:
        self.menu = self.window.add_menu("inspect", "&Inspect", before="help")
        self.step_phase_action = self.menu.addAction("Step &phase", self._step_phase)
        self.step_phase_action.setShortcut(QKeySequence("Ctrl+Right"))
        self.step_phase_action.setToolTip(
            "Show the next phase of one step: Forward, Backward, Update"
        )
        self.finish_step_action = self.menu.addAction("&Finish step", self._finish_step)
        self.menu.addSeparator()
        self.gradient_check_action = self.menu.addAction(
            "Run &gradient check", self._run_gradient_check
        )
        self.menu.addSeparator()
        self.export_step_action = self.menu.addAction(
            "&Export this step as CSV…", self.export_step_dialog
        )
        self.menu.addSeparator()
        for dock in self.docks.values():
            self.menu.addAction(dock.toggleViewAction())
        # Also offer the export where the other exports are (File ▸ Export).
        self.window.export_menu.addAction(self.export_step_action)

    def _connect(self) -> None:
        window = self.window
        view = window.network_view
        view.parameter_selected.connect(self.chain_rule.show_parameter)
        table = window.weight_table
        table.parameter_selected.connect(self.chain_rule.show_parameter)
        view.colour_mode_changed.connect(table.set_value_kind)
        table.set_value_kind(view.colour_mode())
        self.mistakes.mistakes_changed.connect(self._on_mistakes_changed)
        self.mistakes.message_posted.connect(window.show_message)
        self.phase_stepper.step_applied.connect(
            lambda _e: window.show_message(self.phase_stepper.status_text())
        )
        self.phase_stepper.phase_shown.connect(self._on_phase_shown)
        self.rewind.rewound.connect(self._on_rewound)

    # ------------------------------------------------------------ reactions
    def _on_mistakes_changed(self, _mistakes) -> None:
        self.phase_stepper.cancel()
        self.chain_rule.refresh()
        if self.gradient_check.rows():
            self.gradient_check.run_check()

    def _on_phase_shown(self, phase) -> None:
        if phase is not None and not self.rewind.is_live():
            self.rewind.go_live()

    def _on_rewound(self, snapshot) -> None:
        if snapshot is not None:
            self.phase_stepper.cancel()

    def _step_phase(self) -> None:
        # A step is taken from the live network: show it before the first phase.
        self.rewind.go_live()
        self.docks["phases"].show()
        self.docks["phases"].raise_()
        self.phase_stepper.step_phase()

    def _finish_step(self) -> None:
        self.rewind.go_live()
        self.docks["phases"].show()
        self.phase_stepper.finish_step()

    def _run_gradient_check(self) -> None:
        dock = self.docks["gradient_check"]
        dock.show()
        dock.raise_()
        self.gradient_check.run_check()

    # --------------------------------------------------------------- export
    def export_step(self, path: str | Path, parent: QWidget | None = None) -> int:
        """Write the numbers of the step the network would take now (the phase panel's
        choice of batch or sample, the current mistakes) to ``path``; returns the row count.

        With a ``parent`` (the menu's export), a big step is waited for as the Step
        phases panel waits for it: the window repaints, progress and Cancel after a
        second (``LoadCancelledByUser``; nothing is written), and a step whose network
        changed meanwhile is not written (``ExplanationOutdated``, a ValueError).

        Raises
        ------
        ValueError, OSError
            When the step cannot be computed or the file cannot be written.
        """
        explanation = explain_current(
            self.window.controller, self.phase_stepper.chosen_sample(), parent=parent
        )
        return write_step_csv(path, explanation)

    def export_step_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export this step as CSV", "step.csv", "CSV files (*.csv)"
        )
        if not path:
            return
        try:
            rows = self.export_step(path, parent=self.window)
        except LoadCancelledByUser:
            self.window.show_message("Exporting the step was cancelled; nothing was written.")
            return
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self.window, "Export failed", str(exc))
            return
        self.window.show_message(f"Wrote {rows} numbers of this step to {path}")


def install_inspector(window: PanelHost) -> Inspector:
    """Add the inspector's docks, menu and wiring to ``window`` (a MainWindow); returns it.

    The inspector is also kept as ``window.inspector``.
    """
    inspector = Inspector(window)
    window.inspector = inspector
    return inspector
