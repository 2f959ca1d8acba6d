"""A migrated store on each back end, a controllable clock, and alerting wired over them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from revcycle.adapters.store.alert_reads import SqlAlertReads
from revcycle.adapters.store.alert_store import SqlAlertStore
from revcycle.adapters.store.migrate import upgrade
from revcycle.bootstrap import store_engine
from revcycle.service_layer.alerts.service import AlertService
from revcycle.settings import Settings
from tests.integration.alerts.seed import NOW


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def engine(store_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = store_engine(Settings(db_url=store_url, data_dir=tmp_path))  # with the PHI key ring
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def alerting(engine: Engine, clock: Clock, tmp_path: Path) -> Iterator[Callable[[str], AlertService]]:
    made: list[AlertService] = []

    def make(rules_toml: str) -> AlertService:
        path = tmp_path / "alerts.toml"
        path.write_text(rules_toml)
        store = SqlAlertStore(engine)
        service = AlertService(
            SqlAlertReads(engine), store, store, path, clock=clock, link_base="http://console"
        )
        made.append(service)
        return service

    yield make
    for service in made:
        service.dispatcher.close()
