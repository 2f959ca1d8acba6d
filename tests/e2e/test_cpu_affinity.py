"""``REVCYCLE_CPU_AFFINITY=split`` on a real server: every thread of the server process runs on one CPU,
the worker process and the further MLLP edge process on the others, and messages still flow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.server import ServerProcess, child_pids
from tests.e2e.test_clinic_day_mllp import send_mllp

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux and at least two CPUs",
)


def _thread_cpus(pid: int) -> set[frozenset[int]]:
    """The distinct CPU sets of a process's threads."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.add(frozenset(os.sched_getaffinity(int(task.name))))
        except ProcessLookupError:
            continue
    return found


def test_split_keeps_the_server_on_one_cpu_and_its_processes_on_the_others(tmp_path: Path) -> None:
    allowed = frozenset(os.sched_getaffinity(0))
    server = ServerProcess(
        tmp_path / "data", env={"REVCYCLE_CPU_AFFINITY": "split", "REVCYCLE_MLLP_PROCESSES": "2"}
    )
    server.start()
    try:
        assert server.process is not None
        messages = [
            f"MSH|^~\\&|EHR|NORTH|RC|RC|20261123||ADT^A04|AFF{n}|P|2.5.1\r".encode() for n in range(4)
        ]
        acks = send_mllp(server.mllp_port, messages)
        assert all(b"MSA|AA|AFF" in ack for ack in acks)
        first = min(allowed)
        assert _thread_cpus(server.process.pid) == {frozenset({first})}
        children = [pid for pid in child_pids(server.process.pid) if _thread_cpus(pid)]
        assert len(children) >= 2  # the worker and the edge process (and the resource tracker)
        for child in children:
            # multiprocessing's resource tracker, started before the server pins itself, is not ours
            if b"resource_tracker" in Path(f"/proc/{child}/cmdline").read_bytes():
                continue
            cpus = _thread_cpus(child)
            assert cpus == {allowed - {first}}, f"child {child} runs on {cpus}"
    finally:
        server.stop()
