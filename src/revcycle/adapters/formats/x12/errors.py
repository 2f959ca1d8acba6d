"""X12 errors (exceptions) and structured acknowledgment issues.

Two kinds of problems exist in an inbound interchange:

* **Unreadable input** raises a subclass of :class:`~revcycle.adapters.formats.base.UnreadableMessage`:
  no ISA segment, an ISA whose delimiters cannot be determined, an interchange cut off before its IEA, or
  (in strict mode) an ISA whose fields are invalid. Each carries the TA1 interchange note code (TA105,
  X12 element 668, codes 001-031) the rejection maps to.
* **Acknowledgeable problems** are recorded, not raised, as frozen dataclasses that map one-to-one onto the
  acknowledgment segments we return: :class:`InterchangeNote` (TA1 TA105), :class:`GroupError` (999 AK9
  AK905-AK909, element 716), :class:`TransactionError` (999 IK5 IK502-IK506, element 718),
  :class:`SegmentError` (999 IK3, IK304 element 620) with :class:`ElementError` (999 IK4, IK403 element
  621).

Every ``reason`` is PHI-free: it names segments, positions, element numbers and codes, never a value taken
from the message (a control number is not PHI, but it is not echoed either: positions are enough).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from revcycle.adapters.formats.base import MappingError, UnknownFormat, UnreadableMessage


class X12Error(UnreadableMessage):
    """Base of the X12 rejections. ``ta1_code`` is the TA105 note code when the rejection is TA1-level."""

    code = "x12_unreadable"

    def __init__(
        self,
        reason: str,
        *,
        location: str | None = None,
        code: str | None = None,
        ta1_code: str | None = None,
        notes: tuple[InterchangeNote, ...] = (),
    ) -> None:
        super().__init__(reason, location=location, code=code)
        self.ta1_code = ta1_code
        self.notes = notes


class NotX12(UnknownFormat):
    """The bytes do not start with an ISA segment (after an optional UTF-8 BOM and whitespace)."""

    code = "x12_not_x12"

    def __init__(self, reason: str, *, location: str | None = None) -> None:
        super().__init__(reason, location=location)
        self.ta1_code: str | None = None
        self.notes: tuple[InterchangeNote, ...] = ()


class InvalidInterchangeHeader(X12Error):
    """The ISA segment cannot be read: too short, wrong number of elements, unusable delimiters."""

    code = "x12_invalid_isa"


class TruncatedInterchange(X12Error):
    """The data ends before the interchange's IEA trailer (TA1 023, improper end of file)."""

    code = "x12_truncated"


class InterchangeRejected(X12Error):
    """Strict mode: the interchange has TA1-level errors that reject it (``notes`` lists them all)."""

    code = "x12_interchange_rejected"


class X12MappingError(MappingError):
    """A readable X12 set that cannot become canonical commands (a required value is missing or unusable)."""

    code = "x12_mapping_error"


@dataclass(frozen=True, slots=True)
class InterchangeNote:
    """A TA1 interchange note (TA105, element 668). ``rejects`` decides TA104 = R (else E)."""

    code: str
    reason: str
    rejects: bool = True


@dataclass(frozen=True, slots=True)
class GroupError:
    """A functional group error (999 AK905-AK909, element 716). ``rejects`` decides AK901 = R."""

    code: str
    reason: str
    rejects: bool = True


@dataclass(frozen=True, slots=True)
class TransactionError:
    """A transaction set error (999 IK502-IK506, element 718); it rejects the set (IK501 = R)."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class ElementError:
    """An element error (999 IK4): position in the segment, component and repetition, element number.

    ``code`` is element 621 (1 required element missing, 2 conditional required missing, 3 too many
    elements, 4 too short, 5 too long, 6 invalid character, 7 invalid code value, 8 invalid date, 9 invalid
    time, 12 too many repetitions, 13 too many components).
    """

    position: int
    code: str
    reason: str
    component: int | None = None
    repetition: int | None = None
    element_ref: str | None = None


@dataclass(frozen=True, slots=True)
class SegmentError:
    """A segment error (999 IK3): segment id, position in the set (ST = 1), loop id, element 620 code.

    Element 620 codes: 1 unrecognized segment id, 2 unexpected segment, 3 required segment missing,
    4 loop occurs over maximum times, 5 segment exceeds maximum use, 6 segment not in defined transaction
    set, 7 segment not in proper sequence, 8 segment has data element errors.
    """

    segment_id: str
    position: int
    code: str
    reason: str
    loop_id: str | None = None
    elements: tuple[ElementError, ...] = field(default=())
