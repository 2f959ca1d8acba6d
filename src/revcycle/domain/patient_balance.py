"""What the patient owes, and how a patient payment is applied to it.

The patient's share of a claim is the patient responsibility its payers left (835 CAS group PR:
deductible PR-1, coinsurance PR-2, copay PR-3; X12 835 TR3 1.10.2.4). One visit's claims share a patient
control number (CLM01): the primary, a secondary or tertiary claim (coordination of benefits) and
corrected claims. The patient owes the share left by the highest-rank payer that has adjudicated
(the same rule as the claim page's account); one visit is one *open item*, and payments are applied to
the visit's current claim.

A payment is applied the way a billing office applies it (``allocate``): to the visit it names first
(HL7 PV1-19 / PID-18 visit or account number, or the claim's control number), then to the other open
items oldest service date first (FIFO); what is left is the patient's credit (unapplied). A refund (a
negative payment) takes back credit first, then un-applies payments from the named visit and the newest
items (reopening their balances); a refund beyond both leaves a negative credit (the patient was repaid
more than they paid). Credit is applied to balances that appear later (``apply_credit``), e.g. a copay
collected at the desk before the payer's 835.

Pure: no I/O; Decimal money throughout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from revcycle.domain.money import ZERO, money, total
from revcycle.domain.phi import phi_field

_LATEST = date.max


@dataclass(frozen=True, slots=True)
class ClaimShare:
    """One claim's figures for the patient ledger: its patient responsibility (summed postings),
    whether any payer has adjudicated it, and the patient payments applied to it."""

    claim_id: int
    patient_control_number: str
    payer_rank: int
    service_date: date | None
    ended: bool  # replaced or voided
    adjudicated: bool
    patient_responsibility: Decimal = ZERO
    applied: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class OpenItem:
    """One visit (patient control number): what the patient owes on it and what they paid to it.
    ``claim_id`` is the claim payments are applied to (the visit's current claim)."""

    claim_id: int
    patient_control_number: str
    service_date: date | None
    responsibility: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        """Positive: owed by the patient; negative: paid beyond the share (a credit)."""
        return money(self.responsibility - self.paid)


@dataclass(frozen=True, slots=True)
class Application:
    """An amount of one payment applied to one claim (negative: un-applied by a refund)."""

    claim_id: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Allocation:
    """Where a payment went: its applications, and what is left (``unapplied``: positive adds to the
    patient's credit, negative takes credit back)."""

    applications: tuple[Application, ...]
    unapplied: Decimal

    @property
    def applied(self) -> Decimal:
        return total(a.amount for a in self.applications)


@dataclass(frozen=True, slots=True)
class Credit:
    """A payment with an unapplied amount (negative for a refund that took credit back)."""

    payment_id: int
    unapplied: Decimal


@dataclass(frozen=True, slots=True)
class CreditApplication:
    payment_id: int
    claim_id: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PatientPosition:
    """A patient's (or a visit's) figures: responsibility, paid, balance still owed, and credit."""

    responsibility: Decimal
    paid: Decimal
    balance: Decimal
    credit: Decimal

    def as_dict(self) -> dict[str, str]:
        return {
            "patient_responsibility": str(self.responsibility),
            "patient_paid": str(self.paid),
            "patient_balance": str(self.balance),
            "credit": str(self.credit),
        }


def open_items(shares: Iterable[ClaimShare]) -> list[OpenItem]:
    """One item per patient control number, oldest service date first. The responsibility is the
    highest-rank adjudicated live claim's (a secondary takes the primary's share over); payments count
    whichever claim of the visit they were applied to (a corrected claim keeps what the patient paid)."""
    groups: dict[str, list[ClaimShare]] = {}
    for share in shares:
        groups.setdefault(share.patient_control_number, []).append(share)
    items: list[OpenItem] = []
    for pcn, members in groups.items():
        live = [s for s in members if not s.ended]
        adjudicated = [s for s in live if s.adjudicated]
        top = max(adjudicated, key=lambda s: (s.payer_rank, s.claim_id), default=None)
        paid = total(s.applied for s in members)
        if top is None and paid == ZERO:
            continue
        current = top or max(live or members, key=lambda s: s.claim_id)
        dates = [s.service_date for s in members if s.service_date is not None]
        items.append(
            OpenItem(
                claim_id=current.claim_id,
                patient_control_number=pcn,
                service_date=min(dates) if dates else None,
                responsibility=money(top.patient_responsibility) if top is not None else ZERO,
                paid=paid,
            )
        )
    return sorted(items, key=_oldest_first)


def _oldest_first(item: OpenItem) -> tuple[date, int]:
    return (item.service_date or _LATEST, item.claim_id)


def _named_first(items: Sequence[OpenItem], named: str | None, *, newest: bool = False) -> list[OpenItem]:
    ordered = sorted(items, key=_oldest_first, reverse=newest)
    return [i for i in ordered if i.patient_control_number == named] + [
        i for i in ordered if i.patient_control_number != named
    ]


def allocate(
    amount: Decimal, items: Sequence[OpenItem], *, named: str | None = None, credit: Decimal = ZERO
) -> Allocation:
    """Apply a payment (``amount`` > 0) or a refund (``amount`` < 0) over the patient's open items.
    ``named`` is the patient control number (visit) the payment names; ``credit`` what the patient has
    unapplied before it (a refund takes it back first)."""
    amount = money(amount)
    applications: list[Application] = []
    if amount > ZERO:
        rest = amount
        for item in _named_first(items, named):
            if rest == ZERO:
                break
            take = min(rest, item.balance)
            if take > ZERO:
                applications.append(Application(item.claim_id, take))
                rest -= take
        return Allocation(tuple(applications), money(rest))
    if amount < ZERO:
        from_credit = min(-amount, max(money(credit), ZERO))
        rest = -amount - from_credit
        for item in _named_first(items, named, newest=True):
            if rest == ZERO:
                break
            take = min(rest, item.paid)
            if take > ZERO:
                applications.append(Application(item.claim_id, -take))
                rest -= take
        return Allocation(tuple(applications), money(-from_credit - rest))
    return Allocation((), ZERO)


def apply_credit(credits: Sequence[Credit], items: Sequence[OpenItem]) -> tuple[CreditApplication, ...]:
    """Apply the patient's credit to open balances, oldest item first, from the oldest payment with an
    unapplied amount. Only the net credit is available (a refund that took credit back counts)."""
    available = max(total(c.unapplied for c in credits), ZERO)
    sources = sorted((c for c in credits if c.unapplied > ZERO), key=lambda c: c.payment_id)
    left = [c.unapplied for c in sources]
    at = 0
    found: list[CreditApplication] = []
    for item in sorted(items, key=_oldest_first):
        need = min(item.balance, available)
        while need > ZERO and at < len(sources):
            take = min(need, left[at])
            found.append(CreditApplication(sources[at].payment_id, item.claim_id, money(take)))
            need, available, left[at] = need - take, available - take, left[at] - take
            if left[at] == ZERO:
                at += 1
    return tuple(found)


def position(items: Iterable[OpenItem], unapplied: Decimal = ZERO) -> PatientPosition:
    """The totals over open items: a balance never goes below zero per item; what was paid beyond an
    item's share (e.g. after a payer's reversal lowered it) counts as credit with the unapplied."""
    items = list(items)
    return PatientPosition(
        responsibility=total(i.responsibility for i in items),
        paid=total(i.paid for i in items),
        balance=total(max(i.balance, ZERO) for i in items),
        credit=money(unapplied + total(max(-i.balance, ZERO) for i in items)),
    )


@dataclass(frozen=True, slots=True)
class ReceivedPayment:
    """A patient payment as received: from an HL7 DFT FT1 (FT1-6 = PY or CO; FT1-2 the reference,
    PV1-19 / PID-18 the visit it names), or a RecordPatientPayment command (its patient control
    number). ``amount`` < 0 is a refund."""

    patient_key: str | None = phi_field()  # embeds the MRN
    amount: Decimal = ZERO
    reference: str | None = None
    claim_reference: str | None = None  # the visit / patient control number the payment names
    received_at: datetime | None = None
    method: str | None = None
    source: str = "command"  # "hl7" (a DFT FT1 line) or "command"
    charge_id: int | None = None

    def dedup_key(self, correlation_id: str) -> str | None:
        """The same payment again in the same message (same patient, visit, reference and amount) is
        one payment, as it is one outbox row for the ERP journals; a payment line of a DFT (``hl7``) is
        one charge row, journalled as such, so it is never folded (None)."""
        if self.source == "hl7" or not self.reference:
            return None
        seen = "|".join(
            (
                correlation_id,
                self.patient_key or "",
                self.claim_reference or "",
                self.reference,
                str(money(self.amount)),
            )
        )
        return hashlib.sha256(seen.encode()).hexdigest()[:40]
