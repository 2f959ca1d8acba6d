"""FHIR R4 REST on a real store: create, update, read, Bundles, OperationOutcome errors."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

FHIR_JSON = "application/fhir+json"


def assert_outcome(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["severity"] in ("error", "fatal")
    return body  # type: ignore[no-any-return]


def test_create_read_and_resend(client: TestClient, shared_data: Path) -> None:
    raw = (shared_data / "fhir" / "r4example__Patient-example.json").read_bytes()
    created = client.post("/fhir/r4/Patient", content=raw)
    assert created.status_code == 201 and created.headers["location"] == "/fhir/r4/Patient/example"
    read = client.get("/fhir/r4/Patient/example")
    assert read.status_code == 200 and read.headers["content-type"].startswith(FHIR_JSON)
    assert json.loads(read.content) == json.loads(raw)  # as received
    again = client.post("/fhir/r4/Patient", content=raw)
    assert again.status_code == 200 and again.headers["location"] == created.headers["location"]


def test_server_assigns_a_stable_id_to_an_id_less_create(client: TestClient) -> None:
    body = json.dumps(
        {
            "resourceType": "Coverage",
            "status": "active",
            "beneficiary": {"reference": "Patient/p1"},
            "payor": [{"reference": "Organization/o1"}],
        }
    )
    first = client.post("/fhir/r4/Coverage", content=body)
    second = client.post("/fhir/r4/Coverage", content=body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.headers["location"] == second.headers["location"]
    assert client.get(first.headers["location"]).json()["status"] == "active"


def test_type_mismatch_is_refused_and_kept_as_a_dead_letter(client: TestClient, shared_data: Path) -> None:
    raw = (shared_data / "fhir" / "r4example__Patient-example.json").read_bytes()
    outcome = assert_outcome(client.post("/fhir/r4/Claim", content=raw), 400)
    assert "does not match" in outcome["issue"][0]["diagnostics"]
    letters = client.get("/api/v1/dead-letters").json()["items"]
    assert len(letters) == 1 and letters[0]["format"] == "fhir"
    assert_outcome(client.get("/fhir/r4/Patient/example"), 404)  # refused bodies are not readable


def test_put_needs_matching_ids(client: TestClient, shared_data: Path) -> None:
    raw = (shared_data / "fhir" / "r4example__Coverage-9876B1.json").read_bytes()
    assert_outcome(client.put("/fhir/r4/Coverage/other", content=raw), 400)
    assert client.put("/fhir/r4/Coverage/9876B1", content=raw).status_code == 201


def test_not_json_and_unsupported_types(client: TestClient) -> None:
    fatal = assert_outcome(client.post("/fhir/r4/Patient", content=b"{not json"), 400)
    assert fatal["issue"][0]["severity"] == "fatal"
    assert_outcome(client.post("/fhir/r4/Observation", content=b'{"resourceType": "Observation"}'), 400)
    assert_outcome(client.get("/fhir/r4/Claim/nope"), 404)


def test_a_synthea_bundle_is_accepted_with_a_response_per_entry(
    client: TestClient, shared_data: Path
) -> None:
    path = next((shared_data / "fhir").glob("synthea__*.json"))
    raw = path.read_bytes()
    response = client.post("/fhir/r4", content=raw)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resourceType"] == "Bundle" and body["type"].endswith("-response")
    assert len(body["entry"]) == len(json.loads(raw)["entry"])
    assert {e["response"]["status"] for e in body["entry"]} == {"201 Created"}
