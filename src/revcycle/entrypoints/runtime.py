"""The running parts of a server: the group committer, the worker thread and the MLLP listener."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading

from revcycle.adapters.mllp.listener import MllpListener
from revcycle.bootstrap import Container
from revcycle.entrypoints.hl7 import Hl7Intake
from revcycle.entrypoints.worker_process import WorkerProcess
from revcycle.service_layer.worker import run_forever

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.hl7 = Hl7Intake(container.edge)
        self.mllp: MllpListener | None = None
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._worker_process: WorkerProcess | None = None

    async def start(self) -> None:
        settings = self.container.settings
        await self.container.committer.start()
        if settings.mllp_enabled:
            self.mllp = MllpListener(
                self.hl7.on_mllp,
                host=settings.mllp_host,
                port=settings.mllp_port,
                interface="mllp",
                idle_timeout=settings.mllp_idle_timeout,
                max_frame=settings.max_message_bytes,
                on_frame_error=self.hl7.on_frame_error,
            )
            await self.mllp.start()
            stats = self.mllp.stats
            self.container.telemetry.watch_listener("mllp", lambda: dataclasses.asdict(stats))
            log.info("MLLP listening on %s:%d", settings.mllp_host, self.mllp.port)
        if settings.workers and settings.worker_mode == "process":
            self._worker_process = WorkerProcess(settings, self.container.shared_lock)
            self._worker_process.start()
            self.container.wakeup.add(self._worker_process.wakeup)
        elif settings.workers:
            self._worker = threading.Thread(target=self._work, name="revcycle-worker", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        settings = self.container.settings
        run_forever(
            self.container.worker,
            self._stop.is_set,
            self.container.wakeup.wait,
            settings.worker_poll_seconds,
            settings.worker_linger_seconds,
        )

    async def stop(self) -> None:
        if self.mllp is not None:
            await self.mllp.close()
        await self.container.committer.close()
        self._stop.set()
        self.container.wakeup.set()
        if self._worker is not None:
            await asyncio.to_thread(self._worker.join, 30)
        if self._worker_process is not None:
            await asyncio.to_thread(self._worker_process.stop)
        self.container.engine.dispose()
