"""Which CPUs the server's processes run on (``REVCYCLE_CPU_AFFINITY``; Linux).

With ``split`` the server process (the MLLP edge with its group commit, the HTTP API) keeps to one CPU,
and the worker process and any further MLLP edge processes keep to the others. The edge's event loop
and its commit threads hand the interpreter lock to each other several times per batch: on one CPU the
hand-over is a switch on that core, across two it wakes the other CPU (in a virtual machine, an
inter-processor interrupt whose cost moves with the host's load). Measured in bench/RESULTS.md,
seventh session. With ``worker_mode = "thread"`` nothing is pinned: the worker would share the edge's
CPU. Pinning is a tuning, never a condition to run: where the platform or the container refuses it,
the server logs why and runs unpinned.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CpuPlan:
    """The server process's CPUs, and those of the worker and the further MLLP edge processes."""

    server: frozenset[int]
    others: frozenset[int]


def plan(mode: str, allowed: Collection[int] | None, *, worker_in_process: bool) -> CpuPlan | None:
    """``split`` with at least two allowed CPUs and no worker thread in the server process: the lowest
    allowed CPU for the server, the rest for the others. Otherwise None (nothing is pinned)."""
    if mode != "split" or not worker_in_process or allowed is None or len(allowed) < 2:
        return None
    first = min(allowed)
    return CpuPlan(frozenset({first}), frozenset(allowed) - {first})


def allowed_cpus() -> frozenset[int] | None:
    """The CPUs this process may run on (its cgroup's cpuset included); None where it cannot be told."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    return frozenset(os.sched_getaffinity(0))


def pin_process(cpus: Collection[int], role: str) -> bool:
    """Every thread of this process onto ``cpus`` (threads started later inherit their starter's
    CPUs). False, with a warning, where the platform or the container refuses."""
    if not hasattr(os, "sched_setaffinity"):
        log.warning("cpu_affinity: this platform cannot pin the %s process; it runs unpinned", role)
        return False
    try:
        for thread in _threads():
            try:
                os.sched_setaffinity(thread, cpus)
            except ProcessLookupError:  # the thread ended meanwhile
                continue
    except OSError as error:
        log.warning("cpu_affinity: the %s process could not be pinned (%s); it runs unpinned", role, error)
        return False
    log.info("cpu_affinity: the %s process runs on CPU %s", role, ",".join(map(str, sorted(cpus))))
    return True


def _threads() -> Iterator[int]:
    """This process's thread ids (Linux ``/proc``), or only the calling thread where there is none."""
    try:
        names = os.listdir("/proc/self/task")
    except OSError:
        yield 0
        return
    for name in names:
        yield int(name)
