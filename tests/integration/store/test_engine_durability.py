"""SQLite durability settings: an acknowledged append must survive power loss unless told otherwise."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from revcycle.adapters.store.engine import make_engine
from revcycle.bootstrap import build
from revcycle.service_layer.errors import TransientError
from revcycle.service_layer.intake import make_receipt
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


def test_a_write_transaction_sqlite_cannot_begin_is_the_store_being_unavailable(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE goes to the driver's connection directly; when SQLite refuses it (another program
    holds the file's write lock past the busy timeout) the error is SQLAlchemy's, so the inbound log
    answers "store unavailable" (HL7 AE, HTTP 503) instead of failing with a driver exception."""
    container = build(Settings(data_dir=tmp_path))
    log = container.inbound_log
    with log.engine.connect() as conn:  # the pool's one connection: give up after 50 ms, not 30 s
        conn.exec_driver_sql("PRAGMA busy_timeout=50")
    database = tmp_path / "revcycle.db"
    blocker = sqlite3.connect(database, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    raw = b"MSH|^~\\&|A|B|C|D|20261122||ADT^A04|CTRL1|P|2.5.1\rPID|1||123\r"
    receipt = make_receipt(raw, interface="t", transport="t", identify=container.formats.identify)
    try:
        with pytest.raises(TransientError) as caught:
            log.commit_batch([receipt])
        assert caught.value.code == "store_unavailable"
        with pytest.raises(OperationalError), log.engine.begin():  # SQLAlchemy's error, for any caller
            pass
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    [appended] = log.commit_batch([receipt])  # the lock gone, the same append goes through
    assert appended.duplicate is False
    log.close()
    container.engine.dispose()
