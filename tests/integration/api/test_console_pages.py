"""Console pages over HTTP on each back end: they render the store's numbers, filters change them,
actions (acknowledge, assign, bulk work-queue changes, dead-letter edit and replay) take effect, the
live stream sends figures."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.alerts import seed


def wait_for(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _seed(client: TestClient) -> dict[str, int]:
    engine = client.app.state.container.engine  # type: ignore[attr-defined]
    paid = seed.claim(engine, payer="P1", status="paid", facility="F1")
    seed.payment(engine, paid, payer="P1", status_code="1")
    denied = seed.claim(engine, payer="P2", status="denied", facility="F2")
    seed.payment(engine, denied, payer="P2", status_code="4")
    finding = seed.finding(engine, "denial:page", subject=("claim", str(denied)))
    return {"paid": paid, "denied": denied, "finding": finding}


def _text(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert found, element_id
    return found.group(1)


def test_every_page_renders(client: TestClient) -> None:
    ids = _seed(client)
    for path in (
        "/console",
        "/console/revenue",
        "/console/operations",
        "/console/work-queue",
        "/console/alerts",
        f"/console/claims/{ids['paid']}",
        "/console/providers/1234567893",
        "/console/facilities/F1",
        "/console/search?q=nothing",
        "/console/static/app.css",
        "/console/static/app.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
    missing = client.get("/console/claims/999999")
    assert missing.status_code == 404 and "claim 999999 not found" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    bad = client.get("/console/revenue", params={"start": "22/11/2026"})
    assert bad.status_code == 400 and "use YYYY-MM-DD" in bad.text
    assert "Export CSV" in client.get("/console/revenue").text


def test_revenue_filters_change_the_numbers_and_export_csv(client: TestClient) -> None:
    _seed(client)
    window = {"start": "2026-11-01", "end": "2026-11-30"}
    everything = client.get("/console/revenue", params=window).text
    assert _text(everything, "kpi-final-denial") == "50.0%"
    assert _text(everything, "kpi-payments") == "$80.00"
    p1 = client.get("/console/revenue", params={**window, "payer": "P1"}).text
    assert _text(p1, "kpi-final-denial") == "0.0%"
    october = client.get("/console/revenue", params={"start": "2026-10-01", "end": "2026-10-31"}).text
    assert _text(october, "kpi-final-denial") == "–"
    csv = client.get("/console/revenue.csv", params={**window, "by": "facility"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "kpi,final_denial_rate,50.0" in csv.text and "facility,claims" in csv.text


def test_search_redirects_to_the_one_hit(client: TestClient) -> None:
    ids = _seed(client)
    response = client.get("/console/search", params={"q": str(ids["denied"])}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/console/claims/{ids['denied']}"


def test_work_queue_bulk_actions(client: TestClient) -> None:
    ids = _seed(client)
    page = client.get("/console/work-queue").text
    assert f'data-finding="{ids["finding"]}"' in page
    client.post(
        "/console/actions/findings", data={"ids": [ids["finding"]], "action": "assign", "owner": "ana"}
    )
    client.post("/console/actions/findings", data={"ids": [ids["finding"]], "action": "resolved"})
    assert f'data-finding="{ids["finding"]}"' not in client.get("/console/work-queue").text  # open only
    resolved = client.get("/console/work-queue", params={"status": "resolved", "owner": "ana"}).text
    assert f'data-finding="{ids["finding"]}"' in resolved
    assert client.post("/console/actions/findings", data={"action": "resolved"}).status_code == 422


def test_alert_acknowledge_and_assign_from_the_page(client: TestClient) -> None:
    _seed(client)
    alert = wait_for(lambda: client.get("/api/v1/alerts", params={"status": "open"}).json()["items"])[0]
    assert f'data-alert="{alert["id"]}"' in client.get("/console/alerts").text
    client.post("/console/actions/alerts/acknowledge", data={"ids": [alert["id"]]})
    client.post(f"/console/actions/alerts/{alert['id']}/assign", data={"assignee": "bo"})
    after = client.get(f"/api/v1/alerts/{alert['id']}").json()
    assert (
        after["status"] == "acknowledged"
        and after["acknowledged_by"].startswith("test-billing-admin")  # the signed-in user
        and after["assigned_to"] == "bo"
    )


def test_dead_letter_edit_and_replay_from_the_page(client: TestClient) -> None:
    client.post("/api/v1/master-data/provider", content=json.dumps([{"npi": "1234567890", "name": "X"}]))
    letter = wait_for(lambda: client.get("/api/v1/dead-letters").json()["items"])[0]
    assert f'data-dead-letter="{letter["id"]}"' in client.get("/console/operations").text
    page = client.get(f"/console/dead-letters/{letter['id']}").text
    raw = re.search(r'<textarea name="raw"[^>]*>([^<]*)</textarea>', page)
    assert raw is not None
    fixed = raw.group(1).replace("&#34;", '"').replace("1234567890", "1234567893")
    client.post(f"/console/actions/dead-letters/{letter['id']}/edit", data={"raw": fixed})
    replays = client.get(f"/api/v1/dead-letters/{letter['id']}").json()["replays"]
    assert [(r["actor"].startswith("test-billing-admin"), r["edited"]) for r in replays] == [(True, True)]
    wait_for(
        lambda: client.get(f"/api/v1/messages/{replays[0]['message_id']}").json()["status"] == "processed"
    )
    assert f'data-dead-letter="{letter["id"]}"' not in client.get("/console/operations").text


def test_live_events_carry_the_overview(client: TestClient) -> None:
    _seed(client)
    with client.stream("GET", "/console/events", params={"interval": 0.2}) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        for line in lines:
            if line.startswith("event: overview"):
                data = json.loads(next(lines).removeprefix("data: "))
                break
    assert data["open_findings"] == 1 and "backlog" in data and "dead_letters" in data
