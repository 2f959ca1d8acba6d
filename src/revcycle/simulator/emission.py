"""What the simulator produces: one :class:`Emission` per message, with its control numbers and clock.

Control numbers are unique per sender (HL7 MSH-10; X12 ISA13, GS06 and ST02), as the standards require
(HL7 v2.5.1 Ch. 2 §2.15.9.10; X12 5010 envelope: ISA13 unique per sender, GS06 unique per sender per
functional group, ST02 unique within the group; we keep ST02 unique per sender too).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(slots=True)
class Emission:
    """One message as its source sends it.

    ``source`` is the folder it is written to (erp, scheduling, adt, charges, payments, claims, acks,
    remits, fhir); ``message_type`` is what revcycle's ``identify`` calls it (``SIU_S12``, ``837P``,
    ``Encounter``, ``MD_PAYER``); ``kind`` is the master-data kind or the FHIR resource type.
    ``resend`` marks an exact copy of an earlier message (same bytes, same control id).
    """

    day: int
    minute: int
    source: str
    format: str
    message_type: str
    control_id: str
    sender: str
    payload: bytes
    extension: str
    kind: str | None = None
    resend: bool = False


class Counters:
    """Monotonic counters by name (per sender, per id kind); a run's counters start at 1."""

    def __init__(self, offset: int = 0) -> None:
        self._values: dict[str, int] = {}
        self._offset = offset

    def next(self, name: str) -> int:
        value = self._values.get(name, self._offset) + 1
        self._values[name] = value
        return value


class Clock:
    """Day indices to dates and the text forms the standards use (cached per day)."""

    def __init__(self, start: dt.date) -> None:
        self.start = start
        self._ymd: dict[int, str] = {}
        self._minutes = tuple(f"{m // 60:02d}{m % 60:02d}" for m in range(1440))

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def ymd(self, day: int) -> str:
        """CCYYMMDD (HL7 DT, X12 D8)."""
        found = self._ymd.get(day)
        if found is None:
            found = self._ymd[day] = self.date(day).strftime("%Y%m%d")
        return found

    def weekday(self, day: int) -> int:
        """0 = Monday."""
        return (self.start.weekday() + day) % 7

    def iso(self, day: int) -> str:
        ymd = self.ymd(day)
        return f"{ymd[:4]}-{ymd[4:6]}-{ymd[6:]}"

    def hhmm(self, minute: int) -> str:
        return self._minutes[min(max(minute, 0), 1439)]

    def ts(self, day: int, minute: int) -> str:
        """HL7 DTM to the second: CCYYMMDDHHMMSS."""
        return f"{self.ymd(day)}{self.hhmm(minute)}00"

    def fhir_instant(self, day: int, minute: int) -> str:
        hhmm = self.hhmm(minute)
        return f"{self.iso(day)}T{hhmm[:2]}:{hhmm[2:]}:00-08:00"

    def day_of(self, value: dt.date) -> int:
        return (value - self.start).days
