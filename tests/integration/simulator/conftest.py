"""One 60-day simulation of a small network, shared by the simulator's integration tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from revcycle.simulator import codes
from revcycle.simulator.config import SimConfig
from revcycle.simulator.emission import Emission
from revcycle.simulator.engine import Simulation


@dataclass
class Run:
    config: SimConfig
    emissions: list[Emission]
    labels: list[dict[str, Any]]

    def of_type(self, message_type: str) -> list[Emission]:
        return [e for e in self.emissions if e.message_type == message_type]


@pytest.fixture(scope="session")
def code_sets(shared_data: Path) -> codes.CodeSets:
    return codes.load(shared_data / "codesets")


@pytest.fixture(scope="session")
def sim_run(code_sets: codes.CodeSets) -> Run:
    config = SimConfig(seed=7, days=60, visits_per_day=60)
    emissions: list[Emission] = []
    labels: list[dict[str, Any]] = []
    for out in Simulation(config, code_sets).days():
        emissions.extend(out.emissions)
        labels.extend(out.labels)
    return Run(config, emissions, labels)
