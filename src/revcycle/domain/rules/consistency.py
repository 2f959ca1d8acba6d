"""Coding consistency: diagnoses present and pointed to, units within the MUE, no NCCI PTP pair billed
together without an allowed modifier, sex / age edits. The last three read the user's edit tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from revcycle.domain.claims import ClaimKind
from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.domain.rules.base import finding
from revcycle.domain.rules.coding import normalise_icd10
from revcycle.domain.rules.edits import age_on
from revcycle.domain.rules.facts import ChargeFacts, ClaimFacts, PatientFacts
from revcycle.domain.rules.reference import EditTables, Reference


def _inconsistent(kind: str, subject_id: int, edit: str, summary: str, **details: object) -> Finding:
    return finding(
        FindingType.CODING_INCONSISTENCY,
        Severity.MEDIUM,
        kind,
        subject_id,
        f"{kind} {subject_id}: {summary}",
        key_suffix=edit,
        details={"edit": edit.split(":")[0], **details},
    )


def diagnosis_pointers(facts: ClaimFacts, _: Reference) -> Iterator[Finding]:
    """Every claim needs a diagnosis (HI); a professional line's pointers (SV107) must point into it."""
    claim = facts.claim
    if not claim.diagnoses:
        yield _inconsistent("claim", facts.claim_id, "diagnosis_missing", "no diagnosis code (HI)")
        return
    count = len(claim.diagnoses)
    for line in claim.lines:
        bad = [p for p in line.diagnosis_pointers if not 1 <= p <= count]
        if bad:
            yield _inconsistent(
                "claim",
                facts.claim_id,
                f"diagnosis_pointer:{line.line_number}",
                f"line {line.line_number} points to diagnosis {bad[0]} of {count}",
                line=line.line_number,
                pointer=bad[0],
            )
        elif claim.kind is ClaimKind.PROFESSIONAL and not line.diagnosis_pointers and line.procedure_code:
            yield _inconsistent(
                "claim",
                facts.claim_id,
                f"diagnosis_pointer:{line.line_number}",
                f"line {line.line_number} has no diagnosis pointer (SV107)",
                line=line.line_number,
            )


#: Inpatient hospital types of bill (NUBC FL 4: 011x inpatient, 012x inpatient Part B, 018x swing bed,
#: 021x SNF inpatient): CMS applies MUEs to practitioner, outpatient hospital and DME claims only.
_INPATIENT_BILLS = ("011", "012", "018", "021", "11", "12", "18", "21")


def units_claim(facts: ClaimFacts, reference: Reference) -> Iterator[Finding]:
    """MUE per code and date of service: the units of all lines of the claim added up (not on
    inpatient bills, which MUEs do not cover)."""
    claim = facts.claim
    if claim.kind is ClaimKind.INSTITUTIONAL and (claim.type_of_bill or "").startswith(_INPATIENT_BILLS):
        return
    units: dict[tuple[str, date | None], Decimal] = defaultdict(Decimal)
    for line in claim.lines:
        if line.procedure_code:
            units[(line.procedure_code, line.service_date or claim.service_date)] += line.units
    for (code, _day), total in units.items():
        yield from _mue("claim", facts.claim_id, code, total, reference.edits)


def units_charge(facts: ChargeFacts, reference: Reference) -> Iterator[Finding]:
    code = facts.charge.procedure_code
    if code and not facts.inpatient:
        yield from _mue("charge", facts.charge_id, code, facts.charge.quantity, reference.edits)


def _mue(kind: str, subject_id: int, code: str, units: Decimal, edits: EditTables) -> Iterator[Finding]:
    edit = edits.mue(code)
    if edit is not None and units > edit.max_units:
        yield _inconsistent(
            kind,
            subject_id,
            f"mue:{code}",
            f"{units.normalize()} units of {code} exceed its MUE of {edit.max_units} per day",
            code=code,
            units=str(units.normalize()),
            max_units=edit.max_units,
        )


def procedure_pairs(facts: ClaimFacts, reference: Reference) -> Iterator[Finding]:
    """NCCI PTP: column-2 code billed with its column-1 code on the same date of service."""
    claim = facts.claim
    by_day: dict[date | None, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for line in claim.lines:
        if line.procedure_code:
            by_day[line.service_date or claim.service_date].append((line.procedure_code, line.modifiers))
    for day, coded in by_day.items():
        for first, first_mods in coded:
            for second, second_mods in coded:
                if first == second:
                    continue
                edit = reference.edits.ptp(first, second, day)
                if edit is None or not edit.applies(day) or edit.bypassed(first_mods + second_mods):
                    continue
                yield _inconsistent(
                    "claim",
                    facts.claim_id,
                    f"ptp:{first}:{second}",
                    f"{second} is not billed with {first} on the same day (NCCI PTP, modifier "
                    f"indicator {edit.modifier_indicator})",
                    column1=first,
                    column2=second,
                    modifier_indicator=edit.modifier_indicator,
                )


def sex_age_claim(facts: ClaimFacts, reference: Reference) -> Iterator[Finding]:
    claim = facts.claim
    codes = [(normalise_icd10(d.code), "diagnosis") for d in claim.diagnoses]
    codes += [(ln.procedure_code, "procedure") for ln in claim.lines if ln.procedure_code]
    yield from _sex_age("claim", facts.claim_id, codes, facts.patient, claim.service_date, reference.edits)


def sex_age_charge(facts: ChargeFacts, reference: Reference) -> Iterator[Finding]:
    charge = facts.charge
    codes = [(normalise_icd10(d), "diagnosis") for d in charge.diagnoses]
    codes += [(charge.procedure_code, "procedure")] if charge.procedure_code else []
    yield from _sex_age("charge", facts.charge_id, codes, facts.patient, charge.service_date, reference.edits)


def _sex_age(
    kind: str,
    subject_id: int,
    codes: list[tuple[str, str]],
    patient: PatientFacts | None,
    on: date | None,
    edits: EditTables,
) -> Iterator[Finding]:
    """Sex / age edits (CMS MCE shape). The finding names the code and the edit, never the patient's
    sex or age."""
    if patient is None:
        return
    age = age_on(patient.birth_date, on)
    for code, code_kind in dict.fromkeys(codes):
        edit = edits.sex_age(code, code_kind)
        why = edit.problem(patient.sex, age) if edit else None
        if why:
            yield _inconsistent(kind, subject_id, f"sex_age:{code}", f"{code} fails its {why}", code=code)
