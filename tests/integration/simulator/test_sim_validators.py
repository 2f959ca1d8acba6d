"""A sample of generated X12 validates in pyx12 with no errors (837P and 837I with and without COB and
replacements, 277CA with rejections, 835 with denials and reversals, 999), and generated FHIR validates
with fhir.resources' R4B models (revcycle's strict mode)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from revcycle.adapters.formats.fhir.strict import validate as fhir_validate
from revcycle.simulator.emission import Emission
from tests.integration.simulator.conftest import Run

pytest.importorskip("pyx12")
pytest.importorskip("fhir.resources")
from tests.integration.x12.pyx12_oracle import validate

FEATURES: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    "837P": ("837P", lambda raw: b"CLM*" in raw),
    "837P secondary (2320/2430)": ("837P", lambda raw: b"SVD*" in raw),
    "837P replacement": ("837P", lambda raw: b":B:7*" in raw),
    "837P dependent (2000C)": ("837P", lambda raw: b"PAT*19" in raw),
    "837I inpatient": ("837I", lambda raw: b"*11:A:1*" in raw),
    "837I secondary": ("837I", lambda raw: b"SVD*" in raw),
    "277CA rejection": ("277CA", lambda raw: b"STC*A7:" in raw),
    "835 denial": ("835", lambda raw: re.search(rb"CLP\*[^*]+\*4\*", raw) is not None),
    "835 reversal": ("835", lambda raw: re.search(rb"CLP\*[^*]+\*22\*", raw) is not None),
    "835 secondary": ("835", lambda raw: b"CAS*OA*23" in raw),
    "999": ("999", lambda raw: b"AK9*A" in raw),
}


def _smallest(run: Run, message_type: str, wanted: Callable[[bytes], bool]) -> Emission:
    found = [e for e in run.of_type(message_type) if wanted(e.payload)]
    assert found, f"no {message_type} with this feature in the run"
    return min(found, key=lambda e: len(e.payload))


@pytest.mark.parametrize("feature", list(FEATURES))
def test_x12_validates_in_pyx12(sim_run: Run, feature: str) -> None:
    message_type, wanted = FEATURES[feature]
    emission = _smallest(sim_run, message_type, wanted)
    assert validate(emission.payload) == (True, set())


def test_fhir_validates_in_fhir_resources(sim_run: Run) -> None:
    fhir = [e for e in sim_run.emissions if e.format == "fhir"]
    kinds = {e.message_type for e in fhir}
    assert kinds == {"Bundle_transaction", "Encounter", "ChargeItem", "Claim", "ExplanationOfBenefit"}
    sample = [e for kind in sorted(kinds) for e in [e for e in fhir if e.message_type == kind][:15]]
    sample += [e for e in fhir if e.message_type == "ExplanationOfBenefit" and b'"cancelled"' in e.payload][
        :3
    ]
    for emission in sample:
        fhir_validate(emission.payload)
