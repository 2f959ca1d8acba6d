"""The ports the handlers depend on: small Protocols the store adapters (and the unit tests' fakes)
implement. Handlers see canonical objects only, never rows or SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from revcycle.domain.charges import Charge
from revcycle.domain.claims import Claim, Transition
from revcycle.domain.findings import Finding
from revcycle.domain.master_data import Contract, Effective
from revcycle.domain.master_loads import LoadReport, VersionChange
from revcycle.domain.master_refs import MasterRef
from revcycle.domain.patient_balance import ClaimShare, Credit, ReceivedPayment
from revcycle.domain.patients import Coverage, Patient
from revcycle.domain.posting import LineMatch, PostingTotals, Underpayment
from revcycle.domain.remittances import ClaimPayment, Remittance
from revcycle.domain.rules.reference import Reference
from revcycle.domain.visits import Appointment, Encounter


@dataclass(frozen=True, slots=True)
class MessageContext:
    """Where a command came from: every object it creates carries this correlation id."""

    correlation_id: str
    received_at: datetime
    now: datetime
    message_id: int | None = None
    collision: bool = False
    actor: str | None = None


class Patients(Protocol):
    def get(self, key: str) -> Patient | None: ...
    def coverages(self, key: str) -> tuple[Coverage, ...]: ...
    def save(self, patient: Patient, coverages: tuple[Coverage, ...] | None, ctx: MessageContext) -> None: ...
    def merge(self, prior_key: str, into_key: str, ctx: MessageContext) -> None: ...


class Encounters(Protocol):
    def get(self, patient_key: str, visit_number: str) -> Encounter | None: ...
    def save(self, encounter: Encounter, ctx: MessageContext) -> None: ...
    def unbilled(self, ended_before: datetime, limit: int) -> list[Encounter]:
        """Visits discharged (or, outpatient, begun) before ``ended_before`` with no charge line for
        their visit number and no missing-charge finding yet (the missing-charge sweep)."""
        ...

    def latest_activity(self) -> datetime | None:
        """The newest admission or discharge time held: how far the feeds' own clock has got."""
        ...


class Appointments(Protocol):
    def get(self, appointment_id: str) -> Appointment | None: ...
    def save(self, appointment: Appointment, ctx: MessageContext) -> None: ...


class Charges(Protocol):
    def add(self, charge: Charge, ctx: MessageContext) -> int: ...
    def same_service(self, charge: Charge) -> list[int]: ...
    def of_visit(self, patient_key: str, visit_number: str) -> list[Charge]: ...


@dataclass(frozen=True, slots=True)
class StoredClaim:
    id: int
    claim: Claim


@dataclass(frozen=True, slots=True)
class ClaimEventRecord:
    """One row for a claim's timeline, as ``Claims.record`` takes it (written in bulk by ``record_many``)."""

    claim_id: int
    kind: str
    transition: Transition | None = None
    detail: dict[str, Any] | None = None


class Claims(Protocol):
    def by_control_number(self, patient_control_number: str) -> list[StoredClaim]: ...
    def by_control_numbers(self, patient_control_numbers: Sequence[str]) -> dict[str, list[StoredClaim]]:
        """``by_control_number`` for several control numbers at once (absent ones have no entry)."""
        ...

    def by_transaction(
        self, group_control_number: str, transaction_control_number: str | None
    ) -> list[StoredClaim]: ...
    def add(
        self, claim: Claim, ctx: MessageContext, *, group_control: str | None, transaction_control: str | None
    ) -> int: ...
    def save(self, stored: StoredClaim, ctx: MessageContext) -> None: ...
    def save_many(self, stored: Sequence[StoredClaim], ctx: MessageContext) -> None:
        """``save`` of each, in one round trip."""
        ...

    def record(
        self,
        claim_id: int,
        kind: str,
        ctx: MessageContext,
        *,
        transition: Transition | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None: ...
    def record_many(self, events: Sequence[ClaimEventRecord], ctx: MessageContext) -> None:
        """``record`` of each, in this order, in one round trip."""
        ...

    def apply_payment(self, claim_id: int, payment: ClaimPayment) -> None: ...
    def apply_payments(self, payments: Sequence[tuple[int, ClaimPayment]]) -> None:
        """``apply_payment`` of each (claim id, payment), in one round trip."""
        ...

    def same_content(self, claim: Claim) -> list[StoredClaim]:
        """Stored claims whose content (``rules.duplicates.claim_content``) equals this claim's."""
        ...

    def attach_transaction(
        self, claim_id: int, group_control: str | None, transaction_control: str | None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class NewClaimPayment:
    """A claim payment to record: the CLP, the claim it matched (None: unmatched) and its dedup key."""

    payment: ClaimPayment
    claim_id: int | None
    dedup_key: str


class Payments(Protocol):
    def exists(self, dedup_key: str) -> bool: ...
    def existing(self, dedup_keys: Sequence[str]) -> set[str]:
        """Which of these dedup keys a recorded payment already holds."""
        ...

    def add(
        self,
        payment: ClaimPayment,
        remittance: Remittance,
        claim_id: int | None,
        dedup_key: str,
        source: str,
        ctx: MessageContext,
    ) -> int: ...
    def add_many(
        self, payments: Sequence[NewClaimPayment], remittance: Remittance, source: str, ctx: MessageContext
    ) -> list[int]:
        """``add`` of each (their dedup keys are distinct), in this order; their ids, in the same order."""
        ...


@dataclass(frozen=True, slots=True)
class LinePosting:
    """One 835 service line as posted: the claim line it paid (and how it was found), its totals, and
    the contract's expected allowed amount when one applies."""

    match: LineMatch
    totals: PostingTotals
    allowed: Decimal
    expected: Decimal | None = None
    underpayment: Underpayment | None = None


@dataclass(frozen=True, slots=True)
class ManualEntry:
    """Who keyed a paper remittance in, when, and from what (paper EOB, lockbox, payer portal)."""

    entered_by: str
    entered_at: datetime
    source: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class NewPosting:
    """What one claim payment posts (``Postings.add``'s arguments)."""

    payment_id: int
    claim_id: int | None
    totals: PostingTotals
    lines: tuple[LinePosting, ...]


class Postings(Protocol):
    """What remittance posting writes beside the claim payment row, and the claim totals it sums."""

    def add(
        self,
        payment_id: int,
        claim_id: int | None,
        totals: PostingTotals,
        lines: tuple[LinePosting, ...],
        ctx: MessageContext,
    ) -> None: ...
    def add_many(self, postings: Sequence[NewPosting], ctx: MessageContext) -> None:
        """``add`` of each, in this order, in a few round trips."""
        ...

    def claim_totals(self, claim_id: int) -> PostingTotals: ...
    def claim_totals_many(self, claim_ids: Sequence[int]) -> dict[int, PostingTotals]:
        """``claim_totals`` of each claim that has postings (absent: nothing posted)."""
        ...

    def add_manual_entry(self, trace_number: str, entry: ManualEntry, ctx: MessageContext) -> None: ...


@dataclass(frozen=True, slots=True)
class HeldCredit:
    """A patient payment not wholly applied (``unapplied`` != 0), with whom and what visit it names."""

    payment_id: int
    patient_key: str | None
    claim_reference: str | None
    unapplied: Decimal


class PatientLedger(Protocol):
    """Patient payments and their applications to claims (``domain.patient_balance``)."""

    def exists(self, dedup_key: str) -> bool: ...
    def patient_of_account(self, account: str) -> str | None:
        """The patient key of a billing account (PID-18), if a patient holds it."""
        ...

    def shares(self, patient_key: str | None, patient_control_numbers: Sequence[str]) -> list[ClaimShare]:
        """Every claim of the patient's visits: the patient's claims and the claims of the named
        control numbers, with every claim sharing a control number with one of them."""
        ...

    def credits(self, patient_key: str | None, patient_control_numbers: Sequence[str]) -> list[Credit]:
        """The patient's payments (and payments naming those control numbers) not wholly applied."""
        ...

    def held_credits(
        self, patient_keys: Sequence[str], patient_control_numbers: Sequence[str]
    ) -> list[HeldCredit]:
        """``credits`` of any of these patients or naming any of these control numbers, in one read."""
        ...

    def applied_to(self, claim_ids: Sequence[int]) -> dict[int, Decimal]:
        """What patient payments applied to each of these claims (absent: nothing)."""
        ...

    def add(self, payment: ReceivedPayment, dedup_key: str | None, ctx: MessageContext) -> int: ...
    def apply(
        self, payment_id: int, claim_id: int, amount: Decimal, kind: str, ctx: MessageContext
    ) -> None: ...


class Contracts(Protocol):
    """Payer contracts from the master data, effective-dated."""

    def for_payer(self, payer_id: str, on: date | None) -> Contract | None: ...


class Findings(Protocol):
    def raise_finding(self, finding: Finding, ctx: MessageContext) -> None: ...


class MasterData(Protocol):
    def upsert(
        self,
        kind: str,
        code: str,
        start: date | None,
        end: date | None,
        data: dict[str, Any],
        ctx: MessageContext,
    ) -> VersionChange: ...
    def find(self, kind: str, code: str, on: date | None) -> dict[str, Any] | None: ...
    def maintained(self, kind: str) -> bool: ...
    def periods(self, kind: str, code: str) -> list[Effective]: ...
    def contract_periods(self, payer_id: str) -> list[Effective]: ...

    def valid_on(self, kind: str, on: date | None) -> list[dict[str, Any]]:
        """Every record of a kind valid on a date (e.g. a payer's contracts for the fee schedule)."""
        ...


class MasterLoads(Protocol):
    """The change reports of master-data loads."""

    def record(self, report: LoadReport, ctx: MessageContext) -> int: ...


class Quarantine(Protocol):
    """Messages held because they reference master data not (yet) known."""

    def hold(self, message_id: int, refs: Sequence[MasterRef], ctx: MessageContext) -> None: ...
    def held_for(self, kind: str, codes: Sequence[str]) -> list[MasterRef]: ...
    def held_commands(self, message_id: int) -> frozenset[int]: ...
    def replayed(self, message_id: int, indices: Sequence[int], ctx: MessageContext) -> None: ...
    def release(self, refs: Sequence[MasterRef], ctx: MessageContext) -> list[int]: ...


class Outbox(Protocol):
    def add(self, topic: str, key: str, payload: dict[str, Any], ctx: MessageContext) -> None: ...


@dataclass(frozen=True, slots=True)
class PendingMessage:
    """An inbound-log entry waiting to be processed."""

    id: int
    correlation_id: str
    interface: str
    format: str
    message_type: str
    control_id: str | None
    sender: str | None
    partition_key: str | None
    received_at: datetime
    attempts: int
    collision: bool
    raw: bytes


class Messages(Protocol):
    """The inbound log as the worker sees it."""

    def fetch_ready(self, now: datetime, limit: int) -> list[PendingMessage]: ...
    def mark_processed(self, message_id: int, now: datetime, commands: int) -> None: ...
    def mark_failed(
        self, message_id: int, attempts: int, retry_at: datetime, code: str, reason: str
    ) -> None: ...
    def mark_dead(
        self, message_id: int, now: datetime, *, attempts: int, stage: str, code: str, reason: str
    ) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: handlers' state changes, findings and outbox rows commit together."""

    messages: Messages

    patients: Patients
    encounters: Encounters
    appointments: Appointments
    charges: Charges
    claims: Claims
    payments: Payments
    findings: Findings
    master_data: MasterData
    outbox: Outbox
    master_loads: MasterLoads
    quarantine: Quarantine
    reference: Reference  # code sets, edit tables, chargemaster, thresholds (read-only, shared)
    postings: Postings
    contracts: Contracts
    patient_ledger: PatientLedger

    def savepoint(self) -> AbstractContextManager[None]: ...
