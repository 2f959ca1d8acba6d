"""Interchange (ISA/IEA), functional group (GS/GE) and transaction set (ST/SE) structure and checks.

:class:`EnvelopeReader` walks the segments of :class:`~.reader.SegmentReader` and yields one
:class:`TransactionSet` at a time (its segments from ST to SE), so memory is bounded by the largest
transaction set (the 837 TR3 recommends at most 5,000 claims per ST). The envelope is summarised as it is
read in :attr:`EnvelopeReader.interchanges` (headers, trailer checks, per-set acknowledgment records).

Checks and the acknowledgment codes they map to (X12.5 / 999 TR3 005010X231A1):

========================================  =========================================================
check                                      code
========================================  =========================================================
ISA field invalid / wrong length           TA105 005-020, 027 (rejects)
IEA01 = number of GS                       TA105 021 (noted, TA104 = E)
IEA02 = ISA13                              TA105 001 (noted)
IEA missing at end of data                 TA105 023 (rejects)
ISA13 repeated in the same file            TA105 025 (noted)
segments outside GS/GE, stray GE/SE        TA105 024 (rejects)
GE01 = number of ST in the group           AK9 5 (noted, AK901 = E unless a set is rejected)
GE02 = GS06                                AK9 4 (noted)
GE missing                                 AK9 3 (rejects the group)
GS06 not 1-9 digits / repeated             AK9 6 (rejects) / AK9 19 (noted)
GS08 not a 004010/005010 version           AK9 2 (noted: content decides the parser)
SE01 = number of segments ST..SE           IK5 4 (rejects the set)
SE02 = ST02                                IK5 3 (rejects)
SE missing                                 IK5 2 (rejects)
ST01 missing / not for GS01                IK5 6 (rejects)
ST02 missing or not 4-9 characters         IK5 7 (rejects)
ST02 repeated in the group                 IK5 23 (rejects)
segment id not 2-3 upper-case alnum        IK3 1 (rejects)
========================================  =========================================================

"Noted" trailer problems mean the content arrived whole but the sender's counts or control numbers are
off: we acknowledge with errors noted (TA1 E, AK9 E) instead of rejecting what we fully received.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from revcycle.adapters.formats.x12.envelope_model import (
    FUNCTIONAL_IDS,
    GroupHeader,
    GroupSummary,
    InterchangeHeader,
    InterchangeSummary,
    TransactionAck,
    TransactionSet,
)
from revcycle.adapters.formats.x12.errors import (
    GroupError,
    InterchangeNote,
    InterchangeRejected,
    SegmentError,
    TransactionError,
    TruncatedInterchange,
)
from revcycle.adapters.formats.x12.reader import DEFAULT_CHUNK_SIZE, Segment, SegmentReader

__all__ = [
    "FUNCTIONAL_IDS",
    "EnvelopeReader",
    "GroupHeader",
    "GroupSummary",
    "InterchangeHeader",
    "InterchangeSummary",
    "TransactionAck",
    "TransactionSet",
]


def _el(segment: Segment, index: int) -> str:
    return segment[index] if index < len(segment) else ""


_ENVELOPE_IDS = frozenset({"ST", "SE", "GE", "GS", "ISA", "IEA"})


@dataclass(slots=True)
class _Walk:
    """Where the envelope walk is: open interchange, group and transaction set."""

    ic: InterchangeSummary | None = None
    group: GroupSummary | None = None
    ack: TransactionAck | None = None
    body: list[str] = field(default_factory=list)
    first: int = 0


_EMPTY_GROUP = GroupHeader("", "", "", "", "", "", "", "")


class EnvelopeReader:
    """Yield the transaction sets of a stream and check the envelope around them.

    With ``strict`` a rejecting ISA note raises :class:`InterchangeRejected` before any of the
    interchange's sets is yielded, and data that ends without its IEA raises :class:`TruncatedInterchange`
    after the last set; without it every problem is only recorded in :attr:`interchanges`.
    """

    def __init__(
        self,
        source: bytes | bytearray | memoryview | BinaryIO,
        *,
        strict: bool = False,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        self.segments = SegmentReader(source, chunk_size=chunk_size)
        self.strict = strict
        self.interchanges: list[InterchangeSummary] = []

    def __iter__(self) -> Iterator[TransactionSet]:
        return self._transactions()

    # -- helpers -------------------------------------------------------------------------------------

    @staticmethod
    def _valid_segment_id(tag: str) -> bool:
        return 2 <= len(tag) <= 3 and tag.isalnum() and tag.isascii() and tag == tag.upper()

    def _note(self, ic: InterchangeSummary, code: str, reason: str, rejects: bool = True) -> None:
        if not any(n.code == code and n.reason == reason for n in ic.notes):
            ic.notes.append(InterchangeNote(code, reason, rejects))

    def _open_interchange(self) -> InterchangeSummary:
        isa = self.segments.isa
        assert isa is not None
        header = InterchangeHeader.from_isa(isa)
        ic = InterchangeSummary(header=header, notes=list(isa.notes))
        if any(prev.header.control_number == header.control_number for prev in self.interchanges):
            self._note(ic, "025", "ISA13 repeats an earlier interchange's control number", rejects=False)
        self.interchanges.append(ic)
        if self.strict and ic.rejected:
            raise InterchangeRejected(
                "interchange rejected: " + "; ".join(n.reason for n in ic.notes if n.rejects),
                location="ISA",
                ta1_code=next(n.code for n in ic.notes if n.rejects),
                notes=tuple(ic.notes),
            )
        return ic

    @staticmethod
    def _open_group(segment: Segment, ic: InterchangeSummary) -> GroupSummary:
        header = GroupHeader(*(_el(segment, i).strip() for i in range(1, 9)))
        group = GroupSummary(header=header)
        number = header.control_number
        if not (1 <= len(number) <= 9 and number.isascii() and number.isdigit()):
            group.errors.append(GroupError("6", "GS06 group control number is missing or not 1-9 digits"))
        elif any(g.header.control_number == number for g in ic.groups):
            group.errors.append(
                GroupError("19", "GS06 repeats another group's control number in the interchange", False)
            )
        if not header.version.startswith(("00501", "00401")):
            group.errors.append(GroupError("2", "GS08 is not a 004010 or 005010 version code", False))
        ic.groups.append(group)
        return group

    @staticmethod
    def _close_group(group: GroupSummary, segment: Segment | None) -> None:
        group.closed = True
        if segment is None:
            group.errors.append(GroupError("3", "GE functional group trailer missing"))
            return
        group.trailer_count = _el(segment, 1)
        if _el(segment, 1) != str(len(group.transactions)):
            group.errors.append(
                GroupError("5", "GE01 does not match the number of transaction sets in the group", False)
            )
        if _el(segment, 2).strip() != group.header.control_number:
            group.errors.append(GroupError("4", "GE02 does not match GS06", False))

    @staticmethod
    def _open_set(segment: Segment, group: GroupSummary) -> TransactionAck:
        ack = TransactionAck(
            _el(segment, 1).strip(), _el(segment, 2).strip(), _el(segment, 3).strip() or None
        )
        tx_type, number = ack.transaction_type, ack.control_number
        expected_gs01 = FUNCTIONAL_IDS.get(tx_type)
        if len(tx_type) != 3 or not tx_type.isalnum():
            ack.errors.append(TransactionError("6", "ST01 transaction set identifier is missing or invalid"))
        elif expected_gs01 is not None and group.header.functional_id not in ("", expected_gs01):
            ack.errors.append(TransactionError("6", "ST01 does not belong to the group's GS01 functional id"))
        if not 4 <= len(number) <= 9:
            ack.errors.append(TransactionError("7", "ST02 control number is missing or not 4-9 characters"))
        elif number in group.control_numbers:
            ack.errors.append(
                TransactionError("23", "ST02 repeats another set's control number in the group")
            )
        group.control_numbers.add(number)
        group.transactions.append(ack)
        return ack

    @staticmethod
    def _close_set(ack: TransactionAck, count: int, trailer: Segment | None) -> None:
        if trailer is None:
            ack.errors.append(TransactionError("2", "SE transaction set trailer missing"))
            return
        if _el(trailer, 1) != str(count):
            ack.errors.append(TransactionError("4", "SE01 does not match the number of segments ST..SE"))
        if _el(trailer, 2).strip() != ack.control_number:
            ack.errors.append(TransactionError("3", "SE02 does not match ST02"))

    # -- the walk ------------------------------------------------------------------------------------

    def _transactions(self) -> Iterator[TransactionSet]:
        state = _Walk()
        known: dict[str, str] = {}  # first four characters of a valid non-envelope segment -> its id
        reader = self.segments
        for batch in reader.raw_batches():
            sep = reader.element_separator
            base = reader.segment_count - len(batch)
            marks = [i for i, raw in enumerate(batch) if raw[:4] not in known]
            prev = 0
            for i in marks:
                if prev < i:
                    self._plain(state, batch, prev, i, sep)
                prev = i + 1
                raw = batch[i]
                segment = tuple(raw.split(sep))
                tag = segment[0]
                if tag in _ENVELOPE_IDS:
                    if tag == "ISA":
                        known = {}  # the next interchange may use other delimiters
                    yield from self._envelope_segment(state, segment, raw, base + i + 1)
                    continue
                if self._valid_segment_id(tag):
                    if sep in raw[:4] or len(raw) < 4:  # the prefix determines the id
                        known[raw[:4]] = tag
                    self._plain(state, batch, i, i + 1, sep)
                else:
                    self._plain(state, batch, i, i + 1, sep)
                    if state.ack is not None:
                        reason = "segment identifier is not recognised"
                        state.ack.segment_errors.append(SegmentError(tag[:3], len(state.body), "1", reason))
            if prev < len(batch):
                self._plain(state, batch, prev, len(batch), sep)
        yield from self._finish(state)

    def _plain(self, state: _Walk, batch: list[str], start: int, stop: int, sep: str) -> None:
        """Segments that are not envelope segments: the body of the open set, else misplaced."""
        if state.ack is not None:
            state.body.extend(batch[start:stop])
            return
        ic = state.ic
        assert ic is not None
        for raw in batch[start:stop]:
            segment = tuple(raw.split(sep))
            if segment[0] == "TA1" and (state.group is None or state.group.closed):
                ic.ta1_segments.append(segment)
            else:
                self._note(ic, "024", "segment outside a transaction set")

    def _flush_set(self, state: _Walk, trailer: Segment | None, raw: str | None) -> Iterator[TransactionSet]:
        if state.ack is not None and state.group is not None and state.ic is not None:
            if raw is not None:
                state.body.append(raw)
            self._close_set(state.ack, len(state.body), trailer)
            yield TransactionSet(state.body, state.ack, state.group.header, state.ic.header, state.first)
        state.ack, state.body = None, []

    def _envelope_segment(
        self, state: _Walk, segment: Segment, raw: str, position: int
    ) -> Iterator[TransactionSet]:
        tag = segment[0]
        if tag == "ISA":
            if state.ic is not None and not state.ic.closed:
                yield from self._flush_set(state, None, None)
                if state.group is not None and not state.group.closed:
                    self._close_group(state.group, None)
                self._note(state.ic, "023", "IEA interchange trailer missing before the next ISA")
            state.ic = self._open_interchange()
            state.group = None
            return
        ic = state.ic
        assert ic is not None
        if tag == "SE":
            if state.ack is None:
                self._note(ic, "024", "SE segment outside a transaction set")
            else:
                yield from self._flush_set(state, segment, raw)
            return
        yield from self._flush_set(state, None, None)
        group = state.group
        if tag == "ST":
            if group is None or group.closed:
                self._note(ic, "024", "ST segment outside a functional group")
                group = state.group = GroupSummary(header=_EMPTY_GROUP)
                group.errors.append(GroupError("3", "transaction set outside GS/GE"))
                ic.groups.append(group)
            state.ack = self._open_set(segment, group)
            state.body = [raw]
            state.first = position
        elif tag == "GS":
            if group is not None and not group.closed:
                self._close_group(group, None)
            state.group = self._open_group(segment, ic)
        elif tag == "GE":
            if group is None or group.closed:
                self._note(ic, "024", "GE segment outside a functional group")
            else:
                self._close_group(group, segment)
        else:  # IEA
            if group is not None and not group.closed:
                self._close_group(group, None)
            self._close_interchange(ic, segment)

    def _finish(self, state: _Walk) -> Iterator[TransactionSet]:
        yield from self._flush_set(state, None, None)
        ic = state.ic
        if ic is not None and not ic.closed:
            if state.group is not None and not state.group.closed:
                self._close_group(state.group, None)
            self._note(ic, "023", "the data ends before the IEA interchange trailer")
            if self.strict:
                raise TruncatedInterchange(
                    "the data ends before the IEA interchange trailer", location="IEA", ta1_code="023"
                )

    @staticmethod
    def _close_interchange(ic: InterchangeSummary, segment: Segment) -> None:
        ic.closed = True
        if _el(segment, 1) != str(len(ic.groups)):
            ic.notes.append(
                InterchangeNote("021", "IEA01 does not match the number of functional groups", False)
            )
        if _el(segment, 2) != ic.header.control_number:
            ic.notes.append(InterchangeNote("001", "IEA02 does not match ISA13", False))
