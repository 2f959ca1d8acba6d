"""What the web console shows, computed from the store's figures: rates, days in A/R, cycle times,
trends and per-interface health. Pages and CSV exports render these; nothing here knows HTML."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from revcycle.adapters.store.console_queries import ConsoleQueries
from revcycle.adapters.store.revenue_queries import RevenueFilter, RevenueQueries

DIMENSIONS = ("payer", "facility", "provider", "service_line")


class LatencySource(Protocol):
    def ack_latency(self) -> dict[str, dict[str, float]]: ...


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True, slots=True)
class Revenue:
    filter: RevenueFilter
    kpis: dict[str, Any]
    trend: dict[str, dict[str, Decimal]]
    aging: dict[str, Decimal]
    dnfb: dict[str, Any]
    breakdown: list[dict[str, Any]]
    by: str


class ConsoleService:
    def __init__(
        self,
        queries: ConsoleQueries,
        revenue: RevenueQueries,
        backlog: Callable[[], Any],
        ack_latency: Callable[[], dict[str, dict[str, float]]],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.queries = queries
        self.revenue_queries = revenue
        self.backlog = backlog
        self.ack_latency = ack_latency
        self.clock = clock

    def overview(self) -> dict[str, Any]:
        now = self.clock()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        backlog = self.backlog()
        per_minute = self.queries.messages_per_minute(now - timedelta(minutes=30))
        last_minute = (now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
        current: dict[str, int] = {}
        for interface, minute, n in per_minute:
            if minute == last_minute:
                current[interface] = n
        return {
            "at": now.isoformat(timespec="seconds"),
            "backlog": backlog.depth,
            "backlog_age_seconds": round(backlog.oldest_age_seconds, 1),
            "dead_letters": backlog.dead_letters_open,
            **{k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.queries.today(midnight).items()},
            "per_minute": per_minute,
            "last_minute": current,
        }

    def revenue(self, flt: RevenueFilter, by: str = "payer") -> Revenue:
        q = self.revenue_queries
        totals = q.revenue_totals(flt)
        receivables = q.receivables(flt, flt.end)
        daily = receivables["charges_90d"] / 90
        kpis = {
            **totals,
            "net_revenue": totals["payments"] + totals["patient_responsibility"],
            "initial_denial_rate": rate(totals["first_denied"], totals["first_adjudicated"]),
            "final_denial_rate": rate(totals["claims_denied"], totals["claims_adjudicated"]),
            "clean_claim_rate": (
                None
                if not totals["claims_submitted"]
                else round(100.0 - rate(totals["claims_rejected"], totals["claims_submitted"]), 1)  # type: ignore[operator]
            ),
            "ar_balance": receivables["balance"],
            "days_in_ar": round(float(receivables["balance"] / daily), 1) if daily else None,
            "cycle_days": None if totals["cycle_days"] is None else round(totals["cycle_days"], 1),
        }
        return Revenue(
            flt,
            kpis,
            q.daily_trend(flt),
            receivables["aging"],
            q.dnfb(flt),
            q.breakdown(flt, by if by in DIMENSIONS else "payer"),
            by if by in DIMENSIONS else "payer",
        )

    def operations(self) -> dict[str, Any]:
        now = self.clock()
        latency = self.ack_latency()
        hour = self.queries.interfaces(now - timedelta(hours=1), processing=True)
        day = {row["interface"]: row for row in self.queries.interfaces(now - timedelta(hours=24))}
        rows = []
        for name in sorted({*day, *(r["interface"] for r in hour), *latency}):
            last_hour = next((r for r in hour if r["interface"] == name), {})
            rows.append(
                {
                    "interface": name,
                    "per_minute": round(last_hour.get("received", 0) / 60, 2),
                    "received_24h": day.get(name, {}).get("received", 0),
                    "errors_24h": day.get(name, {}).get("errors", 0),
                    "dead_24h": day.get(name, {}).get("dead", 0),
                    "processing_seconds": last_hour.get("processing_seconds"),
                    "ack_ms_mean": latency.get(name, {}).get("mean_ms"),
                    "ack_ms_p95": latency.get(name, {}).get("p95_ms"),
                    "last_received": day.get(name, {}).get("last_received"),
                }
            )
        return {
            "interfaces": rows,
            "dead_letter_reasons": self.queries.dead_letter_reasons(),
            "outbox": self.queries.outbox_state(),
            "backlog": self.backlog(),
        }


def default_range(today: date, days: int = 30) -> tuple[date, date]:
    return today - timedelta(days=days - 1), today


def revenue_csv(revenue: Revenue) -> str:
    """The KPIs, the daily trend and the breakdown as one CSV document (three sections)."""
    out = io.StringIO()
    writer = csv.writer(out)
    f = revenue.filter
    writer.writerow(["section", "key", "value"])
    writer.writerow(["filter", "start", f.start.isoformat()])
    writer.writerow(["filter", "end", f.end.isoformat()])
    for name in ("payer", "facility", "provider", "service_line"):
        writer.writerow(["filter", name, getattr(f, name) or ""])
    for key, value in revenue.kpis.items():
        writer.writerow(["kpi", key, "" if value is None else value])
    for bucket, amount in revenue.aging.items():
        writer.writerow(["ar_aging", bucket, amount])
    writer.writerow([])
    writer.writerow(["day", "charges", "payments", "net_revenue"])
    for day, row in revenue.trend.items():
        writer.writerow([day, row.get("charges", ""), row.get("payments", ""), row.get("net_revenue", "")])
    writer.writerow([])
    columns = list(revenue.breakdown[0]) if revenue.breakdown else ["key"]
    writer.writerow([revenue.by if c == "key" else c for c in columns])
    for item in revenue.breakdown:
        writer.writerow([item.get(c, "") for c in columns])
    return out.getvalue()


def histogram_summary(samples: Iterable[tuple[str, dict[str, str], float]]) -> dict[str, dict[str, float]]:
    """Mean and approximate p95 (bucket upper bound) per interface from Prometheus histogram samples
    (``_bucket`` with ``le``, ``_sum``, ``_count``)."""
    buckets: dict[str, list[tuple[float, float]]] = {}
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for name, labels, value in samples:
        interface = labels.get("interface", "")
        if name.endswith("_bucket"):
            buckets.setdefault(interface, []).append((float(labels["le"]), value))
        elif name.endswith("_sum"):
            sums[interface] = value
        elif name.endswith("_count"):
            counts[interface] = value
    out: dict[str, dict[str, float]] = {}
    for interface, count in counts.items():
        if not count:
            continue
        p95 = next((le for le, n in sorted(buckets.get(interface, [])) if n >= 0.95 * count), float("inf"))
        out[interface] = {
            "count": count,
            "mean_ms": round(1000 * sums.get(interface, 0.0) / count, 2),
            "p95_ms": round(1000 * p95, 2) if p95 != float("inf") else -1.0,
        }
    return out
