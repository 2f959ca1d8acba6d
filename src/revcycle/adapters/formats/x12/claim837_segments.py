"""Builders for the 837 claim and line segments: CLM (2300), HI (2300), SV1 / SV2 (2400), SVD (2430)."""

from __future__ import annotations

from decimal import Decimal

from revcycle.adapters.formats.x12.elements import (
    INVALID_CHARACTER,
    INVALID_CODE,
    MISSING,
    SyntaxLog,
    is_digits,
    parse_decimal,
)
from revcycle.adapters.formats.x12.models837 import (
    HI_QUALIFIERS,
    Claim,
    CodeEntry,
    LineAdjudication,
    Party,
    Patient,
    ServiceLine,
    Subscriber,
)
from revcycle.adapters.formats.x12.reader import Segment


def build_claim(
    segment: Segment,
    position: int,
    log: SyntaxLog,
    comp: str,
    context: tuple[Party, Party | None, Subscriber, Patient | None],
) -> Claim:
    """Loop 2300 CLM: CLM01 patient control number, CLM02 total charge, CLM05 facility / frequency."""
    billing, pay_to, subscriber, patient = context
    number = log.required(position, segment, 1, "2300")
    total = log.money(position, segment, 2, required=True, loop_id="2300")
    facility = segment[5].split(comp)
    if not segment[5]:
        log.required(position, segment, 5, "2300")
    causes = segment[11].split(comp) if segment[11] else []
    return Claim(
        patient_control_number=number,
        total_charge=total if total is not None else Decimal(0),
        facility_code=facility[0] or None,
        facility_qualifier=facility[1] or None if len(facility) > 1 else None,
        frequency_code=facility[2] or None if len(facility) > 2 else None,
        billing_provider=billing,
        pay_to=pay_to,
        subscriber=subscriber,
        patient=patient,
        provider_signature=(segment[6] or None),
        assignment=(segment[7] or None),
        benefits_assignment=(segment[8] or None),
        release_of_information=(segment[9] or None),
        patient_signature_source=(segment[10] or None),
        related_causes=tuple(c for c in causes[:3] if c),
        accident_state=causes[3] or None if len(causes) > 3 else None,
        special_program=(segment[12] or None),
        delay_reason=(segment[20] or None),
    )


def build_codes(segment: Segment, position: int, log: SyntaxLog, comp: str) -> list[CodeEntry]:
    """HI01-HI12 (C022): qualifier, code, date format, date, amount, ..., POA (component 9)."""
    entries: list[CodeEntry] = []
    for index in range(1, len(segment)):
        raw = segment[index]
        if not raw:
            continue
        parts = raw.split(comp)
        qualifier = parts[0]
        code = parts[1] if len(parts) > 1 else ""
        if qualifier not in HI_QUALIFIERS:
            log.element(
                position,
                segment,
                index,
                INVALID_CODE,
                f"HI{index:02d}-1 is not a known code list qualifier",
                loop_id="2300",
                component=1,
                element_ref="1270",
            )
            continue
        if not code:
            log.element(
                position,
                segment,
                index,
                MISSING,
                f"HI{index:02d}-2 industry code is required",
                loop_id="2300",
                component=2,
                element_ref="1271",
            )
            continue
        amount = parse_decimal(parts[4]) if len(parts) > 4 and parts[4] else None
        entries.append(
            CodeEntry(
                qualifier=qualifier,
                code=code,
                date_format=parts[2] or None if len(parts) > 2 else None,
                date_value=parts[3] or None if len(parts) > 3 else None,
                amount=amount,
                present_on_admission=parts[8] or None if len(parts) > 8 else None,
            )
        )
    return entries


def _procedure(raw: str, comp: str) -> tuple[str | None, str | None, tuple[str, ...], str | None]:
    """C003 composite: qualifier, code, modifiers 1-4 (components 3-6), description (component 7)."""
    parts = raw.split(comp)
    qualifier = parts[0] or None
    code = parts[1] or None if len(parts) > 1 else None
    modifiers = tuple(m for m in parts[2:6] if m)
    description = parts[6] or None if len(parts) > 6 else None
    return qualifier, code, modifiers, description


def fill_sv1(line: ServiceLine, segment: Segment, position: int, log: SyntaxLog, comp: str) -> None:
    """837P SV1: procedure (SV101), charge (SV102), unit basis (SV103), units (SV104), place of service
    (SV105), diagnosis pointers (SV107), emergency (SV109), EPSDT (SV111), family planning (SV112)."""
    if not segment[1]:
        log.required(position, segment, 1, "2400")
    line.procedure_qualifier, line.procedure_code, line.modifiers, line.description = _procedure(
        segment[1], comp
    )
    line.charge = log.money(position, segment, 2, required=True, loop_id="2400") or Decimal(0)
    line.unit_basis = segment[3] or None
    line.units = log.money(position, segment, 4, required=False, loop_id="2400")
    line.place_of_service = segment[5] or None
    pointers: list[int] = []
    for part in segment[7].split(comp) if segment[7] else []:
        if is_digits(part):
            pointers.append(int(part))
        elif part:
            log.element(
                position,
                segment,
                7,
                INVALID_CHARACTER,
                "SV107 diagnosis pointer is not a number",
                loop_id="2400",
            )
    line.diagnosis_pointers = tuple(pointers)
    line.emergency = segment[9] or None
    line.epsdt = segment[11] or None
    line.family_planning = segment[12] or None


def fill_sv2(line: ServiceLine, segment: Segment, position: int, log: SyntaxLog, comp: str) -> None:
    """837I SV2: revenue code (SV201), procedure (SV202), charge (SV203), unit basis (SV204), units
    (SV205), non-covered charges (SV207)."""
    line.revenue_code = log.required(position, segment, 1, "2400") or None
    if segment[2]:
        line.procedure_qualifier, line.procedure_code, line.modifiers, line.description = _procedure(
            segment[2], comp
        )
    line.charge = log.money(position, segment, 3, required=True, loop_id="2400") or Decimal(0)
    line.unit_basis = segment[4] or None
    line.units = log.money(position, segment, 5, required=False, loop_id="2400")
    line.non_covered = log.money(position, segment, 7, required=False, loop_id="2400")


def build_svd(segment: Segment, position: int, log: SyntaxLog, comp: str) -> LineAdjudication:
    """Loop 2430 SVD: other payer id (SVD01), paid (SVD02), procedure (SVD03), revenue code (SVD04),
    units (SVD05), bundled line number (SVD06)."""
    qualifier, code, modifiers, _ = _procedure(segment[3], comp) if segment[3] else (None, None, (), None)
    return LineAdjudication(
        payer_id=log.required(position, segment, 1, "2430"),
        paid=log.money(position, segment, 2, required=True, loop_id="2430") or Decimal(0),
        procedure_qualifier=qualifier,
        procedure_code=code,
        modifiers=modifiers,
        revenue_code=(segment[4] or None),
        units=log.money(position, segment, 5, required=False, loop_id="2430"),
        bundled_line=(segment[6] or None),
    )
