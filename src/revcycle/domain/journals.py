"""General-ledger journals for the ERP. PHI-free by construction: no field here can hold a name, a
birth date, an MRN, a member id, an address or free text; references back to claims and messages are
kept on our side, not in the entry.

Invariant: an entry balances (sum of debits = sum of credits, and both are positive); constructing an
unbalanced entry raises ``UnbalancedJournal``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from revcycle.domain.errors import UnbalancedJournal
from revcycle.domain.money import ZERO, money, total


class JournalKind(enum.StrEnum):
    CHARGE = "charge"
    PAYER_PAYMENT = "payer_payment"
    CONTRACTUAL_ADJUSTMENT = "contractual_adjustment"
    PATIENT_RESPONSIBILITY = "patient_responsibility"
    PATIENT_PAYMENT = "patient_payment"
    WRITE_OFF = "write_off"
    REFUND = "refund"
    REVERSAL = "reversal"


@dataclass(frozen=True, slots=True)
class JournalLine:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    cost_centre: str | None = None
    legal_entity: str | None = None
    dimension: str | None = None  # e.g. payer class or service line code; never free text

    def __post_init__(self) -> None:
        if self.debit < ZERO or self.credit < ZERO or (self.debit > ZERO) == (self.credit > ZERO):
            raise UnbalancedJournal("a journal line carries exactly one positive side")
        if money(self.debit) != self.debit or money(self.credit) != self.credit:
            raise UnbalancedJournal("journal amounts are whole cents")


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """``key`` is the idempotency key the ERP de-duplicates on."""

    key: str
    kind: JournalKind
    posting_date: date
    period: str  # "YYYY-MM"
    lines: tuple[JournalLine, ...]
    currency: str = "USD"

    def __post_init__(self) -> None:
        if len(self.lines) < 2:
            raise UnbalancedJournal("a journal entry needs at least two lines")
        if self.debits != self.credits:
            raise UnbalancedJournal(f"debits {self.debits} != credits {self.credits}")

    @property
    def debits(self) -> Decimal:
        return total(line.debit for line in self.lines)

    @property
    def credits(self) -> Decimal:
        return total(line.credit for line in self.lines)
