"""Integration fixtures: the store on both back ends (SQLite file and real PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from revcycle.adapters.store.encrypted import install_key_ring
from revcycle.adapters.store.engine import make_engine
from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.schema import metadata
from revcycle.bootstrap import Container, build
from revcycle.security.phi_crypto import KeyRing
from revcycle.settings import Settings
from tests.services import scratch_postgres


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with scratch_postgres() as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The store's URL on each back end; PostgreSQL is emptied before each test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'revcycle.db'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    _truncate(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    install_key_ring(engine, KeyRing.generate())  # PHI columns encrypt (as bootstrap.build sets up)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def container(store_url: str, tmp_path: Path) -> Iterator[Container]:
    built = build(Settings(db_url=store_url, data_dir=tmp_path, retry_base_seconds=0.01, workers=False))
    yield built
    built.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty store of its own on either back end, unmigrated (migration tests run it down and up)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        yield engine
        engine.dispose()
        return
    with scratch_postgres() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()
