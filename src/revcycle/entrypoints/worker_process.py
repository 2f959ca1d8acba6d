"""The worker in its own process, so the edge (event loop) and the worker (handlers) run on separate
cores instead of sharing one interpreter lock. One worker per store: it alone keeps per-partition
order (several would need partition ownership, which is not built)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Collection
from multiprocessing.context import SpawnProcess

from revcycle.adapters.metrics import Outbox, TelemetryReporter
from revcycle.adapters.store.engine import SharedWriteLock
from revcycle.bootstrap import build
from revcycle.entrypoints.cpu_affinity import pin_process
from revcycle.entrypoints.process_signal import ProcessSignal
from revcycle.service_layer.worker import run_forever
from revcycle.settings import Settings


def _main(
    settings_json: str,
    wakeup: ProcessSignal,
    stop: ProcessSignal,
    parent: int,
    shared_lock: SharedWriteLock | None,
    outbox: Outbox | None,
    cpus: frozenset[int] | None = None,
    ready: ProcessSignal | None = None,
) -> None:
    settings = Settings.model_validate_json(settings_json)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s worker: %(message)s")
    if cpus:
        pin_process(cpus, "worker")  # off the server's CPU (cpu_affinity = split)
    container = build(settings, migrate=False, shared_lock=shared_lock, side="worker")
    if settings.worker_nice:
        os.nice(settings.worker_nice)  # the edge's acknowledgments first when both want a core

    def idle(seconds: float) -> None:
        wakeup.wait(seconds)
        wakeup.clear()

    def stopped() -> bool:
        return stop.is_set() or os.getppid() != parent  # the server is gone (even by SIGKILL)

    if ready is not None:
        ready.set()  # built: /health reports the worker ready from now on
    reporter = TelemetryReporter(container.telemetry, outbox, "worker") if outbox is not None else None
    if reporter is not None:
        reporter.start()  # the server exports the worker's counters (messages processed, latency)
    try:
        sweeper = container.sweeper
        run_forever(
            container.worker,
            stopped,
            idle,
            settings.worker_poll_seconds,
            sweeper.tick if sweeper else None,
            settings.worker_linger_seconds,
        )
    finally:
        if reporter is not None:
            reporter.stop()
        container.inbound_log.close()
        container.engine.dispose()


class WorkerProcess:
    def __init__(
        self,
        settings: Settings,
        shared_lock: SharedWriteLock | None,
        outbox: Outbox | None = None,
        cpus: Collection[int] | None = None,
    ) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads and a loop
        self.wakeup = ProcessSignal(context)
        self.stop_event = ProcessSignal(context)
        self.ready = ProcessSignal(context)
        self._context = context
        self._args = (
            settings.model_dump_json(),
            self.wakeup,
            self.stop_event,
            os.getpid(),
            shared_lock,
            outbox,
            frozenset(cpus) if cpus else None,
            self.ready,
        )
        self.process: SpawnProcess = self._new_process()
        self.started_at = 0.0

    def _new_process(self) -> SpawnProcess:
        return self._context.Process(target=_main, args=self._args, name="revcycle-worker", daemon=True)

    def start(self) -> None:
        self.process.start()
        self.started_at = time.monotonic()

    def restart(self) -> None:
        """A new process in place of one that has exited, with the same signals (the edge processes
        hold this worker's wake-up signal)."""
        self.process.join(0)  # reap the old one
        self.ready.clear()
        self.process = self._new_process()
        self.start()

    @property
    def state(self) -> str:
        """``starting`` until its container is built, then ``ready``; ``stopped`` once it has exited."""
        if not self.process.is_alive():
            return "stopped"
        return "ready" if self.ready.is_set() else "starting"

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        self.wakeup.set()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
