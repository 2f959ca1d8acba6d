"""The worker: reads the inbound log in order per partition, parses, maps and handles each message.

Two phases per batch keep the store's write lock short: the pure work (parse, map to commands) runs
outside any transaction; then one transaction applies every message's commands, each in its own
savepoint, so one bad message rolls back alone and never blocks the others. Transient failures are
retried with exponential backoff (and block only their own partition); permanent ones become dead
letters with a PHI-free reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError, OperationalError

from revcycle.adapters.formats.base import Envelope, FormatAdapter, FormatError
from revcycle.domain.commands import Command
from revcycle.domain.errors import DomainError
from revcycle.domain.findings import FindingType, Severity
from revcycle.service_layer.errors import PermanentError, ServiceError, TransientError
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.messagebus import MessageBus
from revcycle.service_layer.ports import MessageContext, PendingMessage, UnitOfWork
from revcycle.service_layer.quarantine import Admission

log = logging.getLogger(__name__)

# Programming errors in a handler must not wedge the log: they dead-letter the one message.
_HANDLER_BUGS = (LookupError, TypeError, ValueError, AttributeError, ArithmeticError)


class Formats(Protocol):
    def adapter(self, name: str) -> FormatAdapter: ...


class Telemetry(Protocol):
    def outcome(self, interface: str, message_type: str, outcome: str, seconds: float | None) -> None: ...


class WorkerUnitOfWork(UnitOfWork, AbstractContextManager["WorkerUnitOfWork"], Protocol):
    def commit(self) -> None: ...


class Gate(Protocol):
    """Decides, before any handler runs, which commands are held (``service_layer.quarantine``)."""

    def admit(
        self, uow: UnitOfWork, message_id: int, commands: Sequence[Command], ctx: MessageContext
    ) -> Admission: ...


@dataclass(slots=True)
class _Prepared:
    message: PendingMessage
    commands: Sequence[Command] = ()
    error: FormatError | None = None


class Worker:
    def __init__(
        self,
        uow_factory: Callable[[], WorkerUnitOfWork],
        formats: Formats,
        bus: MessageBus,
        *,
        telemetry: Telemetry | None = None,
        batch: int = 256,
        max_attempts: int = 5,
        retry_base: float = 1.0,
        write_budget: float = 0.05,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        gate: Gate | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.formats = formats
        self.bus = bus
        self.telemetry = telemetry
        self.batch = batch
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.write_budget = write_budget
        self.clock = clock
        self.gate = gate
        self._carry: list[_Prepared] = []

    def run_once(self) -> int:
        """Process one batch; returns how many messages it took (0 when the log is drained)."""
        prepared, self._carry = self._carry, []
        if not prepared:
            with self.uow_factory() as uow:
                pending = uow.messages.fetch_ready(self.clock(), self.batch)
            if not pending:
                return 0
            prepared = [self._prepare(message) for message in pending]
        held: set[str] = set()  # partitions with a message waiting for a retry in this batch
        applied = 0
        try:
            with self.uow_factory() as uow:
                # Hold the store's write lock briefly (SQLite has one writer; the edge appends too).
                # What does not fit in the budget is carried, parsed and in order, to the next round
                # (this worker is the log's only consumer, so nothing else can take it meanwhile).
                deadline = time.monotonic() + self.write_budget
                for item in prepared:
                    if applied and time.monotonic() > deadline:
                        break
                    applied += 1
                    partition = item.message.partition_key or f"#{item.message.id}"
                    if partition in held:
                        continue  # keeps its place behind the message that must be retried first
                    if self._apply(uow, item) == "retry":
                        held.add(partition)
                uow.commit()
        except (OperationalError, DBAPIError) as exc:  # the whole batch failed to commit: retry it later
            log.warning("batch of %d rolled back: %s", applied, type(exc).__name__)
            return 0
        self._carry = [
            item
            for item in prepared[applied:]
            if (item.message.partition_key or f"#{item.message.id}") not in held
        ]
        return applied

    @property
    def carrying(self) -> bool:
        """Messages already fetched and parsed wait for the next round (the write budget ran out)."""
        return bool(self._carry)

    def drain(self, max_batches: int = 1_000_000) -> int:
        """Process until nothing is ready (tests and ``revcycle ingest`` use this)."""
        total = 0
        for _ in range(max_batches):
            handled = self.run_once()
            if not handled:
                break
            total += handled
        return total

    def _prepare(self, message: PendingMessage) -> _Prepared:
        try:
            adapter = self.formats.adapter(message.format)
            envelope = Envelope(
                format=message.format,
                message_type=message.message_type,
                control_id=message.control_id,
                sender=message.sender,
                partition_key=message.partition_key,
            )
            parsed: Any = adapter.parse(message.raw)
            return _Prepared(message, tuple(adapter.to_commands(parsed, envelope)))
        except FormatError as error:
            return _Prepared(message, error=error)

    def _apply(self, uow: WorkerUnitOfWork, item: _Prepared) -> str:
        """Apply one message; returns "processed", "retry" or "dead"."""
        message = item.message
        now = self.clock()
        if item.error is not None:
            stage = "parse" if item.error.code in ("unreadable", "unknown_format") else "map"
            self._dead(uow, message, now, stage, item.error.code, str(item.error))
            return "dead"
        ctx = MessageContext(
            correlation_id=message.correlation_id,
            received_at=message.received_at,
            now=now,
            message_id=message.id,
            collision=message.collision,
        )
        outcome = "processed" if item.commands else "unmapped"
        try:
            with uow.savepoint():
                admitted = Admission(tuple(item.commands), held=False)
                if self.gate is not None:
                    admitted = self.gate.admit(uow, message.id, item.commands, ctx)
                if admitted.commands or not admitted.held:
                    self._handle(uow, item.message, admitted.commands, ctx, now)
                else:
                    outcome = "quarantined"  # every command held (``service_layer.quarantine``)
        except (TransientError, OperationalError) as error:
            return self._retry(uow, message, now, getattr(error, "code", "transient"), type(error).__name__)
        except DBAPIError as error:  # an integrity race between workers: worth one more try
            why = type(error.orig).__name__ if error.orig else "database"
            return self._retry(uow, message, now, "database", why)
        except (PermanentError, ServiceError, DomainError) as error:
            self._dead(uow, message, now, "handle", getattr(error, "code", "domain_error"), str(error))
            return "dead"
        except _HANDLER_BUGS as error:
            # The type only: a handler's exception text may quote message content.
            log.error("handler failed on message %d: %s", message.id, type(error).__name__)
            self._dead(
                uow, message, now, "handle", "internal_error", f"internal error ({type(error).__name__})"
            )
            return "dead"
        return self._observe(message, now, outcome)

    def _handle(
        self,
        uow: WorkerUnitOfWork,
        message: PendingMessage,
        commands: Sequence[Command],
        ctx: MessageContext,
        now: datetime,
    ) -> None:
        for command in commands:
            self.bus.handle(command, uow, ctx)
        if message.collision:
            raise_finding(
                uow,
                ctx,
                FindingType.CONTROL_ID_COLLISION,
                Severity.LOW,
                "message",
                message.id,
                f"message {message.id} reuses control id of an earlier, different message",
            )
        uow.messages.mark_processed(message.id, now, len(commands))

    def _observe(self, message: PendingMessage, now: datetime, outcome: str) -> str:
        if self.telemetry:
            latency = (now - message.received_at).total_seconds()
            self.telemetry.outcome(message.interface, message.message_type, outcome, latency)
        return "processed"

    def _retry(
        self, uow: WorkerUnitOfWork, message: PendingMessage, now: datetime, code: str, why: str
    ) -> str:
        attempts = message.attempts + 1
        if attempts >= self.max_attempts:
            self._dead(uow, message, now, "retry", code, f"gave up after {attempts} attempts: {why}")
            return "dead"
        delay = self.retry_base * (2 ** (attempts - 1))
        uow.messages.mark_failed(message.id, attempts, now + timedelta(seconds=delay), code, why)
        if self.telemetry:
            self.telemetry.outcome(message.interface, message.message_type, "failed", None)
        return "retry"

    def _dead(
        self,
        uow: WorkerUnitOfWork,
        message: PendingMessage,
        now: datetime,
        stage: str,
        code: str,
        reason: str,
    ) -> None:
        uow.messages.mark_dead(
            message.id, now, attempts=message.attempts + 1, stage=stage, code=code, reason=reason[:2000]
        )
        if self.telemetry:
            self.telemetry.outcome(message.interface, message.message_type, "dead", None)


def run_forever(
    worker: Worker,
    stop: Callable[[], bool],
    idle_wait: Callable[[float], Any],
    poll: float,
    tick: Callable[[], object] | None = None,
    linger: float = 0.0,
) -> None:
    """Loop until ``stop()``; sleep via ``idle_wait`` (an event's wait, so appends can wake it).

    ``tick`` (the periodic sweeps; they keep their own schedule) runs when the log is drained.
    ``linger``: after finding the log (nearly) empty, wait that long before the next batch, so that the
    messages arriving meanwhile share one transaction instead of one each (at a few hundred messages a
    second, one per transaction costs the worker and the edge's write lock several times more)."""
    while not stop():
        started = time.monotonic()
        handled = worker.run_once()
        if handled == 0:
            if tick is not None:
                tick()
            idle_wait(poll)
            if linger:
                time.sleep(linger)
        elif linger and not worker.carrying and handled < worker.batch:
            time.sleep(linger)
        elif time.monotonic() - started < 0.001:
            idle_wait(0)
