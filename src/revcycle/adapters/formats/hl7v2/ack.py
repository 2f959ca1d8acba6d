"""HL7 v2 acknowledgments: HL7 v2.5.1 Ch. 2 §2.9 "Message processing rules" and §2.14/2.15 (MSH, MSA, ERR).

* Original mode (§2.9.2), used when the inbound MSH-15 and MSH-16 are empty: MSA-1 = AA (accepted),
  AE (error) or AR (rejected).
* Enhanced mode (§2.9.3), used when MSH-15 (accept acknowledgment type) or MSH-16 is valued: we answer
  with the *accept* acknowledgment, CA / CE / CR, because our acknowledgment means "committed to safe
  storage", which is exactly the commit-accept of the enhanced protocol. Whether one is due at all
  follows MSH-15 (HL7 table 0155: AL always, NE never, ER only on error, SU only on success; empty means
  AL): see :func:`accept_ack_required`. Application acknowledgments (MSH-16) are not produced here.

The ACK's MSH copies MSH-1/MSH-2 of the inbound message verbatim (same delimiters), swaps sender and
receiver (MSH-3/4 <-> MSH-5/6), echoes MSH-11, MSH-12 and MSH-18, gets a new MSH-10, and MSH-9 =
``ACK^<event>^ACK`` (``ACK^<event>`` before v2.3.1, which has no message structure component). MSA-2
echoes the inbound MSH-10. An error adds an ERR segment with the table 0357 code: from v2.5 in ERR-2
(location, ERL), ERR-3 (code), ERR-4 (severity, table 0516) and ERR-8 (user message); before v2.5 in
ERR-1 (ELD: segment^sequence^field^code&text&HL70357) with the reason in MSA-3. Reasons must be PHI-free
(all :mod:`.errors` reasons are); they are escaped with the message's own escape character.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

from revcycle.adapters.formats.base import FormatError, UnreadableMessage
from revcycle.adapters.formats.hl7v2.ack_header import InboundHeader, header_of, sniff_header, version_tuple
from revcycle.adapters.formats.hl7v2.errors import APPLICATION_INTERNAL_ERROR, TABLE_0357_TEXT, hl7_code_for
from revcycle.adapters.formats.hl7v2.escapes import escape
from revcycle.adapters.formats.hl7v2.message import Message

__all__ = [
    "AckError",
    "AckStatus",
    "accept_ack_required",
    "ack_mode",
    "build_ack",
    "build_reject",
    "hl7_code_for",
    "reject_for",
    "status_for",
]

AckStatus = Literal["accept", "error", "reject"]
_ORIGINAL: Mapping[str, str] = MappingProxyType({"accept": "AA", "error": "AE", "reject": "AR"})
_ENHANCED: Mapping[str, str] = MappingProxyType({"accept": "CA", "error": "CE", "reject": "CR"})
_LOCATION = re.compile(r"([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:-(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?)?")


@dataclass(frozen=True, slots=True)
class AckError:
    """One ERR: a table 0357 code, a PHI-free reason, where (all optional) and severity (table 0516)."""

    code: int
    reason: str
    segment: str | None = None
    sequence: int | None = None
    field: int | None = None
    repetition: int | None = None
    component: int | None = None
    subcomponent: int | None = None
    severity: str = "E"

    @classmethod
    def from_exception(cls, exc: FormatError) -> AckError:
        """Code from :func:`hl7_code_for`, location from ``exc.location`` when it names a segment."""
        where = _LOCATION.fullmatch(exc.location or "")
        if where is None:
            return cls(hl7_code_for(exc), exc.reason)
        seg, seq, field, rep, comp, sub = where.groups()
        return cls(
            hl7_code_for(exc),
            exc.reason,
            segment=seg,
            sequence=int(seq) if seq else 1,
            field=int(field) if field else None,
            repetition=int(rep) if rep else None,
            component=int(comp) if comp else None,
            subcomponent=int(sub) if sub else None,
        )


def status_for(exc: FormatError) -> AckStatus:
    """Unreadable input is rejected (AR / CR); anything else readable is an error (AE / CE)."""
    return "reject" if isinstance(exc, UnreadableMessage) else "error"


def _join(parts: list[str], sep: str) -> str:
    """Join components, dropping trailing empties; only the first when the separator is absent."""
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return sep.join(parts) if sep else parts[0]


def _err_segment(h: InboundHeader, error: AckError, version: tuple[int, int, int]) -> list[str]:
    d = h.delimiters
    text = TABLE_0357_TEXT.get(error.code, "")
    reason = escape(error.reason, d)

    def num(value: int | None) -> str:
        return str(value) if value is not None else ""

    if version >= (2, 5):
        location = ""
        if error.segment:
            location = _join(
                [
                    error.segment,
                    str(error.sequence or 1),
                    num(error.field),
                    str(error.repetition or 1) if error.field else "",
                    num(error.component),
                    num(error.subcomponent),
                ],
                d.component,
            )
        code = _join([str(error.code), text, "HL70357"], d.component)
        return ["ERR", "", location, code, error.severity or "E", "", "", "", reason]
    code = _join([str(error.code), text, "HL70357"], d.subcomponent)
    sequence = str(error.sequence or 1) if error.segment else ""
    eld = _join([error.segment or "", sequence, num(error.field), code], d.component)
    return ["ERR", eld]


def _render(
    h: InboundHeader, ack_code: str, error: AckError | None, control_id: str | None, now: datetime | None
) -> bytes:
    d = h.delimiters
    fs = d.field
    version = _version(h.version)
    stamp = now.strftime(_STAMP) if now is not None else _stamp_now()
    kind = ["ACK", h.event, "ACK"] if version >= (2, 3, 1) else ["ACK", h.event]
    msh = ["MSH", d.encoding_characters, *h.receiving, *h.sending, stamp, "", _join(kind, d.component)]
    msh += [control_id or uuid.uuid4().hex[:20].upper(), h.processing_id, h.version]
    if h.charset:
        msh += ["", "", "", "", "", h.charset]
    msa = ["MSA", ack_code, h.control_id]
    segments = [msh, msa]
    if error is not None:
        if version < (2, 5):
            msa.append(escape(error.reason, d))
        segments.append(_err_segment(h, error, version))
    text = "\r".join(fs.join(fields).rstrip(fs) for fields in segments) + "\r"
    return text.encode(h.codec, errors="replace")


_STAMP = "%Y%m%d%H%M%S%z"
_version = lru_cache(maxsize=64)(version_tuple)  # MSH-12 values recur: one regex match per version


def _stamp_now() -> str:
    """MSH-7 of an ACK made now, to the second (formatted once per second, not per ACK)."""
    second = int(time.time())
    if _last_stamp[0] != second:
        _last_stamp[:] = [second, datetime.fromtimestamp(second, UTC).strftime(_STAMP)]
    return str(_last_stamp[1])


_last_stamp: list[int | str] = [-1, ""]


def ack_mode(message: Message) -> Literal["original", "enhanced"]:
    """Enhanced when MSH-15 or MSH-16 is valued (§2.9.3), else original (§2.9.2)."""
    return "enhanced" if header_of(message).enhanced else "original"


def accept_ack_required(
    message: Message, status: AckStatus = "accept", *, header: InboundHeader | None = None
) -> bool:
    """Whether an (accept) acknowledgment is due, per MSH-15 (table 0155) in enhanced mode.
    ``header``: the message's ``header_of``, when the caller already has it."""
    h = header or header_of(message)
    if not h.enhanced:
        return True
    condition = h.accept_ack or "AL"
    if condition == "NE":
        return False
    if condition == "ER":
        return status != "accept"
    if condition == "SU":
        return status == "accept"
    return True


def build_ack(
    message: Message,
    status: AckStatus = "accept",
    *,
    error: AckError | None = None,
    control_id: str | None = None,
    now: datetime | None = None,
    header: InboundHeader | None = None,
) -> bytes:
    """The ACK for a parsed message (see the module docstring). ``status`` "error" or "reject" without
    an ``error`` gets a generic ERR with code 207. ``header``: the message's ``header_of``, when the
    caller already has it (the edge reads it once for the ACK and for MSH-15)."""
    h = header or header_of(message)
    codes = _ENHANCED if h.enhanced else _ORIGINAL
    if status != "accept" and error is None:
        error = AckError(APPLICATION_INTERNAL_ERROR, "message not accepted")
    return _render(h, codes[status], error if status != "accept" else None, control_id, now)


def build_reject(
    raw: bytes,
    reason: str,
    code: int,
    *,
    error: AckError | None = None,
    control_id: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """An AR (CR in enhanced mode) for input that could not be parsed.

    Reads what it can of the MSH in ``raw`` so MSA-2 still echoes MSH-10 and the routing fields are
    swapped as usual; with no usable MSH it answers a generic v2.5 AR with an empty MSA-2. Never raises.
    ``reason`` must be PHI-free; ``error`` overrides ``reason``/``code`` with a located error.
    """
    h = sniff_header(raw)
    detail = error or AckError(code, reason)
    return _render(h, "CR" if h.enhanced else "AR", detail, control_id, now)


def reject_for(
    raw: bytes, exc: FormatError, *, control_id: str | None = None, now: datetime | None = None
) -> bytes:
    """:func:`build_reject` for one of our errors (code and location taken from it)."""
    detail = AckError.from_exception(exc)
    return build_reject(raw, detail.reason, detail.code, error=detail, control_id=control_id, now=now)
