"""An API client on each back end, with its lifespan (group commit and a worker thread) running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from revcycle.bootstrap import build
from revcycle.entrypoints.api.app import create_app
from revcycle.settings import Settings
from tests.integration.api.auth_helpers import sign_in_as_admin


@pytest.fixture
def client(store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        db_url=store_url,
        data_dir=tmp_path,
        mllp_enabled=False,
        worker_poll_seconds=0.05,
        worker_mode="thread",
    )
    with TestClient(create_app(lambda: build(settings))) as client:
        yield sign_in_as_admin(client)
