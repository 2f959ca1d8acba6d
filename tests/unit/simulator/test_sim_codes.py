"""Code sets: the shared files are read right, the embedded fallback holds only real codes, and every
condition and service of the catalogue resolves to real codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from revcycle.simulator import codes
from revcycle.simulator.catalog import Catalog


@pytest.fixture(scope="module")
def shared(shared_data: Path) -> codes.CodeSets:
    return codes.load(shared_data / "codesets")


def test_billable_means_leaf(shared: codes.CodeSets) -> None:
    assert shared.origin == "shared"
    assert shared.is_billable("E119") and shared.is_billable("I10") and shared.is_billable("S72001A")
    assert not shared.is_billable("E11") and "E11" in shared.icd10_headers
    assert not shared.is_billable("M545") and shared.is_billable("M5450")
    assert len(shared.icd10) > 70_000


def test_injury_codes_are_initial_encounters(shared: codes.CodeSets) -> None:
    found = shared.billable_under("S934")
    assert found and all(code.endswith("A") for code in found)


def test_embedded_codes_are_real(shared: codes.CodeSets) -> None:
    fallback = codes.embedded()
    assert fallback.origin == "embedded"
    assert all(shared.is_billable(code) for code in fallback.icd10)
    assert set(fallback.icd10_headers) <= set(shared.icd10_headers)
    assert fallback.hcpcs <= shared.hcpcs
    assert set(fallback.hcpcs_terminated) <= set(shared.hcpcs_terminated)
    assert fallback.taxonomies <= shared.taxonomies


@pytest.mark.parametrize("origin", ["shared", "embedded"])
def test_every_condition_has_codes(shared: codes.CodeSets, origin: str) -> None:
    sets = shared if origin == "shared" else codes.embedded()
    for condition in Catalog.build().conditions.values():
        assert any(sets.billable_under(prefix) for prefix in condition.prefixes), condition.name


def test_catalogue_hcpcs_codes_are_active(shared: codes.CodeSets) -> None:
    catalog = Catalog.build()
    hcpcs = [s.code for s in catalog.services.values() if s.system == "HCPCS"]
    assert hcpcs and all(code in shared.hcpcs for code in hcpcs)
    assert all(
        s.supports == () or set(s.supports) <= set(catalog.conditions) for s in catalog.services.values()
    )
    for visit_type in catalog.visit_types:
        assert {c for c, _ in visit_type.primary + visit_type.addons} <= set(catalog.services), (
            visit_type.name
        )
        assert {c for c, _ in visit_type.conditions} <= set(catalog.conditions), visit_type.name


def test_missing_folder_falls_back(tmp_path: Path) -> None:
    assert codes.load(tmp_path).origin == "embedded"
    assert codes.with_dot("E1165") == "E11.65" and codes.with_dot("I10") == "I10"
