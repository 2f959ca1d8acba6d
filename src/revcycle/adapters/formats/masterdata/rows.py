"""Reading one master-data row (a CSV line or a JSON object), collecting every problem it has.

Each accessor records a specific, PHI-free error (the field and the rule, never the value) and returns
a neutral value, so one pass over a row lists all its problems at once.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

E = TypeVar("E", bound=enum.Enum)

_TRUE = frozenset({"1", "true", "yes", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "f", ""})


class RowReader:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: list[str] = []

    def fail(self, message: str) -> None:
        self.errors.append(message)

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None or isinstance(value, (dict, list)):
            return None
        value = str(value).strip()
        return value or None

    def required(self, key: str) -> str:
        value = self.text(key)
        if value is None:
            self.fail(f"{key}: required")
            return ""
        return value

    def day(self, key: str) -> date | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            self.fail(f"{key}: not an ISO date (YYYY-MM-DD)")
            return None

    def decimal(self, key: str, default: str | None = None, *, minimum: Decimal | None = None) -> Decimal:
        value = self.text(key) or default
        if value is None:
            self.fail(f"{key}: required")
            return Decimal(0)
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.fail(f"{key}: not a decimal number")
            return Decimal(0)
        if not number.is_finite() or (minimum is not None and number < minimum):
            self.fail(f"{key}: must be a number >= {minimum}")
        return number

    def integer(self, key: str, *, minimum: int = 0) -> int | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            number = int(Decimal(value))
        except (InvalidOperation, ValueError):
            self.fail(f"{key}: not a whole number")
            return None
        if number < minimum:
            self.fail(f"{key}: must be >= {minimum}")
        return number

    def choice(self, key: str, kind: type[E], default: E) -> E:
        value = self.text(key)
        if value is None:
            return default
        for member in kind:
            if str(member.value).lower() == value.lower():
                return member
        allowed = ", ".join(str(m.value) for m in kind)
        self.fail(f"{key}: not one of {allowed}")
        return default

    def flag(self, key: str) -> bool:
        value = (self.text(key) or "").lower()
        if value not in _TRUE | _FALSE:
            self.fail(f"{key}: not true or false")
        return value in _TRUE
