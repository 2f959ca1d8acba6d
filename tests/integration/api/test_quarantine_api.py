"""Quarantine of unmapped master data and its automatic replay, on SQLite and PostgreSQL: a real HL7 v2
sample over HTTP, and the simulator's network scored against its ground-truth labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from revcycle.adapters.formats import masterdata
from revcycle.adapters.store.schema import claims, encounters, findings, inbound_messages, quarantine
from revcycle.bootstrap import Container
from revcycle.service_layer.intake import make_receipt
from revcycle.simulator import codes
from revcycle.simulator.config import SimConfig
from revcycle.simulator.engine import Simulation
from tests.integration.api.test_api import wait_for

SAMPLE = "fhirconverter__ADT-A04-01.hl7"  # PV1-10 (hospital service, our department) is "SUR"
DEPARTMENTS = "code,name,cost_centre\nCARD,Cardiology,6500\n"


def _message(client: TestClient, message_id: int) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/messages/{message_id}").json()
    return body


def test_an_encounter_in_an_unknown_department_is_held_then_replayed(
    client: TestClient, shared_data: Path
) -> None:
    client.post("/api/v1/master-data/department", content=DEPARTMENTS, headers={"content-type": "text/csv"})
    raw = (shared_data / "hl7v2" / SAMPLE).read_bytes()
    ack = client.post("/api/v1/ingest/hl7v2", content=raw)
    assert b"MSA|AA|MSG00001" in ack.content  # quarantine is not a rejection: the sender gets its AA
    [stored] = client.get("/api/v1/messages", params={"control_id": "MSG00001"}).json()["items"]
    message = wait_for(lambda: (m := _message(client, stored["id"]))["status"] == "quarantined" and m)
    assert message["error_code"] == "unmapped_master_data" and "department SUR" in message["error"]

    [finding] = client.get("/api/v1/findings", params={"type": "unmapped_master_data"}).json()["items"]
    assert (finding["subject_kind"], finding["details"]["kind"], finding["details"]["code"]) == (
        "encounter",
        "department",
        "SUR",
    )
    assert finding["status"] == "open" and finding["details"]["message_id"] == stored["id"]
    held = client.get("/api/v1/master-data/quarantine").json()
    assert held["missing"] == [{"kind": "department", "code": "SUR", "items": 1}]
    visit = finding["subject_id"]
    assert client.get("/api/v1/encounters", params={"visit_number": visit}).json()["items"] == []

    upload = client.post(
        "/api/v1/master-data/department",
        content="code,name,cost_centre\nSUR,Surgery,6700\n",
        headers={"content-type": "text/csv"},
    )
    assert upload.json()["report"]["added"] == 1
    wait_for(lambda: _message(client, stored["id"])["status"] == "processed")
    [encounter] = client.get("/api/v1/encounters", params={"visit_number": visit}).json()["items"]
    assert encounter["department_code"] == "SUR" and encounter["correlation_id"] == stored["correlation_id"]
    resolved = client.get(f"/api/v1/findings/{finding['id']}").json()
    assert resolved["status"] == "resolved"
    assert [(h["actor"], h["from_value"], h["to_value"]) for h in resolved["history"]] == [
        ("system", "open", "resolved")
    ]
    assert client.get("/api/v1/master-data/quarantine").json() == {"items": [], "missing": []}


def test_without_master_data_nothing_is_quarantined(client: TestClient, shared_data: Path) -> None:
    raw = (shared_data / "hl7v2" / SAMPLE).read_bytes()
    client.post("/api/v1/ingest/hl7v2", content=raw)
    [stored] = client.get("/api/v1/messages", params={"control_id": "MSG00001"}).json()["items"]
    wait_for(lambda: _message(client, stored["id"])["status"] == "processed")
    assert client.get("/api/v1/findings", params={"type": "unmapped_master_data"}).json()["total"] == 0


def _ingest(container: Container, payloads: list[bytes]) -> None:
    receipts = [
        make_receipt(raw, interface="sim", transport="file", identify=container.formats.identify)
        for raw in payloads
    ]
    for start in range(0, len(receipts), 200):
        container.inbound_log.append_batch(receipts[start : start + 200])
    container.worker.drain()


# 60 s: the whole log in a few worker batches, so an 837 and the payer load that releases its held claims
# meet in one batch (the released message was marked processed at the commit, never replayed).
@pytest.mark.parametrize("write_budget", [0.05, 60.0])
def test_the_simulated_network_unmapped_master_data_is_found_held_and_replayed(
    container: Container, shared_data: Path, write_budget: float
) -> None:
    container.worker.write_budget = write_budget
    simulation = Simulation(
        SimConfig(seed=3, days=10, visits_per_day=20), codes.load(shared_data / "codesets")
    )
    payloads: list[bytes] = []
    labels: list[dict[str, Any]] = []
    for day in simulation.days():
        labels.extend(day.labels)
        for e in day.emissions:
            csv = e.format == "masterdata" and e.extension == "csv" and e.kind is not None
            payloads.append(masterdata.from_csv(e.kind, e.payload.decode()) if csv and e.kind else e.payload)
    _ingest(container, payloads)

    expected_departments = {
        (x["visit_number"], x["department_code"]) for x in labels if x.get("anomaly") == "unmapped_department"
    }
    expected_payers = {(x["pcn"], x["payer_id"]) for x in labels if x.get("anomaly") == "unmapped_payer"}
    assert expected_departments and expected_payers
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(
                findings.c.subject_kind, findings.c.subject_id, findings.c.details, findings.c.status
            ).where(findings.c.type == "unmapped_master_data")
        ).all()
        claims_by_payer = dict(
            conn.execute(select(claims.c.payer_id, func.count()).group_by(claims.c.payer_id)).all()
        )
        visits = set(conn.execute(select(encounters.c.visit_number)).scalars())
        held = set(conn.execute(select(quarantine.c.code).where(quarantine.c.status == "held")).scalars())
        pcns = set(conn.execute(select(claims.c.patient_control_number)).scalars())
        row_states = set(conn.execute(select(quarantine.c.code, quarantine.c.status)).all())
        statuses = set(conn.execute(select(inbound_messages.c.status)).scalars())
    found_departments = {(r.subject_id, r.details["code"]) for r in rows if r.subject_kind == "encounter"}
    found_payers = {(r.subject_id, r.details["code"]) for r in rows if r.subject_kind == "claim"}
    assert found_departments == expected_departments  # recall and precision 1 on encounters
    assert found_payers == expected_payers  # and on claims
    assert {r.subject_kind for r in rows} <= {"encounter", "claim", "appointment"}

    late = {
        x["payer_id"] for x in labels if x.get("anomaly") == "unmapped_payer" and x["mapped_day"] is not None
    }
    never = {
        x["payer_id"] for x in labels if x.get("anomaly") == "unmapped_payer" and x["mapped_day"] is None
    }
    assert late and never
    for payer in late:  # mapped during the run: its held claims were replayed and their findings resolved
        assert {pcn for pcn, p in expected_payers if p == payer} <= pcns
        assert {status for code, status in row_states if code == payer} == {"replayed"}
        assert {r.status for r in rows if r.details["code"] == payer} == {"resolved"}
    for payer in never:  # never mapped: held, not lost, still open
        assert payer not in claims_by_payer and payer in held
        assert {r.status for r in rows if r.details["code"] == payer} == {"open"}
    late_departments = {
        x["visit_number"]
        for x in labels
        if x.get("anomaly") == "unmapped_department" and x["mapped_day"] is not None
    }
    assert late_departments and late_departments <= visits
    assert "dead" not in statuses
