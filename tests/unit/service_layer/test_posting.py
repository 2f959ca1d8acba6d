"""Claim lifecycle and remittance posting through the message bus, with the posting handlers bound to a
policy (tolerance and reason-code meanings) as the composition root binds them: posted / closed,
balances, line matching, underpayments against the contract, denials with CARC / RARC meanings,
corrected claims answered by a reversal, voids, secondary claims, manual remittances, duplicates."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from revcycle.domain import commands as c
from revcycle.domain.claims import ClaimStatus, Frequency
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.master_data import Contract, Effective, FeeScheduleEntry
from revcycle.domain.posting import ClaimBalance, MatchMethod
from revcycle.domain.remittances import ClaimPayment, ClaimPaymentStatus, ServicePayment
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.handlers.remittances import PostingPolicy, configured
from revcycle.service_layer.messagebus import MessageBus
from tests.unit.service_layer.builders import (
    CO,
    PR,
    D,
    Harness,
    ack277,
    ack999,
    adj,
    denied,
    paid_in_full,
    remittance,
    reversal_of,
    submit,
)

S = ClaimStatus
F = FindingType
DAY = date(2026, 2, 16)


class Meanings:
    """A ReasonCodes port with a few codes (the real lists are tested in tests/unit/codesets)."""

    def describe_carc(self, code: str) -> str | None:
        return {"29": "The time limit for filing has expired.", "16": "Claim lacks information."}.get(code)

    def describe_group(self, code: str) -> str | None:
        return {"CO": "Contractual Obligations"}.get(code)

    def describe_rarc(self, code: str) -> str | None:
        return {"N211": "Alert: You may not appeal this decision."}.get(code)


@pytest.fixture
def posting(harness: Harness) -> Harness:
    policy = PostingPolicy(Decimal("1.00"), Meanings())
    harness.bus = MessageBus({**HANDLERS, **configured(policy)})
    return harness


def accepted(h: Harness, pcn: str = "PCN1001", **kwargs: object) -> int:
    h.send(submit(pcn, **kwargs))  # type: ignore[arg-type]
    h.send(ack999("A"))
    h.send(ack277(pcn))
    return h.claim_ids(pcn)[-1]


def balance(h: Harness, claim_id: int) -> ClaimBalance:
    return ClaimBalance(h.store.claims.get(claim_id).total_charge, h.store.postings.claim_totals(claim_id))


def with_lines(
    *services: ServicePayment, status: ClaimPaymentStatus = ClaimPaymentStatus.PRIMARY
) -> ClaimPayment:
    paid = sum((s.paid for s in services), D("0.00"))
    charge = sum((s.charge for s in services), D("0.00"))
    patient = sum((a.amount for s in services for a in s.adjustments if a.group is PR), D("0.00"))
    return ClaimPayment("PCN1001", status, charge, paid, patient, "PAYERCCN-77", services=services)


def line(
    code: str, charge: str, paid: str, *adjustments: tuple[str, str, str], **kw: object
) -> ServicePayment:
    groups = {"CO": CO, "PR": PR}
    return ServicePayment(
        code,
        D(charge),
        D(paid),
        service_date=DAY,
        adjustments=tuple(adj(groups[g], r, a) for g, r, a in adjustments),
        **kw,  # type: ignore[arg-type]
    )


# -- the lifecycle -------------------------------------------------------------------------------------


def test_partial_payment_with_co45_and_pr2_is_posted_and_stays_open_for_the_patient(posting: Harness) -> None:
    claim_id = accepted(posting)
    posting.send(remittance(paid_in_full()))
    claim = posting.store.claims.get(claim_id)
    assert claim.status is S.POSTED and claim.adjudication is S.PAID
    assert posting.transitions(claim_id) == [
        ("draft", "submitted"),
        ("submitted", "acknowledged"),
        ("acknowledged", "accepted"),
        ("accepted", "paid"),
        ("paid", "posted"),
    ]
    owed = balance(posting, claim_id)
    assert (owed.insurance_balance, owed.patient_balance) == (D(0), D("30.00"))
    assert (owed.posted.paid, owed.posted.contractual) == (D("130.00"), D("40.00"))


def test_a_claim_paid_with_nothing_left_to_the_patient_closes(posting: Harness) -> None:
    claim_id = accepted(posting)
    full = with_lines(
        line("99214", "150.00", "120.00", ("CO", "45", "30")),
        line("36415", "50.00", "40.00", ("CO", "45", "10")),
    )
    posting.send(remittance(full))
    assert posting.transitions(claim_id)[-3:] == [
        ("accepted", "paid"),
        ("paid", "posted"),
        ("posted", "closed"),
    ]
    assert balance(posting, claim_id).patient_balance == 0


def test_lines_are_posted_with_their_match_method(posting: Harness) -> None:
    claim_id = accepted(posting)
    payment = with_lines(
        line(
            "99214",
            "150.00",
            "100.00",
            ("CO", "45", "30"),
            ("PR", "2", "20"),
            line_control_number="PCN1001-1",
        ),
        line("36415", "50.00", "30.00", ("CO", "45", "10"), ("PR", "2", "10")),
    )
    posting.send(remittance(payment))
    lines = posting.store.postings.lines(claim_id)
    assert [(p.match.line.line_number if p.match.line else None, p.match.method) for p in lines] == [
        (1, MatchMethod.LINE_CONTROL_NUMBER),
        (2, MatchMethod.CODE_MODIFIERS_DATE),
    ]
    event = [e for e in posting.timeline(claim_id) if e.kind == "remittance"][-1]
    assert event.detail["lines"] == {"line_control_number": 1, "code_modifiers_date": 1}


def test_a_payment_line_for_a_code_never_billed_is_a_finding(posting: Harness) -> None:
    accepted(posting)
    posting.send(remittance(with_lines(line("99215", "150.00", "100.00", ("CO", "45", "50")))))
    [finding] = posting.of_type(F.UNMATCHED_REMITTANCE)
    assert finding.details["procedure_codes"] == ["99215"] and finding.severity is Severity.LOW


# -- denials ------------------------------------------------------------------------------------------------


def test_a_denial_lands_in_the_work_queue_with_carc_and_rarc_meanings(posting: Harness) -> None:
    claim_id = accepted(posting)
    posting.send(remittance(denied()))
    assert posting.store.claims.get(claim_id).status is S.DENIED
    [finding] = posting.of_type(F.DENIAL)
    assert finding.severity is Severity.HIGH and finding.details["whole_claim"] is True
    assert finding.details["carc"] == ["CO-16", "CO-29"]
    reasons = {r["code"]: r for r in finding.details["reasons"]}
    assert reasons["29"]["meaning"] == "The time limit for filing has expired."
    assert reasons["29"]["group_meaning"] == "Contractual Obligations"
    assert (reasons["29"]["line"], reasons["29"]["procedure_code"], reasons["29"]["amount"]) == (
        1,
        "99214",
        "150",
    )
    assert {r["code"]: r["meaning"] for r in finding.details["rarc"]} == {
        "N211": "Alert: You may not appeal this decision.",
        "MA130": None,  # not in the table: reported without a meaning
    }
    assert "CO-29 The time limit for filing has expired." in finding.summary
    owed = balance(posting, claim_id)
    assert (owed.posted.denied, owed.insurance_balance) == (D("200.00"), D("200.00"))


# -- underpayments ------------------------------------------------------------------------------------------


def contract(
    *rates: tuple[str, str], tolerance: str = "0.00", start: date | None = None
) -> c.UpsertMasterData:
    schedule = tuple(FeeScheduleEntry(code, D(amount)) for code, amount in rates)
    record = Contract("C-A", "PAYER-A", schedule, tolerance=D(tolerance), effective=Effective(start, None))
    return c.UpsertMasterData("contract", (record,))


def paid_at(allowed_99214: str, allowed_36415: str = "40.00") -> ClaimPayment:
    def one(code: str, charge: str, allowed: str) -> ServicePayment:
        co = str(D(charge) - D(allowed))
        return line(code, charge, allowed, ("CO", "45", co), allowed=D(allowed))

    return with_lines(one("99214", "150.00", allowed_99214), one("36415", "50.00", allowed_36415))


def test_a_line_allowed_below_contract_beyond_the_tolerance_is_an_underpayment(posting: Harness) -> None:
    posting.send(contract(("99214", "120.00"), ("36415", "40.00")))
    claim_id = accepted(posting)
    posting.send(remittance(paid_at("104.00")))
    [finding] = posting.of_type(F.UNDERPAYMENT)
    assert (finding.subject_kind, finding.subject_id) == ("claim", str(claim_id))
    assert (
        finding.details.items()
        >= {
            "line_number": 1,
            "line_control_number": "PCN1001-1",
            "procedure_code": "99214",
            "expected_allowed": "120.00",
            "allowed": "104.00",
            "shortfall": "16.00",
            "tolerance": "1.00",
        }.items()
    )
    [first, second] = posting.store.postings.lines(claim_id)
    assert (first.expected, second.expected, second.underpayment) == (D("120.00"), D("40.00"), None)


def test_within_the_tolerance_or_without_a_contract_no_underpayment(posting: Harness) -> None:
    posting.send(contract(("99214", "120.00"), tolerance="5.00"))  # the contract's own tolerance wins
    accepted(posting)
    posting.send(remittance(paid_at("116.00", "10.00"), trace="T1"))  # 36415 has no rate: not judged
    assert posting.of_type(F.UNDERPAYMENT) == []


def test_the_contract_version_of_the_service_date_is_used(posting: Harness) -> None:
    posting.send(contract(("99214", "100.00")))
    posting.send(contract(("99214", "130.00"), start=date(2026, 3, 1)))  # a renewal after the service
    accepted(posting)
    posting.send(remittance(paid_at("100.00")))
    assert posting.of_type(F.UNDERPAYMENT) == []


def test_secondary_payers_are_not_judged_against_the_primary_contract(posting: Harness) -> None:
    posting.send(contract(("99214", "120.00")))
    accepted(posting, rank=2)
    posting.send(remittance(dataclasses.replace(paid_at("50.00"), status=ClaimPaymentStatus.SECONDARY)))
    assert posting.of_type(F.UNDERPAYMENT) == []


# -- reversals, corrected and void claims ---------------------------------------------------------------------


def test_a_denial_reworked_by_a_corrected_claim_then_reversed_and_paid(posting: Harness) -> None:
    """The payer's usual answer to a frequency-7 claim: reverse the first adjudication (CLP02 = 22, on
    the claim it replaced), then pay the replacement under a new claim control number."""
    original = accepted(posting)
    posting.send(remittance(denied(), trace="T1"))
    posting.send(submit(frequency=Frequency.REPLACEMENT, group="1003"))
    replacement = posting.claim_ids()[-1]
    assert posting.store.claims.get(original).status is S.REPLACED
    posting.send(
        remittance(
            reversal_of(denied()),
            dataclasses.replace(paid_in_full(), payer_claim_control_number="CCN-R"),
            trace="T2",
        )
    )
    assert posting.of_type(F.ILLEGAL_TRANSITION) == []
    assert posting.store.claims.get(original).status is S.REPLACED
    assert [e.kind for e in posting.timeline(original)][-1] == "reversal"
    assert posting.store.postings.claim_totals(original).denied == 0  # the denial netted out
    assert posting.store.claims.get(replacement).status is S.POSTED
    assert balance(posting, replacement).posted.paid == D("130.00")


def test_a_reversal_reopens_a_posted_claim_and_the_money_nets_out(posting: Harness) -> None:
    claim_id = accepted(posting)
    posting.send(remittance(paid_in_full(), trace="T1"))
    posting.send(remittance(reversal_of(paid_in_full()), trace="T2"))
    claim = posting.store.claims.get(claim_id)
    assert (claim.status, claim.adjudication) == (S.REVERSED, S.REVERSED)
    owed = balance(posting, claim_id)
    assert (owed.posted.paid, owed.patient_balance, owed.insurance_balance) == (D(0), D(0), D("200.00"))


def test_a_void_ends_a_submitted_claim(posting: Harness) -> None:
    claim_id = accepted(posting)
    posting.send(submit(frequency=Frequency.VOID, group="1009"))
    assert posting.store.claims.get(claim_id).status is S.VOID
    assert len(posting.claim_ids()) == 1  # the void is not a new claim


def test_a_corrected_claim_may_follow_a_closed_one(posting: Harness) -> None:
    claim_id = accepted(posting)
    full = with_lines(line("99214", "150.00", "150.00"), line("36415", "50.00", "50.00"))
    posting.send(remittance(full))
    assert posting.store.claims.get(claim_id).status is S.CLOSED
    posting.send(submit(frequency=Frequency.REPLACEMENT, group="1004"))
    assert [s.status for s in posting.claims()] == [S.REPLACED, S.SUBMITTED]


# -- secondary claims ---------------------------------------------------------------------------------------


def test_a_secondary_claim_records_cob_and_its_payment_closes_the_primary(posting: Harness) -> None:
    primary = accepted(posting)
    posting.send(remittance(paid_in_full(), trace="T1"))
    cob = dataclasses.replace(
        submit(rank=2, payer_id="PAYER-B", group="1010").claim, other_payer_paid=D("130.00")
    )
    posting.send(c.SubmitClaim(cob, None, group_control_number="1010", transaction_control_number="0001"))
    secondary = posting.claim_ids()[-1]
    [event] = [e for e in posting.timeline(secondary) if e.kind == "coordination_of_benefits"]
    assert event.detail == {
        "prior_claims": [primary],
        "prior_adjudicated": [primary],
        "other_payer_paid": "130.00",
        "prior_paid_posted": "130.00",
        "cob_agrees": True,
    }
    assert posting.timeline(primary)[-1].kind == "secondary_claim"
    pays_share = with_lines(
        line("99214", "150.00", "20.00", ("CO", "23", "130")),  # OA-23 in practice; CO keeps the test short
        line("36415", "50.00", "10.00", ("CO", "23", "40")),
        status=ClaimPaymentStatus.SECONDARY,
    )
    posting.send(remittance(pays_share, trace="T2", payer_id="PAYER-B"))
    assert posting.store.claims.get(secondary).status is S.CLOSED
    assert posting.store.claims.get(primary).status is S.CLOSED
    assert posting.transitions(primary)[-1] == ("posted", "closed")


def test_a_secondary_claim_whose_cob_amount_disagrees_with_posting_is_a_finding(posting: Harness) -> None:
    primary = accepted(posting)
    posting.send(remittance(paid_in_full(), trace="T1"))
    cob = dataclasses.replace(
        submit(rank=2, payer_id="PAYER-B", group="1010").claim, other_payer_paid=D("150.00")
    )
    posting.send(c.SubmitClaim(cob, None, group_control_number="1010", transaction_control_number="0001"))
    [finding] = posting.of_type(F.COB_MISMATCH)
    secondary = posting.claim_ids()[-1]
    assert (finding.subject_id, finding.details["prior_claims"]) == (str(secondary), [primary])
    assert (
        "reports 150.00 paid by earlier payers" in finding.summary and "130.00 was posted" in finding.summary
    )


def test_a_secondary_claim_before_the_primary_is_adjudicated_is_only_recorded(posting: Harness) -> None:
    accepted(posting)
    cob = dataclasses.replace(
        submit(rank=2, payer_id="PAYER-B", group="1010").claim, other_payer_paid=D("150.00")
    )
    posting.send(c.SubmitClaim(cob, None, group_control_number="1010", transaction_control_number="0001"))
    assert posting.of_type(F.COB_MISMATCH) == []
    event = next(e for e in posting.timeline(posting.claim_ids()[-1]) if e.kind == "coordination_of_benefits")
    assert event.detail["prior_adjudicated"] == [] and event.detail["cob_agrees"] is False


# -- duplicates and manual entry ---------------------------------------------------------------------------


def test_the_same_remittance_twice_is_posted_once(posting: Harness) -> None:
    claim_id = accepted(posting)
    posting.send(remittance(paid_in_full()))
    posting.send(remittance(paid_in_full()))
    assert len(posting.store.postings.rows) == 1
    assert balance(posting, claim_id).posted.paid == D("130.00")
    assert posting.store.findings.types() == [F.DUPLICATE_REMITTANCE]


def test_a_manual_remittance_takes_the_835_path_and_keeps_who_when_and_source(posting: Harness) -> None:
    claim_id = accepted(posting)
    at = datetime(2026, 3, 21, 9, 30, tzinfo=UTC)
    entry = c.RecordManualRemittance(
        remittance(denied(), trace="CHK-5521").remittance, "jdoe", at, "paper EOB"
    )
    ctx = posting.send(entry)
    [payment] = posting.store.payments.rows
    assert (payment.source, payment.claim_id, payment.trace_number) == ("manual", claim_id, "CHK-5521")
    [manual] = posting.store.postings.manual
    assert (manual.trace_number, manual.entry.entered_by, manual.entry.entered_at, manual.entry.source) == (
        "CHK-5521",
        "jdoe",
        at,
        "paper EOB",
    )
    assert manual.message_id == ctx.message_id
    event = [e for e in posting.timeline(claim_id) if e.kind == "remittance"][-1]
    assert (event.detail["source"], event.detail["entered_by"]) == ("manual", "jdoe")
    assert posting.store.claims.get(claim_id).status is S.DENIED
    assert [f.type for f in posting.findings] == [F.DENIAL]
