"""``/health`` on a real server says whether processing runs: the worker process is ``starting`` until
it has built its container, then ``ready``, and ``stopped`` once it is gone (killed here). A worker
killed while idle must not take the edge with it: messages are still acknowledged (they wait in the
log; both this and the shutdown hung before ``process_signal.ProcessSignal``), the server starts a new
worker, which processes them, and the server still stops cleanly."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from tests.e2e.server import ServerProcess, child_pids
from tests.e2e.test_clinic_day_mllp import items, send_mllp


def _worker_state(server: ServerProcess) -> str:
    return str(httpx.get(f"{server.url}/health", timeout=5).json()["worker"])


def _until(server: ServerProcess, state: str, timeout: float = 30.0) -> list[str]:
    seen = []
    deadline = time.monotonic() + timeout
    while (current := _worker_state(server)) != state:
        seen.append(current)
        assert time.monotonic() < deadline, f"worker state stayed {seen[-1]!r}, wanted {state!r}"
        time.sleep(0.05)
    return seen


def _workers(server: ServerProcess) -> list[int]:
    assert server.process is not None
    return [
        pid
        for pid in child_pids(server.process.pid)
        if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        and "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    ]


def test_a_killed_worker_is_reported_replaced_and_its_backlog_processed(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    server.start()
    try:
        assert server.process is not None
        before = _until(server, "ready")
        assert set(before) <= {"starting"}  # never "stopped" or "off" on the way
        [first] = _workers(server)
        time.sleep(1.0)  # idle: asleep in its wait for a wake-up
        os.kill(first, signal.SIGKILL)
        _until(server, "stopped")
        message = (
            b"MSH|^~\\&|EHR|NORTH|RC|RC|20261123||ADT^A04|AFTER1|P|2.5.1\rEVN|A04|20261123\r"
            b"PID|1||MRN1^^^NORTH^MR||DOE^JANE||19800101|F\rPV1|1|O|CLINIC1^^^NORTH\r"
        )
        assert b"MSA|AA|AFTER1" in send_mllp(server.mllp_port, [message])[0]
        _until(server, "ready")  # a new worker process
        assert _workers(server) != [first] and len(_workers(server)) == 1
        deadline = time.monotonic() + 30
        while items(server, "/api/v1/messages", status="accepted"):
            assert time.monotonic() < deadline, "the new worker did not process the backlog"
            time.sleep(0.2)
        assert [m["status"] for m in items(server, "/api/v1/messages")] == ["processed"]
    finally:
        server.stop()
    # ended by its SIGTERM (uvicorn re-raises it after a clean shutdown), not killed after the grace period
    assert server.process.returncode == -signal.SIGTERM


def test_health_says_off_when_the_server_runs_no_worker(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", env={"REVCYCLE_WORKERS": "false"})
    server.start()
    try:
        assert _worker_state(server) == "off"
    finally:
        server.stop()
