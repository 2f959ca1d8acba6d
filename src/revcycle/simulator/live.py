"""``revcycle simulate --to URL``: stream the simulation to a running server, paced in simulated time.

Transports, as each real source would use them: HL7 v2 over MLLP to the server's listener (``--mllp
HOST:PORT``; HL7 v2.5.1 Appendix C, minimal lower layer protocol), else ``POST /api/v1/ingest/hl7v2``;
X12 and FHIR ``POST /api/v1/ingest`` (format detected by the server); ERP master data ``POST
/api/v1/master-data/{kind}`` (``text/csv`` or JSON). Machines authenticate with a bearer token.

Pacing: a message of simulated time ``t`` is sent ``t / speed`` real seconds after the start of the run
(``speed`` = simulated hours per real second; 0 = no pacing), never faster than ``rate`` messages per
second; the first ``backfill_days`` days are sent unpaced (history), the rest live. Transport errors are
retried with backoff; what the server answered is counted per outcome.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

import httpx

from revcycle.adapters.mllp.framing import encode
from revcycle.simulator.codes import CodeSets
from revcycle.simulator.config import SimConfig
from revcycle.simulator.emission import Emission
from revcycle.simulator.engine import Simulation
from revcycle.simulator.manifest import Manifest


class Unreachable(ConnectionError):
    """The server (HTTP or MLLP) cannot be reached after retries."""


@dataclass(frozen=True, slots=True)
class LiveOptions:
    url: str
    mllp: tuple[str, int] | None = None
    rate: float = 200.0
    speed: float = 1.0
    token: str | None = None
    backfill_days: int = 0
    timeout: float = 30.0
    retries: int = 4


@dataclass
class LiveReport:
    sent: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.sent += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def _ack_code(ack: bytes) -> str:
    """MSA-1 of an HL7 ACK (AA, AE, AR), "unknown" when unreadable."""
    for segment in ack.replace(b"\n", b"\r").split(b"\r"):
        if segment.startswith(b"MSA|"):
            return segment.split(b"|")[1].decode("ascii", "replace") or "unknown"
    return "unknown"


class MllpClient:
    """One persistent MLLP connection; sends a frame and reads its ACK frame."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.address, self.timeout = (host, port), timeout
        self._sock: socket.socket | None = None

    def send(self, payload: bytes) -> bytes:
        if self._sock is None:
            self._sock = socket.create_connection(self.address, timeout=self.timeout)
        self._sock.sendall(encode(payload))
        buffer = b""
        while not buffer.endswith(b"\x1c\r"):
            chunk = self._sock.recv(65536)
            if not chunk:
                self.close()
                raise ConnectionError("MLLP connection closed before the ACK")
            buffer += chunk
        return buffer.strip(b"\x0b\x1c\r")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class Sender:
    """Sends one emission over the right transport and names the outcome."""

    def __init__(self, options: LiveOptions) -> None:
        headers = {"Authorization": f"Bearer {options.token}"} if options.token else {}
        headers["X-Revcycle-Interface"] = "simulator"
        self.http = httpx.Client(base_url=options.url.rstrip("/"), timeout=options.timeout, headers=headers)
        self.mllp = MllpClient(*options.mllp, options.timeout) if options.mllp else None
        self.retries = options.retries

    def _http(self, path: str, payload: bytes, content_type: str) -> str:
        response = self.http.post(path, content=payload, headers={"Content-Type": content_type})
        if response.status_code >= 500:
            raise ConnectionError(f"server error {response.status_code}")
        if path.endswith("/hl7v2"):
            return _ack_code(response.content)
        return {200: "duplicate", 202: "accepted"}.get(response.status_code, f"http_{response.status_code}")

    def send_once(self, emission: Emission) -> str:
        if emission.format == "hl7v2":
            if self.mllp is not None:
                return _ack_code(self.mllp.send(emission.payload))
            return self._http("/api/v1/ingest/hl7v2", emission.payload, "application/hl7-v2")
        if emission.format == "masterdata":
            media = "text/csv" if emission.extension == "csv" else "application/json"
            return self._http(f"/api/v1/master-data/{emission.kind}", emission.payload, media)
        media = "application/fhir+json" if emission.format == "fhir" else "application/edi-x12"
        return self._http("/api/v1/ingest", emission.payload, media)

    def send(self, emission: Emission) -> str:
        for attempt in range(self.retries + 1):
            try:
                return self.send_once(emission)
            except (OSError, httpx.TransportError) as error:
                if self.mllp is not None:
                    self.mllp.close()
                if attempt == self.retries:
                    raise Unreachable(f"cannot deliver to the server: {type(error).__name__}") from None
                time.sleep(0.2 * 2**attempt)
        raise Unreachable("cannot deliver to the server")

    def close(self) -> None:
        self.http.close()
        if self.mllp is not None:
            self.mllp.close()


class Pacer:
    """Waits until a message's simulated time (and the rate limit) allows sending it."""

    def __init__(self, options: LiveOptions, stop: threading.Event) -> None:
        self.options, self.stop = options, stop
        self.origin: float | None = None
        self.last = 0.0

    def wait(self, emission: Emission) -> None:
        now = time.monotonic()
        due = self.last + 1.0 / self.options.rate if self.options.rate > 0 else now
        live = emission.day >= self.options.backfill_days and self.options.speed > 0
        if live:
            simulated = ((emission.day - self.options.backfill_days) * 1440 + emission.minute) / 60.0
            if self.origin is None:
                self.origin = now - simulated / self.options.speed
            due = max(due, self.origin + simulated / self.options.speed)
        if due > now:
            self.stop.wait(due - now)
        self.last = time.monotonic()


def stream(
    config: SimConfig,
    options: LiveOptions,
    *,
    code_sets: CodeSets | None = None,
    labels: TextIO | None = None,
    stop: threading.Event | None = None,
    on_send: Callable[[Emission, str], None] | None = None,
    endless: bool = False,
) -> tuple[Manifest, LiveReport]:
    """Run the simulation against a server; stops early when ``stop`` is set. Raises Unreachable."""
    stop = stop or threading.Event()
    simulation = Simulation(config, code_sets)
    manifest = Manifest(config, simulation.world.codes.origin, "live")
    report = LiveReport()
    sender, pacer = Sender(options), Pacer(options, stop)
    try:
        for out in simulation.days(endless=endless):
            for emission in out.emissions:
                pacer.wait(emission)
                if stop.is_set():
                    return manifest, report
                outcome = sender.send(emission)
                manifest.add(emission)
                report.count(outcome)
                if on_send is not None:
                    on_send(emission, outcome)
            manifest.add_labels(out.labels)
            if labels is not None:
                labels.writelines(json.dumps(r, separators=(",", ":")) + "\n" for r in out.labels)
    finally:
        sender.close()
    return manifest, report
