"""A server killed while holding the shared SQLite write lock must not leave its worker process waiting
forever as an orphan (seen after the crash-recovery test's SIGKILL: the worker sat in a futex wait)."""

from __future__ import annotations

import multiprocessing
import os
import queue
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
