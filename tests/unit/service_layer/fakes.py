"""In-memory fakes of every port in ``revcycle.service_layer.ports``.

They mirror the SQL repositories (``revcycle.adapters.store.repositories``) where it matters to the
handlers:

* objects are copied on the way in and on the way out, as the SQL store serialises them to JSON: a
  handler that mutates what it read and forgets to ``save`` it changes nothing;
* patients, encounters and appointments are upserted by natural key; ``Patients.save`` with
  ``coverages=None`` keeps the stored coverages (an empty tuple on insert); ``merge`` moves the prior
  patient's visits and appointments to the surviving key;
* ``Charges.same_service`` compares ``Charge.identity()`` and the charge type, in insertion order;
* claims are listed in insertion order; ``claim_key`` (control number | payer rank | correlation id)
  is unique; ``apply_payment`` adds to the claim's running totals; ``record`` appends to the timeline;
* findings are upserted by ``key``: the same key again bumps ``occurrences``;
* master data is one row per (kind, code, effective start); ``find`` returns the version covering the
  date, the latest start first (an open start counts as the earliest);
* the outbox ignores a key it already holds.

``FakeUnitOfWork.savepoint()`` snapshots every repository and restores it when the block raises;
``commit()`` sets ``committed``; leaving ``with FakeUnitOfWork()`` without committing rolls back, as
``SqlUnitOfWork`` does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from revcycle.adapters.codesets.reference import default_reference
from revcycle.domain.charges import Charge
from revcycle.domain.claims import Claim, ClaimStatus, Transition
from revcycle.domain.findings import Finding, FindingStatus, FindingType
from revcycle.domain.master_data import Contract, Effective, version_on
from revcycle.domain.master_loads import LoadReport, Outcome, VersionChange, changed_fields
from revcycle.domain.master_refs import MasterRef
from revcycle.domain.money import ZERO
from revcycle.domain.patient_balance import ClaimShare, Credit, ReceivedPayment
from revcycle.domain.patients import Coverage, Patient
from revcycle.domain.posting import PostingTotals
from revcycle.domain.remittances import AdjustmentGroup, ClaimPayment, Remittance
from revcycle.domain.rules.duplicates import claim_content
from revcycle.domain.rules.missing_codes import ENDS_ON_ITS_DAY
from revcycle.domain.rules.reference import Reference
from revcycle.domain.visits import Appointment, Encounter, EncounterStatus
from revcycle.service_layer import ports
from revcycle.service_layer.ports import (
    ClaimEventRecord,
    HeldCredit,
    LinePosting,
    ManualEntry,
    MessageContext,
    NewClaimPayment,
    NewPosting,
    PendingMessage,
    StoredClaim,
)

if TYPE_CHECKING:  # the worker module imports SQLAlchemy: keep it out of the fast tests' imports
    from revcycle.service_layer.worker import WorkerUnitOfWork

T = TypeVar("T")


def _copy(value: T) -> T:
    return copy.deepcopy(value)


def _as_json(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return result


class FakeIntegrityError(Exception):
    """What a unique constraint of the SQL schema would have raised."""


class _Repository:
    """A fake whose state lives in the attributes named by ``_state`` (snapshotted by savepoints)."""

    _state: tuple[str, ...] = ()

    def snapshot(self) -> dict[str, Any]:
        return {name: copy.deepcopy(getattr(self, name)) for name in self._state}

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, copy.deepcopy(value))  # the snapshot stays reusable


# -- patients, encounters, appointments --------------------------------------------------------------


@dataclass(slots=True)
class PatientRow:
    patient: Patient
    coverages: tuple[Coverage, ...]
    correlation_id: str
    updated_at: datetime
    merged_into: str | None = None


@dataclass(slots=True)
class EncounterRow:
    encounter: Encounter
    correlation_id: str
    updated_at: datetime


@dataclass(slots=True)
class AppointmentRow:
    appointment: Appointment
    correlation_id: str
    updated_at: datetime


class FakeEncounters(_Repository):
    _state = ("rows",)

    def __init__(
        self,
        charges_of: Callable[[], list[Charge]] = list,
        flagged_keys: Callable[[], set[str]] = set,
    ) -> None:
        self.rows: dict[tuple[str, str], EncounterRow] = {}
        self.charges_of = charges_of
        self.flagged_keys = flagged_keys

    def get(self, patient_key: str, visit_number: str) -> Encounter | None:
        row = self.rows.get((patient_key, visit_number))
        return None if row is None else _copy(row.encounter)

    def save(self, encounter: Encounter, ctx: MessageContext) -> None:
        key = (encounter.patient_key, encounter.visit_number)
        self.rows[key] = EncounterRow(_copy(encounter), ctx.correlation_id, ctx.now)

    def latest_activity(self) -> datetime | None:
        moments = [
            m
            for row in self.rows.values()
            for m in (row.encounter.admitted_at, row.encounter.discharged_at)
            if m
        ]
        return max(moments) if moments else None

    def unbilled(self, ended_before: datetime, limit: int) -> list[Encounter]:
        """Mirrors ``SqlEncounters.unbilled``: ended (discharged, or an outpatient-type visit begun)
        before the cut-off, no charge line for the visit, no missing-charge finding yet."""
        billed = {c.visit_number for c in self.charges_of()}
        flagged = self.flagged_keys()
        found = []
        for row in self.rows.values():
            e = row.encounter
            if e.status is EncounterStatus.DISCHARGED:
                ended = e.discharged_at or e.admitted_at
            elif e.status is EncounterStatus.IN_PROGRESS and e.patient_class in ENDS_ON_ITS_DAY:
                ended = e.admitted_at
            else:
                continue
            if ended is None or ended >= ended_before or e.visit_number in billed:
                continue
            if f"missing_charge:encounter:{e.visit_number}" in flagged:
                continue
            found.append(_copy(e))
        return found[:limit]

    def move_patient(self, prior_key: str, into_key: str) -> None:
        for key in [k for k in self.rows if k[0] == prior_key]:
            target = (into_key, key[1])
            if target in self.rows:
                raise FakeIntegrityError(f"encounters: duplicate (patient_key, visit_number) {key[1]}")
            row = self.rows.pop(key)
            row.encounter.patient_key = into_key
            self.rows[target] = row

    # -- test helpers
    def all(self) -> list[Encounter]:
        return [_copy(row.encounter) for row in self.rows.values()]

    def of_patient(self, patient_key: str) -> list[Encounter]:
        return [e for e in self.all() if e.patient_key == patient_key]


class FakeAppointments(_Repository):
    _state = ("rows",)

    def __init__(self) -> None:
        self.rows: dict[str, AppointmentRow] = {}

    def get(self, appointment_id: str) -> Appointment | None:
        row = self.rows.get(appointment_id)
        return None if row is None else _copy(row.appointment)

    def save(self, appointment: Appointment, ctx: MessageContext) -> None:
        self.rows[appointment.appointment_id] = AppointmentRow(
            _copy(appointment), ctx.correlation_id, ctx.now
        )

    def move_patient(self, prior_key: str, into_key: str) -> None:
        for row in self.rows.values():
            if row.appointment.patient_key == prior_key:
                row.appointment.patient_key = into_key

    # -- test helpers
    def all(self) -> list[Appointment]:
        return [_copy(row.appointment) for row in self.rows.values()]


class FakePatients(_Repository):
    _state = ("rows",)

    def __init__(self, encounters: FakeEncounters, appointments: FakeAppointments) -> None:
        self.rows: dict[str, PatientRow] = {}
        self._encounters = encounters
        self._appointments = appointments

    def get(self, key: str) -> Patient | None:
        row = self.rows.get(key)
        return None if row is None else _copy(row.patient)

    def coverages(self, key: str) -> tuple[Coverage, ...]:
        row = self.rows.get(key)
        return () if row is None else _copy(row.coverages)

    def save(self, patient: Patient, coverages: tuple[Coverage, ...] | None, ctx: MessageContext) -> None:
        row = self.rows.get(patient.key)
        if row is None:
            self.rows[patient.key] = PatientRow(
                _copy(patient), _copy(coverages or ()), ctx.correlation_id, ctx.now
            )
            return
        row.patient = _copy(patient)
        if coverages is not None:
            row.coverages = _copy(coverages)
        row.correlation_id = ctx.correlation_id
        row.updated_at = ctx.now

    def merge(self, prior_key: str, into_key: str, ctx: MessageContext) -> None:
        row = self.rows.get(prior_key)
        if row is not None:
            row.merged_into = into_key
            row.correlation_id = ctx.correlation_id
            row.updated_at = ctx.now
        self._encounters.move_patient(prior_key, into_key)
        self._appointments.move_patient(prior_key, into_key)

    # -- test helpers
    def merged_into(self, key: str) -> str | None:
        row = self.rows.get(key)
        return None if row is None else row.merged_into


# -- charges, claims, payments -----------------------------------------------------------------------


@dataclass(slots=True)
class ChargeRow:
    id: int
    charge: Charge
    message_id: int | None
    correlation_id: str


class FakeCharges(_Repository):
    _state = ("rows",)

    def __init__(self) -> None:
        self.rows: list[ChargeRow] = []

    def add(self, charge: Charge, ctx: MessageContext) -> int:
        charge_id = len(self.rows) + 1
        self.rows.append(ChargeRow(charge_id, _copy(charge), ctx.message_id, ctx.correlation_id))
        return charge_id

    def same_service(self, charge: Charge) -> list[int]:
        identity = charge.identity()
        return [
            row.id
            for row in self.rows
            if row.charge.identity() == identity and row.charge.charge_type is charge.charge_type
        ]

    def of_visit(self, patient_key: str, visit_number: str) -> list[Charge]:
        return [
            _copy(row.charge)
            for row in self.rows
            if row.charge.patient_key == patient_key and row.charge.visit_number == visit_number
        ]

    # -- test helpers
    def all(self) -> list[Charge]:
        return [_copy(row.charge) for row in self.rows]


@dataclass(frozen=True, slots=True)
class ClaimEvent:
    """One row of a claim's timeline (``claim_events``)."""

    claim_id: int
    kind: str
    at: datetime
    from_status: ClaimStatus | None
    to_status: ClaimStatus | None
    message_id: int | None
    correlation_id: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ClaimTotals:
    paid: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    contractual: Decimal = ZERO


@dataclass(slots=True)
class ClaimRow:
    id: int
    claim: Claim
    claim_key: str
    group_control: str | None
    transaction_control: str | None
    correlation_id: str
    created_at: datetime
    updated_at: datetime
    totals: ClaimTotals = field(default_factory=ClaimTotals)


class FakeClaims(_Repository):
    _state = ("rows", "events")

    def same_content(self, claim: Claim) -> list[StoredClaim]:
        content = claim_content(claim)
        return [
            StoredClaim(row.id, _copy(row.claim))
            for row in sorted(self.rows.values(), key=lambda r: r.id)
            if claim_content(row.claim) == content
        ]

    def __init__(self) -> None:
        self.rows: dict[int, ClaimRow] = {}
        self.events: list[ClaimEvent] = []

    def by_control_number(self, patient_control_number: str) -> list[StoredClaim]:
        return [
            StoredClaim(row.id, _copy(row.claim))
            for row in sorted(self.rows.values(), key=lambda r: r.id)
            if row.claim.patient_control_number == patient_control_number
        ]

    def by_control_numbers(self, patient_control_numbers: Sequence[str]) -> dict[str, list[StoredClaim]]:
        found = {pcn: self.by_control_number(pcn) for pcn in patient_control_numbers}
        return {pcn: claims for pcn, claims in found.items() if claims}

    def by_transaction(
        self, group_control_number: str, transaction_control_number: str | None
    ) -> list[StoredClaim]:
        return [
            StoredClaim(row.id, _copy(row.claim))
            for row in sorted(self.rows.values(), key=lambda r: r.id)
            if row.group_control == group_control_number
            and (transaction_control_number is None or row.transaction_control == transaction_control_number)
        ]

    def add(
        self, claim: Claim, ctx: MessageContext, *, group_control: str | None, transaction_control: str | None
    ) -> int:
        claim_key = f"{claim.patient_control_number}|{claim.payer_rank}|{ctx.correlation_id}"
        if any(row.claim_key == claim_key for row in self.rows.values()):
            raise FakeIntegrityError(f"claims.claim_key {claim_key!r} already exists")
        claim_id = max(self.rows, default=0) + 1
        self.rows[claim_id] = ClaimRow(
            claim_id,
            _copy(claim),
            claim_key,
            group_control,
            transaction_control,
            ctx.correlation_id,
            ctx.now,
            ctx.now,
        )
        return claim_id

    def save(self, stored: StoredClaim, ctx: MessageContext) -> None:
        row = self.rows.get(stored.id)
        if row is None:  # an UPDATE of no row
            return
        row.claim = _copy(stored.claim)
        row.correlation_id = ctx.correlation_id
        row.updated_at = ctx.now

    def save_many(self, stored: Sequence[StoredClaim], ctx: MessageContext) -> None:
        for one in stored:
            self.save(one, ctx)

    def record(
        self,
        claim_id: int,
        kind: str,
        ctx: MessageContext,
        *,
        transition: Transition | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.events.append(
            ClaimEvent(
                claim_id=claim_id,
                kind=kind,
                at=ctx.now,
                from_status=transition.source if transition else None,
                to_status=transition.target if transition else None,
                message_id=ctx.message_id,
                correlation_id=ctx.correlation_id,
                detail=_copy(detail or {}),
            )
        )

    def record_many(self, events: Sequence[ClaimEventRecord], ctx: MessageContext) -> None:
        for event in events:
            self.record(event.claim_id, event.kind, ctx, transition=event.transition, detail=event.detail)

    def attach_transaction(
        self, claim_id: int, group_control: str | None, transaction_control: str | None
    ) -> None:
        row = self.rows.get(claim_id)
        if row is not None:
            row.group_control, row.transaction_control = group_control, transaction_control

    def apply_payment(self, claim_id: int, payment: ClaimPayment) -> None:
        row = self.rows.get(claim_id)
        if row is None:
            return
        row.totals = ClaimTotals(
            paid=row.totals.paid + payment.paid,
            patient_responsibility=row.totals.patient_responsibility + payment.patient_responsibility,
            contractual=row.totals.contractual + payment.adjusted(AdjustmentGroup.CONTRACTUAL),
        )

    def apply_payments(self, payments: Sequence[tuple[int, ClaimPayment]]) -> None:
        for claim_id, payment in payments:
            self.apply_payment(claim_id, payment)

    # -- test helpers
    def get(self, claim_id: int) -> Claim:
        return _copy(self.rows[claim_id].claim)

    def all(self) -> list[StoredClaim]:
        return [
            StoredClaim(row.id, _copy(row.claim)) for row in sorted(self.rows.values(), key=lambda r: r.id)
        ]

    def totals(self, claim_id: int) -> ClaimTotals:
        return self.rows[claim_id].totals

    def timeline(self, claim_id: int) -> list[ClaimEvent]:
        return [event for event in self.events if event.claim_id == claim_id]


@dataclass(frozen=True, slots=True)
class PaymentRow:
    id: int
    payment: ClaimPayment
    trace_number: str
    payer_id: str | None
    claim_id: int | None
    dedup_key: str
    source: str
    contractual: Decimal
    patient_responsibility: Decimal
    other_adjustments: Decimal
    message_id: int | None
    correlation_id: str


class FakePayments(_Repository):
    _state = ("rows",)

    def __init__(self) -> None:
        self.rows: list[PaymentRow] = []

    def exists(self, dedup_key: str) -> bool:
        return any(row.dedup_key == dedup_key for row in self.rows)

    def existing(self, dedup_keys: Sequence[str]) -> set[str]:
        return {row.dedup_key for row in self.rows} & set(dedup_keys)

    def add_many(
        self, payments: Sequence[NewClaimPayment], remittance: Remittance, source: str, ctx: MessageContext
    ) -> list[int]:
        return [self.add(p.payment, remittance, p.claim_id, p.dedup_key, source, ctx) for p in payments]

    def add(
        self,
        payment: ClaimPayment,
        remittance: Remittance,
        claim_id: int | None,
        dedup_key: str,
        source: str,
        ctx: MessageContext,
    ) -> int:
        contractual = payment.adjusted(AdjustmentGroup.CONTRACTUAL)
        patient = payment.adjusted(AdjustmentGroup.PATIENT_RESPONSIBILITY)
        other = sum((a.amount for a in payment.all_adjustments), ZERO) - contractual - patient
        payment_id = len(self.rows) + 1
        self.rows.append(
            PaymentRow(
                id=payment_id,
                payment=payment,
                trace_number=remittance.trace_number,
                payer_id=remittance.payer_id,
                claim_id=claim_id,
                dedup_key=dedup_key,
                source=source,
                contractual=contractual,
                patient_responsibility=patient,
                other_adjustments=other,
                message_id=ctx.message_id,
                correlation_id=ctx.correlation_id,
            )
        )
        return payment_id


# -- findings, master data, outbox -------------------------------------------------------------------


@dataclass(slots=True)
class FindingRow:
    finding: Finding
    occurrences: int
    message_id: int | None
    created_at: datetime
    updated_at: datetime


class FakeFindings(_Repository):
    _state = ("rows",)

    def __init__(self) -> None:
        self.rows: dict[str, FindingRow] = {}

    def raise_finding(self, finding: Finding, ctx: MessageContext) -> None:
        row = self.rows.get(finding.key)
        if row is not None:
            row.occurrences += 1
            row.updated_at = ctx.now
            return
        self.rows[finding.key] = FindingRow(finding, 1, ctx.message_id, ctx.now, ctx.now)

    # -- test helpers
    def all(self) -> list[Finding]:
        return [row.finding for row in self.rows.values()]

    def of_type(self, kind: FindingType) -> list[Finding]:
        return [f for f in self.all() if f.type is kind]

    def types(self) -> list[FindingType]:
        return [f.type for f in self.all()]

    def occurrences(self, key: str) -> int:
        row = self.rows.get(key)
        return 0 if row is None else row.occurrences

    def set_status(self, key: str, status: FindingStatus, only_from: FindingStatus | None = None) -> None:
        row = self.rows.get(key)
        if row is not None and (only_from is None or row.finding.status is only_from):
            row.finding = replace(row.finding, status=status)

    def status(self, key: str) -> FindingStatus | None:
        row = self.rows.get(key)
        return None if row is None else row.finding.status


@dataclass(slots=True)
class MasterRow:
    kind: str
    code: str
    start: date | None
    end: date | None
    data: dict[str, Any]
    correlation_id: str
    loaded_at: datetime


class FakeMasterData(_Repository):
    _state = ("rows",)

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, date | None], MasterRow] = {}

    def upsert(
        self,
        kind: str,
        code: str,
        start: date | None,
        end: date | None,
        data: dict[str, Any],
        ctx: MessageContext,
    ) -> VersionChange:
        stored = _as_json(data)  # a JSON column: tuples come back as lists
        row = self.rows.get((kind, code, start))
        change = changed_fields(None if row is None else row.data, stored)
        if change.outcome is Outcome.UNCHANGED:
            return change
        self.rows.pop((kind, code, start), None)  # an update moves the row to the end of the load order
        self.rows[(kind, code, start)] = MasterRow(
            kind, code, start, end, stored, ctx.correlation_id, ctx.now
        )
        return change

    def find(self, kind: str, code: str, on: date | None) -> dict[str, Any] | None:
        versions = [
            (Effective(row.start, row.end), row.data)
            for row in self.rows.values()
            if row.kind == kind and row.code == code
        ]
        found = version_on(versions, on)
        return None if found is None else dict(found)

    def maintained(self, kind: str) -> bool:
        return any(row.kind == kind for row in self.rows.values())

    def contract_periods(self, payer_id: str) -> list[Effective]:
        return [
            Effective(row.start, row.end)
            for row in self.rows.values()
            if row.kind == "contract" and row.data.get("payer_id") == payer_id
        ]

    def periods(self, kind: str, code: str) -> list[Effective]:
        return [
            Effective(row.start, row.end)
            for row in self.rows.values()
            if (row.kind, row.code) == (kind, code)
        ]

    def valid_on(self, kind: str, on: date | None) -> list[dict[str, Any]]:
        return [
            dict(row.data)
            for _, row in sorted(self.rows.items(), key=lambda item: item[0][1])
            if row.kind == kind
            and (
                on is None or ((row.start is None or row.start <= on) and (row.end is None or row.end >= on))
            )
        ]

    # -- test helpers
    def versions(self, kind: str, code: str) -> list[MasterRow]:
        rows = [row for row in self.rows.values() if row.kind == kind and row.code == code]
        return sorted(rows, key=lambda row: (row.start is not None, row.start or date.min))


class FakeMasterLoads(_Repository):
    _state = ("reports",)

    def __init__(self) -> None:
        self.reports: list[LoadReport] = []

    def record(self, report: LoadReport, ctx: MessageContext) -> int:
        self.reports.append(_copy(report))
        return len(self.reports)


@dataclass(slots=True)
class HeldRow:
    ref: MasterRef
    status: str = "held"


class FakeQuarantine(_Repository):
    """Held references by message (held -> released -> replayed, or superseded when held again);
    holding sets the message's status, releasing one puts its message back (``accepted``), releasing
    the last one of a finding resolves it."""

    _state = ("rows",)

    def __init__(self, messages: FakeMessages, findings: FakeFindings) -> None:
        self.rows: list[HeldRow] = []
        self._messages = messages
        self._findings = findings

    def hold(self, message_id: int, refs: Sequence[MasterRef], ctx: MessageContext) -> None:
        indices = {ref.command_index for ref in refs}
        for row in self.rows:
            same = row.ref.message_id == message_id and row.ref.command_index in indices
            if same and row.status in ("held", "released"):
                row.status = "superseded"
        self.rows.extend(HeldRow(ref) for ref in refs)
        if message_id in self._messages.rows:
            self._messages.rows[message_id].status = "quarantined"
        for ref in refs:
            self._findings.set_status(ref.finding_key, FindingStatus.OPEN, only_from=FindingStatus.RESOLVED)

    def held_for(self, kind: str, codes: Sequence[str]) -> list[MasterRef]:
        return [r.ref for r in self.rows if r.status == "held" and r.ref.kind == kind and r.ref.code in codes]

    def held_commands(self, message_id: int) -> frozenset[int]:
        return frozenset(
            r.ref.command_index
            for r in self.rows
            if r.ref.message_id == message_id and r.status in ("held", "released")
        )

    def replayed(self, message_id: int, indices: Sequence[int], ctx: MessageContext) -> None:
        for row in self.rows:
            if (
                row.ref.message_id == message_id
                and row.ref.command_index in indices
                and row.status == "released"
            ):
                row.status = "replayed"

    def release(self, refs: Sequence[MasterRef], ctx: MessageContext) -> list[int]:
        for row in self.rows:
            if row.ref in refs and row.status == "held":
                row.status = "released"
        held = [r.ref for r in self.rows if r.status == "held"]
        requeued = sorted({ref.message_id for ref in refs})
        for message_id in requeued:
            row = self._messages.rows.get(message_id)
            if row is not None:
                row.status = ACCEPTED
        for key in {ref.finding_key for ref in refs} - {ref.finding_key for ref in held}:
            self._findings.set_status(key, FindingStatus.RESOLVED)
        return requeued

    # -- test helpers
    def held(self) -> list[MasterRef]:
        return [r.ref for r in self.rows if r.status == "held"]


class FakeContracts(_Repository):
    """Contracts read from the fake master data (kind ``contract``), as ``SqlContracts`` does."""

    def __init__(self, master_data: FakeMasterData) -> None:
        self._master_data = master_data

    def for_payer(self, payer_id: str, on: date | None) -> Contract | None:
        versions = [
            row
            for row in self._master_data.rows.values()
            if row.kind == "contract"
            and row.data.get("payer_id") == payer_id
            and (
                on is None or ((row.start is None or row.start <= on) and (row.end is None or row.end >= on))
            )
        ]
        if not versions:
            return None
        latest = max(versions, key=lambda row: (row.start is not None, row.start or date.min))
        return msgspec.convert(latest.data, Contract, strict=False)


@dataclass(frozen=True, slots=True)
class PostingRow:
    payment_id: int
    claim_id: int | None
    totals: PostingTotals
    lines: tuple[LinePosting, ...]


@dataclass(frozen=True, slots=True)
class ManualRow:
    trace_number: str
    entry: ManualEntry
    message_id: int | None


class FakePostings(_Repository):
    _state = ("rows", "manual")

    def __init__(self) -> None:
        self.rows: list[PostingRow] = []
        self.manual: list[ManualRow] = []

    def add(
        self,
        payment_id: int,
        claim_id: int | None,
        totals: PostingTotals,
        lines: tuple[LinePosting, ...],
        ctx: MessageContext,
    ) -> None:
        if any(row.payment_id == payment_id for row in self.rows):
            raise FakeIntegrityError(f"payment_postings.payment_id {payment_id} already exists")
        self.rows.append(PostingRow(payment_id, claim_id, totals, lines))

    def add_many(self, postings: Sequence[NewPosting], ctx: MessageContext) -> None:
        for p in postings:
            self.add(p.payment_id, p.claim_id, p.totals, p.lines, ctx)

    def claim_totals(self, claim_id: int) -> PostingTotals:
        return sum((row.totals for row in self.rows if row.claim_id == claim_id), PostingTotals())

    def claim_totals_many(self, claim_ids: Sequence[int]) -> dict[int, PostingTotals]:
        posted = {row.claim_id for row in self.rows}
        return {i: self.claim_totals(i) for i in claim_ids if i in posted}

    def add_manual_entry(self, trace_number: str, entry: ManualEntry, ctx: MessageContext) -> None:
        self.manual.append(ManualRow(trace_number, entry, ctx.message_id))

    # -- test helpers
    def lines(self, claim_id: int) -> list[LinePosting]:
        return [line for row in self.rows if row.claim_id == claim_id for line in row.lines]


@dataclass(frozen=True, slots=True)
class PatientPaymentRow:
    id: int
    payment: ReceivedPayment
    dedup_key: str | None
    message_id: int | None
    correlation_id: str


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    payment_id: int
    claim_id: int
    amount: Decimal
    kind: str
    correlation_id: str


class FakePatientLedger(_Repository):
    """Patient payments and applications; claim figures read from the fake claims and postings (as
    the SQL ledger reads ``claims`` and ``payment_postings``)."""

    _state = ("rows", "applications")

    def __init__(self, patients: FakePatients, claims: FakeClaims, postings: FakePostings) -> None:
        self.rows: list[PatientPaymentRow] = []
        self.applications: list[ApplicationRow] = []
        self._patients, self._claims, self._postings = patients, claims, postings

    def exists(self, dedup_key: str) -> bool:
        return any(row.dedup_key == dedup_key for row in self.rows)

    def patient_of_account(self, account: str) -> str | None:
        return next((k for k, row in self._patients.rows.items() if row.patient.account == account), None)

    def shares(self, patient_key: str | None, patient_control_numbers: Sequence[str]) -> list[ClaimShare]:
        claims = sorted(self._claims.rows.values(), key=lambda r: r.id)
        visits = {
            row.claim.patient_control_number
            for row in claims
            if row.claim.patient_control_number in patient_control_numbers
            or (patient_key is not None and row.claim.patient_key == patient_key)
        }
        out = []
        for row in claims:
            if row.claim.patient_control_number not in visits:
                continue
            posted = [p for p in self._postings.rows if p.claim_id == row.id]
            out.append(
                ClaimShare(
                    claim_id=row.id,
                    patient_control_number=row.claim.patient_control_number,
                    payer_rank=row.claim.payer_rank,
                    service_date=row.claim.service_date,
                    ended=row.claim.status in (ClaimStatus.REPLACED, ClaimStatus.VOID),
                    adjudicated=bool(posted),
                    patient_responsibility=sum((p.totals.patient_responsibility for p in posted), ZERO),
                    applied=sum((a.amount for a in self.applications if a.claim_id == row.id), ZERO),
                )
            )
        return out

    def credits(self, patient_key: str | None, patient_control_numbers: Sequence[str]) -> list[Credit]:
        found = []
        for row in self.rows:
            p = row.payment
            if p.claim_reference in patient_control_numbers or (
                patient_key is not None and p.patient_key == patient_key
            ):
                applied = sum((a.amount for a in self.applications if a.payment_id == row.id), ZERO)
                if p.amount - applied != ZERO:
                    found.append(Credit(row.id, p.amount - applied))
        return found

    def held_credits(
        self, patient_keys: Sequence[str], patient_control_numbers: Sequence[str]
    ) -> list[HeldCredit]:
        found = []
        for row in self.rows:
            p = row.payment
            if p.claim_reference in patient_control_numbers or p.patient_key in patient_keys:
                applied = sum((a.amount for a in self.applications if a.payment_id == row.id), ZERO)
                if p.amount - applied != ZERO:
                    found.append(HeldCredit(row.id, p.patient_key, p.claim_reference, p.amount - applied))
        return found

    def applied_to(self, claim_ids: Sequence[int]) -> dict[int, Decimal]:
        found: dict[int, Decimal] = {}
        for a in self.applications:
            if a.claim_id in claim_ids:
                found[a.claim_id] = found.get(a.claim_id, ZERO) + a.amount
        return found

    def add(self, payment: ReceivedPayment, dedup_key: str | None, ctx: MessageContext) -> int:
        payment_id = len(self.rows) + 1
        self.rows.append(
            PatientPaymentRow(payment_id, payment, dedup_key, ctx.message_id, ctx.correlation_id)
        )
        return payment_id

    def apply(self, payment_id: int, claim_id: int, amount: Decimal, kind: str, ctx: MessageContext) -> None:
        self.applications.append(ApplicationRow(payment_id, claim_id, amount, kind, ctx.correlation_id))


@dataclass(frozen=True, slots=True)
class OutboxRow:
    topic: str
    key: str
    payload: dict[str, Any]
    correlation_id: str
    created_at: datetime
    status: str = "pending"
    attempts: int = 0


class FakeOutbox(_Repository):
    _state = ("rows",)

    def __init__(self) -> None:
        self.rows: dict[str, OutboxRow] = {}

    def add(self, topic: str, key: str, payload: dict[str, Any], ctx: MessageContext) -> None:
        if key in self.rows:
            return
        self.rows[key] = OutboxRow(topic, key, _copy(payload), ctx.correlation_id, ctx.now)

    # -- test helpers
    def all(self) -> list[OutboxRow]:
        return list(self.rows.values())


# -- the inbound log -----------------------------------------------------------------------------------

ACCEPTED, PROCESSED, FAILED, DEAD = "accepted", "processed", "failed", "dead"


@dataclass(slots=True)
class MessageRow:
    message: PendingMessage
    status: str = ACCEPTED
    attempts: int = 0
    next_attempt_at: datetime | None = None
    processed_at: datetime | None = None
    commands: int | None = None
    error_code: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    message_id: int
    stage: str
    reason_code: str
    reason: str
    created_at: datetime


class FakeMessages(_Repository):
    """The inbound log: log order, and a message waiting for its retry holds back its partition."""

    _state = ("rows", "dead_letters")

    def __init__(self) -> None:
        self.rows: dict[int, MessageRow] = {}
        self.dead_letters: list[DeadLetter] = []

    def append(
        self,
        raw: bytes,
        *,
        received_at: datetime,
        interface: str = "test",
        format: str = "fake",
        message_type: str = "T",
        control_id: str | None = None,
        sender: str | None = None,
        partition_key: str | None = None,
        collision: bool = False,
    ) -> PendingMessage:
        message_id = max(self.rows, default=0) + 1
        message = PendingMessage(
            id=message_id,
            correlation_id=f"corr-{message_id}",
            interface=interface,
            format=format,
            message_type=message_type,
            control_id=control_id,
            sender=sender,
            partition_key=partition_key,
            received_at=received_at,
            attempts=0,
            collision=collision,
            raw=raw,
        )
        self.rows[message_id] = MessageRow(message)
        return message

    def fetch_ready(self, now: datetime, limit: int) -> list[PendingMessage]:
        blocked: set[str] = set()
        ready: list[PendingMessage] = []
        for message_id in sorted(self.rows):
            row = self.rows[message_id]
            if row.status not in (ACCEPTED, FAILED):
                continue
            key = row.message.partition_key or f"#{message_id}"
            if key in blocked:
                continue
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                blocked.add(key)
                continue
            ready.append(_with_attempts(row.message, row.attempts))
            if len(ready) >= limit:
                break
        return ready

    def mark_processed(self, message_id: int, now: datetime, commands: int) -> None:
        row = self.rows[message_id]
        row.status, row.processed_at, row.commands = PROCESSED, now, commands
        row.error, row.error_code = None, None

    def mark_failed(self, message_id: int, attempts: int, retry_at: datetime, code: str, reason: str) -> None:
        row = self.rows[message_id]
        row.status, row.attempts, row.next_attempt_at = FAILED, attempts, retry_at
        row.error_code, row.error = code, reason

    def mark_dead(
        self, message_id: int, now: datetime, *, attempts: int, stage: str, code: str, reason: str
    ) -> None:
        row = self.rows[message_id]
        row.status, row.attempts, row.processed_at = DEAD, attempts, now
        row.error_code, row.error = code, reason
        self.dead_letters.append(DeadLetter(message_id, stage, code, reason, now))

    # -- test helpers
    def status(self, message_id: int) -> str:
        return self.rows[message_id].status


def _with_attempts(message: PendingMessage, attempts: int) -> PendingMessage:
    return PendingMessage(
        id=message.id,
        correlation_id=message.correlation_id,
        interface=message.interface,
        format=message.format,
        message_type=message.message_type,
        control_id=message.control_id,
        sender=message.sender,
        partition_key=message.partition_key,
        received_at=message.received_at,
        attempts=attempts,
        collision=message.collision,
        raw=message.raw,
    )


# -- the unit of work ----------------------------------------------------------------------------------


class FakeStore:
    """The fakes with their concrete types (the unit of work exposes them typed as the ports)."""

    def __init__(self) -> None:
        self.messages = FakeMessages()
        self.charges = FakeCharges()
        self.findings = FakeFindings()
        self.encounters = FakeEncounters(self.charges.all, lambda: set(self.findings.rows))
        self.appointments = FakeAppointments()
        self.patients = FakePatients(self.encounters, self.appointments)
        self.claims = FakeClaims()
        self.payments = FakePayments()
        self.master_data = FakeMasterData()
        self.outbox = FakeOutbox()
        self.master_loads = FakeMasterLoads()
        self.quarantine = FakeQuarantine(self.messages, self.findings)
        self.postings = FakePostings()
        self.contracts = FakeContracts(self.master_data)
        self.patient_ledger = FakePatientLedger(self.patients, self.claims, self.postings)

    def repositories(self) -> tuple[_Repository, ...]:
        return (
            self.messages,
            self.encounters,
            self.appointments,
            self.patients,
            self.charges,
            self.claims,
            self.payments,
            self.findings,
            self.master_data,
            self.outbox,
            self.master_loads,
            self.quarantine,
            self.postings,
            self.patient_ledger,
        )

    def snapshot(self) -> list[dict[str, Any]]:
        return [repository.snapshot() for repository in self.repositories()]

    def restore(self, snapshot: list[dict[str, Any]]) -> None:
        for repository, state in zip(self.repositories(), snapshot, strict=True):
            repository.restore(state)


class FakeUnitOfWork:
    """Implements ``ports.UnitOfWork`` (and the worker's ``WorkerUnitOfWork``) over a ``FakeStore``.

    The attributes are typed as the ports so that this class conforms to the Protocol (mypy checks
    settable Protocol members invariantly); tests reach the concrete fakes through ``store``.
    """

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

    def __init__(self, store: FakeStore | None = None, reference: Reference | None = None) -> None:
        self.store = store if store is not None else FakeStore()
        self.reference = reference if reference is not None else default_reference()
        self.messages = self.store.messages
        self.patients = self.store.patients
        self.encounters = self.store.encounters
        self.appointments = self.store.appointments
        self.charges = self.store.charges
        self.claims = self.store.claims
        self.payments = self.store.payments
        self.findings = self.store.findings
        self.master_data = self.store.master_data
        self.outbox = self.store.outbox
        self.master_loads = self.store.master_loads
        self.quarantine = self.store.quarantine
        self.postings = self.store.postings
        self.contracts = self.store.contracts
        self.patient_ledger = self.store.patient_ledger
        self.committed = False
        self.commits = 0
        self.rollbacks = 0
        self._begin: list[dict[str, Any]] | None = None

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: the block's changes are undone if it raises."""
        snapshot = self.store.snapshot()
        try:
            yield
        except BaseException:
            self.store.restore(snapshot)
            self.rollbacks += 1
            raise

    def commit(self) -> None:
        self.committed = True
        self.commits += 1
        self._begin = self.store.snapshot()

    def rollback(self) -> None:
        if self._begin is not None:
            self.store.restore(self._begin)
        self.rollbacks += 1

    def __enter__(self) -> FakeUnitOfWork:
        self.committed = False
        self._begin = self.store.snapshot()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Whatever was not committed goes (also writes after a commit, as a closed connection's would).
        if self._begin is not None and self.store.snapshot() != self._begin:
            self.rollback()
        self._begin = None


def as_unit_of_work(uow: FakeUnitOfWork) -> ports.UnitOfWork:
    """Static proof (for mypy) that the fake conforms to the port."""
    return uow


def as_worker_unit_of_work(uow: FakeUnitOfWork) -> WorkerUnitOfWork:
    """Static proof (for mypy) that the fake is also what ``Worker`` needs (context manager, commit)."""
    return uow


def fake_uow_factory(store: FakeStore) -> Callable[[], FakeUnitOfWork]:
    """A ``uow_factory`` for ``Worker``: every unit of work shares the one store."""

    def factory() -> FakeUnitOfWork:
        return FakeUnitOfWork(store)

    return factory
