"""Transactions from claim payments and charges, and their summarised, balanced journals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revcycle.domain.charges import ChargeType
from revcycle.domain.erp_payload import ErpJournal, ErpLine, PayloadError, payload_of
from revcycle.domain.errors import UnbalancedJournal
from revcycle.domain.gl_mapping import Dimensions, GlTarget
from revcycle.domain.journal_posting import PostingItem, SummaryLevel, journal_key, posting_date, summarise
from revcycle.domain.journals import JournalKind as K
from revcycle.domain.remittances import Adjustment, AdjustmentGroup, ClaimPayment, ClaimPaymentStatus
from revcycle.domain.transactions import Transaction, of_charge, of_claim_payment, of_patient_payment

D = Decimal
TARGETS = {
    K.CHARGE: GlTarget("1200", "4000", "CC", "LE"),
    K.PAYER_PAYMENT: GlTarget("1010", "1200", "CC", "LE"),
    K.CONTRACTUAL_ADJUSTMENT: GlTarget("4900", "1200", "CC", "LE"),
}


def _payment(status: str, paid: str, *adjustments: tuple[AdjustmentGroup, str]) -> ClaimPayment:
    adj = tuple(Adjustment(group, "45", D(amount)) for group, amount in adjustments)
    charge = D(paid) + sum((a.amount for a in adj), D("0"))
    return ClaimPayment("PCN1", ClaimPaymentStatus(status), charge, D(paid), adjustments=adj)


def test_a_claim_payment_splits_into_payment_contractual_patient_and_write_off() -> None:
    payment = _payment(
        "1",
        "80.00",
        (AdjustmentGroup.CONTRACTUAL, "50.00"),
        (AdjustmentGroup.PATIENT_RESPONSIBILITY, "20.00"),
        (AdjustmentGroup.OTHER, "5.00"),
    )
    assert of_claim_payment(payment) == [
        Transaction(K.PAYER_PAYMENT, D("80.00")),
        Transaction(K.CONTRACTUAL_ADJUSTMENT, D("50.00")),
        Transaction(K.PATIENT_RESPONSIBILITY, D("20.00")),
        Transaction(K.WRITE_OFF, D("5.00")),
    ]


def test_an_835_reversal_reverses_every_part() -> None:
    payment = _payment("22", "-80.00", (AdjustmentGroup.CONTRACTUAL, "-50.00"))
    assert of_claim_payment(payment) == [
        Transaction(K.PAYER_PAYMENT, D("80.00"), reversal=True),
        Transaction(K.CONTRACTUAL_ADJUSTMENT, D("50.00"), reversal=True),
    ]
    positive = _payment("22", "80.00")
    assert of_claim_payment(positive) == [Transaction(K.PAYER_PAYMENT, D("80.00"), reversal=True)]


def test_charges_credits_adjustments_and_patient_payments() -> None:
    assert of_charge(ChargeType.CHARGE, D("10.00")) == [Transaction(K.CHARGE, D("10.00"))]
    assert of_charge(ChargeType.CREDIT, D("10.00")) == [Transaction(K.CHARGE, D("10.00"), reversal=True)]
    assert of_charge(ChargeType.PAYMENT, D("-25.00")) == [Transaction(K.PATIENT_PAYMENT, D("25.00"))]
    assert of_charge(ChargeType.ADJUSTMENT, D("-5.00")) == [Transaction(K.WRITE_OFF, D("5.00"))]
    assert of_charge(ChargeType.CHARGE, D("0.00")) == []
    assert of_patient_payment(D("30.00")) == [Transaction(K.PATIENT_PAYMENT, D("30.00"))]
    assert of_patient_payment(D("-30.00")) == [Transaction(K.REFUND, D("30.00"))]


def _item(
    i: int,
    kind: K,
    amount: str,
    day: int = 5,
    *,
    reversal: bool = False,
    facility: str = "F1",
    ref: str | None = None,
) -> PostingItem:
    return PostingItem(
        i,
        kind,
        D(amount),
        date(2026, 1, day),
        Dimensions(facility, "D1", "medicare", "SL"),
        TARGETS[kind],
        reversal=reversal,
        encounter_ref=ref,
    )


def test_daily_summary_groups_by_day_facility_and_kind_and_balances() -> None:
    items = [
        _item(1, K.CHARGE, "100.00"),
        _item(2, K.CHARGE, "50.00"),
        _item(3, K.CHARGE, "70.00", facility="F2"),
        _item(4, K.CHARGE, "30.00", day=6),
        _item(5, K.PAYER_PAYMENT, "40.00"),
    ]
    drafts = summarise(items, SummaryLevel.DAILY)
    assert len(drafts) == 4
    f1 = next(d for d in drafts if d.item_ids == (1, 2))
    assert f1.entry.debits == f1.entry.credits == D("150.00")
    assert [(line.account, line.debit, line.credit) for line in f1.entry.lines] == [
        ("4000", D("0.00"), D("150.00")),
        ("1200", D("150.00"), D("0.00")),
    ]
    assert f1.entry.period == "2026-01" and f1.dims.facility == "F1"


def test_encounter_summary_groups_by_encounter_reference() -> None:
    items = [
        _item(1, K.CHARGE, "10.00", ref="a"),
        _item(2, K.CHARGE, "20.00", ref="a"),
        _item(3, K.CHARGE, "30.00", ref="b"),
    ]
    drafts = summarise(items, SummaryLevel.ENCOUNTER)
    assert sorted(d.item_ids for d in drafts) == [(1, 2), (3,)]
    assert all(d.entry.key.startswith("enc-charge-2026-01-05-") for d in drafts)


def test_a_reversal_posts_the_same_accounts_swapped() -> None:
    [draft] = summarise([_item(1, K.PAYER_PAYMENT, "40.00", reversal=True)], SummaryLevel.DAILY)
    assert draft.entry.kind is K.REVERSAL
    sides = {line.account: (line.debit, line.credit) for line in draft.entry.lines}
    assert sides == {"1200": (D("40.00"), D("0.00")), "1010": (D("0.00"), D("40.00"))}


def test_the_key_depends_only_on_level_kind_day_and_items() -> None:
    assert journal_key(SummaryLevel.DAILY, K.CHARGE, date(2026, 1, 5), [3, 1]) == journal_key(
        SummaryLevel.DAILY, K.CHARGE, date(2026, 1, 5), [1, 3]
    )
    assert journal_key(SummaryLevel.DAILY, K.CHARGE, date(2026, 1, 5), [1]) != journal_key(
        SummaryLevel.DAILY, K.CHARGE, date(2026, 1, 5), [2]
    )


def test_posting_date_moves_into_the_open_period() -> None:
    assert posting_date(date(2025, 12, 30), date(2026, 1, 1)) == date(2026, 1, 1)
    assert posting_date(date(2026, 1, 3), date(2026, 1, 1)) == date(2026, 1, 3)
    assert posting_date(date(2025, 12, 30), None) == date(2025, 12, 30)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(TARGETS)),
            st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2),
            st.integers(1, 28),
            st.booleans(),
            st.sampled_from(["F1", "F2"]),
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(list(SummaryLevel)),
)
def test_every_summarised_journal_balances_and_carries_every_item_once(
    raw: list[tuple[K, Decimal, int, bool, str]], level: SummaryLevel
) -> None:
    items = [
        _item(i, k, str(a), d, reversal=r, facility=f, ref=f"e{i % 3}")
        for i, (k, a, d, r, f) in enumerate(raw)
    ]
    drafts = summarise(items, level)
    assert sorted(i for d in drafts for i in d.item_ids) == list(range(len(items)))
    for draft in drafts:
        assert draft.entry.debits == draft.entry.credits
        assert draft.entry.debits == sum((items[i].amount for i in draft.item_ids), D("0"))
    assert len({d.entry.key for d in drafts}) == len(drafts)


def test_payload_of_a_journal_and_its_guards() -> None:
    [draft] = summarise([_item(1, K.CHARGE, "12.50")], SummaryLevel.DAILY)
    payload = payload_of(draft.entry, legal_entity="LE", facility="F1", payer_class="medicare")
    data = payload.to_dict()
    assert data["debit_total"] == data["credit_total"] == "12.50"
    assert ErpJournal.from_dict(data) == payload
    with pytest.raises(PayloadError):
        ErpLine(1, "Doe, John", "1.00", "0.00")  # free text cannot be an account
    with pytest.raises(PayloadError):
        ErpLine(1, "1200", "1.00", "0.00", cost_centre="123 Main St")
    with pytest.raises(PayloadError):
        payload_of(draft.entry, legal_entity="LE", facility="Smith^John")
    with pytest.raises(PayloadError):
        ErpJournal.from_dict(data | {"credit_total": "12.51"})
    with pytest.raises(UnbalancedJournal):
        type(draft.entry)(
            draft.entry.key,
            draft.entry.kind,
            draft.entry.posting_date,
            draft.entry.period,
            draft.entry.lines[:1],
        )


def test_dimensions_that_are_not_codes_are_held_back_without_naming_the_value() -> None:
    from revcycle.service_layer.journal_builder import unfit_dimension

    assert unfit_dimension(Dimensions("HOSP", "ED", "medicare", "emergency")) is None
    reason = unfit_dimension(Dimensions("Main Campus, 12 Elm St", None, "medicare"))
    assert reason is not None and reason.startswith("facility is not a code") and "Elm" not in reason
