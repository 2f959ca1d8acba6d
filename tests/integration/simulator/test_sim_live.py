"""``--to``: HL7 v2 over MLLP (or HTTP), X12 and FHIR to ``/api/v1/ingest``, master data to
``/api/v1/master-data/{kind}``; pacing in simulated time; a real server receives exactly what the
manifest says was sent."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from revcycle.adapters.formats import hl7v2
from revcycle.entrypoints.simulate_cli import simulate
from revcycle.simulator.codes import CodeSets
from revcycle.simulator.config import SimConfig
from revcycle.simulator.emission import Emission
from revcycle.simulator.live import LiveOptions, stream
from tests.e2e.server import ServerProcess, free_port

TINY = SimConfig(seed=5, days=3, visits_per_day=12)


class Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers.get("Content-Type", ""), body))
        reply = (
            b"MSH|^~\\&|R|R|S|S|20260101||ACK|1|P|2.5.1\rMSA|AA|1\r" if self.path.endswith("hl7v2") else b"{}"
        )
        self.send_response(200 if self.path.endswith("hl7v2") else 202)
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


class MllpHandler(socketserver.BaseRequestHandler):
    frames: list[bytes]

    def handle(self) -> None:
        buffer = b""
        while chunk := self.request.recv(65536):
            buffer += chunk
            while b"\x1c\r" in buffer:
                frame, buffer = buffer.split(b"\x1c\r", 1)
                self.frames.append(frame.lstrip(b"\x0b"))
                self.request.sendall(b"\x0bMSH|^~\\&|R|R|S|S|20260101||ACK|1|P|2.5.1\rMSA|AA|1\r\x1c\r")


@pytest.fixture
def receivers() -> Iterator[tuple[str, tuple[str, int], list[tuple[str, str, bytes]], list[bytes]]]:
    http_log: list[tuple[str, str, bytes]] = []
    frames: list[bytes] = []
    http = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (Recorder,), {"received": http_log}))
    mllp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), type("M", (MllpHandler,), {"frames": frames}))
    for server in (http, mllp):
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield (
        f"http://127.0.0.1:{http.server_address[1]}",
        ("127.0.0.1", mllp.server_address[1]),
        http_log,
        frames,
    )
    for server in (http, mllp):
        server.shutdown()
        server.server_close()


def test_routes_by_standard(receivers: tuple, code_sets: CodeSets) -> None:  # type: ignore[type-arg]
    url, mllp, http_log, frames = receivers
    manifest, report = stream(TINY, LiveOptions(url, mllp=mllp, rate=0, speed=0), code_sets=code_sets)
    by_format = manifest.by_format
    assert len(frames) == by_format["hl7v2"] and all(hl7v2.identify(f).control_id for f in frames)
    master = [r for r in http_log if r[0].startswith("/api/v1/master-data/")]
    assert len(master) == by_format["masterdata"]
    assert {r[1] for r in master} == {"text/csv", "application/json"}
    assert {r[0].rsplit("/", 1)[1] for r in master} >= {
        "payer",
        "provider",
        "department",
        "contract",
        "facility",
    }
    generic = [r for r in http_log if r[0] == "/api/v1/ingest"]
    assert len(generic) == by_format["x12"] + by_format["fhir"]
    assert report.sent == manifest.messages and report.outcomes == {
        "AA": by_format["hl7v2"],
        "accepted": manifest.messages - by_format["hl7v2"],
    }


def test_pacing_follows_simulated_time(receivers: tuple, code_sets: CodeSets) -> None:  # type: ignore[type-arg]
    url, _, http_log, _ = receivers
    config = SimConfig(seed=5, days=2, visits_per_day=4)
    began = time.monotonic()
    manifest, _ = stream(config, LiveOptions(url, rate=0, speed=240.0, backfill_days=1), code_sets=code_sets)
    elapsed = time.monotonic() - began
    assert len(http_log) == manifest.messages
    assert 0.05 < elapsed < 5  # day 1 (24 simulated hours) at 240 h/s: ~0.1 s of pacing


def test_cli_reports_an_unreachable_server(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    arguments = ["--to", f"http://127.0.0.1:{port}", "--days", "1", "--visits-per-day", "2", "--speed", "0"]
    result = CliRunner().invoke(simulate, [*arguments, "--retries", "0"])
    assert result.exit_code == 3


@pytest.mark.slow
def test_real_server_receives_what_the_manifest_says(tmp_path: Path, code_sets: CodeSets) -> None:
    server = ServerProcess(tmp_path / "data")
    server.mllp_port = free_port()
    server.env["REVCYCLE_MLLP_PORT"] = str(server.mllp_port)
    server.start()
    try:
        token = server.headers["Authorization"].removeprefix("Bearer ")
        options = LiveOptions(server.url, mllp=("127.0.0.1", server.mllp_port), rate=0, speed=0, token=token)
        first_sends: dict[str, int] = {}

        def count(emission: Emission, outcome: str) -> None:
            if not emission.resend:
                first_sends[emission.message_type] = first_sends.get(emission.message_type, 0) + 1

        config = SimConfig(seed=5, days=3, visits_per_day=8)
        manifest, report = stream(config, options, code_sets=code_sets, on_send=count)
        assert set(report.outcomes) <= {"AA", "accepted", "duplicate"}
        stored: dict[str, int] = {}
        before: int | None = None
        with httpx.Client(base_url=server.url, timeout=30, headers=server.headers) as client:
            while True:
                params = {"limit": 1000} | ({"before_id": before} if before else {})
                page = client.get("/api/v1/messages", params=params).json()
                for item in page["items"]:
                    stored[item["message_type"]] = stored.get(item["message_type"], 0) + 1
                before = page["next_before_id"]
                if before is None:
                    break
        assert sum(stored.values()) == manifest.messages - manifest.resends
        assert (
            stored == first_sends
        )  # by type: everything sent was stored once, resends were not stored again
    finally:
        server.stop()
