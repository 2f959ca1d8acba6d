"""Every message the simulator generates is accepted by revcycle's readers: HL7 v2 ``identify`` /
``parse``, X12 ``identify`` / ``document.parse`` (no envelope notes, every set accepted), FHIR
``identify`` / ``decode``, master data ``identify`` / ``parse`` (CSV through ``from_csv``), and each
reader reports the type and control id the simulator says it sent."""

from __future__ import annotations

from collections import Counter

from revcycle.adapters.formats import fhir, hl7v2, masterdata
from revcycle.adapters.formats.x12 import document
from revcycle.adapters.formats.x12.identify import identify as x12_identify
from revcycle.simulator.emission import Emission
from tests.integration.simulator.conftest import Run

EXPECTED_TYPES = {
    "SIU_S12", "SIU_S14", "SIU_S15", "SIU_S26", "ADT_A01", "ADT_A03", "ADT_A04", "ADT_A08", "DFT_P03",
    "837P", "837I", "999", "277CA", "835", "Bundle_transaction", "Encounter", "ChargeItem", "Claim",
    "ExplanationOfBenefit", "MD_FACILITY", "MD_DEPARTMENT", "MD_PROVIDER", "MD_PAYER", "MD_CONTRACT",
}  # fmt: skip


def _read(emission: Emission) -> tuple[str, str | None]:
    raw = emission.payload
    if emission.format == "hl7v2":
        envelope = hl7v2.identify(raw)
        message = hl7v2.parse(raw)
        assert message.control_id == envelope.control_id
        return envelope.message_type, envelope.control_id
    if emission.format == "x12":
        envelope = x12_identify(raw)
        parsed = document.parse(raw)
        assert not parsed.rejected and all(not ic.notes for ic in parsed.interchanges)
        assert parsed.transactions and all(t.accepted for t in parsed.transactions), emission.control_id
        return envelope.message_type, envelope.control_id
    if emission.format == "fhir":
        envelope = fhir.identify(raw)
        fhir.parse(raw)
        return envelope.message_type, envelope.control_id
    wire = raw if emission.extension == "json" else masterdata.from_csv(emission.kind or "", raw.decode())
    envelope = masterdata.identify(wire)
    masterdata.parse(wire)
    return envelope.message_type, emission.control_id


def test_every_message_is_accepted(sim_run: Run) -> None:
    seen: Counter[str] = Counter()
    for emission in sim_run.emissions:
        message_type, control_id = _read(emission)
        assert message_type == emission.message_type
        assert control_id == emission.control_id
        seen[message_type] += 1
    assert set(seen) == EXPECTED_TYPES


def test_x12_content_matches_labels(sim_run: Run) -> None:
    """Claims (CLM01), their lines (REF*6R) and their payments (CLP01, REF*6R) match the claim labels."""
    submitted: set[str] = set()
    submitted_lines: set[str] = set()
    paid: set[str] = set()
    paid_lines: set[str] = set()
    for emission in sim_run.emissions:
        if emission.format != "x12":
            continue
        parsed = document.parse(emission.payload)
        for transaction in parsed.claims():
            for claim in transaction.claims:
                submitted.add(claim.patient_control_number)
                assert claim.total_charge == claim.line_charge_total
                submitted_lines.update(line.line_control_number or "" for line in claim.lines)
        for remittance in parsed.remittances():
            assert not remittance.balancing_issues, remittance.balancing_issues
            for payment in remittance.claims:
                assert not payment.balancing_issues, payment.balancing_issues
                paid.add(payment.patient_control_number)
                paid_lines.update(
                    r.value for line in payment.lines for r in line.references if r.qualifier == "6R"
                )
    claims = {r["pcn"] for r in sim_run.labels if r["kind"] == "claim" and r["variant"] != "FHIR"}
    assert paid <= submitted <= claims
    assert paid_lines <= submitted_lines
    assert len(paid) > 0.5 * len(submitted)
