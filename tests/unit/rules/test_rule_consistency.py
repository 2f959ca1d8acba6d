"""Coding consistency: diagnoses and pointers, MUE, NCCI PTP, sex / age edits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from revcycle.domain.claims import ClaimKind
from revcycle.domain.findings import FindingType
from revcycle.domain.rules.consistency import (
    diagnosis_pointers,
    procedure_pairs,
    sex_age_charge,
    sex_age_claim,
    units_charge,
    units_claim,
)
from revcycle.domain.rules.edits import MueEdit, PtpEdit, SexAgeEdit, age_on
from tests.unit.builders_phi import assert_no_phi
from tests.unit.rules.builders import (
    TableEdits,
    charge,
    charge_facts,
    claim,
    claim_facts,
    line,
    patient,
    reference,
)

EDITS = TableEdits(
    mue=[MueEdit("99213", 1), MueEdit("36415", 2)],
    ptp=[
        PtpEdit("80053", "80048", 0, date(2010, 1, 1)),
        PtpEdit("97530", "97140", 1),
        PtpEdit("93000", "93010", 9),
        PtpEdit("96374", "96372", 0, date(2009, 1, 1), date(2025, 12, 31)),
    ],
    sex_age=[
        ("diagnosis", SexAgeEdit("N40", "M")),
        ("diagnosis", SexAgeEdit("O", "F", 9, 64)),
        ("procedure", SexAgeEdit("99395", None, 18, 39)),
    ],
)


def edits_of(found: list) -> list[str]:  # type: ignore[type-arg]
    assert {f.type for f in found} <= {FindingType.CODING_INCONSISTENCY}
    return sorted(f.key.split(":", 3)[3] for f in found)


def test_a_claim_without_diagnoses_and_lines_pointing_outside_them() -> None:
    assert edits_of(list(diagnosis_pointers(claim_facts(claim(dx=())), reference()))) == ["diagnosis_missing"]
    c = claim(
        line(1, "99213", diagnosis_pointers=(1, 2)),
        line(2, "36415", diagnosis_pointers=(3,)),
        dx=("I10", "E119"),
    )
    [found] = diagnosis_pointers(claim_facts(c), reference())
    assert found.details == {"edit": "diagnosis_pointer", "line": 2, "pointer": 3}


def test_a_professional_line_needs_a_pointer_an_institutional_one_does_not() -> None:
    c = claim(line(1, "99213", diagnosis_pointers=()))
    assert edits_of(list(diagnosis_pointers(claim_facts(c), reference()))) == ["diagnosis_pointer:1"]
    institutional = claim(line(1, "99213", diagnosis_pointers=()), kind=ClaimKind.INSTITUTIONAL)
    assert list(diagnosis_pointers(claim_facts(institutional), reference())) == []


def test_units_above_the_mue_per_code_and_day() -> None:
    c = claim(line(1, "99213"), line(2, "99213"), line(3, "36415", units=D("2")))
    [found] = units_claim(claim_facts(c), reference(EDITS))
    assert found.details == {"edit": "mue", "code": "99213", "units": "2", "max_units": 1}
    other_day = claim(line(1, "99213"), line(2, "99213", service_date=date(2026, 2, 17)))
    assert list(units_claim(claim_facts(other_day), reference(EDITS))) == []
    assert edits_of(list(units_charge(charge_facts(charge("36415", quantity=D("3"))), reference(EDITS)))) == [
        "mue:36415"
    ]
    assert (
        list(units_charge(charge_facts(charge("80053", quantity=D("9"))), reference(EDITS))) == []
    )  # no MUE
    stay = charge_facts(charge("36415", quantity=D("3")), inpatient=True)
    assert list(units_charge(stay, reference(EDITS))) == []  # MUEs do not cover inpatient stays


def test_an_inpatient_bill_is_not_held_to_the_mue() -> None:
    c = claim(line(1, "36415", units=D("5")), kind=ClaimKind.INSTITUTIONAL, type_of_bill="111")
    assert list(units_claim(claim_facts(c), reference(EDITS))) == []
    outpatient = claim(line(1, "36415", units=D("5")), kind=ClaimKind.INSTITUTIONAL, type_of_bill="131")
    assert len(list(units_claim(claim_facts(outpatient), reference(EDITS)))) == 1


def test_ptp_pairs_with_their_modifier_indicator_and_dates() -> None:
    def pairs(*lines: object) -> list[str]:
        return edits_of(list(procedure_pairs(claim_facts(claim(*lines)), reference(EDITS))))  # type: ignore[arg-type]

    assert pairs(line(1, "80053"), line(2, "80048")) == ["ptp:80053:80048"]
    assert pairs(line(1, "80053"), line(2, "80048", modifiers=("59",))) == ["ptp:80053:80048"]  # indicator 0
    assert pairs(line(1, "97530"), line(2, "97140")) == ["ptp:97530:97140"]
    assert pairs(line(1, "97530"), line(2, "97140", modifiers=("59",))) == []  # indicator 1 + bypass
    assert pairs(line(1, "93000"), line(2, "93010")) == []  # indicator 9: deleted edit
    assert pairs(line(1, "96374"), line(2, "96372")) == []  # deleted before the date of service
    assert pairs(line(1, "80053"), line(2, "80048", service_date=date(2026, 2, 17))) == []  # other day


def test_sex_and_age_edits_name_the_edit_not_the_patient() -> None:
    c = claim(line(1, "99395"), dx=("N400",))
    male_45 = patient("M", date(1980, 5, 1))
    assert edits_of(list(sex_age_claim(claim_facts(c, patient=male_45), reference(EDITS)))) == [
        "sex_age:99395"
    ]
    female_30 = patient("F", date(1995, 5, 1))
    found = list(sex_age_claim(claim_facts(c, patient=female_30), reference(EDITS)))
    assert edits_of(found) == ["sex_age:N400"]
    assert found[0].summary == "claim 3: N400 fails its sex edit (M only)"
    assert_no_phi(found)
    assert list(sex_age_claim(claim_facts(c), reference(EDITS))) == []  # patient unknown: no edit


def test_a_charge_with_an_obstetric_code_for_a_man() -> None:
    ob = charge("99213", diagnoses=("O80",))
    found = list(sex_age_charge(charge_facts(ob, patient=patient("M")), reference(EDITS)))
    assert edits_of(found) == ["sex_age:O80"]
    old = list(sex_age_charge(charge_facts(ob, patient=patient("F", date(1950, 1, 1))), reference(EDITS)))
    assert old[0].summary == "charge 7: O80 fails its age edit (9-64)"


def test_age_on_the_date_of_service() -> None:
    assert age_on(date(1980, 5, 1), date(2026, 4, 30)) == 45
    assert age_on(date(1980, 5, 1), date(2026, 5, 1)) == 46
    assert age_on(None, date(2026, 5, 1)) is None
