"""Journal building and posting on a real store (SQLite and PostgreSQL): balanced journals from the
stored transactions, quarantine and release, file export, acknowledgments, dead letters and replay."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from revcycle.adapters.erp.file_export import FileExportErp
from revcycle.adapters.store.erp_ledger import JOURNAL_TOPIC, SqlLedgerSession
from revcycle.adapters.store.schema import (
    charges,
    erp_items,
    erp_journal_lines,
    erp_journals,
    findings,
    outbox,
)
from revcycle.bootstrap import build_erp
from revcycle.domain import commands as c
from revcycle.service_layer.erp_ports import ErpUnavailable
from revcycle.settings import Settings
from tests.integration.erp.seed import NOW, PATIENT, PHI, charge, run, seed, write_mapping

D = Decimal


def _settings(engine: Engine, tmp_path: Path, **kw: object) -> Settings:
    return Settings(db_url=str(engine.url.render_as_string(hide_password=False)), data_dir=tmp_path, **kw)  # type: ignore[arg-type]


def _journals(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(erp_journals).order_by(erp_journals.c.id)).mappings().all()
        return [dict(r) for r in rows]


def test_transactions_become_balanced_daily_journals_in_the_outbox(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    parts = build_erp(_settings(engine, tmp_path, erp_gl_mapping=write_mapping(tmp_path)), engine)
    report = parts.builder.run_once(NOW)
    # charges 2, payment: paid + contractual + patient responsibility, unmatched payment, patient payment
    assert (report.items, report.quarantined) == (7, 0)
    journals = _journals(engine)
    by_kind = {j["kind"]: j for j in journals}
    assert set(by_kind) == {
        "charge",
        "payer_payment",
        "contractual_adjustment",
        "patient_responsibility",
        "patient_payment",
    }
    assert by_kind["charge"]["debit_total"] == by_kind["charge"]["credit_total"] == D("300.00")
    # the claim's payment (facility HOSP from the billing NPI) and the unmatched one (no facility)
    payer = sorted(
        (j["facility_code"] or "", j["debit_total"]) for j in journals if j["kind"] == "payer_payment"
    )
    assert payer == [("", D("10.00")), ("HOSP", D("180.00"))]
    assert by_kind["charge"]["facility_code"] == "HOSP" and by_kind["charge"]["payer_class"] == "commercial"
    assert (
        by_kind["charge"]["service_line"] == "emergency"
        and str(by_kind["charge"]["posting_date"]) == "2026-01-12"
    )
    with engine.connect() as conn:
        for journal in _journals(engine):
            sums = conn.execute(
                select(func.sum(erp_journal_lines.c.debit), func.sum(erp_journal_lines.c.credit)).where(
                    erp_journal_lines.c.journal_id == journal["id"]
                )
            ).one()
            assert sums[0] == sums[1] == journal["debit_total"]
        lines = conn.execute(select(erp_journal_lines.c.account, erp_journal_lines.c.cost_centre)).all()
        assert ("4000", "CC-ED") in lines
        rows = conn.execute(
            select(outbox.c.key, outbox.c.payload).where(outbox.c.topic == JOURNAL_TOPIC)
        ).all()
        assert len(rows) == 6 and {r.key for r in rows} == {j["key"] for j in _journals(engine)}
        assert conn.execute(select(func.count()).where(erp_items.c.status != "journalled")).scalar() == 0
    text = json.dumps([r.payload for r in rows]).lower()
    assert not [value for value in PHI if value.lower() in text]
    again = parts.builder.run_once(NOW)
    assert (again.items, again.journals) == (0, 0)


def test_encounter_level_makes_a_journal_per_encounter(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    settings = _settings(
        engine, tmp_path, erp_gl_mapping=write_mapping(tmp_path), erp_summary_level="encounter"
    )
    build_erp(settings, engine).builder.run_once(NOW)
    payer = [j for j in _journals(engine) if j["kind"] == "payer_payment"]
    assert sorted(j["debit_total"] for j in payer) == [
        D("10.00"),
        D("180.00"),
    ]  # the claim, the unmatched one
    assert all(str(j["key"]).startswith("enc-") for j in payer)


def test_unmapped_transactions_are_quarantined_and_released_when_the_mapping_is_fixed(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine)
    partial = build_erp(
        _settings(engine, tmp_path, erp_gl_mapping=write_mapping(tmp_path, complete=False)), engine
    )
    first = partial.builder.run_once(NOW)
    assert first.quarantined == 1 and "patient_responsibility" in first.gaps[0]
    assert "patient_responsibility" not in {j["kind"] for j in _journals(engine)}
    with engine.connect() as conn:
        finding = conn.execute(select(findings).where(findings.c.type == "gl_unmapped")).mappings().one()
    assert (
        finding["status"] == "open" and "no GL debit/credit for patient_responsibility" in finding["summary"]
    )
    assert partial.builder.run_once(NOW).quarantined == 1  # still held, nothing posted
    fixed = build_erp(_settings(engine, tmp_path, erp_gl_mapping=write_mapping(tmp_path)), engine)
    released = fixed.builder.run_once(NOW + timedelta(minutes=1))
    assert (released.released, released.quarantined, released.journals) == (1, 0, 1)
    assert "patient_responsibility" in {j["kind"] for j in _journals(engine)}
    with engine.connect() as conn:
        status = conn.execute(select(findings.c.status).where(findings.c.type == "gl_unmapped")).scalar_one()
    assert status == "resolved"


def test_file_export_posts_one_atomic_file_per_batch_and_records_acknowledgments(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine)
    out = tmp_path / "export"
    for fmt in ("json", "csv"):
        settings = _settings(
            engine,
            tmp_path,
            erp_gl_mapping=write_mapping(tmp_path),
            erp_export_dir=out / fmt,
            erp_export_format=fmt,
            erp_batch=3,
        )
        parts = build_erp(settings, engine)
        parts.builder.run_once(NOW)
        if fmt == "csv":
            parts.outbox.replay(NOW, [])  # nothing dead: replays nothing
            with engine.begin() as conn:  # post everything again as CSV
                conn.execute(outbox.update().values(status="pending", next_attempt_at=NOW))
        sent = [parts.poster.run_once(NOW), parts.poster.run_once(NOW)]
        assert [r.acknowledged for r in sent] == [3, 3]
        files = sorted((out / fmt).iterdir())
        assert len(files) == 2 and all(f.suffix == f".{fmt}" for f in files)  # no temp files left
    journals = _journals(engine)
    assert all(j["status"] == "acknowledged" and j["document_id"] for j in journals)
    exported = json.loads(sorted((out / "json").iterdir())[0].read_text())["journals"]
    assert {j["key"] for j in exported} <= {j["key"] for j in journals}
    rows = list(csv.DictReader(sorted((out / "csv").iterdir())[0].open()))
    assert rows and {"key", "account", "debit", "credit", "cost_centre"} <= set(rows[0])
    text = "".join(f.read_text() for f in (out / "json").iterdir()).lower()
    assert not [value for value in PHI if value.lower() in text]


class _Down:
    name = "down"

    def post(self, journals: object) -> list[object]:
        raise ErpUnavailable("the ERP is down")


def test_an_erp_outage_dead_letters_after_n_attempts_and_replay_posts_them(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine)
    settings = _settings(
        engine,
        tmp_path,
        erp_gl_mapping=write_mapping(tmp_path),
        erp_max_attempts=2,
        erp_retry_base_seconds=0.001,
        erp_export_dir=tmp_path / "out",
    )
    down = build_erp(settings, engine, gateway=_Down())  # type: ignore[arg-type]
    down.builder.run_once(NOW)
    assert down.poster.run_once(NOW).retried == 6
    assert down.poster.run_once(NOW + timedelta(seconds=1)).dead == 6
    assert {j["status"] for j in _journals(engine)} == {"dead"}
    assert all("the ERP is down (after 2 attempts)" in str(j["error"]) for j in _journals(engine))
    up = build_erp(settings, engine, gateway=FileExportErp(tmp_path / "out"))
    assert up.poster.run_once(NOW).sent == 0
    assert up.outbox.replay(NOW, [str(_journals(engine)[0]["key"])]) == 1
    assert up.poster.run_once(NOW).acknowledged == 1
    assert up.outbox.replay(NOW, []) == 5
    assert up.poster.run_once(NOW).acknowledged == 5
    assert {j["status"] for j in _journals(engine)} == {"acknowledged"}


def test_an_erp_outage_never_holds_up_ingestion(engine: Engine, tmp_path: Path) -> None:
    """The ERP is down and the poster keeps failing; messages are still applied and journalled, and
    everything posts once the ERP is back."""
    settings = _settings(
        engine, tmp_path, erp_gl_mapping=write_mapping(tmp_path), erp_retry_base_seconds=0.001
    )
    down = build_erp(settings, engine, gateway=_Down())  # type: ignore[arg-type]
    seed(engine)
    down.builder.run_once(NOW)
    assert down.poster.run_once(NOW).retried == 6
    run(engine, c.CaptureCharges(PATIENT.key, (charge("99285", "400.00"),), "V1"))  # still applied
    assert down.builder.run_once(NOW + timedelta(seconds=1)).journals == 1  # and journalled
    up = build_erp(settings, engine, gateway=FileExportErp(tmp_path / "out"))
    assert up.poster.run_once(NOW + timedelta(seconds=5)).acknowledged == 7


def test_a_sweep_itemises_a_row_taken_without_its_items(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    parts = build_erp(_settings(engine, tmp_path, erp_gl_mapping=write_mapping(tmp_path)), engine)
    parts.builder.run_once(NOW)
    run(engine, c.CaptureCharges(PATIENT.key, (charge("99285", "400.00"),), "V1"))
    with engine.begin() as conn:  # as if skipped by the id cursor of before migration 0009
        conn.execute(charges.update().where(charges.c.erp_pending).values(erp_pending=False))
    assert parts.builder.run_once(NOW).items == 0
    parts.builder.ledger = lambda: SqlLedgerSession(engine, sweep=True)
    swept = parts.builder.run_once(NOW)
    assert (swept.items, swept.journals) == (1, 1)
    assert parts.builder.run_once(NOW).items == 0  # nothing itemised twice


def test_a_facility_sent_as_free_text_is_quarantined_and_the_rest_posts(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine)
    odd = replace(charge("99285", "400.00"), facility_code="Main Campus")
    run(engine, c.CaptureCharges(PATIENT.key, (odd,), "V1"))
    parts = build_erp(_settings(engine, tmp_path, erp_gl_mapping=write_mapping(tmp_path)), engine)
    report = parts.builder.run_once(NOW)
    assert report.quarantined == 1 and report.gaps == (
        "facility is not a code the ERP payload can carry (letters, digits, _.:/-)",
    )
    assert report.journals == 6
    with engine.connect() as conn:
        summary = conn.execute(
            select(findings.c.summary).where(findings.c.type == "gl_unmapped")
        ).scalar_one()
    assert "Main Campus" not in summary
