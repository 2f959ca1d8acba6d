"""The HTTP API (journals, drill-down, reconciliation) and the command line (gl check, erp build / post
/ journals / replay, reconcile) on a real store."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.schema import findings
from revcycle.bootstrap import build, build_erp, store_engine
from revcycle.entrypoints.api.app import create_app
from revcycle.entrypoints.cli import main
from revcycle.settings import Settings
from tests.integration.api.auth_helpers import sign_in_as_admin
from tests.integration.erp.seed import NOW, seed, write_mapping


@pytest.fixture
def posted(store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        db_url=store_url,
        data_dir=tmp_path,
        mllp_enabled=False,
        worker_mode="thread",
        erp_gl_mapping=write_mapping(tmp_path),
    )
    engine = store_engine(settings)
    upgrade(engine)
    seed(engine)
    parts = build_erp(settings, engine)
    parts.builder.run_once(NOW)
    parts.poster.run_once(NOW)
    engine.dispose()
    with TestClient(create_app(lambda: build(settings))) as client:
        yield sign_in_as_admin(client)


def test_journals_with_acknowledgments_and_drill_down_both_ways(posted: TestClient) -> None:
    listing = posted.get("/api/v1/journals").json()
    assert listing["counts"] == {"acknowledged": 6} and len(listing["items"]) == 6
    assert all(j["document_id"] for j in listing["items"])
    payer = posted.get("/api/v1/journals", params={"kind": "payer_payment"}).json()["items"]
    matched = next(j for j in payer if j["facility_code"] == "HOSP")
    detail = posted.get(f"/api/v1/journals/{matched['id']}").json()
    assert [line["account"] for line in detail["lines"]] == ["1200", "1010"]
    assert detail["items"][0]["source_kind"] == "claim_payment"
    [claim] = detail["claims"]
    assert claim["patient_control_number"] == "PCN1"
    assert detail["remittances"][0]["trace_number"] == "TRC1"
    back = posted.get(f"/api/v1/claims/{claim['id']}/journals").json()["journals"]
    assert matched["id"] in {j["id"] for j in back}
    assert {j["kind"] for j in back} == {"payer_payment", "contractual_adjustment", "patient_responsibility"}
    charge = posted.get("/api/v1/journals", params={"kind": "charge"}).json()["items"][0]
    assert len(posted.get(f"/api/v1/journals/{charge['id']}").json()["charges"]) == 2
    missing = posted.get("/api/v1/journals/999999")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )


def test_reconciliation_report_over_http_json_and_csv(posted: TestClient) -> None:
    params = {"from": "2026-01-01", "to": "2026-01-31", "as_of": "2026-01-20T12:00:00+00:00"}
    report = posted.get("/api/v1/reconciliation", params=params).json()
    totals = report["totals"]
    assert totals["charges_captured"] == {"count": 2, "amount": "300.00"}
    assert totals["claimed"] == {"count": 1, "amount": "300.00"}
    assert totals["adjudicated_paid"]["amount"] == "190.00"
    assert totals["acknowledged"]["count"] == 6
    assert report["summary"]["unexplained_by_kind"] == {"remittance_without_claim": 1}
    by_period = posted.get(
        "/api/v1/reconciliation", params={"period": "2026-01", "as_of": params["as_of"]}
    ).json()
    assert by_period["start"] == "2026-01-01" and by_period["end"] == "2026-01-31"
    text = posted.get("/api/v1/reconciliation", params=params | {"format": "csv"}).text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "section" and rows[-1][:3] == ["break", "2026-01-19", "remittance_without_claim"]
    bad = posted.get("/api/v1/reconciliation", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert bad.status_code == 400


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = store_engine(Settings(db_url=db, data_dir=tmp_path))
    upgrade(engine)
    seed(engine)
    env = {
        "REVCYCLE_DB_URL": db,
        "REVCYCLE_DATA_DIR": str(tmp_path),
        "REVCYCLE_ERP_EXPORT_DIR": str(tmp_path / "out"),
    }
    partial = write_mapping(tmp_path, complete=False)
    code, out = _run(env, "gl", "check", "--mapping", str(partial), "--json")
    assert code == 2
    report = json.loads(out)
    assert report["checked"] == 7 and [g["transactions"] for g in report["gaps"]] == [1]
    assert report["gaps"][0]["missing"] == ["debit", "credit"]
    (tmp_path / "broken.toml").write_text('[[rule]]\ntransaction = "charges"\ndebit = "a b"\n')
    code, out = _run(env, "gl", "check", "--mapping", str(tmp_path / "broken.toml"))
    assert code == 1 and "rule 1: transaction 'charges'" in out and "is not a code" in out
    env["REVCYCLE_ERP_GL_MAPPING"] = str(write_mapping(tmp_path))
    assert _run(env, "gl", "check")[0] == 0
    code, out = _run(env, "erp", "post", "--json")
    assert code == 0 and json.loads(out)["acknowledged"] == 6
    assert len(list((tmp_path / "out").iterdir())) == 1
    code, out = _run(env, "erp", "build", "--sweep", "--json")  # re-reads every source: nothing new
    assert code == 0 and json.loads(out)["items"] == 0 and json.loads(out)["journals"] == 0
    code, out = _run(env, "erp", "journals", "--json")
    assert {j["status"] for j in json.loads(out)["items"]} == {"acknowledged"}
    assert _run(env, "erp", "replay")[0] == 1
    assert json.loads(_run(env, "erp", "replay", "--all", "--json")[1]) == {"replayed": 0}
    code, out = _run(env, "reconcile", "--period", "2026-01", "--as-of", "2026-01-20", "--csv", "r.csv")
    assert (
        code == 2
        and "remittance_without_claim" in out
        and (tmp_path / "r.csv").read_text().startswith("section")
    )
    with engine.connect() as conn:  # the unexplained break past the variance threshold is on the work queue
        raised = conn.execute(
            select(findings.c.summary).where(findings.c.type == "reconciliation_break")
        ).all()
    assert len(raised) == 1 and "remittance_without_claim on 2026-01-19" in raised[0].summary
    code, out = _run(env, "reconcile", "--period", "2026-01", "--as-of", "2026-01-20", "--json")
    assert json.loads(out)["findings_raised"] == 1
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(findings.c.occurrences).where(findings.c.type == "reconciliation_break")
            ).scalar()
            == 2
        )
    code, out = _run(env, "reconcile", "--period", "2026-13")
    assert code == 2 and "YYYY-MM" in out
    assert _run({**env, "REVCYCLE_ERP_ADAPTER": "sap"}, "erp", "build")[0] == 1


def test_serve_runs_the_poster_when_asked(store_url: str, tmp_path: Path) -> None:
    settings = Settings(
        db_url=store_url,
        data_dir=tmp_path,
        mllp_enabled=False,
        worker_mode="thread",
        erp_gl_mapping=write_mapping(tmp_path),
        erp_poster=True,
        erp_poll_seconds=0.05,
        erp_export_dir=tmp_path / "out",
    )
    engine = store_engine(settings)
    upgrade(engine)
    seed(engine)
    engine.dispose()
    with TestClient(create_app(lambda: build(settings))) as client:
        sign_in_as_admin(client)
        deadline = time.monotonic() + 30
        counts: dict[str, int] = {}
        while time.monotonic() < deadline and counts != {"acknowledged": 6}:
            counts = client.get("/api/v1/journals").json()["counts"]
            time.sleep(0.1)
    assert counts == {"acknowledged": 6}
    assert len(list((tmp_path / "out").iterdir())) >= 1
