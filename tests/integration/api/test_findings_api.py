"""The work queue over HTTP on SQLite and PostgreSQL: filters, paging, age, assign / status / comments,
bulk actions, and clear errors for what cannot be done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.service_layer.ports import MessageContext
from tests.integration.api.test_api import assert_problem

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def seed_findings(client: TestClient) -> list[int]:
    """Six findings: two payers, two facilities, three types, created a day apart."""
    specs = [
        (FindingType.DENIAL, Severity.HIGH, "claim", "PCN1", {"payer_id": "P1"}),
        (FindingType.DENIAL, Severity.HIGH, "claim", "PCN2", {"payer_id": "P2"}),
        (FindingType.UNDERPAYMENT, Severity.MEDIUM, "claim", "PCN3", {"payer_id": "P1"}),
        (FindingType.DUPLICATE_CHARGE, Severity.HIGH, "charge", "41", {"facility_code": "F1"}),
        (FindingType.DUPLICATE_CHARGE, Severity.HIGH, "charge", "42", {"facility_code": "F2"}),
        (FindingType.MISSING_CHARGE_CODE, Severity.LOW, "charge", "43", {}),
    ]
    engine = client.app.state.container.engine  # type: ignore[attr-defined]
    with SqlUnitOfWork(engine) as uow:
        for day, (kind, severity, subject_kind, subject_id, details) in enumerate(specs):
            at = T0 + timedelta(days=day)
            ctx = MessageContext(correlation_id=f"c-{day}", received_at=at, now=at)
            finding = Finding(kind, severity, subject_kind, subject_id, f"{kind.value} on {subject_id}",
                              f"{kind.value}:{subject_kind}:{subject_id}", details)  # fmt: skip
            uow.findings.raise_finding(finding, ctx)
        uow.commit()
    items = client.get("/api/v1/findings", params={"limit": 100}).json()["items"]
    return sorted(item["id"] for item in items)


def ids(client: TestClient, **params: object) -> list[int]:
    return [f["id"] for f in client.get("/api/v1/findings", params=params).json()["items"]]


def test_filters_paging_and_age(client: TestClient) -> None:
    all_ids = seed_findings(client)
    assert len(all_ids) == 6
    page = client.get("/api/v1/findings", params={"limit": 4}).json()
    assert page["total"] == 6 and len(page["items"]) == 4 and page["items"][0]["id"] == all_ids[-1]
    rest = client.get("/api/v1/findings", params={"limit": 4, "offset": 4}).json()["items"]
    keyset = client.get("/api/v1/findings", params={"limit": 4, "before_id": page["next_before_id"]}).json()
    assert [f["id"] for f in rest] == [f["id"] for f in keyset["items"]] == all_ids[:2][::-1]
    assert page["items"][0]["age_seconds"] > 0

    assert len(ids(client, type="denial")) == 2
    assert len(ids(client, payer_id="P1")) == 2
    assert len(ids(client, facility_code="F2")) == 1
    assert len(ids(client, severity="high")) == 4 and len(ids(client, severity="40")) == 4
    assert len(ids(client, min_severity="medium")) == 5
    assert len(ids(client, subject_kind="charge", subject_id="43")) == 1
    assert len(ids(client, since="2026-03-04T00:00:00Z", until="2026-03-06T00:00:00Z")) == 2
    assert len(ids(client, status="open,in_progress")) == 6
    assert_problem(client.get("/api/v1/findings", params={"severity": "loud"}), 422)
    assert_problem(client.get("/api/v1/findings", params={"limit": 0}), 422)


def test_incremental_sync_pages_forward_from_the_last_id_seen(client: TestClient) -> None:
    all_ids = seed_findings(client)
    first = client.get("/api/v1/findings", params={"after_id": 0, "limit": 4}).json()
    assert [f["id"] for f in first["items"]] == all_ids[:4]  # oldest first
    assert first["total"] == 6 and first["next_after_id"] == all_ids[3] and first["next_before_id"] is None
    rest = client.get("/api/v1/findings", params={"after_id": first["next_after_id"], "limit": 4}).json()
    assert [f["id"] for f in rest["items"]] == all_ids[4:] and rest["total"] == 2
    caught_up = client.get("/api/v1/findings", params={"after_id": all_ids[-1]}).json()
    assert caught_up["items"] == [] and caught_up["next_after_id"] is None
    assert ids(client, after_id=all_ids[0], type="denial") == [all_ids[1]]


def test_assign_move_comment_with_history(client: TestClient) -> None:
    first = seed_findings(client)[0]
    body = client.post(f"/api/v1/findings/{first}/assign", json={"actor": "lead", "owner": "ines"}).json()
    assert body["owner"] == "ines"
    assert ids(client, owner="ines") == [first] and len(ids(client, owner="-")) == 5
    moved = client.post(f"/api/v1/findings/{first}/status", json={"actor": "ines", "status": "in_progress"})
    assert moved.json()["status"] == "in_progress"
    commented = client.post(
        f"/api/v1/findings/{first}/comments", json={"actor": "ines", "text": "called the payer, appeal filed"}
    )
    assert commented.status_code == 201
    client.post(
        f"/api/v1/findings/{first}/status", json={"actor": "ines", "status": "resolved", "note": "paid"}
    )
    detail = client.get(f"/api/v1/findings/{first}").json()
    assert detail["status"] == "resolved"
    assert [(h["actor"], h["action"], h["from_value"], h["to_value"]) for h in detail["history"]] == [
        ("lead", "assign", None, "ines"),
        ("ines", "status", "open", "in_progress"),
        ("ines", "status", "in_progress", "resolved"),
    ]
    assert detail["history"][-1]["note"] == "paid"
    [comment] = detail["comments"]
    assert (comment["author"], comment["text"]) == ("ines", "called the payer, appeal filed") and comment[
        "at"
    ]
    assert ids(client, status="resolved") == [first]


def test_what_cannot_be_done_is_refused_clearly(client: TestClient) -> None:
    first = seed_findings(client)[0]
    client.post(f"/api/v1/findings/{first}/status", json={"actor": "a", "status": "resolved"})
    refused = assert_problem(
        client.post(f"/api/v1/findings/{first}/status", json={"actor": "a", "status": "ignored"}), 422
    )
    assert "cannot move from resolved to ignored" in refused["detail"]
    assert_problem(
        client.post(f"/api/v1/findings/{first}/status", json={"actor": "a", "status": "done"}), 422
    )
    assert_problem(client.post("/api/v1/findings/999999/assign", json={"actor": "a", "owner": "b"}), 404)
    assert_problem(client.get("/api/v1/findings/999999"), 404)
    assert_problem(client.post(f"/api/v1/findings/{first}/comments", json={"actor": "a", "text": ""}), 422)
    assert_problem(client.post(f"/api/v1/findings/{first}/assign", json={"owner": "b"}), 422)  # no actor


@pytest.mark.parametrize("action", ["status", "assign", "comment"])
def test_bulk_actions_are_all_or_nothing(client: TestClient, action: str) -> None:
    all_ids = seed_findings(client)
    payload = {"status": {"status": "ignored"}, "assign": {"owner": "team-a"}, "comment": {"text": "batch"}}[
        action
    ]
    done = client.post(
        "/api/v1/findings/bulk", json={"ids": all_ids[:3], "action": action, "actor": "lead", **payload}
    )
    assert done.status_code == 200 and done.json()["changed"] == 3
    refused = client.post(
        "/api/v1/findings/bulk",
        json={"ids": [all_ids[4], 999999], "action": action, "actor": "lead", **payload},
    )
    assert_problem(refused, 404)
    untouched = client.get(f"/api/v1/findings/{all_ids[4]}").json()
    assert untouched["status"] == "open" and untouched["owner"] is None and untouched["comments"] == []
    if action == "status":
        assert len(ids(client, status="ignored")) == 3
        again = client.post(
            "/api/v1/findings/bulk", json={"ids": all_ids[:3], "action": action, "actor": "lead", **payload}
        )
        assert again.json()["changed"] == 0  # already ignored: nothing changes
    assert_problem(
        client.post("/api/v1/findings/bulk", json={"ids": all_ids, "action": "delete", "actor": "x"}), 422
    )
