"""More MLLP edge processes on the same port, so the edge is not held to one core by one interpreter lock.

``mllp_processes = N`` runs the server's own listener plus N - 1 processes like this one. Each binds the
MLLP port with ``SO_REUSEPORT`` (Linux, the BSDs), so the kernel spreads new connections over them, and
each runs the whole edge of its connections: framing, identification, its own group commit into the
same inbound log, the ACK after the durable commit (DESIGN.md, "Storage and scale": stateless edge
processes). They share the SQLite write lock with the server and the worker, and wake the worker
process after each commit. A connection stays with the process that accepted it, so its messages keep
their order. Their listener counters are summed into the server's, and their counters and histograms
(messages received, ACK latency) are reported to the server (``metrics.TelemetryReporter``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import socket
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess
from multiprocessing.sharedctypes import SynchronizedArray

from revcycle.adapters.metrics import Outbox, TelemetryReporter
from revcycle.adapters.mllp.listener import ListenerStats, MllpListener
from revcycle.adapters.store.engine import SharedWriteLock
from revcycle.bootstrap import build
from revcycle.entrypoints.cpu_affinity import pin_process
from revcycle.entrypoints.hl7 import Hl7Intake
from revcycle.entrypoints.process_signal import ProcessSignal
from revcycle.security.network import allow_list, server_tls
from revcycle.settings import Settings

log = logging.getLogger(__name__)

STAT_FIELDS = tuple(field.name for field in dataclasses.fields(ListenerStats))
_REPORT_SECONDS = 0.5


def reuse_port_available() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def mllp_listener(settings: Settings, intake: Hl7Intake, *, port: int, reuse_port: bool) -> MllpListener:
    """The MLLP listener as the settings describe it (the server's, and each edge process's)."""
    return MllpListener(
        intake.on_mllp,
        host=settings.mllp_host,
        port=port,
        interface="mllp",
        idle_timeout=settings.mllp_idle_timeout,
        max_frame=settings.max_message_bytes,
        on_frame_error=intake.on_frame_error,
        admit=allow_list(settings.mllp_allow),
        ssl_context=(
            server_tls(settings.mllp_tls_cert_file, settings.mllp_tls_key_file)
            if settings.mllp_tls_cert_file and settings.mllp_tls_key_file
            else None
        ),
        reuse_port=reuse_port,
    )


@dataclass(frozen=True)
class _Handles:
    """What an edge process shares with the server (passed once, at spawn)."""

    settings_json: str
    port: int
    shared_lock: SharedWriteLock | None
    wakeups: Sequence[ProcessSignal]
    stop: ProcessSignal
    ready: ProcessSignal
    counters: SynchronizedArray[int]
    parent: int
    outbox: Outbox
    source: str
    cpus: frozenset[int] | None = None  # cpu_affinity = split: off the server's CPU


def _publish(handles: _Handles, stats: ListenerStats) -> None:
    handles.counters[:] = [int(getattr(stats, name)) for name in STAT_FIELDS]


async def _serve(settings: Settings, handles: _Handles) -> None:
    container = build(settings, migrate=False, shared_lock=handles.shared_lock, side="edge")
    reporter = TelemetryReporter(container.telemetry, handles.outbox, handles.source)  # ACK latency, types
    for wakeup in handles.wakeups:
        container.wakeup.add(wakeup)
    listener = mllp_listener(settings, Hl7Intake(container.edge), port=handles.port, reuse_port=True)
    container.inbound_log.start()
    await container.committer.start()
    await listener.start()
    reporter.start()
    handles.ready.set()
    try:
        while not handles.stop.is_set() and os.getppid() == handles.parent:  # the server is gone (SIGKILL)
            _publish(handles, listener.stats)
            await asyncio.to_thread(handles.stop.wait, _REPORT_SECONDS)
    finally:
        await listener.close()  # in-flight messages are committed and acknowledged first
        await container.committer.close()
        _publish(handles, listener.stats)
        reporter.stop()
        container.inbound_log.close()
        container.engine.dispose()


def _main(handles: _Handles) -> None:
    settings = Settings.model_validate_json(handles.settings_json)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s edge: %(message)s")
    if handles.cpus:
        pin_process(handles.cpus, handles.source)
    runner: asyncio.Runner
    try:
        import uvloop  # the `fast` extra, as uvicorn uses it for the server's own loop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner, contextlib.suppress(KeyboardInterrupt):
        runner.run(_serve(settings, handles))


class EdgeProcess:
    """One more MLLP edge process on ``port`` (already bound by the server with ``SO_REUSEPORT``)."""

    def __init__(
        self,
        settings: Settings,
        port: int,
        shared_lock: SharedWriteLock | None,
        wakeups: Sequence[ProcessSignal],
        outbox: Outbox,
        number: int,
        cpus: Collection[int] | None = None,
    ) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads and a loop
        self.stop_event = ProcessSignal(context)
        self.ready = ProcessSignal(context)
        self.counters: SynchronizedArray[int] = context.Array("q", len(STAT_FIELDS))
        handles = _Handles(
            settings.model_dump_json(),
            port,
            shared_lock,
            list(wakeups),
            self.stop_event,
            self.ready,
            self.counters,
            os.getpid(),
            outbox,
            f"edge-{number}",
            frozenset(cpus) if cpus else None,
        )
        self.process: SpawnProcess = context.Process(
            target=_main, args=(handles,), name="revcycle-edge", daemon=True
        )

    def start(self, timeout: float = 60.0) -> None:
        self.process.start()
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.1):
            if not self.process.is_alive() or time.monotonic() > deadline:
                self.stop(5)
                raise RuntimeError("an MLLP edge process did not start (see its log)")

    def stats(self) -> dict[str, int]:
        return dict(zip(STAT_FIELDS, self.counters[:], strict=True))

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
