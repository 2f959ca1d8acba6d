"""The journal builder: stored charges, claim payments and patient payments -> balanced journals in the
outbox, one transaction per pass.

A pass takes the source rows not yet taken into posting items, maps every open item (new or
quarantined) with the GL mapping, quarantines those with a gap (one finding per gap, resolved when the
gap is gone), and summarises the rest into journals at the configured level. Fixing the mapping and
running the next pass releases the quarantined items: they are journalled like any other.

Which source rows a pass takes (issue 7). Every source row carries an ``erp_pending`` mark, set by the
database's default when the row is written and cleared by the pass that itemises it, in the same
transaction as its items; a pass reads the rows still marked (a partial index holds just those). The
builder used to read past an id cursor, which is wrong on PostgreSQL with several writers: ids are
handed out at INSERT but rows become visible at COMMIT, so a row with a lower id committed after a pass
had read a higher one fell behind the cursor and was never journalled (a silent gap in the general
ledger). The alternatives weighed:

- a cursor held below the oldest in-flight transaction (``pg_snapshot_xmin`` against a per-row
  ``xid8``): exact, but PostgreSQL only (SQLite would need a second code path), a new column all the
  same, and any long transaction anywhere in the cluster (a bulk ingest, a forgotten ``psql`` session)
  stalls every journal behind it;
- a lag window re-scanned and deduplicated by source key: a heuristic, a transaction open longer than
  the window is still lost, and every pass re-reads the window;
- the mark (chosen): correct whatever the commit order, transaction length, clock or back end (one code
  path: SQLite, one writer, is the trivial case), each row's state is recorded next to it (``WHERE
  erp_pending`` is the exact list of what the general ledger does not hold yet), and a row is taken at
  most once because the mark is cleared with the items in one transaction (passes are serialised, a
  pass finding a row already taken rolls back, and ``erp_items`` is unique per source row and
  transaction). Its cost is one UPDATE per source row, in the builder's batch, off the ingest path; the
  writers do not change (the mark is the column's default).

Exactly once to the ERP holds as before: a journal and its outbox row are written with its items, and
the poster sends each journal under its own idempotency key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime

from revcycle.domain.erp_payload import CODE
from revcycle.domain.gl_mapping import Dimensions, GlGap, GlMapping, GlTarget
from revcycle.domain.journal_posting import PostingItem, SummaryLevel, posting_date, summarise
from revcycle.domain.journals import JournalKind
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
            # Items share a few (transaction, dimensions): each is judged and mapped once per pass.
            unfits: dict[Dimensions, str | None] = {}
            targets: dict[tuple[JournalKind, Dimensions], GlTarget | GlGap] = {}
            for item in session.open_items():
                if item.dims not in unfits:
                    unfits[item.dims] = unfit_dimension(item.dims)
                unfit = unfits[item.dims]
                if unfit is not None:
                    gaps[unfit].append(item.id)
                    continue
                mapped = (item.transaction, item.dims)
                if mapped not in targets:
                    targets[mapped] = self.mapping.resolve(item.transaction, item.dims)
                target = targets[mapped]
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
