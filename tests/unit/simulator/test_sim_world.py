"""The seeded world: valid NPIs and taxonomies, payer classes, contracts, and determinism by seed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from revcycle.domain.npi import is_valid_npi
from revcycle.simulator import codes
from revcycle.simulator.config import SimConfig
from revcycle.simulator.population import Population
from revcycle.simulator.world import build_world


def test_world_identifiers_are_valid(shared_data: Path) -> None:
    sets = codes.load(shared_data / "codesets")
    world = build_world(SimConfig(seed=3, days=30, visits_per_day=50), sets)
    npis = [f.npi for f in world.facilities.values()] + [p.npi for ps in world.providers.values() for p in ps]
    assert len(npis) == len(set(npis)) and all(is_valid_npi(n) for n in npis)
    taxonomies = {p.taxonomy for ps in world.providers.values() for p in ps} | {
        f.taxonomy for f in world.facilities.values()
    }
    assert taxonomies <= sets.taxonomies
    assert {p.payer_class for p in world.payers.values()} == {
        "medicare",
        "medicaid",
        "commercial",
        "self_pay",
    }
    assert all(d.facility in world.facilities for d in world.departments.values())


def test_contracts_price_every_coded_service_and_renew() -> None:
    world = build_world(SimConfig(days=40), codes.embedded())
    coded = {s.code for s in world.catalog.coded()}
    for payer in world.payers.values():
        if payer.payer_class != "self_pay":
            contract = world.contract_for(payer.payer_id, 0)
            assert contract is not None and set(contract.rates) == coded
    before, after = world.contract_for("SYNCSC", 0), world.contract_for("SYNCSC", 39)
    assert before is not None and after is not None and before.contract_id != after.contract_id
    assert after.rates["99213"] > before.rates["99213"]


def test_unmapped_master_data_is_configured() -> None:
    world = build_world(SimConfig(days=50), codes.embedded())
    assert world.departments["WND1"].mapped_day is None
    assert world.departments["SLP2"].mapped_day == 20
    assert world.payers["SYNTCB"].mapped_day is None and world.payers["SYNHBR"].mapped_day == 15


def test_same_seed_same_world_and_patients() -> None:
    one = build_world(SimConfig(seed=9, start=date(2026, 3, 2)), codes.embedded())
    two = build_world(SimConfig(seed=9, start=date(2026, 3, 2)), codes.embedded())
    other = build_world(SimConfig(seed=10, start=date(2026, 3, 2)), codes.embedded())
    assert one.facilities == two.facilities and one.providers == two.providers
    assert one.facilities != other.facilities
    first, second = Population(one), Population(two)
    assert first.get(123) == second.get(123)
    assert first.get(5).mrn != first.get(6).mrn


def test_patients_have_plausible_coverage() -> None:
    population = Population(build_world(SimConfig(seed=2, patients=2000), codes.embedded()))
    patients = [population.get(i) for i in range(2000)]
    medicare = [p for p in patients if p.coverages and p.coverages[0].payer.payer_class == "medicare"]
    assert all(p.age_years >= 65 for p in medicare)
    assert 0.15 < len(medicare) / len(patients) < 0.3
    assert any(len(p.coverages) > 1 and p.coverages[1].rank == 2 for p in patients)
    ended = [p for p in patients if p.terminated is not None]
    assert 0.01 < len(ended) / len(patients) < 0.08
    children = [(p, c) for p in patients for c in p.coverages if c.relationship == "19"]
    assert children and all(c.subscriber_dob < p.birth_date and p.age_years < 18 for p, c in children)
