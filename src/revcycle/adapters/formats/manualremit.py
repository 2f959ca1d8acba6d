"""Paper remittances keyed in by hand (``POST /api/v1/remittances``, ``revcycle remit enter``), as a
format adapter, so that they take the 835's path: durable append, worker, the same posting handler.

The wire form is JSON ``{"manual_remittance": {...}}``: who entered it (``entered_by``), when
(``entered_at``, ISO 8601 with a zone), from what (``source``: paper EOB, lockbox, payer portal...), an
optional ``note``, and the remittance in the 835's terms: ``trace_number`` (the check or EFT number,
TRN02), ``payer_id``, ``payment_amount`` (BPR02), ``payment_method``, ``payment_date``, and ``claims``
(CLP: ``patient_control_number``, ``status`` CLP02, ``charge``, ``paid``, ``patient_responsibility``,
``payer_claim_control_number``, ``adjustments`` [{group, reason, amount}], ``remarks``, and
``services`` (SVC: ``procedure_code``, ``modifiers``, ``charge``, ``paid``, ``allowed``, ``units``,
``service_date``, ``line_control_number``, ``submitted_code``, ``adjustments``, ``remarks``)).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from revcycle.adapters.formats.base import Envelope, MappingError, UnreadableMessage
from revcycle.domain import commands as c
from revcycle.domain import remittances as dr
from revcycle.domain.errors import DomainError
from revcycle.domain.money import money

name = "manualremit"
KEY = "manual_remittance"
MESSAGE_TYPE = "REMIT_MANUAL"


class AdjustmentIn(msgspec.Struct, forbid_unknown_fields=True):
    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


class ServiceIn(msgspec.Struct, forbid_unknown_fields=True):
    charge: Decimal
    paid: Decimal
    procedure_code: str | None = None
    modifiers: list[str] = []
    submitted_code: str | None = None
    revenue_code: str | None = None
    units: Decimal | None = None
    service_date: date | None = None
    line_control_number: str | None = None
    allowed: Decimal | None = None
    adjustments: list[AdjustmentIn] = []
    remarks: list[str] = []


class ClaimIn(msgspec.Struct, forbid_unknown_fields=True):
    patient_control_number: str
    charge: Decimal
    paid: Decimal
    status: str = "1"
    patient_responsibility: Decimal = Decimal(0)
    payer_claim_control_number: str | None = None
    adjustments: list[AdjustmentIn] = []
    services: list[ServiceIn] = []
    remarks: list[str] = []


class ManualRemittanceIn(msgspec.Struct, forbid_unknown_fields=True):
    entered_by: str
    source: str
    trace_number: str
    payment_amount: Decimal
    claims: list[ClaimIn]
    entered_at: datetime
    note: str | None = None
    payer_id: str | None = None
    payer_name: str | None = None
    payment_method: str | None = "CHK"
    payment_date: date | None = None


def wire(document: dict[str, Any]) -> bytes:
    """The wire form of a manual remittance object (what the API and the CLI hand to the edge)."""
    return json.dumps({KEY: document}, separators=(",", ":"), default=str).encode()


def _load(raw: bytes) -> ManualRemittanceIn:
    try:
        outer = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UnreadableMessage("manual remittance is not UTF-8 JSON") from None
    if not isinstance(outer, dict) or not isinstance(outer.get(KEY), dict):
        raise UnreadableMessage(f'manual remittance needs a "{KEY}" object')
    try:
        entry = msgspec.convert(outer[KEY], ManualRemittanceIn, strict=False)
    except msgspec.ValidationError as error:
        # msgspec names the field and the expected type, never the value.
        raise UnreadableMessage(f"manual remittance: {error}") from None
    if not entry.entered_by.strip() or not entry.source.strip() or not entry.trace_number.strip():
        raise UnreadableMessage("manual remittance: entered_by, source and trace_number must not be empty")
    if entry.entered_at.tzinfo is None:
        raise UnreadableMessage("manual remittance: entered_at needs a time zone")
    if not entry.claims:
        raise UnreadableMessage("manual remittance: claims must list at least one claim payment")
    return entry


def identify(raw: bytes) -> Envelope:
    entry = _load(raw)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return Envelope(
        format=name,
        message_type=MESSAGE_TYPE,
        control_id=f"{entry.trace_number}:{digest}",
        sender=entry.entered_by,
        partition_key=entry.claims[0].patient_control_number,
    )


def parse(raw: bytes) -> ManualRemittanceIn:
    return _load(raw)


def _adjustments(items: list[AdjustmentIn], where: str) -> tuple[dr.Adjustment, ...]:
    groups = {g.value: g for g in dr.AdjustmentGroup}
    out = []
    for number, item in enumerate(items, start=1):
        group = groups.get(item.group.upper())
        if group is None:
            raise MappingError(f"{where} adjustment {number}: group must be CO, PR, OA, PI or CR")
        out.append(dr.Adjustment(group, item.reason, money(item.amount), item.quantity))
    return tuple(out)


def _claim(item: ClaimIn, number: int) -> dr.ClaimPayment:
    where = f"claim {number}"
    try:
        status = dr.ClaimPaymentStatus(item.status)
    except ValueError:
        raise MappingError(f"{where}: status is not a CLP02 claim status code") from None
    services = tuple(
        dr.ServicePayment(
            procedure_code=s.procedure_code,
            charge=money(s.charge),
            paid=money(s.paid),
            modifiers=tuple(s.modifiers),
            submitted_code=s.submitted_code,
            revenue_code=s.revenue_code,
            units=s.units,
            service_date=s.service_date,
            line_control_number=s.line_control_number,
            allowed=money(s.allowed) if s.allowed is not None else None,
            adjustments=_adjustments(s.adjustments, f"{where} service {i}"),
            remarks=tuple(s.remarks),
        )
        for i, s in enumerate(item.services, start=1)
    )
    return dr.ClaimPayment(
        patient_control_number=item.patient_control_number,
        status=status,
        charge=money(item.charge),
        paid=money(item.paid),
        patient_responsibility=money(item.patient_responsibility),
        payer_claim_control_number=item.payer_claim_control_number,
        adjustments=_adjustments(item.adjustments, where),
        services=services,
        remarks=tuple(item.remarks),
        service_date=next((s.service_date for s in services if s.service_date), None),
    )


def to_commands(parsed: ManualRemittanceIn, envelope: Envelope) -> list[c.Command]:
    try:
        remittance = dr.Remittance(
            trace_number=parsed.trace_number,
            payer_id=parsed.payer_id,
            payment_amount=money(parsed.payment_amount),
            payment_method=parsed.payment_method,
            payment_date=parsed.payment_date,
            payer_name=parsed.payer_name,
            claims=tuple(_claim(item, n) for n, item in enumerate(parsed.claims, start=1)),
        )
    except DomainError as error:
        raise MappingError(f"manual remittance: {error}") from None
    return [
        c.RecordManualRemittance(
            remittance=remittance,
            entered_by=parsed.entered_by,
            entered_at=parsed.entered_at,
            source=parsed.source,
            note=parsed.note,
        )
    ]
