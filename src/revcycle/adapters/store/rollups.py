"""Keeping the console rollups (``rollup_*`` tables) up to date: an incremental refresh.

The refresh recomputes, from the live tables, only what changed since its watermark: the service days
of claims saved, paid or rejected and of charges captured since then (a claim moved to another day
leaves its old one too: ``rollup_claim_dates`` remembers where each claim was rolled up), the payment
days of every payment of those claims (a late payment on an old service date, a claim's first
payment...), and the discharged visits whose "not final billed" state may have changed. Each group of
days is recomputed in its own short transaction (delete, insert from ``rollup_sources``), so a refresh
never holds SQLite's write lock for long; the first refresh (no watermark) rebuilds everything.

Changes are found by their own time stamps (``claims.updated_at``, ``charges.created_at``,
``claim_payments.created_at``, ``claim_events.at``, ``encounters.updated_at``, ``patients.updated_at``
for merges), read back ``overlap`` before the watermark: a transaction that commits up to that long
after stamping its rows is still seen. The watermark is the time the last refresh started.

Freshness: the worker's sweeper runs :meth:`RollupRefresher.refresh` every 30 s while it is idle
(``Sweeper(rollup_interval=...)``; also ``revcycle db rollups``). The revenue queries do not wait for
it: they read the days (visits) changed since the last refresh live and the rest from the rollups, so
their figures are current. Two bounds remain: a range with more than ``MAX_LIVE_DAYS`` (62) changed days
reads the rollups for them, at most one refresh (30 s, plus the refresh's own time, plus any time the
worker goes without an idle moment) behind; and a transaction that commits more than the overlap (2
min) after stamping its rows is seen only by a full refresh. Cost at one million claims (SQLite, 2
shared cores): a day's recompute about 0.1-0.2 s; the first (full) build about 160 s, in one-day
transactions (the worker's loop waits for it: run ``revcycle db rollups`` before starting a large
existing store).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    delete,
    false,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.rollup_changes import OVERLAP, STATE, changes_since, everything, watermark
from revcycle.adapters.store.rollup_sources import (
    charge_rows,
    claim_rows,
    dnfb_rows,
    payment_rows,
    repeat_payment_rows,
)
from revcycle.adapters.store.schema import (
    claims,
    encounters,
    rollup_charges,
    rollup_claim_dates,
    rollup_claims,
    rollup_dnfb,
    rollup_payments,
    rollup_repeat_payments,
    rollup_state,
)

log = logging.getLogger(__name__)

ADVISORY_LOCK = 8_000_008  # PostgreSQL advisory lock key of the rollup refresh
DAYS_PER_TRANSACTION = 1  # a day's recompute holds SQLite's write lock for about 0.1 s at 1M claims
IDS_PER_TRANSACTION = 500
IDS_PER_RANGE = 50_000  # a full rebuild walks the visits and claims by id ranges this wide

KEYS = ("grain", "day", "payer", "facility", "provider", "service_line")
# Each day-keyed rollup, its rows from the live tables, and its membership column (NULL: every row).
DAY_ROLLUPS: tuple[tuple[Table, Callable[..., Any], str], ...] = (
    (rollup_claims, claim_rows, "service_line"),
    (rollup_charges, charge_rows, "payer"),
    (rollup_payments, payment_rows, "service_line"),
)


@dataclass(frozen=True, slots=True)
class RefreshReport:
    full: bool
    service_days: int
    payment_days: int
    encounters: int
    claims: int
    seconds: float


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class RollupRefresher:
    def __init__(
        self,
        engine: Engine,
        *,
        overlap: timedelta = OVERLAP,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.writer = for_writing(engine)
        self.overlap = overlap
        self.clock = clock

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction; on PostgreSQL it first takes a transaction-scoped advisory lock, so that
        two refreshers (two worker processes, or the CLI) never interleave one day's delete and insert
        (SQLite's writes are serialised anyway)."""
        with self.writer.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK)))
            yield conn

    def refresh(self, *, full: bool = False) -> RefreshReport:
        """Bring the rollups up to date (everything when ``full`` or never built); returns what was
        recomputed."""
        started, began = self.clock(), time.perf_counter()
        with self.engine.connect() as conn:
            mark = None if full else watermark(conn)
        if mark is None:  # the revenue queries read everything live until this rebuild is done
            with self._writing() as conn:
                conn.execute(delete(rollup_state).where(rollup_state.c.name == STATE))
        with self.engine.connect() as conn:
            changes = everything(conn) if mark is None else changes_since(conn, mark - self.overlap)
        visits, moved = changes.visits, changes.claims
        for table, rows, scope in DAY_ROLLUPS:
            days = {rollup_claims: changes.claim_days, rollup_charges: changes.charge_days}.get(
                table, changes.payment_days
            )
            for chunk in _chunks(sorted(days), DAYS_PER_TRANSACTION):
                with self._writing() as conn:
                    self._days(conn, table, rows, scope, chunk)
                    if table is rollup_payments:
                        self._repeats(conn, chunk)
        if mark is None:
            self._rebuild_dnfb_and_dates()
        else:
            for ids in _chunks(sorted(visits), IDS_PER_TRANSACTION):
                with self._writing() as conn:
                    self._dnfb(conn, rollup_dnfb.c.encounter_id.in_(ids), encounters.c.id.in_(ids))
            for ids in _chunks(sorted(moved), IDS_PER_TRANSACTION):
                with self._writing() as conn:
                    self._dates(conn, rollup_claim_dates.c.claim_id.in_(ids), claims.c.id.in_(ids))
        with self._writing() as conn:
            done = {"watermark": started, "refreshed_at": self.clock()}
            state = rollup_state.update().where(rollup_state.c.name == STATE).values(**done)
            if not conn.execute(state).rowcount:
                conn.execute(insert(rollup_state).values(name=STATE, **done))
        report = RefreshReport(
            mark is None,
            len(changes.claim_days | changes.charge_days),
            len(changes.payment_days),
            len(visits),
            len(moved),
            time.perf_counter() - began,
        )
        log.info(
            "console rollups refreshed (%s): %d service days, %d payment days, %d visits in %.2f s",
            "full" if report.full else "incremental",
            report.service_days,
            report.payment_days,
            report.encounters,
            report.seconds,
        )
        return report

    # --- what to recompute ----------------------------------------------------------------------------

    # --- recomputing ----------------------------------------------------------------------------------

    def _days(
        self, conn: Connection, table: Table, rows: Callable[..., Any], scope: str, days: list[date]
    ) -> None:
        t = table.c
        columns = [column.name for column in table.c]
        measures = [name for name in columns if name not in KEYS]
        conn.execute(delete(table).where(t.day.in_(days)))
        parts = rows(self.engine, lambda column: column.in_(days))
        conn.execute(insert(table).from_select(columns, union_all(*parts)))
        totals = (
            select(
                literal(1),
                t.day,
                *(null() for _ in KEYS[2:]),
                *(func.sum(t[name]) for name in measures),
            )
            .where(t.grain == 0, t.day.in_(days), t[scope].is_(None))
            .group_by(t.day)
        )
        conn.execute(insert(table).from_select(columns, totals))

    def _repeats(self, conn: Connection, days: list[date]) -> None:
        r = rollup_repeat_payments
        conn.execute(delete(r).where(r.c.payment_date.in_(days)))
        rows = repeat_payment_rows(lambda column: column.in_(days))
        conn.execute(insert(r).from_select(["payment_id", "payment_date", "first_payer"], rows))

    def _dnfb(self, conn: Connection, rolled: ColumnElement[bool], live: ColumnElement[bool]) -> None:
        conn.execute(delete(rollup_dnfb).where(rolled))
        columns = ["encounter_id", "discharged_at", "facility", "provider", "service_line", "amount"]
        conn.execute(insert(rollup_dnfb).from_select(columns, dnfb_rows(live)))

    def _dates(self, conn: Connection, rolled: ColumnElement[bool], live: ColumnElement[bool]) -> None:
        c = claims.c
        conn.execute(delete(rollup_claim_dates).where(rolled))
        conn.execute(
            insert(rollup_claim_dates).from_select(
                ["claim_id", "service_date", "patient_key"],
                select(c.id, c.service_date, c.patient_key).where(live),
            )
        )

    def _rebuild_dnfb_and_dates(self) -> None:
        for table, id_column, rebuild in (
            (rollup_dnfb, encounters.c.id, self._dnfb),
            (rollup_claim_dates, claims.c.id, self._dates),
        ):
            with self.engine.connect() as conn:
                top = conn.execute(select(func.max(id_column))).scalar() or 0
            with self._writing() as conn:
                conn.execute(delete(table))
            for low in _ranges(int(top)):
                with self._writing() as conn:
                    rebuild(conn, false(), id_column.between(low, low + IDS_PER_RANGE - 1))


def _ranges(top: int) -> Iterable[int]:
    return range(1, top + 1, IDS_PER_RANGE)
