"""The acknowledgments we return: 999 (005010X231A1) per inbound functional group, TA1 per interchange.

Statuses:

* IK501 (per set): ``A`` when the set has no errors, else ``R`` with its IK5 codes (plus ``5``, "one or
  more segments in error", when IK3 segment errors were found);
* AK901 (per group): ``R`` when a rejecting group error exists (trailer missing, control number syntax) or
  no set was accepted; ``P`` when some sets were accepted and some rejected; ``E`` when all sets were
  accepted but errors were noted (GE01 count, GE02, repeated GS06); ``A`` otherwise;
* TA104: ``R`` for a rejecting interchange note, ``E`` for noted ones (IEA01, IEA02), ``A`` otherwise;
  TA105 is the first such note's code, ``000`` when there is none.

Our interchange sender id, qualifier and GS02 application code are parameters (:class:`Party12`); the
receiver is the inbound interchange's sender (ISA05/ISA06, GS02). Date, time and control numbers are
parameters, so the output is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from revcycle.adapters.formats.x12.document import iter_transactions
from revcycle.adapters.formats.x12.envelope import (
    GroupSummary,
    InterchangeHeader,
    InterchangeSummary,
    TransactionAck,
)
from revcycle.adapters.formats.x12.reader import Source
from revcycle.adapters.formats.x12.writer import Party12, SegmentWriter, close_interchange, open_interchange

IMPLEMENTATION_999 = "005010X231A1"
_NOT_LOOP_IDS = frozenset({"HEADER", "SUMMARY", ""})


def transaction_status(ack: TransactionAck) -> tuple[str, list[str]]:
    """IK501 and IK502-IK506 for one transaction set."""
    codes = [e.code for e in ack.errors]
    if ack.segment_errors and "5" not in codes:
        codes.append("5")
    codes = list(dict.fromkeys(codes))
    return ("R" if codes else "A"), codes[:5]


def group_status(group: GroupSummary) -> tuple[str, int, list[str]]:
    """AK901, AK904 (accepted sets) and AK905-AK909 for one functional group."""
    accepted = sum(1 for t in group.transactions if transaction_status(t)[0] == "A")
    codes = list(dict.fromkeys(e.code for e in group.errors))[:5]
    if any(e.rejects for e in group.errors) or accepted == 0:
        return "R", accepted, codes
    if accepted < len(group.transactions):
        return "P", accepted, codes
    return ("E" if codes else "A"), accepted, codes


def _write_set_ack(w: SegmentWriter, ack: TransactionAck) -> None:
    w.segment("AK2", ack.transaction_type, ack.control_number, ack.implementation)
    for error in ack.segment_errors:
        loop_id = None if (error.loop_id or "") in _NOT_LOOP_IDS else error.loop_id
        w.segment("IK3", error.segment_id, error.position, loop_id, error.code)
        for element in error.elements:
            position = w.composite(element.position, element.component, element.repetition)
            w.segment("IK4", position, element.element_ref, element.code)
    status, codes = transaction_status(ack)
    w.segment("IK5", status, *codes)


def write_999(w: SegmentWriter, group: GroupSummary, set_control_number: int) -> None:
    """One ST..SE 999 acknowledging ``group``."""
    start = len(w.lines)
    control = f"{set_control_number:04d}"
    w.segment("ST", "999", control, IMPLEMENTATION_999)
    header = group.header
    w.segment("AK1", header.functional_id, header.control_number, header.version)
    for ack in group.transactions:
        _write_set_ack(w, ack)
    status, accepted, codes = group_status(group)
    received = len(group.transactions)
    included = (
        group.trailer_count
        if (group.trailer_count or "").isascii() and (group.trailer_count or "").isdigit()
        else str(received)
    )
    w.segment("AK9", status, included, received, accepted, *codes)
    w.segment("SE", w.count_since(start) + 1, control)


def build_999(
    interchange: InterchangeHeader,
    groups: Sequence[GroupSummary],
    *,
    sender: Party12,
    control_number: int,
    now: datetime,
    group_control_number: int = 1,
    usage: str | None = None,
) -> bytes:
    """An interchange with one FA group holding one 999 per acknowledged group."""
    w = SegmentWriter()
    receiver = Party12(
        interchange.sender_qualifier,
        interchange.sender_id,
        groups[0].header.sender if groups and groups[0].header.sender else interchange.sender_id,
    )
    open_interchange(
        w, sender=sender, receiver=receiver, control_number=control_number, now=now,
        usage=usage or interchange.usage or "P", functional_id="FA",
        group_control_number=group_control_number, version=IMPLEMENTATION_999,
    )  # fmt: skip
    for number, group in enumerate(groups, start=1):
        write_999(w, group, number)
    close_interchange(
        w,
        control_number=control_number,
        groups=1,
        group_control_number=group_control_number,
        sets=len(groups),
    )
    return w.render()


def ta1_status(interchange: InterchangeSummary) -> tuple[str, str]:
    """TA104 and TA105 for an inbound interchange."""
    rejecting = [n for n in interchange.notes if n.rejects]
    if rejecting:
        return "R", rejecting[0].code
    if interchange.notes:
        return "E", interchange.notes[0].code
    return "A", "000"


def build_ta1(
    interchange: InterchangeSummary,
    *,
    sender: Party12,
    control_number: int,
    now: datetime,
    usage: str | None = None,
) -> bytes:
    """An interchange (no functional group) carrying the TA1 for ``interchange``."""
    header = interchange.header
    w = SegmentWriter()
    receiver = Party12(header.sender_qualifier, header.sender_id, header.sender_id)
    open_interchange(
        w, sender=sender, receiver=receiver, control_number=control_number, now=now,
        usage=usage or (header.usage if header.usage in ("P", "T") else "P"),
    )  # fmt: skip
    status, note = ta1_status(interchange)
    w.segment("TA1", header.control_number, header.date, header.time, status, note)
    close_interchange(w, control_number=control_number, groups=0, group_control_number=None, sets=0)
    return w.render()


def acknowledge(raw: Source, *, sender: Party12, control_number: int, now: datetime) -> bytes | None:
    """What we send back for an inbound file, interchange by interchange (control numbers count up).

    A TA1 when the interchange is rejected at the interchange level (then nothing else), or when its ISA14
    asks for one; a 999 for its functional groups, except acknowledgment groups (GS01 = FA: a 999 is
    never acknowledged). None when there is nothing to send. Unreadable input (no ISA, unusable
    delimiters) raises, as ``parse`` does: the edge answers it with a rejection of its own.
    """
    reader, transactions = iter_transactions(raw)
    for _ in transactions:
        pass
    out: list[bytes] = []
    number = control_number
    for interchange in reader.interchanges:
        if interchange.rejected or interchange.header.ack_requested == "1":
            out.append(build_ta1(interchange, sender=sender, control_number=number, now=now))
            number += 1
            if interchange.rejected:
                continue
        groups = [g for g in interchange.groups if g.header.functional_id != "FA"]
        if groups:
            out.append(build_999(interchange.header, groups, sender=sender, control_number=number, now=now))
            number += 1
    return b"".join(out) or None
