"""Repository behaviour that only a real store can show (both back ends)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import msgspec
from sqlalchemy import Engine, select

from revcycle.adapters.store.schema import encounters
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.domain.master_data import Contract, Effective, FeeScheduleEntry
from revcycle.domain.patients import Patient
from revcycle.domain.visits import Encounter
from revcycle.service_layer.ports import MessageContext

NOW = datetime(2026, 11, 22, tzinfo=UTC)
CTX = MessageContext(correlation_id="c-1", received_at=NOW, now=NOW, message_id=None)


def test_merge_moves_visits_with_their_stored_data(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        old, new = Patient(mrn="OLD1", assigning_authority="H"), Patient(mrn="NEW1", assigning_authority="H")
        uow.patients.save(old, (), CTX)
        uow.patients.save(new, (), CTX)
        uow.encounters.save(Encounter(visit_number="V1", patient_key=old.key), CTX)
        uow.patients.merge(old.key, new.key, CTX)
        moved = uow.encounters.get(new.key, "V1")
        assert moved is not None and moved.patient_key == new.key
        assert uow.encounters.get(old.key, "V1") is None
        uow.commit()
    with engine.connect() as conn:
        assert conn.execute(select(encounters.c.patient_key)).scalars().all() == [new.key]


def test_master_data_prefers_the_dated_version_on_both_back_ends(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.master_data.upsert("payer", "P1", None, None, {"name": "open"}, CTX)
        uow.master_data.upsert("payer", "P1", date(2026, 1, 1), date(2026, 12, 31), {"name": "2026"}, CTX)
        assert uow.master_data.find("payer", "P1", date(2026, 6, 1)) == {"name": "2026"}
        assert uow.master_data.find("payer", "P1", date(2025, 6, 1)) == {"name": "open"}


def test_reloading_unchanged_master_data_is_not_a_change(engine: Engine) -> None:
    contract = Contract(
        "C1", "P1", (FeeScheduleEntry("99213", Decimal("90.00")),), effective=Effective(date(2026, 1, 1))
    )
    data = msgspec.to_builtins(contract)
    with SqlUnitOfWork(engine) as uow:
        first = uow.master_data.upsert("contract", "C1", date(2026, 1, 1), None, data, CTX)
        again = uow.master_data.upsert("contract", "C1", date(2026, 1, 1), None, data, CTX)
        changed = {**data, "percent_of_schedule": "0.9"}
        third = uow.master_data.upsert("contract", "C1", date(2026, 1, 1), None, changed, CTX)
        assert (first.outcome, again.outcome, third.outcome) == ("added", "unchanged", "changed")
        assert third.fields == ("percent_of_schedule",)
