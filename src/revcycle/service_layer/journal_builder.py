"""The journal builder: stored charges, claim payments and patient payments -> balanced journals in the
outbox, one transaction per pass.

A pass reads the sources past their cursors into posting items, maps every open item (new or
quarantined) with the GL mapping, quarantines those with a gap (one finding per gap, resolved when the
gap is gone), and summarises the rest into journals at the configured level. Fixing the mapping and
running the next pass releases the quarantined items: they are journalled like any other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime

from revcycle.domain.erp_payload import CODE
from revcycle.domain.gl_mapping import Dimensions, GlGap, GlMapping
from revcycle.domain.journal_posting import PostingItem, SummaryLevel, posting_date, summarise
from revcycle.service_layer.erp_ports import LedgerSession


@dataclass(frozen=True, slots=True)
class BuildReport:
    items: int  # new items read from the sources
    quarantined: int  # items held for a GL gap after this pass
    released: int  # items that were quarantined and are now journalled
    journals: int
    lines: int
    gaps: tuple[str, ...]


def unfit_dimension(dims: Dimensions) -> str | None:
    """Why a transaction's dimensions cannot go into an ERP payload (a value that is not a code, e.g. a
    facility sent as free text), or None. The reason names the field, never the value."""
    for name in ("facility", "payer_class", "service_line"):
        value = getattr(dims, name)
        if value is not None and not CODE.match(value):
            return f"{name} is not a code the ERP payload can carry (letters, digits, _.:/-)"
    return None


class JournalBuilder:
    def __init__(
        self,
        ledger: Callable[[], AbstractContextManager[LedgerSession]],
        mapping: GlMapping,
        *,
        level: SummaryLevel = SummaryLevel.DAILY,
        open_from: date | None = None,
        batch: int = 5000,
    ) -> None:
        self.ledger = ledger
        self.mapping = mapping
        self.level = level
        self.open_from = open_from
        self.batch = batch

    def run_once(self, now: datetime) -> BuildReport:
        with self.ledger() as session:
            added = session.collect(now, self.batch)
            ready: list[PostingItem] = []
            gaps: dict[str, list[int]] = defaultdict(list)
            released = 0
            for item in session.open_items():
                unfit = unfit_dimension(item.dims)
                if unfit is not None:
                    gaps[unfit].append(item.id)
                    continue
                target = self.mapping.resolve(item.transaction, item.dims)
                if isinstance(target, GlGap):
                    gaps[target.reason].append(item.id)
                    continue
                released += item.status == "quarantined"
                ready.append(
                    PostingItem(
                        id=item.id,
                        transaction=item.transaction,
                        amount=item.amount,
                        posting_date=posting_date(item.transaction_date, self.open_from),
                        dims=item.dims,
                        target=target,
                        reversal=item.reversal,
                        encounter_ref=item.encounter_ref,
                    )
                )
            for reason, ids in gaps.items():
                session.quarantine(ids, reason, now)
            drafts = summarise(ready, self.level)
            session.add_journals(drafts, now)
            session.report_gaps({reason: len(ids) for reason, ids in gaps.items()}, now)
            session.commit()
        return BuildReport(
            items=added,
            quarantined=sum(len(ids) for ids in gaps.values()),
            released=released,
            journals=len(drafts),
            lines=sum(len(d.entry.lines) for d in drafts),
            gaps=tuple(sorted(gaps)),
        )
