"""Master data from the ERP: payers, providers, facilities, departments, contracts and fee schedules.

Every master-data record is effective-dated: a claim is judged against the version valid on its date
of service (``Effective.covers``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
