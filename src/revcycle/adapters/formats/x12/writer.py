"""Segment serialisation for the generators (999, TA1, 837) and the ISA/GS/GE/IEA envelope they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from revcycle.adapters.formats.x12.delimiters import Delimiters
from revcycle.adapters.formats.x12.elements import format_decimal

Value = str | int | Decimal | None


@dataclass(frozen=True, slots=True)
class Party12:
    """One side of an interchange / group: ISA qualifier + id and the GS application code."""

    qualifier: str
    identifier: str
    application: str


class SegmentWriter:
    """Collect segments as text; trailing empty elements and components are dropped."""

    def __init__(self, delimiters: Delimiters | None = None, *, line_break: str = "\n") -> None:
        self.delimiters = delimiters or Delimiters()
        self.line_break = line_break
        self.lines: list[str] = []

    @staticmethod
    def text(value: Value) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return format_decimal(value)
        return str(value)

    def composite(self, *parts: Value) -> str:
        """Join components with the component separator (trailing empty components dropped)."""
        texts = [self.text(p) for p in parts]
        while texts and not texts[-1]:
            texts.pop()
        return self.delimiters.component.join(texts)

    def segment(self, tag: str, *elements: Value) -> None:
        texts = [self.text(e) for e in elements]
        while texts and not texts[-1]:
            texts.pop()
        self.lines.append(self.delimiters.element.join([tag, *texts]))

    def count_since(self, start: int) -> int:
        return len(self.lines) - start

    def render(self) -> bytes:
        term = self.delimiters.segment + self.line_break
        return (term.join(self.lines) + term).encode("utf-8", "surrogateescape")


def open_interchange(
    writer: SegmentWriter,
    *,
    sender: Party12,
    receiver: Party12,
    control_number: int,
    now: datetime,
    usage: str = "P",
    functional_id: str | None = None,
    group_control_number: int = 1,
    version: str | None = None,
    ack_requested: str = "0",
) -> None:
    """ISA (fixed length, ids padded to 15) and, when ``functional_id`` is given, GS."""
    d = writer.delimiters
    isa = d.element.join(
        [
            "ISA", "00", " " * 10, "00", " " * 10,
            sender.qualifier, sender.identifier[:15].ljust(15),
            receiver.qualifier, receiver.identifier[:15].ljust(15),
            now.strftime("%y%m%d"), now.strftime("%H%M"), d.repetition or "^", "00501",
            f"{control_number % 1_000_000_000:09d}", ack_requested, usage, d.component,
        ]
    )  # fmt: skip
    writer.lines.append(isa)
    if functional_id is not None:
        writer.segment(
            "GS", functional_id, sender.application, receiver.application, now.strftime("%Y%m%d"),
            now.strftime("%H%M"), group_control_number, "X", version,
        )  # fmt: skip


def close_interchange(
    writer: SegmentWriter, *, control_number: int, groups: int, group_control_number: int | None, sets: int
) -> None:
    """GE (when a group is open) and IEA."""
    if group_control_number is not None:
        writer.segment("GE", sets, group_control_number)
    writer.segment("IEA", groups, f"{control_number % 1_000_000_000:09d}")
