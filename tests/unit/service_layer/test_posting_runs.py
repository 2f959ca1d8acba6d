"""Set-based posting of one 835 (``handlers.posting_runs``): how its claim payments are cut into runs,
and that posting an 835 whole leaves the store exactly as posting its claim payments one 835 each, in
the same order, would (duplicates, reversals, secondary claims, denials, unmatched payments, and the
patient's credit, which one posting may apply to another visit of the patient's)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from revcycle.domain import commands as c
from revcycle.domain.claims import ClaimStatus
from revcycle.domain.findings import FindingType
from revcycle.domain.remittances import ClaimPayment, ClaimPaymentStatus, PatientPayment
from revcycle.service_layer.handlers.posting_runs import Run, runs
from revcycle.service_layer.ports import HeldCredit, StoredClaim
from tests.unit.service_layer.builders import (
    ACCOUNT,
    CO,
    KEY,
    T0,
    D,
    Harness,
    adj,
    claim,
    denied,
    paid_in_full,
    remittance,
    reversal_of,
    submit,
    with_zero_line,
)

S = ClaimStatus
OTHER = "PATIENT-OTHER"


def stored(claim_id: int, pcn: str, patient_key: str | None = KEY) -> StoredClaim:
    return StoredClaim(claim_id, dataclasses.replace(claim(pcn), patient_key=patient_key))


def pcns(found: list[Run]) -> list[tuple[list[str], bool]]:
    return [([p.patient_control_number for p in run.payments], run.credit) for run in found]


# -- runs ------------------------------------------------------------------------------------------------


def test_distinct_visits_without_credit_are_one_run() -> None:
    payments = [paid_in_full("A"), denied("B"), paid_in_full("C")]
    claims = {"A": [stored(1, "A")], "B": [stored(2, "B")]}  # C matches no claim
    assert pcns(runs(payments, claims, [])) == [(["A", "B", "C"], False)]


def test_a_visit_seen_again_starts_a_new_run() -> None:
    payments = [paid_in_full("A"), paid_in_full("B"), reversal_of(paid_in_full("A")), paid_in_full("C")]
    assert pcns(runs(payments, {}, [])) == [(["A", "B"], False), (["A", "C"], False)]


def test_a_payment_whose_visit_or_patient_holds_credit_is_a_run_of_its_own() -> None:
    payments = [paid_in_full(p) for p in ("A", "B", "C", "D", "E")]
    claims = {
        "A": [stored(1, "A", OTHER)],
        "B": [stored(2, "B", None)],
        "C": [stored(3, "C", OTHER), stored(4, "C", KEY)],  # any claim of the visit counts
        "D": [stored(5, "D", OTHER)],
        "E": [stored(6, "E", OTHER)],
    }
    credits = [
        HeldCredit(1, None, "B", D("10.00")),  # names visit B
        HeldCredit(2, KEY, None, D("-5.00")),  # the patient of one of C's claims (a refund counts too)
    ]
    assert pcns(runs(payments, claims, credits)) == [
        (["A"], False),
        (["B"], True),
        (["C"], True),
        (["D", "E"], False),
    ]


# -- whole 835 == one claim payment at a time ----------------------------------------------------------


def submit_for(h: Harness, pcn: str, patient_key: str = KEY, **kwargs: Any) -> int:
    command = submit(pcn, **kwargs)
    h.send(dataclasses.replace(command, claim=dataclasses.replace(command.claim, patient_key=patient_key)))
    return h.claim_ids(pcn)[-1]


def patient_pays(h: Harness, amount: str, pcn: str | None = None) -> None:
    h.send(c.RecordPatientPayment(PatientPayment(ACCOUNT, D(amount), T0, "card", f"R-{amount}", pcn)))


def secondary(pcn: str) -> ClaimPayment:
    return dataclasses.replace(paid_in_full(pcn), status=ClaimPaymentStatus.SECONDARY)


def book(h: Harness, *, credit: bool) -> list[ClaimPayment]:
    """Claims of two patients (KEY holds credit when ``credit``), an earlier 835, and the claim
    payments of the 835 under test."""
    for pcn in ("PCN1001", "PCN1002", "PCN1003"):
        submit_for(h, pcn)
    for pcn in ("PCN2001", "PCN2002", "PCN2003", "PCN2004", "PCN2005"):
        submit_for(h, pcn, OTHER)
    h.send(remittance(paid_in_full("PCN2002"), paid_in_full("PCN2005"), trace="TRN-EARLIER"))
    submit_for(h, "PCN2005", OTHER, rank=2, group="1010")  # the same payer, as secondary
    if credit:
        patient_pays(h, "25.00")  # the patient has no open balance yet: all of it is credit
        patient_pays(h, "12.00", pcn="PCN2003")  # a copay naming another patient's visit
    return [
        paid_in_full("PCN1003"),  # the newest visit of KEY first: it takes the credit, one by one
        paid_in_full("PCN2001"),
        paid_in_full("PCN2001"),  # the same claim payment twice: a duplicate
        reversal_of(paid_in_full("PCN2002")),
        paid_in_full("PCN1001"),
        paid_in_full("PCN2002"),  # the reversed claim paid again, in the same 835
        with_zero_line("PCN2003"),  # a denied line
        denied("PCN1002"),
        paid_in_full("PCN-UNKNOWN"),
        secondary("PCN2005"),  # the secondary closes the posted primary
        dataclasses.replace(paid_in_full("PCN2004"), paid=D("125.00")),  # unbalanced
    ]


def state(h: Harness) -> dict[str, Any]:
    store = h.store
    events: dict[int, list[Any]] = {}
    for event in store.claims.events:
        events.setdefault(event.claim_id, []).append(event)
    return {
        "claims": [(row.id, row.claim, row.totals) for row in store.claims.rows.values()],
        "events": events,  # in order per claim (the order across claims is not kept)
        "payments": store.payments.rows,
        "postings": store.postings.rows,
        "applications": store.patient_ledger.applications,
        "findings": sorted(
            ((f.key, f.summary, f.details, store.findings.occurrences(f.key)) for f in store.findings.all()),
            key=str,
        ),
    }


Post = Callable[[Harness, list[ClaimPayment]], None]


def whole(h: Harness, payments: list[ClaimPayment]) -> None:
    h.send(remittance(*payments, trace="TRN-UNDER-TEST"))


def one_at_a_time(h: Harness, payments: list[ClaimPayment]) -> None:
    h.send(*(remittance(p, trace="TRN-UNDER-TEST") for p in payments))  # one message, as the 835 is


@pytest.mark.parametrize("credit", [False, True])
def test_an_835_posted_whole_leaves_what_posting_its_claims_one_by_one_leaves(credit: bool) -> None:
    found = []
    for post in (whole, one_at_a_time):
        h = Harness()
        post(h, book(h, credit=credit))
        found.append(state(h))
    assert found[0] == found[1]
    h = Harness()
    whole(h, book(h, credit=credit))
    # the book is not trivial: every case happened
    kinds = {f.type for f in h.findings}
    assert {FindingType.DUPLICATE_REMITTANCE, FindingType.DENIAL, FindingType.UNMATCHED_REMITTANCE} <= kinds
    assert FindingType.REMITTANCE_UNBALANCED in kinds
    assert h.transitions(h.claim_ids("PCN2002")[-1])[-4:] == [
        ("paid", "posted"),
        ("posted", "reversed"),
        ("reversed", "paid"),
        ("paid", "posted"),
    ]
    primary, second = h.claim_ids("PCN2005")
    assert h.store.claims.get(primary).status is S.CLOSED
    assert h.store.claims.get(second).status is S.POSTED
    assert len([p for p in h.store.payments.rows if p.trace_number == "TRN-UNDER-TEST"]) == 10


def test_the_patients_credit_goes_to_the_visit_posted_first_in_the_835() -> None:
    """The credit is applied when a visit's posting leaves a balance, in the 835's order: the first
    visit listed takes it, though another visit of the patient in the same 835 is older."""
    h = Harness()
    older = submit_for(h, "PCN1001")
    newer = submit_for(h, "PCN1002")
    patient_pays(h, "25.00")
    h.send(remittance(paid_in_full("PCN1002"), paid_in_full("PCN1001")))
    applied = [(a.claim_id, a.amount, a.kind) for a in h.store.patient_ledger.applications]
    assert applied == [(newer, Decimal("25.00"), "credit")]
    assert h.store.claims.get(older).status is S.POSTED
    assert [e.kind for e in h.timeline(older)].count("patient_credit_applied") == 0


def test_credit_enough_for_both_visits_closes_both_in_the_835s_order() -> None:
    h = Harness()
    first = submit_for(h, "PCN1001")
    second = submit_for(h, "PCN1002")
    patient_pays(h, "60.00")
    h.send(remittance(paid_in_full("PCN1002"), paid_in_full("PCN1001")))
    applied = [(a.claim_id, a.amount) for a in h.store.patient_ledger.applications]
    assert applied == [(second, Decimal("30.00")), (first, Decimal("30.00"))]
    assert h.store.claims.get(first).status is S.CLOSED and h.store.claims.get(second).status is S.CLOSED


def test_the_same_claim_payment_twice_in_one_835_is_applied_once() -> None:
    h = Harness()
    claim_id = submit_for(h, "PCN1001", OTHER)
    h.send(remittance(paid_in_full("PCN1001"), paid_in_full("PCN1002"), paid_in_full("PCN1001")))
    assert h.store.claims.totals(claim_id).paid == D("130.00")
    assert [e.kind for e in h.timeline(claim_id)].count("remittance") == 1
    [duplicate] = h.of_type(FindingType.DUPLICATE_REMITTANCE)
    assert duplicate.subject_id == "TRN-88001"
    assert len(h.store.payments.rows) == 2


def test_a_claim_paid_in_full_and_reversed_in_one_835_closes_then_reverses() -> None:
    """The reversal follows the payment's whole posting (closing included), as it would one by one."""
    h = Harness()
    claim_id = submit_for(h, "PCN1001", OTHER)
    full = dataclasses.replace(
        paid_in_full("PCN1001"),
        paid=D("160.00"),
        patient_responsibility=D("0.00"),
        services=tuple(
            dataclasses.replace(
                s, paid=s.charge * Decimal("0.8"), adjustments=(adj(CO, "45", str(s.charge / 5)),)
            )
            for s in paid_in_full().services
        ),
    )
    h.send(remittance(full, reversal_of(full)))
    assert h.transitions(claim_id)[1:] == [
        ("submitted", "paid"),
        ("paid", "posted"),
        ("posted", "closed"),
        ("closed", "reversed"),
    ]
    assert h.store.postings.claim_totals(claim_id).paid == D("0.00")
