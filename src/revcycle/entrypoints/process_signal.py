"""A flag one process raises for another (wake up, stop, ready) whose ``set`` never blocks.

``multiprocessing.Event`` is a condition variable: its ``set`` waits until every process asleep in
``wait`` has acknowledged the wake-up. A process killed while it slept there (SIGKILL, the OOM killer)
never does, so every later ``set`` blocks for good. The group commit wakes the worker process at every
commit, so a worker killed while idle froze the edge: no message was acknowledged again, and the server
hung at shutdown (tests/e2e/test_health.py). Here ``set`` raises a shared flag and posts a semaphore,
which never waits for anyone; ``wait`` takes the post, with a timeout.
"""

from __future__ import annotations

from multiprocessing.context import SpawnContext
from typing import Any


class ProcessSignal:
    """Set, cleared and waited for like ``threading.Event``, across processes started with ``spawn``
    (made before the process starts and handed to it as an argument)."""

    def __init__(self, context: SpawnContext) -> None:
        self._flag: Any = context.RawValue("b", 0)  # a byte: read and written whole
        self._posted = context.Semaphore(0)

    def set(self) -> None:
        """Raise the flag and wake a waiter. Never blocks: at most one post stays pending."""
        self._flag.value = 1
        self._posted.acquire(False)
        self._posted.release()

    def clear(self) -> None:
        self._flag.value = 0

    def is_set(self) -> bool:
        return bool(self._flag.value)

    def wait(self, timeout: float) -> bool:
        """Until the flag is raised or ``timeout`` seconds pass; whether it is raised."""
        if self._flag.value:
            self._posted.acquire(False)  # its post, so that a wait after ``clear`` does sleep
            return True
        self._posted.acquire(timeout=timeout)
        return bool(self._flag.value)
