"""Waiting in GUI tests without fixed sleeps."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEventLoop


def process_events() -> None:
    """Deliver every event already posted (layout requests, queued signals, deferred
    deletes) and handle what they post in turn, without waiting for the clock."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, 0)
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
