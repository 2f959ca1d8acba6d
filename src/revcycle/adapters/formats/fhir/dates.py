"""FHIR R4 date, dateTime and instant strings (http://hl7.org/fhir/R4/datatypes.html#date) to Python.

Decoding keeps the strings as sent; the mapping converts them here. A partial date ("2020",
"2020-01") is a real FHIR value but not a day: it becomes None where a ``date`` is needed, never a
made-up first of the month. Text that is not a FHIR date at all (Blue Button test files carry
"IGNORED_FIELD") also becomes None: dates are never a reason to reject a message in the mapping.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?"
)


def precision(value: str | None) -> str | None:
    """ "year", "month", "day" or "time" for a FHIR date/dateTime string, None when it is not one."""
    if value is None:
        return None
    match = _DATE.fullmatch(value)
    if match is not None:
        return "day" if match.group(3) else "month" if match.group(2) else "year"
    return "time" if _DATETIME.fullmatch(value) else None


def to_date(value: str | None) -> date | None:
    """The day of a full date or dateTime ("2014-08-16", "2012-09-10T15:29:24+00:00"), else None."""
    if value is None:
        return None
    match = _DATE.fullmatch(value) or _DATETIME.fullmatch(value)
    if match is None or match.group(3) is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def to_datetime(value: str | None) -> datetime | None:
    """A dateTime as a datetime (aware when the string has an offset), a full date as its midnight
    (naive), anything less precise or invalid as None."""
    if value is None:
        return None
    match = _DATETIME.fullmatch(value)
    if match is None:
        day = to_date(value)
        return None if day is None else datetime(day.year, day.month, day.day)
    try:
        return datetime.fromisoformat(_normalised(match))
    except ValueError:
        return None


def _normalised(match: re.Match[str]) -> str:
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    text = f"{year}-{month}-{day}T{hour}:{minute}:{second or '00'}"
    if fraction:
        text += "." + fraction[:6].ljust(6, "0")
    if zone:
        text += "+00:00" if zone == "Z" else zone
    return text


def minutes_between(start: str | None, end: str | None) -> int | None:
    """Whole minutes from ``start`` to ``end`` (both dateTimes), or None."""
    first, last = to_datetime(start), to_datetime(end)
    if first is None or last is None or (first.tzinfo is None) != (last.tzinfo is None):
        return None
    delta: timedelta = last - first
    return int(delta.total_seconds() // 60)
