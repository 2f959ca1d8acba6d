"""Bytes -> :class:`Message`: a split-based HL7 v2 tokenizer (HL7 v2.5.1 Ch. 2 §2.6 "Message construction
rules", §2.5.4 "Message delimiters").

What it accepts beyond the letter of the standard, and why:

* segment terminators CR (the standard's), LF and CRLF, mixed within one message: files and many senders
  use LF, and a bare LF can never be data (the standard forbids unescaped line breaks in values);
* a leading UTF-8 byte-order mark, leading whitespace and blank lines, and spaces / tabs at the end of a
  segment (editor and file-transfer artefacts; we drop them, so a trailing space after the last field
  separator reads as an empty field);
* any delimiters declared in MSH-1 / MSH-2 (see :mod:`.encoding`).

What it rejects (:class:`Hl7Unreadable` subclasses, PHI-free reasons, table 0357 codes): empty input,
NUL bytes (binary data), input not starting with MSH (an FHS/BHS batch must first be split with
:func:`.batch.split_messages`), unusable MSH-1 / MSH-2, bytes invalid in the MSH-18 character set, a
line whose first three characters are not a segment id (uppercase letter + two uppercase letters or
digits) followed by the field separator or the end of the line, and a second MSH (a batch without
FHS/BHS). :func:`parse` also checks the header fields a receiver needs (:func:`check_header`).

Work is split for speed: segments are split into fields on first access, fields into repetitions,
components and sub-components only when a value is read (measured in ``bench/hl7v2_parse.py``).
"""

from __future__ import annotations

import re

from revcycle.adapters.formats.hl7v2.encoding import Delimiters, codec_for, decode, read_delimiters
from revcycle.adapters.formats.hl7v2.errors import (
    BadEncodingCharacters,
    BadSegment,
    EmptyMessage,
    MissingHeaderField,
    NotHl7,
    UnsupportedProcessingId,
    UnsupportedVersion,
)
from revcycle.adapters.formats.hl7v2.message import Message

BOM = b"\xef\xbb\xbf"
_LEADING_WS = b" \t\r\n"
SUPPORTED_VERSION = re.compile(r"2\.[1-8](?:\.[0-9]+)?")
PROCESSING_IDS = frozenset({"P", "D", "T"})
_COMMON_VERSIONS = frozenset(
    {"2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"}
)


def content_start(raw: bytes) -> int:
    """Offset of the first byte after a UTF-8 BOM and leading whitespace."""
    start = 3 if raw.startswith(BOM) else 0
    if start < len(raw) and raw[start] in _LEADING_WS:
        stripped = raw[start:].lstrip(_LEADING_WS)
        start = len(raw) - len(stripped)
    return start


def line_end(raw: bytes, start: int) -> int:
    """Offset of the CR or LF ending the line that begins at ``start`` (``len(raw)`` if none)."""
    cr = raw.find(b"\r", start)
    lf = raw.find(b"\n", start)
    if cr < 0:
        return lf if lf >= 0 else len(raw)
    return cr if lf < 0 or cr < lf else lf


def _check_start(raw: bytes, start: int) -> None:
    if start >= len(raw):
        raise EmptyMessage("empty message")
    head = raw[start : start + 3]
    if head in (b"FHS", b"BHS"):
        raise NotHl7(f"input is an HL7 batch ({head.decode()}); split it into messages first")
    if head != b"MSH":
        raise NotHl7("input does not start with an MSH segment", location="MSH")


def _problems(fs: str) -> re.Pattern[str]:
    """Matches the first CR that ends a line with a space or tab, or starts a line that is blank or not a
    segment id followed by ``fs``. (``re`` caches compiled patterns: a dictionary look-up after the
    first call.) One scan of the text that usually finds nothing, so the common case never loops over
    lines in Python."""
    return re.compile(rf"\r(?:(?<=[ \t]\r)|(?!$|[A-Z][A-Z0-9]{{2}}(?:{re.escape(fs)}|\r|$)))")


def _segment_id(fs: str) -> re.Pattern[str]:
    return re.compile(rf"[A-Z][A-Z0-9]{{2}}(?:{re.escape(fs)}.*)?", re.DOTALL)


_STANDARD_PROBLEMS = _problems("|")


def _text_end(text: str) -> int:
    cr = text.find("\r")
    if cr < 0:
        lf = text.find("\n")
        return lf if lf >= 0 else len(text)
    lf = text.find("\n", 0, cr)
    return cr if lf < 0 else lf


def _decode(raw: bytes, start: int) -> tuple[str, str, list[str]]:
    """Decode per MSH-18 (HL7 v2.5.1 Ch. 2 §2.15.9.18); returns the text, the codec and the MSH line
    split on its field separator (index 1 is MSH-2, index 17 is MSH-18)."""
    data = raw[start:] if start else raw
    try:
        text, codec = data.decode("utf-8"), "utf_8"
    except UnicodeDecodeError:
        text, codec = data.decode("latin_1"), "latin_1"
    header = text[: _text_end(text)].rstrip(" \t")
    if len(header) < 4:
        raise BadEncodingCharacters("MSH-1 field separator missing", location="MSH-1")
    parts = header.split(header[3])
    if len(parts) > 17 and parts[17]:
        declared = parts[17].split("~", 1)[0].split("^", 1)[0]
        wanted = codec_for(declared)
        if wanted is not None and wanted != codec and not (wanted == "ascii" and text.isascii()):
            text, codec = decode(data, declared)
            header = text[: _text_end(text)].rstrip(" \t")
            parts = header.split(header[3])
    return text, codec, parts


def _clean_lines(text: str, fs: str) -> list[str]:
    """Slow path: drop trailing spaces/tabs and blank lines, then check every segment id."""
    lines = [line for line in (raw.rstrip(" \t") for raw in text.split("\r")) if line]
    check = _segment_id(fs)
    for number, line in enumerate(lines, start=1):
        if check.fullmatch(line) is None:
            raise BadSegment(
                f"segment {number} does not start with a segment id and the field separator",
                location=f"segment {number}",
            )
    return lines


def tokenize(raw: bytes) -> Message:
    """Split ``raw`` into a :class:`Message` without checking header field values."""
    start = 0
    if not raw.startswith(b"MSH"):
        start = content_start(raw)
        _check_start(raw, start)
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise NotHl7(f"binary data: NUL byte at offset {nul}")
    text, codec, msh_fields = _decode(raw, start)
    fs = text[3]
    delimiters = read_delimiters(fs, msh_fields[1] if len(msh_fields) > 1 else "")
    msh_fields.insert(1, fs)
    if "\n" in text:
        text = text.replace("\r\n", "\r").replace("\n", "\r")
    if text[-1] == "\r":  # the last segment's terminator (the usual ending), and any blank lines after it
        text = text.rstrip("\r")
    if text[-1] in " \t" or (_STANDARD_PROBLEMS if fs == "|" else _problems(fs)).search(text):
        lines = _clean_lines(text, fs)
    else:
        lines = text.split("\r")
    ids = [line[:3] for line in lines]
    if ids.count("MSH") > 1:
        second = ids.index("MSH", 1)
        raise BadSegment(
            f"segment {second + 1} is a second MSH: the input holds several messages", location="MSH[2]"
        )
    return Message(ids, lines, delimiters, codec, msh_fields)


def _first_component(fields: list[str], index: int, delimiters: Delimiters) -> str:
    value = fields[index] if index < len(fields) else ""
    return value.split(delimiters.rep_split, 1)[0].split(delimiters.comp_split, 1)[0].strip()


def check_header(message: Message) -> None:
    """Check the MSH fields a receiver needs before it can accept the message (HL7 v2.5.1 Ch. 2 §2.9.2:
    an AR answers an unsupported message type, processing id or version): MSH-9.1, MSH-10, MSH-11.1
    (table 0103: D, P, T) and MSH-12.1 (2.1 to 2.8, with or without a patch level such as 2.5.1)."""
    fields, d = message.header_fields, message.delimiters
    if not _first_component(fields, 9, d):
        raise MissingHeaderField("MSH-9 message type missing", location="MSH-9")
    if not (fields[10] if len(fields) > 10 else "").strip():
        raise MissingHeaderField("MSH-10 message control id missing", location="MSH-10")
    processing_id = _first_component(fields, 11, d)
    if not processing_id:
        raise MissingHeaderField("MSH-11 processing id missing", location="MSH-11")
    if processing_id not in PROCESSING_IDS:
        raise UnsupportedProcessingId("MSH-11 processing id is not D, P or T", location="MSH-11")
    version = _first_component(fields, 12, d)
    if not version:
        raise MissingHeaderField("MSH-12 version id missing", location="MSH-12")
    if version not in _COMMON_VERSIONS and SUPPORTED_VERSION.fullmatch(version) is None:
        raise UnsupportedVersion("MSH-12 version id is not 2.1 to 2.8", location="MSH-12")


def parse(raw: bytes) -> Message:
    """Tokenize one message and check its header (the format adapter's ``parse`` seam)."""
    message = tokenize(raw)
    check_header(message)
    return message
