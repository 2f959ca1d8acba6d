"""The console's figures read from the daily rollups equal the direct queries over the live tables
(``direct_queries.py``: the queries as they were before the rollups), on SQLite and PostgreSQL, for
every filter, across the split between rolled-up and live days, after late changes to old days (read
live until the refresh, then from the rollups again), and the refresh recomputes only what changed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.revenue_queries import RevenueFilter, RevenueQueries
from revcycle.adapters.store.rollups import RollupRefresher
from revcycle.adapters.store.schema import claim_events, claims, encounters, rollup_claims
from revcycle.bootstrap import store_engine
from revcycle.settings import Settings
from tests.integration.console import simulated
from tests.integration.console.direct_queries import DirectQueries

T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)  # the simulated rows' time stamps
T1 = T0 + timedelta(hours=1)  # the late changes'
FILTERS = [
    {},
    {"payer": "P1"},
    {"facility": "F2"},
    {"provider": simulated.NPIS[0]},
    {"service_line": "CARD"},
    {"payer": "P2", "service_line": "LAB"},
    {"facility": "F1", "provider": simulated.NPIS[1]},
    {"payer": "P3", "facility": "F2"},
]
RANGES = [
    (date(2026, 10, 1), date(2026, 11, 30)),
    (date(2026, 10, 20), date(2026, 11, 5)),
    (date(2026, 11, 3),) * 2,
]


@pytest.fixture
def engine(store_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = store_engine(Settings(db_url=store_url, data_dir=tmp_path))
    upgrade(engine)
    simulated.fill(engine, T0 - timedelta(hours=2))
    yield engine
    engine.dispose()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value


def figures(q: RevenueQueries | DirectQueries, f: RevenueFilter) -> dict[str, Any]:
    totals = q.revenue_totals(f)
    if totals["cycle_days"] is not None:
        totals["cycle_days"] = round(totals["cycle_days"], 9)
    return {
        "totals": totals,
        "trend": q.daily_trend(f),
        "receivables": q.receivables(f, f.end),
        "dnfb": q.dnfb(f),
        **{
            f"by {by}": {row["key"]: {k: _plain(v) for k, v in row.items()} for row in q.breakdown(f, by)}
            for by in ("payer", "facility", "provider", "service_line")
        },
    }


def assert_same(engine: Engine, rollups: RevenueQueries) -> None:
    direct = DirectQueries(engine)
    for start, end in RANGES:
        for dims in FILTERS:
            f = RevenueFilter(start, end, **dims)
            assert figures(rollups, f) == figures(direct, f), f
        rows = [
            row
            for by in ("payer", "service_line")
            for row in rollups.breakdown(RevenueFilter(start, end), by)
        ]
        counts = [row[n] for row in rows for n in ("claims", "lines", "adjudicated", "denied") if n in row]
        assert all(type(n) is int for n in counts)  # as the pages' templates compute with them
    since = date(2026, 10, 15)
    for kind, code in [("provider", n) for n in simulated.NPIS] + [("facility", "F1"), ("facility", "F2")]:
        assert rollups.party(kind, code, since) == direct.party(kind, code, since)


def refresher(engine: Engine, at: datetime) -> RollupRefresher:
    return RollupRefresher(engine, clock=lambda: at)


def test_rollups_equal_the_direct_queries(engine: Engine) -> None:
    before = RevenueQueries(engine, live_from=lambda: date(2026, 12, 1))
    assert before.coverage().cut == date.min  # never refreshed: everything is read live
    assert_same(engine, before)
    report = refresher(engine, T0).refresh()
    assert report.full and report.service_days >= 55 and report.payment_days > 40
    rolled = RevenueQueries(engine, live_from=lambda: date(2026, 12, 1))
    coverage = rolled.coverage()
    assert coverage.cut == date(2026, 12, 1) and not coverage.claim_days  # the rollups answer for autumn
    assert_same(engine, rolled)
    assert_same(engine, RevenueQueries(engine))  # no day forced live: every day from the rollups


@pytest.mark.parametrize("today", [date(2026, 10, 20), date(2026, 11, 3), date(2026, 11, 30)])
def test_rolled_up_days_and_live_days_add_up(engine: Engine, today: date) -> None:
    refresher(engine, T0).refresh()
    queries = RevenueQueries(engine, live_from=lambda: today)
    assert queries.coverage().cut == today
    assert_same(engine, queries)


def _late_changes(engine: Engine) -> dict[str, Any]:
    """A late payment and a denial on old service dates, a claim moved to another day, a late charge,
    a rejection, a discharge, and a claim billing a visit that was not final billed."""
    rng = random.Random(11)
    c = claims.c
    with engine.connect() as conn:
        waiting = conn.execute(
            select(c.id, c.payer_id, c.service_date)
            .where(c.status == "submitted", c.service_date < date(2026, 10, 20))
            .order_by(c.id)
        ).all()
        open_visit = conn.execute(
            select(encounters.c.id, encounters.c.patient_key).where(encounters.c.status == "admitted")
        ).first()
    late, denied, moved = waiting[0], waiting[1], waiting[2]
    simulated.add_payment(engine, late.id, late.payer_id, date(2026, 11, 2), "1", Decimal("77.70"), T1)
    simulated.add_payment(engine, denied.id, "P2", date(2026, 10, 25), "4", Decimal(0), T1)
    with for_writing(engine).begin() as conn:
        conn.execute(update(claims).where(c.id == denied.id).values(status="denied", updated_at=T1))
        conn.execute(
            update(claims)
            .where(c.id == moved.id)
            .values(service_date=date(2026, 11, 14), status="accepted", updated_at=T1)
        )
        conn.execute(
            insert(claim_events).values(
                claim_id=late.id, at=T1, kind="transition", to_status="rejected", detail={}
            )
        )
        if open_visit is not None:
            conn.execute(
                update(encounters)
                .where(encounters.c.id == open_visit.id)
                .values(
                    status="discharged", discharged_at=datetime(2026, 11, 9, 10, tzinfo=UTC), updated_at=T1
                )
            )
    simulated.add_charge(engine, rng, "MRN3", date(2026, 10, 7), T1)
    simulated.add_claim(
        engine, simulated.claim_row(rng, 999, T1, patient_key="MRN4", service_date=date(2026, 11, 8))
    )
    return {"moved_from": moved.service_date, "late_claim_day": late.service_date}


def _mark(engine: Engine, day: date) -> None:
    """Add 1000 claims to one day's rollup (no store change: only a read of that rollup shows it)."""
    with for_writing(engine).begin() as conn:
        conn.execute(
            update(rollup_claims)
            .where(rollup_claims.c.day == day)
            .values(claims=rollup_claims.c.claims + 1000)
        )


def test_late_changes_are_read_live_until_the_incremental_refresh_rolls_them_up(engine: Engine) -> None:
    refresher(engine, T0).refresh()
    queries = RevenueQueries(engine, live_from=lambda: date(2026, 12, 1))
    autumn = RevenueFilter(date(2026, 10, 1), date(2026, 11, 30))
    paid_before = queries.revenue_totals(autumn)["payments"]
    untouched, moved_to = date(2026, 11, 27), date(2026, 11, 14)
    _mark(engine, untouched)  # the pages read the rollups: the mark shows
    assert queries.breakdown(autumn, "payer") != DirectQueries(engine).breakdown(autumn, "payer")
    changed = _late_changes(engine)
    # the changed days are read live at once (a late payment on an old service date included) ...
    coverage = queries.coverage()
    assert {changed["late_claim_day"], changed["moved_from"], moved_to} <= coverage.claim_days
    assert untouched not in coverage.claim_days and date(2026, 11, 2) in coverage.payment_days
    assert queries.revenue_totals(autumn)["payments"] == paid_before + Decimal("77.70")
    assert queries.revenue_totals(autumn) == DirectQueries(engine).revenue_totals(autumn)
    # ... until the incremental refresh has recomputed them (and nothing else: the mark stays)
    report = refresher(engine, T1 + timedelta(minutes=5)).refresh()  # past the overlap
    assert not report.full
    assert 3 <= report.service_days <= 6 and report.payment_days <= 6 and report.claims == 3
    after = queries.coverage()
    assert not after.claim_days and not after.payment_days and not after.visits
    with engine.connect() as conn:
        marked = conn.execute(
            select(rollup_claims.c.claims).where(rollup_claims.c.day == untouched, rollup_claims.c.grain == 1)
        ).scalar()
    assert marked is not None and marked > 1000
    # a full refresh recomputes every day (it undoes the mark); the figures equal the direct ones
    assert refresher(engine, T1 + timedelta(minutes=6)).refresh(full=True).full
    assert_same(engine, queries)
    # nothing changed since: the next refresh recomputes nothing
    quiet = refresher(engine, T1 + timedelta(minutes=10)).refresh()
    assert (quiet.service_days, quiet.payment_days, quiet.encounters, quiet.claims) == (0, 0, 0, 0)


def test_figures_equal_the_direct_ones_before_and_after_the_incremental_refresh(engine: Engine) -> None:
    refresher(engine, T0).refresh()
    _late_changes(engine)
    assert_same(engine, RevenueQueries(engine, live_from=lambda: date(2026, 12, 1)))
    refresher(engine, T1 + timedelta(minutes=1)).refresh()
    assert_same(engine, RevenueQueries(engine, live_from=lambda: date(2026, 12, 1)))
    assert_same(engine, RevenueQueries(engine, live_from=lambda: date(2026, 11, 3)))


def test_a_range_with_many_changed_days_reads_the_rollups_for_them() -> None:
    from revcycle.adapters.store.rollup_reads import MAX_LIVE_DAYS, Coverage

    days = frozenset(date(2026, 9, 1) + timedelta(days=n) for n in range(MAX_LIVE_DAYS + 1))
    autumn = RevenueFilter(date(2026, 9, 1), date(2026, 12, 31))
    assert Coverage.changed(days, autumn) == []  # more than the cap: one refresh behind at most
    october = RevenueFilter(date(2026, 10, 1), date(2026, 10, 31))
    assert Coverage.changed(days, october) == [d for d in sorted(days) if d.month == 10]
