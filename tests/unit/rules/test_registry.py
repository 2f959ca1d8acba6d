"""The one registry: every rule is a small function registered once, for one subject type."""

from __future__ import annotations

from revcycle.domain.rules.facts import AppointmentFacts, ChargeFacts, ClaimFacts, EncounterFacts
from revcycle.domain.rules.registry import RULES, rules_for


def test_every_rule_is_registered_once_with_a_unique_name() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert len({rule.check for rule in RULES}) == len(RULES)


def test_rules_are_found_by_their_subject_type() -> None:
    kinds = {ChargeFacts, ClaimFacts, AppointmentFacts, EncounterFacts}
    assert {rule.subject for rule in RULES} == kinds
    assert sum(len(rules_for(kind)) for kind in kinds) == len(RULES)
    assert "duplicate_charge" in [r.name for r in rules_for(ChargeFacts)]
    assert [r.name for r in rules_for(AppointmentFacts)] == ["unmapped_service"]
    assert rules_for(str) == ()
