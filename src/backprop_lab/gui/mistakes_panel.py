"""The mistakes lab: switch on the classic errors of the seed post's code and watch them fail.

(a) and (b) go to the controller as :class:`~backprop_lab.core.network.Mistakes`;
(c) rebuilds the network with constant initialisation (all weights 0.1, the
seed's), which is a correct gradient but keeps the hidden units of a layer
identical forever.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QVBoxLayout, QWidget

from backprop_lab.core.network import NO_MISTAKES, Mistakes

EXPLANATIONS = {
    "derivative_of_pre_activation": (
        "(a) Derivative of the pre-activation",
        "The seed's sigmoidPrime(x) = x (1 − x) is σ′ written in terms of the output "
        "h = σ(a), but its code calls it with the pre-activation a (sigmoidPrime(a2)). "
        "Every hidden delta gets the wrong factor a (1 − a) instead of h (1 − h).",
    ),
    "pre_activation_in_update": (
        "(b) Pre-activations in the weight update",
        "∂E/∂w_kj = δ_k · h(a_j): the delta multiplies the output of the unit the weight "
        "comes from. The seed's code uses a1.T @ a2_delta, the pre-activations a_j, "
        "instead of sigmoid(a1).T.",
    ),
    "constant_initialisation": (
        "(c) Constant initialisation",
        "No symmetry breaking: every weight starts at 0.1, as in the seed. The gradient is "
        "correct, but all "
        "hidden units of a layer compute the same thing and get the same update, so they "
        "stay identical forever: the network behaves as if each layer had one unit. "
        "Switching this rebuilds the network (training restarts).",
    ),
}

#: The initialisation (c) switches back to when it was constant from the start.
DEFAULT_RANDOM_INIT = "xavier"


class MistakesPanel(QWidget):
    """Three switches, each with its explanation, plus "reproduce the seed's code".

    Signals
    -------
    mistakes_changed(object)
        The :class:`Mistakes` now sent to the controller.
    message_posted(str)
        A short message (e.g. why a switch could not be applied).
    """

    mistakes_changed = Signal(object)
    message_posted = Signal(str)

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._random_init = DEFAULT_RANDOM_INIT
        self._random_init_value: float | None = None
        self.switches: dict[str, QCheckBox] = {}
        switches = QVBoxLayout()
        for key, (title, text) in EXPLANATIONS.items():
            box = QCheckBox(title)
            font = box.font()
            font.setBold(True)
            box.setFont(font)
            box.setToolTip(text)
            label = QLabel(text)
            label.setWordWrap(True)
            label.setContentsMargins(22, 0, 0, 6)
            switches.addWidget(box)
            switches.addWidget(label)
            self.switches[key] = box
        self._status = QLabel()
        self._status.setWordWrap(True)
        self._seed_button = QPushButton("Reproduce the seed's code (a + b + c)")
        self._seed_button.setToolTip(
            "Switch on all three: one step of the seed example then gives the post's printed "
            "(wrong) W3 = 0.14122566"
        )
        self._seed_button.clicked.connect(self.reproduce_seed_code)
        self._fix_button = QPushButton("All correct")
        self._fix_button.setToolTip(
            "Switch (a) and (b) off: backpropagation computed correctly. The "
            "initialisation (c) stays as it is."
        )
        self._fix_button.clicked.connect(self.switch_all_off)
        layout = QVBoxLayout(self)
        layout.addLayout(switches)
        layout.addWidget(self._seed_button)
        layout.addWidget(self._fix_button)
        layout.addWidget(self._status)
        layout.addStretch(1)
        self._sync_from_controller()
        self.switches["derivative_of_pre_activation"].toggled.connect(self._mistake_toggled)
        self.switches["pre_activation_in_update"].toggled.connect(self._mistake_toggled)
        self.switches["constant_initialisation"].toggled.connect(self._constant_toggled)
        settings_changed = getattr(controller, "settings_changed", None)
        if settings_changed is not None:
            settings_changed.connect(lambda _s: self._sync_from_controller())

    # ----------------------------------------------------------------- API
    def mistakes(self) -> Mistakes:
        """The mistakes the switches (a) and (b) describe."""
        return Mistakes(
            derivative_of_pre_activation=self.switches["derivative_of_pre_activation"].isChecked(),
            pre_activation_in_update=self.switches["pre_activation_in_update"].isChecked(),
        )

    def set_switch(self, key: str, on: bool) -> None:
        """Flip one switch as a click would (``key`` as in :data:`EXPLANATIONS`)."""
        if key not in self.switches:
            raise ValueError(f"unknown switch {key!r}; choose one of {', '.join(self.switches)}")
        self.switches[key].setChecked(bool(on))

    def reproduce_seed_code(self) -> None:
        """All three mistakes on, as in the seed post's code."""
        for key in self.switches:
            self.set_switch(key, True)

    def switch_all_off(self) -> None:
        """Correct backpropagation: (a) and (b) off.

        (c) is left as it is: constant initialisation is no error in the gradient,
        and switching it would rebuild the network (the seed's W3 = 0.23868457
        after one correct step needs its constant 0.1 weights).
        """
        for key in ("derivative_of_pre_activation", "pre_activation_in_update"):
            self.set_switch(key, False)

    def status_text(self) -> str:
        return self._status.text()

    # ------------------------------------------------------------ internals
    def _mistake_toggled(self, _checked: bool) -> None:
        mistakes = self.mistakes()
        try:
            self._controller.set_mistakes(mistakes)
        except ValueError as exc:
            self.message_posted.emit(f"Mistakes not changed: {exc}")
            self._sync_from_controller()
            return
        self._update_status()
        self.mistakes_changed.emit(mistakes)

    def _constant_toggled(self, on: bool) -> None:
        settings = self._controller.settings()
        if on:
            if settings["init"] != "constant":
                self._random_init = settings["init"]
                self._random_init_value = settings.get("init_value")
            init, init_value = "constant", 0.1
        else:
            init = self._random_init if self._random_init != "constant" else DEFAULT_RANDOM_INIT
            init_value = self._random_init_value if init == "uniform" else None
        try:
            self._controller.set_architecture(
                settings["hidden_layer_sizes"],
                settings["activations"],
                settings["bias"],
                init,
                settings.get("init_seed", 0),
                init_value,
            )
        except ValueError as exc:
            self.message_posted.emit(f"Initialisation not changed: {exc}")
            self._sync_from_controller()
            return
        self._update_status()

    def _sync_from_controller(self) -> None:
        mistakes = (
            self._controller.mistakes() if hasattr(self._controller, "mistakes") else NO_MISTAKES
        )
        constant = self._controller.settings()["init"] == "constant"
        for key, value in (
            ("derivative_of_pre_activation", mistakes.derivative_of_pre_activation),
            ("pre_activation_in_update", mistakes.pre_activation_in_update),
            ("constant_initialisation", constant),
        ):
            box = self.switches[key]
            box.blockSignals(True)
            box.setChecked(value)
            box.blockSignals(False)
        self._update_status()

    def _update_status(self) -> None:
        m = self.mistakes()
        constant = self.switches["constant_initialisation"].isChecked()
        if m.any:
            text = (
                "Backpropagation is computed wrongly now: the gradient check fails and "
                "training follows the wrong gradient, as the seed's did."
            )
        else:
            text = "Backpropagation is computed correctly (the gradient check passes)."
        if constant:
            text += (
                " Constant initialisation: the hidden units of each layer stay identical "
                "(identical edge colours stay identical)."
            )
        self._status.setText(text)
