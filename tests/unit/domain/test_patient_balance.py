"""Allocation of patient payments over open patient-responsibility items (domain.patient_balance)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from revcycle.domain.patient_balance import (
    Application,
    ClaimShare,
    Credit,
    CreditApplication,
    OpenItem,
    ReceivedPayment,
    allocate,
    apply_credit,
    open_items,
    position,
)

OLD = OpenItem(1, "V1", date(2026, 1, 5), D("30.00"), D("0.00"))
MID = OpenItem(2, "V2", date(2026, 2, 5), D("50.00"), D("10.00"))
NEW = OpenItem(3, "V3", date(2026, 3, 5), D("20.00"), D("0.00"))
ITEMS = [NEW, OLD, MID]  # the order given does not matter


def test_a_payment_pays_the_oldest_open_item_first() -> None:
    found = allocate(D("45.00"), ITEMS)
    assert found.applications == (Application(1, D("30.00")), Application(2, D("15.00")))
    assert found.unapplied == D("0.00") and found.applied == D("45.00")


def test_a_payment_naming_a_visit_pays_that_visit_first_then_the_oldest() -> None:
    found = allocate(D("30.00"), ITEMS, named="V3")
    assert found.applications == (Application(3, D("20.00")), Application(1, D("10.00")))


def test_an_exact_pay_off_leaves_no_credit() -> None:
    found = allocate(D("90.00"), ITEMS)
    assert [a.amount for a in found.applications] == [D("30.00"), D("40.00"), D("20.00")]
    assert found.unapplied == D("0.00")


def test_an_overpayment_leaves_a_credit() -> None:
    found = allocate(D("100.00"), ITEMS)
    assert found.applied == D("90.00") and found.unapplied == D("10.00")
    assert allocate(D("25.00"), []).unapplied == D("25.00")  # nothing owed yet: all credit


def test_a_refund_takes_credit_back_first_then_reopens_the_newest_paid_items() -> None:
    paid = [OpenItem(1, "V1", date(2026, 1, 5), D("30.00"), D("30.00")), MID]
    only_credit = allocate(D("-5.00"), paid, credit=D("8.00"))
    assert only_credit.applications == () and only_credit.unapplied == D("-5.00")
    reopening = allocate(D("-20.00"), paid, credit=D("8.00"))
    assert reopening.applications == (Application(2, D("-10.00")), Application(1, D("-2.00")))
    assert reopening.unapplied == D("-8.00")


def test_a_refund_naming_a_visit_reopens_that_visit_first() -> None:
    paid = [OpenItem(1, "V1", date(2026, 1, 5), D("30.00"), D("30.00")), MID]
    found = allocate(D("-15.00"), paid, named="V1")
    assert found.applications == (Application(1, D("-15.00")),)


def test_a_refund_beyond_credit_and_payments_leaves_a_negative_credit() -> None:
    found = allocate(D("-50.00"), [MID], credit=D("5.00"))
    assert found.applications == (Application(2, D("-10.00")),) and found.unapplied == D("-40.00")


def test_a_zero_payment_does_nothing() -> None:
    assert allocate(D("0"), ITEMS).applications == () and allocate(D("0"), ITEMS).unapplied == D("0.00")


def test_credit_goes_to_the_oldest_balances_from_the_oldest_payments() -> None:
    credits = [Credit(7, D("25.00")), Credit(4, D("10.00"))]
    assert apply_credit(credits, ITEMS) == (
        CreditApplication(4, 1, D("10.00")),
        CreditApplication(7, 1, D("20.00")),
        CreditApplication(7, 2, D("5.00")),
    )


def test_only_the_net_credit_is_applied() -> None:
    # A 30.00 payment, 20.00 of it refunded since: 10.00 is left to apply.
    assert apply_credit([Credit(1, D("30.00")), Credit(2, D("-20.00"))], [OLD]) == (
        CreditApplication(1, 1, D("10.00")),
    )
    assert apply_credit([Credit(1, D("5.00")), Credit(2, D("-5.00"))], [OLD]) == ()


def share(claim_id: int, pcn: str, rank: int = 1, **kw: object) -> ClaimShare:
    base: dict[str, object] = {
        "service_date": date(2026, 1, claim_id),
        "ended": False,
        "adjudicated": True,
        "patient_responsibility": D("0.00"),
        "applied": D("0.00"),
    }
    return ClaimShare(claim_id, pcn, rank, **(base | kw))  # type: ignore[arg-type]


def test_open_items_take_the_share_of_the_highest_rank_adjudicated_claim() -> None:
    items = open_items(
        [
            share(1, "V1", patient_responsibility=D("50.00"), applied=D("5.00")),
            share(2, "V1", rank=2, patient_responsibility=D("10.00")),  # the secondary took it over
            share(3, "V2", rank=2, adjudicated=False),  # not yet adjudicated: owes nothing
            share(4, "V3", ended=True, patient_responsibility=D("40.00"), applied=D("40.00")),
            share(5, "V3", adjudicated=False),  # the corrected claim of V3, awaiting the payer
        ]
    )
    assert [(i.claim_id, i.patient_control_number, i.responsibility, i.paid) for i in items] == [
        (2, "V1", D("10.00"), D("5.00")),
        (5, "V3", D("0.00"), D("40.00")),
    ]
    assert [i.balance for i in items] == [D("5.00"), D("-40.00")]


def test_position_counts_overpaid_items_as_credit() -> None:
    items = [OpenItem(1, "V1", None, D("20.00"), D("25.00")), OpenItem(2, "V2", None, D("30.00"), D("10.00"))]
    found = position(items, unapplied=D("3.00"))
    assert (found.responsibility, found.paid, found.balance, found.credit) == (
        D("50.00"),
        D("35.00"),
        D("20.00"),
        D("8.00"),
    )
    assert found.as_dict()["patient_balance"] == "20.00"


def test_a_payment_folds_only_within_one_message_and_never_for_a_dft_line() -> None:
    paid = ReceivedPayment("A|MRN1", D("20.00"), "R1", "V1")
    assert paid.dedup_key("c1") == ReceivedPayment("A|MRN1", D("20"), "R1", "V1").dedup_key("c1")
    assert paid.dedup_key("c1") != paid.dedup_key("c2")
    assert "MRN1" not in (paid.dedup_key("c1") or "")
    assert ReceivedPayment("A|MRN1", D("20.00"), "R1", source="hl7").dedup_key("c1") is None


amounts = st.decimals(min_value=D("-500"), max_value=D("500"), places=2)
item_lists = st.lists(
    st.tuples(
        st.decimals(min_value=D("0"), max_value=D("300"), places=2),
        st.decimals(min_value=D("0"), max_value=D("300"), places=2),
    ),
    max_size=6,
)


@given(amounts, item_lists, st.decimals(min_value=D("0"), max_value=D("100"), places=2))
def test_allocation_conserves_money_and_never_overpays_or_over_refunds(
    amount: D, raw: list[tuple[D, D]], credit: D
) -> None:
    items = [OpenItem(n, f"V{n}", date(2026, 1, 1 + n), r, min(p, r)) for n, (r, p) in enumerate(raw, 1)]
    found = allocate(amount, items, credit=credit)
    assert found.applied + found.unapplied == amount
    by_id = {i.claim_id: i for i in items}
    for application in found.applications:
        item = by_id[application.claim_id]
        assert D("0") < application.amount <= item.balance or -item.paid <= application.amount < D("0")
    if amount > 0:
        assert found.unapplied >= 0
        assert found.unapplied == 0 or found.applied == sum((max(i.balance, D(0)) for i in items), D(0))
