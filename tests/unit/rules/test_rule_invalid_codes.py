"""Invalid codes on charges and claims, on real code-set entries."""

from __future__ import annotations

from datetime import date

from revcycle.domain.findings import FindingType
from revcycle.domain.rules.invalid_codes import charge_codes, claim_codes
from tests.unit.builders_phi import assert_no_phi
from tests.unit.rules.builders import charge, charge_facts, claim, claim_facts, line, reference


def problems(found: list) -> set[tuple[str, str, str]]:  # type: ignore[type-arg]
    return {(f.details["code_system"], f.details["code"], f.details["reason"]) for f in found}


def test_a_valid_charge_raises_nothing() -> None:
    assert list(charge_codes(charge_facts(charge("99213", diagnoses=("E11.9", "I10"))), reference())) == []


def test_a_header_diagnosis_and_a_terminated_hcpcs_code_on_a_charge() -> None:
    bad = charge("A4466", diagnoses=("E11", "I10"))  # E11: a category; A4466: terminated 2016-12-31
    found = list(charge_codes(charge_facts(bad, charge_id=12), reference()))
    assert problems(found) == {
        ("ICD-10-CM", "E11", "not billable: a header with subcodes (FY2026)"),
        ("HCPCS", "A4466", "terminated 2016-12-31"),
    }
    assert {f.type for f in found} == {FindingType.INVALID_CODE}
    assert {f.key for f in found} == {
        "invalid_code:charge:12:ICD-10-CM:E11",
        "invalid_code:charge:12:HCPCS:A4466",
    }


def test_the_date_of_service_decides_a_terminated_code() -> None:
    before = charge("A4466", service_date=date(2016, 12, 1))
    assert list(charge_codes(charge_facts(before), reference())) == []


def test_cpt_is_checked_by_format_and_other_code_sets_by_their_tables() -> None:
    bad = charge(
        "9921", modifiers=("ZZ",), place_of_service="28", revenue_code="999", performing_npi="1234567890"
    )
    found = problems(list(charge_codes(charge_facts(bad), reference())))
    assert found == {
        ("CPT", "9921", "not a CPT or HCPCS code"),
        ("modifier", "ZZ", "not in the HCPCS Level II 2019 file"),
        ("place of service", "28", "unassigned place of service code"),
        ("revenue code", "999", "not a four-digit UB-04 revenue code"),
        ("NPI", None, "fails its check digit"),
    }


def test_claim_codes_are_judged_per_line_and_reported_once_per_code() -> None:
    c = claim(
        line(1, "99213", modifiers=("25",)),
        line(2, "A4466", service_date=date(2026, 2, 17)),
        line(3, "A4466"),
        dx=("I10", "M545"),
        place_of_service="11",
    )
    found = list(claim_codes(claim_facts(c, claim_id=4), reference()))
    assert problems(found) == {
        ("ICD-10-CM", "M545", "not billable: a header with subcodes (FY2026)"),
        ("HCPCS", "A4466", "terminated 2016-12-31"),
    }
    assert all(f.subject_kind == "claim" and f.subject_id == "4" for f in found)


def test_icd9_diagnosis_qualifiers_are_not_judged_as_icd10() -> None:
    from dataclasses import replace

    from revcycle.domain.claims import Diagnosis

    c = replace(claim(), diagnoses=(Diagnosis("I10", "ABK"), Diagnosis("4019", "BF")))
    assert list(claim_codes(claim_facts(c), reference())) == []


def test_summaries_carry_codes_and_ids_only() -> None:
    bad = charge("A4466", diagnoses=("E11",), performing_npi="1234567890")
    assert_no_phi(list(charge_codes(charge_facts(bad), reference())))
