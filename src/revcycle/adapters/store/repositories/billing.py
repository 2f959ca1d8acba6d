"""Charges, claims (with their timeline) and claim payments."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from revcycle.adapters.store.fast_insert import PreparedRowsInsert
from revcycle.adapters.store.prepared import Prepared, PreparedIn, in_binds
from revcycle.adapters.store.repositories.codec import dump, load
from revcycle.adapters.store.schema import charges, claim_events, claim_payments, claims
from revcycle.domain.charges import Charge
from revcycle.domain.claims import Claim, Transition
from revcycle.domain.money import ZERO
from revcycle.domain.remittances import AdjustmentGroup, ClaimPayment, Remittance
from revcycle.domain.rules.duplicates import claim_content
from revcycle.service_layer.ports import ClaimEventRecord, MessageContext, NewClaimPayment, StoredClaim


def identity_hash(charge: Charge) -> str:
    return hashlib.sha256(repr(charge.identity()).encode()).hexdigest()


@cache
def _charge_insert() -> Prepared:
    """Built once and reused (see ``adapters/store/prepared.py`` for why)."""
    return Prepared(insert(charges).returning(charges.c.id), result_types=[charges.c.id.type])


@cache
def _same_service() -> Prepared:
    c = charges.c
    statement = (
        select(c.id)
        .where(c.identity_hash == bindparam("identity"), c.charge_type == bindparam("charge_type"))
        .order_by(c.id)
    )
    return Prepared(statement, result_types=[c.id.type])


_CLAIM_COLUMNS = (
    "status", "payer_id", "patient_key", "total_charge", "service_date", "billing_npi", "facility_code",
    "frequency", "payer_claim_control_number", "data", "correlation_id", "updated_at",
)  # fmt: skip


@cache
def _claim_update() -> Prepared:
    """A claim's columns by id (the bind names differ from the columns: SQLAlchemy reserves those)."""
    values = {name: bindparam(f"v_{name}", type_=claims.c[name].type) for name in _CLAIM_COLUMNS}
    return Prepared(update(claims).where(claims.c.id == bindparam("claim_id")).values(values))


@cache
def _claim_payment_totals() -> Prepared:
    c = claims.c
    statement = (
        update(claims)
        .where(c.id == bindparam("claim_id"))
        .values(
            paid_total=c.paid_total + bindparam("paid", type_=c.paid_total.type),
            patient_responsibility=c.patient_responsibility
            + bindparam("patient", type_=c.patient_responsibility.type),
            contractual_total=c.contractual_total + bindparam("contractual", type_=c.contractual_total.type),
        )
    )
    return Prepared(statement)


@cache
def _claims_by_control_number() -> Prepared:
    c = claims.c
    statement = select(c.id, c.data).where(c.patient_control_number == bindparam("pcn")).order_by(c.id)
    return Prepared(statement, result_types=[c.id.type, c.data.type])


@cache
def _insert(table_name: str) -> Prepared:
    """An INSERT of the columns given at run time (``insert_keys``), for the event and payment tables."""
    table = {"claims": claims, "claim_events": claim_events, "claim_payments": claim_payments}[table_name]
    return Prepared(insert(table).returning(table.c.id), result_types=[table.c.id.type])


_EVENT_COLUMNS = (
    "claim_id", "at", "kind", "from_status", "to_status", "message_id", "correlation_id", "detail",
)  # fmt: skip
_PAYMENT_COLUMNS = (
    "trace_number", "patient_control_number", "claim_id", "status_code", "payer_id", "charge", "paid",
    "patient_responsibility", "contractual", "other_adjustments", "payment_date",
    "payer_claim_control_number", "dedup_key", "source", "data", "message_id", "correlation_id", "created_at",
)  # fmt: skip


@cache
def _rows_insert(table_name: str) -> PreparedRowsInsert:
    """Several timeline rows, or several claim payments (returning their ids with their dedup keys), in
    one statement (``adapters/store/fast_insert.py``)."""
    if table_name == "claim_events":
        return PreparedRowsInsert(claim_events, _EVENT_COLUMNS)
    return PreparedRowsInsert(claim_payments, _PAYMENT_COLUMNS, returning=("id", "dedup_key"))


@cache
def _claims_of_control_numbers() -> PreparedIn:
    c = claims.c

    def build(size: int) -> Any:
        match = c.patient_control_number.in_(in_binds(size, c.patient_control_number.type))
        return select(c.id, c.patient_control_number, c.data).where(match).order_by(c.id)

    return PreparedIn(build, result_types=[c.id.type, c.patient_control_number.type, c.data.type])


@cache
def _recorded_keys() -> PreparedIn:
    c = claim_payments.c
    return PreparedIn(
        lambda size: select(c.dedup_key).where(c.dedup_key.in_(in_binds(size, c.dedup_key.type))),
        result_types=[c.dedup_key.type],
    )


@cache
def _same_claim_candidates(dated: bool) -> Prepared:
    """Claims of the patient with the same total and service date (the duplicate rule's candidates)."""
    c = claims.c
    same_date = c.service_date == bindparam("service_date") if dated else c.service_date.is_(None)
    statement = select(c.id, c.data).where(
        c.patient_key == bindparam("patient_key"),
        same_date,
        c.total_charge == bindparam("total", type_=c.total_charge.type),
    )
    return Prepared(statement.order_by(c.id), result_types=[c.id.type, c.data.type])


@cache
def _payment_by_dedup_key() -> Prepared:
    c = claim_payments.c
    return Prepared(select(c.id).where(c.dedup_key == bindparam("key")).limit(1), result_types=[c.id.type])


class SqlCharges:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._hashed: tuple[Charge, str] | None = None  # ``same_service`` then ``add`` hash one charge

    def _identity(self, charge: Charge) -> str:
        if self._hashed is None or self._hashed[0] is not charge:
            self._hashed = (charge, identity_hash(charge))
        return self._hashed[1]

    def add(self, charge: Charge, ctx: MessageContext) -> int:
        row = {
            "patient_key": charge.patient_key,
            "visit_number": charge.visit_number,
            "transaction_id": charge.transaction_id,
            "service_date": charge.service_date,
            "procedure_code": charge.procedure_code,
            "transaction_code": charge.transaction_code,
            "modifiers": ",".join(charge.modifiers) or None,
            "quantity": charge.quantity,
            "amount": charge.amount,
            "charge_type": charge.charge_type.value,
            "department_code": charge.department_code,
            "facility_code": charge.facility_code,
            "performing_npi": charge.performing_npi,
            "identity_hash": self._identity(charge),
            "message_id": ctx.message_id,
            "correlation_id": ctx.correlation_id,
            "created_at": ctx.now,
            "data": dump(charge),
        }
        return int(_charge_insert().scalar(self.conn, row, insert_keys=True))

    def same_service(self, charge: Charge) -> list[int]:
        params = {"identity": self._identity(charge), "charge_type": charge.charge_type.value}
        return [int(found) for (found,) in _same_service().rows(self.conn, params)]

    def of_visit(self, patient_key: str, visit_number: str) -> list[Charge]:
        c = charges.c
        rows = self.conn.execute(
            select(c.data).where(c.patient_key == patient_key, c.visit_number == visit_number).order_by(c.id)
        )
        return [load(data, Charge) for data in rows.scalars()]


class SqlClaims:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _stored(self, rows: Any) -> list[StoredClaim]:
        return [StoredClaim(int(row.id), load(row.data, Claim)) for row in rows]

    def by_control_number(self, patient_control_number: str) -> list[StoredClaim]:
        rows = _claims_by_control_number().rows(self.conn, {"pcn": patient_control_number})
        return [StoredClaim(int(claim_id), load(data, Claim)) for claim_id, data in rows]

    def by_control_numbers(self, patient_control_numbers: Sequence[str]) -> dict[str, list[StoredClaim]]:
        found: dict[str, list[StoredClaim]] = {}
        for claim_id, pcn, data in _claims_of_control_numbers().rows(self.conn, patient_control_numbers):
            found.setdefault(str(pcn), []).append(StoredClaim(int(claim_id), load(data, Claim)))
        return found

    def by_transaction(
        self, group_control_number: str, transaction_control_number: str | None
    ) -> list[StoredClaim]:
        c = claims.c
        query = select(c.id, c.data).where(c.group_control == group_control_number)
        if transaction_control_number is not None:
            query = query.where(c.transaction_control == transaction_control_number)
        return self._stored(self.conn.execute(query.order_by(c.id)))

    def add(
        self, claim: Claim, ctx: MessageContext, *, group_control: str | None, transaction_control: str | None
    ) -> int:
        row = self._columns(claim, ctx) | {
            "claim_key": f"{claim.patient_control_number}|{claim.payer_rank}|{ctx.correlation_id}",
            "patient_control_number": claim.patient_control_number,
            "kind": claim.kind.value,
            "payer_rank": claim.payer_rank,
            "paid_total": ZERO,
            "patient_responsibility": ZERO,
            "contractual_total": ZERO,
            "group_control": group_control,
            "transaction_control": transaction_control,
            "created_at": ctx.now,
        }
        return int(_insert("claims").scalar(self.conn, row, insert_keys=True))

    def save(self, stored: StoredClaim, ctx: MessageContext) -> None:
        values = {f"v_{name}": value for name, value in self._columns(stored.claim, ctx).items()}
        _claim_update().rowcount(self.conn, {"claim_id": stored.id, **values})

    def save_many(self, stored: Sequence[StoredClaim], ctx: MessageContext) -> None:
        rows = [
            {"claim_id": s.id, **{f"v_{name}": value for name, value in self._columns(s.claim, ctx).items()}}
            for s in stored
        ]
        _claim_update().many(self.conn, rows)

    @staticmethod
    def _columns(claim: Claim, ctx: MessageContext) -> dict[str, Any]:
        return {
            "status": claim.status.value,
            "payer_id": claim.payer_id,
            "patient_key": claim.patient_key,
            "total_charge": claim.total_charge,
            "service_date": claim.service_date,
            "billing_npi": claim.billing_npi,
            "facility_code": claim.facility_code,
            "frequency": claim.frequency.value,
            "payer_claim_control_number": claim.payer_claim_control_number,
            "data": dump(claim),
            "correlation_id": ctx.correlation_id,
            "updated_at": ctx.now,
        }

    def record(
        self,
        claim_id: int,
        kind: str,
        ctx: MessageContext,
        *,
        transition: Transition | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        row = self._event(ClaimEventRecord(claim_id, kind, transition, detail), ctx)
        _insert("claim_events").scalar(self.conn, row, insert_keys=True)

    def record_many(self, events: Sequence[ClaimEventRecord], ctx: MessageContext) -> None:
        _rows_insert("claim_events").run(self.conn, [self._event(event, ctx) for event in events])

    @staticmethod
    def _event(event: ClaimEventRecord, ctx: MessageContext) -> dict[str, Any]:
        transition = event.transition
        return {
            "claim_id": event.claim_id,
            "at": ctx.now,
            "kind": event.kind,
            "from_status": transition.source.value if transition else None,
            "to_status": transition.target.value if transition else None,
            "message_id": ctx.message_id,
            "correlation_id": ctx.correlation_id,
            "detail": event.detail or {},
        }

    def attach_transaction(
        self, claim_id: int, group_control: str | None, transaction_control: str | None
    ) -> None:
        """The 837 (GS06 / ST02) that carried a claim built here: its 999 finds the claim by them."""
        self.conn.execute(
            update(claims)
            .where(claims.c.id == claim_id)
            .values(group_control=group_control, transaction_control=transaction_control)
        )

    def apply_payment(self, claim_id: int, payment: ClaimPayment) -> None:
        _claim_payment_totals().rowcount(self.conn, self._payment_totals(claim_id, payment))

    def apply_payments(self, payments: Sequence[tuple[int, ClaimPayment]]) -> None:
        _claim_payment_totals().many(self.conn, [self._payment_totals(i, p) for i, p in payments])

    @staticmethod
    def _payment_totals(claim_id: int, payment: ClaimPayment) -> dict[str, Any]:
        return {
            "claim_id": claim_id,
            "paid": payment.paid,
            "patient": payment.patient_responsibility,
            "contractual": payment.adjusted(AdjustmentGroup.CONTRACTUAL),
        }

    def same_content(self, claim: Claim) -> list[StoredClaim]:
        """Narrowed by the indexed patient key and the service date, compared in full in Python."""
        if claim.patient_key is None:
            return []
        params: dict[str, Any] = {"patient_key": claim.patient_key, "total": claim.total_charge}
        if claim.service_date is not None:
            params["service_date"] = claim.service_date
        rows = _same_claim_candidates(claim.service_date is not None).rows(self.conn, params)
        content = claim_content(claim)
        stored = [StoredClaim(int(claim_id), load(data, Claim)) for claim_id, data in rows]
        return [s for s in stored if claim_content(s.claim) == content]


class SqlPayments:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def exists(self, dedup_key: str) -> bool:
        return _payment_by_dedup_key().scalar(self.conn, {"key": dedup_key}) is not None

    def existing(self, dedup_keys: Sequence[str]) -> set[str]:
        return {str(key) for (key,) in _recorded_keys().rows(self.conn, dedup_keys)}

    def add(
        self,
        payment: ClaimPayment,
        remittance: Remittance,
        claim_id: int | None,
        dedup_key: str,
        source: str,
        ctx: MessageContext,
    ) -> int:
        row = self._row(NewClaimPayment(payment, claim_id, dedup_key), remittance, source, ctx)
        return int(_insert("claim_payments").scalar(self.conn, row, insert_keys=True))

    def add_many(
        self, payments: Sequence[NewClaimPayment], remittance: Remittance, source: str, ctx: MessageContext
    ) -> list[int]:
        rows = [self._row(new, remittance, source, ctx) for new in payments]
        ids = {
            str(key): int(payment_id)
            for payment_id, key in _rows_insert("claim_payments").run(self.conn, rows)
        }
        return [ids[new.dedup_key] for new in payments]

    @staticmethod
    def _row(
        new: NewClaimPayment, remittance: Remittance, source: str, ctx: MessageContext
    ) -> dict[str, Any]:
        payment, claim_id, dedup_key = new.payment, new.claim_id, new.dedup_key
        contractual = payment.adjusted(AdjustmentGroup.CONTRACTUAL)
        patient = payment.adjusted(AdjustmentGroup.PATIENT_RESPONSIBILITY)
        other = sum((a.amount for a in payment.all_adjustments), ZERO) - contractual - patient
        return {
            "trace_number": remittance.trace_number,
            "patient_control_number": payment.patient_control_number,
            "claim_id": claim_id,
            "status_code": payment.status.value,
            "payer_id": remittance.payer_id,
            "charge": payment.charge,
            "paid": payment.paid,
            "patient_responsibility": payment.patient_responsibility,
            "contractual": contractual,
            "other_adjustments": other,
            "payment_date": remittance.payment_date,
            "payer_claim_control_number": payment.payer_claim_control_number,
            "dedup_key": dedup_key,
            "source": source,
            "data": dump(payment),
            "message_id": ctx.message_id,
            "correlation_id": ctx.correlation_id,
            "created_at": ctx.now,
        }
