"""The parsed form of one HL7 v2 message: segments -> fields -> repetitions -> components -> sub-components.

Message structure per HL7 v2.5.1 Ch. 2 §2.5 "Message framework" / §2.6 "Message construction rules".
Fields are split from a segment the first time the segment is read; repetitions, components and
sub-components are split only when asked for, and values are unescaped (§2.7) on access. Numbering is
the standard's: ``segment[n]`` is field n (1-based); in MSH, field 1 is the field separator and field 2
the encoding characters, both returned verbatim and never split or unescaped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from revcycle.adapters.formats.hl7v2.elements import Component, Field, Repetition
from revcycle.adapters.formats.hl7v2.encoding import Delimiters
from revcycle.adapters.formats.hl7v2.escapes import unescape
from revcycle.adapters.formats.hl7v2.path import Path, compile_path

_HEADER_IDS = frozenset({"MSH", "FHS", "BHS"})

__all__ = ["Component", "Field", "Message", "Repetition", "Segment", "leaf"]


def leaf(fields: list[str], field: int, rep: int, comp: int, sub: int, d: Delimiters, codec: str) -> str:
    """One leaf value of a split segment, unescaped; ``""`` when absent. Field numbers as in the
    standard (``fields[0]`` is the segment id); MSH/FHS/BHS fields 1 and 2 are the caller's business."""
    if field >= len(fields) or field < 0:
        return ""
    raw = fields[field]
    if not raw:
        return ""
    sep = d.rep_split
    if sep in raw:
        parts = raw.split(sep)
        raw = parts[rep - 1] if rep <= len(parts) else ""
    elif rep != 1:
        return ""
    sep = d.comp_split
    if sep in raw:
        parts = raw.split(sep)
        raw = parts[comp - 1] if comp <= len(parts) else ""
    elif comp != 1:
        return ""
    sep = d.sub_split
    if sep in raw:
        parts = raw.split(sep)
        raw = parts[sub - 1] if sub <= len(parts) else ""
    elif sub != 1:
        return ""
    if d.esc_split in raw:
        return unescape(raw, d, codec)
    return raw


class Segment:
    """One segment. ``segment[n]`` is field n as a :class:`Field`; ``len(segment)`` the number of fields."""

    __slots__ = ("_codec", "_d", "fields", "id")

    def __init__(self, sid: str, fields: list[str], delimiters: Delimiters, codec: str) -> None:
        self.id = sid
        self.fields = fields
        """Raw (escaped) field texts; index 0 is the segment id (in MSH, index 1 is MSH-1)."""
        self._d = delimiters
        self._codec = codec

    @property
    def delimiters(self) -> Delimiters:
        return self._d

    @property
    def codec(self) -> str:
        return self._codec

    def __len__(self) -> int:
        return len(self.fields) - 1

    def __bool__(self) -> bool:
        return True

    def raw(self, field: int) -> str:
        """Field ``field`` exactly as written (escaped, unsplit); ``""`` when absent."""
        fields = self.fields
        return fields[field] if 0 <= field < len(fields) else ""

    def __getitem__(self, field: int) -> Field:
        raw = self.raw(field)
        if field <= 2 and self.id in _HEADER_IDS:
            return Field(raw, Delimiters(self._d.field, ""), self._codec)
        return Field(raw, self._d, self._codec)

    def value(self, field: int, rep: int = 1, comp: int = 1, sub: int = 1) -> str:
        """One leaf value, unescaped; ``""`` when absent or empty."""
        if field <= 2 and self.id in _HEADER_IDS:
            raw = self.raw(field)
            return raw if rep == comp == sub == 1 else ""
        return leaf(self.fields, field, rep, comp, sub, self._d, self._codec)

    def __iter__(self) -> Iterator[Field]:
        for index in range(1, len(self.fields)):
            yield self[index]

    def __repr__(self) -> str:
        return f"Segment({self.id!r}, {len(self)} fields)"


class Message:
    """One parsed HL7 v2 message (see the module docstring and :mod:`.path` for addressing).

    Holds the segment lines and ids; a line is split into fields the first time it is read, and a
    :class:`Segment` object is made only when one is asked for.
    """

    __slots__ = ("_fields", "_ids", "_lines", "_segments", "codec", "delimiters")

    def __init__(
        self, ids: list[str], lines: list[str], delimiters: Delimiters, codec: str, header: list[str]
    ) -> None:
        self._ids = ids
        self._lines = lines
        self._fields: list[list[str] | None] = [None] * len(ids)
        self._fields[0] = header
        self._segments: dict[int, Segment] = {}
        self.delimiters = delimiters
        self.codec = codec

    def _split(self, index: int) -> list[str]:
        fields = self._fields[index]
        if fields is None:
            fields = self._fields[index] = self._lines[index].split(self.delimiters.field)
        return fields

    def _at(self, index: int) -> Segment:
        segment = self._segments.get(index)
        if segment is None:
            segment = self._segments[index] = Segment(
                self._ids[index], self._split(index), self.delimiters, self.codec
            )
        return segment

    def _index(self, sid: str, occurrence: int) -> int:
        ids = self._ids
        if sid not in ids:  # cheaper than catching ValueError from index()
            return -1
        index = ids.index(sid)
        for _ in range(occurrence - 1):
            if sid not in ids[index + 1 :]:
                return -1
            index = ids.index(sid, index + 1)
        return index

    def __iter__(self) -> Iterator[Segment]:
        for index in range(len(self._ids)):
            yield self._at(index)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[str]:
        """Segment ids in message order."""
        return list(self._ids)

    @property
    def header(self) -> Segment:
        """The MSH segment."""
        return self._at(0)

    @property
    def header_fields(self) -> list[str]:
        """The MSH segment's raw fields (index n is MSH-n)."""
        return self._split(0)

    def segments(self, sid: str | None = None) -> list[Segment]:
        """All segments, or those with id ``sid``, in message order."""
        ids = self._ids
        return [self._at(index) for index in range(len(ids)) if sid is None or ids[index] == sid]

    def segment(self, sid: str, occurrence: int = 1) -> Segment | None:
        """Occurrence ``occurrence`` (1-based) of segment ``sid``, or None."""
        index = self._index(sid, occurrence)
        return self._at(index) if index >= 0 else None

    def get(self, path: str | Path, default: str | None = None) -> str | None:
        """The unescaped value at ``path``, or ``default`` when the segment is absent or the value empty."""
        sid, occurrence, field, rep, comp, sub = compile_path(path) if isinstance(path, str) else path
        ids = self._ids
        if occurrence == 1:
            if sid not in ids:
                return default
            index = ids.index(sid)
        else:
            index = self._index(sid, occurrence)
            if index < 0:
                return default
        fields = self._fields[index]
        if fields is None:
            fields = self._fields[index] = self._lines[index].split(self.delimiters.field)
        if index == 0 and field <= 2:
            return (fields[field] if rep == comp == sub == 1 else "") or default
        return leaf(fields, field, rep, comp, sub, self.delimiters, self.codec) or default

    def values(self, paths: Sequence[Path]) -> list[str | None]:
        """``[self.get(p) for p in paths]`` for compiled paths, in one loop (about a third faster: the
        per-value work of :func:`leaf` is inlined here, so keep the two in step)."""
        ids, cache, lines, codec = self._ids, self._fields, self._lines, self.codec
        d = self.delimiters
        fs, rs, cs, ss, es = d.field, d.rep_split, d.comp_split, d.sub_split, d.esc_split
        out: list[str | None] = []
        append = out.append
        last_sid, last_occurrence = "", 0
        fields: list[str] | None = None
        for sid, occurrence, field, rep, comp, sub in paths:
            if sid != last_sid or occurrence != last_occurrence:  # consecutive paths share the look-up
                last_sid, last_occurrence = sid, occurrence
                if sid not in ids:
                    fields = None
                else:
                    index = ids.index(sid) if occurrence == 1 else self._index(sid, occurrence)
                    fields = None if index < 0 else cache[index]
                    if fields is None and index >= 0:
                        fields = cache[index] = lines[index].split(fs)
            if fields is None:
                append(None)
                continue
            raw = fields[field] if field < len(fields) else ""
            if raw and not (field <= 2 and sid == "MSH"):
                if rs in raw:
                    parts = raw.split(rs)
                    raw = parts[rep - 1] if rep <= len(parts) else ""
                elif rep != 1:
                    raw = ""
                if cs in raw:
                    parts = raw.split(cs)
                    raw = parts[comp - 1] if comp <= len(parts) else ""
                elif comp != 1:
                    raw = ""
                if ss in raw:
                    parts = raw.split(ss)
                    raw = parts[sub - 1] if sub <= len(parts) else ""
                elif sub != 1:
                    raw = ""
                if es in raw:
                    raw = unescape(raw, d, codec)
            elif raw and not rep == comp == sub == 1:
                raw = ""
            append(raw or None)
        return out

    def __getitem__(self, path: str | Path) -> str:
        """The unescaped value at ``path``; ``""`` if empty; KeyError if the segment is absent."""
        sid, occurrence, field, rep, comp, sub = compile_path(path) if isinstance(path, str) else path
        segment = self.segment(sid, occurrence)
        if segment is None:
            raise KeyError(f"no {sid} segment (occurrence {occurrence})")
        return segment.value(field, rep, comp, sub)

    @property
    def message_type(self) -> str:
        """MSH-9.1, e.g. ``ADT``."""
        return self.header.value(9, 1, 1)

    @property
    def trigger_event(self) -> str:
        """MSH-9.2, e.g. ``A01``."""
        return self.header.value(9, 1, 2)

    @property
    def control_id(self) -> str:
        """MSH-10."""
        return self.header.value(10)

    @property
    def processing_id(self) -> str:
        """MSH-11.1."""
        return self.header.value(11)

    @property
    def version(self) -> str:
        """MSH-12.1, e.g. ``2.5.1``."""
        return self.header.value(12)

    def __repr__(self) -> str:
        return f"Message({self.message_type}^{self.trigger_event}, {len(self)} segments)"
