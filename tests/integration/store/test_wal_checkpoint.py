"""The inbound log's WAL is checkpointed by a thread of its own (``WalCheckpointer``), never inside the
group commit: its engine turns SQLite's automatic checkpoint off, the thread checkpoints past the
threshold while appends go on, and everything appended stays readable and durable."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from revcycle.adapters.store.engine import make_engine
from revcycle.adapters.store.wal_checkpoint import WalCheckpointer
from revcycle.bootstrap import build
from revcycle.service_layer.intake import make_receipt
from revcycle.settings import Settings

PAGE = 4096


def fill(engine: Engine, rows: int, start: int = 0) -> None:
    """Commit ``rows`` rows of 1 KB, one transaction each (as the group commit does): a frame or two each."""
    for n in range(start, start + rows):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (n, payload) VALUES (:n, :p)"), {"n": n, "p": os.urandom(1000)})


def wal_pages(database: Path) -> int:
    return Path(f"{database}-wal").stat().st_size // PAGE


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, payload BLOB)")
    conn.commit()
    conn.close()  # the last connection out checkpoints: the file holds the empty table
    return path


def test_without_automatic_checkpoints_the_wal_grows_until_the_checkpointer_runs(database: Path) -> None:
    engine = make_engine(f"sqlite:///{database}", synchronous="NORMAL", auto_checkpoint=False)
    checkpointer = WalCheckpointer(database, pages=100)
    try:
        empty = database.stat().st_size
        fill(engine, 40)
        assert wal_pages(database) < 100
        assert checkpointer.run_once() is False  # under the threshold: nothing done
        fill(engine, 1200, start=40)
        grown = wal_pages(database)
        assert grown > 1000  # past SQLite's own threshold...
        assert database.stat().st_size == empty  # ...yet nothing was copied into the file
        assert checkpointer.run_once() is True and checkpointer.checkpoints == 1
        assert database.stat().st_size > empty + 1200 * 1000  # now everything was
        fill(engine, 50, start=1240)  # the next writers start the WAL over: it grows no more
        assert wal_pages(database) == grown
        with sqlite3.connect(database) as conn:  # every row readable, from the file and the WAL
            assert conn.execute("SELECT count(*), sum(n) FROM t").fetchone() == (1290, sum(range(1290)))
    finally:
        engine.dispose()


def test_the_thread_checkpoints_while_appends_go_on_and_stops(database: Path) -> None:
    engine = make_engine(f"sqlite:///{database}", synchronous="NORMAL", auto_checkpoint=False)
    checkpointer = WalCheckpointer(database, pages=50, interval=0.01)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 20
        written = 0
        while checkpointer.checkpoints < 3 and time.monotonic() < deadline:
            fill(engine, 20, start=written)
            written += 20
        assert checkpointer.checkpoints >= 3 and checkpointer.failures == 0
    finally:
        checkpointer.stop()
        engine.dispose()
    assert not any(thread.name == "wal-checkpoint" for thread in threading.enumerate())
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (written,)


def test_a_failing_checkpoint_is_counted_and_never_raises(tmp_path: Path) -> None:
    database = tmp_path / "store.db"
    database.mkdir()  # not a database at all
    Path(f"{database}-wal").write_bytes(b"x" * PAGE * 20)
    checkpointer = WalCheckpointer(database, pages=10)
    assert checkpointer.run_once() is False
    assert checkpointer.failures == 1 and checkpointer.checkpoints == 0
    assert WalCheckpointer(tmp_path / "absent.db").run_once() is False  # no WAL: nothing to do


def test_the_edge_log_checkpoints_on_its_own_thread_and_stops_with_it(tmp_path: Path) -> None:
    container = build(Settings(data_dir=tmp_path))
    log = container.inbound_log
    assert log.checkpointer is not None
    with log.engine.connect() as conn:  # the log's engine leaves checkpoints to the thread
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    with container.engine.connect() as conn:  # the others keep SQLite's own
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    log.checkpointer.pages, log.checkpointer.interval = 20, 0.01
    log.start()
    try:
        deadline = time.monotonic() + 20
        n = 0
        while log.checkpointer.checkpoints == 0 and time.monotonic() < deadline:
            raw = f"MSH|^~\\&|A|F|R|RF|20261122||ADT^A04|C{n}|P|2.5\rPID|1||M{n}\r".encode() * 20
            log.append_batch(
                [make_receipt(raw, interface="t", transport="t", identify=container.formats.identify)]
            )
            n += 1
        assert log.checkpointer.checkpoints >= 1
    finally:
        log.close()
        container.engine.dispose()
    assert not any(thread.name == "wal-checkpoint" for thread in threading.enumerate())
