"""The operations page's per-interface counts (read through the indexes) equal one GROUP BY over the
window's messages, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from revcycle.adapters.store.console_queries import ConsoleQueries
from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.schema import inbound_messages
from revcycle.bootstrap import store_engine
from revcycle.settings import Settings
from tests.integration.alerts import seed
from tests.integration.console.direct_queries import direct_interfaces

STATUSES = ("processed",) * 6 + ("accepted", "failed", "dead", "rejected")


@pytest.fixture
def engine(store_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = store_engine(Settings(db_url=store_url, data_dir=tmp_path))
    upgrade(engine)
    rng = random.Random(3)
    for n in range(60):
        seed.message(
            engine, rng.choice(("adt", "dft", "x12")), seed.NOW - timedelta(minutes=rng.randrange(2000))
        )
        status = rng.choice(STATUSES)
        processed = (
            seed.NOW - timedelta(minutes=rng.randrange(30)) if status in ("processed", "dead") else None
        )
        with for_writing(engine).begin() as conn:
            conn.execute(
                update(inbound_messages)
                .where(inbound_messages.c.correlation_id == f"corr-{n}")
                .values(status=status, processed_at=processed)
            )
    yield engine
    engine.dispose()


@pytest.mark.parametrize(("hours", "processing"), [(24, False), (1, True), (48, True)])
def test_interface_counts_equal_the_direct_group_by(engine: Engine, hours: int, processing: bool) -> None:
    since = seed.NOW - timedelta(hours=hours)
    found = ConsoleQueries(engine).interfaces(since, processing=processing)
    assert found == direct_interfaces(engine, since, processing=processing)
    assert sum(row["errors"] + row["dead"] for row in found) > 0 or hours == 1
