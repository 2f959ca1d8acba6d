"""Read side for patients, encounters, appointments and charges (the message's effects, by id)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Table, select

from revcycle.adapters.store.billing_queries import Page
from revcycle.adapters.store.encrypted import blind_index
from revcycle.adapters.store.message_queries import as_dict
from revcycle.adapters.store.patient_balance_queries import patient_billing
from revcycle.adapters.store.schema import appointments, charges, encounters, patients


class ClinicalQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _list(self, table: Table, page: Page, filters: dict[str, Any], **ranges: Any) -> list[dict[str, Any]]:
        query = select(table)
        for name, value in filters.items():
            if value is not None:
                query = query.where(table.c[name] == value)
        for name, (low, high) in ranges.items():
            if low is not None:
                query = query.where(table.c[name] >= low)
            if high is not None:
                query = query.where(table.c[name] <= high)
        with self.engine.connect() as conn:
            return [as_dict(r) for r in conn.execute(page.apply(query, table.c.id))]

    def patients(self, page: Page, *, account: str | None = None) -> list[dict[str, Any]]:
        """Patients; ``account`` is matched through its blind index (the column itself is encrypted)."""
        index = blind_index(self.engine.dialect, account, "patients.account")
        rows = self._list(patients, page, {"account_index": index})
        for row in rows:
            row.pop("account_index", None)
        return rows

    def patient(self, patient_id: int) -> dict[str, Any] | None:
        """A patient with their encounters, appointments, charges and patient billing (payments and
        where they were applied)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(patients).where(patients.c.id == patient_id)).first()
            if row is None:
                return None
            out = as_dict(row)
            out.pop("account_index", None)
            key = out["patient_key"]
            for name, table in (
                ("encounters", encounters),
                ("appointments", appointments),
                ("charges", charges),
            ):
                rows = conn.execute(select(table).where(table.c.patient_key == key).order_by(table.c.id))
                out[name] = [as_dict(r) for r in rows]
            out["billing"] = patient_billing(conn, key)  # responsibility, paid, balance, credit
        return out

    def encounters(
        self,
        page: Page,
        *,
        status: str | None = None,
        visit_number: str | None = None,
        facility_code: str | None = None,
    ) -> list[dict[str, Any]]:
        return self._list(
            encounters, page, {"status": status, "visit_number": visit_number, "facility_code": facility_code}
        )

    def appointments(
        self,
        page: Page,
        *,
        status: str | None = None,
        start_from: datetime | None = None,
        start_to: datetime | None = None,
    ) -> list[dict[str, Any]]:
        return self._list(appointments, page, {"status": status}, start_at=(start_from, start_to))

    def charges(
        self,
        page: Page,
        *,
        visit_number: str | None = None,
        procedure_code: str | None = None,
        service_from: date | None = None,
        service_to: date | None = None,
        message_id: int | None = None,
    ) -> list[dict[str, Any]]:
        return self._list(
            charges,
            page,
            {"visit_number": visit_number, "procedure_code": procedure_code, "message_id": message_id},
            service_date=(service_from, service_to),
        )
