"""Cheap header read for the edge: :func:`identify` (the format adapter's ``identify`` seam).

It reads MSH (HL7 v2.5.1 Ch. 2 §2.15.9) and, for the partition key, the first PID segment only; no other
segment is split. It never raises anything but :class:`Hl7Unreadable` subclasses, and it does not check
MSH-10 / MSH-11 / MSH-12 (``parse`` does): the edge must be able to identify a message it will reject.

Envelope fields:

* ``message_type``: MSH-9.1 and MSH-9.2 joined with ``_`` (``ADT^A04^ADT_A01`` -> ``ADT_A04``; the
  trigger event, not the message structure MSH-9.3, which is shared by several events); MSH-9.1 alone
  when there is no event. MSH-9.1 missing raises :class:`MissingHeaderField` (101).
* ``sender`` / ``receiver``: ``"<application>^<facility>"`` from MSH-3 / MSH-4 (MSH-5 / MSH-6), each
  the HD namespace id (component 1), or its universal id (component 2) when the namespace id is empty;
  None when both are empty.
* ``control_id``: MSH-10, ``version``: MSH-12.1 (None when empty).
* ``partition_key``: PID-18.1 (patient account number) when valued, else CX.1 of the first PID-3
  repetition that has one, else None. HL7 nulls (``""``) count as empty.

A batch (input starting with FHS or BHS) is identified as ``message_type="HL7_BATCH"`` with the control
id, sender and receiver of its FHS (else BHS) header: fields 11, 3/4 and 5/6 as in MSH. The edge should
then split it with :func:`.batch.split_messages`.
"""

from __future__ import annotations

from revcycle.adapters.formats.base import Envelope
from revcycle.adapters.formats.hl7v2.encoding import Delimiters, decode, read_delimiters
from revcycle.adapters.formats.hl7v2.errors import EmptyMessage, MissingHeaderField, NotHl7
from revcycle.adapters.formats.hl7v2.escapes import unescape
from revcycle.adapters.formats.hl7v2.message import Message, Segment
from revcycle.adapters.formats.hl7v2.tokenizer import content_start, line_end

FORMAT = "hl7v2"
BATCH_TYPE = "HL7_BATCH"


def _hd(segment: Segment, field: int) -> str:
    return segment.value(field, 1, 1) or segment.value(field, 1, 2)


def _party(segment: Segment, application: int) -> str | None:
    app, facility = _hd(segment, application), _hd(segment, application + 1)
    return f"{app}^{facility}" if app or facility else None


def _valued(value: str) -> str | None:
    value = value.strip()
    return value if value and value != '""' else None


def _header_segment(text: str, sid: str, fs: str, delimiters: Delimiters, codec: str) -> Segment:
    fields = text.split(fs)
    fields.insert(1, fs)
    return Segment(sid, fields, delimiters, codec)


def _pid_key(text: str, delimiters: Delimiters, codec: str) -> str | None:
    fs = delimiters.field
    position = -1
    for marker in (f"\rPID{fs}", f"\nPID{fs}"):
        found = text.find(marker)
        if found >= 0 and (position < 0 or found < position):
            position = found
    if position < 0:
        return None
    end = len(text)
    for terminator in ("\r", "\n"):
        found = text.find(terminator, position + 1)
        if 0 <= found < end:
            end = found
    return _account_key(Segment("PID", text[position + 1 : end].rstrip(" \t").split(fs), delimiters, codec))


def _account_key(pid: Segment) -> str | None:
    """PID-18.1 when valued, else CX.1 of the first PID-3 repetition that has one (module docstring)."""
    account = _valued(pid.value(18))
    if account:
        return account
    identifiers = pid.raw(3)
    if not identifiers:
        return None
    delimiters = pid.delimiters
    for repetition in identifiers.split(delimiters.rep_split):
        first = repetition.split(delimiters.comp_split, 1)[0].split(delimiters.sub_split, 1)[0]
        value = _valued(unescape(first, delimiters, pid.codec))
        if value:
            return value
    return None


def identify(raw: bytes) -> Envelope:
    """Read the envelope of one HL7 v2 message (or batch) from its header; see the module docstring."""
    start = content_start(raw)
    if start >= len(raw):
        raise EmptyMessage("empty message")
    head = raw[start : start + 3]
    if head not in (b"MSH", b"FHS", b"BHS"):
        raise NotHl7("input does not start with an MSH segment", location="MSH")
    nul = raw.find(b"\x00", start)
    if nul >= 0:
        raise NotHl7(f"binary data: NUL byte at offset {nul}")
    sid = head.decode("ascii")
    header_end = line_end(raw, start)
    latin = raw[start:header_end].decode("latin_1").rstrip(" \t")  # as the tokenizer reads MSH-2
    if len(latin) < 4:
        raise NotHl7(f"{sid} segment without a field separator", location=f"{sid}-1")
    fs = latin[3]
    parts = latin.split(fs)
    delimiters = read_delimiters(fs, parts[1] if len(parts) > 1 else "", segment=sid)
    charset = parts[17].split(delimiters.rep_split, 1)[0] if len(parts) > 17 and sid == "MSH" else ""
    text, codec = decode(raw[start:], charset)
    end = min(i for i in (text.find("\r"), text.find("\n"), len(text)) if i >= 0)
    header = _header_segment(text[:end].rstrip(" \t"), sid, fs, delimiters, codec)
    if sid != "MSH":
        return Envelope(
            format=FORMAT,
            message_type=BATCH_TYPE,
            control_id=_valued(header.value(11)),
            sender=_party(header, 3),
            receiver=_party(header, 5),
        )
    return _message_envelope(header, _pid_key(text, delimiters, codec))


def envelope_of(message: Message) -> Envelope:
    """The envelope :func:`identify` reads, from a message already tokenized (the MLLP edge tokenizes
    once, for the envelope and the ACK). The same for every message both can read (differential test)."""
    pid = message.segment("PID")
    return _message_envelope(message.header, _account_key(pid) if pid is not None else None)


def _message_envelope(header: Segment, partition_key: str | None) -> Envelope:
    message_code = header.value(9, 1, 1).strip()
    if not message_code:
        raise MissingHeaderField("MSH-9 message type missing", location="MSH-9")
    event = header.value(9, 1, 2).strip()
    return Envelope(
        format=FORMAT,
        message_type=f"{message_code}_{event}" if event else message_code,
        control_id=_valued(header.value(10)),
        sender=_party(header, 3),
        receiver=_party(header, 5),
        version=_valued(header.value(12)),
        partition_key=partition_key,
    )
