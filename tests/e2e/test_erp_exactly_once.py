"""Exactly once to the ERP across a crash: the poster (``revcycle erp post --loop``, a real process)
posts to the ERP emulator (``revcycle erp-emulator``, a real HTTP server) which commits each batch and
then times out; the poster is SIGKILLed mid-batch and restarted. Afterwards the emulator holds each
journal exactly once, our acknowledgments carry its document ids, and every journal balances."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.schema import erp_journal_lines, erp_journals
from revcycle.bootstrap import store_engine
from revcycle.domain import commands as c
from revcycle.settings import Settings
from tests.integration.erp.seed import PATIENT, charge, run, seed, write_mapping

VISITS = 60


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "revcycle.entrypoints.cli", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _emulator(tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    log = tmp_path / "emulator.log"
    process = _start(
        ["erp-emulator", "--port", "0", "--state", str(tmp_path / "erp.jsonl")], dict(os.environ), log
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = re.search(r"listening on (http://\S+)", log.read_text())
        if found:
            return process, found.group(1)
        time.sleep(0.05)
    raise RuntimeError(f"emulator did not start: {log.read_text()}")


def _held(url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/journals", timeout=5).json())


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigkill_mid_batch_while_the_erp_times_out_after_committing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    engine = store_engine(Settings(db_url=db, data_dir=tmp_path))
    upgrade(engine)
    seed(engine)
    visits = [replace(charge("99213", f"{100 + i}.00"), visit_number=f"V{1000 + i}") for i in range(VISITS)]
    run(engine, *(c.CaptureCharges(PATIENT.key, (v,), v.visit_number) for v in visits))
    emulator, url = _emulator(tmp_path)
    env = {
        **os.environ,
        "REVCYCLE_DB_URL": db,
        "REVCYCLE_DATA_DIR": str(tmp_path),
        "REVCYCLE_ERP_GL_MAPPING": str(write_mapping(tmp_path)),
        "REVCYCLE_ERP_SUMMARY_LEVEL": "encounter",
        "REVCYCLE_ERP_ADAPTER": "rest",
        "REVCYCLE_ERP_REST_URL": f"{url}/journals",
        "REVCYCLE_ERP_REST_TIMEOUT": "0.5",
        "REVCYCLE_ERP_BATCH": "10",
        "REVCYCLE_ERP_MAX_ATTEMPTS": "1000",
        "REVCYCLE_ERP_RETRY_BASE_SECONDS": "0.05",
        "REVCYCLE_ERP_RETRY_MAX_SECONDS": "0.2",
        "REVCYCLE_ERP_LEASE_SECONDS": "2",
        "REVCYCLE_ERP_POLL_SECONDS": "0.05",
        "REVCYCLE_LOG_LEVEL": "WARNING",
    }
    poster: subprocess.Popen[bytes] | None = None
    try:
        # The ERP commits every batch, then hangs past the poster's timeout.
        httpx.post(f"{url}/control", json={"mode": "timeout_after_commit", "delay": 5}, timeout=5)
        poster = _start(["erp", "post", "--loop"], env, tmp_path / "poster-1.log")
        _wait(lambda: len(_held(url)["journals"]) >= 20, 60, "the ERP to commit two batches")
        poster.send_signal(signal.SIGKILL)  # mid-batch: a committed batch is waiting for its answer
        poster.wait(10)
        with engine.connect() as conn:
            acknowledged = conn.execute(
                select(func.count()).where(erp_journals.c.status == "acknowledged")
            ).scalar()
            total = conn.execute(select(func.count()).select_from(erp_journals)).scalar()
        assert acknowledged == 0 and total is not None and total > VISITS  # nothing was ever answered
        httpx.post(f"{url}/control", json={"mode": "ok"}, timeout=5)
        poster = _start(["erp", "post", "--loop"], env, tmp_path / "poster-2.log")

        def all_acknowledged() -> bool:
            with engine.connect() as conn:
                return (
                    conn.execute(select(func.count()).where(erp_journals.c.status != "acknowledged")).scalar()
                    == 0
                )

        _wait(all_acknowledged, 60, "every journal to be acknowledged")
        final = _held(url)
        poster.send_signal(signal.SIGTERM)
        poster_exit = poster.wait(20)
    finally:
        if poster is not None and poster.poll() is None:
            poster.kill()
        emulator.send_signal(signal.SIGTERM)
        emulator.wait(10)

    held = final["journals"]
    assert [j["key"] for j in _held_from_state(tmp_path / "erp.jsonl")] == [j["key"] for j in held]
    with engine.connect() as conn:
        ours = {
            r.key: r.document_id for r in conn.execute(select(erp_journals.c.key, erp_journals.c.document_id))
        }
        sums = conn.execute(
            select(
                erp_journals.c.key,
                erp_journals.c.debit_total,
                func.sum(erp_journal_lines.c.debit),
                func.sum(erp_journal_lines.c.credit),
            )
            .join(erp_journal_lines, erp_journal_lines.c.journal_id == erp_journals.c.id)
            .group_by(erp_journals.c.key, erp_journals.c.debit_total)
        ).all()
    keys = [j["key"] for j in held]
    assert len(keys) == len(set(keys)) == len(ours)  # each journal exactly once at the ERP
    assert {j["key"]: j["document_id"] for j in held} == ours
    for journal in held:
        debit = sum(Decimal(line["debit"]) for line in journal["lines"])
        credit = sum(Decimal(line["credit"]) for line in journal["lines"])
        assert debit == credit == Decimal(journal["debit_total"]) > 0
    assert all(total == debit == credit for _, total, debit, credit in sums)
    resent = [k for k, n in final["received"].items() if n > 1]
    assert len(resent) >= 20, "the committed-but-unanswered batches were sent again, and kept once"
    assert poster_exit == 0


def _held_from_state(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
