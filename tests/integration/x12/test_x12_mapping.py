"""X12 to canonical commands on the shared samples, with spot checks of mapped values."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from revcycle.adapters.formats import x12
from revcycle.adapters.formats.base import FormatAdapter, MappingError
from revcycle.adapters.formats.registry import load_registry
from revcycle.adapters.formats.x12.document import parse as parse_lenient
from revcycle.adapters.formats.x12.errors import InterchangeRejected, X12MappingError
from revcycle.adapters.formats.x12.writer import Party12
from revcycle.domain import commands as c
from revcycle.domain.claims import ClaimKind, Frequency
from revcycle.domain.remittances import AdjustmentGroup, ClaimPaymentStatus

#: commands per sample: (SubmitClaim, RecordRemittance, RecordClaimAck, RecordFunctionalAck)
EXPECTED: dict[str, tuple[int, int, int, int]] = {
    "badx12__X221-era-sample.edi": (0, 1, 0, 0),
    "badx12__X221-multiple-claims-single-check.edi": (0, 1, 0, 0),
    "badx12__X222-anesthesia.edi": (1, 0, 0, 0),
    "badx12__X279-response-to-generic-request-by-physician-for-patient-dependent-eligibility.edi": (
        0,
        0,
        0,
        0,
    ),
    "edi835parser__emedny_sample.txt": (0, 1, 0, 0),
    "edi835parser__united_healthcare_legacy_sample.txt": (0, 1, 0, 0),
    "imsweb__x12_277CA_accepted.txt": (0, 0, 1, 0),
    "imsweb__x12_999_accepted.txt": (0, 0, 0, 1),
    "imsweb__x12_999_rejected.txt": (0, 0, 0, 1),
    "imsweb__x12_complex.txt": (0, 0, 0, 0),  # every set rejected by our 999 (SE01): no claims enter
    "imsweb__x12_multiple_gs.txt": (0, 0, 0, 0),
    "imsweb__x12_multiple_st.txt": (0, 0, 0, 0),
    "lfhx12__claim-level-status.276": (0, 0, 0, 0),
    "lfhx12__claim-level-status.277": (0, 0, 0, 0),  # X212 status response: parsed, not mapped
    "lfhx12__cob-contractural-adjustment.835": (0, 1, 0, 0),
    "lfhx12__demo.ambulance.example5.837": (1, 0, 0, 0),
    "lfhx12__demo.autoaccident.837": (1, 0, 0, 0),
    "lfhx12__demo.cob.example3.B.837": (1, 0, 0, 0),
    "lfhx12__demo.drug.example10.2.837": (1, 0, 0, 0),
    "lfhx12__demo.example1.837": (1, 0, 0, 0),
    "lfhx12__dependent-health-benefit-check.271": (0, 0, 0, 0),
    "lfhx12__institutional-claim.837i": (1, 0, 0, 0),
    "lfhx12__managed-care.835": (0, 1, 0, 0),
    "lfhx12__medicare-part-a.835": (0, 1, 0, 0),
    "lfhx12__secondary-payment.835": (0, 1, 0, 0),
    "lfhx12__subscriber-health-benefit-check.270": (0, 0, 0, 0),
    "lfhx12__subscriber-health-benefit-check.271": (0, 0, 0, 0),
    "lfhx12__two-claims-single-provider.837i": (2, 0, 0, 0),
    "oopfactory__271_Example_3_2_2.txt": (0, 0, 0, 0),
    "oopfactory__277_FromLatitude81uk.txt": (0, 0, 0, 0),  # rejected at the TA1 level: parse raises
    "oopfactory__835_Example1.txt": (0, 1, 0, 0),
    "oopfactory__837I_Spec_3.1.1.txt": (1, 0, 0, 0),
    "oopfactory__837P_Example1_2_And_3_Combined.txt": (3, 0, 0, 0),
    "oopfactory__999_DHS_Wisconsin_Sample.txt": (0, 0, 0, 3),
    "pyx12__834_lui_id_5010.999.txt": (0, 0, 0, 4),
    "pyx12__835_mult_loops.txt": (0, 1, 0, 0),
    "tigershark__5010-835-example-1.txt": (0, 1, 0, 0),
}
KINDS = (c.SubmitClaim, c.RecordRemittance, c.RecordClaimAck, c.RecordFunctionalAck)


def commands_of(raw: bytes) -> list[c.Command]:
    return list(x12.to_commands(x12.parse(raw), x12.identify(raw)))


def test_the_module_is_a_format_adapter() -> None:
    registry = load_registry()
    adapter: FormatAdapter = registry.adapter("x12")
    assert adapter.name == "x12" and adapter is x12


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n[:48])
def test_commands_per_sample(name: str, shared_data: Path) -> None:
    raw = (shared_data / "x12" / name).read_bytes()
    if name == "oopfactory__277_FromLatitude81uk.txt":
        with pytest.raises(InterchangeRejected):
            x12.parse(raw)
        commands = list(x12.to_commands(parse_lenient(raw, strict=False), x12.identify(raw)))
        assert [type(cmd) for cmd in commands] == [c.RecordClaimAck]  # what a lenient reading would give
        return
    commands = commands_of(raw)
    counts = Counter(type(cmd) for cmd in commands)
    assert tuple(counts[kind] for kind in KINDS) == EXPECTED[name]
    assert len(commands) == sum(EXPECTED[name])


def test_submit_claim_837p(shared_data: Path) -> None:
    raw = (shared_data / "x12" / "lfhx12__demo.cob.example3.B.837").read_bytes()
    (command,) = commands_of(raw)
    assert isinstance(command, c.SubmitClaim)
    claim = command.claim
    assert (claim.patient_control_number, claim.kind, claim.total_charge) == (
        "26407789",
        ClaimKind.PROFESSIONAL,
        Decimal("79.04"),
    )
    assert (claim.billing_npi, claim.rendering_npi, claim.payer_id, claim.payer_rank) == (
        "1999996666",
        "1999996666",
        "567890",
        2,
    )
    assert claim.place_of_service == "11" and claim.frequency is Frequency.ORIGINAL
    assert [d.code for d in claim.diagnoses] == ["4779", "2724", "2780", "53081"]
    assert claim.diagnoses[0].qualifier == "BK"
    assert claim.other_payer_paid == Decimal("39.15")
    assert claim.is_balanced and len(claim.lines) == 3
    line = claim.lines[0]
    assert (line.procedure_code, line.charge, line.units, line.diagnosis_pointers) == (
        "99213",
        Decimal("43.00"),
        Decimal("1.00"),
        (1, 2, 3, 4),
    )
    assert line.service_date == date(2005, 10, 3) and line.place_of_service == "11"
    patient = command.patient
    assert patient is not None and patient.family_name == "SMITH" and patient.given_name == "TED"
    assert patient.birth_date == date(1973, 5, 1)
    assert claim.patient_key == patient.key and patient.key.startswith("x12:567890|222334444:19:")
    assert (command.group_control_number, command.transaction_control_number) == ("1", "1234")


def test_submit_claim_837i(shared_data: Path) -> None:
    raw = (shared_data / "x12" / "lfhx12__two-claims-single-provider.837i").read_bytes()
    first, second = commands_of(raw)
    assert isinstance(first, c.SubmitClaim) and isinstance(second, c.SubmitClaim)
    claim = first.claim
    assert claim.kind is ClaimKind.INSTITUTIONAL and claim.type_of_bill == "131"
    assert (claim.statement_from, claim.statement_to) == (date(2005, 3, 15), date(2005, 3, 15))
    assert claim.attending_npi == "1122334455" and claim.place_of_service is None
    assert [line.revenue_code for line in claim.lines] == ["0305", "0730"]
    assert claim.total_charge == Decimal("89.95") and claim.is_balanced
    assert first.patient is not None and first.patient.key == "x12:99999|030005074"
    assert second.patient is not None and second.patient.key == "x12:99999|123405074"


def test_replacement_claim_frequency_and_payer_claim_number() -> None:
    raw = (
        b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261122*0930*^*00501*000000001*0*T*:~"
        b"GS*HC*S*R*20261122*0930*1*X*005010X222A1~ST*837*0001*005010X222A1~BHT*0019*00*R*20261122*0930*CH~"
        b"NM1*41*2*SUB*****46*S1~PER*IC*DESK*TE*5555550100~NM1*40*2*PAYER*****46*P1~HL*1**20*1~"
        b"NM1*85*2*CLINIC*****XX*1234567893~N3*1 MAIN~N4*CITY*IL*627010001~REF*EI*123456789~HL*2*1*22*0~"
        b"SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*M1~NM1*PR*2*PAYER*****PI*P1~"
        b"CLM*PCN1*100***11:B:7*Y*A*Y*Y~REF*F8*PAYERCLM1~REF*G1*AUTH1~HI*ABK:J069~LX*1~"
        b"SV1*HC:99213*100*UN*1***1~DTP*472*D8*20261101~SE*22*0001~GE*1*1~IEA*1*000000001~"
    )
    (command,) = commands_of(raw)
    assert isinstance(command, c.SubmitClaim)
    claim = command.claim
    assert claim.frequency is Frequency.REPLACEMENT
    assert (claim.payer_claim_control_number, claim.prior_authorization) == ("PAYERCLM1", "AUTH1")
    assert command.patient is not None and command.patient.key == "x12:P1|M1"


def test_record_remittance(shared_data: Path) -> None:
    raw = (shared_data / "x12" / "oopfactory__835_Example1.txt").read_bytes()
    (command,) = commands_of(raw)
    assert isinstance(command, c.RecordRemittance)
    remittance = command.remittance
    assert (remittance.trace_number, remittance.payment_amount, remittance.payment_method) == (
        "A04B001017.07504",
        Decimal("5.75"),
        "NON",
    )
    assert remittance.payee_id == "346608640" and len(remittance.claims) == 10
    reversal = remittance.claims[7]
    assert reversal.status is ClaimPaymentStatus.REVERSAL and reversal.paid == Decimal("-42.58")
    assert reversal.services[0].units == Decimal("-2")
    denied = remittance.claims[1]
    assert denied.status is ClaimPaymentStatus.DENIED and denied.adjusted(
        AdjustmentGroup.CORRECTION
    ) == Decimal("25.95")
    assert remittance.provider_adjustments[0].amount == Decimal("-1.27")
    assert remittance.balance_difference == Decimal("-1.27")  # BPR02 5.75 vs 7.02: a finding, not an error

    raw = (shared_data / "x12" / "edi835parser__united_healthcare_legacy_sample.txt").read_bytes()
    (command,) = commands_of(raw)
    assert isinstance(command, c.RecordRemittance)
    first = command.remittance.claims[0]
    assert first.services[0].line_control_number == "800941258001"
    assert first.services[0].allowed == Decimal("88.92") and first.services[0].procedure_code == "B4152"
    assert first.adjusted(AdjustmentGroup.PATIENT_RESPONSIBILITY) == Decimal("105.26")
    assert first.balance_difference == 0 and command.remittance.payer_id == "87726"


def test_record_claim_ack(shared_data: Path) -> None:
    raw = (shared_data / "x12" / "imsweb__x12_277CA_accepted.txt").read_bytes()
    (command,) = commands_of(raw)
    assert command == c.RecordClaimAck(
        patient_control_number="5781",
        accepted=True,
        category_code="A2",
        status_code="20",
        payer_claim_control_number="1107000000014420",
        amount=Decimal("125.00"),
    )


def test_record_functional_ack(shared_data: Path) -> None:
    raw = (shared_data / "x12" / "oopfactory__999_DHS_Wisconsin_Sample.txt").read_bytes()
    commands = commands_of(raw)
    assert [
        (cmd.status, cmd.transaction_control_number)
        for cmd in commands
        if isinstance(cmd, c.RecordFunctionalAck)
    ] == [
        ("A", "0001"),
        ("R", "002"),
        ("R", "0003"),
    ]
    rejected = commands[1]
    assert isinstance(rejected, c.RecordFunctionalAck)
    assert rejected.group_control_number == "17456" and rejected.transaction_type == "837"
    assert rejected.errors == ("IK5-5", "IK3-CLM-8", "IK4-CLM02-1")

    ta1 = (
        b"ISA*00*          *00*          *ZZ*CLEARING       *ZZ*REVCYCLE       *261122*0930*^*00501*000000005*0*P*:~"
        b"TA1*000000777*261120*1200*R*014~IEA*0*000000005~"
    )
    (command,) = commands_of(ta1)
    assert command == c.RecordFunctionalAck(
        group_control_number=None, status="R", interchange_control_number="000000777", errors=("TA1-014",)
    )


def test_group_level_999_without_ak2() -> None:
    raw = (
        b"ISA*00*          *00*          *ZZ*CLEARING       *ZZ*REVCYCLE       *261122*0930*^*00501*000000005*0*P*:~"
        b"GS*FA*C*R*20261122*0930*5*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HC*42*005010X222A1~"
        b"AK9*A*3*3*3~SE*4*0001~GE*1*5~IEA*1*000000005~"
    )
    (command,) = commands_of(raw)
    assert command == c.RecordFunctionalAck(group_control_number="42", status="A")


def test_mapping_errors_are_phi_free() -> None:
    raw = (
        b"ISA*00*          *00*          *ZZ*PAYER          *ZZ*REVCYCLE       *261122*0930*^*00501*000000005*0*P*:~"
        b"GS*HP*P*R*20261122*0930*5*X*005010X221A1~ST*835*0001*005010X221A1~BPR*I*10*C*CHK************20261120~"
        b"TRN*1*T1*1999~N1*PR*PAYER~N1*PE*CLINIC*XX*1234567893~LX*1~CLP*SECRETPCN*99*10*10~"
        b"SE*9*0001~GE*1*5~IEA*1*000000005~"
    )
    with pytest.raises(X12MappingError) as caught:
        commands_of(raw)
    assert isinstance(caught.value, MappingError)
    assert "SECRETPCN" not in str(caught.value) and "99" not in caught.value.reason
    assert caught.value.location == "CLP 1"


def test_acknowledge_builds_999_and_ta1(shared_data: Path) -> None:
    us = Party12("ZZ", "REVCYCLE", "REVCYCLE")
    now = datetime(2026, 11, 22, 9, 30)
    raw = (shared_data / "x12" / "imsweb__x12_multiple_st.txt").read_bytes()
    ack = x12.acknowledge(raw, sender=us, control_number=100, now=now)
    assert ack is not None and b"AK9*R*1*2*0*5~" in ack
    # ISA14 = 1 asks for a TA1 too: it comes first (control number 100), the 999 follows (101)
    assert b"TA1*000000905*030101*1253*A*000~\nIEA*0*000000100~" in ack and b"IEA*1*000000101~" in ack
    rejected = (shared_data / "x12" / "oopfactory__277_FromLatitude81uk.txt").read_bytes()
    ta1 = x12.acknowledge(rejected, sender=us, control_number=101, now=now)
    assert ta1 is not None and b"TA1*43434343*3434  *1859*R*014~" in ta1 and b"GS*" not in ta1
    acks_only = (shared_data / "x12" / "imsweb__x12_999_accepted.txt").read_bytes()
    assert x12.acknowledge(acks_only, sender=us, control_number=102, now=now) is None
