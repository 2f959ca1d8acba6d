"""X12 over HTTP on a real store: summaries per transaction set, the 999 we return, rejections."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient


def post(client: TestClient, shared_data: Path, name: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/ingest/x12", content=(shared_data / "x12" / name).read_bytes())


def test_837p_is_summarised_and_acknowledged_with_an_accepting_999(
    client: TestClient, shared_data: Path
) -> None:
    response = post(client, shared_data, "oopfactory__837P_Example1_2_And_3_Combined.txt")
    assert response.status_code == 200, response.text
    body = response.json()
    sets = body["transactions"]
    assert [t["type"] for t in sets] == ["837P", "837P"]
    assert sum(t["claims"] for t in sets) == 3
    assert all(t["status"] == "accepted" and Decimal(t["charge_total"]) > 0 for t in sets)
    [ack] = body["acknowledgments"]["999"]
    assert ack["groups"][0]["status"] == "A"
    assert "ST*999*" in ack["text"] and "AK9*A*2*2*2" in ack["text"]
    again = post(client, shared_data, "oopfactory__837P_Example1_2_And_3_Combined.txt").json()
    assert again["duplicate"] is True and again["message_id"] == body["message_id"]


def test_835_reports_paid_totals(client: TestClient, shared_data: Path) -> None:
    body = post(client, shared_data, "badx12__X221-multiple-claims-single-check.edi").json()
    [remit] = body["transactions"]
    assert remit["type"] == "835" and remit["claims"] == 9 and Decimal(remit["paid_total"]) > 0


def test_types_we_do_not_map_are_stored_and_summarised(client: TestClient, shared_data: Path) -> None:
    body = post(client, shared_data, "lfhx12__subscriber-health-benefit-check.270").json()
    assert [t["type"] for t in body["transactions"]] == ["270"]
    assert client.get(f"/api/v1/messages/{body['message_id']}").json()["format"] == "x12"


def test_an_unreadable_interchange_is_rejected_with_a_reason_and_kept(client: TestClient) -> None:
    response = client.post("/api/v1/ingest/x12", content=b"ISA*00*short~")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "rejected" and body["reason"]
    assert [d["message_id"] for d in client.get("/api/v1/dead-letters").json()["items"]] == [
        body["message_id"]
    ]
