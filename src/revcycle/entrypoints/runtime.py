"""The running parts of a server: the group committer, the worker thread, the MLLP listener and the
scheduled ERP master-data pulls."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import multiprocessing.queues
import threading
import time
from datetime import UTC, datetime, timedelta

from revcycle.adapters.erp.rest_pull import SqlPullState
from revcycle.adapters.metrics import Snapshot
from revcycle.adapters.mllp.listener import ListenerStats, MllpListener
from revcycle.bootstrap import Container, build_alerting
from revcycle.entrypoints.cpu_affinity import allowed_cpus, pin_process, plan
from revcycle.entrypoints.edge_process import EdgeProcess, mllp_listener, reuse_port_available
from revcycle.entrypoints.erp_runtime import start_poster
from revcycle.entrypoints.hl7 import Hl7Intake
from revcycle.entrypoints.master_pull import MasterDataPuller
from revcycle.entrypoints.worker_process import WorkerProcess
from revcycle.service_layer.alerts.service import AlertService
from revcycle.service_layer.worker import run_forever

log = logging.getLogger(__name__)

_FIRST_PAUSE, _LONGEST_PAUSE = 1.0, 60.0  # before a worker process is started again
_STEADY_SECONDS = 60.0  # a worker that ran this long before it exited starts again after the first pause


class Runtime:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.hl7 = Hl7Intake(container.edge)
        self.mllp: MllpListener | None = None
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._worker_process: WorkerProcess | None = None
        self._edges: list[EdgeProcess] = []
        self._telemetry_inbox: multiprocessing.queues.Queue[tuple[str, Snapshot]] | None = None
        self._pulls: list[asyncio.Task[None]] = []
        self._erp_poster: threading.Thread | None = None
        self._others: frozenset[int] | None = None  # CPUs of the worker and edge processes, when pinned
        self._supervisor: asyncio.Task[None] | None = None
        self.alerting: AlertService | None = None

    async def start(self) -> None:
        settings = self.container.settings
        self._pin_cpus()
        retention = datetime.now(UTC) - timedelta(days=settings.audit_retention_days)
        await asyncio.to_thread(self.container.audit.prune, retention, actor="retention")
        self.container.inbound_log.start()
        await self.container.committer.start()
        if settings.workers and settings.worker_mode == "process":
            self._worker_process = WorkerProcess(
                settings, self.container.shared_lock, self._inbox(), cpus=self._others
            )
            self._worker_process.start()
            self.container.wakeup.add(self._worker_process.wakeup)
            self._supervisor = asyncio.create_task(self._supervise(self._worker_process), name="supervisor")
        elif settings.workers:
            self._worker = threading.Thread(target=self._work, name="revcycle-worker", daemon=True)
            self._worker.start()
        if settings.mllp_enabled:
            await self._start_mllp()
        state = SqlPullState(self.container.engine)
        for pull in settings.master_data_pulls:
            puller = MasterDataPuller(pull, self.container.edge, state, on_append=self.container.wakeup.set)
            self._pulls.append(asyncio.create_task(puller.run_forever(), name=f"pull-{pull.name}"))
        if settings.erp_poster:
            self._erp_poster = start_poster(settings, self.container.engine, self._stop)
        if settings.alerts_enabled:
            self.alerting = build_alerting(self.container)
            self.alerting.start()

    def _inbox(self) -> multiprocessing.queues.Queue[tuple[str, Snapshot]]:
        """Where the worker and edge processes report their counters; /metrics adds them up."""
        if self._telemetry_inbox is None:
            self._telemetry_inbox = multiprocessing.get_context("spawn").Queue()
            self.container.telemetry.receive_from(self._telemetry_inbox)
        return self._telemetry_inbox

    async def _start_mllp(self) -> None:
        settings = self.container.settings
        more = settings.mllp_processes - 1
        if more and not reuse_port_available():
            raise RuntimeError("mllp_processes > 1 needs SO_REUSEPORT, which this platform lacks")
        self.mllp = mllp_listener(settings, self.hl7, port=settings.mllp_port, reuse_port=more > 0)
        await self.mllp.start()
        wakeups = [self._worker_process.wakeup] if self._worker_process is not None else []
        for number in range(1, more + 1):
            shared_lock, outbox = self.container.shared_lock, self._inbox()
            edge = EdgeProcess(settings, self.mllp.port, shared_lock, wakeups, outbox, number, self._others)
            await asyncio.to_thread(edge.start)
            self._edges.append(edge)
        stats, edges = self.mllp.stats, self._edges
        self.container.telemetry.watch_listener("mllp", lambda: _summed(stats, edges))
        log.info("MLLP listening on %s:%d (%d processes)", settings.mllp_host, self.mllp.port, more + 1)

    @property
    def worker_state(self) -> str:
        """``off`` (no worker in this server), ``starting``, ``ready`` or ``stopped``."""
        if self._worker_process is not None:
            return self._worker_process.state
        if self._worker is not None:
            return "ready" if self._worker.is_alive() else "stopped"
        return "off"

    async def _supervise(self, worker: WorkerProcess) -> None:
        """A worker process that exits while the server runs (killed, crashed) is started again, after
        a pause that doubles with each exit within a minute of its start (1 s up to 60 s). Meanwhile
        messages are still acknowledged; they wait in the log, and /health says ``stopped``."""
        pause = _FIRST_PAUSE
        while True:
            await asyncio.sleep(1.0)
            if worker.process.is_alive():
                continue
            if time.monotonic() - worker.started_at > _STEADY_SECONDS:
                pause = _FIRST_PAUSE
            log.error(
                "the worker process exited (code %s); starting it again in %.0f s",
                worker.process.exitcode,
                pause,
            )
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)
            await asyncio.to_thread(worker.restart)

    def _pin_cpus(self) -> None:
        """``cpu_affinity = split``: this process onto one CPU, the ones it starts onto the others."""
        settings = self.container.settings
        if settings.cpu_affinity == "off":
            return
        worker_in_process = settings.worker_mode == "process" or not settings.workers
        cpus = plan(settings.cpu_affinity, allowed_cpus(), worker_in_process=worker_in_process)
        if cpus is None:
            log.warning("cpu_affinity: fewer than two CPUs, or the worker is a thread; nothing pinned")
        elif pin_process(cpus.server, "server"):
            self._others = cpus.others

    def _work(self) -> None:
        settings = self.container.settings
        sweeper = self.container.sweeper
        run_forever(
            self.container.worker,
            self._stop.is_set,
            self.container.wakeup.wait,
            settings.worker_poll_seconds,
            sweeper.tick if sweeper else None,
            settings.worker_linger_seconds,
        )

    async def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
        for task in self._pulls:
            task.cancel()
        await asyncio.gather(*self._pulls, return_exceptions=True)
        if self.mllp is not None:
            await self.mllp.close()
        for edge in self._edges:
            await asyncio.to_thread(edge.stop)
        await self.container.committer.close()
        self._stop.set()
        self.container.wakeup.set()
        if self._worker is not None:
            await asyncio.to_thread(self._worker.join, 30)
        if self._worker_process is not None:
            await asyncio.to_thread(self._worker_process.stop)
        if self._erp_poster is not None:
            await asyncio.to_thread(self._erp_poster.join, 30)
        if self.alerting is not None:
            await asyncio.to_thread(self.alerting.stop)
        self.container.inbound_log.close()
        self.container.engine.dispose()


def _summed(stats: ListenerStats, edges: list[EdgeProcess]) -> dict[str, int]:
    """The server's listener counters plus those of its edge processes."""
    total = dataclasses.asdict(stats)
    for edge in edges:
        for name, value in edge.stats().items():
            total[name] += value
    return total
