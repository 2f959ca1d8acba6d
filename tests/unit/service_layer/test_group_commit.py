"""The group commit: receipts share commits, and with a separate sync no sender hears back before the
sync of its batch has returned; what arrives meanwhile forms the next batch (``group_commit``)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from revcycle.service_layer.group_commit import GroupCommitter
from revcycle.service_layer.intake import Appended, Receipt


def receipt(n: int) -> Receipt:
    return Receipt(
        raw=f"message {n}".encode(),
        interface="test",
        transport="test",
        received_at=datetime(2026, 11, 22, tzinfo=UTC),
        correlation_id=f"corr-{n}",
        content_hash=f"hash-{n}",
        idempotency_key=f"key-{n}",
        envelope=None,
    )


class Store:
    """Commits batches (recording them) and syncs on demand: each sync waits for its gate to open."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.synced_batches: list[int] = []  # how many batches had committed when each sync started
        self.gates: list[threading.Event] = []
        self.fail_next_sync = False
        self.fail_next_commit = False

    def commit(self, receipts: Sequence[Receipt]) -> list[Appended]:
        if self.fail_next_commit:
            self.fail_next_commit = False
            raise RuntimeError("commit failed")
        self.batches.append([r.correlation_id for r in receipts])
        return [
            Appended(len(self.batches) * 100 + i, r.correlation_id, False, False, "accepted")
            for i, r in enumerate(receipts)
        ]

    def sync(self) -> None:
        gate = threading.Event()
        self.gates.append(gate)
        self.synced_batches.append(len(self.batches))
        assert gate.wait(5), "test never opened the sync gate"
        if self.fail_next_sync:
            self.fail_next_sync = False
            raise OSError(5, "Input/output error")


async def until(condition: object, timeout: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


async def test_concurrent_receipts_share_a_commit_and_each_gets_its_own_result() -> None:
    store = Store()
    committer = GroupCommitter(store.commit)
    await committer.start()
    results = await asyncio.gather(*(committer.submit(receipt(n)) for n in range(20)))
    await committer.close()
    assert [r.correlation_id for r in results] == [f"corr-{n}" for n in range(20)]
    assert len(store.batches) < 20  # they shared commits
    assert sorted(c for batch in store.batches for c in batch) == sorted(f"corr-{n}" for n in range(20))


async def test_no_sender_is_answered_before_the_sync_of_its_batch_and_commits_run_one_ahead() -> None:
    store = Store()
    committer = GroupCommitter(store.commit, sync=store.sync)
    await committer.start()
    first = asyncio.ensure_future(committer.submit(receipt(1)))
    await until(lambda: len(store.gates) == 1)  # committed, and its sync is running
    assert store.batches == [["corr-1"]]
    await asyncio.sleep(0.05)
    assert not first.done()  # committed but not yet durable: not acknowledged

    # While the disk syncs batch 1, the next batch commits (one ahead), but is not answered...
    second = [asyncio.ensure_future(committer.submit(receipt(n))) for n in (2, 3)]
    await until(lambda: len(store.batches) == 2)
    assert store.batches[1] == ["corr-2", "corr-3"]
    # ...and a third waits until the sync of the second has started.
    third = asyncio.ensure_future(committer.submit(receipt(4)))
    await asyncio.sleep(0.05)
    assert len(store.batches) == 2 and not any(f.done() for f in [*second, third])

    store.gates[0].set()
    assert (await first).correlation_id == "corr-1"
    await until(lambda: len(store.gates) == 2 and len(store.batches) == 3)
    assert store.synced_batches == [1, 2]  # the second sync covers the batch committed meanwhile
    assert not any(f.done() for f in [*second, third])
    store.gates[1].set()
    assert [(await f).correlation_id for f in second] == ["corr-2", "corr-3"]
    await until(lambda: len(store.gates) == 3)
    assert not third.done()
    store.gates[2].set()
    assert (await third).correlation_id == "corr-4"
    assert committer.syncs == 3
    await committer.close()


async def test_a_failed_sync_fails_the_senders_it_covered_and_later_ones_succeed() -> None:
    store = Store()
    committer = GroupCommitter(store.commit, sync=store.sync)
    await committer.start()
    store.fail_next_sync = True
    doomed = asyncio.ensure_future(committer.submit(receipt(1)))
    await until(lambda: len(store.gates) == 1)
    store.gates[0].set()
    with pytest.raises(OSError):
        await doomed
    fine = asyncio.ensure_future(committer.submit(receipt(2)))
    await until(lambda: len(store.gates) == 2)
    store.gates[1].set()
    assert (await fine).correlation_id == "corr-2"
    await committer.close()


async def test_a_failed_commit_fails_its_batch_only() -> None:
    store = Store()
    committer = GroupCommitter(store.commit)
    await committer.start()
    store.fail_next_commit = True
    with pytest.raises(RuntimeError):
        await committer.submit(receipt(1))
    assert (await committer.submit(receipt(2))).correlation_id == "corr-2"
    await committer.close()


async def test_close_waits_for_the_sync_of_what_is_queued() -> None:
    store = Store()
    committer = GroupCommitter(store.commit, sync=store.sync)
    await committer.start()
    pending = asyncio.ensure_future(committer.submit(receipt(1)))
    await until(lambda: len(store.gates) == 1)
    closing = asyncio.ensure_future(committer.close())
    await asyncio.sleep(0.05)
    assert not closing.done()
    store.gates[0].set()
    await closing
    assert pending.done() and pending.result().correlation_id == "corr-1"


async def test_the_store_works_off_the_event_loop_and_a_closed_committer_refuses_receipts() -> None:
    threads: set[int] = set()
    store = Store()

    def commit(receipts: Sequence[Receipt]) -> list[Appended]:
        threads.add(threading.get_ident())
        return store.commit(receipts)

    committer = GroupCommitter(commit)
    await committer.start()
    assert (await committer.submit(receipt(1))).correlation_id == "corr-1"
    assert threads and threading.get_ident() not in threads
    await committer.close()
    with pytest.raises(RuntimeError):
        await committer.submit(receipt(2))
    assert store.batches == [["corr-1"]]


async def test_under_load_a_batch_takes_half_of_what_is_outstanding_so_two_take_turns() -> None:
    gate, entered = threading.Event(), threading.Event()
    store = Store()

    def commit(receipts: Sequence[Receipt]) -> list[Appended]:
        entered.set()
        assert gate.wait(5), "test never opened the commit gate"
        return store.commit(receipts)

    committer = GroupCommitter(commit)
    await committer.start()
    first = asyncio.ensure_future(committer.submit(receipt(0)))
    await until(entered.is_set)  # a lone sender's batch: taken at once, alone
    rest = [asyncio.ensure_future(committer.submit(receipt(n))) for n in range(1, 32)]
    await asyncio.sleep(0.05)  # all 31 queued while the first batch commits
    gate.set()
    await asyncio.gather(first, *rest)
    await committer.close()
    assert [len(batch) for batch in store.batches] == [1, 16, 15]  # not [1, 31]


class Telemetry:
    def __init__(self) -> None:
        self.commits: list[tuple[int, float]] = []
        self.syncs: list[float] = []

    def committed(self, messages: int, seconds: float) -> None:
        self.commits.append((messages, seconds))

    def synced(self, seconds: float) -> None:
        self.syncs.append(seconds)


async def test_telemetry_hears_each_commit_with_its_size_and_each_sync_but_no_failure() -> None:
    store, telemetry = Store(), Telemetry()
    committer = GroupCommitter(store.commit, sync=store.sync, telemetry=telemetry)
    await committer.start()
    first = asyncio.ensure_future(committer.submit(receipt(1)))
    await until(lambda: len(store.gates) == 1)
    second = [asyncio.ensure_future(committer.submit(receipt(n))) for n in (2, 3)]
    await until(lambda: len(store.batches) == 2)
    await asyncio.sleep(0.02)  # the sync of batch 1 is held open by its gate
    assert [messages for messages, _ in telemetry.commits] == [1, 2] and telemetry.syncs == []
    store.gates[0].set()
    await first
    await until(lambda: len(store.gates) == 2)
    assert len(telemetry.syncs) == 1 and telemetry.syncs[0] >= 0.02  # it waited for its gate
    store.fail_next_sync = True
    store.gates[1].set()
    for failed in second:
        with pytest.raises(OSError):
            await failed
    store.fail_next_commit = True
    with pytest.raises(RuntimeError):
        await committer.submit(receipt(5))
    await committer.close()
    assert [messages for messages, _ in telemetry.commits] == [1, 2]  # the failed commit is not one
    assert len(telemetry.syncs) == 1  # nor the failed sync
    assert all(seconds >= 0 for _, seconds in telemetry.commits)
