"""The composition root: the one place that builds the store, formats, bus, edge, worker and
telemetry from settings. Entry points (API, CLI, listeners) call ``build``; nothing is built at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from revcycle.adapters.formats.registry import FormatRegistry, load_registry
from revcycle.adapters.metrics import PrometheusTelemetry
from revcycle.adapters.store.dead_letters import SqlDeadLetters
from revcycle.adapters.store.engine import SharedWriteLock, WriteLock, make_engine
from revcycle.adapters.store.inbound_log import SqlInboundLog
from revcycle.adapters.store.message_queries import MessageQueries
from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.service_layer.edge import Edge
from revcycle.service_layer.group_commit import GroupCommitter
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.messagebus import MessageBus
from revcycle.service_layer.wakeup import Wakeup
from revcycle.service_layer.worker import Worker
from revcycle.settings import Settings


@dataclass
class Container:
    """Everything an entry point needs, wired once."""

    settings: Settings
    engine: Engine
    formats: FormatRegistry
    inbound_log: SqlInboundLog
    committer: GroupCommitter
    edge: Edge
    worker: Worker
    queries: MessageQueries
    dead_letters: SqlDeadLetters
    telemetry: PrometheusTelemetry
    wakeup: Wakeup = field(default_factory=Wakeup)
    shared_lock: SharedWriteLock | None = None


def build(
    settings: Settings,
    *,
    migrate: bool = True,
    shared_lock: SharedWriteLock | None = None,
    side: str = "edge",
) -> Container:
    """Wire everything from settings. ``shared_lock`` is the SQLite write lock shared with a worker
    process (made here when none is given); ``side`` says which process this is ("edge" or "worker")."""
    if shared_lock is None and settings.database_url.startswith("sqlite"):
        shared_lock = SharedWriteLock()
    write_lock: WriteLock | None = None
    if shared_lock is not None:
        write_lock = shared_lock.for_worker() if side == "worker" else shared_lock.for_edge()
    # The worker process's commits hold derived state only: a power loss that undoes the last of them
    # leaves their messages "accepted" in the log (state and marks commit together), so they are redone.
    # Only the log's appends, which the ACK promises, need the sync at every commit (engine.py).
    synchronous = "NORMAL" if side == "worker" else settings.sqlite_synchronous
    engine = make_engine(settings.database_url, write_lock=write_lock, synchronous=synchronous)
    if migrate:
        upgrade(engine)
    formats = load_registry()
    queries = MessageQueries(engine)
    telemetry = PrometheusTelemetry(backlog=queries.backlog)
    inbound_log = SqlInboundLog(engine)
    wakeup = Wakeup()
    committer = GroupCommitter(
        inbound_log.append_batch,
        max_batch=settings.group_commit_max,
        on_commit=wakeup.set,
        # Inline only when no worker shares the store's write lock (it could hold the loop up).
        inline=engine.dialect.name == "sqlite" and not settings.workers,
    )
    edge = Edge(formats.identify, committer, max_bytes=settings.max_message_bytes, telemetry=telemetry)
    worker = Worker(
        lambda: SqlUnitOfWork(engine),
        formats,
        MessageBus(HANDLERS),
        telemetry=telemetry,
        batch=settings.worker_batch,
        write_budget=settings.worker_write_budget,
        max_attempts=settings.max_attempts,
        retry_base=settings.retry_base_seconds,
    )
    return Container(
        settings=settings,
        engine=engine,
        formats=formats,
        inbound_log=inbound_log,
        committer=committer,
        edge=edge,
        worker=worker,
        queries=queries,
        dead_letters=SqlDeadLetters(engine, formats.identify),
        telemetry=telemetry,
        wakeup=wakeup,
        shared_lock=shared_lock,
    )
