"""The inbound header values an ACK needs (HL7 v2.5.1 Ch. 2 §2.15.9, MSH): read from a parsed message,
or sniffed best-effort from bytes that did not parse, so that even a reject echoes MSH-10.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from revcycle.adapters.formats.hl7v2.encoding import STANDARD_DELIMITERS, Delimiters, read_delimiters
from revcycle.adapters.formats.hl7v2.errors import BadEncodingCharacters
from revcycle.adapters.formats.hl7v2.message import Message
from revcycle.adapters.formats.hl7v2.tokenizer import line_end

VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
DEFAULT_VERSION = "2.5"


@dataclass(frozen=True, slots=True)
class InboundHeader:
    """The inbound header values an ACK needs, raw (escaped) as received."""

    delimiters: Delimiters
    codec: str
    sending: tuple[str, str] = ("", "")
    receiving: tuple[str, str] = ("", "")
    event: str = ""
    control_id: str = ""
    processing_id: str = "P"
    version: str = DEFAULT_VERSION
    charset: str = ""
    accept_ack: str = ""
    application_ack: str = ""

    @property
    def enhanced(self) -> bool:
        return bool(self.accept_ack or self.application_ack)


def version_tuple(version: str) -> tuple[int, int, int]:
    """``"2.5.1"`` -> (2, 5, 1); text that is not a version counts as 2.5."""
    match = VERSION.match(version)
    if match is None:
        return (2, 5, 0)
    major, minor, patch = match.groups()
    return (int(major), int(minor), int(patch or 0))


def _first(raw: str, sep: str) -> str:
    return raw.split(sep, 1)[0] if sep else raw


def header_of(message: Message) -> InboundHeader:
    """The header of a parsed message, raw (escaped) values as received."""
    msh, d = message.header, message.delimiters
    return InboundHeader(
        delimiters=d,
        codec=message.codec,
        sending=(msh.raw(3), msh.raw(4)),
        receiving=(msh.raw(5), msh.raw(6)),
        event=_component(msh.raw(9), d, 2),
        control_id=msh.raw(10),
        processing_id=msh.raw(11) or "P",
        version=_first(msh.raw(12), d.comp_split) or DEFAULT_VERSION,
        charset=msh.raw(18),
        accept_ack=msh.value(15),
        application_ack=msh.value(16),
    )


def _component(raw: str, d: Delimiters, index: int) -> str:
    parts = _first(raw, d.rep_split).split(d.comp_split)
    return parts[index - 1] if index <= len(parts) else ""


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


def sniff_header(raw: bytes) -> InboundHeader:
    """Best-effort header from bytes that did not parse; the generic header when there is no MSH."""
    start = raw.find(b"MSH")
    if start < 0 or len(raw) < start + 5:
        return InboundHeader(STANDARD_DELIMITERS, "latin_1")
    end = line_end(raw, start)
    block = raw.find(b"\x1c", start, end)  # an MLLP end block cuts the line too
    end = block if block >= 0 else end
    # latin-1 maps bytes to code points one to one, so echoed values go back out byte for byte.
    text = raw[start:end].decode("latin_1")
    if len(text) < 4:
        return InboundHeader(STANDARD_DELIMITERS, "latin_1")
    fs = text[3]
    if not ("!" <= fs <= "~") or fs.isalnum():
        return InboundHeader(STANDARD_DELIMITERS, "latin_1")
    parts = text.split(fs)
    parts.insert(1, fs)
    parts += [""] * (19 - len(parts))
    try:
        delimiters, structured = read_delimiters(fs, parts[2]), True
    except BadEncodingCharacters:
        if fs != "|":
            return InboundHeader(STANDARD_DELIMITERS, "latin_1")
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
    return InboundHeader(
        delimiters=delimiters,
        codec="latin_1",
        sending=(clean(3), clean(4)),
        receiving=(clean(5), clean(6)),
        event=event,
        control_id=clean(10, 199),
        processing_id=processing if processing in ("P", "D", "T") else "P",
        version=version if VERSION.fullmatch(version) else DEFAULT_VERSION,
        charset=clean(18, 32),
        accept_ack=_first(clean(15, 8), delimiters.component),
        application_ack=_first(clean(16, 8), delimiters.component),
    )
