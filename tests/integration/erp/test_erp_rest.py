"""The REST ERP adapter against the ERP emulator, a real HTTP server on loopback: idempotent by key,
document ids recorded, outages retried, a timeout after the ERP committed posts exactly once, auth and
payload mapping."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from revcycle.adapters.erp.rest import PayloadMapping, RestErp, read_token
from revcycle.adapters.store.schema import erp_journals
from revcycle.bootstrap import build_erp
from revcycle.domain.erp_payload import ErpJournal, ErpLine
from revcycle.service_layer.erp_ports import ErpRejected, ErpUnavailable
from revcycle.settings import Settings
from tests.integration.erp.emulator import control, running_emulator
from tests.integration.erp.seed import NOW, seed, write_mapping

TOKEN = "s3cret-token"


def _journal(key: str, debit: str = "5.00", credit: str = "5.00") -> ErpJournal:
    lines = (ErpLine(1, "1200", debit, "0.00"), ErpLine(2, "4000", "0.00", credit))
    return ErpJournal(key, "charge", "2026-01-05", "2026-01", "USD", "LE", debit, debit, lines)


@pytest.fixture
def emulator() -> Iterator[str]:
    with running_emulator(TOKEN) as server:
        yield server.url


def _held(url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/journals", headers={"Authorization": f"Bearer {TOKEN}"}).json())


def test_the_emulator_accepts_journals_once_per_key_and_returns_document_ids(emulator: str) -> None:
    erp = RestErp(f"{emulator}/journals", token=TOKEN, timeout=5)
    first = erp.post([_journal("k1"), _journal("k2")])
    again = erp.post([_journal("k2"), _journal("k3")])
    assert [a.key for a in first] == ["k1", "k2"] and first[1].document_id == again[0].document_id
    held = _held(emulator)
    assert len(held["journals"]) == 3 and held["received"] == {"k1": 1, "k2": 2, "k3": 1}


def test_errors_are_transient_or_permanent(emulator: str, tmp_path: Path) -> None:
    erp = RestErp(f"{emulator}/journals", token=TOKEN, timeout=5)
    control(emulator, TOKEN, mode="fail", count=1)
    with pytest.raises(ErpUnavailable, match="503"):
        erp.post([_journal("k1")])
    assert erp.post([_journal("k1")])[0].key == "k1"  # the failure was counted once
    with pytest.raises(ErpRejected, match="401"):
        RestErp(f"{emulator}/journals", token="wrong", timeout=5).post([_journal("k1")])
    with pytest.raises(ErpRejected, match="422"):
        erp.post(
            [
                ErpJournal.from_dict(
                    _journal("bad").to_dict()
                    | {
                        "lines": [
                            {"line": 1, "account": "1", "debit": "5.00", "credit": "0.00"},
                            {"line": 2, "account": "2", "debit": "0.00", "credit": "4.00"},
                        ]
                    }
                )
            ]
        )
    with pytest.raises(ErpUnavailable, match="could not be reached"):
        RestErp("http://127.0.0.1:9/journals", timeout=1).post([_journal("k1")])
    control(emulator, TOKEN, mode="slow", delay=0.3, count=1)
    assert RestErp(f"{emulator}/journals", token=TOKEN, timeout=5).post([_journal("k9")])[0].key == "k9"


def test_a_timeout_after_the_erp_committed_is_retried_and_posted_exactly_once(emulator: str) -> None:
    control(emulator, TOKEN, mode="timeout_after_commit", delay=1.5, count=1)
    erp = RestErp(f"{emulator}/journals", token=TOKEN, timeout=0.5)
    with pytest.raises(ErpUnavailable, match="in time"):
        erp.post([_journal("k1")])
    deadline = time.monotonic() + 10
    while _held(emulator)["received"] != {"k1": 1} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _held(emulator)["received"] == {"k1": 1}  # committed although we never heard back
    [ack] = erp.post([_journal("k1")])
    held = _held(emulator)
    assert ack.document_id == held["journals"][0]["document_id"] and len(held["journals"]) == 1


def test_payload_mapping_and_token_sources(emulator: str, tmp_path: Path) -> None:
    mapping_file = tmp_path / "map.toml"
    mapping_file.write_text('[journal]\nposting_date = "postingDate"\n[line]\naccount = "glAccount"\n')
    mapping = PayloadMapping.load(mapping_file)
    body = mapping.body([_journal("k1")])
    assert (
        body["journals"][0]["postingDate"] == "2026-01-05"
        and body["journals"][0]["lines"][0]["glAccount"] == "1200"
    )
    RestErp(f"{emulator}/journals", token=TOKEN, mapping=mapping, timeout=5).post([_journal("k1")])
    assert _held(emulator)["journals"][0]["postingDate"] == "2026-01-05"
    (tmp_path / "token").write_text(TOKEN + "\n")
    assert read_token(None, tmp_path / "token", {}) == TOKEN
    assert read_token("ERP_TOKEN", None, {"ERP_TOKEN": "abc"}) == "abc"
    bad = tmp_path / "bad.toml"
    bad.write_text('colour = "red"\n')
    with pytest.raises(ValueError, match="unknown payload mapping key"):
        PayloadMapping.load(bad)


def test_posting_from_the_store_through_rest_survives_outages_and_timeouts(
    engine: Engine, emulator: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(engine)
    monkeypatch.setenv("ERP_TEST_TOKEN", TOKEN)
    settings = Settings(
        db_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        erp_gl_mapping=write_mapping(tmp_path),
        erp_adapter="rest",
        erp_rest_url=f"{emulator}/journals",
        erp_rest_token_env="ERP_TEST_TOKEN",
        erp_rest_timeout=0.5,
        erp_retry_base_seconds=0.01,
        erp_batch=4,
    )
    parts = build_erp(settings, engine)
    parts.builder.run_once(NOW)
    control(emulator, TOKEN, mode="fail", count=1)
    assert parts.poster.run_once(NOW).retried == 4
    control(emulator, TOKEN, mode="timeout_after_commit", delay=1.5, count=1)
    later = NOW + timedelta(seconds=5)
    assert parts.poster.run_once(later).retried == 4  # the ERP committed; we timed out
    for round_ in range(20):  # until acknowledged (a loaded machine may time out more than once)
        if parts.poster.run_once(later + timedelta(seconds=10 * (round_ + 1))).sent == 0:
            break
    with engine.connect() as conn:
        rows = conn.execute(
            select(erp_journals.c.key, erp_journals.c.status, erp_journals.c.document_id)
        ).all()
    held = _held(emulator)
    assert {r.status for r in rows} == {"acknowledged"}
    documents = {j["key"]: j["document_id"] for j in held["journals"]}
    assert documents == {r.key: r.document_id for r in rows}  # each journal once, our ids are the ERP's
    assert max(held["received"].values()) >= 2  # the timed-out batch arrived again, and was kept once
