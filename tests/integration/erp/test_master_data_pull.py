"""The scheduled ERP master-data pull against a real HTTP server on loopback, into SQLite and PostgreSQL:
incremental by updated_since, the auth header from the environment or a file, failures recorded and
retried without moving the watermark; and the runtime running it on its interval."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from revcycle.adapters.erp.rest_pull import SqlPullState
from revcycle.adapters.store.master_data_queries import MasterDataQueries
from revcycle.bootstrap import Container, build
from revcycle.entrypoints.api.app import create_app
from revcycle.entrypoints.master_pull import MasterDataPuller
from revcycle.settings import MasterDataPull, Settings
from tests.integration.api.auth_helpers import sign_in_as_admin
from tests.integration.api.test_api import wait_for
from tests.integration.erp.fake_erp import FakeErp, serve

TOKEN = "Bearer erp-secret-1"


def payer(code: str, name: str, updated: str) -> dict[str, Any]:
    return {"payer_id": code, "name": name, "payer_class": "commercial", "updated_at": updated}


@pytest.fixture
def erp() -> Iterator[FakeErp]:
    records = [payer("P1", "Acme", "2026-03-01T10:00:00Z"), payer("P2", "Bolt", "2026-03-01T11:00:00Z")]
    with serve(FakeErp(records, required_header=("Authorization", TOKEN))) as running:
        yield running


@pytest.fixture
async def started(container: Container) -> AsyncIterator[Container]:
    await container.committer.start()
    yield container
    await container.committer.close()


async def pull_once(container: Container, pull: MasterDataPull) -> str:
    puller = MasterDataPuller(pull, container.edge, SqlPullState(container.engine))
    async with httpx.AsyncClient() as client:
        status = await puller.run_once(client)
    container.worker.drain()
    return status


async def test_incremental_pull_with_the_header_from_the_environment(
    started: Container, erp: FakeErp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERP_AUTH", TOKEN)
    pull = MasterDataPull(name="payers", kind="payer", url=erp.url, auth_header_env="ERP_AUTH")
    assert await pull_once(started, pull) == "loaded"
    queries = MasterDataQueries(started.engine)
    [load] = queries.loads()
    assert (load["source"], load["added"], load["kind"]) == ("erp-pull:payers", 2, "payer")
    state = SqlPullState(started.engine).get("payers")
    assert (state.watermark, state.last_status, state.records) == ("2026-03-01T11:00:00Z", "loaded", 2)
    assert erp.requests[0]["since"] is None and erp.requests[0]["headers"]["authorization"] == TOKEN

    erp.records[0] = payer("P1", "Acme Health", "2026-03-02T08:00:00Z")  # renamed in the ERP
    erp.records.append(payer("P3", "Cedar", "2026-03-02T09:00:00Z"))
    assert await pull_once(started, pull) == "loaded"
    assert erp.requests[1]["since"] == "2026-03-01T11:00:00Z"  # only what changed since the last pull
    latest = queries.loads()[0]
    assert (latest["added"], latest["changed"], latest["unchanged"]) == (1, 1, 0)
    assert queries.version_on("payer", "P1", None)["data"]["name"] == "Acme Health"  # type: ignore[index]

    assert await pull_once(started, pull) == "empty"
    assert erp.requests[2]["since"] == "2026-03-02T09:00:00Z"
    assert len(queries.loads()) == 2


async def test_header_from_a_file_and_failures_keep_the_watermark(
    started: Container, erp: FakeErp, tmp_path: Path
) -> None:
    secret = tmp_path / "erp-token"
    secret.write_text("Bearer wrong\n")
    pull = MasterDataPull(name="payers", kind="payer", url=erp.url, auth_header_file=secret)
    assert await pull_once(started, pull) == "error"
    state = SqlPullState(started.engine)
    failed = MasterDataQueries(started.engine).pulls()[0]
    assert (failed["last_status"], failed["last_error"], failed["watermark"]) == (
        "error",
        "ERP answered HTTP 401",
        None,
    )
    secret.write_text(TOKEN + "\n")  # the secret is rotated: read again at the next pull
    assert await pull_once(started, pull) == "loaded"
    assert state.get("payers").watermark == "2026-03-01T11:00:00Z"
    erp.status = 503
    assert await pull_once(started, pull) == "error"
    assert state.get("payers").watermark == "2026-03-01T11:00:00Z"  # not moved by the failure
    erp.status = 200
    erp.records.append(
        {"payer_id": "P4"}
    )  # no name: a load of one invalid row (a dead letter); the pull succeeded
    erp.records[-1]["updated_at"] = "2026-03-05T00:00:00Z"
    assert await pull_once(started, pull) == "loaded"
    assert state.get("payers").watermark == "2026-03-05T00:00:00Z"
    unreachable = MasterDataPull(
        name="gone", kind="payer", url="http://127.0.0.1:9/x", auth_header_file=secret
    )
    assert await pull_once(started, unreachable) == "error"
    assert "unreachable" in (MasterDataQueries(started.engine).pulls()[0]["last_error"] or "")


def test_the_runtime_pulls_on_its_interval(
    store_url: str, tmp_path: Path, erp: FakeErp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERP_AUTH", TOKEN)
    pull = MasterDataPull(
        name="payers", kind="payer", url=erp.url, auth_header_env="ERP_AUTH", interval_seconds=0.2
    )
    settings = Settings(
        db_url=store_url,
        data_dir=tmp_path,
        mllp_enabled=False,
        worker_poll_seconds=0.05,
        worker_mode="thread",
        master_data_pulls=[pull],
    )
    with TestClient(create_app(lambda: build(settings))) as client:
        sign_in_as_admin(client)
        loads = wait_for(lambda: client.get("/api/v1/master-data/loads").json()["items"])
        assert loads[0]["source"] == "erp-pull:payers" and loads[0]["added"] == 2
        wait_for(lambda: len(erp.requests) >= 3)  # it keeps pulling, incrementally
        assert {r["since"] for r in erp.requests[1:]} == {"2026-03-01T11:00:00Z"}
        [state] = client.get("/api/v1/master-data/pulls").json()["items"]
        assert state["name"] == "payers" and state["records"] == 2


def test_settings_name_the_secret_never_hold_it() -> None:
    with pytest.raises(ValueError, match="must be one of"):
        MasterDataPull(name="x", kind="widgets", url="http://erp/x")
    with pytest.raises(ValueError, match="auth_header"):
        MasterDataPull(name="x", kind="payer", url="http://erp/x", auth_header="Bearer inline")  # type: ignore[call-arg]
