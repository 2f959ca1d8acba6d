"""Where the console's revenue figures come from, day by day: the rollups (``rollup_*``) for the days
nothing has changed since the last refresh, the same rows computed live (``rollup_sources.py``) for
the others (``Coverage``). The revenue queries (``revenue_queries.py``) sum what these return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, Select, Table, and_, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from revcycle.adapters.store.rollup_changes import OVERLAP, changes_since, watermark
from revcycle.adapters.store.rollup_sources import charge_rows, claim_rows, payment_rows
from revcycle.adapters.store.schema import rollup_charges, rollup_claims

MAX_LIVE_DAYS = 62  # changed days a range reads live at most (more: the rollups, one refresh behind)
MAX_LIVE_VISITS = 2000  # more visits changed since the refresh: the DNFB is read live altogether
DIMENSIONS = ("payer", "facility", "provider", "service_line")
ROWS: dict[str, Callable[..., list[Select[Any]]]] = {
    "rollup_claims": claim_rows,
    "rollup_charges": charge_rows,
    "rollup_payments": payment_rows,
}
SCOPE = {"rollup_claims": "service_line", "rollup_charges": "payer", "rollup_payments": "service_line"}


@dataclass(frozen=True, slots=True)
class RevenueFilter:
    start: date
    end: date
    payer: str | None = None
    facility: str | None = None
    provider: str | None = None  # NPI: billing on claims, performing on charges, attending on visits
    service_line: str | None = None  # department code on charges

    def over(self, start: date, end: date) -> RevenueFilter:
        return RevenueFilter(start, end, self.payer, self.facility, self.provider, self.service_line)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Days from ``cut`` on are read live, and so are the earlier days (visits) changed since the last
    refresh, unless a range holds more than ``MAX_LIVE_DAYS`` of them: then its rolled-up figures are
    read as they are, up to one refresh behind (``visits`` None: too many changed, every visit live)."""

    cut: date
    claim_days: frozenset[date]
    charge_days: frozenset[date]
    payment_days: frozenset[date]
    visits: frozenset[int] | None

    def days(self, table: Table) -> frozenset[date]:
        if table is rollup_claims:
            return self.claim_days
        return self.charge_days if table is rollup_charges else self.payment_days

    @staticmethod
    def changed(days: frozenset[date], f: RevenueFilter) -> list[date]:
        found = sorted(d for d in days if f.start <= d <= f.end)
        return found if len(found) <= MAX_LIVE_DAYS else []

    def live(self, column: Any, f: RevenueFilter, changed: list[date]) -> ColumnElement[bool]:
        days = [and_(column >= max(f.start, self.cut), column <= f.end)] if f.end >= self.cut else []
        return or_(*days, column.in_(changed)) if changed else and_(*days)


def coverage(engine: Engine, live_from: Callable[[], date] | None = None) -> Coverage:
    """Which days the rollups answer for: those that nothing stamped since the last refresh (less
    its overlap) has changed, before ``live_from`` when given."""
    with engine.connect() as conn:
        mark = watermark(conn)
        if mark is None:
            return Coverage(date.min, frozenset(), frozenset(), frozenset(), frozenset())
        changed = changes_since(conn, mark - OVERLAP)
    cut = date.max if live_from is None else live_from()
    return Coverage(
        cut,
        frozenset(d for d in changed.claim_days if d < cut),
        frozenset(d for d in changed.charge_days if d < cut),
        frozenset(d for d in changed.payment_days if d < cut),
        changed.visits if len(changed.visits) <= MAX_LIVE_VISITS else None,
    )


def day_rows(
    engine: Engine, table: Table, f: RevenueFilter, cov: Coverage, *, detail: bool = False
) -> tuple[Subquery, list[ColumnElement[bool]]]:
    """The rows of a day rollup for ``f``'s range (rolled up where ``cov`` says so, live elsewhere)
    and the conditions selecting ``f``'s dimensions; ``detail``: per dimension, not day totals."""
    t = table.c
    filtered = detail or any(getattr(f, name) for name in DIMENSIONS)
    changed = cov.changed(cov.days(table), f)
    rolled = select(*table.c).where(
        t.day >= f.start, t.day <= f.end, t.day < cov.cut, t.grain == (0 if filtered else 1)
    )
    parts: list[Select[Any]] = [rolled.where(t.day.not_in(changed)) if changed else rolled]
    if f.end >= cov.cut or changed:
        parts += ROWS[table.name](engine, lambda column: cov.live(column, f, changed))
    rows = union_all(*parts).subquery(table.name) if len(parts) > 1 else parts[0].subquery(table.name)
    scope = SCOPE[table.name]
    where: list[ColumnElement[bool]] = [rows.c[scope].is_(None)] if not getattr(f, scope) else []
    where += [rows.c[name] == getattr(f, name) for name in DIMENSIONS if getattr(f, name)]
    return rows, where
