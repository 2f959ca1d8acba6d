"""``identify(raw)``: what the edge needs before the durable append, read from the first bytes only.

Reads the ISA (delimiters, sender, receiver, control number) and the segments after it up to the first
ST (or TA1), from the first 4 KB (more only when the ISA/GS/ST headers are longer, up to 64 KB):

* ``format``: ``"x12"``;
* ``message_type``: the first transaction set's type: ``837P`` / ``837I`` (ST03, else GS08: X222 / X223),
  ``835``, ``277CA`` (X214; ``277`` for other 277s), ``999``, ``997``, ``271``, ...; ``TA1`` for an
  interchange that carries a TA1 before any group. A file with several types is identified by its first
  set (the parser reports each set's own type);
* ``control_id``: ISA13. The edge keys idempotency on (format, sender, control id, content hash), and X12
  makes ISA13 unique per sender, so GS06/ST02 add nothing;
* ``sender`` / ``receiver``: ``ISA05:ISA06`` / ``ISA07:ISA08`` (qualifier and id, padding stripped);
* ``version``: GS08 (the implementation reference, e.g. ``005010X222A1``), else ISA12;
* ``partition_key``: the first claim's patient control number (CLM01; 835 CLP01; 277 TRN02 at the
  patient level) when it lies within the bytes read, else None.

ISA field problems do not stop identification (the parser reports them); only input that is not X12
(:class:`~.errors.NotX12`) or whose delimiters cannot be read raises.
"""

from __future__ import annotations

import codecs

from revcycle.adapters.formats.base import Envelope
from revcycle.adapters.formats.x12.delimiters import read_isa
from revcycle.adapters.formats.x12.document import message_type_of
from revcycle.adapters.formats.x12.errors import NotX12

FORMAT = "x12"
_HEAD = 4096
_MAX_HEAD = 65536
_PADDING = " \t\r\n\x00\x0b\x0c\x1a"


def _decode(raw: bytes) -> str:
    return codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(raw)


def _head_text(raw: bytes, size: int) -> str:
    text = _decode(raw[:size])
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.lstrip(_PADDING)


def identify(raw: bytes) -> Envelope:
    """Identify an X12 interchange from its first bytes."""
    size = _HEAD
    while True:
        text = _head_text(raw, size)
        if not text.startswith("ISA"):
            raise NotX12("the data does not start with an ISA segment", location="segment 1")
        envelope = _identify_text(text, complete=size >= len(raw))
        if envelope is not None or size >= min(len(raw), _MAX_HEAD):
            return envelope or _identify_text(text, complete=True) or _fallback(text)
        size *= 4


def _fallback(text: str) -> Envelope:
    isa = read_isa(text)
    return Envelope(format=FORMAT, message_type="X12", control_id=isa.get(13))


def _identify_text(text: str, *, complete: bool) -> Envelope | None:
    """The envelope, or None when the first ST is not within ``text`` and more could be read."""
    isa = read_isa(text)
    delims = isa.delimiters
    segments = text[isa.length :].split(delims.segment)
    if not complete:
        segments.pop()  # the last piece may be cut short
    version: str | None = None
    message_type: str | None = None
    partition_key: str | None = None
    hl_level = ""
    for raw_segment in segments:
        elements = raw_segment.lstrip(_PADDING).split(delims.element)
        tag = elements[0]
        if tag == "GS" and version is None:
            version = elements[8].strip() if len(elements) > 8 else None
        elif tag == "TA1" and message_type is None:
            message_type = "TA1"
            break
        elif tag == "ST" and message_type is None:
            implementation = (elements[3].strip() if len(elements) > 3 else "") or version or ""
            transaction_type = elements[1].strip() if len(elements) > 1 else ""
            message_type = message_type_of(transaction_type, implementation)
        elif message_type is None:
            continue
        elif tag == "SE":
            break
        elif tag == "HL":
            hl_level = elements[3] if len(elements) > 3 else ""
        elif tag in ("CLM", "CLP") or (tag == "TRN" and hl_level == "PT" and elements[1:2] == ["2"]):
            index = 2 if tag == "TRN" else 1
            partition_key = elements[index] if len(elements) > index else None
            break
    if message_type is None and not complete:
        return None
    return Envelope(
        format=FORMAT,
        message_type=message_type or "X12",
        control_id=isa.get(13),
        sender=f"{isa.get(5)}:{isa.get(6).strip()}",
        receiver=f"{isa.get(7)}:{isa.get(8).strip()}",
        version=version or isa.get(12),
        partition_key=partition_key or None,
    )
