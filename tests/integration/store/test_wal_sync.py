"""The inbound log on SQLite commits without a sync and then syncs its WAL outside the write lock
(``engine.WalSync``): the sync reaches the WAL file (and its directory when the file is new), and an
append made through the composition root is on disk in the WAL before ``append_batch`` returns."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from revcycle.adapters.store.engine import WalSync, sqlite_file
from revcycle.bootstrap import build
from revcycle.service_layer.intake import make_receipt
from revcycle.settings import Settings


def synced_paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = os.fsync

    def recording(fd: int) -> None:
        seen.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", recording)
    return seen


def test_sqlite_file_of_urls() -> None:
    assert sqlite_file("sqlite:////tmp/x/store.db") == Path("/tmp/x/store.db")
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql+psycopg://localhost/test") is None


def test_wal_sync_syncs_the_wal_and_its_directory_once_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "store.db"
    sync = WalSync(database)
    seen = synced_paths(monkeypatch)
    sync()  # no WAL yet: nothing to sync (it was never written, or was checkpointed away)
    assert seen == []
    (tmp_path / "store.db-wal").write_bytes(b"frames")
    sync()
    sync()
    assert seen == [str(tmp_path / "store.db-wal"), str(tmp_path), str(tmp_path / "store.db-wal")]
    (tmp_path / "new").write_bytes(b"a new file")  # made while the old one exists: another inode
    os.replace(tmp_path / "new", tmp_path / "store.db-wal")
    sync()  # a new inode: its directory entry is synced too
    assert seen[-2:] == [str(tmp_path / "store.db-wal"), str(tmp_path)]


def test_the_edge_log_appends_without_a_sync_in_the_commit_and_syncs_the_wal_before_returning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path)
    container = build(settings)
    log = container.inbound_log
    assert log.sync is not None  # SQLite file, synchronous=FULL (the default)
    with log.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL: no sync inside COMMIT
    with container.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # other writers keep FULL
    seen = synced_paths(monkeypatch)
    raw = b"MSH|^~\\&|A|B|C|D|20261122||ADT^A04|CTRL1|P|2.5.1\rPID|1||123\r"
    [appended] = log.append_batch(
        [make_receipt(raw, interface="t", transport="t", identify=container.formats.identify)]
    )
    assert seen[0] == f"{sqlite_file(settings.database_url)}-wal"
    with container.engine.connect() as conn:
        stored = conn.execute(
            text("select count(*) from inbound_messages where id = :i"), {"i": appended.message_id}
        )
        assert stored.scalar() == 1
    log.close()
    container.engine.dispose()


def test_normal_sync_setting_means_no_separate_sync(tmp_path: Path) -> None:
    container = build(Settings(data_dir=tmp_path, sqlite_synchronous="NORMAL"))
    assert container.inbound_log.sync is None
    container.engine.dispose()
