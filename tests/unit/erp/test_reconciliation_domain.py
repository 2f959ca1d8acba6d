"""The control report's matching and break classification, on hand-made facts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from revcycle.domain.control_facts import (
    ChargeFact,
    ClaimFact,
    Facts,
    ItemFact,
    JournalFact,
    PaymentFact,
    Policy,
)
from revcycle.domain.reconciliation import reconcile

D = Decimal
START, END = date(2026, 1, 1), date(2026, 1, 31)
AS_OF = datetime(2026, 2, 5, tzinfo=UTC)


def _charge(
    i: int, day: int, code: str, amount: str, facility: str | None = "F", insured: bool = True
) -> ChargeFact:
    return ChargeFact(i, facility, date(2026, 1, day), code, D(amount), insured)


def _claim(i: int, *lines: tuple[int, str | None, str], facility: str | None = "F") -> ClaimFact:
    parsed = tuple((date(2026, 1, d), c, D(a)) for d, c, a in lines)
    return ClaimFact(i, facility, parsed[0][0], sum((x[2] for x in parsed), D("0")), parsed, True, False)


def _kinds(facts: Facts, **kw: object) -> list[tuple[str, str, bool]]:
    report = reconcile(facts, START, END, AS_OF, Policy(**kw))  # type: ignore[arg-type]
    return [(b.kind, b.subject_id, b.explained) for b in report.breaks]


def test_matched_charges_and_claims_make_no_break_even_across_facility_gaps_and_codes() -> None:
    facts = Facts(
        charges=(_charge(1, 5, "99213", "150.00"), _charge(2, 5, "ROOM", "900.00", facility=None)),
        claims=(_claim(10, (5, "99213", "150.00")), _claim(11, (5, None, "900.00"))),
        items=(
            ItemFact("charge", 1, "charge", False, D("150.00"), date(2026, 1, 5), "journalled", None),
            ItemFact("charge", 2, "charge", False, D("900.00"), date(2026, 1, 5), "journalled", None),
        ),
    )
    assert _kinds(facts) == []


def test_unclaimed_charges_are_breaks_unless_in_flight_or_self_pay() -> None:
    facts = Facts(
        unitemised=tuple(("charge", i, date(2026, 1, d), D("150.00")) for i, d in ((1, 5), (2, 6), (3, 31))),
        charges=(
            _charge(1, 5, "99213", "150.00"),
            _charge(2, 6, "99213", "150.00", insured=False),
            _charge(3, 31, "99213", "150.00"),
        ),
    )
    assert [k for k in _kinds(facts) if k[0] == "charge_not_claimed"] == [
        ("charge_not_claimed", "1", False),
        ("charge_not_claimed", "2", True),
        ("charge_not_claimed", "3", True),
    ]
    assert not [k for k in _kinds(facts) if k[0] == "posting_differs"]  # reported as not_posted instead


def test_amount_differences_and_claims_without_charges() -> None:
    facts = Facts(
        charges=(_charge(1, 5, "99213", "150.00"),),
        claims=(_claim(10, (5, "99213", "160.00")), _claim(11, (7, "99214", "220.00"))),
    )
    facts = Facts(
        charges=facts.charges,
        claims=facts.claims,
        items=(ItemFact("charge", 1, "charge", False, D("150.00"), date(2026, 1, 5), "journalled", None),),
    )
    assert _kinds(facts) == [("amount_differs", "10", False), ("claim_without_charges", "11", False)]
    assert _kinds(facts, variance_amount=D("10.00"))[0] == ("amount_differs", "10", True)


def test_remittances_postings_and_journals() -> None:
    created = AS_OF - timedelta(days=3)
    facts = Facts(
        charges=(
            _charge(9, 9, "99213", "10.00", insured=False),
            _charge(12, 9, "99213", "30.00", insured=False),
        ),
        payments=(
            PaymentFact(5, None, date(2026, 1, 9), False, D("80.00"), D("20.00"), D("100.00"), created),
        ),
        items=(
            ItemFact(
                "claim_payment", 5, "payer_payment", False, D("70.00"), date(2026, 1, 9), "journalled", None
            ),
            ItemFact(
                "charge", 9, "charge", False, D("10.00"), date(2026, 1, 9), "quarantined", "no GL debit"
            ),
        ),
        journals=(
            JournalFact(
                1, "k1", "pending", date(2026, 1, 9), D("70.00"), D("70.00"), D("70.00"), D("70.00"), created
            ),
            JournalFact(
                2,
                "k2",
                "pending",
                date(2026, 1, 9),
                D("5.00"),
                D("5.00"),
                D("5.00"),
                D("5.00"),
                AS_OF - timedelta(minutes=5),
            ),
            JournalFact(
                3, "k3", "acknowledged", date(2026, 1, 9), D("5.00"), D("5.00"), D("6.00"), D("5.00"), created
            ),
        ),
        unitemised=(("charge", 12, date(2026, 1, 9), D("30.00")),),
    )
    kinds = _kinds(facts)
    assert ("remittance_without_claim", "5", False) in kinds
    assert ("not_posted", "12", False) in kinds and ("not_posted", "9", False) in kinds
    assert ("posting_differs", "2026-01-09", False) in kinds  # 80 paid, 70 posted
    assert ("journal_not_acknowledged", "1", False) in kinds
    assert ("journal_not_acknowledged", "2", True) in kinds  # within the grace
    assert ("journal_unbalanced", "3", False) in kinds
    report = reconcile(facts, START, END, AS_OF, Policy())
    assert report.totals["adjudicated_paid"].amount == D("80.00")
    assert report.to_dict()["summary"]["unexplained"] == len(report.unexplained) == 6
    assert {b.kind for b in report.breaks if b.explained} == {
        "journal_not_acknowledged",
        "charge_not_claimed",
    }
