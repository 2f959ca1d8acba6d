"""The SQL unit of work: one connection, one transaction, every repository bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType

from sqlalchemy import Connection, Engine

from revcycle.adapters.codesets.reference import default_reference
from revcycle.adapters.store import inbound_log
from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.repositories.billing import SqlCharges, SqlClaims, SqlPayments
from revcycle.adapters.store.repositories.patient_ledger import SqlPatientLedger
from revcycle.adapters.store.repositories.people import SqlAppointments, SqlEncounters, SqlPatients
from revcycle.adapters.store.repositories.posting import SqlContracts, SqlPostings
from revcycle.adapters.store.repositories.quarantine import SqlMasterLoads, SqlQuarantine
from revcycle.adapters.store.repositories.work import SqlFindings, SqlMasterData, SqlOutbox
from revcycle.adapters.store.savepoints import DriverSavepoints
from revcycle.domain.rules.reference import Reference
from revcycle.service_layer import ports
from revcycle.service_layer.ports import PendingMessage


class SqlMessages:
    """The inbound log inside one unit of work. Processed marks are kept and written together, in one
    executemany, just before the commit (``flush``): a worker batch then pays one statement for all
    its marks instead of one each. A savepoint that rolls back drops the marks made inside it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.processed: list[tuple[int, datetime, int]] = []

    def fetch_ready(self, now: datetime, limit: int) -> list[PendingMessage]:
        return inbound_log.fetch_ready(self.conn, now, limit)

    def mark_processed(self, message_id: int, now: datetime, commands: int) -> None:
        self.processed.append((message_id, now, commands))

    def flush(self) -> None:
        marks, self.processed = self.processed, []
        inbound_log.mark_processed_many(self.conn, marks)

    def mark_failed(self, message_id: int, attempts: int, retry_at: datetime, code: str, reason: str) -> None:
        inbound_log.mark_failed(self.conn, message_id, attempts, retry_at, code, reason)

    def mark_dead(
        self, message_id: int, now: datetime, *, attempts: int, stage: str, code: str, reason: str
    ) -> None:
        inbound_log.mark_dead(
            self.conn, message_id, now, attempts=attempts, stage=stage, code=code, reason=reason
        )


class SqlUnitOfWork:
    """``with SqlUnitOfWork(engine) as uow: ...; uow.commit()``; leaving without commit rolls back."""

    messages: ports.Messages
    patients: ports.Patients
    encounters: ports.Encounters
    appointments: ports.Appointments
    charges: ports.Charges
    claims: ports.Claims
    payments: ports.Payments
    findings: ports.Findings
    master_data: ports.MasterData
    outbox: ports.Outbox
    master_loads: ports.MasterLoads
    quarantine: ports.Quarantine
    reference: Reference
    postings: ports.Postings
    contracts: ports.Contracts
    patient_ledger: ports.PatientLedger

    def __init__(self, engine: Engine, reference: Reference | None = None) -> None:
        self.engine = engine
        self.reference = reference if reference is not None else default_reference()

    def __enter__(self) -> SqlUnitOfWork:
        self.conn = for_writing(self.engine).connect()
        self.transaction = self.conn.begin()
        self._savepoints = DriverSavepoints(self.conn)
        self._messages = SqlMessages(self.conn)
        conn = self.conn
        self.messages = self._messages
        self.patients = SqlPatients(conn)
        self.encounters = SqlEncounters(conn)
        self.appointments = SqlAppointments(conn)
        self.charges = SqlCharges(conn)
        self.claims = SqlClaims(conn)
        self.payments = SqlPayments(conn)
        self.findings = SqlFindings(conn)
        self.master_data = SqlMasterData(conn)
        self.outbox = SqlOutbox(conn)
        self.master_loads = SqlMasterLoads(conn)
        self.quarantine = SqlQuarantine(conn)
        self.postings = SqlPostings(conn)
        self.contracts = SqlContracts(conn)
        self.patient_ledger = SqlPatientLedger(conn)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.transaction.is_active:
                self.transaction.rollback()
        finally:
            self.conn.close()

    def commit(self) -> None:
        self._messages.flush()
        self.transaction.commit()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: one message's changes roll back alone if its handler fails."""
        marks = len(self._messages.processed)
        with self._savepoints.point():
            try:
                yield
            except BaseException:
                del self._messages.processed[marks:]
                raise
