"""The sweeper refreshes the console's rollups on their own schedule and survives a store error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import OperationalError

from revcycle.service_layer.sweeps import Sweeper
from tests.unit.service_layer.fakes import FakeUnitOfWork


def test_the_rollup_refresh_keeps_its_own_schedule() -> None:
    uow = FakeUnitOfWork()
    now = [datetime(2026, 11, 22, 9, 0, tzinfo=UTC)]
    runs: list[datetime] = []
    sweeper = Sweeper(lambda: uow, interval=600, clock=lambda: now[0], rollups=lambda: runs.append(now[0]))
    sweeper.tick()
    now[0] += timedelta(seconds=10)
    sweeper.tick()  # not due
    now[0] += timedelta(seconds=25)
    sweeper.tick()  # 35 s after the first: due (the missing-charge sweep is not: 600 s)
    assert runs == [datetime(2026, 11, 22, 9, 0, tzinfo=UTC), datetime(2026, 11, 22, 9, 0, 35, tzinfo=UTC)]


def test_a_store_error_in_the_refresh_is_retried_at_the_next_interval() -> None:
    calls = []

    def refresh() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("DELETE FROM rollup_claims", {}, Exception("database is locked"))

    now = [datetime(2026, 11, 22, 9, 0, tzinfo=UTC)]
    sweeper = Sweeper(FakeUnitOfWork, clock=lambda: now[0], rollups=refresh, rollup_interval=30)
    assert not sweeper.refresh_rollups()
    assert sweeper.tick() == 0  # the loop goes on; not due again yet
    now[0] += timedelta(seconds=31)
    assert sweeper.refresh_rollups() and len(calls) == 2
