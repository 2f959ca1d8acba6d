"""Streaming X12 segment reader: bytes or a binary file object in, segments (lists of elements) out.

Split-based and chunked, so memory stays bounded by the chunk size whatever the file size:

* the input is decoded incrementally as UTF-8 with ``surrogateescape`` (lossless: any byte survives);
* a leading UTF-8 BOM is skipped; CR and LF are dropped unless they are delimiters (they are not in the
  X12 character sets, so they can only be line breaks after the terminator), and spaces, tabs, NUL and ^Z
  padding before a segment or between interchanges are ignored (pretty-printed files are indented);
* the delimiters come from each interchange's ISA (:mod:`.delimiters`) and are re-read at the next ISA, so
  a file may hold several interchanges with different delimiters;
* text is cut at the last segment terminator of each chunk (and at each interchange boundary), split on
  the terminator with ``str.split`` and every segment on the element separator in one list
  comprehension; composites and repetitions are split later, on demand, by the transaction parsers.

A segment is a ``tuple[str, ...]`` whose item 0 is the segment id (``("CLM", "A37YH556", "500", ...)``);
tuples rather than lists because the cyclic garbage collector stops tracking tuples of strings, which
keeps long transaction sets cheap to hold.
:meth:`SegmentReader.batches` yields lists of segments (never crossing an interchange boundary);
iterating the reader yields single segments.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import BinaryIO

from revcycle.adapters.formats.x12.delimiters import IsaInfo, read_isa
from revcycle.adapters.formats.x12.errors import InvalidInterchangeHeader, NotX12

DEFAULT_CHUNK_SIZE = 1 << 20
_BOM = "\ufeff"
_PADDING = " \t\x00\x0b\x0c\x1a"
_LINE_BREAKS = "\r\n"
_ISA_LOOKAHEAD = 400
_BATCH = 512  # segments per batch: short-lived lists keep the cyclic GC cheap
Segment = tuple[str, ...]
Source = bytes | bytearray | memoryview | BinaryIO


def _as_stream(source: Source) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    return source


class SegmentReader:
    """Read the segments of one or more interchanges from bytes or a binary file object.

    ``isa`` is the current interchange's ISA (set before its first batch is yielded), ``segment_count``
    the number of segments yielded so far, and ``unterminated`` tells whether the data ended with a
    segment that had no terminator (it is yielded all the same).
    """

    def __init__(self, source: Source, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        self._stream = _as_stream(source)
        self._chunk_size = chunk_size
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._eof = False
        self.isa: IsaInfo | None = None
        self.segment_count = 0
        self.unterminated = False

    def __iter__(self) -> Iterator[Segment]:
        for batch in self.batches():
            yield from batch

    def _read(self) -> str:
        if self._eof:
            return ""
        data = self._stream.read(self._chunk_size)
        if not data:
            self._eof = True
            return self._decoder.decode(b"", final=True)
        return self._decoder.decode(data)

    def _start_interchange(self, buf: str, first: bool) -> str | None:
        """Skip padding, read the ISA; return the buffer starting at ``ISA``, or None at the end."""
        padding = _PADDING + _LINE_BREAKS
        while True:
            buf = buf.lstrip(padding)
            if buf or self._eof:
                break
            buf = self._read()
        if not buf:
            if first:
                raise NotX12("the data is empty", location="segment 1")
            return None
        while len(buf) < _ISA_LOOKAHEAD and not self._eof:
            buf += self._read()
        if not buf.startswith("ISA"):
            if first:
                raise NotX12("the data does not start with an ISA segment", location="segment 1")
            raise InvalidInterchangeHeader(
                "data after an interchange does not start with an ISA segment",
                location=f"segment {self.segment_count + 1}",
                ta1_code="022",
            )
        self.isa = read_isa(buf)
        return buf

    @staticmethod
    def _boundary(buf: str, tag: str, start: int, term: str, skip: str) -> int:
        """Index of the first ``tag`` segment (``IEA*`` / ``ISA*``) at or after ``start``, else -1."""
        while True:
            found = buf.find(tag, start)
            if found < 0:
                return -1
            j = found - 1
            while j >= 0 and buf[j] in skip:
                j -= 1
            if j < 0 or buf[j] == term:
                return found
            start = found + 1

    def batches(self) -> Iterator[list[Segment]]:
        """Yield lists of segments (tuples of elements); a list never spans two interchanges."""
        for raw in self.raw_batches():
            sep = self.element_separator
            for k in range(0, len(raw), _BATCH):
                yield [tuple(p.split(sep)) for p in raw[k : k + _BATCH]]

    @property
    def element_separator(self) -> str:
        """The current interchange's element separator."""
        return self.isa.delimiters.element if self.isa is not None else "*"

    def raw_batches(self) -> Iterator[list[str]]:
        """Yield lists of raw segment texts (terminator, line breaks and padding removed, elements not
        split); a list never spans two interchanges. Strings are not tracked by the cyclic garbage
        collector and are one object per segment, so holding a transaction set this way is cheap."""
        buf = self._read()
        while len(buf) < 1 and not self._eof:
            buf += self._read()
        if buf.startswith(_BOM):
            buf = buf[1:]
        first = True
        while True:
            started = self._start_interchange(buf, first)
            if started is None:
                return
            first = False
            buf = started
            assert self.isa is not None
            delims = self.isa.delimiters
            term = delims.segment
            used = {delims.element, delims.component, term, delims.repetition or ""}
            breaks = [c for c in _LINE_BREAKS if c not in used]
            padding = "".join(c for c in _PADDING if c not in used)
            skip = padding + "".join(breaks)
            iea_tag = "IEA" + delims.element  # a new ISA may use other delimiters: match "ISA" alone
            search_from = 1
            done = False
            while not done:
                cut = self._boundary(buf, iea_tag, 0, term, skip)
                if cut >= 0:
                    end = buf.find(term, cut)
                    cut = end + 1 if end >= 0 else (len(buf) if self._eof else -1)
                new_isa = self._boundary(buf, "ISA", search_from, term, skip)
                if new_isa >= 0 and (cut < 0 or new_isa < cut):
                    cut = new_isa  # an ISA before this interchange's IEA: the IEA is missing
                if cut >= 0:
                    head, buf, done = buf[:cut], buf[cut:], True
                elif self._eof:
                    head, buf, done = buf, "", True
                else:
                    last = buf.rfind(term)
                    if last < 0:
                        buf += self._read()
                        continue
                    head, buf = buf[: last + 1], buf[last + 1 :]
                search_from = 0
                for c in breaks:
                    if c in head:
                        head = head.replace(c, "")
                parts = head.split(term)
                if parts[-1].strip(skip):
                    self.unterminated = self._eof and done
                if padding and (head[:1] in padding or any(term + c in head for c in padding)):
                    parts = [p.lstrip(padding) for p in parts]
                batch = [p for p in parts if p]
                if batch:
                    self.segment_count += len(batch)
                    yield batch
                if not done:
                    buf += self._read()
