"""Rows for alert tests, written straight into the store's tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, update

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.schema import (
    appointments,
    charges,
    claim_payments,
    claims,
    encounters,
    findings,
    inbound_messages,
    master_data,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday


def finding_values(
    key: str,
    *,
    type_: str = "denial",
    severity: int = 40,
    subject: tuple[str, str] = ("claim", "1"),
    status: str = "open",
) -> dict[str, Any]:
    """A findings row as a writer that knows nothing of alerting inserts it (no ``alert_pending``)."""
    return {
        "key": key,
        "type": type_,
        "severity": severity,
        "status": status,
        "subject_kind": subject[0],
        "subject_id": subject[1],
        "summary": f"{type_} on {subject[0]} {subject[1]}",
        "details": {},
        "correlation_id": "c-" + key,
        "created_at": NOW,
        "updated_at": NOW,
        "occurrences": 1,
    }


def finding(
    engine: Engine,
    key: str,
    *,
    type_: str = "denial",
    severity: int = 40,
    subject: tuple[str, str] = ("claim", "1"),
    status: str = "open",
    id_: int | None = None,
) -> int:
    values = finding_values(key, type_=type_, severity=severity, subject=subject, status=status)
    if id_ is not None:
        values["id"] = id_
    with for_writing(engine).begin() as conn:
        return int(conn.execute(insert(findings).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def set_finding_status(engine: Engine, key: str, status: str) -> None:
    with for_writing(engine).begin() as conn:
        conn.execute(update(findings).where(findings.c.key == key).values(status=status))


def claim(
    engine: Engine,
    *,
    payer: str = "P1",
    facility: str = "F1",
    status: str = "submitted",
    created: datetime = NOW,
    charge: str = "100.00",
) -> int:
    with for_writing(engine).begin() as conn:
        n = conn.execute(claims.select()).fetchall()
        return int(
            conn.execute(
                insert(claims).values(
                    claim_key=f"k{len(n)}-{payer}",
                    patient_control_number=f"PCN{len(n)}",
                    kind="professional",
                    status=status,
                    payer_id=payer,
                    payer_rank=1,
                    patient_key="MRN-1",
                    total_charge=Decimal(charge),
                    paid_total=Decimal(0),
                    patient_responsibility=Decimal(0),
                    contractual_total=Decimal(0),
                    service_date=date(2026, 11, 20),
                    facility_code=facility,
                    frequency="1",
                    data={},
                    created_at=created,
                    updated_at=created,
                )
            ).inserted_primary_key[0]
        )


def payment(engine: Engine, claim_id: int, *, payer: str, status_code: str, at: datetime = NOW) -> None:
    with for_writing(engine).begin() as conn:
        conn.execute(
            insert(claim_payments).values(
                trace_number="T",
                patient_control_number="PCN",
                claim_id=claim_id,
                status_code=status_code,
                payer_id=payer,
                charge=Decimal(100),
                paid=Decimal(0 if status_code == "4" else 80),
                patient_responsibility=Decimal(0),
                contractual=Decimal(20),
                other_adjustments=Decimal(0),
                payment_date=at.date(),
                dedup_key=f"d{claim_id}-{status_code}",
                source="835",
                data={},
                created_at=at,
            )
        )


def contract(engine: Engine, codes: list[str], code: str = "C1") -> None:
    with for_writing(engine).begin() as conn:
        conn.execute(
            insert(master_data).values(
                kind="contract",
                code=code,
                effective_start=None,
                effective_end=None,
                data={"fee_schedule": [{"procedure_code": c, "amount": "10.00"} for c in codes]},
                loaded_at=NOW,
            )
        )


def appointment(engine: Engine, appointment_id: str, start: datetime, codes: list[str]) -> None:
    data: dict[str, Any] = {"services": [{"code": c} for c in codes]}
    with for_writing(engine).begin() as conn:
        conn.execute(
            insert(appointments).values(
                appointment_id=appointment_id,
                patient_key="MRN-1",
                status="booked",
                start_at=start,
                facility_code="F1",
                data=data,
                updated_at=NOW,
            )
        )


def encounter(engine: Engine, visit: str, discharged: datetime) -> int:
    with for_writing(engine).begin() as conn:
        return int(
            conn.execute(
                insert(encounters).values(
                    patient_key="MRN-1",
                    visit_number=visit,
                    status="discharged",
                    facility_code="F1",
                    discharged_at=discharged,
                    data={},
                    updated_at=NOW,
                )
            ).inserted_primary_key[0]
        )


def charge(
    engine: Engine, visit: str, *, service_date: date | None = None, department: str | None = None
) -> None:
    with for_writing(engine).begin() as conn:
        conn.execute(
            insert(charges).values(
                patient_key="MRN-1",
                visit_number=visit,
                service_date=service_date,
                department_code=department,
                quantity=Decimal(1),
                amount=Decimal(50),
                charge_type="CG",
                identity_hash="h" + visit,
                created_at=NOW,
                data={},
            )
        )


def message(engine: Engine, interface: str, at: datetime, control_id: str | None = None) -> None:
    with for_writing(engine).begin() as conn:
        n = len(conn.execute(inbound_messages.select()).fetchall())
        conn.execute(
            insert(inbound_messages).values(
                correlation_id=f"corr-{n}",
                interface=interface,
                transport="mllp",
                format="hl7v2",
                message_type="ADT_A01",
                control_id=control_id,
                idempotency_key=f"idem-{n}",
                content_hash="0" * 64,
                received_at=at,
                status="processed",
                attempts=0,
                collision=False,
                size=1,
                raw=b"x",
            )
        )
