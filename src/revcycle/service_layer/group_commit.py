"""Group commit: concurrent receipts share one durable transaction before any of them is acknowledged.

Senders on the event loop hand their receipts over and await a future. A committer thread takes every
receipt waiting (up to ``max_batch``), appends them in one transaction and resolves each sender's
future. While it commits, new receipts wait and form the next batch, so batches grow with load and a
lone sender waits for no one (DESIGN.md, "Storage and scale": batching is how Python gets fast here).

The store's work runs on threads of its own, never on the event loop: SQLite and the database drivers
release the GIL while they work, so on a second core the loop goes on reading frames and writing ACKs
meanwhile, and a slow commit (a WAL checkpoint, a PostgreSQL round trip) never stalls the loop. The
loop and the threads meet twice per batch: the first receipt of a batch wakes the committer, and the
answers of a whole batch come back in one call.

``sync`` (a store whose commit does not reach the disk by itself: SQLite with the WAL synced apart,
``engine.WalSync``) runs on a second thread, outside the store's write lock, and no sender is answered
before the sync that follows its batch's commit has returned. The two overlap by exactly one batch:
while the disk syncs batch N, batch N+1 is committed; batch N+2 is committed only once the sync of
N+1 has started. So the disk is kept busy, yet batches still grow to what arrives during one sync.
(Letting any number of commits run ahead made batches of one or two messages and doubled the edge's
CPU per message; no overlap at all left the disk idle during every commit.)

A batch takes at most half of the receipts outstanding (submitted and not yet answered; a peak that
decays by 5% a batch), so under load two batches take turns: while one commits, the loop answers and
reads the senders of the other. Without that cap a closed loop of 32 senders settled into batches of 1
and 31, which hardly overlap, and each run of 30,000 messages had ACKs 75 to 93 ms late; with it, the
worst ACK of a run was 14 to 21 ms, at the same throughput (bench/RESULTS.md, sixth session). A lone
sender still commits alone at once.

``telemetry`` hears of every commit (messages in the batch, seconds in the transaction) and every sync
(seconds), on the committer's and the syncer's threads: how large the batches are under the load of
the moment, and what the store's commit and the disk's sync take.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from revcycle.service_layer.intake import Appended, Receipt

AppendBatch = Callable[[Sequence[Receipt]], list[Appended]]
_Entry = tuple[Receipt, "asyncio.Future[Appended]"]
_Outcome = list[Appended] | BaseException


class CommitTelemetry(Protocol):
    """Called on the group commit's own threads: must be thread-safe."""

    def committed(self, messages: int, seconds: float) -> None: ...
    def synced(self, seconds: float) -> None: ...


class GroupCommitter:
    def __init__(
        self,
        append: AppendBatch,
        *,
        max_batch: int = 512,
        on_commit: Callable[[], None] | None = None,
        sync: Callable[[], None] | None = None,
        telemetry: CommitTelemetry | None = None,
    ) -> None:
        self._append = append
        self._telemetry = telemetry
        self._sync = sync
        self._max_batch = max_batch
        self._on_commit = on_commit  # called on the committer thread: must be thread-safe
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # receipts are waiting / stop
        self._pending: list[_Entry] = []
        self._handoff = threading.Condition(threading.Lock())  # committed batches <-> the syncer
        self._unsynced: list[tuple[list[_Entry], list[Appended]]] = []
        self._outstanding = 0  # submitted and not yet answered (under _lock)
        self._peak = 0.0  # recent peak of _outstanding, decaying: how many senders are at work
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._committer_done = False
        self.batches = 0
        self.syncs = 0
        self.appended = 0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = self._committer_done = False
        self._threads = [threading.Thread(target=self._commit_loop, name="group-commit", daemon=True)]
        if self._sync is not None:
            self._threads.append(threading.Thread(target=self._sync_loop, name="group-sync", daemon=True))
        for thread in self._threads:
            thread.start()

    async def close(self) -> None:
        """Commit (and sync) what was submitted, answer it, then stop the threads."""
        if not self._threads:
            return
        with self._lock:
            self._stopping = True
            self._work.notify()
        for thread in self._threads:
            await asyncio.to_thread(thread.join)
        self._threads = []
        await asyncio.sleep(0)  # the last answers were handed to the loop: let them land

    async def submit(self, receipt: Receipt) -> Appended:
        """Resolves once the receipt is durably committed (or raises the store's error)."""
        loop = self._loop
        if loop is None or not self._threads or self._stopping:
            raise RuntimeError("group committer not running")
        future: asyncio.Future[Appended] = loop.create_future()
        with self._lock:
            self._pending.append((receipt, future))
            self._outstanding += 1
            if len(self._pending) == 1:
                self._work.notify()
        return await future

    # --- the committer thread ---------------------------------------------------------------------

    def _commit_loop(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                started = time.perf_counter()
                try:
                    results = self._append([receipt for receipt, _ in batch])
                except Exception as exc:  # noqa: BLE001 - handed to every sender, who answers with an error
                    self._answer([(batch, exc)])
                    continue
                if self._telemetry is not None:
                    self._telemetry.committed(len(batch), time.perf_counter() - started)
                self.batches += 1
                self.appended += len(batch)
                if self._on_commit is not None:
                    self._on_commit()  # the worker may start on it; senders hear back after the sync
                if self._sync is None:
                    self._answer([(batch, results)])
                else:
                    self._hand_to_syncer(batch, results)
        finally:
            with self._handoff:
                self._committer_done = True
                self._handoff.notify_all()

    def _next_batch(self) -> list[_Entry] | None:
        with self._lock:
            while not self._pending:
                if self._stopping:
                    return None
                self._work.wait()
            self._peak = max(float(self._outstanding), self._peak * 0.95)
            cap = min(self._max_batch, max(1, math.ceil(self._peak / 2)))
            batch = self._pending[:cap]
            del self._pending[:cap]
            return batch

    def _hand_to_syncer(self, batch: list[_Entry], results: list[Appended]) -> None:
        """Queue a committed batch for the next sync; return once that sync has started (one ahead)."""
        with self._handoff:
            self._unsynced.append((batch, results))
            self._handoff.notify_all()
            while self._unsynced:
                self._handoff.wait()

    # --- the syncer thread ------------------------------------------------------------------------

    def _sync_loop(self) -> None:
        assert self._sync is not None
        while True:
            with self._handoff:
                while not self._unsynced and not self._committer_done:
                    self._handoff.wait()
                if not self._unsynced:
                    return
                covered, self._unsynced = self._unsynced, []  # everything committed before this sync
                self._handoff.notify_all()  # the next batch commits while the disk syncs this one
            started = time.perf_counter()
            try:
                self._sync()
            except Exception as exc:  # noqa: BLE001 - committed, perhaps not durable: not acknowledged
                self._answer([(batch, exc) for batch, _ in covered])
            else:
                self.syncs += 1
                if self._telemetry is not None:
                    self._telemetry.synced(time.perf_counter() - started)
                self._answer([(batch, results) for batch, results in covered])

    # --- back on the loop -------------------------------------------------------------------------

    def _answer(self, outcomes: list[tuple[list[_Entry], _Outcome]]) -> None:
        assert self._loop is not None
        with self._lock:
            self._outstanding -= sum(len(batch) for batch, _ in outcomes)
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            self._loop.call_soon_threadsafe(_resolve, outcomes)


def _resolve(outcomes: list[tuple[list[_Entry], _Outcome]]) -> None:
    for batch, outcome in outcomes:
        if isinstance(outcome, BaseException):
            for _, future in batch:
                if not future.done():
                    future.set_exception(outcome)
        else:
            for (_, future), result in zip(batch, outcome, strict=True):
                if not future.done():
                    future.set_result(result)
