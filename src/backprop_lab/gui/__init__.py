"""The PySide6 + pyqtgraph desktop app: widgets render core snapshots, never train."""

from __future__ import annotations

import ctypes
import sys


def _protect_bool_refcounts() -> bool:
    """Work around a PySide6 bug where ``SignalInstance.emit`` drops a reference to True.

    PySide6 6.12.0 returns ``True`` from ``emit()`` without taking a reference,
    so every emit from Python lowers ``True``'s reference count by one. On
    Python < 3.12 (where True is not immortal) a running app reaches zero
    after a few thousand emits and aborts with "bool_dealloc: deallocating
    True or False". When the leak is detected, ``True`` gets a reference
    count so large it can never reach zero, which is exactly what Python 3.12
    does for every bool. Returns True when the workaround was applied.
    """
    if sys.version_info >= (3, 12):
        return False  # bools are immortal
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        probed = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.probed.emit()
    leaked = before - sys.getrefcount(True)
    if leaked < 16:
        return False
    refcount = ctypes.c_ssize_t.from_address(id(True))
    refcount.value += 1 << 40
    return True


BOOL_REFCOUNT_WORKAROUND = _protect_bool_refcounts()
