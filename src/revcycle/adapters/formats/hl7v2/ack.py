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
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Literal

from revcycle.adapters.formats.base import FormatError, UnreadableMessage
from revcycle.adapters.formats.hl7v2.encoding import STANDARD_DELIMITERS, Delimiters, read_delimiters
from revcycle.adapters.formats.hl7v2.errors import (
    APPLICATION_INTERNAL_ERROR,
    TABLE_0357_TEXT,
    BadEncodingCharacters,
    hl7_code_for,
)
from revcycle.adapters.formats.hl7v2.escapes import escape
from revcycle.adapters.formats.hl7v2.message import Message
from revcycle.adapters.formats.hl7v2.tokenizer import line_end

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
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_DEFAULT_VERSION = "2.5"


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


@dataclass(frozen=True, slots=True)
class _Header:
    """The inbound header values an ACK needs, raw (escaped) as received."""

    delimiters: Delimiters
    codec: str
    sending: tuple[str, str] = ("", "")
    receiving: tuple[str, str] = ("", "")
    event: str = ""
    control_id: str = ""
    processing_id: str = "P"
    version: str = _DEFAULT_VERSION
    charset: str = ""
    accept_ack: str = ""
    application_ack: str = ""

    @property
    def enhanced(self) -> bool:
        return bool(self.accept_ack or self.application_ack)


def _version_tuple(version: str) -> tuple[int, int, int]:
    match = _VERSION.match(version)
    if match is None:
        return (2, 5, 0)
    major, minor, patch = match.groups()
    return (int(major), int(minor), int(patch or 0))


def _first(raw: str, sep: str) -> str:
    return raw.split(sep, 1)[0] if sep else raw


def _header_of(message: Message) -> _Header:
    msh, d = message.header, message.delimiters
    return _Header(
        delimiters=d,
        codec=message.codec,
        sending=(msh.raw(3), msh.raw(4)),
        receiving=(msh.raw(5), msh.raw(6)),
        event=_component(msh.raw(9), d, 2),
        control_id=msh.raw(10),
        processing_id=msh.raw(11) or "P",
        version=_first(msh.raw(12), d.comp_split) or _DEFAULT_VERSION,
        charset=msh.raw(18),
        accept_ack=msh.value(15),
        application_ack=msh.value(16),
    )


def _component(raw: str, d: Delimiters, index: int) -> str:
    parts = _first(raw, d.rep_split).split(d.comp_split)
    return parts[index - 1] if index <= len(parts) else ""


def _join(parts: list[str], sep: str) -> str:
    """Join components, dropping trailing empties; only the first when the separator is absent."""
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return sep.join(parts) if sep else parts[0]


def _err_segment(h: _Header, error: AckError, version: tuple[int, int, int]) -> list[str]:
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
    h: _Header, ack_code: str, error: AckError | None, control_id: str | None, now: datetime | None
) -> bytes:
    d = h.delimiters
    fs = d.field
    version = _version_tuple(h.version)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%z")
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


def ack_mode(message: Message) -> Literal["original", "enhanced"]:
    """Enhanced when MSH-15 or MSH-16 is valued (§2.9.3), else original (§2.9.2)."""
    return "enhanced" if _header_of(message).enhanced else "original"


def accept_ack_required(message: Message, status: AckStatus = "accept") -> bool:
    """Whether an (accept) acknowledgment is due, per MSH-15 (table 0155) in enhanced mode."""
    h = _header_of(message)
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
) -> bytes:
    """The ACK for a parsed message (see the module docstring). ``status`` "error" or "reject" without
    an ``error`` gets a generic ERR with code 207."""
    h = _header_of(message)
    codes = _ENHANCED if h.enhanced else _ORIGINAL
    if status != "accept" and error is None:
        error = AckError(APPLICATION_INTERNAL_ERROR, "message not accepted")
    return _render(h, codes[status], error if status != "accept" else None, control_id, now)


def _clean(value: str, delimiters: Delimiters, limit: int, *, structured: bool) -> str:
    """A raw inbound value we can safely echo: printable, bounded, and (unless ``structured``, i.e. the
    ACK uses the inbound delimiters) free of the ACK's delimiters."""
    if len(value) > limit or any(ord(char) < 0x20 for char in value):
        return ""
    if not structured:
        specials = delimiters.field + delimiters.encoding_characters
        if any(char in specials for char in value):
            return ""
    return value


def _sniff(raw: bytes) -> _Header:
    """Best-effort header from bytes that did not parse; the generic header when there is no MSH."""
    start = raw.find(b"MSH")
    if start < 0 or len(raw) < start + 5:
        return _Header(STANDARD_DELIMITERS, "latin_1")
    end = line_end(raw, start)
    block = raw.find(b"\x1c", start, end)  # an MLLP end block cuts the line too
    end = block if block >= 0 else end
    # latin-1 maps bytes to code points one to one, so echoed values go back out byte for byte.
    text = raw[start:end].decode("latin_1")
    if len(text) < 4:
        return _Header(STANDARD_DELIMITERS, "latin_1")
    fs = text[3]
    if not ("!" <= fs <= "~") or fs.isalnum():
        return _Header(STANDARD_DELIMITERS, "latin_1")
    parts = text.split(fs)
    parts.insert(1, fs)
    parts += [""] * (19 - len(parts))
    try:
        delimiters, structured = read_delimiters(fs, parts[2]), True
    except BadEncodingCharacters:
        if fs != "|":
            return _Header(STANDARD_DELIMITERS, "latin_1")
        delimiters, structured = STANDARD_DELIMITERS, False

    def clean(index: int, limit: int = 256) -> str:
        return _clean(parts[index], delimiters, limit, structured=structured)

    version = _first(clean(12, 20), delimiters.component)
    processing = _first(clean(11, 10), delimiters.component)
    if structured:
        event = _component(clean(9, 64), delimiters, 2)
    else:  # unknown component separator: the second alphanumeric token of MSH-9
        tokens = [token for token in re.split(r"[^A-Za-z0-9]", parts[9][:64]) if token]
        event = tokens[1] if len(tokens) > 1 and len(tokens[1]) <= 8 else ""
    return _Header(
        delimiters=delimiters,
        codec="latin_1",
        sending=(clean(3), clean(4)),
        receiving=(clean(5), clean(6)),
        event=event,
        control_id=clean(10, 199),
        processing_id=processing if processing in ("P", "D", "T") else "P",
        version=version if _VERSION.fullmatch(version) else _DEFAULT_VERSION,
        charset=clean(18, 32),
        accept_ack=_first(clean(15, 8), delimiters.component),
        application_ack=_first(clean(16, 8), delimiters.component),
    )


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
    h = _sniff(raw)
    detail = error or AckError(code, reason)
    return _render(h, "CR" if h.enhanced else "AR", detail, control_id, now)


def reject_for(
    raw: bytes, exc: FormatError, *, control_id: str | None = None, now: datetime | None = None
) -> bytes:
    """:func:`build_reject` for one of our errors (code and location taken from it)."""
    detail = AckError.from_exception(exc)
    return build_reject(raw, detail.reason, detail.code, error=detail, control_id=control_id, now=now)
