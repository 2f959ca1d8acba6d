"""The composition root: the one place that builds the store, formats, bus, edge, worker and
telemetry from settings. Entry points (API, CLI, listeners) call ``build``; nothing is built at import.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from revcycle.adapters.formats.registry import FormatRegistry, load_registry
from revcycle.adapters.metrics import PrometheusTelemetry
from revcycle.adapters.store.dead_letters import SqlDeadLetters
from revcycle.adapters.store.engine import make_engine
from revcycle.adapters.store.inbound_log import SqlInboundLog
from revcycle.adapters.store.message_queries import MessageQueries
from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.service_layer.edge import Edge
from revcycle.service_layer.group_commit import GroupCommitter
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.messagebus import MessageBus
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
    wakeup: threading.Event = field(default_factory=threading.Event)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)


def build(settings: Settings, *, migrate: bool = True) -> Container:
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    formats = load_registry()
    queries = MessageQueries(engine)
    telemetry = PrometheusTelemetry(backlog=queries.backlog)
    inbound_log = SqlInboundLog(engine)
    wakeup = threading.Event()
    committer = GroupCommitter(
        inbound_log.append_batch,
        max_batch=settings.group_commit_max,
        on_commit=wakeup.set,
        inline=engine.dialect.name == "sqlite",
    )
    edge = Edge(formats.identify, committer, max_bytes=settings.max_message_bytes, telemetry=telemetry)
    worker = Worker(
        lambda: SqlUnitOfWork(engine),
        formats,
        MessageBus(HANDLERS),
        telemetry=telemetry,
        batch=settings.worker_batch,
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
    )
