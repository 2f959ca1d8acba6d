"""MLLP framing, sans-IO: HL7 "Transport Specification: MLLP, Release 2" (HL7 v2.5.1 Appendix C.4).

A frame is ``<VT 0x0B> payload <FS 0x1C><CR 0x0D>``. :class:`MllpDecoder` is fed bytes as they arrive
(split anywhere, even inside the end block) and returns events, in stream order:

* :class:`Frame` - one complete payload;
* :class:`Junk` - bytes outside a frame, reported with their first bytes and length at the next start
  block or at :meth:`MllpDecoder.close`. CR and LF alone between frames, which some senders add, are
  tolerated silently;
* :class:`Oversize` - a frame longer than ``max_frame``: its rest is discarded, and when its end block
  arrives it is reported with its first ``prefix_size`` bytes, so the caller can still read MSH and
  answer with an AR that echoes MSH-10;
* :class:`Incomplete` - a frame cut short by a new start block, or (from :meth:`MllpDecoder.close`) by
  the end of the stream.

The payload may contain any byte except the start block; a lone 0x1C not followed by 0x0D is data.
Events do not depend on how the stream is cut into ``feed`` calls.
"""

from __future__ import annotations

from dataclasses import dataclass

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
_FS = 0x1C
_CR = 0x0D
DEFAULT_MAX_FRAME = 1 << 20
DEFAULT_PREFIX = 1024


class FramingError(ValueError):
    """A payload that cannot be framed (it contains a start or end block)."""


@dataclass(frozen=True, slots=True)
class Frame:
    payload: bytes


@dataclass(frozen=True, slots=True)
class Junk:
    prefix: bytes
    length: int


@dataclass(frozen=True, slots=True)
class Oversize:
    prefix: bytes
    length: int


@dataclass(frozen=True, slots=True)
class Incomplete:
    prefix: bytes
    length: int


Event = Frame | Junk | Oversize | Incomplete


def encode(payload: bytes) -> bytes:
    """Frame one payload. Raises :class:`FramingError` if it holds a start block or an end block."""
    if START_BLOCK in payload or END_BLOCK in payload:
        raise FramingError("payload contains an MLLP start or end block")
    return START_BLOCK + payload + END_BLOCK


class MllpDecoder:
    """Incremental MLLP decoder; see the module docstring."""

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME, prefix_size: int = DEFAULT_PREFIX) -> None:
        if max_frame < 1 or prefix_size < 0:
            raise ValueError("max_frame must be positive and prefix_size not negative")
        self.max_frame = max_frame
        self.prefix_size = prefix_size
        self._inside = False
        self._frame = bytearray()
        self._length = 0  # payload bytes of the current frame, kept or discarded
        self._oversize = False
        self._pending_fs = False  # the last byte fed inside a frame was 0x1C
        self._junk = bytearray()
        self._junk_length = 0
        self._junk_meaningful = False

    @property
    def in_frame(self) -> bool:
        """True between a start block and its end block (a disconnect now would cut a frame)."""
        return self._inside

    def _add(self, chunk: bytes | bytearray) -> None:
        self._length += len(chunk)
        if self._oversize:
            return
        self._frame += chunk
        if len(self._frame) > self.max_frame:
            del self._frame[self.prefix_size :]
            self._oversize = True

    def _note_junk(self, chunk: bytes) -> None:
        if not chunk:
            return
        if chunk.strip(b"\r\n"):
            self._junk_meaningful = True
        room = self.prefix_size - len(self._junk)
        if room > 0:
            self._junk += chunk[:room]
        self._junk_length += len(chunk)

    def _flush_junk(self, events: list[Event]) -> None:
        if self._junk_meaningful:
            events.append(Junk(bytes(self._junk), self._junk_length))
        self._junk.clear()
        self._junk_length = 0
        self._junk_meaningful = False

    def _open(self) -> None:
        self._inside = True
        self._frame = bytearray()
        self._length = 0
        self._oversize = False
        self._pending_fs = False

    def _finish(self, events: list[Event]) -> None:
        if self._oversize:
            events.append(Oversize(bytes(self._frame[: self.prefix_size]), self._length))
        else:
            events.append(Frame(bytes(self._frame)))
        self._inside = False
        self._frame = bytearray()

    def _cut(self, events: list[Event]) -> None:
        if self._pending_fs:
            self._add(b"\x1c")
            self._pending_fs = False
        events.append(Incomplete(bytes(self._frame[: self.prefix_size]), self._length))
        self._inside = False
        self._frame = bytearray()

    def feed(self, data: bytes) -> list[Event]:
        """Consume ``data``; return the events it completes, in order."""
        events: list[Event] = []
        pos, size = 0, len(data)
        while pos < size:
            if not self._inside:
                start = data.find(START_BLOCK, pos)
                self._note_junk(data[pos : start if start >= 0 else size])
                if start < 0:
                    break
                self._flush_junk(events)
                self._open()
                pos = start + 1
                continue
            if self._pending_fs:
                self._pending_fs = False
                if data[pos] == _CR:
                    self._finish(events)
                    pos += 1
                    continue
                self._add(b"\x1c")
            end = data.find(END_BLOCK, pos)
            restart = data.find(START_BLOCK, pos, end if end >= 0 else size)
            if restart >= 0:
                self._add(data[pos:restart])
                self._cut(events)
                pos = restart
                continue
            if end < 0:
                if data[size - 1] == _FS:
                    self._add(data[pos : size - 1])
                    self._pending_fs = True
                else:
                    self._add(data[pos:])
                break
            self._add(data[pos:end])
            self._finish(events)
            pos = end + 2
        return events

    def close(self) -> list[Event]:
        """End of stream: report junk and a frame left open."""
        events: list[Event] = []
        self._flush_junk(events)
        if self._inside:
            self._cut(events)
        return events
