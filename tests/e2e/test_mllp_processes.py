"""Several MLLP edge processes on one port (``REVCYCLE_MLLP_PROCESSES``): the kernel spreads the
connections over them, every message is committed and acknowledged once and then processed, each
connection keeps its order, the listener counters of all processes add up in /metrics, and stopping the
server stops them all."""

from __future__ import annotations

import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess, child_pids
from tests.e2e.test_clinic_day_mllp import day, items, send_mllp

CONNECTIONS = 16


def _counter(metrics: str, name: str) -> float:
    found = re.findall(rf'^{name}{{interface="mllp"}} ([0-9.e+]+)$', metrics, re.MULTILINE)
    assert found, f"{name} not exported"
    return float(found[0])


def test_connections_spread_over_edge_processes_and_every_message_lands_once(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", env={"REVCYCLE_MLLP_PROCESSES": "2"})
    server.start()
    try:
        assert server.process is not None
        per_connection = [[_own_control_id(raw, c) for raw in day(2)] for c in range(CONNECTIONS)]
        held = [socket.create_connection(("127.0.0.1", server.mllp_port)) for _ in range(CONNECTIONS)]
        try:  # open connections are spread over the listening processes
            time.sleep(0.5)
            owners = [
                _connections_of(pid, server.mllp_port)
                for pid in [server.process.pid, *child_pids(server.process.pid)]
            ]
            assert sum(owners) == CONNECTIONS and sum(1 for n in owners if n) >= 2, owners
        finally:
            for sock in held:
                sock.close()
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            acks = list(pool.map(lambda batch: send_mllp(server.mllp_port, batch), per_connection))
        sent = sum(len(batch) for batch in per_connection)
        assert all(b"MSA|AA|" in ack for connection in acks for ack in connection)

        # The counters of both processes add up (the edge process reports every half second).
        deadline = time.monotonic() + 10
        while True:
            metrics = httpx.get(f"{server.url}/metrics", headers=server.headers, timeout=10).text
            frames = _counter(metrics, "revcycle_listener_frames_received")
            if frames >= sent or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert frames == sent
        assert _counter(metrics, "revcycle_listener_connections_total") >= CONNECTIONS

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and items(server, "/api/v1/messages", status="accepted"):
            time.sleep(0.2)
        stored = items(server, "/api/v1/messages")
        assert len(stored) == sent and {m["status"] for m in stored} == {"processed"}

        # The counters of the edge processes and of the worker process are in the server's /metrics.
        deadline = time.monotonic() + 10
        while True:
            metrics = httpx.get(f"{server.url}/metrics", headers=server.headers, timeout=10).text
            received = _total(metrics, "revcycle_messages_received_total", 'outcome="accepted"')
            processed = _total(metrics, "revcycle_messages_processed_total", 'outcome="processed"')
            acks = _total(metrics, "revcycle_ack_seconds_count", 'interface="mllp"')
            committed = _plain(metrics, "revcycle_group_commit_messages_sum")  # every process's commits
            if (received, processed, acks, committed) == (sent,) * 4 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert (received, processed, acks, committed) == (sent, sent, sent, sent)
        assert 1 <= _plain(metrics, "revcycle_group_commit_messages_count") <= sent
        assert _plain(metrics, "revcycle_group_commit_sync_seconds_count") >= 1  # SQLite, synchronous=FULL
        children = child_pids(server.process.pid)
        assert len(children) >= 2  # the worker and the edge process
    finally:
        server.stop()
    deadline = time.monotonic() + 15
    while [pid for pid in children if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)], "a worker or edge process outlived the server"


def test_a_port_taken_by_another_program_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:  # no SO_REUSEPORT: the edge processes cannot share it
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = ServerProcess(tmp_path / "data", env={"REVCYCLE_MLLP_PROCESSES": "2"})
        server.mllp_port = port
        server.env["REVCYCLE_MLLP_PORT"] = str(port)
        try:
            with pytest.raises(RuntimeError, match="server exited"):
                server.start(timeout=30)
        finally:
            server.stop()


def _plain(metrics: str, sample: str) -> float:
    """The value of a sample without labels."""
    found = re.findall(rf"^{sample} ([0-9.e+]+)$", metrics, re.MULTILINE)
    assert found, f"{sample} not exported"
    return float(found[0])


def _total(metrics: str, sample: str, having: str) -> float:
    """The sum of ``sample`` over the label sets that contain ``having``."""
    return sum(
        float(value)
        for labels, value in re.findall(rf"^{sample}{{(.*)}} ([0-9.e+]+)$", metrics, re.MULTILINE)
        if having in labels
    )


def _own_control_id(raw: bytes, connection: int) -> bytes:
    """The message with MSH-10 prefixed by the connection's number (so no two connections resend)."""
    fields = raw.split(b"|", 10)
    fields[9] = f"C{connection}-".encode() + fields[9]
    return b"|".join(fields)


def _connections_of(pid: int, port: int) -> int:
    """Established TCP connections to ``port`` whose server side this process holds (/proc/net/tcp)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # local port, ESTABLISHED
            inodes.add(fields[9])
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:
            continue
        held += target.startswith("socket:[") and target[8:-1] in inodes
    return held


def _alive(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
