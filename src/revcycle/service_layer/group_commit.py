"""Group commit: concurrent receipts share one durable transaction before any of them is acknowledged.

One consumer task drains the queue: it takes every receipt waiting (up to ``max_batch``), appends them
in one transaction, and resolves each sender's future. While that commit runs, new receipts queue up
and form the next batch, so batches grow with load and a lone sender waits for no one (DESIGN.md,
"Storage and scale": batching is how Python gets fast here).

``inline`` runs the append on the event loop's thread: right for an embedded store, where a local
SQLite commit takes about a millisecond and a thread hop plus GIL hand-offs cost as much; a networked
store (PostgreSQL) commits on a worker thread so the loop keeps serving while it waits.

``sync`` (a store whose commit does not reach the disk by itself: SQLite with the WAL synced apart,
``engine.WalSync``) pipelines durability: a batch that has committed waits for the next sync that
starts after its commit, and while one sync runs on its thread the next batches commit, so one disk
sync (about 4 ms here) covers every batch committed meanwhile. No sender is answered before the sync
that covers its batch has returned.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

from revcycle.service_layer.intake import Appended, Receipt

AppendBatch = Callable[[Sequence[Receipt]], list[Appended]]
_Waiting = list[tuple[tuple[Receipt, "asyncio.Future[Appended]"], Appended]]


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
        self._queue: asyncio.Queue[tuple[Receipt, asyncio.Future[Appended]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._unsynced: _Waiting = []
        self._sync_wanted: asyncio.Event | None = None
        self.batches = 0
        self.syncs = 0
        self.appended = 0

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name="group-commit")
        if self._sync is not None:
            self._sync_wanted = asyncio.Event()
            self._sync_task = asyncio.create_task(self._run_syncs(), name="group-sync")

    async def close(self) -> None:
        """Commit what is queued, then stop."""
        if self._task is None or self._queue is None:
            return
        await self._queue.join()
        for task in (self._task, self._sync_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._sync_task = None

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
                self._on_commit()  # the worker may start on it; the sender hears back after the sync
            committed = list(zip(batch, results, strict=True))
            if self._sync_wanted is None:
                self._answer(committed)
            else:
                self._unsynced.extend(committed)
                self._sync_wanted.set()

    async def _run_syncs(self) -> None:
        assert self._sync is not None and self._sync_wanted is not None
        while True:
            await self._sync_wanted.wait()
            self._sync_wanted.clear()
            covered, self._unsynced = self._unsynced, []  # committed before this sync starts
            try:
                await asyncio.to_thread(self._sync)
            except Exception as exc:  # noqa: BLE001 - committed but perhaps not durable: not acknowledged
                self._fail([entry for entry, _ in covered], exc)
            else:
                self.syncs += 1
                self._answer(covered)

    def _answer(self, committed: _Waiting) -> None:
        assert self._queue is not None
        for (_, future), result in committed:
            if not future.done():
                future.set_result(result)
            self._queue.task_done()

    def _fail(self, batch: list[tuple[Receipt, asyncio.Future[Appended]]], exc: Exception) -> None:
        assert self._queue is not None
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)
            self._queue.task_done()
