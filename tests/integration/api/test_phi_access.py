"""PHI in answers: masked for roles without ``phi.view`` (finance keeps account ids), plain for those
with it, and every PHI read written to the audit log with who, what, when, from where and the route."""

from __future__ import annotations

from fastapi.testclient import TestClient

from revcycle.security.permissions import Role
from tests.integration.api.auth_helpers import bearer
from tests.integration.api.test_api import wait_for

ADT = (
    "MSH|^~\\&|REG|NORTH|REVCYCLE|BILLING|20261122||ADT^A04|PHI1|P|2.5.1\r"
    "PID|1||MRN4242^^^NORTH^MR||QUIXOTE^ZEBEDEE||19511224|M|||12 Windmill Lane^^La Mancha^MN^55401"
    "|||||||ACCT4242\r"
    "PV1|1|O|CLINIC||||1234567893|||||||||||V4242\r"
)


def _patient(client: TestClient) -> int:
    assert client.post("/api/v1/ingest/hl7v2", content=ADT).status_code == 200
    items = wait_for(lambda: client.get("/api/v1/patients").json()["items"])
    return int(items[0]["id"])


def test_finance_sees_accounts_not_names_and_clinical_staff_sees_all(client: TestClient) -> None:
    patient_id = _patient(client)
    finance = client.get(f"/api/v1/patients/{patient_id}", headers=bearer(client, Role.FINANCE)).json()
    assert finance["account"] == "ACCT4242"
    assert finance["data"]["family_name"] == "***" and finance["data"]["birth_date"] == "***"
    assert finance["data"]["address"] == "***" and finance["patient_key"] == "***"
    assert "QUIXOTE" not in str(finance) and "1951" not in str(finance)
    clinical = client.get(
        f"/api/v1/patients/{patient_id}", headers=bearer(client, Role.CLINICAL_STAFF)
    ).json()
    assert clinical["data"]["family_name"] == "QUIXOTE" and clinical["data"]["birth_date"] == "1951-12-24"
    listed = client.get(
        "/api/v1/patients", params={"account": "ACCT4242"}, headers=bearer(client, Role.AUDITOR)
    )
    assert [p["data"]["given_name"] for p in listed.json()["items"]] == ["***"]


def test_every_phi_read_is_audited_with_who_what_where_and_route(client: TestClient) -> None:
    patient_id = _patient(client)
    reader = bearer(client, Role.CLINICAL_STAFF, username="nurse-joy")
    client.get(f"/api/v1/patients/{patient_id}", headers=reader)
    entries = client.get(
        "/api/v1/audit", params={"kind": "phi-read"}, headers=bearer(client, Role.COMPLIANCE_OFFICER)
    ).json()["items"]
    mine = [e for e in entries if e["actor"].startswith("nurse-joy")]
    assert len(mine) == 1
    entry = mine[0]
    assert entry["route"] == "/api/v1/patients/{patient_id}" and entry["record"] == f"patient_id={patient_id}"
    assert entry["method"] == "GET" and entry["source"] == "testclient" and entry["at"]
    assert entry["roles"] == "clinical-staff" and entry["outcome"] == "ok"


def test_billing_actions_are_audited(client: TestClient) -> None:
    client.post("/api/v1/ingest/hl7v2", content=b"not hl7 at all")
    letters = wait_for(lambda: client.get("/api/v1/dead-letters").json()["items"])
    engineer = bearer(client, Role.INTEGRATION_ENGINEER, username="eng")
    client.post("/api/v1/dead-letters/replay", json={"ids": [letters[0]["id"]]}, headers=engineer)
    entries = client.get(
        "/api/v1/audit", params={"kind": "action"}, headers=bearer(client, Role.COMPLIANCE_OFFICER)
    ).json()["items"]
    replay = [e for e in entries if e["route"] == "/api/v1/dead-letters/replay"]
    assert (
        replay and replay[0]["actor"].startswith("eng#token") and replay[0]["action"] == "dead-letters.replay"
    )
