"""Transaction parsers on hand-built sets: loops, composites, balancing issues, syntax errors."""

from __future__ import annotations

from decimal import Decimal

from x12_build import CLAIM_837P, SegmentSpec, render, wrap

from revcycle.adapters.formats.x12.ack277 import ClaimStatusTransaction
from revcycle.adapters.formats.x12.ack999 import FunctionalAck
from revcycle.adapters.formats.x12.document import parse
from revcycle.adapters.formats.x12.models835 import Remittance835


def test_837p_claim_fields() -> None:
    transaction = parse(render(wrap(CLAIM_837P))).claims()[0]
    assert transaction.variant == "837P" and transaction.detection_note is None
    assert transaction.submitter is not None and transaction.submitter.contacts[0].numbers == (
        ("TE", "5555550100"),
    )
    claim = transaction.claims[0]
    assert (claim.frequency_code, claim.payer_claim_control_number, claim.prior_authorization) == (
        "7", "PAYERCLAIM9", "AUTH7",
    )  # fmt: skip
    assert claim.billing_provider.taxonomy == "207Q00000X" and claim.billing_provider.provider_code == "BI"
    assert claim.patient is None and claim.subscriber.relationship == "18"
    assert [(c.qualifier, c.code) for c in claim.diagnoses] == [("ABK", "J069"), ("ABF", "R509")]
    first, second = claim.lines
    assert (first.procedure_qualifier, first.procedure_code, first.modifiers) == ("HC", "99213", ("25",))
    assert (first.unit_basis, first.place_of_service, first.line_control_number) == ("UN", "11", "LINE1")
    service = second.service_date
    assert service is not None and service.period and (service.end - service.start).days == 1
    assert claim.balancing_issues == ()


def test_837_balancing_issue_is_data_not_an_exception() -> None:
    body = [s if s[0] != "CLM" else ["CLM", "PCN1", "175", "", "", ("11", "B", "1")] for s in CLAIM_837P]
    claim = parse(render(wrap(body))).claims()[0].claims[0]
    issue = claim.balancing_issues[0]
    assert (issue.code, issue.expected, issue.actual) == ("claim_charge_mismatch", Decimal(175), Decimal(150))
    assert "SV102" in issue.reason and "PCN1" not in issue.reason


def test_837_syntax_errors_become_ik3_ik4() -> None:
    body = [s if s[0] != "CLM" else ["CLM", "", "1X0", "", "", ("11", "B", "1")] for s in CLAIM_837P]
    document = parse(render(wrap(body)))
    transaction = document.transactions[0]
    assert not transaction.accepted
    error = transaction.ack.segment_errors[0]
    assert (error.segment_id, error.code, error.loop_id) == ("CLM", "8", "2300")
    assert [(e.position, e.code) for e in error.elements] == [(1, "1"), (2, "6")]


def test_837i_detection_from_content_and_institutional_codes() -> None:
    body: list[SegmentSpec] = [s for s in CLAIM_837P if s[0] not in ("LX", "SV1", "DTP", "HI", "REF", "PRV")]
    clm = body.index(next(s for s in body if s[0] == "CLM"))
    body[clm] = ["CLM", "PCN2", "100", "", "", ("13", "A", "1"), "", "A", "Y", "Y"]
    body[clm + 1 : clm + 1] = [
        ["DTP", "434", "RD8", "20261101-20261103"],
        ["CL1", "1", "7", "01"],
        ["HI", ("ABK", "J189", "", "", "", "", "", "", "Y")],
        ["HI", ("BBR", "0BH17EZ", "D8", "20261101")],
        ["HI", ("BE", "A1", "", "", "12.5")],
        ["NM1", "71", "1", "JONES", "AL", "", "", "", "XX", "1234567893"],
    ]
    body += [
        ["LX", "1"],
        ["SV2", "0450", ("HC", "99284"), "100", "UN", "1"],
        ["DTP", "472", "D8", "20261101"],
    ]
    transaction = parse(render(wrap(body))).claims()[0]
    assert transaction.variant == "837I"
    assert transaction.detection_note == "ST03 names 837P but the content is 837I"
    claim = transaction.claims[0]
    assert claim.principal_diagnosis == "J189" and claim.codes[0].present_on_admission == "Y"
    assert [(p.qualifier, p.code, p.date_value) for p in claim.procedures] == [("BBR", "0BH17EZ", "20261101")]
    assert [c.amount for c in claim.codes if c.qualifier == "BE"] == [Decimal("12.5")]
    assert claim.institutional is not None and claim.institutional.patient_status == "01"
    assert claim.attending_provider is not None and claim.lines[0].revenue_code == "0450"


REMIT: list[SegmentSpec] = [
    ["BPR", "I", "130", "C", "ACH", "CCP", "01", "999", "DA", "1", "X", "", "01", "9", "DA", "2", "20261120"],
    ["TRN", "1", "EFT123", "1999999999"],
    ["DTM", "405", "20261119"],
    ["N1", "PR", "PAYER"],
    ["N1", "PE", "CLINIC", "XX", "1234567893"],
    ["LX", "1"],
    ["CLP", "PCN1", "1", "200", "120", "30", "12", "PAYERCLM1", "11", "1"],
    ["CAS", "CO", "45", "20", "", "253", "2", "", "A1", "1", "", "B1", "1", "", "B2", "1", "", "B3", "1"],
    ["NM1", "QC", "1", "DOE", "JANE", "", "", "", "MI", "M1"],
    ["DTM", "232", "20261101"],
    ["SVC", ("HC", "99214", "25"), "200", "120", "", "1", ("HC", "99215")],
    ["DTM", "150", "20261101"],
    ["DTM", "151", "20261102"],
    ["CAS", "PR", "1", "30"],
    ["CAS", "CO", "45", "20"],
    ["REF", "6R", "LINE1"],
    ["AMT", "B6", "150"],
    ["LQ", "HE", "N130"],
    ["PLB", "1234567893", "20261231", ("WO", "REF9"), "-10"],
]


def _remit(body: list[SegmentSpec]) -> Remittance835:
    raw = render(wrap(body, st=("835", "0001", "005010X221A1"), gs01="HP", gs08="005010X221A1"))
    content = parse(raw).transactions[0].content
    assert isinstance(content, Remittance835)
    return content


def test_835_fields_and_balancing() -> None:
    remittance = _remit(REMIT)
    assert (remittance.payment_amount, remittance.payment_method, remittance.trace_number) == (
        Decimal(130), "ACH", "EFT123",
    )  # fmt: skip
    assert remittance.payment_date is not None and remittance.payment_date.isoformat() == "2026-11-20"
    assert remittance.payee is not None and remittance.payee.npi == "1234567893"
    claim = remittance.claims[0]
    assert (claim.status, claim.payer_claim_control_number, claim.patient_responsibility) == (
        "1", "PAYERCLM1", Decimal(30),
    )  # fmt: skip
    assert len(claim.adjustments) == 6  # six reason / amount / quantity triplets in one CAS
    assert (claim.adjustments[1].amount, claim.adjustments[1].quantity) == (Decimal(2), None)
    line = claim.lines[0]
    assert (line.procedure_code, line.modifiers, line.original_procedure_code) == ("99214", ("25",), "99215")
    assert (line.allowed, line.remarks, line.line_control_number) == (
        Decimal(150),
        (("HE", "N130"),),
        "LINE1",
    )
    assert line.service_date is not None and line.service_date.isoformat() == "2026-11-01"
    assert (
        remittance.provider_adjustments[0].reason == "WO" and remittance.provider_adjustments[0].amount == -10
    )
    # claim: 200 - (20+2+1+1+1+1 claim CAS + 30+20 line CAS) = 124 != 120; line: 200 - 50 = 150 != 120
    assert [i.code for i in claim.balancing_issues] == ["line_payment_mismatch", "claim_payment_mismatch"]
    # transaction: 120 - (-10) = 130 = BPR02
    assert remittance.balancing_issues == ()


def test_835_balanced_claim_and_unbalanced_payment() -> None:
    body = [s for s in REMIT if not (s[0] == "CAS" and s[1] == "CO" and s[2] == "45" and len(s) > 5)]
    body = [s if s[0] != "SVC" else ["SVC", ("HC", "99214"), "200", "150"] for s in body]
    body = [s if s[0] != "CLP" else ["CLP", "PCN1", "1", "200", "150", "30"] for s in body]
    remittance = _remit(body)
    assert remittance.claims[0].balancing_issues == ()
    issue = remittance.balancing_issues[0]
    assert (issue.code, issue.expected, issue.actual) == (
        "payment_total_mismatch",
        Decimal(130),
        Decimal(160),
    )


def test_277ca_rejected_claim() -> None:
    body: list[SegmentSpec] = [
        ["BHT", "0085", "08", "B1", "20261122", "0930", "TH"],
        ["HL", "1", "", "20", "1"],
        ["NM1", "PR", "2", "PAYER", "", "", "", "", "PI", "P1"],
        ["HL", "2", "1", "21", "1"],
        ["NM1", "41", "2", "CLINIC", "", "", "", "", "46", "S1"],
        ["STC", ("A1", "19"), "20261122", "WQ", "300"],
        ["QTY", "90", "1"],
        ["QTY", "AA", "1"],
        ["AMT", "YU", "100"],
        ["AMT", "YY", "200"],
        ["HL", "3", "2", "19", "1"],
        ["NM1", "85", "2", "CLINIC", "", "", "", "", "XX", "1234567893"],
        ["HL", "4", "3", "PT"],
        ["NM1", "QC", "1", "DOE", "JANE"],
        ["TRN", "2", "PCN1"],
        ["STC", ("A7", "21", "85"), "20261122", "U", "100", "", "", "", "", "", ("A7", "562")],
        ["DTP", "472", "RD8", "20261101-20261102"],
        ["TRN", "2", "PCN2"],
        ["STC", ("A2", "20"), "20261122", "WQ", "200"],
        ["REF", "1K", "PAYERCLM2"],
        ["SVC", ("HC", "99213"), "200"],
        ["STC", ("A2", "20")],
        ["REF", "FJ", "LINE1"],
    ]
    raw = render(wrap(body, st=("277", "0001", "005010X214"), gs01="HN", gs08="005010X214"))
    content = parse(raw).transactions[0].content
    assert isinstance(content, ClaimStatusTransaction) and content.is_claim_acknowledgment
    receiver = content.levels[1]
    assert (receiver.accepted_quantity, receiver.rejected_quantity, receiver.rejected_amount) == (1, 1, 200)
    rejected, accepted = content.claims
    assert (rejected.accepted, rejected.category_code, rejected.status_code) == (False, "A7", "21")
    assert len(rejected.statuses) == 2 and rejected.statuses[0].entity == "85"
    assert rejected.service_end is not None and rejected.provider is not None
    assert (accepted.accepted, accepted.payer_claim_control_number, accepted.total_charge) == (
        True,
        "PAYERCLM2",
        200,
    )
    assert accepted.lines[0].line_control_number == "LINE1" and accepted.lines[0].statuses[0].category == "A2"


def test_999_and_997_parse() -> None:
    body: list[SegmentSpec] = [
        ["AK1", "HC", "17", "005010X222A1"],
        ["AK2", "837", "0001", "005010X222A1"],
        ["IK3", "CLM", "22", "2300", "8"],
        ["CTX", ("CLM01", "PCN1")],
        ["IK4", ("2", "", ""), "782", "6", "1X0"],
        ["IK5", "R", "5"],
        ["AK9", "R", "1", "1", "0"],
    ]
    raw = render(wrap(body, st=("999", "0001", "005010X231A1"), gs01="FA", gs08="005010X231A1"))
    ack = parse(raw).transactions[0].content
    assert isinstance(ack, FunctionalAck)
    error = ack.transactions[0].segment_errors[0]
    assert (error.segment_id, error.position, error.loop_id, error.code) == ("CLM", 22, "2300", "8")
    element = error.elements[0]
    assert (element.position, element.element_ref, element.code) == (2, "782", "6")
    assert "1X0" not in repr(ack)  # IK404 (a copy of the bad value) is not kept

    body997: list[SegmentSpec] = [
        ["AK1", "HC", "17"],
        ["AK2", "837", "0001"],
        ["AK3", "NM1", "8", "", "8"],
        ["AK4", "3", "66", "7"],
        ["AK5", "R", "5"],
        ["AK9", "R", "1", "1", "0"],
    ]
    raw = render(wrap(body997, st=("997", "0001", ""), gs01="FA", gs08="004010"), version="00401", rep="U")
    transaction = parse(raw).transactions[0]
    assert transaction.message_type == "997"
    ack = transaction.content
    assert isinstance(ack, FunctionalAck) and ack.transactions[0].segment_errors[0].elements[0].code == "7"
