"""Group commit: concurrent receipts share one durable transaction before any of them is acknowledged.

One consumer task drains the queue: it takes every receipt waiting (up to ``max_batch``), appends them
in one transaction, and resolves each sender's future. While that commit runs, new receipts queue up
and form the next batch, so batches grow with load and a lone sender waits for no one (DESIGN.md,
"Storage and scale": batching is how Python gets fast here).

``inline`` runs the append on the event loop's thread: right for an embedded store, where a local
SQLite commit takes about a millisecond and a thread hop plus GIL hand-offs cost as much; a networked
store (PostgreSQL) commits on a worker thread so the loop keeps serving while it waits.

``sync`` (a store whose commit does not reach the disk by itself: SQLite with the WAL synced apart,
``engine.WalSync``) runs on its own task, outside the store's write lock, and no sender is answered
before the sync that follows its batch's commit has returned. The two overlap by exactly one batch:
while the disk syncs batch N (about 4 ms here), batch N+1 is committed; batch N+2 is committed only
once the sync of N+1 has started. So the disk is kept busy, yet batches still grow to what arrives
during one sync. (Letting any number of commits run ahead made batches of one or two messages and
doubled the edge's CPU per message; no overlap at all left the disk idle during every commit.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

from revcycle.service_layer.intake import Appended, Receipt

AppendBatch = Callable[[Sequence[Receipt]], list[Appended]]
_Entry = tuple[Receipt, "asyncio.Future[Appended]"]


class GroupCommitter:
    def __init__(
        self,
        append: AppendBatch,
        *,
        max_batch: int = 512,
        on_commit: Callable[[], None] | None = None,
        inline: bool = False,
        sync: Callable[[], None] | None = None,
    ) -> None:
        self._append = append
        self._sync = sync
        self._max_batch = max_batch
        self._on_commit = on_commit
        self._inline = inline
        self._queue: asyncio.Queue[_Entry] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._unsynced: list[tuple[_Entry, Appended]] = []  # committed, waiting for a sync to start
        self._sync_wanted: asyncio.Event | None = None
        self._may_commit: asyncio.Event | None = None  # clear while a committed batch awaits its sync
        self.batches = 0
        self.syncs = 0
        self.appended = 0

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._tasks = [asyncio.create_task(self._run(), name="group-commit")]
        if self._sync is not None:
            self._sync_wanted, self._may_commit = asyncio.Event(), asyncio.Event()
            self._may_commit.set()
            self._tasks.append(asyncio.create_task(self._run_syncs(), name="group-sync"))

    async def close(self) -> None:
        """Commit (and sync) what is queued, then stop."""
        if not self._tasks or self._queue is None:
            return
        await self._queue.join()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def submit(self, receipt: Receipt) -> Appended:
        """Resolves once the receipt is durably committed (or raises the store's error)."""
        if self._queue is None:
            raise RuntimeError("group committer not started")
        future: asyncio.Future[Appended] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((receipt, future))  # unbounded: never waits
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            if self._may_commit is not None:
                await self._may_commit.wait()  # the batch before is being synced (or has been)
            batch = [await queue.get()]
            # Let senders that are ready right now enqueue too, so they share this commit.
            await asyncio.sleep(0)
            while len(batch) < self._max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            receipts = [receipt for receipt, _ in batch]
            try:
                if self._inline:
                    results = self._append(receipts)
                else:
                    results = await asyncio.to_thread(self._append, receipts)
            except Exception as exc:  # noqa: BLE001 - handed to every waiting sender, who answers with an error
                self._fail(batch, exc)
                continue
            self.batches += 1
            self.appended += len(batch)
            if self._on_commit is not None:
                self._on_commit()  # the worker may start on it; senders hear back after the sync
            committed = list(zip(batch, results, strict=True))
            if self._sync_wanted is None or self._may_commit is None:
                self._answer(committed)
                continue
            self._unsynced.extend(committed)
            self._may_commit.clear()
            self._sync_wanted.set()

    async def _run_syncs(self) -> None:
        assert self._sync is not None and self._sync_wanted is not None and self._may_commit is not None
        while True:
            await self._sync_wanted.wait()
            self._sync_wanted.clear()
            covered, self._unsynced = self._unsynced, []  # everything committed before this sync starts
            self._may_commit.set()  # the next batch commits while the disk syncs this one
            try:
                await asyncio.to_thread(self._sync)
            except Exception as exc:  # noqa: BLE001 - committed, perhaps not durable: not acknowledged
                self._fail([entry for entry, _ in covered], exc)
            else:
                self.syncs += 1
                self._answer(covered)

    def _answer(self, committed: list[tuple[_Entry, Appended]]) -> None:
        assert self._queue is not None
        for (_, future), result in committed:
            if not future.done():
                future.set_result(result)
            self._queue.task_done()

    def _fail(self, batch: list[_Entry], exc: Exception) -> None:
        assert self._queue is not None
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)
            self._queue.task_done()
