"""Waking the workers when the edge commits, whether they run as threads or as processes."""

from __future__ import annotations

import threading
from typing import Protocol


class Settable(Protocol):
    def set(self) -> None: ...


class Wakeup:
    """``set`` wakes the local worker thread and every registered remote event (worker processes)."""

    def __init__(self) -> None:
        self.local = threading.Event()
        self._remote: list[Settable] = []

    def add(self, event: Settable) -> None:
        self._remote.append(event)

    def set(self) -> None:
        self.local.set()
        for event in self._remote:
            event.set()

    def wait(self, seconds: float) -> None:
        """Sleep until woken or ``seconds`` pass (the local worker thread's idle wait)."""
        self.local.wait(seconds)
        self.local.clear()
