"""Fixtures: a fresh harness per test; on teardown, every finding the test raised is checked for PHI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.service_layer.builders import Harness, phi_leaks


@pytest.fixture
def harness() -> Iterator[Harness]:
    h = Harness()
    yield h
    leaks = phi_leaks(h.findings)
    assert not leaks, f"PHI in findings: {leaks}"
