"""Over a 60-day run the label file's rates match the configured targets within tolerance, vary by payer
class, and the drifting payer rules only fire after their change date."""

from __future__ import annotations

from typing import Any

import pytest

from revcycle.simulator import rates
from revcycle.simulator.codes import CodeSets
from revcycle.simulator.config import SimConfig
from revcycle.simulator.engine import Simulation
from revcycle.simulator.policy import Drift


@pytest.fixture(scope="module")
def labels(code_sets: CodeSets) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for out in Simulation(SimConfig(seed=21, days=60, visits_per_day=120), code_sets).days():
        found.extend(out.labels)
    return found


def test_rates_match_targets(labels: list[dict[str, Any]]) -> None:
    measured = rates.measure(labels)
    targets = rates.Targets()
    assert measured["claims"] > 5000
    for name, tolerance in rates.TOLERANCE.items():
        assert abs(measured[name] - getattr(targets, name)) <= tolerance, (name, measured[name])
    assert 0.85 <= measured["clean_claim_rate"] <= 0.90
    assert abs(measured["mean_denial_probability"] - measured["initial_denial_rate"]) < 0.01


def test_denials_vary_by_payer_class(labels: list[dict[str, Any]]) -> None:
    by_class = rates.by_payer_class(labels)
    assert by_class["medicaid"] > by_class["commercial"] > by_class["medicare"]


def test_denial_causes_are_present_and_learnable(labels: list[dict[str, Any]]) -> None:
    claims = [r for r in labels if r["kind"] == "claim" and r["rank"] == 1]
    causes = {c for r in claims for c in r["causes"]}
    assert {
        "terminated_coverage",
        "late_filing",
        "missing_auth",
        "dx_mismatch",
        "missing_documentation",
    } <= causes
    with_cause = [r for r in claims if r["causes"]]
    without = [r for r in claims if not r["causes"]]
    share = sum(r["denied"] for r in with_cause) / len(with_cause)
    background = sum(r["denied"] for r in without) / len(without)
    assert share > 4 * background
    carcs = {c for r in claims for c in r["carcs"]}
    assert {"27", "29", "197", "11", "16", "97"} <= carcs


def test_payer_rules_drift(labels: list[dict[str, Any]]) -> None:
    drift = Drift.for_run(60)
    claims = [r for r in labels if r["kind"] == "claim" and r["rank"] == 1]
    modifier = [r["created_day"] for r in claims if "grn_modifier_25" in r["rules"]]
    assert modifier and min(modifier) >= drift.modifier25
    cascade = [r for r in claims if r["payer_id"] == "SYNCSC" and r["setting"] != "inpatient"]
    ct_head = [r for r in cascade if r["procedure_codes"] == ["70450"] or "70450" in r["procedure_codes"]]
    ct_only = [r for r in ct_head if not {"74177", "73721", "93306", "97110"} & set(r["procedure_codes"])]
    before = [r for r in ct_only if r["service_day"] < drift.cascade_auth]
    after = [r for r in ct_only if r["service_day"] >= drift.cascade_auth]
    assert before and after
    assert not any("missing_auth" in r["causes"] for r in before)
    assert any("missing_auth" in r["causes"] for r in after)
