"""Simulated days (``revcycle simulate --to``, HL7 over MLLP, X12 / FHIR / master data over HTTP) through
a real server, then a scan for the simulator's patient names, birth dates and member ids in: the
server's log, dead-letter reasons, finding summaries, the metrics, and every answer given to roles
without ``phi.view`` (finance, analyst, auditor). None may appear. A billing administrator's answers
are scanned too, as the positive control: the needles are there for a role that may see them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from revcycle.simulator import codes
from revcycle.simulator.config import SimConfig
from revcycle.simulator.engine import Simulation
from tests.e2e.server import ServerProcess

SEED, START, DAYS, VISITS = 11, date(2026, 1, 5), 2, 30
LISTS = ("patients", "claims", "remittances", "findings", "encounters", "appointments", "charges", "messages")
# Malformed input carrying PHI: each becomes a dead letter whose reason must not echo it.
BROKEN = {
    "hl7v2": "MSH|^~\\&|LAB|N|RC|B|20260105||DFT^P03|BAD1|P|2.5.1\rPID|1||MRN9^^^N^MR||QUIXOTE^ZEBEDEE||19511224"
    "|M|||||||||ACCT9\rPV1|1|O|C||||1234567893\rFT1|1|T1||20260105|20260105|CG|99213|||1|12x.00|12x.00\r",
    "x12": "ISA*00*QUIXOTE ZEBEDEE MEMB98765~",
    "fhir": '{"resourceType":"Patient","id":"p9","name":[{"family":"QUIXOTE","given":["ZEBEDEE"]}],'
    '"birthDate":"1951-13-24","identifier":[{"value":"MEMB98765"}]}',
}
PLANTED = {"QUIXOTE", "ZEBEDEE", "MEMB98765", "19511224", "1951-13-24"}
DETAILS = {"patients": "patients", "claims": "claims", "messages": "messages", "dead-letters": "dead-letters"}


def needles(shared_data: Path) -> set[str]:
    """Names, birth dates (both wire forms) and member ids of every simulated patient of the run
    (the simulation is deterministic: the same seed makes the same patients)."""
    simulation = Simulation(
        SimConfig(SEED, START, DAYS, VISITS, anomaly_scale=4.0), codes.load(shared_data / "codesets")
    )
    for _ in simulation.days():
        pass
    staff = {p.family for ps in simulation.world.providers.values() for p in ps}
    staff |= {p.given for ps in simulation.world.providers.values() for p in ps}
    found: set[str] = set()
    for patient in simulation.population._patients.values():
        found |= {n for n in (patient.family, patient.given) if len(n) >= 4 and n not in staff}
        if patient.birth_date < START - timedelta(days=400):  # never a service date of the run
            found |= {patient.birth_date.isoformat(), patient.birth_date.strftime("%Y%m%d")}
        found |= {c.member_id for c in patient.coverages}
    assert len(found) > 50
    return found


def leaks(text: str, wanted: set[str]) -> set[str]:
    words = set(re.findall(r"[A-Za-z0-9-]+", text))
    return {n for n in wanted if n in words}


def collect(server: ServerProcess, headers: dict[str, str]) -> str:
    """Every GET answer this principal can get: each list, and the first details of each kind."""
    texts: list[str] = []
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        for name in (*LISTS, "dead-letters", "audit"):
            params = {"limit": 1000, **({"status": ""} if name == "dead-letters" else {})}
            answer = client.get(f"/api/v1/{name}", params=params)
            texts.append(answer.text)
            if answer.status_code == 200 and name in DETAILS:
                for item in answer.json()["items"][:15]:
                    texts.append(client.get(f"/api/v1/{name}/{item['id']}").text)
        texts.append(client.get("/metrics").text)
    return "\n".join(texts)


def _token(server: ServerProcess, role: str) -> dict[str, str]:
    made = server.cli("users", "add", f"scan-{role}", "--role", role, "--machine", "--token", "--json")
    assert made.returncode == 0, made.stderr
    return {"Authorization": f"Bearer {json.loads(made.stdout)['token']}"}


def _wait_processed(server: ServerProcess) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        pending = httpx.get(
            f"{server.url}/api/v1/messages", params={"status": "accepted", "limit": 1}, headers=server.headers
        ).json()["items"]
        if not pending:
            return
        time.sleep(0.5)
    raise AssertionError("the worker did not catch up")


def test_a_simulated_day_leaves_no_phi_where_it_must_not_be(tmp_path: Path, shared_data: Path) -> None:
    server = ServerProcess(tmp_path / "data", env={"REVCYCLE_LOG_LEVEL": "INFO"})
    server.start()
    try:
        feeder = _token(server, "integration-engineer")
        sent = subprocess.run(
            [
                sys.executable, "-m", "revcycle.entrypoints.cli", "simulate", "--to", server.url,
                "--mllp", f"127.0.0.1:{server.mllp_port}", "--days", str(DAYS), "--seed", str(SEED),
                "--start", START.isoformat(), "--visits-per-day", str(VISITS), "--rate", "0", "--speed", "0", "--anomaly-scale", "4",
                "--codesets", str(shared_data / "codesets"), "--json",
            ],
            env={**server.env, "REVCYCLE_API_TOKEN": feeder["Authorization"].removeprefix("Bearer ")},
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stderr[-2000:]
        assert json.loads(sent.stdout)["messages"]["total"] > 2 * VISITS
        with httpx.Client(base_url=server.url, headers=feeder, timeout=30) as client:
            client.post("/api/v1/ingest/hl7v2", content=BROKEN["hl7v2"])
            client.post("/api/v1/ingest/x12", content=BROKEN["x12"])
            client.post(
                "/fhir/r4/Patient", content=BROKEN["fhir"], headers={"content-type": "application/fhir+json"}
            )
        _wait_processed(server)
        wanted = needles(shared_data) | PLANTED

        admin_view = collect(server, server.headers)
        assert len(leaks(admin_view, wanted)) > 20  # the control: PHI is there for a role that may see it

        for role in ("finance", "analyst", "auditor"):
            seen = collect(server, _token(server, role))
            assert "***" in seen or role == "analyst"  # masked fields, not missing answers
            assert leaks(seen, wanted) == set(), f"PHI in answers to {role}"

        with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
            letters = client.get("/api/v1/dead-letters", params={"status": "", "limit": 1000}).json()["items"]
            findings = client.get("/api/v1/findings", params={"limit": 1000}).json()["items"]
        assert len(letters) >= 2, "the malformed HL7 and X12 should be dead letters"
        print(f"scanned {len(letters)} dead-letter reasons and {len(findings)} finding summaries")
        reasons = "\n".join(d["reason"] for d in letters)
        summaries = "\n".join(f["summary"] for f in findings)
        assert leaks(reasons, wanted) == set() and leaks(summaries, wanted) == set()
        server_log = server.log.read_text()
        assert "MLLP listening" in server_log  # the log was written at INFO
        assert leaks(server_log, wanted) == set()
    finally:
        server.stop()
