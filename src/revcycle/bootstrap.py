"""The composition root: the one place that builds the store, formats, bus, edge, worker and
telemetry from settings. Entry points (API, CLI, listeners) call ``build``; nothing is built at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from revcycle.adapters.codesets.carc import LazyReasonCodes
from revcycle.adapters.codesets.reference import build_reference
from revcycle.adapters.erp import gl_file
from revcycle.adapters.erp.registry import make_gateway
from revcycle.adapters.formats.registry import FormatRegistry, load_registry
from revcycle.adapters.metrics import PrometheusTelemetry
from revcycle.adapters.store.accounts import AuthPolicy, SqlAccounts
from revcycle.adapters.store.alert_reads import SqlAlertReads
from revcycle.adapters.store.alert_store import SqlAlertStore
from revcycle.adapters.store.audit_log import SqlAuditLog
from revcycle.adapters.store.dead_letters import SqlDeadLetters
from revcycle.adapters.store.encrypted import install_key_ring
from revcycle.adapters.store.engine import SharedWriteLock, WalSync, WriteLock, make_engine, sqlite_file
from revcycle.adapters.store.erp_ledger import SqlLedgerSession
from revcycle.adapters.store.erp_outbox import SqlPostingOutbox
from revcycle.adapters.store.inbound_log import SqlInboundLog
from revcycle.adapters.store.message_queries import MessageQueries
from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.rollups import RollupRefresher
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.adapters.store.wal_checkpoint import WalCheckpointer
from revcycle.domain.commands import Command
from revcycle.domain.gl_mapping import GlMapping
from revcycle.domain.journal_posting import SummaryLevel
from revcycle.security.phi_crypto import KeyRing, default_key_file, load_key_ring
from revcycle.service_layer.alerts.service import AlertService
from revcycle.service_layer.edge import Edge
from revcycle.service_layer.erp_ports import ErpGateway
from revcycle.service_layer.erp_poster import ErpPoster
from revcycle.service_layer.group_commit import GroupCommitter
from revcycle.service_layer.handlers import HANDLERS, remittances
from revcycle.service_layer.handlers.remittances import PostingPolicy
from revcycle.service_layer.journal_builder import JournalBuilder
from revcycle.service_layer.messagebus import Handler, MessageBus
from revcycle.service_layer.quarantine import QuarantineGate, quarantine_kinds
from revcycle.service_layer.sweeps import Sweeper
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
    accounts: SqlAccounts
    audit: SqlAuditLog
    alerts: SqlAlertStore
    wakeup: Wakeup = field(default_factory=Wakeup)
    shared_lock: SharedWriteLock | None = None
    sweeper: Sweeper | None = None


def posting_handlers(settings: Settings) -> Mapping[type[Command], Handler]:
    """Remittance posting bound to the settings' tolerance and the CARC / RARC meanings (read lazily)."""
    policy = PostingPolicy(settings.underpayment_tolerance, LazyReasonCodes())
    return remittances.configured(policy)


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
    key_ring = phi_key_ring(settings)
    install_key_ring(engine, key_ring)
    if migrate:
        upgrade(engine)
    formats = load_registry()
    queries = MessageQueries(engine)
    telemetry = PrometheusTelemetry(backlog=queries.backlog)
    inbound_log = inbound_log_on(settings, engine, write_lock, key_ring)
    wakeup = Wakeup()
    committer = GroupCommitter(
        inbound_log.commit_batch,
        sync=inbound_log.make_durable if inbound_log.sync is not None else None,
        max_batch=settings.group_commit_max,
        on_commit=wakeup.set,
        telemetry=telemetry,
    )
    edge = Edge(formats.identify, committer, max_bytes=settings.max_message_bytes, telemetry=telemetry)
    reference = build_reference(
        codesets_dir=settings.codesets_dir,
        mue_file=settings.rule_mue_file,
        ptp_file=settings.rule_ptp_file,
        sex_age_file=settings.rule_sex_age_file,
        chargemaster_file=settings.chargemaster_file,
        missing_charge_hours=settings.rule_missing_charge_hours,
        timely_filing_margin_days=settings.rule_timely_filing_margin_days,
    )
    worker = Worker(
        lambda: SqlUnitOfWork(engine, reference),
        formats,
        MessageBus({**HANDLERS, **posting_handlers(settings)}),
        telemetry=telemetry,
        batch=settings.worker_batch,
        write_budget=settings.worker_write_budget,
        max_attempts=settings.max_attempts,
        retry_base=settings.retry_base_seconds,
        gate=QuarantineGate(quarantine_kinds(settings.quarantine_without_contract))
        if settings.quarantine_unmapped
        else None,
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
        accounts=SqlAccounts(engine, policy=auth_policy(settings)),
        audit=SqlAuditLog(engine, key=key_ring.derived_key("audit-chain")),
        alerts=SqlAlertStore(engine),
        wakeup=wakeup,
        shared_lock=shared_lock,
        sweeper=Sweeper(
            lambda: SqlUnitOfWork(engine, reference),
            interval=settings.sweep_interval_seconds,
            rollups=RollupRefresher(engine).refresh,  # the console's daily rollups, every 30 s
        ),
    )


def inbound_log_on(
    settings: Settings, engine: Engine, write_lock: WriteLock | None, key_ring: KeyRing
) -> SqlInboundLog:
    """The inbound log. On a SQLite file with ``synchronous=FULL`` the appends go through an engine of
    their own that commits without syncing and then syncs the WAL outside the write lock (``WalSync``):
    as durable as FULL, but the worker's transactions no longer wait for the disk behind the edge's. Its
    WAL checkpoints run on a thread of their own, not in the group commit (``WalCheckpointer``)."""
    database = sqlite_file(settings.database_url)
    if database is None or settings.sqlite_synchronous != "FULL":
        return SqlInboundLog(engine)
    log_engine = make_engine(
        settings.database_url, write_lock=write_lock, synchronous="NORMAL", auto_checkpoint=False
    )
    install_key_ring(log_engine, key_ring)
    return SqlInboundLog(log_engine, sync=WalSync(database), checkpointer=WalCheckpointer(database))


@dataclass
class ErpParts:
    """ERP posting, wired from settings: the journal builder, the outbox the poster relays, the poster."""

    builder: JournalBuilder
    outbox: SqlPostingOutbox
    poster: ErpPoster


def build_erp(settings: Settings, engine: Engine, gateway: ErpGateway | None = None) -> ErpParts:
    """Raises GlMappingError for an invalid GL mapping file, ErpConfigError for unusable ERP settings.
    Without a mapping file every transaction is quarantined (nothing is posted unmapped)."""
    mapping = gl_file.load(settings.erp_gl_mapping) if settings.erp_gl_mapping else GlMapping(())
    builder = JournalBuilder(
        lambda: SqlLedgerSession(engine),
        mapping,
        level=SummaryLevel(settings.erp_summary_level),
        open_from=settings.erp_open_from,
    )
    outbox = SqlPostingOutbox(engine)
    poster = ErpPoster(
        outbox,
        gateway or make_gateway(settings),
        batch=settings.erp_batch,
        max_attempts=settings.erp_max_attempts,
        retry_base=settings.erp_retry_base_seconds,
        retry_max=settings.erp_retry_max_seconds,
        lease_seconds=settings.erp_lease_seconds,
    )
    return ErpParts(builder, outbox, poster)


def auth_policy(settings: Settings) -> AuthPolicy:
    return AuthPolicy(
        lockout_threshold=settings.lockout_threshold,
        lockout=timedelta(minutes=settings.lockout_minutes),
        session_idle=timedelta(minutes=settings.session_idle_minutes),
        session_max=timedelta(hours=settings.session_max_hours),
    )


def phi_key_file(settings: Settings) -> Path:
    return settings.phi_key_file or default_key_file(settings.data_dir)


def store_engine(settings: Settings) -> Engine:
    """An engine on the settings' store with the PHI key ring installed, for entry points that work on
    the store without the whole container (``db upgrade``, the ERP and reconciliation commands)."""
    engine = make_engine(settings.database_url)
    install_key_ring(engine, phi_key_ring(settings))
    return engine


def phi_key_ring(settings: Settings) -> KeyRing:
    """The PHI key ring: ``$REVCYCLE_PHI_KEY``, else the key file (created on first use)."""
    return load_key_ring(phi_key_file(settings))


def build_alerting(container: Container) -> AlertService:
    """The alert rules, channels and their thread (raises AlertConfigError for an invalid rules file)."""
    settings = container.settings
    return AlertService(
        SqlAlertReads(container.engine),
        container.alerts,
        container.alerts,
        settings.alert_rules,
        poll_seconds=settings.alert_poll_seconds,
        link_base=settings.public_url,
    )
