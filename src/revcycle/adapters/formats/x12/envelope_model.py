"""What the envelope reader produces: interchange / group headers (ISA, GS), per-set acknowledgment
records, group and interchange summaries, and the transaction set itself (ST..SE segments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from revcycle.adapters.formats.x12.delimiters import Delimiters, IsaInfo
from revcycle.adapters.formats.x12.errors import GroupError, InterchangeNote, SegmentError, TransactionError
from revcycle.adapters.formats.x12.reader import Segment

#: Functional identifier code (GS01) of each transaction set (ST01) we know.
FUNCTIONAL_IDS = MappingProxyType({
    "837": "HC", "835": "HP", "277": "HN", "276": "HR", "999": "FA", "997": "FA",
    "270": "HS", "271": "HB", "834": "BE", "820": "RA", "278": "HI",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    """ISA: sender / receiver (qualifier + id, padding stripped), date, time, version, control number."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    version: str
    control_number: str
    ack_requested: str
    usage: str
    delimiters: Delimiters
    authorization_qualifier: str = "00"
    authorization: str = ""
    security_qualifier: str = "00"
    security: str = ""

    @classmethod
    def from_isa(cls, isa: IsaInfo) -> InterchangeHeader:
        """Build from the ISA elements (ISA01..ISA16)."""
        return cls(
            sender_qualifier=isa.get(5),
            sender_id=isa.get(6).strip(),
            receiver_qualifier=isa.get(7),
            receiver_id=isa.get(8).strip(),
            date=isa.get(9),
            time=isa.get(10),
            version=isa.get(12),
            control_number=isa.get(13),
            ack_requested=isa.get(14),
            usage=isa.get(15),
            delimiters=isa.delimiters,
            authorization_qualifier=isa.get(1),
            authorization=isa.get(2),
            security_qualifier=isa.get(3),
            security=isa.get(4),
        )


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """GS: functional id (GS01), application sender/receiver, date, time, control number, version."""

    functional_id: str
    sender: str
    receiver: str
    date: str
    time: str
    control_number: str
    agency: str
    version: str


@dataclass(slots=True)
class TransactionAck:
    """What a 999 AK2/IK3/IK4/IK5 needs about one transaction set; parsers add ``segment_errors``."""

    transaction_type: str
    control_number: str
    implementation: str | None
    errors: list[TransactionError] = field(default_factory=list)
    segment_errors: list[SegmentError] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.errors and not self.segment_errors


@dataclass(slots=True)
class GroupSummary:
    """A functional group as read: header, trailer checks, one :class:`TransactionAck` per ST."""

    header: GroupHeader
    errors: list[GroupError] = field(default_factory=list)
    transactions: list[TransactionAck] = field(default_factory=list)
    trailer_count: str | None = None
    closed: bool = False
    control_numbers: set[str] = field(default_factory=set)


@dataclass(slots=True)
class InterchangeSummary:
    """An interchange as read: header, TA1 notes, groups, and any TA1 segments it carries."""

    header: InterchangeHeader
    notes: list[InterchangeNote] = field(default_factory=list)
    groups: list[GroupSummary] = field(default_factory=list)
    ta1_segments: list[Segment] = field(default_factory=list)
    closed: bool = False

    @property
    def rejected(self) -> bool:
        return any(note.rejects for note in self.notes)


@dataclass(slots=True)
class TransactionSet:
    """One ST..SE transaction set with its envelope context.

    ``raw_segments`` holds each segment's text (ST first, SE last when present), elements not yet split:
    one string per segment keeps a large set cheap to hold. ``segments`` splits them on demand; the
    parsers split only the segments they read (:func:`~.elements.dispatch`).
    """

    raw_segments: list[str]
    ack: TransactionAck
    group: GroupHeader
    interchange: InterchangeHeader
    first_position: int

    @property
    def transaction_type(self) -> str:
        return self.ack.transaction_type

    @property
    def control_number(self) -> str:
        return self.ack.control_number

    @property
    def implementation(self) -> str | None:
        return self.ack.implementation

    @property
    def delimiters(self) -> Delimiters:
        return self.interchange.delimiters

    @property
    def segments(self) -> list[Segment]:
        """Every segment split into its elements (computed on each access)."""
        sep = self.interchange.delimiters.element
        return [tuple(raw.split(sep)) for raw in self.raw_segments]

    def release(self) -> None:
        """Drop the segment texts once the set is parsed (streaming keeps memory bounded)."""
        self.raw_segments = []

    @property
    def accepted(self) -> bool:
        return self.ack.accepted

    def add_segment_error(self, error: SegmentError) -> None:
        """Record a syntax problem found by a transaction parser (999 IK3/IK4)."""
        self.ack.segment_errors.append(error)
