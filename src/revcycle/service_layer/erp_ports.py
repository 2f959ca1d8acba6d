"""The ports of ERP posting: the ledger the journal builder writes (one transaction per pass), the
outbox the poster relays, and the ERP itself (one Protocol every ERP adapter implements)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from revcycle.domain.erp_payload import ErpJournal
from revcycle.domain.gl_mapping import Dimensions
from revcycle.domain.journal_posting import JournalDraft
from revcycle.domain.journals import JournalKind
from revcycle.service_layer.errors import PermanentError, TransientError


class ErpUnavailable(TransientError):
    """The ERP could not be reached or did not answer in time: retry with backoff."""

    code = "erp_unavailable"


class ErpRejected(PermanentError):
    """The ERP refused the journals (a 4xx, a malformed answer): retrying cannot help."""

    code = "erp_rejected"


@dataclass(frozen=True, slots=True)
class OpenItem:
    """A posting item not yet in a journal (new, or quarantined for a GL gap)."""

    id: int
    transaction: JournalKind
    reversal: bool
    amount: Decimal
    transaction_date: date
    dims: Dimensions
    encounter_ref: str | None
    status: str
    gap: str | None


class LedgerSession(Protocol):
    """One builder pass, in one transaction."""

    def collect(self, now: datetime, limit: int) -> int: ...
    def open_items(self) -> list[OpenItem]: ...
    def quarantine(self, item_ids: Sequence[int], gap: str, now: datetime) -> None: ...
    def add_journals(self, drafts: Sequence[JournalDraft], now: datetime) -> list[int]: ...
    def report_gaps(self, gaps: dict[str, int], now: datetime) -> None: ...
    def commit(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Outbound:
    """A journal due for posting (an outbox row)."""

    outbox_id: int
    journal_id: int
    attempts: int  # including this one
    journal: ErpJournal


@dataclass(frozen=True, slots=True)
class ErpAck:
    key: str
    document_id: str


class ErpGateway(Protocol):
    """An ERP. ``post`` sends a batch and returns the acknowledgment of each journal it accepted
    (possibly an earlier one for a key it already held); it raises ErpUnavailable or ErpRejected for
    the whole batch. A journal missing from the answer is retried."""

    name: str

    def post(self, journals: Sequence[ErpJournal]) -> list[ErpAck]: ...


class PostingOutbox(Protocol):
    def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[Outbound]: ...
    def acknowledge(self, acks: Sequence[tuple[Outbound, str]], now: datetime) -> None: ...
    def retry(self, item: Outbound, at: datetime, error: str) -> None: ...
    def dead(self, item: Outbound, now: datetime, error: str) -> None: ...
