"""The installed Qt bindings keep Python's reference counts intact.

PySide6 6.12.0 returns None from every void Qt call (and True from
Signal.emit) without taking a reference; on Python 3.11 the count runs down
and the app aborts with "Fatal Python error: none_dealloc" after a few
thousand repaints. pyproject.toml excludes it; this test catches a binding
with the same fault before a student's app crashes.
"""

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget


class _Emitter(QObject):
    fired = Signal(int)


def test_void_calls_and_emits_do_not_steal_references(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    emitter = _Emitter()
    emitter.fired.connect(lambda value: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for k in range(200):
        widget.update()
        emitter.fired.emit(k)
    # A sound binding leaves both counts where they were (give or take a few
    # references held by the interpreter); the faulty one drops 200.
    assert sys.getrefcount(None) - none_before > -20
    assert sys.getrefcount(True) - true_before > -20
