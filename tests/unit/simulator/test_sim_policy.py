"""The denial model: probabilities, drift of payer rules, pricing that balances as an 835 must."""

from __future__ import annotations

from datetime import date
from random import Random

from revcycle.simulator import policy, pricing
from revcycle.simulator.catalog import Catalog
from revcycle.simulator.model import ChargeLine
from revcycle.simulator.names import Address
from revcycle.simulator.population import Patient
from revcycle.simulator.world import Payer
from revcycle.simulator.x12_common import amt, cas


def test_probability_combines_causes_and_background() -> None:
    causes = policy.CAUSES
    assert abs(policy.probability(0.05, []) - 0.05) < 1e-12
    both = [policy.Finding(causes["missing_auth"], 0), policy.Finding(causes["dx_mismatch"], 1)]
    expected = 1 - 0.95 * (1 - 0.85) * (1 - 0.70)
    assert abs(policy.probability(0.05, both) - expected) < 1e-12


def test_decide_fires_at_the_stated_rate() -> None:
    rng = Random(4)
    finding = [policy.Finding(policy.CAUSES["dx_mismatch"], 0)]
    fired = sum(bool(policy.decide(rng, 0.0, finding)[0]) for _ in range(20_000))
    assert abs(fired / 20_000 - 0.70) < 0.02


def test_authorization_rules_drift() -> None:
    drift = policy.Drift.for_run(100)
    assert not policy.auth_required("SYNMCR", "medicare", "73721", 10, drift)
    assert policy.auth_required("SYNMCD", "medicaid", "73721", 10, drift)
    assert not policy.auth_required("SYNCSC", "commercial", "70450", drift.cascade_auth - 1, drift)
    assert policy.auth_required("SYNCSC", "commercial", "70450", drift.cascade_auth, drift)
    assert not policy.auth_required("SYNNWH", "commercial", "70450", 99, drift)
    assert not policy.documentation_required("SYNMCD", "99214", drift.medicaid_docs - 1, drift)
    assert policy.documentation_required("SYNMCD", "99214", drift.medicaid_docs, drift)
    assert policy.documentation_required("SYNNWH", "99215", 0, drift)


def _line(code: str, charge: int) -> ChargeLine:
    service = Catalog.build().services[code]
    return ChargeLine("T1", service, code, 1, charge, 0, "FM1", None, 0)


def test_priced_lines_balance() -> None:
    payer = Payer("P", "P", "commercial", 90, 0.0, 1.0, "CI", 0.5, 3000, 0.2, 5000, "123456789")
    home = Address("1 A St", "X", "WA", "983000000")
    patient = Patient(1, "1", "A1", "F", "G", date(1980, 1, 1), "F", home, "2065550100", [], "FM1")
    first = pricing.paid_line(payer, patient, _line("99214", 22000), "C-1", 13000, copay_due=True)
    assert [(a.group, a.reason) for a in first.adjustments] == [
        ("CO", "45"),
        ("PR", "3"),
        ("PR", "1"),
        ("PR", "2"),
    ]
    assert first.line.charge - sum(a.amount for a in first.adjustments) == first.paid
    second = pricing.paid_line(payer, patient, _line("80053", 12000), "C-2", 1100, copay_due=False)
    assert second.line.charge - sum(a.amount for a in second.adjustments) == second.paid
    assert patient.deductible_met["P"] == 5000
    covered = pricing.secondary_line(payer, first)
    assert covered.line.charge - sum(a.amount for a in covered.adjustments) == covered.paid
    denied = pricing.denied_line(_line("73721", 220000), "C-3", "197", "N54")
    assert denied.paid == 0 and denied.adjustments[0].amount == 220000 and denied.remarks == ("N54",)


def test_x12_amounts_and_cas_grouping() -> None:
    assert (amt(15000), amt(15050), amt(15055), amt(-1250), amt(7)) == (
        "150",
        "150.5",
        "150.55",
        "-12.5",
        "0.07",
    )
    segments = cas([("CO", "45", 1000), ("PR", "1", 500), ("PR", "2", 250), ("CO", "97", 0)])
    assert segments == ["CAS*CO*45*10", "CAS*PR*1*5**2*2.5"]
