"""Element access and typed conversions shared by the transaction parsers, with 999 IK3/IK4 reporting.

:class:`SyntaxLog` collects element problems per segment and turns them into
:class:`~.errors.SegmentError` (IK3 code 8, "segment has data element errors") with their
:class:`~.errors.ElementError` (IK4) children, so a 999 can be generated from any parsed set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from revcycle.adapters.formats.x12.errors import ElementError, SegmentError
from revcycle.adapters.formats.x12.reader import Segment

#: IK4 element-error codes (element 621) used by the parsers.
MISSING = "1"
INVALID_CHARACTER = "6"
INVALID_CODE = "7"
INVALID_DATE = "8"


#: Appended to a segment before its handler runs, so that absent trailing elements read as "" by index
#: (``seg[5]``) without a length check; X12 segments the parsers read have at most 21 elements.
PAD: tuple[str, ...] = ("",) * 24


Handler = Callable[[Segment, int], None]


def dispatch(raw_segments: list[str], sep: str, handlers: Mapping[str, Handler]) -> None:
    """Call ``handlers[id](segment + PAD, position)`` for every segment whose id has a handler, in order
    (position: ST = 1). Segments without a handler are never split; the handler of a segment is looked
    up by its first four characters, which determine its id once they contain the element separator."""
    cache: dict[str, Handler | None] = {}
    for index, raw in enumerate(raw_segments):
        prefix = raw[:4]
        if prefix in cache:
            handler = cache[prefix]
        else:
            handler = handlers.get(raw.split(sep, 1)[0])
            if sep in prefix:
                cache[prefix] = handler
        if handler is not None:
            handler(tuple(raw.split(sep)) + PAD, index + 1)


def el(segment: Segment, index: int) -> str:
    """Element ``index`` of ``segment`` (1-based, as in ``CLM02``), or ``""`` when absent."""
    return segment[index] if index < len(segment) else ""


def opt(segment: Segment, index: int) -> str | None:
    """Element ``index`` or None when absent or empty."""
    value = segment[index] if index < len(segment) else ""
    return value or None


@dataclass(slots=True)
class SyntaxLog:
    """Element and segment problems of one transaction set, in 999 terms."""

    segment_errors: list[SegmentError] = field(default_factory=list)
    _pending: dict[int, tuple[str, str | None, list[ElementError]]] = field(default_factory=dict)

    def element(
        self,
        position: int,
        segment: Segment,
        element: int,
        code: str,
        reason: str,
        *,
        loop_id: str | None = None,
        component: int | None = None,
        element_ref: str | None = None,
    ) -> None:
        """Record an IK4 problem for element ``element`` of the segment at ``position`` (ST = 1)."""
        entry = self._pending.setdefault(position, (segment[0], loop_id, []))
        entry[2].append(ElementError(element, code, reason, component=component, element_ref=element_ref))

    def segment(
        self, position: int, segment_id: str, code: str, reason: str, loop_id: str | None = None
    ) -> None:
        """Record an IK3 problem for a whole segment (unexpected, missing, out of sequence)."""
        self.segment_errors.append(SegmentError(segment_id, position, code, reason, loop_id=loop_id))

    def finish(self) -> list[SegmentError]:
        """All problems, element ones grouped under their segment (IK3 code 8), in position order."""
        grouped = [
            SegmentError(seg_id, pos, "8", f"{seg_id} has data element errors", loop_id, tuple(errors))
            for pos, (seg_id, loop_id, errors) in self._pending.items()
        ]
        self._pending.clear()
        self.segment_errors.extend(grouped)
        self.segment_errors.sort(key=lambda e: e.position)
        return self.segment_errors

    def money(
        self, position: int, segment: Segment, index: int, *, required: bool, loop_id: str | None = None
    ) -> Decimal | None:
        """A monetary / decimal element (R type): ``Decimal``; IK4 1 when required and absent, 6 if bad."""
        raw = el(segment, index)
        if not raw:
            if required:
                self.element(
                    position, segment, index, MISSING, f"{segment[0]}{index:02d} is required", loop_id=loop_id
                )
            return None
        value = parse_decimal(raw)
        if value is None:
            self.element(
                position,
                segment,
                index,
                INVALID_CHARACTER,
                f"{segment[0]}{index:02d} is not a number",
                loop_id=loop_id,
            )
        return value

    def required(self, position: int, segment: Segment, index: int, loop_id: str | None = None) -> str:
        """A required element's value; IK4 1 when absent."""
        value = el(segment, index)
        if not value:
            self.element(
                position, segment, index, MISSING, f"{segment[0]}{index:02d} is required", loop_id=loop_id
            )
        return value


def is_digits(value: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts superscripts, which ``int`` refuses)."""
    return value.isascii() and value.isdigit()


def parse_decimal(raw: str) -> Decimal | None:
    """X12 R/N type: optional sign, digits, optional decimal point; None when not a finite number."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if not value.is_finite() or "e" in raw.lower() or raw.strip() != raw:
        return None
    return value


def parse_date(raw: str) -> date | None:
    """CCYYMMDD (D8) to a date, None when invalid."""
    if len(raw) != 8 or not is_digits(raw):
        return None
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return None


def parse_period(qualifier: str, raw: str) -> tuple[date, date] | None:
    """DTP/DTM date: D8 ``CCYYMMDD`` or RD8 ``CCYYMMDD-CCYYMMDD`` to (from, to); None when invalid."""
    if qualifier == "RD8":
        start, _, end = raw.partition("-")
        first, last = parse_date(start), parse_date(end)
        if first is None or last is None:
            return None
        return first, last
    single = parse_date(raw)
    return None if single is None else (single, single)


def format_decimal(value: Decimal) -> str:
    """X12 R type output: no exponent, no trailing zeros beyond the value, no leading ``+``."""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"
