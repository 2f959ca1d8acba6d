"""Duplicate charges and duplicate claims (by content)."""

from __future__ import annotations

from dataclasses import replace

from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.rules.duplicates import claim_content, duplicate_charge, duplicate_claim_content
from tests.unit.rules.builders import charge_facts, claim, claim_facts, line, reference


def test_a_charge_with_an_earlier_identical_one_is_a_duplicate() -> None:
    [found] = duplicate_charge(charge_facts(same_service=(4, 5), charge_id=9), reference())
    assert (found.type, found.severity, found.subject_kind, found.subject_id) == (
        FindingType.DUPLICATE_CHARGE,
        Severity.HIGH,
        "charge",
        "9",
    )
    assert found.details == {"duplicate_of": 4, "code": "99213"}
    assert found.key == "duplicate_charge:charge:9"


def test_a_charge_without_an_earlier_twin_is_not() -> None:
    assert list(duplicate_charge(charge_facts(), reference())) == []


def test_a_claim_with_the_same_content_as_a_live_claim_is_a_duplicate() -> None:
    [found] = duplicate_claim_content(claim_facts(same_content=(2,), claim_id=5), reference())
    assert found.type is FindingType.DUPLICATE_CLAIM and found.details["duplicate_of"] == 2
    assert list(duplicate_claim_content(claim_facts(), reference())) == []


def test_claim_content_ignores_the_control_number_and_line_order_but_not_the_lines() -> None:
    first = claim(line(1, "99213"), line(2, "36415", "25.00"))
    again = replace(first, patient_control_number="PCN2", lines=tuple(reversed(first.lines)))
    assert claim_content(again) == claim_content(first)
    other_units = replace(first, lines=(line(1, "99213"), line(2, "36415", "25.00", units=2)))
    assert claim_content(other_units) != claim_content(first)
    assert claim_content(replace(first, payer_id="PAYER-B")) != claim_content(first)
    assert claim_content(replace(first, payer_rank=2)) != claim_content(first)  # the secondary claim
    assert claim_content(replace(first, visit_number="V9")) != claim_content(first)
    assert claim_content(replace(first, billing_npi="1245319599")) != claim_content(first)  # another clinic
    assert claim_content(replace(first, facility_code="UC3")) != claim_content(first)
