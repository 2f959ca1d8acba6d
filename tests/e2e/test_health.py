"""``/health`` on a real server says whether processing runs: the worker process is ``starting`` until
it has built its container, then ``ready``, and ``stopped`` once it is gone (killed here). A worker
killed while idle must not take the edge with it: messages are still acknowledged (they wait in the
log), and the server still stops cleanly. Both hung before ``process_signal.ProcessSignal``."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from tests.e2e.server import ServerProcess, child_pids
from tests.e2e.test_clinic_day_mllp import send_mllp


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


def test_health_reports_the_worker_process_ready_then_stopped_when_it_dies(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    server.start()
    try:
        assert server.process is not None
        before = _until(server, "ready")
        assert set(before) <= {"starting"}  # never "stopped" or "off" on the way
        workers = [
            pid
            for pid in child_pids(server.process.pid)
            if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert len(workers) == 1
        time.sleep(1.0)  # idle: asleep in its wait for a wake-up
        os.kill(workers[0], signal.SIGKILL)
        _until(server, "stopped")
        message = b"MSH|^~\\&|EHR|NORTH|RC|RC|20261123||ADT^A04|AFTER1|P|2.5.1\r"
        assert b"MSA|AA|AFTER1" in send_mllp(server.mllp_port, [message])[0]
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
