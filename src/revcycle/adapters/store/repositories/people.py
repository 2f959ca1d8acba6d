"""Patients, encounters and appointments."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from sqlalchemy import Connection, and_, bindparam, exists, func, literal, or_, select, update

from revcycle.adapters.store.encrypted import blind_index
from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.repositories.codec import dump, load
from revcycle.adapters.store.repositories.upsert import upsert
from revcycle.adapters.store.schema import appointments, charges, encounters, findings, patients
from revcycle.domain.findings import FindingType
from revcycle.domain.patients import Coverage, Patient
from revcycle.domain.rules.missing_codes import ENDS_ON_ITS_DAY
from revcycle.domain.visits import Appointment, Encounter, EncounterStatus
from revcycle.service_layer.ports import MessageContext


@cache
def _patient_column(name: str) -> Prepared:
    """Built once, reused with a bound key (see ``adapters/store/prepared.py`` for why)."""
    column = patients.c[name]
    return Prepared(
        select(column).where(patients.c.patient_key == bindparam("key")), result_types=[column.type]
    )


@cache
def _encounter_data() -> Prepared:
    c = encounters.c
    statement = select(c.data).where(
        c.patient_key == bindparam("patient_key"), c.visit_number == bindparam("visit")
    )
    return Prepared(statement, result_types=[c.data.type])


@cache
def _appointment_data() -> Prepared:
    c = appointments.c
    statement = select(c.data).where(c.appointment_id == bindparam("appointment_id"))
    return Prepared(statement, result_types=[c.data.type])


class SqlPatients:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, key: str) -> Patient | None:
        data = _patient_column("data").scalar(self.conn, {"key": key})
        return None if data is None else load(data, Patient)

    def coverages(self, key: str) -> tuple[Coverage, ...]:
        data = _patient_column("coverages").scalar(self.conn, {"key": key})
        return () if not data else tuple(load(c, Coverage) for c in data)

    def save(self, patient: Patient, coverages: tuple[Coverage, ...] | None, ctx: MessageContext) -> None:
        values = {
            "account": patient.account,
            "account_index": blind_index(self.conn.dialect, patient.account, "patients.account"),
            "data": dump(patient),
            "correlation_id": ctx.correlation_id,
            "updated_at": ctx.now,
        }
        if coverages is not None:
            values["coverages"] = dump(coverages)
        upsert(self.conn, patients, {"patient_key": patient.key}, values, insert_only={"coverages": []})

    def merge(self, prior_key: str, into_key: str, ctx: MessageContext) -> None:
        """A40: the prior record points at the surviving one; its visits and appointments move over."""
        self.conn.execute(
            update(patients)
            .where(patients.c.patient_key == prior_key)
            .values(merged_into=into_key, correlation_id=ctx.correlation_id, updated_at=ctx.now)
        )
        for table in (encounters, appointments):
            moved = self.conn.execute(
                select(table.c.id, table.c.data).where(table.c.patient_key == prior_key)
            ).all()
            for row in moved:
                data = {**row.data, "patient_key": into_key}
                self.conn.execute(
                    update(table).where(table.c.id == row.id).values(patient_key=into_key, data=data)
                )


class SqlEncounters:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, patient_key: str, visit_number: str) -> Encounter | None:
        data = _encounter_data().scalar(self.conn, {"patient_key": patient_key, "visit": visit_number})
        return None if data is None else load(data, Encounter)

    def save(self, encounter: Encounter, ctx: MessageContext) -> None:
        upsert(
            self.conn,
            encounters,
            {"patient_key": encounter.patient_key, "visit_number": encounter.visit_number},
            {
                "status": encounter.status.value,
                "patient_class": encounter.patient_class.value,
                "facility_code": encounter.facility_code,
                "department_code": encounter.department_code,
                "attending_npi": encounter.attending_npi,
                "admitted_at": encounter.admitted_at,
                "discharged_at": encounter.discharged_at,
                "data": dump(encounter),
                "correlation_id": ctx.correlation_id,
                "updated_at": ctx.now,
            },
        )

    def latest_activity(self) -> datetime | None:
        e = encounters.c
        row = self.conn.execute(select(func.max(e.admitted_at), func.max(e.discharged_at))).one()
        moments = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in row if m is not None]
        return max(moments) if moments else None

    def unbilled(self, ended_before: datetime, limit: int) -> list[Encounter]:
        e, ch, f = encounters.c, charges.c, findings.c
        ended = or_(
            and_(
                e.status == EncounterStatus.DISCHARGED.value,
                func.coalesce(e.discharged_at, e.admitted_at) < ended_before,
            ),
            and_(
                e.status == EncounterStatus.IN_PROGRESS.value,
                e.patient_class.in_([c.value for c in ENDS_ON_ITS_DAY]),
                e.admitted_at < ended_before,
            ),
        )
        # By visit number alone: a visit's charges may be filed under another patient key (an
        # unresolved identifier authority, a merge) and still bill it.
        no_charges = ~exists().where(ch.visit_number == e.visit_number)
        key = literal(f"{FindingType.MISSING_CHARGE.value}:encounter:") + e.visit_number
        not_flagged = ~exists().where(f.key == key)
        rows = self.conn.execute(
            select(e.data).where(ended, no_charges, not_flagged).order_by(e.id).limit(limit)
        )
        return [load(data, Encounter) for data in rows.scalars()]


class SqlAppointments:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, appointment_id: str) -> Appointment | None:
        data = _appointment_data().scalar(self.conn, {"appointment_id": appointment_id})
        return None if data is None else load(data, Appointment)

    def save(self, appointment: Appointment, ctx: MessageContext) -> None:
        upsert(
            self.conn,
            appointments,
            {"appointment_id": appointment.appointment_id},
            {
                "patient_key": appointment.patient_key,
                "status": appointment.status.value,
                "start_at": appointment.start,
                "facility_code": appointment.facility_code,
                "department_code": appointment.department_code,
                "provider_npi": appointment.provider_npi,
                "data": dump(appointment),
                "correlation_id": ctx.correlation_id,
                "updated_at": ctx.now,
            },
        )
