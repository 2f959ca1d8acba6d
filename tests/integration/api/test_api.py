"""The HTTP API on a real store (SQLite and PostgreSQL), with its lifespan, group commit and worker."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revcycle.bootstrap import build
from revcycle.entrypoints.api.app import create_app
from revcycle.settings import Settings
from tests.integration.api.auth_helpers import sign_in_as_admin

PAYERS_CSV = "payer_id,name,payer_class,timely_filing_days\nP001,Acme Health,commercial,90\nMCR,Medicare,medicare,365\n"


@pytest.fixture
def client(store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        db_url=store_url,
        data_dir=tmp_path,
        max_message_bytes=4096,
        worker_poll_seconds=0.05,
        mllp_port=0,
        worker_mode="thread",
    )
    with TestClient(create_app(lambda: build(settings))) as client:
        yield sign_in_as_admin(client)


def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and "Traceback" not in response.text
    return body


def test_health_reports_the_store(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["store"] in ("sqlite", "postgresql")
    assert body["worker"] == "ready"  # the worker thread of this server runs


def test_master_data_upload_is_acknowledged_then_processed(client: TestClient) -> None:
    response = client.post(
        "/api/v1/master-data/payer", content=PAYERS_CSV, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 202
    receipt = response.json()
    message = wait_for(
        lambda: (
            (m := client.get(f"/api/v1/messages/{receipt['message_id']}").json())["status"] == "processed"
            and m
        )
    )
    assert (
        message["format"] == "masterdata"
        and message["message_type"] == "MD_PAYER"
        and message["commands"] == 1
    )
    again = client.post("/api/v1/master-data/payer", content=PAYERS_CSV, headers={"content-type": "text/csv"})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["message_id"] == receipt["message_id"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"", 400, "unreadable"),
        (b"   \r\n", 400, "unreadable"),
        (bytes(range(256)), 415, "unknown_format"),
        (b"hello, is this the billing office?", 415, "unknown_format"),
    ],
)
def test_bad_input_gets_a_clear_error_and_a_dead_letter(
    client: TestClient, body: bytes, status: int, code: str
) -> None:
    problem = assert_problem(client.post("/api/v1/ingest", content=body), status)
    assert problem["code"] == code and problem["message_status"] == "dead"
    letters = client.get("/api/v1/dead-letters").json()["items"]
    assert [d["message_id"] for d in letters] == [problem["message_id"]]
    assert client.get("/health").status_code == 200  # still serving


def test_oversize_body_is_refused_with_413_and_its_prefix_kept(client: TestClient) -> None:
    problem = assert_problem(client.post("/api/v1/ingest", content=b"MSH|" + b"x" * 5000), 413)
    assert problem["code"] == "too_large" and "4096 bytes" in problem["detail"]
    [letter] = client.get("/api/v1/dead-letters").json()["items"]
    assert letter["reason_code"] == "too_large" and letter["message_id"] == problem["message_id"]
    assert client.get("/health").status_code == 200


def test_invalid_master_data_is_dead_lettered_by_the_worker_with_a_phi_free_reason(
    client: TestClient,
) -> None:
    rows = [{"npi": "1234567890", "name": "Dr. Jane Roe"}]  # check digit wrong
    response = client.post("/api/v1/master-data/provider", content=json.dumps(rows))
    problem = assert_problem(response, 422)  # every row invalid: the answer says why, row by row
    assert problem["code"] == "mapping_error" and "row 1: npi: not a valid NPI" in problem["detail"]
    letters = wait_for(lambda: client.get("/api/v1/dead-letters").json()["items"])
    assert letters[0]["reason_code"] == "mapping_error" and letters[0]["stage"] == "map"
    assert letters[0]["message_id"] == problem["message_id"]
    assert "Jane" not in letters[0]["reason"] and "1234567890" not in letters[0]["reason"]
    assert "Jane" not in response.text and "1234567890" not in response.text


def test_dead_letter_edit_and_replay_over_http(client: TestClient) -> None:
    client.post("/api/v1/master-data/provider", content=json.dumps([{"npi": "1234567890", "name": "X"}]))
    [letter] = wait_for(lambda: client.get("/api/v1/dead-letters").json()["items"])
    detail = client.get(f"/api/v1/dead-letters/{letter['id']}").json()
    fixed = detail["message"]["raw"].replace("1234567890", "1234567893")
    result = client.post(
        f"/api/v1/dead-letters/{letter['id']}/edit", json={"raw": fixed, "actor": "ines"}
    ).json()
    assert result["outcome"] == "requeued"
    wait_for(lambda: client.get(f"/api/v1/messages/{result['message_id']}").json()["status"] == "processed")
    history = client.get(f"/api/v1/dead-letters/{letter['id']}").json()["replays"]
    assert [(h["actor"], h["edited"]) for h in history] == [("ines", True)]
    assert_problem(client.post("/api/v1/dead-letters/replay", json={"ids": []}), 422)


def test_message_filters(client: TestClient) -> None:
    client.post("/api/v1/master-data/payer", content=PAYERS_CSV, headers={"content-type": "text/csv"})
    client.post("/api/v1/ingest", content=b"nonsense")
    dead = client.get("/api/v1/messages", params={"status": "dead"}).json()["items"]
    assert [m["format"] for m in dead] == ["unknown"]
    payers = client.get("/api/v1/messages", params={"type": "MD_PAYER"}).json()["items"]
    assert len(payers) == 1 and "raw" not in payers[0]
    by_correlation = client.get("/api/v1/messages", params={"correlation_id": payers[0]["correlation_id"]})
    assert [m["id"] for m in by_correlation.json()["items"]] == [payers[0]["id"]]
    assert_problem(client.get("/api/v1/messages", params={"limit": 0}), 422)
    assert_problem(client.get("/api/v1/messages/999999"), 404)


def test_metrics_count_messages_by_interface_type_and_outcome(client: TestClient) -> None:
    client.post("/api/v1/master-data/payer", content=PAYERS_CSV, headers={"content-type": "text/csv"})
    client.post("/api/v1/ingest", content=b"nonsense")
    wait_for(lambda: 'outcome="processed"' in client.get("/metrics").text)
    text = client.get("/metrics").text
    assert (
        'revcycle_messages_received_total{format="masterdata",interface="erp",outcome="accepted",type="MD_PAYER"} 1.0'
        in text
    )
    assert (
        'revcycle_messages_received_total{format="unknown",interface="http",outcome="rejected",type="unknown"} 1.0'
        in text
    )
    assert "revcycle_backlog_depth 0.0" in text and "revcycle_dead_letters_open 1.0" in text
    assert "revcycle_processing_latency_seconds_bucket" in text
    # both appends went through the group commit (the master data and the rejected body)
    committed = re.search(r"^revcycle_group_commit_messages_sum ([0-9.e+]+)$", text, re.MULTILINE)
    assert committed is not None and float(committed.group(1)) >= 2
    assert 'revcycle_group_commit_seconds_bucket{le="+Inf"}' in text


def test_bearer_token_is_required_when_configured(store_url: str, tmp_path: Path) -> None:
    settings = Settings(
        db_url=store_url, data_dir=tmp_path, api_token="s3cret", mllp_enabled=False, worker_mode="thread"
    )
    with TestClient(create_app(lambda: build(settings))) as client:
        assert_problem(client.get("/api/v1/messages"), 401)
        assert_problem(client.get("/api/v1/messages", headers={"Authorization": "Bearer wrong"}), 401)
        assert client.get("/api/v1/messages", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert client.get("/health").status_code == 200


def test_oversize_master_data_is_refused_and_kept(client: TestClient) -> None:
    body = "payer_id,name\n" + "P1,x\n" * 2000
    problem = assert_problem(
        client.post("/api/v1/master-data/payer", content=body, headers={"content-type": "text/csv"}), 413
    )
    [letter] = client.get("/api/v1/dead-letters").json()["items"]
    assert letter["reason_code"] == "too_large" and letter["message_id"] == problem["message_id"]
