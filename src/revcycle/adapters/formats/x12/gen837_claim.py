"""Writers for one 837 claim: loop 2300 (CLM, DTP, CL1, AMT, REF, HI), 2310x, 2320/2330x, 2400-2430."""

from __future__ import annotations

from collections.abc import Sequence

from revcycle.adapters.formats.x12.models837 import (
    Adjustment,
    Claim,
    CodeEntry,
    DateValue,
    LineAdjudication,
    OtherSubscriber,
    Party,
    ServiceLine,
    code_rank,
)
from revcycle.adapters.formats.x12.writer import SegmentWriter

_HI_PER_SEGMENT = 12


def _date(w: SegmentWriter, value: DateValue) -> None:
    if value.period:
        w.segment("DTP", value.qualifier, "RD8", f"{value.start:%Y%m%d}-{value.end:%Y%m%d}")
    else:
        w.segment("DTP", value.qualifier, "D8", f"{value.start:%Y%m%d}")


def write_party(
    w: SegmentWriter,
    party: Party,
    *,
    with_contacts: bool = True,
    with_references: bool = True,
    with_taxonomy: bool = True,
) -> None:
    """NM1, PRV (taxonomy), N3, N4, REF, PER of one party loop."""
    w.segment(
        "NM1", party.entity_code, party.entity_type, party.name, party.first_name, party.middle_name, None,
        party.suffix, party.id_qualifier, party.identifier,
    )  # fmt: skip
    if with_taxonomy and party.taxonomy:
        w.segment("PRV", party.provider_code or "PE", "PXC", party.taxonomy)
    address = party.address
    if address is not None:
        if address.line1 or address.line2:
            w.segment("N3", address.line1, address.line2)
        if address.city or address.state or address.postal_code:
            w.segment("N4", address.city, address.state, address.postal_code, address.country)
    if with_references:
        for ref in party.references:
            w.segment("REF", ref.qualifier, ref.value)
    if with_contacts:
        for contact in party.contacts:
            w.segment("PER", contact.function, contact.name, *(v for pair in contact.numbers for v in pair))


def write_adjustments(w: SegmentWriter, adjustments: Sequence[Adjustment]) -> None:
    """CAS: consecutive adjustments of one group share a segment, up to six triplets each."""
    index = 0
    while index < len(adjustments):
        group = adjustments[index].group
        chunk: list[Adjustment] = []
        while index < len(adjustments) and adjustments[index].group == group and len(chunk) < 6:
            chunk.append(adjustments[index])
            index += 1
        w.segment("CAS", group, *(v for a in chunk for v in (a.reason, a.amount, a.quantity)))


def _write_codes(w: SegmentWriter, codes: Sequence[CodeEntry], variant: str) -> None:
    """HI segments: codes of one TR3 category per segment (837P: all diagnoses), twelve at most."""
    index = 0
    while index < len(codes):
        rank = code_rank(variant, codes[index].qualifier)
        chunk: list[str] = []
        while index < len(codes) and code_rank(variant, codes[index].qualifier) == rank:
            if len(chunk) == _HI_PER_SEGMENT:
                break
            c = codes[index]
            chunk.append(
                w.composite(c.qualifier, c.code, c.date_format, c.date_value, c.amount, None, None, None,
                            c.present_on_admission)
            )  # fmt: skip
            index += 1
        w.segment("HI", *chunk)


def _write_other_subscriber(w: SegmentWriter, other: OtherSubscriber) -> None:
    """Loop 2320 SBR, CAS, AMT (D, A8, EAF), OI; 2330A NM1*IL; 2330B NM1*PR (DTP*573); 2330C-G."""
    w.segment(
        "SBR", other.payer_responsibility, other.relationship, other.group_number, other.group_name,
        other.insurance_type, None, None, None, other.claim_filing_indicator,
    )  # fmt: skip
    write_adjustments(w, other.adjustments)
    for qualifier, amount in (
        ("D", other.payer_paid),
        ("A8", other.non_covered),
        ("EAF", other.remaining_liability),
    ):
        if amount is not None:
            w.segment("AMT", qualifier, amount)
    w.segment("OI", None, None, other.benefits_assignment, other.patient_signature_source, None,
              other.release_of_information)  # fmt: skip
    if other.subscriber is not None:
        write_party(w, other.subscriber, with_contacts=False)
    if other.payer is not None:
        write_party(w, other.payer, with_contacts=False, with_references=False)
        if other.adjudication_date is not None:
            w.segment("DTP", "573", "D8", f"{other.adjudication_date:%Y%m%d}")
        for ref in other.payer.references:
            w.segment("REF", ref.qualifier, ref.value)
    for provider in other.providers:
        write_party(w, provider, with_contacts=False)


def _write_adjudication(w: SegmentWriter, adj: LineAdjudication) -> None:
    """Loop 2430 SVD, CAS, DTP*573."""
    procedure = (
        w.composite(adj.procedure_qualifier, adj.procedure_code, *adj.modifiers)
        if adj.procedure_code
        else None
    )
    w.segment("SVD", adj.payer_id, adj.paid, procedure, adj.revenue_code, adj.units, adj.bundled_line)
    write_adjustments(w, adj.adjustments)
    if adj.adjudication_date is not None:
        w.segment("DTP", "573", "D8", f"{adj.adjudication_date:%Y%m%d}")


def _write_line(w: SegmentWriter, line: ServiceLine, variant: str) -> None:
    """Loop 2400 LX, SV1/SV2, DTP, REF; 2410 LIN/CTP/REF*XZ; 2420x; 2430."""
    w.segment("LX", line.number)
    modifiers = list(line.modifiers) + [""] * (4 - len(line.modifiers))
    procedure = (
        w.composite(line.procedure_qualifier, line.procedure_code, *modifiers, line.description)
        if line.procedure_code
        else None
    )
    if variant == "837I":
        w.segment(
            "SV2",
            line.revenue_code,
            procedure,
            line.charge,
            line.unit_basis,
            line.units,
            None,
            line.non_covered,
        )
    else:
        pointers = w.composite(*line.diagnosis_pointers)
        w.segment(
            "SV1", procedure, line.charge, line.unit_basis, line.units, line.place_of_service, None, pointers,
            None, line.emergency, None, line.epsdt, line.family_planning,
        )  # fmt: skip
    for value in line.dates:
        _date(w, value)
    for ref in line.references:
        w.segment("REF", ref.qualifier, ref.value)
    if line.drug is not None:
        drug = line.drug
        w.segment("LIN", None, drug.qualifier, drug.code)
        if drug.quantity is not None or drug.unit:
            w.segment("CTP", None, None, None, drug.quantity, drug.unit)
        if drug.prescription_number:
            w.segment("REF", "XZ", drug.prescription_number)
    for provider in line.providers:
        write_party(w, provider, with_contacts=False)
    for adjudication in line.adjudications:
        _write_adjudication(w, adjudication)


def write_claim(w: SegmentWriter, claim: Claim, variant: str) -> None:
    """Loop 2300 and everything below it."""
    qualifier = claim.facility_qualifier or ("A" if variant == "837I" else "B")
    facility = w.composite(claim.facility_code, qualifier, claim.frequency_code)
    causes = w.composite(
        *claim.related_causes, *([""] * (3 - len(claim.related_causes))), claim.accident_state
    )
    w.segment(
        "CLM", claim.patient_control_number, claim.total_charge, None, None, facility,
        claim.provider_signature, claim.assignment, claim.benefits_assignment,
        claim.release_of_information, claim.patient_signature_source, causes or None,
        claim.special_program, None, None, None, None, None, None, None, claim.delay_reason,
    )  # fmt: skip
    for value in claim.dates:
        _date(w, value)
    if variant == "837I" and claim.institutional is not None:
        info = claim.institutional
        w.segment("CL1", info.admission_type, info.admission_source, info.patient_status)
    if claim.patient_paid is not None:
        w.segment("AMT", "F5", claim.patient_paid)
    for ref in claim.references:
        w.segment("REF", ref.qualifier, ref.value)
    _write_codes(w, claim.codes, variant)
    for provider in claim.providers:
        write_party(w, provider)
    for other in claim.other_subscribers:
        _write_other_subscriber(w, other)
    for line in claim.lines:
        _write_line(w, line, variant)
