"""Shared pieces of the HL7 v2 mapping: patients (PID), visits (PV1), coverages (IN1/IN2), providers
(XCN), dates (DTM/TS) and amounts (MO/CP, NM).

Field positions follow HL7 v2.5.1 Ch. 3 (PID, PV1, MRG, EVN, DG1, PR1), Ch. 6 (IN1, IN2, FT1) and
Ch. 10 (SCH, AIS, AIG, AIL, AIP); they are the same in 2.3 to 2.8 for every field read here.

Conventions (the same as the FHIR mapping): dates that are not valid HL7 dates become None, never a
reason to reject; a provider id counts as an NPI only when it passes the NPI check digit; text values
are stripped and the HL7 null ``""`` reads as absent. A missing identity (PID-3, a visit number, an
appointment id) or an amount that is not a number raises :class:`Hl7MappingError` naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from revcycle.adapters.formats.hl7v2.errors import DATA_TYPE_ERROR, REQUIRED_FIELD_MISSING, Hl7MappingError
from revcycle.adapters.formats.hl7v2.message import Message, Segment
from revcycle.domain.errors import DomainError
from revcycle.domain.master_data import ALWAYS, Effective
from revcycle.domain.money import money
from revcycle.domain.npi import is_valid_npi
from revcycle.domain.patients import Address, Coverage, CoverageRank, Patient, Sex
from revcycle.domain.visits import Encounter, EncounterStatus, PatientClass

_DTM = re.compile(r"(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d{1,4})?([+-]\d{4})?")
_SEX: Mapping[str, Sex] = MappingProxyType(
    {"F": Sex.FEMALE, "M": Sex.MALE, "O": Sex.OTHER, "U": Sex.UNKNOWN, "A": Sex.OTHER, "N": Sex.OTHER}
)
_LIMIT = Decimal(10) ** 9  # quantities and durations beyond this are data errors, not numbers to use
_TINY = Decimal(10) ** -6
_CLASS: Mapping[str, PatientClass] = MappingProxyType({member.value: member for member in PatientClass})


def missing(location: str) -> Hl7MappingError:
    return Hl7MappingError(f"{location} missing", location=location, hl7_code=REQUIRED_FIELD_MISSING)


def text(segment: Segment | None, field: int, rep: int = 1, comp: int = 1, sub: int = 1) -> str | None:
    """A stripped leaf value; None when absent, empty or the HL7 null ``""``."""
    if segment is None:
        return None
    value = segment.value(field, rep, comp, sub).strip()
    return value if value and value != '""' else None


def repetitions(segment: Segment | None, field: int) -> int:
    return len(segment[field].repetitions()) if segment is not None else 0


def codes(segment: Segment | None, field: int) -> tuple[str, ...]:
    """Component 1 of every repetition of a coded field (CE/CWE/CNE), in order, without blanks."""
    found = (text(segment, field, rep) for rep in range(1, repetitions(segment, field) + 1))
    return tuple(code for code in found if code)


def to_datetime(value: str | None) -> datetime | None:
    """An HL7 DTM/TS (``YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]``) to the minute or better; aware when it
    carries an offset. Less precise than a day, or invalid: None."""
    match = _DTM.fullmatch(value or "")
    if match is None or match.group(3) is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        tz = None
        if zone:
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
            tz = timezone(-offset if zone[0] == "-" else offset)
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=tz
        )
    except ValueError:
        return None


def to_date(value: str | None) -> date | None:
    moment = to_datetime(value)
    return moment.date() if moment is not None else None


def amount(segment: Segment, field: int, location: str) -> Decimal | None:
    """An MO / CP amount (``quantity&denomination`` in component 1), cent-rounded; None when empty."""
    value = text(segment, field, 1, 1, 1)
    if value is None:
        return None
    try:
        return money(value)
    except DomainError:
        raise Hl7MappingError(
            f"{location} is not an amount", location=location, hl7_code=DATA_TYPE_ERROR
        ) from None


def number(segment: Segment, field: int, location: str) -> Decimal | None:
    value = text(segment, field)
    if value is None:
        return None
    try:
        result = Decimal(value)
    except InvalidOperation:
        result = Decimal("NaN")
    if not result.is_finite() or abs(result) >= _LIMIT or (result and abs(result) < _TINY):
        raise Hl7MappingError(f"{location} is not a number", location=location, hl7_code=DATA_TYPE_ERROR)
    return result


def npi(segment: Segment | None, field: int) -> str | None:
    """The first repetition of an XCN (or CNN) field whose id (component 1) is a valid NPI."""
    for rep in range(1, repetitions(segment, field) + 1):
        value = text(segment, field, rep)
        if value and is_valid_npi(value):
            return value
    return None


def identifier(segment: Segment, field: int) -> tuple[str, str | None] | None:
    """(id, assigning authority) from a CX list: the first repetition typed MR (CX-5), else the first
    with an id. The authority is CX-4's namespace id, else its universal id."""
    candidates = []
    for rep in range(1, repetitions(segment, field) + 1):
        value = text(segment, field, rep)
        if value:
            authority = text(segment, field, rep, 4, 1) or text(segment, field, rep, 4, 2)
            candidates.append((value, authority, text(segment, field, rep, 5)))
    for value, authority, kind in candidates:
        if kind == "MR":
            return value, authority
    return (candidates[0][0], candidates[0][1]) if candidates else None


def patient_from(pid: Segment | None, where: str = "PID") -> Patient:
    """A :class:`Patient` from PID: MRN and authority from PID-3, name PID-5, birth date PID-7, sex
    PID-8 (table 0001), address PID-11 (first repetition; line 1 is XAD-1's sub-components joined),
    phone PID-13 (XTN-1, else area code and number), account PID-18. PID-3 is required."""
    if pid is None:
        raise missing(where)
    found = identifier(pid, 3)
    if found is None:
        raise missing(f"{where}-3")
    mrn, authority = found
    street = pid[11].repetition(1).component(1).subcomponents()  # SAD: street, street name, number
    line1 = " ".join(part.strip() for part in street if part.strip() and part.strip() != '""') or None
    city = text(pid, 11, 1, 3)
    state, postal = text(pid, 11, 1, 4), text(pid, 11, 1, 5)
    address = Address(line1, city, state, postal) if any((line1, city, state, postal)) else None
    phone = text(pid, 13, 1, 1)
    if phone is None and text(pid, 13, 1, 7):
        phone = f"{text(pid, 13, 1, 6) or ''}{text(pid, 13, 1, 7)}"
    return Patient(
        mrn=mrn,
        family_name=text(pid, 5, 1, 1, 1),
        given_name=text(pid, 5, 1, 2),
        birth_date=to_date(text(pid, 7)),
        sex=_SEX.get((text(pid, 8) or "U").upper(), Sex.UNKNOWN),
        account=text(pid, 18),
        address=address,
        phone=phone,
        assigning_authority=authority,
    )


def visit_number(pv1: Segment | None, pid: Segment | None) -> str | None:
    """PV1-19 (visit number), else PID-18 (patient account number, which many senders use as the
    encounter's financial number)."""
    return text(pv1, 19) or text(pid, 18)


def facility(pv1: Segment | None) -> str | None:
    """PV1-3.4 (the assigned location's facility, HD namespace or universal id), else PV1-39."""
    return text(pv1, 3, 1, 4, 1) or text(pv1, 3, 1, 4, 2) or text(pv1, 39)


def department(pv1: Segment | None) -> str | None:
    """PV1-10 (hospital service), else PV1-3.1 (the assigned location's point of care)."""
    return text(pv1, 10) or text(pv1, 3)


def encounter_from(
    message: Message,
    patient: Patient,
    pv1: Segment | None,
    pid: Segment | None,
    *,
    status: EncounterStatus = EncounterStatus.IN_PROGRESS,
    required: bool = True,
) -> Encounter | None:
    """The visit in PV1 (patient class PV1-2, attending PV1-7, referring PV1-8, admitted PV1-44,
    discharged PV1-45) with the message's DG1-3 diagnoses. Without a visit number: an error when
    ``required``, else None."""
    number = visit_number(pv1, pid)
    if number is None:
        if required:
            raise missing("PV1-19")
        return None
    return Encounter(
        visit_number=number,
        patient_key=patient.key,
        patient_class=_CLASS.get((text(pv1, 2) or "U").upper(), PatientClass.UNKNOWN),
        status=status,
        admitted_at=to_datetime(text(pv1, 44)),
        discharged_at=to_datetime(text(pv1, 45)),
        facility_code=facility(pv1),
        department_code=department(pv1),
        attending_npi=npi(pv1, 7),
        referring_npi=npi(pv1, 8),
        diagnoses=diagnoses(message.segments("DG1")),
    )


def diagnoses(dg1s: list[Segment]) -> tuple[str, ...]:
    """DG1-3 codes (DG1-4 text code in v2.1/2.2 when DG1-3 is empty), in order, without repeats."""
    found = (text(dg1, 3) or text(dg1, 4) for dg1 in dg1s)
    return tuple(dict.fromkeys(code for code in found if code))


def coverages(segments: list[Segment]) -> tuple[Coverage, ...]:
    """One :class:`Coverage` per IN1 (with the IN2 that follows it).

    Payer: IN1-3 (insurance company id), else IN1-2 (plan id). Member id: IN1-36 (policy number), else
    IN1-49 (insured's id), IN2-6 (Medicare card), IN2-8 (Medicaid case), IN2-61 (patient member
    number). An IN1 with no payer or no member id (typically a self-pay line) is not a coverage and is
    left out. Rank: IN1-22 (coordination of benefits priority) when 1-3, else the IN1's position.
    """
    found: list[Coverage] = []
    for index, segment in enumerate(segments):
        if segment.id != "IN1":
            continue
        in2 = segments[index + 1] if index + 1 < len(segments) and segments[index + 1].id == "IN2" else None
        payer = text(segment, 3) or text(segment, 2)
        member = text(segment, 36) or text(segment, 49) or text(in2, 6) or text(in2, 8) or text(in2, 61)
        if payer is None or member is None:
            continue
        priority = text(segment, 22)
        rank = int(priority) if priority in ("1", "2", "3") else min(len(found) + 1, 3)
        start, end = to_date(text(segment, 12)), to_date(text(segment, 13))
        subscriber = ", ".join(part for part in (text(segment, 16, 1, 1, 1), text(segment, 16, 1, 2)) if part)
        found.append(
            Coverage(
                payer_id=payer,
                member_id=member,
                rank=CoverageRank(rank),
                group_number=text(segment, 8),
                plan_name=text(segment, 2, 1, 2) or text(segment, 4),
                subscriber_name=subscriber or None,
                relationship=text(segment, 17),
                effective=Effective(start, end) if start or end else ALWAYS,
            )
        )
    return tuple(found)
