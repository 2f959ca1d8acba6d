"""Dashboard queries over a million claims: p50/p95 of every query behind the console's pages.

    .venv/bin/python bench/console_queries.py [--claims 1000000] [--runs 15] [--db PATH] [--activity 200]

Fills a SQLite store (``--db``: that file when absent, else reused as it is; by default a temporary
file; PostgreSQL not measured yet) with synthetic rows written straight into the tables (a year of
service dates, 12 payers, 8 facilities, 300 providers, 20 service lines; one charge per claim, a
payment for each adjudicated claim whose payment date has come, 10% denied first then paid, 30% as
many encounters, 200,000 inbound messages over the last day; row times spread like the service dates),
brings the console's daily rollups up to date (the first time: a full build), writes ``--activity``
late payments and new charges and times the revenue queries with them pending, refreshes the rollups
(timed), then times each query the console runs for one page view, ``--runs`` times, and prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine  # noqa: E402

from revcycle.adapters.store.console_queries import ConsoleQueries  # noqa: E402
from revcycle.adapters.store.encrypted import install_key_ring  # noqa: E402
from revcycle.adapters.store.engine import make_engine  # noqa: E402
from revcycle.adapters.store.migrate import upgrade  # noqa: E402
from revcycle.adapters.store.revenue_queries import RevenueFilter, RevenueQueries  # noqa: E402
from revcycle.adapters.store.rollups import RollupRefresher  # noqa: E402
from revcycle.adapters.store.schema import (  # noqa: E402
    charges,
    claim_events,
    claim_payments,
    claims,
    encounters,
    inbound_messages,
    patients,
)
from revcycle.security.phi_crypto import KeyRing  # noqa: E402

STATUSES = ["paid"] * 55 + ["partially_paid"] * 5 + ["denied"] * 8 + ["submitted"] * 10 + ["accepted"] * 12
STATUSES += ["rejected"] * 2 + ["closed"] * 8
ADJUDICATED = {"paid", "partially_paid", "denied", "closed"}
CHUNK = 20_000


def _plain(value: Any) -> Any:
    """A value the sqlite3 driver binds as SQLAlchemy would have stored it."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    return value


def _chunks(engine: Engine, table: Any, rows: Any) -> int:
    """Bulk insert through the driver's executemany (SQLAlchemy's per-row type processing would take
    longer than the queries we measure)."""
    n, batch, columns = 0, [], None
    for row in rows:
        if columns is None:
            columns = list(row)
            sql = (
                f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
            )
        batch.append(tuple(_plain(row[c]) for c in columns))
        if len(batch) == CHUNK:
            with engine.begin() as conn:
                conn.exec_driver_sql(sql, batch)
            n, batch = n + len(batch), []
    if batch:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql, batch)
        n += len(batch)
    return n


def fill(engine: Engine, count: int, today: date) -> None:
    rng = random.Random(7)
    first = today - timedelta(days=364)
    now = datetime.now(UTC)
    patients_n = max(1000, count // 5)
    plan = []
    for i in range(count):
        status = rng.choice(STATUSES)
        served = first + timedelta(days=rng.randrange(365))
        if status in ADJUDICATED and _paid_on(i, served) > today:
            status = "submitted"  # its remittance has not come yet
        charge = Decimal(rng.randrange(5_000, 200_000)) / 100
        paid = (
            (charge * Decimal("0.7")).quantize(Decimal("0.01"))
            if status in ("paid", "closed")
            else Decimal(0)
        )
        plan.append((i, status, served, charge, paid))
    started = time.perf_counter()
    _chunks(
        engine,
        claims,
        (
            {
                "claim_key": f"c{i}",
                "patient_control_number": f"P{i:09d}",
                "kind": "professional",
                "status": status,
                "payer_id": f"PAYER{i % 12:02d}",
                "payer_rank": 1,
                "patient_key": f"MRN{i % patients_n}",
                "total_charge": charge,
                "paid_total": paid,
                "patient_responsibility": Decimal(0),
                "contractual_total": (charge - paid) if paid else Decimal(0),
                "service_date": served,
                "billing_npi": f"{1000000000 + i % 300}",
                "facility_code": f"FAC{i % 8}",
                "frequency": "1",
                "data": {},
                "created_at": _at(served, 24 + i % 48),  # built a day or two after the visit
                "updated_at": _at(_paid_on(i, served), 8 + i % 10)
                if status in ADJUDICATED
                else _at(served, 30),
            }
            for i, status, served, charge, paid in plan
        ),
    )
    _chunks(
        engine,
        charges,
        (
            {
                "patient_key": f"MRN{i % patients_n}",
                "visit_number": f"V{i}",
                "service_date": served,
                "procedure_code": "99213",
                "quantity": Decimal(1),
                "amount": charge,
                "charge_type": "CG",
                "department_code": f"DEPT{i % 20}",
                "facility_code": f"FAC{i % 8}",
                "performing_npi": f"{1000000000 + i % 300}",
                "identity_hash": f"{i:064d}",
                "created_at": _at(served, 2 + i % 20),  # captured hours after the service
                "data": {},
            }
            for i, status, served, charge, paid in plan
        ),
    )

    def payments() -> Any:
        for i, status, served, charge, paid in plan:
            if status not in ADJUDICATED:
                continue
            day = _paid_on(i, served)
            if status != "denied" and i % 10 == 0:
                yield _payment(i, "4", day - timedelta(days=7), charge, Decimal(0), "a")
            yield _payment(i, "4" if status == "denied" else "1", day, charge, paid, "b")

    _chunks(engine, claim_payments, payments())
    _chunks(
        engine,
        claim_events,
        (
            {
                "claim_id": i + 1,
                "at": _at(served, 50),
                "kind": "transition",
                "from_status": "submitted",
                "to_status": "rejected",
                "detail": {},
            }
            for i, status, *_ in plan
            if status == "rejected"
        ),
    )
    _chunks(
        engine,
        encounters,
        (
            {
                "patient_key": f"MRN{i % patients_n}",
                "visit_number": f"V{i}",
                "status": "discharged",
                "facility_code": f"FAC{i % 8}",
                "attending_npi": f"{1000000000 + i % 300}",
                "admitted_at": datetime.combine(served, datetime.min.time(), UTC),
                "discharged_at": datetime.combine(served, datetime.min.time(), UTC) + timedelta(hours=30),
                "data": {},
                "updated_at": _at(served, 30),
            }
            for i, status, served, charge, paid in plan[: int(count * 0.3)]
        ),
    )
    _chunks(
        engine,
        patients,
        (
            {"patient_key": f"MRN{i}", "account": f"ACCT{i}", "data": {}, "coverages": [], "updated_at": now}
            for i in range(patients_n)
        ),
    )
    _chunks(
        engine,
        inbound_messages,
        (
            {
                "correlation_id": f"corr-{i}",
                "interface": ("mllp", "http", "files")[i % 3],
                "transport": "mllp",
                "format": "hl7v2",
                "message_type": "DFT_P03",
                "control_id": f"CTRL{i}",
                "idempotency_key": f"k{i}",
                "content_hash": "0" * 64,
                "received_at": now - timedelta(seconds=i * 86400 / 200_000),
                "processed_at": now - timedelta(seconds=i * 86400 / 200_000) + timedelta(milliseconds=40),
                "status": "processed",
                "attempts": 1,
                "collision": False,
                "size": 1300,
                "raw": b"x",
            }
            for i in range(200_000)
        ),
    )
    print(f"filled {count:,} claims and their rows in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _payment(i: int, code: str, day: date, charge: Decimal, paid: Decimal, suffix: str) -> dict[str, Any]:
    return {
        "trace_number": f"T{i}",
        "patient_control_number": f"P{i:09d}",
        "claim_id": i + 1,
        "status_code": code,
        "payer_id": f"PAYER{i % 12:02d}",
        "charge": charge,
        "paid": paid,
        "patient_responsibility": Decimal(0),
        "contractual": charge - paid if paid else Decimal(0),
        "other_adjustments": Decimal(0),
        "payment_date": day,
        "dedup_key": f"{i}{suffix}",
        "source": "835",
        "data": {},
        "created_at": _at(day, 9 + i % 8),  # the 835 is read on its payment date
    }


def _paid_on(i: int, served: date) -> date:
    """The payment date of claim ``i``'s (final) remittance: two to six weeks after the service."""
    return served + timedelta(days=14 + i % 30)


def _at(day: date, hours: int) -> datetime:
    """A moment ``hours`` after the start of ``day`` (UTC), never after now: row times spread like the
    service dates, as a live store's are."""
    return min(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hours), datetime.now(UTC))


def activity(engine: Engine, n: int, today: date) -> None:
    """``n`` late payments (on claims served two to eight weeks ago, paid in the last two weeks: an
    835's worth) and ``n`` charges captured now, stamped now: what a refresh interval's traffic leaves
    to roll up."""
    rng = random.Random()
    first, last = (today - timedelta(days=56)).isoformat(), (today - timedelta(days=14)).isoformat()
    with engine.connect() as conn:
        late = [
            int(i)
            for (i,) in conn.exec_driver_sql(
                "SELECT id FROM claims WHERE service_date BETWEEN ? AND ? ORDER BY random() LIMIT ?",
                (first, last, n),
            )
        ]
    _chunks(
        engine,
        claim_payments,
        (
            _payment(
                i - 1,
                "1",
                today - timedelta(days=rng.randrange(14)),
                Decimal(100),
                Decimal(70),
                f"late{rng.random()}",
            )
            | {"created_at": datetime.now(UTC)}
            for i in late
        ),
    )
    _chunks(
        engine,
        charges,
        (
            {
                "patient_key": f"MRN{rng.randrange(1000)}",
                "visit_number": f"VN{rng.random()}",
                "service_date": today - timedelta(days=rng.randrange(3)),
                "procedure_code": "99213",
                "quantity": Decimal(1),
                "amount": Decimal(120),
                "charge_type": "CG",
                "department_code": f"DEPT{rng.randrange(20)}",
                "facility_code": f"FAC{rng.randrange(8)}",
                "performing_npi": f"{1000000000 + rng.randrange(300)}",
                "identity_hash": f"{rng.random()}",
                "created_at": datetime.now(UTC),
                "data": {},
            }
            for _ in range(n)
        ),
    )


def timed(runs: int, query: Callable[[], Any]) -> tuple[float, float]:
    query()  # warm the cache once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        query()
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times) * 1000, times[min(len(times) - 1, int(0.95 * len(times)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--activity", type=int, default=200, help="late payments and new charges written before timing"
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="the store's file: filled when absent, reused (no fill) when present",
    )
    args = parser.parse_args()
    today = datetime.now(UTC).date()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.db"
        filled = path.exists()
        engine = make_engine(f"sqlite:///{path}")
        install_key_ring(engine, KeyRing.generate())  # the search hashes its term (blind index)
        upgrade(engine)
        if not filled:
            fill(engine, args.claims, today)
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        started = time.perf_counter()
        first = RollupRefresher(engine).refresh()  # full when the store has no rollups yet
        print(
            f"rollup refresh ({'full' if first.full else 'incremental'}): {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        revenue, console = RevenueQueries(engine), ConsoleQueries(engine)
        month = RevenueFilter(today - timedelta(days=29), today)
        payer = RevenueFilter(today - timedelta(days=29), today, payer="PAYER03")
        now = datetime.now(UTC)
        queries: list[tuple[str, Callable[[], Any]]] = [
            ("revenue totals, 30 days", lambda: revenue.revenue_totals(month)),
            ("revenue totals, 30 days, one payer", lambda: revenue.revenue_totals(payer)),
            ("daily trend, 30 days", lambda: revenue.daily_trend(month)),
            ("A/R aging + days in A/R", lambda: revenue.receivables(month, today)),
            ("DNFB, 30 days", lambda: revenue.dnfb(month)),
            ("breakdown by payer, 30 days", lambda: revenue.breakdown(month, "payer")),
            ("breakdown by service line, 30 days", lambda: revenue.breakdown(month, "service_line")),
            (
                "overview: today's charges, payments, alerts",
                lambda: console.today(now.replace(hour=0, minute=0)),
            ),
            (
                "overview: messages per minute, 30 min",
                lambda: console.messages_per_minute(now - timedelta(minutes=30)),
            ),
            ("operations: interfaces, 24 h", lambda: console.interfaces(now - timedelta(hours=24))),
            ("patient billing page", lambda: console.patient(4242)),
            ("provider page", lambda: console.party("provider", "1000000042", today - timedelta(days=365))),
            ("search (claim number)", lambda: console.search("P000424242")),
        ]
        pending = {}
        if args.activity:  # changes since the last refresh: their days are read live
            activity(engine, args.activity, today)
            pending = {name: timed(args.runs, query) for name, query in queries[:7]}
            # the next refresh, past the overlap (its clock 3 min ahead, as the next tick would be)
            later = RollupRefresher(engine, clock=lambda: datetime.now(UTC) + timedelta(minutes=3))
            report = later.refresh()
            print(
                f"incremental refresh after {args.activity} payments and {args.activity} charges: "
                f"{report.seconds:.2f} s ({report.service_days} service days, {report.payment_days} payment days)",
                file=sys.stderr,
            )
        print(
            f"| query ({args.claims:,} claims, {engine.dialect.name}) | p50 ms | p95 ms | changes pending, p50 / p95 ms |"
        )
        print("| --- | --- | --- | --- |")
        for name, query in queries:
            p50, p95 = timed(args.runs, query)
            before = f"{pending[name][0]:.1f} / {pending[name][1]:.1f}" if name in pending else ""
            print(f"| {name} | {p50:.1f} | {p95:.1f} | {before} |", flush=True)
        engine.dispose()


if __name__ == "__main__":
    main()
