"""Invalid codes on the date of service: ICD-10-CM (valid and billable), CPT (format), HCPCS Level II
(not terminated), modifiers, place of service (CMS POS code set), revenue codes (UB-04), NPI check digit
(45 CFR 162.406). One finding per subject and code."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.domain.npi import is_valid_npi
from revcycle.domain.rules.base import finding
from revcycle.domain.rules.coding import normalise_icd10, procedure_problem
from revcycle.domain.rules.facts import ChargeFacts, ClaimFacts
from revcycle.domain.rules.reference import CodeSets, Reference

Problem = tuple[str, str, str]  # (code system, code, reason)


def _problems(
    codes: CodeSets,
    on: date | None,
    *,
    diagnoses: Iterable[str] = (),
    procedures: Iterable[str] = (),
    modifiers: Iterable[str] = (),
    revenue_codes: Iterable[str] = (),
    places: Iterable[str] = (),
    npis: Iterable[str] = (),
) -> Iterator[Problem]:
    for raw in dict.fromkeys(diagnoses):
        code = normalise_icd10(raw)
        if why := codes.icd10cm(code, on):
            yield "ICD-10-CM", code, why
    for code in dict.fromkeys(procedures):
        if why := procedure_problem(codes, code, on):
            yield "HCPCS" if code[:1].isalpha() else "CPT", code, why
    for code in dict.fromkeys(modifiers):
        if why := codes.modifier(code, on):
            yield "modifier", code, why
    for code in dict.fromkeys(revenue_codes):
        if why := codes.revenue_code(code):
            yield "revenue code", code, why
    for code in dict.fromkeys(places):
        if why := codes.place_of_service(code):
            yield "place of service", code, why
    for npi in dict.fromkeys(npis):
        if not is_valid_npi(npi):
            yield "NPI", "NPI", "fails its check digit"


def _findings(subject_kind: str, subject_id: int, problems: Iterable[Problem]) -> Iterator[Finding]:
    for system, code, why in problems:
        shown = code if system != "NPI" else "an NPI"  # an NPI is an identifier: not echoed
        yield finding(
            FindingType.INVALID_CODE,
            Severity.HIGH,
            subject_kind,
            subject_id,
            f"{subject_kind} {subject_id}: {system} {shown} is invalid on the date of service ({why})",
            key_suffix=f"{system}:{code}",
            details={"code_system": system, "code": code if system != "NPI" else None, "reason": why},
        )


def charge_codes(facts: ChargeFacts, reference: Reference) -> Iterator[Finding]:
    charge = facts.charge
    problems = _problems(
        reference.codes,
        charge.service_date,
        diagnoses=charge.diagnoses,
        procedures=[charge.procedure_code] if charge.procedure_code else [],
        modifiers=charge.modifiers,
        revenue_codes=[charge.revenue_code] if charge.revenue_code else [],
        places=[charge.place_of_service] if charge.place_of_service else [],
        npis=[n for n in (charge.performing_npi, charge.ordering_npi) if n],
    )
    yield from _findings("charge", facts.charge_id, problems)


def claim_codes(facts: ClaimFacts, reference: Reference) -> Iterator[Finding]:
    claim = facts.claim
    on = claim.service_date
    problems = list(
        _problems(
            reference.codes,
            on,
            diagnoses=[d.code for d in claim.diagnoses if _is_icd10(d.qualifier)],
            places=[p for p in (claim.place_of_service,) if p],
            npis=[n for n in (claim.billing_npi, claim.rendering_npi, claim.attending_npi) if n],
        )
    )
    for line in claim.lines:
        problems.extend(
            _problems(
                reference.codes,
                line.service_date or on,
                procedures=[line.procedure_code] if line.procedure_code else [],
                modifiers=line.modifiers,
                revenue_codes=[line.revenue_code] if line.revenue_code else [],
                places=[line.place_of_service] if line.place_of_service else [],
                npis=[line.rendering_npi] if line.rendering_npi else [],
            )
        )
    yield from _findings("claim", facts.claim_id, dict.fromkeys(problems))


#: HI qualifiers for ICD-10-CM (X12 5010: ABK principal, ABJ admitting, ABF other, APR reason for
#: visit, ABN external cause); ICD-9 (BK, BF...) and procedure qualifiers (BBR, BBQ) are not checked here.
_ICD10_QUALIFIERS = frozenset({"ABK", "ABJ", "ABF", "APR", "ABN"})


def _is_icd10(qualifier: str | None) -> bool:
    return qualifier is None or qualifier in _ICD10_QUALIFIERS
