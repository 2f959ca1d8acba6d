"""The console's figures over a real store (SQLite and PostgreSQL), against hand-computed answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from revcycle.adapters.metrics import Backlog
from revcycle.adapters.store.console_queries import ConsoleQueries
from revcycle.adapters.store.encrypted import blind_index
from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.revenue_queries import RevenueFilter, RevenueQueries
from revcycle.adapters.store.schema import claim_events, patients
from revcycle.bootstrap import store_engine
from revcycle.service_layer.console import ConsoleService, revenue_csv
from revcycle.settings import Settings
from tests.integration.alerts import seed

NOVEMBER = RevenueFilter(date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def engine(store_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = store_engine(Settings(db_url=store_url, data_dir=tmp_path))  # with the PHI key ring
    upgrade(engine)
    a = seed.claim(engine, payer="P1", status="paid")
    seed.payment(engine, a, payer="P1", status_code="4")  # denied first ...
    seed.payment(engine, a, payer="P1", status_code="1")  # ... paid on appeal
    b = seed.claim(engine, payer="P1", status="denied")
    seed.payment(engine, b, payer="P1", status_code="4")
    c = seed.claim(engine, payer="P2", status="paid", facility="F2")
    seed.payment(engine, c, payer="P2", status_code="1")
    d = seed.claim(engine, payer="P2", status="submitted")
    with engine.begin() as conn:
        conn.execute(
            insert(claim_events).values(
                claim_id=d,
                at=seed.NOW,
                kind="transition",
                from_status="submitted",
                to_status="rejected",
                detail={},
            )
        )
        conn.execute(
            insert(patients).values(
                patient_key="MRN-1",
                account="ACC-77",
                account_index=blind_index(engine.dialect, "ACC-77", "patients.account"),
                data={},
                coverages=[],
                updated_at=seed.NOW,
            )
        )
    seed.encounter(engine, "V1", datetime(2026, 11, 22, 15, tzinfo=UTC))
    seed.charge(engine, "V1", service_date=date(2026, 11, 22), department="CARD")
    seed.message(engine, "adt", seed.NOW, control_id="MSG-42")
    yield engine
    engine.dispose()


def test_rates_and_totals(engine: Engine) -> None:
    totals = RevenueQueries(engine).revenue_totals(NOVEMBER)
    assert (
        totals["claims_submitted"] == 4 and totals["claims_adjudicated"] == 3 and totals["claims_denied"] == 1
    )
    assert (totals["first_adjudicated"], totals["first_denied"]) == (3, 2)
    assert totals["claims_rejected"] == 1
    assert totals["payments"] == Decimal("160.00") and totals["payment_count"] == 4
    assert totals["charges"] == Decimal("50.00")
    assert totals["cycle_days"] == pytest.approx(3.0)


def test_service_turns_counts_into_kpis_and_csv(engine: Engine) -> None:
    service = ConsoleService(
        ConsoleQueries(engine), RevenueQueries(engine), lambda: Backlog(0, 0.0, 0), lambda: {}
    )
    result = service.revenue(NOVEMBER, "payer")
    k = result.kpis
    assert (
        k["initial_denial_rate"] == 66.7 and k["final_denial_rate"] == 33.3 and k["clean_claim_rate"] == 75.0
    )
    assert k["ar_balance"] == Decimal("400.00") and result.aging["0-30"] == Decimal("400.00")
    assert k["days_in_ar"] == pytest.approx(float(Decimal("400") / (Decimal("50") / 90)), rel=1e-3)
    assert result.dnfb == {"encounters": 1, "amount": Decimal("50.00")}
    by_payer = {row["key"]: row for row in result.breakdown}
    assert by_payer["P1"]["claims"] == 2 and by_payer["P1"]["denied"] == 1
    assert result.trend["2026-11-23"]["payments"] == Decimal("160.00")
    assert result.trend["2026-11-22"]["charges"] == Decimal("50.00")
    text = revenue_csv(result)
    assert "kpi,initial_denial_rate,66.7" in text and "\nP1,2," in text.replace("\r\n", "\n")


def test_filters_change_the_figures(engine: Engine) -> None:
    q = RevenueQueries(engine)
    p2 = q.revenue_totals(RevenueFilter(NOVEMBER.start, NOVEMBER.end, payer="P2"))
    assert p2["claims_submitted"] == 2 and p2["payments"] == Decimal("80.00") and p2["first_denied"] == 0
    f2 = q.revenue_totals(RevenueFilter(NOVEMBER.start, NOVEMBER.end, facility="F2"))
    assert f2["claims_submitted"] == 1 and f2["payment_count"] == 1
    october = q.revenue_totals(RevenueFilter(date(2026, 10, 1), date(2026, 10, 31)))
    assert october["claims_submitted"] == 0 and october["payments"] == Decimal("0.00")
    lines = q.breakdown(RevenueFilter(NOVEMBER.start, NOVEMBER.end, service_line="CARD"), "service_line")
    assert [(row["key"], row["lines"], Decimal(row["charges"])) for row in lines] == [
        ("CARD", 1, Decimal(50))
    ]
    assert q.dnfb(RevenueFilter(NOVEMBER.start, NOVEMBER.end, facility="F9"))["encounters"] == 0


def test_search_finds_claims_accounts_and_messages(engine: Engine) -> None:
    search = ConsoleQueries(engine).search
    assert [h["kind"] for h in search("PCN0")] == ["claim"]
    assert [h["kind"] for h in search("ACC-77")] == ["patient"]
    assert [h["kind"] for h in search("MSG-42")] == ["message"]
    assert search("nothing-like-this") == []


def test_patient_billing_page_data(engine: Engine) -> None:
    queries = ConsoleQueries(engine)
    patient_id = queries.search("ACC-77")[0]["id"]
    found = queries.patient(patient_id)
    assert found is not None and found["account"] == "ACC-77"
    assert len(found["claims"]) == 4 and len(found["payments"]) == 4 and len(found["charges"]) == 1
    assert found["balance"]["insurance"] == Decimal("400.00")
    assert queries.party("facility", "F2", date(2026, 1, 1))["claims"] == 1
