"""Claims through the message bus: 837 submission, 999 and 277CA acknowledgments, duplicates,
replacements and voids, and illegal transitions that must become findings rather than errors."""

from __future__ import annotations

from typing import Any

import pytest

from revcycle.domain.claims import ClaimStatus, Frequency
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.patients import Patient
from tests.unit.service_layer.builders import (
    KEY,
    PATIENT,
    D,
    Harness,
    ack277,
    ack999,
    paid_in_full,
    remittance,
    submit,
)

S = ClaimStatus
F = FindingType


def submitted(h: Harness, pcn: str = "PCN1001", **kwargs: Any) -> int:
    h.send(submit(pcn, **kwargs))
    return h.claim_ids(pcn)[-1]


# -- submission ----------------------------------------------------------------------------------------


def test_a_new_claim_enters_as_submitted_with_its_patient_and_controls(harness: Harness) -> None:
    ctx = harness.send(submit())
    [stored] = harness.store.claims.all()
    assert stored.claim.status is S.SUBMITTED
    assert [(t.source, t.target) for t in stored.claim.history] == [(S.DRAFT, S.SUBMITTED)]
    row = harness.store.claims.rows[stored.id]
    assert (row.group_control, row.transaction_control) == ("1001", "0001")
    [event] = harness.timeline(stored.id)
    assert (event.kind, event.from_status, event.to_status) == ("transition", S.DRAFT, S.SUBMITTED)
    assert (event.correlation_id, event.message_id, event.at) == (ctx.correlation_id, 1, ctx.now)
    assert harness.store.patients.get(KEY) == PATIENT
    assert harness.findings == []


def test_submission_does_not_overwrite_a_registered_patient(harness: Harness) -> None:
    registered = Patient(mrn=PATIENT.mrn, family_name="Registered", assigning_authority="STMARY")
    harness.send(submit(with_patient=False))
    harness.store.patients.save(registered, None, harness.context())
    harness.send(submit("PCN2002"))
    assert harness.store.patients.get(KEY) == registered


def test_an_unbalanced_claim_is_stored_with_a_finding(harness: Harness) -> None:
    claim_id = submitted(harness, total="210.00")
    assert harness.store.claims.get(claim_id).status is S.SUBMITTED
    [finding] = harness.findings
    assert finding.type is F.CLAIM_UNBALANCED
    assert finding.details == {"total_charge": "210.00", "line_total": "200.00"}


# -- the whole lifecycle ---------------------------------------------------------------------------------


def test_whole_lifecycle_837_999_277ca_835_paid(harness: Harness) -> None:
    claim_id = submitted(harness)
    harness.send(ack999("A", "1001", "0001"))
    assert harness.store.claims.get(claim_id).status is S.ACKNOWLEDGED
    harness.send(ack277(accepted=True, category="A2", payer_ccn="PAYERCCN-77"))
    accepted = harness.store.claims.get(claim_id)
    assert accepted.status is S.ACCEPTED
    assert accepted.payer_claim_control_number == "PAYERCCN-77"
    harness.send(remittance(paid_in_full()))

    final = harness.store.claims.get(claim_id)
    assert final.status is S.POSTED
    assert harness.transitions(claim_id) == [
        ("draft", "submitted"),
        ("submitted", "acknowledged"),
        ("acknowledged", "accepted"),
        ("accepted", "paid"),
        ("paid", "posted"),
    ]
    assert [e.kind for e in harness.timeline(claim_id)] == [
        "transition",
        "transition",
        "transition",
        "remittance",
        "transition",
        "transition",
    ]
    assert [t.target for t in final.history] == [S.SUBMITTED, S.ACKNOWLEDGED, S.ACCEPTED, S.PAID, S.POSTED]
    assert final.adjudication is S.PAID
    totals = harness.store.claims.totals(claim_id)
    assert (totals.paid, totals.patient_responsibility, totals.contractual) == (D("130"), D("30"), D("40"))
    [payment] = harness.store.payments.rows
    assert (payment.claim_id, payment.contractual, payment.patient_responsibility) == (
        claim_id,
        D("40"),
        D("30"),
    )
    assert payment.other_adjustments == 0
    remit_event = harness.timeline(claim_id)[3]
    assert remit_event.detail == {
        "payment_id": 1,
        "trace": "TRN-88001",
        "status": "1",
        "paid": "130.00",
        "contractual": "40.00",
        "patient_responsibility": "30.00",
        "denied": "0.00",
        "source": "835",
        "lines": {"code_modifiers_date": 2},
    }
    assert harness.findings == []


def test_each_lifecycle_event_carries_its_own_message_correlation(harness: Harness) -> None:
    contexts = [
        harness.send(submit()),
        harness.send(ack999()),
        harness.send(ack277()),
        harness.send(remittance(paid_in_full())),
    ]
    # The 835 both adjudicates and posts: two transitions under its one correlation id.
    expected = [ctx.correlation_id for ctx in contexts] + [contexts[-1].correlation_id]
    transitions = [e for e in harness.timeline(1) if e.kind == "transition"]
    assert [e.correlation_id for e in transitions] == expected
    assert [t.correlation_id for t in harness.store.claims.get(1).history] == expected


@pytest.mark.parametrize("status", ["A", "E", "P"])
def test_999_accepting_statuses_acknowledge(harness: Harness, status: str) -> None:
    claim_id = submitted(harness)
    harness.send(ack999(status))
    assert harness.store.claims.get(claim_id).status is S.ACKNOWLEDGED
    assert harness.findings == []


def test_group_level_999_applies_to_every_transaction_of_the_group(harness: Harness) -> None:
    first = submitted(harness, "PCN1001", transaction="0001")
    second = submitted(harness, "PCN1002", transaction="0002")
    other_group = submitted(harness, "PCN1003", group="1002", transaction="0001")
    harness.send(ack999("A", "1001", None))
    assert harness.store.claims.get(first).status is S.ACKNOWLEDGED
    assert harness.store.claims.get(second).status is S.ACKNOWLEDGED
    assert harness.store.claims.get(other_group).status is S.SUBMITTED


def test_transaction_level_999_touches_only_its_transaction(harness: Harness) -> None:
    first = submitted(harness, "PCN1001", transaction="0001")
    second = submitted(harness, "PCN1002", transaction="0002")
    harness.send(ack999("R", "1001", "0002", "IK3-8"))
    assert harness.store.claims.get(first).status is S.SUBMITTED
    assert harness.store.claims.get(second).status is S.REJECTED


def test_ta1_without_a_group_moves_nothing(harness: Harness) -> None:
    claim_id = submitted(harness)
    harness.send(ack999("R", None, None))
    assert harness.store.claims.get(claim_id).status is S.SUBMITTED
    assert harness.timeline(claim_id)[-1].kind == "transition"
    assert harness.findings == []


def test_a_payer_may_adjudicate_without_a_999_or_277ca(harness: Harness) -> None:
    claim_id = submitted(harness)
    harness.send(remittance(paid_in_full()))
    assert harness.store.claims.get(claim_id).status is S.POSTED
    assert harness.findings == []


# -- rejections --------------------------------------------------------------------------------------------


def test_999_rejection_rejects_the_claim_with_a_finding(harness: Harness) -> None:
    claim_id = submitted(harness)
    harness.send(ack999("R", "1001", "0001", "IK5-5", "IK3-8"))
    assert harness.store.claims.get(claim_id).status is S.REJECTED
    assert harness.transitions(claim_id)[-1] == ("submitted", "rejected")
    [finding] = harness.findings
    assert finding.type is F.CLAIM_REJECTED
    assert finding.severity is Severity.HIGH
    assert (finding.subject_kind, finding.subject_id) == ("claim", str(claim_id))
    assert finding.details == {"errors": ["IK5-5", "IK3-8"]}
    assert "IK5-5" in finding.summary


@pytest.mark.parametrize(("category", "status"), [("A3", "21"), ("A7", "562"), ("A6", None)])
def test_277ca_rejection_rejects_the_claim_with_a_finding(
    harness: Harness, category: str, status: str | None
) -> None:
    claim_id = submitted(harness)
    harness.send(ack999("A"))
    harness.send(ack277(accepted=False, category=category, status=status))
    assert harness.store.claims.get(claim_id).status is S.REJECTED
    assert harness.transitions(claim_id)[-1] == ("acknowledged", "rejected")
    [finding] = harness.findings
    assert finding.type is F.CLAIM_REJECTED
    assert finding.details == {"category": category, "status": status}
    assert f"277CA {category}:{status or '-'}" in finding.summary


def test_277ca_for_an_unknown_claim_is_a_finding(harness: Harness) -> None:
    harness.send(ack277("PCN-UNKNOWN"))
    [finding] = harness.findings
    assert finding.type is F.UNMATCHED_REMITTANCE
    assert finding.subject_kind == "message"
    assert harness.store.claims.all() == []


def test_277ca_accepted_keeps_an_existing_payer_control_number(harness: Harness) -> None:
    claim_id = submitted(harness)
    harness.send(ack277(payer_ccn="FIRST"))
    harness.send(remittance(paid_in_full()))
    harness.send(ack277(payer_ccn="SECOND"))
    assert harness.store.claims.get(claim_id).payer_claim_control_number == "FIRST"


# -- duplicates, corrections, replacements, voids --------------------------------------------------------


def test_the_same_claim_submitted_twice_is_a_duplicate_finding_and_not_a_second_claim(
    harness: Harness,
) -> None:
    claim_id = submitted(harness)
    harness.send(ack999("A"))
    harness.send(submit(group="1005", transaction="0001"))
    assert harness.claim_ids() == [claim_id]
    assert harness.store.claims.get(claim_id).status is S.ACKNOWLEDGED
    [finding] = harness.findings
    assert finding.type is F.DUPLICATE_CLAIM
    assert finding.severity is Severity.HIGH
    assert finding.subject_id == str(claim_id)
    assert finding.details == {"frequency": "1"}
    assert harness.timeline(claim_id)[-1].kind == "duplicate_submission"


def test_a_third_submission_is_a_second_duplicate_finding(harness: Harness) -> None:
    submitted(harness)
    harness.send(submit())
    harness.send(submit())
    assert len(harness.claim_ids()) == 1
    assert len(harness.of_type(F.DUPLICATE_CLAIM)) == 2  # one per message (keyed by correlation)


def test_the_same_claim_twice_in_one_message_is_one_claim(harness: Harness) -> None:
    harness.send(submit(), submit())
    assert len(harness.claim_ids()) == 1
    assert [f.type for f in harness.findings] == [F.DUPLICATE_CLAIM]


@pytest.mark.parametrize("rejection", ["999", "277CA"])
def test_a_corrected_resubmission_after_a_rejection_is_a_new_claim(harness: Harness, rejection: str) -> None:
    first = submitted(harness)
    if rejection == "999":
        harness.send(ack999("R"))
    else:
        harness.send(ack277(accepted=False, category="A7", status="562"))
    harness.send(submit(group="1002", transaction="0001"))
    first_claim, second_claim = harness.claims()
    assert first_claim.status is S.REPLACED
    assert harness.transitions(first)[-1] == ("rejected", "replaced")
    assert second_claim.status is S.SUBMITTED
    assert harness.of_type(F.DUPLICATE_CLAIM) == []
    # The corrected claim is the live one: its own 999 and the 835 find it.
    second = harness.claim_ids()[1]
    harness.send(ack999("A", "1002", "0001"))
    harness.send(remittance(paid_in_full()))
    assert harness.store.claims.get(second).status is S.POSTED
    assert harness.store.claims.totals(first).paid == 0


def test_a_replacement_supersedes_the_live_claim(harness: Harness) -> None:
    first = submitted(harness)
    harness.send(ack999("A"))
    harness.send(ack277())
    harness.send(submit(frequency=Frequency.REPLACEMENT, group="1003"))
    original, replacement = harness.claims()
    assert original.status is S.REPLACED
    assert harness.transitions(first)[-1] == ("accepted", "replaced")
    assert replacement.status is S.SUBMITTED
    assert replacement.frequency is Frequency.REPLACEMENT
    assert harness.of_type(F.DUPLICATE_CLAIM) == []
    harness.send(remittance(paid_in_full()))
    assert harness.claims()[1].status is S.POSTED
    assert harness.store.claims.totals(first).paid == 0


def test_a_replacement_of_a_paid_claim_replaces_it(harness: Harness) -> None:
    submitted(harness)
    harness.send(remittance(paid_in_full()))
    harness.send(submit(frequency=Frequency.REPLACEMENT, group="1003"))
    assert [c.status for c in harness.claims()] == [S.REPLACED, S.SUBMITTED]


def test_a_replacement_without_a_live_claim_enters_as_new(harness: Harness) -> None:
    harness.send(submit(frequency=Frequency.REPLACEMENT))
    [stored] = harness.claims()
    assert stored.status is S.SUBMITTED
    assert harness.findings == []


@pytest.mark.parametrize("before", [[], ["999"], ["999", "277"]])
def test_a_void_voids_the_live_claim(harness: Harness, before: list[str]) -> None:
    claim_id = submitted(harness)
    if "999" in before:
        harness.send(ack999("A"))
    if "277" in before:
        harness.send(ack277())
    harness.send(submit(frequency=Frequency.VOID, group="1009"))
    assert harness.claim_ids() == [claim_id]  # the void is not a claim of its own
    assert harness.store.claims.get(claim_id).status is S.VOID
    assert harness.transitions(claim_id)[-1][1] == "void"
    assert harness.findings == []
    # A voided claim is no longer live: a later 835 for its control number matches nothing.
    harness.send(remittance(paid_in_full()))
    assert [f.type for f in harness.findings] == [F.UNMATCHED_REMITTANCE]


def test_a_void_for_an_unknown_claim_is_a_finding(harness: Harness) -> None:
    ctx = harness.send(submit("PCN-NEVER-SEEN", frequency=Frequency.VOID))
    assert harness.store.claims.all() == []
    [finding] = harness.findings
    assert finding.type is F.UNMATCHED_REMITTANCE
    assert (finding.subject_kind, finding.subject_id) == ("message", str(ctx.message_id))
    assert "void" in finding.summary


def test_a_void_of_a_paid_claim_is_an_illegal_transition_finding(harness: Harness) -> None:
    claim_id = submitted(harness)
    harness.send(remittance(paid_in_full()))
    harness.send(submit(frequency=Frequency.VOID))
    assert harness.store.claims.get(claim_id).status is S.POSTED
    [finding] = harness.findings
    assert finding.type is F.ILLEGAL_TRANSITION
    assert finding.summary == "claim cannot move from posted to void"


def test_a_secondary_claim_with_the_same_control_number_is_not_a_duplicate(harness: Harness) -> None:
    primary = submitted(harness)
    harness.send(remittance(paid_in_full()))
    secondary = submitted(harness, rank=2, payer_id="PAYER-B", group="1004")
    assert harness.store.claims.get(primary).status is S.POSTED
    assert harness.store.claims.get(secondary).status is S.SUBMITTED
    assert harness.findings == []


# -- illegal transitions never raise ---------------------------------------------------------------------


def test_277ca_accepted_for_a_paid_claim_is_recorded_not_applied(harness: Harness) -> None:
    claim_id = submitted(harness)
    harness.send(remittance(paid_in_full()))
    harness.send(ack277(accepted=True, category="A1", status="19"))
    assert harness.store.claims.get(claim_id).status is S.POSTED
    last = harness.timeline(claim_id)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("277CA", None, None)
    assert last.detail == {"category": "A1", "status": "19"}
    assert harness.findings == []


def test_a_second_999_after_adjudication_is_recorded_and_ignored(harness: Harness) -> None:
    claim_id = submitted(harness)
    harness.send(ack999("A"))
    harness.send(remittance(paid_in_full()))
    harness.send(ack999("R"))
    assert harness.store.claims.get(claim_id).status is S.POSTED
    last = harness.timeline(claim_id)[-1]
    assert (last.kind, last.detail) == ("999", {"status": "R", "ignored": True})
    assert harness.findings == []


def test_277ca_rejection_of_a_paid_claim_is_an_illegal_transition_finding(harness: Harness) -> None:
    claim_id = submitted(harness)
    harness.send(remittance(paid_in_full()))
    ctx = harness.send(ack277(accepted=False, category="A3", status="21"))
    assert harness.store.claims.get(claim_id).status is S.POSTED
    [finding] = harness.findings
    assert finding.type is F.ILLEGAL_TRANSITION
    assert finding.summary == "claim cannot move from posted to rejected"
    assert finding.details == {"event": "277CA A3"}
    assert finding.correlation_id == ctx.correlation_id
    assert harness.transitions(claim_id)[-1] == ("paid", "posted")
