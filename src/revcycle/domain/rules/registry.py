"""The one list of rules. A new rule is one function in a module of this package and one line here."""

from __future__ import annotations

from typing import Any

from revcycle.domain.rules import consistency, duplicates, invalid_codes, missing_codes, money
from revcycle.domain.rules.base import Rule
from revcycle.domain.rules.facts import AppointmentFacts, ChargeFacts, ClaimFacts, EncounterFacts

RULES: tuple[Rule[Any], ...] = (
    # charges (HL7 DFT, FHIR ChargeItem)
    Rule("duplicate_charge", ChargeFacts, duplicates.duplicate_charge),
    Rule("charge_without_code", ChargeFacts, missing_codes.charge_without_code),
    Rule("charge_codes", ChargeFacts, invalid_codes.charge_codes),
    Rule("charge_units", ChargeFacts, consistency.units_charge),
    Rule("charge_sex_age", ChargeFacts, consistency.sex_age_charge),
    Rule("timely_filing", ChargeFacts, money.timely_filing),
    # claims (837P / 837I, FHIR Claim)
    Rule("duplicate_claim_content", ClaimFacts, duplicates.duplicate_claim_content),
    Rule("claim_balance", ClaimFacts, money.claim_balance),
    Rule("below_fee_schedule", ClaimFacts, money.below_fee_schedule),
    Rule("claim_codes", ClaimFacts, invalid_codes.claim_codes),
    Rule("diagnosis_pointers", ClaimFacts, consistency.diagnosis_pointers),
    Rule("claim_units", ClaimFacts, consistency.units_claim),
    Rule("procedure_pairs", ClaimFacts, consistency.procedure_pairs),
    Rule("claim_sex_age", ClaimFacts, consistency.sex_age_claim),
    # appointments (SIU, FHIR Appointment): flagged ahead of the visit
    Rule("unmapped_service", AppointmentFacts, missing_codes.unmapped_service),
    # visits (the periodic missing-charge sweep)
    Rule("visit_without_charges", EncounterFacts, missing_codes.visit_without_charges),
)


def rules_for(subject: type[Any], rules: tuple[Rule[Any], ...] = RULES) -> tuple[Rule[Any], ...]:
    return tuple(rule for rule in rules if rule.subject is subject)
