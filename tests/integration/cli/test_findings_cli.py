"""``revcycle findings`` on SQLite and PostgreSQL: list with filters, show, assign, resolve, ignore,
reopen, comment; refusals exit 2 with a message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from revcycle.adapters.store.engine import make_engine
from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.uow import SqlUnitOfWork
from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.entrypoints.cli import main
from revcycle.service_layer.ports import MessageContext

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def env(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    engine = make_engine(store_url)
    upgrade(engine)
    ctx = MessageContext(correlation_id="c-1", received_at=NOW, now=NOW)
    with SqlUnitOfWork(engine) as uow:
        for n, (kind, payer) in enumerate(
            [(FindingType.DENIAL, "P1"), (FindingType.DENIAL, "P2"), (FindingType.UNDERPAYMENT, "P1")],
            start=1,
        ):
            uow.findings.raise_finding(
                Finding(
                    kind,
                    Severity.HIGH,
                    "claim",
                    f"PCN{n}",
                    f"{kind.value} PCN{n}",
                    f"k{n}",
                    {"payer_id": payer},
                ),
                ctx,
            )
        uow.commit()
    engine.dispose()
    return {"REVCYCLE_DB_URL": store_url, "REVCYCLE_DATA_DIR": str(tmp_path), "USER": "ines"}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["findings", *args], env=env)
    return result.exit_code, result.output


def listed(env: dict[str, str], *args: str) -> list[dict[str, object]]:
    code, out = run(env, "list", "--json", *args)
    assert code == 0, out
    items: list[dict[str, object]] = json.loads(out)["items"]
    return items


def test_list_filters_and_text_output(env: dict[str, str]) -> None:
    assert len(listed(env)) == 3
    assert [f["subject_id"] for f in listed(env, "--type", "denial", "--payer", "P1")] == ["PCN1"]
    code, out = run(env, "list", "--type", "underpayment")
    assert code == 0 and "underpayment PCN3" in out and "1 of 1" in out


def test_assign_resolve_ignore_reopen_comment_and_show(env: dict[str, str]) -> None:
    first, second, third = sorted(int(str(f["id"])) for f in listed(env))
    code, out = run(env, "assign", str(first), str(second), "--to", "billing-team", "--json")
    assert code == 0 and [r["changed"] for r in json.loads(out)["results"]] == [True, True]
    assert {f["id"] for f in listed(env, "--owner", "billing-team")} == {first, second}
    assert run(env, "resolve", str(first), "--note", "appeal won")[0] == 0
    assert run(env, "ignore", str(second))[0] == 0
    assert [f["id"] for f in listed(env)] == [third]  # the default list shows open and in-progress work
    assert {f["id"] for f in listed(env, "--status", "all")} == {first, second, third}
    assert run(env, "reopen", str(second))[0] == 0
    assert run(env, "comment", str(second), "--text", "payer says resubmit")[0] == 0
    code, out = run(env, "show", str(second), "--json")
    shown = json.loads(out)
    assert code == 0 and shown["status"] == "open" and shown["owner"] == "billing-team"
    assert [(h["actor"], h["to_value"]) for h in shown["history"]] == [
        ("ines", "billing-team"),
        ("ines", "ignored"),
        ("ines", "open"),
    ]
    assert shown["comments"][0]["text"] == "payer says resubmit"
    code, out = run(env, "show", str(first))
    assert code == 0 and "ines: status open -> resolved" in out and "owner billing-team" in out


def test_refusals_exit_2_with_a_reason(env: dict[str, str]) -> None:
    first = int(str(listed(env)[0]["id"]))
    assert run(env, "resolve", str(first))[0] == 0
    code, out = run(env, "ignore", str(first))
    assert code == 2 and "cannot move from resolved to ignored" in out
    code, out = run(env, "show", "999999")
    assert code == 2 and "not found" in out
    code, out = run(env, "list", "--severity", "loud")
    assert code == 1 and "unknown severity" in out


def test_ingest_reads_master_data_csv_named_by_kind(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    inbox = tmp_path / "erp"
    inbox.mkdir()
    (inbox / "00000003_2026-01-05_MD_PROVIDER.csv").write_text(
        "npi,name,taxonomy\n1234567893,North Clinic,261QP2300X\n"
    )
    (inbox / "department.csv").write_text("code,name,cost_centre\nCARD,Cardiology,6500\nSURG,Surgery,6700\n")
    (inbox / "notes.csv").write_text(
        "a,b\n1,2\n"
    )  # not a master-data kind: left to the edge, which rejects it
    env = {"REVCYCLE_DB_URL": store_url, "REVCYCLE_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["ingest", str(inbox), "--json"], env=env)
    report = json.loads(result.output)
    assert (
        result.exit_code == 2
        and report["accepted"] == 2
        and [r["file"] for r in report["rejected"]] == ["notes.csv"]
    )
    engine = make_engine(store_url)
    from revcycle.adapters.store.master_data_queries import MasterDataQueries

    loads = MasterDataQueries(engine).loads()
    engine.dispose()
    assert sorted((x["kind"], x["added"], x["source"]) for x in loads) == [
        ("department", 2, "file"),
        ("provider", 1, "file"),
    ]
