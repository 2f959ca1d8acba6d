"""The reconciliation control report's model: the facts read from the store for a period (charges,
primary claims with their lines, claim payments, posting items, journals, source rows with no posting
item), the policy that decides what is in flight or tolerated, and the report (checkpoints per day,
breaks). ``revcycle.domain.reconciliation`` computes the report from the facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from revcycle.domain.money import ZERO


@dataclass(frozen=True, slots=True)
class Policy:
    claim_lag_days: int = 10
    ack_grace: timedelta = timedelta(hours=1)
    variance_amount: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class ChargeFact:
    id: int
    facility: str | None
    service_date: date
    code: str | None  # procedure code, else the chargemaster code
    amount: Decimal
    insured: bool  # the patient had insurance coverage on the date of service


@dataclass(frozen=True, slots=True)
class ClaimFact:
    """A primary, live claim; ``lines`` are (date of service, procedure code, charge)."""

    id: int
    facility: str | None  # the facility whose NPI is the billing provider's
    service_date: date | None
    total_charge: Decimal
    lines: tuple[tuple[date, str | None, Decimal], ...]
    accepted_999: bool
    accepted_277ca: bool


@dataclass(frozen=True, slots=True)
class PaymentFact:
    id: int
    claim_id: int | None
    payment_date: date
    denied: bool
    paid: Decimal
    adjusted: Decimal
    charge: Decimal
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ItemFact:
    source_kind: str
    source_id: int
    transaction: str
    reversal: bool
    amount: Decimal
    transaction_date: date
    status: str
    gap: str | None


@dataclass(frozen=True, slots=True)
class JournalFact:
    id: int
    key: str
    status: str
    posting_date: date
    debit_total: Decimal
    credit_total: Decimal
    lines_debit: Decimal
    lines_credit: Decimal
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Facts:
    charges: tuple[ChargeFact, ...] = ()
    claims: tuple[ClaimFact, ...] = ()
    payments: tuple[PaymentFact, ...] = ()
    items: tuple[ItemFact, ...] = ()
    journals: tuple[JournalFact, ...] = ()
    unitemised: tuple[tuple[str, int, date, Decimal], ...] = ()  # (source kind, id, date, amount)


CHECKPOINTS = (
    "charges_captured",
    "claimed",
    "accepted_999",
    "accepted_277ca",
    "adjudicated_paid",
    "adjudicated_denied",
    "adjudicated_adjusted",
    "posted",
    "acknowledged",
)


@dataclass(frozen=True, slots=True)
class Break:
    kind: str
    day: date | None
    subject_kind: str
    subject_id: str
    amount: Decimal = ZERO
    expected: Decimal = ZERO
    explained: bool = False
    reason: str = ""

    @property
    def difference(self) -> Decimal:
        return self.amount - self.expected

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject_kind}:{self.subject_id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "day": self.day.isoformat() if self.day else None,
            "subject_kind": self.subject_kind,
            "subject_id": self.subject_id,
            "amount": str(self.amount),
            "expected": str(self.expected),
            "difference": str(self.difference),
            "explained": self.explained,
            "reason": self.reason,
        }


@dataclass
class Checkpoint:
    count: int = 0
    amount: Decimal = ZERO

    def add(self, amount: Decimal, count: int = 1) -> None:
        self.count += count
        self.amount += amount


@dataclass
class Report:
    start: date
    end: date
    as_of: datetime
    days: dict[date, dict[str, Checkpoint]] = field(default_factory=dict)
    breaks: list[Break] = field(default_factory=list)

    def checkpoint(self, day: date, name: str) -> Checkpoint:
        per_day = self.days.setdefault(day, {n: Checkpoint() for n in CHECKPOINTS})
        return per_day[name]

    def in_range(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    @property
    def totals(self) -> dict[str, Checkpoint]:
        out = {n: Checkpoint() for n in CHECKPOINTS}
        for per_day in self.days.values():
            for name, point in per_day.items():
                out[name].add(point.amount, point.count)
        return out

    @property
    def unexplained(self) -> list[Break]:
        return [b for b in self.breaks if not b.explained]

    def to_dict(self) -> dict[str, Any]:
        def points(per: dict[str, Checkpoint]) -> dict[str, Any]:
            return {n: {"count": p.count, "amount": str(p.amount)} for n, p in per.items()}

        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "totals": points(self.totals),
            "days": [{"day": d.isoformat(), **points(self.days[d])} for d in sorted(self.days)],
            "breaks": [b.to_dict() for b in self.breaks],
            "summary": {
                "breaks": len(self.breaks),
                "unexplained": len(self.unexplained),
                "by_kind": _count(b.kind for b in self.breaks),
                "unexplained_by_kind": _count(b.kind for b in self.unexplained),
            },
        }


def _count(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for value in values:
        out[value] += 1
    return dict(sorted(out.items()))
