"""Money is ``Decimal`` rounded to cents, half-up, as X12 and FHIR amounts are."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from revcycle.domain.errors import DomainError

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    """Return ``value`` as a cent-rounded Decimal; raises DomainError for text that is not a number."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip() or "0")
    except InvalidOperation as exc:
        raise DomainError("amount is not a number") from exc
    if not amount.is_finite():
        raise DomainError("amount is not finite")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # more digits than the context's precision
        raise DomainError("amount is out of range") from exc


def total(amounts: Iterable[Decimal]) -> Decimal:
    """Sum of amounts, cent-rounded (``sum`` of an empty iterable is ``0.00``)."""
    return money(sum(amounts, ZERO))
