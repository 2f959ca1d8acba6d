"""The set-based posting statements on both back ends: IN lists prepared per padded length, multi-row
inserts (chunked, their returned rows paired by key), the repositories' bulk reads and writes giving
what their one-row forms give, and a whole 835 posted through the real store as one claim payment at a
time would post it; the payer contract valid on a day."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select

from revcycle.adapters.store.fast_insert import PreparedRowsInsert
from revcycle.adapters.store.prepared import IN_LIMIT, PreparedIn, in_binds
from revcycle.adapters.store.schema import claim_events, claims, patient_payment_applications
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.domain import commands as c
from revcycle.domain.claims import Claim, ClaimKind, ClaimLine, ClaimStatus
from revcycle.domain.master_data import Contract, Effective, FeeScheduleEntry
from revcycle.domain.patient_balance import ReceivedPayment
from revcycle.domain.posting import PostingTotals
from revcycle.domain.remittances import (
    Adjustment,
    AdjustmentGroup,
    ClaimPayment,
    ClaimPaymentStatus,
    Remittance,
    ServicePayment,
)
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.messagebus import MessageBus
from revcycle.service_layer.ports import ClaimEventRecord, MessageContext, NewClaimPayment, NewPosting

D = Decimal
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = date(2026, 2, 16)
PATIENT = "PATIENT-7"
_n = iter(range(1, 10_000))


def context() -> MessageContext:
    n = next(_n)
    return MessageContext(f"corr-{n:04d}", NOW, NOW + timedelta(minutes=n), message_id=None)


def send(engine: Engine, *commands: c.Command) -> None:
    bus = MessageBus(HANDLERS)
    with SqlUnitOfWork(engine) as uow:
        ctx = context()
        with uow.savepoint():
            for command in commands:
                bus.handle(command, uow, ctx)
        uow.commit()


def claim(pcn: str, patient_key: str | None = PATIENT) -> Claim:
    return Claim(
        pcn,
        ClaimKind.PROFESSIONAL,
        D("200.00"),
        patient_key=patient_key,
        payer_id="PAYER-A",
        lines=(
            ClaimLine(1, "99214", D("150.00"), service_date=DAY),
            ClaimLine(2, "36415", D("50.00"), service_date=DAY),
        ),
    )


def paid(pcn: str, status: ClaimPaymentStatus = ClaimPaymentStatus.PRIMARY) -> ClaimPayment:
    """Charge 200: paid 130, CO-45 40, PR-2 30."""
    co, pr = AdjustmentGroup.CONTRACTUAL, AdjustmentGroup.PATIENT_RESPONSIBILITY
    return ClaimPayment(
        pcn,
        status,
        D("200.00"),
        D("130.00"),
        D("30.00"),
        services=(
            ServicePayment(
                "99214", D("150.00"), D("100.00"), service_date=DAY,
                adjustments=(Adjustment(co, "45", D("30.00")), Adjustment(pr, "2", D("20.00"))),
            ),
            ServicePayment(
                "36415", D("50.00"), D("30.00"), service_date=DAY,
                adjustments=(Adjustment(co, "45", D("10.00")), Adjustment(pr, "2", D("10.00"))),
            ),
        ),
    )  # fmt: skip


def remittance(*payments: ClaimPayment, trace: str = "TRN-1") -> c.RecordRemittance:
    return c.RecordRemittance(
        Remittance(trace, "PAYER-A", sum((p.paid for p in payments), D("0.00")), claims=payments)
    )


def ids_of(engine: Engine, pcn: str) -> list[int]:
    with engine.connect() as conn:
        return [
            int(i)
            for i in conn.execute(select(claims.c.id).where(claims.c.patient_control_number == pcn)).scalars()
        ]


# -- the statements ---------------------------------------------------------------------------------------


def test_an_in_list_is_padded_to_its_prepared_length_and_chunked_beyond_the_limit(engine: Engine) -> None:
    send(engine, *(c.SubmitClaim(claim(f"P{n:04d}")) for n in range(3)))
    cl = claims.c
    by_pcn = PreparedIn(
        lambda size: select(cl.patient_control_number).where(
            cl.patient_control_number.in_(in_binds(size, cl.patient_control_number.type))
        ),
        result_types=[cl.patient_control_number.type],
    )
    with engine.connect() as conn:
        assert sorted(r for (r,) in by_pcn.rows(conn, ["P0000", "P0002", "NONE"])) == ["P0000", "P0002"]
        assert by_pcn.rows(conn, []) == []
        many = [f"X{n}" for n in range(IN_LIMIT + 3)] + ["P0001", "P0001"]  # three chunks' worth, repeats
        assert [r for (r,) in by_pcn.rows(conn, many)] == ["P0001"]
    assert sorted(by_pcn._sizes) == [4, IN_LIMIT]  # 3 values ran as 4; 516 as 512 and 4 (padded)


def test_a_multi_row_insert_runs_in_chunks_and_returns_every_row(engine: Engine) -> None:
    send(engine, c.SubmitClaim(claim("P1")))
    [claim_id] = ids_of(engine, "P1")
    columns = ("claim_id", "at", "kind", "detail")
    insert = PreparedRowsInsert(claim_events, columns, returning=("id", "kind"))
    insert.chunk = 3  # seven rows: three statements
    rows = [{"claim_id": claim_id, "at": NOW, "kind": f"k{n}", "detail": {"n": n}} for n in range(7)]
    with engine.begin() as conn:
        returned = insert.run(conn, rows)
        stored = conn.execute(
            select(claim_events.c.kind, claim_events.c.detail).where(claim_events.c.kind.like("k%"))
        ).all()
    assert sorted(kind for _, kind in returned) == [f"k{n}" for n in range(7)]
    assert sorted((k, d["n"]) for k, d in stored) == [(f"k{n}", n) for n in range(7)]


# -- the repositories ---------------------------------------------------------------------------------------


def test_bulk_claim_reads_and_writes_match_the_one_row_forms(engine: Engine) -> None:
    send(engine, c.SubmitClaim(claim("P1")), c.SubmitClaim(claim("P2")))
    send(engine, c.SubmitClaim(dataclasses.replace(claim("P1"), payer_rank=2)))
    ctx = context()
    with SqlUnitOfWork(engine) as uow:
        found = uow.claims.by_control_numbers(["P1", "P2", "P3", "P1"])
        assert sorted(found) == ["P1", "P2"]  # no entry for a control number without claims
        assert found["P1"] == uow.claims.by_control_number("P1")  # in id order, as stored
        first, second = found["P1"]
        first.claim.move_to(ClaimStatus.PAID, ctx.now)
        second.claim.payer_claim_control_number = "PCC-9"
        uow.claims.save_many([first, second], ctx)
        step = first.claim.history[-1]
        uow.claims.record_many(
            [
                ClaimEventRecord(first.id, "a", step, {"x": 1}),
                ClaimEventRecord(second.id, "b"),
                ClaimEventRecord(first.id, "c"),
            ],
            ctx,
        )
        uow.claims.apply_payments([(first.id, paid("P1")), (first.id, paid("P1"))])
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        again = uow.claims.by_control_number("P1")
        assert [s.claim.status for s in again] == [ClaimStatus.PAID, ClaimStatus.SUBMITTED]
        assert again[1].claim.payer_claim_control_number == "PCC-9"
        events = uow.conn.execute(
            select(
                claim_events.c.claim_id, claim_events.c.kind, claim_events.c.to_status, claim_events.c.detail
            )
            .where(claim_events.c.correlation_id == ctx.correlation_id)
            .order_by(claim_events.c.id)
        ).all()
        assert [tuple(e) for e in events] == [
            (first.id, "a", "paid", {"x": 1}),
            (second.id, "b", None, {}),
            (first.id, "c", None, {}),
        ]
        totals = uow.conn.execute(
            select(claims.c.paid_total, claims.c.contractual_total).where(claims.c.id == first.id)
        ).one()
        assert tuple(totals) == (D("260.00"), D("80.00"))


def test_bulk_payments_and_postings_match_the_one_row_forms(engine: Engine) -> None:
    send(engine, c.SubmitClaim(claim("P1")), c.SubmitClaim(claim("P2")))
    one, two = ids_of(engine, "P1")[0], ids_of(engine, "P2")[0]
    rem = remittance(paid("P1"), paid("P2")).remittance
    ctx = context()
    with SqlUnitOfWork(engine) as uow:
        single = uow.payments.add(paid("P1"), rem, one, "key-0", "835", ctx)
        new = [
            NewClaimPayment(paid(p), i, f"key-{n}")
            for n, (p, i) in enumerate([("P2", two), ("X", None), ("P1", one)], 1)
        ]
        ids = uow.payments.add_many(new, rem, "835", ctx)
        assert ids == sorted(ids) and ids[0] > single  # in the order given, after the one before
        assert uow.payments.existing(["key-3", "key-9", "key-0", "key-3"]) == {"key-0", "key-3"}
        totals = PostingTotals(D("200.00"), D("130.00"), D("40.00"), D("30.00"))
        uow.postings.add(single, one, totals, (), ctx)
        uow.postings.add_many(
            [
                NewPosting(ids[0], two, totals, ()),
                NewPosting(ids[1], None, totals, ()),
                NewPosting(ids[2], one, totals, ()),
            ],
            ctx,
        )
        many = uow.postings.claim_totals_many([one, two, 999])
        assert many == {one: uow.postings.claim_totals(one), two: uow.postings.claim_totals(two)}
        assert many[one].paid == D("260.00") and many[two] == totals
        uow.commit()


def test_held_credits_and_applications_match_the_ledgers_per_patient_reads(engine: Engine) -> None:
    send(engine, c.SubmitClaim(claim("P1")), c.SubmitClaim(claim("P2", "PATIENT-8")))
    one, two = ids_of(engine, "P1")[0], ids_of(engine, "P2")[0]
    ctx = context()
    with SqlUnitOfWork(engine) as uow:
        ledger = uow.patient_ledger
        assert ledger.held_credits([PATIENT], ["P1"]) == []
        by_patient = ledger.add(ReceivedPayment(PATIENT, D("40.00"), "R1"), None, ctx)
        by_visit = ledger.add(ReceivedPayment(None, D("25.00"), "R2", claim_reference="P2"), None, ctx)
        spent = ledger.add(ReceivedPayment("PATIENT-9", D("10.00"), "R3"), None, ctx)
        ledger.apply(by_patient, one, D("15.00"), "payment", ctx)
        ledger.apply(spent, two, D("10.00"), "payment", ctx)
        held = ledger.held_credits([PATIENT, "PATIENT-9"], ["P2"])
        assert [(h.payment_id, h.patient_key, h.claim_reference, h.unapplied) for h in held] == [
            (by_patient, PATIENT, None, D("25.00")),
            (by_visit, None, "P2", D("25.00")),
        ]  # PATIENT-9's payment is wholly applied
        assert {h.payment_id: h.unapplied for h in held} == {
            cr.payment_id: cr.unapplied
            for v in (ledger.credits(PATIENT, []), ledger.credits(None, ["P2"]))
            for cr in v
        }
        assert ledger.applied_to([one, two, 999]) == {one: D("15.00"), two: D("10.00")}
        uow.commit()


# -- posting through the real store ---------------------------------------------------------------------------


def applications(engine: Engine) -> list[tuple[int, Decimal, str]]:
    a = patient_payment_applications.c
    with engine.connect() as conn:
        rows = conn.execute(select(a.claim_id, a.amount, a.kind).order_by(a.id)).all()
    return [(int(i), D(str(amount)).quantize(D("0.01")), kind) for i, amount, kind in rows]


def status(engine: Engine, claim_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(claims.c.status).where(claims.c.id == claim_id)).scalar_one())


def test_an_835_posts_its_claims_in_order_around_the_patients_credit(engine: Engine) -> None:
    send(engine, c.SubmitClaim(claim("V1")))
    send(engine, c.SubmitClaim(claim("V2")))
    send(engine, c.SubmitClaim(claim("V3", "PATIENT-8")), c.SubmitClaim(claim("V4", "PATIENT-8")))
    [v1], [v2], [v3], [v4] = (ids_of(engine, v) for v in ("V1", "V2", "V3", "V4"))
    with SqlUnitOfWork(engine) as uow:  # the patient paid 40 at the desk, naming no visit
        uow.patient_ledger.add(ReceivedPayment(PATIENT, D("40.00"), "DESK-1"), None, context())
        uow.commit()
    send(engine, remittance(paid("V3"), paid("V2"), paid("V4"), paid("V1"), paid("V3")))
    # V2 is posted first of the patient's visits: its 30 takes the credit first, V1 the 10 left
    assert applications(engine) == [(v2, D("30.00"), "credit"), (v1, D("10.00"), "credit")]
    assert [status(engine, i) for i in (v1, v2, v3, v4)] == ["posted", "closed", "posted", "posted"]
    with engine.connect() as conn:
        remitted = conn.execute(
            select(claim_events.c.claim_id)
            .where(claim_events.c.kind == "remittance")
            .order_by(claim_events.c.id)
        ).all()
    assert sorted(i for (i,) in remitted) == sorted([v1, v2, v3, v4])  # V3's second CLP: a duplicate


def test_the_contract_of_the_payer_valid_on_the_day_is_found(engine: Engine) -> None:
    def version(
        contract_id: str, payer: str, rate: str, start: date | None, end: date | None = None
    ) -> Contract:
        return Contract(
            contract_id, payer, (FeeScheduleEntry("99214", D(rate)),), effective=Effective(start, end)
        )

    send(
        engine,
        c.UpsertMasterData(
            "contract",
            (
                version("C-A", "PAYER-A", "100.00", None),  # open: the fallback
                version("C-A", "PAYER-A", "130.00", date(2026, 3, 1), date(2026, 12, 31)),  # a renewal
                version("C-B", "PAYER-B", "90.00", None),
            ),
        ),
    )
    with SqlUnitOfWork(engine) as uow:
        rate = {
            on: (found.expected("99214") if (found := uow.contracts.for_payer("PAYER-A", on)) else None)
            for on in (date(2026, 2, 16), date(2026, 3, 1), date(2027, 1, 5), None)
        }
        assert rate == {
            date(2026, 2, 16): D("100.00"),
            date(2026, 3, 1): D("130.00"),  # the dated version before the open one
            date(2027, 1, 5): D("100.00"),
            None: D("130.00"),  # no day: the latest dated version
        }
        other = uow.contracts.for_payer("PAYER-B", date(2026, 3, 1))
        assert other is not None and other.expected("99214") == D("90.00")
        assert uow.contracts.for_payer("PAYER-C", date(2026, 3, 1)) is None
