"""Split HL7 v2 batches and files into messages: HL7 v2.5.1 Ch. 2 §2.10.3 "HL7 batch protocol".

A batch file is ``[FHS] { [BHS] { MSH ... } [BTS] } [FTS]``. Trailers are optional here (senders often
omit them), and so are the headers: several messages back to back (LF, CR or CRLF separated) are split
the same way. Each message comes back as its own bytes, segments joined by CR, so it can be identified,
appended to the inbound log and parsed on its own (each MSH declares its own delimiters and charset).

Text that is not HL7 (comment lines in sample files, banners) is tolerated only *between* messages, i.e.
at the start of the input or after a blank line, a header or a trailer: such lines are skipped and their
line numbers reported in :attr:`Batch.skipped_lines`. A non-segment line directly after a segment stays
in its message, whose parse then fails with :class:`BadSegment`; a segment other than a batch header
before the first MSH raises :class:`BadSegment`. The splitter works on bytes and relies on CR/LF being
single bytes, which holds for every ASCII-compatible character set in HL7 table 0211.
"""

from __future__ import annotations

from dataclasses import dataclass

from revcycle.adapters.formats.hl7v2.encoding import read_delimiters
from revcycle.adapters.formats.hl7v2.errors import BadSegment, EmptyMessage, NotHl7
from revcycle.adapters.formats.hl7v2.tokenizer import BOM, content_start

_ENVELOPE = frozenset({b"FHS", b"BHS", b"BTS", b"FTS"})
_UPPER = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_UPPER_OR_DIGIT = _UPPER | frozenset(b"0123456789")


@dataclass(frozen=True, slots=True)
class Batch:
    """The messages of a batch or file, with its envelope segments as raw lines."""

    messages: tuple[bytes, ...]
    file_header: bytes | None = None
    batch_header: bytes | None = None
    batch_trailer: bytes | None = None
    file_trailer: bytes | None = None
    skipped_lines: tuple[int, ...] = ()

    @property
    def declared_count(self) -> int | None:
        """BTS-1 (batch message count) when present and numeric."""
        if self.batch_trailer is None or len(self.batch_trailer) < 5:
            return None
        value = self.batch_trailer[4:].split(self.batch_trailer[3:4], 1)[0].strip()
        return int(value) if value.isdigit() else None

    @property
    def count_matches(self) -> bool:
        """False when BTS-1 declares a different number of messages than the batch holds."""
        declared = self.declared_count
        return declared is None or declared == len(self.messages)


def _is_segment_line(line: bytes) -> bool:
    """Three-character segment id (uppercase letter, then uppercase letters or digits), then the end
    of the line or a non-alphanumeric field separator."""
    if len(line) < 3 or line[0] not in _UPPER or line[1] not in _UPPER_OR_DIGIT:
        return False
    if line[2] not in _UPPER_OR_DIGIT:
        return False
    return len(line) == 3 or not (chr(line[3]).isalnum() or line[3] in b" \t")


def is_batch(raw: bytes) -> bool:
    """True when ``raw`` starts with FHS/BHS or holds more than one MSH segment."""
    start = content_start(raw)
    head = raw[start : start + 3]
    if head in (b"FHS", b"BHS"):
        return True
    return b"\rMSH" in raw or b"\nMSH" in raw


def _check_envelope(line: bytes) -> None:
    if len(line) > 4:
        text = line.decode("latin_1")
        seg = text[:3]
        fs = text[3]
        read_delimiters(fs, text[4:].split(fs, 1)[0], segment=seg)


def split_messages(raw: bytes) -> Batch:
    """Split a batch, a file or back-to-back messages into single messages (see the module docstring)."""
    data = raw[3:] if raw.startswith(BOM) else raw
    if content_start(data) >= len(data):
        raise EmptyMessage("empty batch")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise NotHl7(f"binary data: NUL byte at offset {nul}")
    lines = data.replace(b"\r\n", b"\r").replace(b"\n", b"\r").split(b"\r")
    messages: list[list[bytes]] = []
    envelope: dict[bytes, bytes] = {}
    skipped: list[int] = []
    current: list[bytes] | None = None
    gap = True
    for number, line in enumerate(lines, start=1):
        line = line.rstrip(b" \t")
        if not line:
            gap = True
            continue
        head = line[:3]
        if head == b"MSH":
            current = [line]
            messages.append(current)
            gap = False
        elif head in _ENVELOPE and _is_segment_line(line):
            if head in (b"FHS", b"BHS"):
                _check_envelope(line)
            envelope.setdefault(head, line)
            current = None
            gap = True
        elif _is_segment_line(line):
            if current is None:
                raise BadSegment(
                    f"line {number}: {head.decode('ascii')} segment before the first MSH",
                    location=f"line {number}",
                )
            current.append(line)
            gap = False
        elif gap or current is None:
            skipped.append(number)
        else:
            current.append(line)
    if not messages:
        raise NotHl7("no MSH segment in the input", location="MSH")
    return Batch(
        messages=tuple(b"\r".join(segments) + b"\r" for segments in messages),
        file_header=envelope.get(b"FHS"),
        batch_header=envelope.get(b"BHS"),
        batch_trailer=envelope.get(b"BTS"),
        file_trailer=envelope.get(b"FTS"),
        skipped_lines=tuple(skipped),
    )
