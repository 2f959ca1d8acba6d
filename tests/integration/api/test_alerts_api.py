"""``/api/v1/alerts`` on each back end with the server's alerting thread running (default rules)."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.alerts import seed


def _wait_for_alert(client: TestClient, deadline: float = 15.0) -> dict[str, Any]:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        items = client.get("/api/v1/alerts", params={"status": "live"}).json()["items"]
        if items:
            return dict(items[0])
        time.sleep(0.05)
    raise AssertionError("no alert appeared")


def test_alerts_list_acknowledge_and_assign(client: TestClient) -> None:
    engine = client.app.state.container.engine  # type: ignore[attr-defined]
    seed.finding(engine, "duplicate_charge:5", type_="duplicate_charge", severity=40, subject=("charge", "5"))
    alert = _wait_for_alert(client)
    assert alert["rule"] == "high-severity-findings" and alert["status"] == "open"
    assert alert["summary"] == "duplicate_charge on charge 5"

    acked = client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", json={"actor": "ana"})
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == "ana"
    assigned = client.post(f"/api/v1/alerts/{alert['id']}/assign", json={"assignee": "bo"}).json()
    assert assigned["assigned_to"] == "bo"
    assert client.get("/api/v1/alerts", params={"status": "open"}).json()["items"] == []
    assert client.get("/api/v1/alerts", params={"assigned_to": "bo"}).json()["items"][0]["id"] == alert["id"]
    detail = client.get(f"/api/v1/alerts/{alert['id']}").json()
    assert detail["deliveries"][0]["channel"] == "in_app" and detail["deliveries"][0]["status"] == "sent"

    missing = client.post("/api/v1/alerts/999999/acknowledge", json={"actor": "ana"})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    bad = client.post(f"/api/v1/alerts/{alert['id']}/assign", json={"assignee": "x" * 200})
    assert bad.status_code == 422


def test_rules_status_and_reload(client: TestClient) -> None:
    status = client.get("/api/v1/alerts/rules").json()
    assert status["path"] is None and status["error"] is None
    assert {rule["kind"] for rule in status["rules"]} >= {"finding", "appointment_uncoded"}
    assert client.post("/api/v1/alerts/rules/reload").status_code == 200
