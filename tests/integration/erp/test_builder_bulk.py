"""The builder's bulk writes on a real store (SQLite and PostgreSQL): a journal's many items are linked
to it by IN list, a journal's few item by item, each item to its own journal, at both levels; the
acknowledgment of a batch records every journal's document id and time."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from revcycle.adapters.store.schema import erp_items, erp_journals
from revcycle.bootstrap import build_erp
from revcycle.domain import commands as c
from revcycle.domain.remittances import AdjustmentGroup, Remittance
from revcycle.settings import Settings
from tests.integration.erp.seed import NOW, PATIENT, charge, claim, payment, run, seed, write_mapping

D = Decimal
DAY = date(2026, 1, 12)


@pytest.mark.parametrize("level", ["daily", "encounter"])
def test_every_item_is_linked_to_the_journal_that_summarises_it(
    engine: Engine, tmp_path: Path, level: str
) -> None:
    seed(engine)  # a patient, a claim PCN1 paid, a patient payment, two charges
    co, pr = AdjustmentGroup.CONTRACTUAL, AdjustmentGroup.PATIENT_RESPONSIBILITY
    run(
        engine,
        c.CaptureCharges(PATIENT.key, tuple(charge("99213", f"{100 + n}.00") for n in range(11)), "V1"),
        *(c.SubmitClaim(claim(f"PCN-B{n}", ("99213", "150.00")), None) for n in range(3)),
        c.RecordRemittance(
            Remittance(
                "TRC-B",
                "PAY1",
                D("240.00"),
                payment_date=DAY,
                claims=tuple(
                    payment(f"PCN-B{n}", "1", "80.00", (co, "50.00"), (pr, "20.00")) for n in range(3)
                ),
            )
        ),
    )
    settings = Settings(
        db_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        erp_gl_mapping=write_mapping(tmp_path),
        erp_summary_level=level,  # type: ignore[arg-type]
        erp_export_dir=tmp_path / "export",
    )
    parts = build_erp(settings, engine)
    report = parts.builder.run_once(NOW)
    assert report.quarantined == 0 and report.items == 7 + 11 + 3 * 3
    i, j = erp_items.c, erp_journals.c
    with engine.connect() as conn:
        items = conn.execute(select(i.id, i.status, i.journal_id, i.transaction_type)).all()
        journals = {int(r.id): r for r in conn.execute(select(j.id, j.kind, j.item_count, j.level))}
    assert {r.status for r in items} == {"journalled"}
    linked: dict[int, int] = {}
    for item in items:
        assert journals[item.journal_id].kind == item.transaction_type  # no reversals here
        linked[item.journal_id] = linked.get(item.journal_id, 0) + 1
    assert linked == {jid: r.item_count for jid, r in journals.items()}
    sizes = sorted(linked.values())
    assert sizes[0] < 8 <= sizes[-1]  # the visit's charges linked by IN list, the others one by one
    later = NOW + timedelta(minutes=3)
    while parts.poster.run_once(later).sent:
        pass
    with engine.connect() as conn:
        acked = conn.execute(select(j.status, j.document_id, j.acknowledged_at, j.attempts)).all()
    assert len(acked) == len(journals)
    for status, document_id, at, attempts in acked:
        assert (status, attempts) == ("acknowledged", 1) and document_id
        assert at.replace(tzinfo=later.tzinfo) == later
