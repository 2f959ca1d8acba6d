"""Master data from the ERP: payers and payer classes, providers, facilities, departments / cost
centres, contracts and fee schedules, the chart of accounts.

Every master-data record is effective-dated: a claim is judged against the version valid on its date
of service (``Effective.covers``; ``version_on`` picks one among overlapping versions).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from revcycle.domain.money import money
from revcycle.domain.npi import validate_npi


@dataclass(frozen=True, slots=True)
class Effective:
    """A validity period, both ends inclusive; ``None`` means open-ended."""

    start: date | None = None
    end: date | None = None

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


ALWAYS = Effective()


def effective_errors(effective: Effective) -> list[str]:
    """What is wrong with a validity period (an end before its start)."""
    if effective.start and effective.end and effective.end < effective.start:
        return ["effective_end: before effective_start"]
    return []


T = TypeVar("T")


def version_on(versions: Iterable[tuple[Effective, T]], day: date | None) -> T | None:
    """The version valid on ``day`` among effective-dated versions of one record.

    Versions may overlap (a new version is often loaded before the old one is closed): among those
    covering the day, the one that started last wins (an open start counts as the earliest), so a
    new version supersedes an open-ended older one from its start date without the ERP having to
    close it; a later-listed version wins a tie (the last loaded). A closed version never covers a day
    after its end. ``day`` None asks for the current version: the one that started last.
    """
    best: tuple[date, int] | None = None
    chosen: T | None = None
    for order, (effective, value) in enumerate(versions):
        if day is not None and not effective.covers(day):
            continue
        rank = (effective.start or date.min, order)
        if best is None or rank >= best:
            best, chosen = rank, value
    return chosen


class PayerClass(enum.StrEnum):
    MEDICARE = "medicare"
    MEDICAID = "medicaid"
    COMMERCIAL = "commercial"
    SELF_PAY = "self_pay"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Payer:
    """A payer; ``payer_id`` is the id used on claims (X12 2010BB NM109, HL7 IN1-3)."""

    payer_id: str
    name: str
    payer_class: PayerClass = PayerClass.OTHER
    timely_filing_days: int | None = None
    effective: Effective = ALWAYS


@dataclass(frozen=True, slots=True)
class Provider:
    """A rendering / attending / billing provider, identified by a check-digit-valid NPI."""

    npi: str
    name: str
    taxonomy: str | None = None
    is_organization: bool = False
    effective: Effective = ALWAYS

    def __post_init__(self) -> None:
        validate_npi(self.npi)


@dataclass(frozen=True, slots=True)
class Facility:
    code: str
    name: str
    npi: str | None = None
    place_of_service: str | None = None
    legal_entity: str | None = None
    effective: Effective = ALWAYS


@dataclass(frozen=True, slots=True)
class Department:
    """A department and the cost centre its revenue posts to."""

    code: str
    name: str
    facility_code: str | None = None
    cost_centre: str | None = None
    service_line: str | None = None
    effective: Effective = ALWAYS


@dataclass(frozen=True, slots=True)
class FeeScheduleEntry:
    """The contracted amount for one procedure code (and optional modifier) under a contract."""

    procedure_code: str
    amount: Decimal
    modifier: str | None = None


@dataclass(frozen=True, slots=True)
class Contract:
    """A payer contract: its fee schedule, what it pays of it, and the underpayment tolerance."""

    contract_id: str
    payer_id: str
    fee_schedule: tuple[FeeScheduleEntry, ...] = ()
    percent_of_schedule: Decimal = Decimal("1")
    tolerance: Decimal = Decimal("0.00")
    effective: Effective = ALWAYS

    def expected(self, procedure_code: str, modifier: str | None = None) -> Decimal | None:
        """The contracted amount for a code (modifier-specific first), or None when not scheduled."""
        exact = fallback = None
        for entry in self.fee_schedule:
            if entry.procedure_code == procedure_code:
                if entry.modifier == modifier:
                    exact = entry.amount
                elif entry.modifier is None:
                    fallback = entry.amount
        amount = exact if exact is not None else fallback
        return None if amount is None else money(amount * self.percent_of_schedule)


@dataclass(frozen=True, slots=True)
class PayerClassDefinition:
    """A payer class (financial class) as the ERP defines it, and the category billing reasons with."""

    code: str
    name: str
    category: PayerClass = PayerClass.OTHER
    effective: Effective = ALWAYS


class AccountType(enum.StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    CONTRA_REVENUE = "contra_revenue"
    EXPENSE = "expense"


@dataclass(frozen=True, slots=True)
class GlAccount:
    """One account of the chart of accounts (journals post to it, by cost centre when given)."""

    account: str
    name: str
    account_type: AccountType
    cost_centre: str | None = None
    effective: Effective = ALWAYS
