"""The store queries the rules use, on SQLite and PostgreSQL: claims with the same content, master data
valid on a date, visits without charges."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D

from sqlalchemy import Engine

from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.domain.charges import Charge
from revcycle.domain.claims import Claim, ClaimKind, ClaimLine
from revcycle.domain.visits import Encounter, EncounterStatus, PatientClass
from revcycle.service_layer.ports import MessageContext
from revcycle.service_layer.rules import fee_schedule

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
CTX = MessageContext(correlation_id="c-1", received_at=NOW, now=NOW)


def claim(pcn: str, amount: str = "100.00") -> Claim:
    line = ClaimLine(1, "99213", D(amount), service_date=date(2026, 2, 16))
    return Claim(pcn, ClaimKind.PROFESSIONAL, D(amount), patient_key="A|1", payer_id="P", lines=(line,))


def test_claims_with_the_same_content(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        first = uow.claims.add(claim("PCN1"), CTX, group_control=None, transaction_control=None)
        uow.claims.add(claim("PCN3", "90.00"), CTX, group_control=None, transaction_control=None)
        assert [s.id for s in uow.claims.same_content(claim("PCN2"))] == [first]
        assert uow.claims.same_content(replace(claim("PCN2"), payer_id="Q")) == []
        assert uow.claims.same_content(replace(claim("PCN2"), patient_key=None)) == []


def test_master_data_valid_on_a_date(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        row = {
            "payer_id": "P",
            "percent_of_schedule": "1",
            "fee_schedule": [{"procedure_code": "99213", "amount": "92.00"}],
        }
        uow.master_data.upsert("contract", "K1", date(2026, 1, 1), None, row, CTX)
        uow.master_data.upsert(
            "contract", "K0", None, date(2025, 12, 31), row | {"percent_of_schedule": "2"}, CTX
        )
        uow.master_data.upsert("contract", "K2", None, None, row | {"payer_id": "Q"}, CTX)
        assert [r["payer_id"] for r in uow.master_data.valid_on("contract", date(2026, 2, 1))] == ["P", "Q"]
        assert len(uow.master_data.valid_on("contract", None)) == 3
        assert fee_schedule(uow, "P", date(2026, 2, 1)) == {"99213": D("92.00")}
        assert fee_schedule(uow, "P", date(2025, 6, 1)) == {"99213": D("184.00")}


def test_visits_without_charges(engine: Engine) -> None:
    admitted = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)
    with SqlUnitOfWork(engine) as uow:
        for visit, klass, status in (
            ("V1", PatientClass.OUTPATIENT, EncounterStatus.IN_PROGRESS),
            ("V2", PatientClass.OUTPATIENT, EncounterStatus.IN_PROGRESS),
            ("V3", PatientClass.INPATIENT, EncounterStatus.IN_PROGRESS),
            ("V4", PatientClass.INPATIENT, EncounterStatus.DISCHARGED),
            ("V5", PatientClass.OUTPATIENT, EncounterStatus.CANCELLED),
        ):
            discharged = admitted if status is EncounterStatus.DISCHARGED else None
            uow.encounters.save(Encounter(visit, "A|1", klass, status, admitted, discharged), CTX)
        uow.charges.add(Charge("T1", "B|2", "V2", date(2026, 2, 16), procedure_code="99213"), CTX)
        assert [e.visit_number for e in uow.encounters.unbilled(NOW, 10)] == ["V1", "V4"]
        assert uow.encounters.unbilled(admitted, 10) == []  # nothing ended before the cut-off
        assert len(uow.encounters.unbilled(NOW, 1)) == 1


def test_latest_activity_is_the_newest_admission_or_discharge(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        assert uow.encounters.latest_activity() is None
        uow.encounters.save(Encounter("V1", "A|1", admitted_at=datetime(2026, 2, 1, 8, 0, tzinfo=UTC)), CTX)
        late = datetime(2026, 2, 3, 17, 30, tzinfo=UTC)
        uow.encounters.save(
            Encounter(
                "V2",
                "A|1",
                status=EncounterStatus.DISCHARGED,
                admitted_at=NOW.replace(day=1),
                discharged_at=late,
            ),
            CTX,
        )
        assert uow.encounters.latest_activity() == late
