"""A process killed while it holds the shared SQLite write lock must not leave the other waiting forever:
a server killed holding it must not leave its worker process waiting as an orphan (seen after the
crash-recovery test's SIGKILL: the worker sat in a futex wait), and a worker killed holding it must not
freeze the edge (found while testing /health with a killed worker)."""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from multiprocessing.queues import Queue
from typing import Any

from revcycle.adapters.store.engine import SharedWriteLock, WriteLockAbandoned


def _worker(lock: SharedWriteLock, results: Queue[str]) -> None:
    side = lock.for_worker()  # in the worker process: the "server" is its parent
    results.put("waiting")
    try:
        side.acquire()
    except WriteLockAbandoned:
        results.put("abandoned")
    else:
        results.put("acquired")


def _server(lock: SharedWriteLock, results: Queue[str]) -> None:
    context = multiprocessing.get_context("spawn")
    lock.for_edge().acquire()  # held, never released: the process dies holding it
    worker = context.Process(target=_worker, args=(lock, results))
    worker.start()
    results.get(timeout=30)  # the worker is waiting for the lock
    results.put("waiting")  # hand the token back to the test
    os._exit(9)  # as abrupt as SIGKILL: no finally, no release


def test_the_worker_gives_up_when_the_server_died_holding_the_lock() -> None:
    context = multiprocessing.get_context("spawn")
    lock = SharedWriteLock()
    results: Any = context.Queue()
    server = context.Process(target=_server, args=(lock, results))
    server.start()
    server.join(timeout=60)
    assert server.exitcode == 9
    outcome = []
    while True:
        try:
            outcome.append(results.get(timeout=30))
        except queue.Empty:
            break
        if outcome[-1] != "waiting":
            break
    assert outcome[-1] == "abandoned"


def _holding(target: Any) -> tuple[SharedWriteLock, Any, Any]:
    """A fresh lock, and a process running ``target(lock, results)`` that has taken it."""
    context = multiprocessing.get_context("spawn")
    lock = SharedWriteLock()
    results: Any = context.Queue()
    process = context.Process(target=target, args=(lock, results))
    process.start()
    assert results.get(timeout=30) == "holding"
    return lock, results, process


def _worker_dies_holding(lock: SharedWriteLock, results: Queue[str]) -> None:
    lock.for_worker().acquire()
    results.put("holding")
    results.close()
    results.join_thread()  # the message is out before the process ends
    os._exit(9)  # as abrupt as SIGKILL (the OOM killer): no release


def test_the_edge_takes_over_the_lock_of_a_worker_that_died_holding_it() -> None:
    """The other way round: a worker process killed in a transaction must not freeze the edge, which
    would then acknowledge nothing again."""
    lock, _, worker = _holding(_worker_dies_holding)
    worker.join(timeout=30)
    assert worker.exitcode == 9
    edge = lock.for_edge()
    assert edge.acquire()  # after at most a second or two, not never
    edge.release()
    assert edge.acquire()  # and the lock works on as before
    edge.release()


def test_the_edge_waits_for_a_live_holder() -> None:
    lock, results, holder = _holding(_hold_until_told)
    edge = lock.for_edge()
    acquired = []
    waiter = threading.Thread(target=lambda: acquired.append(edge.acquire()), daemon=True)
    waiter.start()
    waiter.join(2.5)  # two looks at a live holder: still waiting
    assert not acquired
    results.put("release")
    waiter.join(30)
    assert acquired == [True]
    edge.release()
    holder.join(30)


def _hold_until_told(lock: SharedWriteLock, results: Queue[str]) -> None:
    side = lock.for_worker()
    side.acquire()
    results.put("holding")
    time.sleep(0.5)  # let the test read "holding" before it puts "release"
    while results.get(timeout=60) != "release":
        pass
    side.release()
