"""From financial transactions to summarised, balanced journal entries.

A *posting item* is one amount of one transaction type (a charge, a payer payment, a contractual
adjustment, a transfer to patient responsibility, a patient payment, a write-off, a refund), mapped to
its GL target; ``reversal`` items post the same accounts with debit and credit swapped. Items are
summarised into journals at a configurable level:

* ``encounter``: one journal per encounter (or claim) reference, transaction kind and posting date;
* ``daily``: one journal per posting date, facility, payer class, service line and transaction kind.

Within a journal, lines are summed per side, account, cost centre, legal entity and dimension, so
every journal balances by construction (each item adds the same amount to both sides), and
``JournalEntry`` checks it again. A journal's idempotency key is derived from its level, kind, date
and the ids of the items in it: the same items always make the same key.
"""

from __future__ import annotations

import enum
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from revcycle.domain.gl_mapping import Dimensions, GlTarget
from revcycle.domain.journals import JournalEntry, JournalKind, JournalLine
from revcycle.domain.money import ZERO


class SummaryLevel(enum.StrEnum):
    ENCOUNTER = "encounter"
    DAILY = "daily"


@dataclass(frozen=True, slots=True)
class PostingItem:
    id: int
    transaction: JournalKind
    amount: Decimal  # positive
    posting_date: date
    dims: Dimensions
    target: GlTarget
    reversal: bool = False
    encounter_ref: str | None = None  # an opaque hash of the visit or claim, never the number itself

    @property
    def kind(self) -> JournalKind:
        return JournalKind.REVERSAL if self.reversal else self.transaction

    def sides(self) -> tuple[str, str]:
        """(debit account, credit account) for this item."""
        if self.reversal:
            return self.target.credit, self.target.debit
        return self.target.debit, self.target.credit


@dataclass(frozen=True, slots=True)
class JournalDraft:
    entry: JournalEntry
    level: SummaryLevel
    item_ids: tuple[int, ...]
    dims: Dimensions  # the journal's header dimensions (None where its items differ)
    legal_entity: str


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def posting_date(transaction_date: date, open_from: date | None) -> date:
    """The date a transaction posts on: its own date, or the first day of the open period."""
    if open_from is not None and transaction_date < open_from:
        return open_from
    return transaction_date


def _group(item: PostingItem, level: SummaryLevel) -> tuple[object, ...]:
    base = (item.kind.value, item.posting_date, item.target.legal_entity)
    if level is SummaryLevel.ENCOUNTER:
        return (*base, item.encounter_ref or f"item-{item.id}")
    d = item.dims
    return (*base, d.facility, d.payer_class, d.service_line)


def journal_key(level: SummaryLevel, kind: JournalKind, day: date, item_ids: Iterable[int]) -> str:
    digest = hashlib.sha256(",".join(str(i) for i in sorted(item_ids)).encode()).hexdigest()[:20]
    return f"{level.value[:3]}-{kind.value}-{day.isoformat()}-{digest}"


def _common(values: Iterable[str | None]) -> str | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _lines(items: list[PostingItem]) -> tuple[JournalLine, ...]:
    sums: dict[tuple[str, str, str, str, str | None], Decimal] = defaultdict(lambda: ZERO)
    for item in items:
        debit, credit = item.sides()
        t, line = item.target, item.dims.service_line
        sums[("D", debit, t.cost_centre, t.legal_entity, line)] += item.amount
        sums[("C", credit, t.cost_centre, t.legal_entity, line)] += item.amount
    lines = []
    for (side, account, centre, entity, dimension), amount in sorted(sums.items(), key=lambda kv: str(kv[0])):
        lines.append(
            JournalLine(
                account=account,
                debit=amount if side == "D" else ZERO,
                credit=amount if side == "C" else ZERO,
                cost_centre=centre,
                legal_entity=entity,
                dimension=dimension,
            )
        )
    return tuple(lines)


def summarise(items: Iterable[PostingItem], level: SummaryLevel) -> list[JournalDraft]:
    """Group items into balanced journal drafts at ``level`` (zero amounts are skipped)."""
    groups: dict[tuple[object, ...], list[PostingItem]] = defaultdict(list)
    for item in items:
        if item.amount > ZERO:
            groups[_group(item, level)].append(item)
    drafts = []
    for members in groups.values():
        first = members[0]
        ids = tuple(sorted(i.id for i in members))
        entry = JournalEntry(
            key=journal_key(level, first.kind, first.posting_date, ids),
            kind=first.kind,
            posting_date=first.posting_date,
            period=period_of(first.posting_date),
            lines=_lines(members),
        )
        dims = Dimensions(
            facility=_common(i.dims.facility for i in members),
            department=_common(i.dims.department for i in members),
            payer_class=_common(i.dims.payer_class for i in members),
            service_line=_common(i.dims.service_line for i in members),
        )
        drafts.append(JournalDraft(entry, level, ids, dims, first.target.legal_entity))
    return sorted(drafts, key=lambda d: d.entry.key)
