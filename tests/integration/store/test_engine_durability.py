"""SQLite durability settings: an acknowledged append must survive power loss unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from revcycle.adapters.store.engine import make_engine
from revcycle.bootstrap import build
from revcycle.settings import Settings


def synchronous_of(url: str, **options: str) -> int:
    engine = make_engine(url, **options)  # type: ignore[arg-type]
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("PRAGMA synchronous")).scalar_one())
    finally:
        engine.dispose()


def test_sqlite_syncs_the_wal_at_every_commit_by_default(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert synchronous_of(url) == 2  # FULL
    assert synchronous_of(url, synchronous="NORMAL") == 1
    with pytest.raises(ValueError, match="FULL or NORMAL"):
        make_engine(url, synchronous="OFF")


def test_the_setting_reaches_the_store_and_refuses_weaker_modes(tmp_path: Path) -> None:
    container = build(Settings(data_dir=tmp_path, sqlite_synchronous="NORMAL", workers=False))
    try:
        with container.engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 1
    finally:
        container.engine.dispose()
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, sqlite_synchronous="OFF")  # type: ignore[arg-type]


def test_the_worker_process_commits_derived_state_without_the_per_commit_sync(tmp_path: Path) -> None:
    # Its transactions (state + "processed" marks together) are redone from the synced log if lost.
    settings = Settings(data_dir=tmp_path, workers=False)
    for side, expected in (("edge", 2), ("worker", 1)):
        container = build(settings, side=side)
        try:
            with container.engine.connect() as conn:
                assert conn.execute(text("PRAGMA synchronous")).scalar_one() == expected
        finally:
            container.engine.dispose()
