"""Shared test fixtures: where the shared sample data lives, and whether real services are required."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Timing-based failures have no place in this suite (it runs on shared 2-core machines): no deadlines.
settings.register_profile("revcycle", deadline=None)
settings.load_profile("revcycle")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("REVCYCLE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def services_required() -> bool:
    return os.environ.get("REVCYCLE_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared sample data not found at {SHARED_DATA}")
    return SHARED_DATA
