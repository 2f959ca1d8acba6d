"""Every X12 sample in shared/data/x12, read byte for byte, with its expected outcome.

Outcomes:

* ``mapped``: parsed into typed claims / remittances / acknowledgments (and, in phase 2, commands);
* ``unmapped``: 270, 271, 276 are identified (message type, control id, sender), stored and acknowledged
  (a 999 is generated for them) but not mapped to commands;
* ``rejected``: strict parsing raises ``InterchangeRejected`` with the TA1 code(s) given; the edge answers
  with a TA1 and dead-letters the bytes.

``accepted`` counts the transaction sets our 999 would accept; ``ik5`` lists, per set, the IK5 codes and
the ``segment:IK304`` errors found. The imsweb 837 samples all carry SE01 counts that do not match their
content (the files were edited without updating SE01), so their sets are rejected (IK5 4) although every
claim in them is read. Their HI segments also use element separators inside the composites
(``HI*BK*8901*BF*87200*BF:5559``): IK3 ``HI`` code 8 with IK4 1 / 7.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from revcycle.adapters.formats.x12.ack277 import ClaimStatusTransaction
from revcycle.adapters.formats.x12.ack999 import FunctionalAck
from revcycle.adapters.formats.x12.document import X12Document, parse
from revcycle.adapters.formats.x12.errors import InterchangeRejected
from revcycle.adapters.formats.x12.identify import identify


@dataclass(frozen=True)
class Case:
    name: str
    message_type: str
    sets: int
    claims: int
    charge: str = "0"
    paid: str = "0"
    accepted: int | None = None
    outcome: str = "mapped"
    ta1: list[str] = field(default_factory=list)
    ak9: list[str] = field(default_factory=list)
    ik5: list[list[str]] | None = None


CASES = [
    Case("badx12__X221-era-sample.edi", "835", 1, 1, "226", "132"),
    Case("badx12__X221-multiple-claims-single-check.edi", "835", 1, 9, "2819", "810.8"),
    Case("badx12__X222-anesthesia.edi", "837P", 1, 1, "827"),
    Case(
        "badx12__X279-response-to-generic-request-by-physician-for-patient-dependent-eligibility.edi",
        "271",
        1,
        0,
        outcome="unmapped",
    ),
    Case("edi835parser__emedny_sample.txt", "835", 1, 3, "102.50", "45.75"),
    Case("edi835parser__united_healthcare_legacy_sample.txt", "835", 1, 2, "1157.52", "349.99"),
    Case("imsweb__x12_277CA_accepted.txt", "277CA", 1, 1),
    Case("imsweb__x12_999_accepted.txt", "999", 1, 0, ta1=["001"]),
    Case("imsweb__x12_999_rejected.txt", "999", 1, 0),
    Case(
        "imsweb__x12_complex.txt",
        "837P",
        2,
        6,
        "3000",
        accepted=0,
        ak9=["5"],
        ik5=[["4", "HI:8", "HI:8", "HI:8"], ["4", "HI:8", "HI:8", "HI:8"]],
    ),
    Case(
        "imsweb__x12_multiple_gs.txt",
        "837P",
        3,
        6,
        "3000",
        accepted=0,
        ta1=["021"],
        ak9=["19", "19"],
        ik5=[["4", "HI:8", "HI:8"]] * 3,
    ),
    Case(
        "imsweb__x12_multiple_st.txt",
        "837P",
        2,
        4,
        "2000",
        accepted=0,
        ak9=["5"],
        ik5=[["4", "HI:8", "HI:8"], ["23", "4", "HI:8", "HI:8"]],
    ),
    Case("lfhx12__claim-level-status.276", "276", 1, 0, outcome="unmapped"),
    Case("lfhx12__claim-level-status.277", "277", 1, 3),
    Case("lfhx12__cob-contractural-adjustment.835", "835", 1, 1, "541.00", "34.00"),
    Case("lfhx12__demo.ambulance.example5.837", "837P", 1, 1, "766.50"),
    Case("lfhx12__demo.autoaccident.837", "837P", 1, 1, "185.00"),
    Case("lfhx12__demo.cob.example3.B.837", "837P", 1, 1, "79.04"),
    Case("lfhx12__demo.drug.example10.2.837", "837P", 1, 1, "2232.93"),
    Case("lfhx12__demo.example1.837", "837P", 1, 1, "100.00"),
    Case("lfhx12__dependent-health-benefit-check.271", "271", 1, 0, outcome="unmapped"),
    Case("lfhx12__institutional-claim.837i", "837I", 1, 1, "89.93"),
    # BPR16 is 20002316 (month 23): IK4 8 on BPR, the set is rejected by our 999 but still mapped.
    Case("lfhx12__managed-care.835", "835", 1, 2, "2000.00", "945.00", accepted=0, ik5=[["BPR:8"]]),
    Case("lfhx12__medicare-part-a.835", "835", 1, 2, "226366.97", "149998.73"),
    Case("lfhx12__secondary-payment.835", "835", 1, 2, "11075.14", "1222.00"),
    Case("lfhx12__subscriber-health-benefit-check.270", "270", 1, 0, outcome="unmapped"),
    Case("lfhx12__subscriber-health-benefit-check.271", "271", 1, 0, outcome="unmapped"),
    Case("lfhx12__two-claims-single-provider.837i", "837I", 1, 2, "139.95"),
    # ISA11 = ISA16 = "^" (noted 027, not rejecting); GS01 "XX" does not match ST01 271 (IK5 6).
    Case(
        "oopfactory__271_Example_3_2_2.txt",
        "271",
        1,
        0,
        accepted=0,
        outcome="unmapped",
        ta1=["027"],
        ik5=[["6"]],
    ),
    # ISA09 "3434  ", ISA12 "343434", ISA13 "43434343", IEA02 != ISA13.
    Case(
        "oopfactory__277_FromLatitude81uk.txt",
        "277CA",
        1,
        1,
        outcome="rejected",
        ta1=["014", "017", "018", "001"],
    ),
    # GS08 "5010" (AK9 2, noted); the last CLP has no CLP03/CLP04 (IK4 1): rejected by the 999, mapped.
    Case(
        "oopfactory__835_Example1.txt", "835", 1, 10, "439.99", "5.75", accepted=0, ak9=["2"], ik5=[["CLP:8"]]
    ),
    Case("oopfactory__837I_Spec_3.1.1.txt", "837I", 1, 1, "89.93", ta1=["027"]),
    Case("oopfactory__837P_Example1_2_And_3_Combined.txt", "837P", 2, 3, "279.04"),
    Case("oopfactory__999_DHS_Wisconsin_Sample.txt", "999", 1, 0),
    Case("pyx12__834_lui_id_5010.999.txt", "999", 4, 0),
    Case("pyx12__835_mult_loops.txt", "835", 1, 1, "915.39", "0"),
    Case("tigershark__5010-835-example-1.txt", "835", 1, 3, "11370", "1790"),
]


def _claims(document: X12Document) -> int:
    count = document.claim_count + sum(len(r.claims) for r in document.remittances())
    return count + sum(
        len(t.content.claims) for t in document.transactions if isinstance(t.content, ClaimStatusTransaction)
    )


def _charge(document: X12Document) -> Decimal:
    return document.charge_total + sum((r.charge_total for r in document.remittances()), Decimal(0))


def test_every_sample_is_in_the_table(shared_data: Path) -> None:
    on_disk = {p.name for p in (shared_data / "x12").iterdir()}
    assert on_disk == {case.name for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name[:48])
def test_sample(case: Case, shared_data: Path) -> None:
    raw = (shared_data / "x12" / case.name).read_bytes()
    envelope = identify(raw)
    assert envelope.format == "x12"
    assert envelope.message_type == case.message_type

    if case.outcome == "rejected":
        with pytest.raises(InterchangeRejected) as caught:
            parse(raw)
        assert caught.value.ta1_code == case.ta1[0]
        # strict mode rejects at the ISA, before the IEA (and its 001 note) is read
        assert [n.code for n in caught.value.notes] == [c for c in case.ta1 if c != "001"]
    document = parse(raw, strict=case.outcome != "rejected")

    assert len(document.transactions) == case.sets
    assert document.transactions[0].message_type == case.message_type
    assert _claims(document) == case.claims
    assert _charge(document) == Decimal(case.charge)
    assert document.paid_total == Decimal(case.paid)
    accepted = sum(t.accepted for t in document.transactions)
    assert accepted == (case.sets if case.accepted is None else case.accepted)
    assert [n.code for ic in document.interchanges for n in ic.notes] == case.ta1
    assert [e.code for ic in document.interchanges for g in ic.groups for e in g.errors] == case.ak9
    ik5 = [
        [e.code for e in t.ack.errors] + [f"{s.segment_id}:{s.code}" for s in t.ack.segment_errors]
        for t in document.transactions
    ]
    assert ik5 == (case.ik5 if case.ik5 is not None else [[] for _ in range(case.sets)])
    if case.outcome == "unmapped":
        assert all(t.content is None for t in document.transactions)
    else:
        assert all(t.content is not None for t in document.transactions)


def test_error_texts_are_phi_free(shared_data: Path) -> None:
    """No reason in any sample's acknowledgment data echoes a value from the message."""
    for case in CASES:
        raw = (shared_data / "x12" / case.name).read_bytes()
        document = parse(raw, strict=False)
        reasons = [n.reason for ic in document.interchanges for n in ic.notes]
        reasons += [e.reason for ic in document.interchanges for g in ic.groups for e in g.errors]
        for t in document.transactions:
            reasons += [e.reason for e in t.ack.errors]
            for s in t.ack.segment_errors:
                reasons.append(s.reason)
                reasons += [e.reason for e in s.elements]
        for claim_set in document.claims():
            for claim in claim_set.claims:
                reasons += [i.reason for i in claim.balancing_issues]
                assert claim.patient_control_number not in " ".join(reasons)
        text = " ".join(reasons)
        for ic in document.interchanges:
            assert not ic.header.sender_id or ic.header.sender_id not in text


def test_spot_checks_837(shared_data: Path) -> None:
    raw = (shared_data / "x12" / "lfhx12__demo.cob.example3.B.837").read_bytes()
    claim = parse(raw).claims()[0].claims[0]
    assert claim.patient_control_number == "26407789"
    assert claim.total_charge == Decimal("79.04")
    assert (claim.facility_code, claim.facility_qualifier, claim.frequency_code) == ("11", "B", "1")
    assert claim.billing_provider.npi == "1999996666"
    assert claim.billing_provider.tax_id == "123456789"
    assert claim.subscriber.payer is not None and claim.subscriber.payer.identifier == "567890"
    assert claim.patient is not None and claim.patient.relationship == "19"
    assert claim.principal_diagnosis == "4779"
    assert claim.other_diagnoses == ["2724", "2780", "53081"]
    rendering = claim.rendering_provider
    assert rendering is not None and rendering.npi == "1999996666" and rendering.taxonomy == "204C00000X"
    other = claim.other_subscribers[0]
    assert other.payer_paid == Decimal("39.15") and other.remaining_liability == Decimal("36.89")
    assert [(a.group, a.reason, a.amount) for a in other.adjustments] == [
        ("PR", "1", Decimal("21.89")),
        ("PR", "2", Decimal("15.00")),
    ]
    assert other.payer is not None and other.payer.identifier == "999996666"
    line = claim.lines[0]
    assert (line.procedure_code, line.charge, line.units, line.diagnosis_pointers) == (
        "99213", Decimal("43.00"), Decimal("1.00"), (1, 2, 3, 4),
    )  # fmt: skip
    assert line.adjudications[0].paid == Decimal("40.00")
    assert line.adjudications[0].adjustments[0].reason == "42"
    assert claim.balancing_issues == ()


def test_spot_checks_837i(shared_data: Path) -> None:
    raw = (shared_data / "x12" / "oopfactory__837I_Spec_3.1.1.txt").read_bytes()
    transaction = parse(raw).claims()[0]
    assert transaction.variant == "837I"
    assert transaction.detection_note is not None and "GS08 names 837P" in transaction.detection_note
    claim = transaction.claims[0]
    assert claim.principal_diagnosis == "3669"
    assert claim.institutional is not None and claim.institutional.admission_type == "3"
    statement = claim.statement_period
    assert statement is not None and statement.start.isoformat() == "1996-09-11"
    assert [(c.qualifier, c.code) for c in claim.codes if c.qualifier == "BE"] == [("BE", "A2")]
    assert [line.revenue_code for line in claim.lines] == ["0305", "0730"]
    assert claim.attending_provider is not None and claim.attending_provider.name == "JONES"


def test_spot_checks_835(shared_data: Path) -> None:
    raw = (shared_data / "x12" / "oopfactory__835_Example1.txt").read_bytes()
    remittance = parse(raw).remittances()[0]
    statuses = [c.status for c in remittance.claims]
    assert statuses == ["1", "4", "4", "2", "4", "1", "25", "22", "22", "22"]
    reversal = remittance.claims[7]
    assert reversal.is_reversal and reversal.paid == Decimal("-42.58")
    assert remittance.provider_adjustments[0].amount == Decimal("-1.27")
    assert remittance.claims[0].lines[0].modifiers == ("HF", "H9")
    assert remittance.claims[0].lines[0].line_control_number == "444444"
    assert [i.code for i in remittance.balancing_issues] == ["payment_total_mismatch"]

    raw = (shared_data / "x12" / "lfhx12__managed-care.835").read_bytes()
    managed = parse(raw).remittances()[0]
    first = managed.claims[0]
    assert first.adjustments_by_group() == {"CO": Decimal("50.00"), "PR": Decimal("300.00")}
    assert first.lines[0].dates[0].qualifier == "150"
    assert managed.balancing_issues == () and first.balancing_issues == ()


def test_spot_checks_277_and_999(shared_data: Path) -> None:
    raw = (shared_data / "x12" / "imsweb__x12_277CA_accepted.txt").read_bytes()
    status = parse(raw).transactions[0].content
    assert isinstance(status, ClaimStatusTransaction)
    claim = status.claims[0]
    assert (claim.patient_control_number, claim.payer_claim_control_number) == ("5781", "1107000000014420")
    assert claim.accepted and claim.category_code == "A2" and claim.total_charge == Decimal("125")

    raw = (shared_data / "x12" / "oopfactory__999_DHS_Wisconsin_Sample.txt").read_bytes()
    ack = parse(raw).transactions[0].content
    assert isinstance(ack, FunctionalAck)
    assert (ack.status, ack.received, ack.accepted) == ("P", 3, 1)
    assert [t.status for t in ack.transactions] == ["A", "R", "R"]
    clm_error = ack.transactions[1].segment_errors[0]
    assert (clm_error.segment_id, clm_error.position, clm_error.code) == ("CLM", 22, "8")
    assert (clm_error.elements[0].position, clm_error.elements[0].element_ref) == (2, "782")
