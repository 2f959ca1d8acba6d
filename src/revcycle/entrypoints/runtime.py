"""The running parts of a server: the group committer, the worker thread and the MLLP listener."""

from __future__ import annotations

import asyncio
import logging
import threading

from revcycle.bootstrap import Container
from revcycle.service_layer.worker import run_forever

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, container: Container) -> None:
        self.container = container
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None

    async def start(self) -> None:
        await self.container.committer.start()
        if self.container.settings.workers:
            self._worker = threading.Thread(target=self._work, name="revcycle-worker", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        wakeup = self.container.wakeup

        def idle(seconds: float) -> None:
            wakeup.wait(seconds)
            wakeup.clear()

        run_forever(
            self.container.worker, self._stop.is_set, idle, self.container.settings.worker_poll_seconds
        )

    async def stop(self) -> None:
        await self.container.committer.close()
        self._stop.set()
        self.container.wakeup.set()
        if self._worker is not None:
            await asyncio.to_thread(self._worker.join, 30)
        self.container.engine.dispose()
