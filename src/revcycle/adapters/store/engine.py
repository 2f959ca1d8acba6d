"""Engines for the two back ends: SQLite (WAL, the embedded default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

WRITE_OPTION = "revcycle_write"
_HOLDS = "revcycle_holds_write_lock"


def for_writing(engine: Engine) -> Engine:
    """The same engine (same pool) marked for write transactions (``BEGIN IMMEDIATE`` on SQLite)."""
    return engine.execution_options(**{WRITE_OPTION: True})


class WriteLock(Protocol):
    """A lock shared by every writer of one SQLite file (threads, or processes via multiprocessing)."""

    def acquire(self) -> bool: ...
    def release(self) -> None: ...


class SharedWriteLock:
    """The write lock of one SQLite file, shared by the server process (the edge) and the worker
    process, with the edge first: an acknowledgment waits on the append, so while the edge waits the
    worker does not start another transaction (a worker transaction is short: see
    ``worker_write_budget``)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._lock = context.Lock()
        self._edge_waiting = context.Event()
        self._holder: Any = context.RawValue("i", 0)  # the pid holding the lock, 0 when free

    def for_edge(self) -> WriteLock:
        return _EdgeSide(self)

    def for_worker(self) -> WriteLock:
        return _WorkerSide(self)


class _EdgeSide:
    """The server's side. A worker process killed while it held the lock (SIGKILL, the OOM killer) never
    releases it, and the edge would wait for good: no message acknowledged again. So the edge waits a
    second at a time, and takes over a lock whose holder is gone (SQLite's own lock died with the
    process, and its unfinished transaction was never committed)."""

    def __init__(self, shared: SharedWriteLock) -> None:
        self.shared = shared

    def acquire(self) -> bool:
        self.shared._edge_waiting.set()
        try:
            while not self.shared._lock.acquire(timeout=_EDGE_PATIENCE):
                holder = self.shared._holder.value
                if holder and not _alive(holder):
                    log.error("the write lock's holder (process %d) is gone; the edge takes it over", holder)
                    break
            self.shared._holder.value = os.getpid()
            return True
        finally:
            self.shared._edge_waiting.clear()

    def release(self) -> None:
        self.shared._holder.value = 0
        self.shared._lock.release()


_EDGE_PATIENCE = 1.0  # seconds between looks at whether the lock's holder still lives


def _alive(pid: int) -> bool:
    """Whether a process runs. A zombie (dead, not yet reaped by its parent) still answers a signal
    check, so where there is a ``/proc`` its state is read too."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:  # no /proc here (or it went this instant): the signal check stands
        return True


class WriteLockAbandoned(RuntimeError):
    """The server process that shares the write lock is gone (killed, perhaps while holding it)."""


class _WorkerSide:
    """The worker process's side. It runs in the server's child, so the server is its parent: when the
    parent dies (even by SIGKILL, perhaps holding the lock or with its waiting flag set) the worker must
    not wait forever, or it would outlive the server as an orphan holding the store open."""

    def __init__(self, shared: SharedWriteLock) -> None:
        self.shared = shared
        self.parent = os.getppid()

    def acquire(self) -> bool:
        while True:
            if not self.shared._edge_waiting.is_set() and self.shared._lock.acquire(timeout=0.5):
                self.shared._holder.value = os.getpid()
                return True
            if os.getppid() != self.parent:
                raise WriteLockAbandoned("the server process sharing the store's write lock has exited")
            if self.shared._edge_waiting.is_set():
                time.sleep(0.001)  # the worker can wait; polling faster only burns the CPU the edge needs

    def release(self) -> None:
        self.shared._holder.value = 0
        self.shared._lock.release()


class WalSync:
    """Makes every transaction committed so far durable by syncing the SQLite file's write-ahead log.

    The inbound log commits with ``synchronous=NORMAL`` (no sync inside COMMIT, so the write lock is
    held for a fraction of a millisecond instead of a whole disk sync) and then calls this before any
    acknowledgment: ``fsync`` of the ``-wal`` file persists every frame written to it so far, ours
    included, which is what ``synchronous=FULL`` would have done inside the lock. Frames can only have
    left the WAL through a checkpoint, which in NORMAL mode syncs the WAL before and the database file
    after copying them (SQLite, "PRAGMA synchronous"; "Write-Ahead Logging", section on checkpoints),
    so they are durable either way; a WAL file gone altogether was checkpointed and removed. A new WAL
    file (new inode) also gets its directory synced, so that its name survives a power loss.
    """

    def __init__(self, database: Path) -> None:
        self.wal = Path(f"{database}-wal")
        self._synced_inode: int | None = None

    def __call__(self) -> None:
        try:
            fd = os.open(self.wal, os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            os.fsync(fd)
            inode = os.fstat(fd).st_ino
        finally:
            os.close(fd)
        if inode != self._synced_inode:
            directory = os.open(self.wal.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            self._synced_inode = inode


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other back ends and in-memory databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(
    url: str,
    *,
    echo: bool = False,
    write_lock: WriteLock | None = None,
    synchronous: str = "FULL",
    auto_checkpoint: bool = True,
) -> Engine:
    """An engine for ``url``; SQLite files get WAL, ``synchronous`` (FULL by default), foreign keys and
    a busy timeout.

    Durability: an acknowledgment promises the message is on safe storage. In WAL mode,
    ``synchronous=NORMAL`` syncs the WAL only at checkpoints, so a commit survives a crash of the
    process but not of the machine (power loss, kernel panic): the last transactions can roll back
    after the ACK was sent. ``synchronous=FULL`` syncs the WAL at every commit, so a committed append
    survives both (SQLite, "PRAGMA synchronous"). The inbound log gets the same guarantee without holding
    the write lock during the disk sync: its own engine commits with NORMAL and ``WalSync`` syncs the WAL
    before anything is acknowledged (``bootstrap.inbound_log_on``); the group commit shares one sync among
    every message of a batch (costs in bench/results/mllp.md). ``REVCYCLE_SQLITE_SYNCHRONOUS=NORMAL``
    trades the power-loss guarantee for faster commits. The worker process always uses NORMAL: its commits
    hold derived state that is redone from the log if a power loss undoes them (see ``bootstrap``), and
    the next FULL commit of the edge syncs the WAL frames written before it as well.

    ``auto_checkpoint=False`` (SQLite only) leaves the WAL's checkpoints to a ``WalCheckpointer`` thread
    instead of the committing connection (the inbound log's engine: ``wal_checkpoint``).

    ``write_lock`` (SQLite only) serialises our own write transactions before SQLite sees them: SQLite's
    busy handler sleeps 1, 2, 5, 10... ms between retries, so writers that collide in SQLite wait far
    longer than writers queued on a lock that wakes the next one at once.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError("synchronous must be FULL or NORMAL (anything weaker is not durable)")
        return _sqlite_engine(
            url,
            parsed.database,
            echo=echo,
            write_lock=write_lock,
            synchronous=synchronous,
            auto_checkpoint=auto_checkpoint,
        )
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_engine(
    url: str,
    database: str | None,
    *,
    echo: bool,
    write_lock: WriteLock | None,
    synchronous: str,
    auto_checkpoint: bool,
) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defeats SAVEPOINT; SQLAlchemy's documented recipe is to
        # turn it off and emit BEGIN ourselves (see "Serializable isolation / Savepoints" in its docs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not auto_checkpoint:  # a WalCheckpointer thread checkpoints instead (wal_checkpoint.py)
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front (so they wait on busy_timeout instead of failing on a
        # lock upgrade); readers begin deferred and never block the edge's appends (WAL).
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        if write and write_lock is not None and not connection.info.get(_HOLDS):
            write_lock.acquire()
            connection.info[_HOLDS] = True
        # On the driver's connection: the same statement, without SQLAlchemy's statement machinery
        # (a third of the cost of a one-row transaction); its error is wrapped as SQLAlchemy's would be.
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        try:
            connection.connection.driver_connection.execute(statement)
        except sqlite3.Error as error:
            raise DBAPIError.instance(
                statement, None, error, sqlite3.Error, hide_parameters=True, dialect=connection.dialect
            ) from error

    def _release(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        # On check-in, i.e. after the COMMIT or ROLLBACK has completed (a "commit" event would fire
        # before it): the next writer then finds SQLite free.
        if write_lock is not None and record is not None and record.info.pop(_HOLDS, False):
            write_lock.release()

    event.listen(engine, "checkin", _release)
    event.listen(engine, "invalidate", _release)
    return engine
