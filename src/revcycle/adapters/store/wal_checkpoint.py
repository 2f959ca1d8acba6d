"""Checkpoints of the inbound log's SQLite write-ahead log, on a thread of their own.

By default SQLite checkpoints the WAL itself: when a commit leaves it longer than 1,000 pages
(``wal_autocheckpoint``), the committing connection copies the WAL's pages into the database file and
syncs it, inside that commit call (SQLite, "Write-Ahead Logging", section 6 "Automatic Checkpoint").
On the edge that connection is the group commit's: every message waiting for the next batch waited
for a checkpoint too, a few milliseconds of copying every few hundred batches, which was the tail of the
ACK latency (bench/RESULTS.md, fifth session).

The inbound log's engine therefore turns automatic checkpoints off (``make_engine(auto_checkpoint=
False)``) and this thread runs a PASSIVE checkpoint once the WAL file has grown past the same 1,000
pages. The file keeps that size afterwards (SQLite writes it again from the start once everything in it
was copied), so from then on the thread checkpoints at every look (``interval``): small incremental
checkpoints of what was appended since the last one, which is what the fifth session measured. A
threshold on the frames not yet copied (the WAL-index header in the ``-shm`` file) would checkpoint less
often, in larger steps; not done, since the ACK latency would have to be measured again. A passive
checkpoint copies what no reader still needs and neither waits for writers or readers
nor makes them wait, so commits go on meanwhile (SQLite, ``sqlite3_wal_checkpoint_v2``). It syncs the
WAL before it copies and the database file after, so a frame leaves the WAL only once it is durable in
the database: ``engine.WalSync`` keeps its guarantee. Other connections (the worker's, the API's) keep
their automatic checkpoints; when two checkpoints meet, one is skipped, which is harmless.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_PAGES = 1000  # SQLite's own wal_autocheckpoint default
DEFAULT_INTERVAL = 0.05  # seconds between looks at the WAL's size


class WalCheckpointer:
    """``start()`` / ``stop()`` a thread that checkpoints ``database``'s WAL past ``pages`` pages."""

    def __init__(
        self, database: Path, *, pages: int = DEFAULT_PAGES, interval: float = DEFAULT_INTERVAL
    ) -> None:
        self.database = database
        self.wal = Path(f"{database}-wal")
        self.pages = pages
        self.interval = interval
        self.checkpoints = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: sqlite3.Connection | None = None
        self._threshold = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.run_once()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def run_once(self) -> bool:
        """Checkpoint when the WAL is over the threshold; True when one ran to the end. Never raises:
        a failed checkpoint is logged, counted and tried again at the next look (the WAL just grows)."""
        try:
            if self.wal.stat().st_size < self._threshold_bytes():
                return False
            busy, _, _ = self._connect().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except FileNotFoundError:  # no WAL (yet, or removed by the last connection's close)
            return False
        except (sqlite3.Error, OSError) as error:
            self.failures += 1
            log.warning("WAL checkpoint failed (%s); retrying", type(error).__name__)
            return False
        if busy:  # another connection was checkpointing: that one does the work
            return False
        self.checkpoints += 1
        return True

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self.database, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA busy_timeout=1000")
            connection.execute("PRAGMA synchronous=NORMAL")  # a checkpoint syncs the WAL, then the file
            self._connection = connection
        return self._connection

    def _threshold_bytes(self) -> int:
        if not self._threshold:
            (page_size,) = self._connect().execute("PRAGMA page_size").fetchone()
            self._threshold = self.pages * int(page_size)
        return self._threshold
