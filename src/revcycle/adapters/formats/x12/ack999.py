"""999 implementation acknowledgment (005010X231A1) and TA1 interchange acknowledgment parsers.

999: AK1 (acknowledged group: GS01, GS06, GS08), per transaction set AK2 (ST01, ST02, ST03), IK3 segment
errors (IK301 id, IK302 position, IK303 loop, IK304 code) with CTX context and IK4 element errors (IK401
position:component:repetition, IK402 element number, IK403 code; IK404, a copy of the bad data, is not
kept because it may hold PHI), IK5 status (A accepted, E accepted with errors, R rejected, M/W/X) and codes,
AK9 group status (A, E, P partially accepted, R) with counts and codes. A 997 (AK3/AK4/AK5) is read the
same way.

TA1 (in an interchange without GS): TA101 acknowledged ISA13, TA102 date, TA103 time, TA104 status
(A, E, R), TA105 note code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from revcycle.adapters.formats.x12.codes import IK3_CODES, IK4_CODES, describe
from revcycle.adapters.formats.x12.elements import el, is_digits, opt
from revcycle.adapters.formats.x12.envelope import TransactionSet
from revcycle.adapters.formats.x12.errors import ElementError, SegmentError
from revcycle.adapters.formats.x12.reader import Segment


@dataclass(slots=True)
class AckedTransaction:
    """AK2 + IK3/IK4 + IK5: one acknowledged transaction set."""

    transaction_type: str
    control_number: str
    implementation: str | None = None
    status: str | None = None
    error_codes: tuple[str, ...] = ()
    segment_errors: list[SegmentError] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")


@dataclass(slots=True)
class FunctionalAck:
    """One 999 (or 997) transaction set acknowledging one functional group."""

    control_number: str
    implementation: str | None
    functional_id: str | None = None
    group_control_number: str | None = None
    group_version: str | None = None
    transactions: list[AckedTransaction] = field(default_factory=list)
    status: str | None = None
    included: int | None = None
    received: int | None = None
    accepted: int | None = None
    error_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InterchangeAck:
    """TA1: the acknowledged interchange's control number, date, time, status and note code."""

    control_number: str
    date: str
    time: str
    status: str
    note_code: str

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")


def _int(value: str) -> int | None:
    return int(value) if is_digits(value) else None


def _codes(segment: Segment, first: int, last: int) -> tuple[str, ...]:
    return tuple(v for v in (el(segment, i) for i in range(first, last + 1)) if v)


def _element_error(segment: Segment, comp: str) -> ElementError:
    position = el(segment, 1).split(comp)
    code = el(segment, 3)
    return ElementError(
        position=_int(position[0]) or 0,
        code=code,
        reason=describe(IK4_CODES, code),
        component=_int(position[1]) if len(position) > 1 else None,
        repetition=_int(position[2]) if len(position) > 2 else None,
        element_ref=opt(segment, 2),
    )


def parse_functional_ack(ts: TransactionSet) -> FunctionalAck:
    """Parse a 999 (or 997) transaction set."""
    comp = ts.delimiters.component
    ack = FunctionalAck(ts.control_number, ts.implementation or ts.group.version)
    current: AckedTransaction | None = None
    segment_error: SegmentError | None = None
    elements: list[ElementError] = []

    def close_segment() -> None:
        nonlocal segment_error, elements
        if current is not None and segment_error is not None:
            current.segment_errors.append(
                SegmentError(
                    segment_error.segment_id,
                    segment_error.position,
                    segment_error.code,
                    segment_error.reason,
                    segment_error.loop_id,
                    tuple(elements),
                )
            )
        segment_error, elements = None, []

    for seg in ts.segments:
        tag = seg[0]
        if tag == "AK1":
            ack.functional_id, ack.group_control_number, ack.group_version = (
                opt(seg, 1),
                opt(seg, 2),
                opt(seg, 3),
            )
        elif tag == "AK2":
            close_segment()
            current = AckedTransaction(el(seg, 1), el(seg, 2), opt(seg, 3))
            ack.transactions.append(current)
        elif tag in ("IK3", "AK3"):
            close_segment()
            code = el(seg, 4)
            segment_error = SegmentError(
                el(seg, 1), _int(el(seg, 2)) or 0, code, describe(IK3_CODES, code), opt(seg, 3)
            )
        elif tag in ("IK4", "AK4"):
            elements.append(_element_error(seg, comp))
        elif tag in ("IK5", "AK5"):
            close_segment()
            if current is not None:
                current.status, current.error_codes = opt(seg, 1), _codes(seg, 2, 6)
        elif tag == "AK9":
            close_segment()
            ack.status, ack.error_codes = opt(seg, 1), _codes(seg, 5, 9)
            ack.included, ack.received, ack.accepted = _int(el(seg, 2)), _int(el(seg, 3)), _int(el(seg, 4))
    return ack


def parse_ta1(segment: Segment) -> InterchangeAck:
    """Parse a TA1 segment."""
    return InterchangeAck(el(segment, 1), el(segment, 2), el(segment, 3), el(segment, 4), el(segment, 5))
