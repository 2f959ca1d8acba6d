"""Delimiters and header fields from the ISA segment (X12.5 interchange control header).

The ISA is fixed length: 106 characters from ``I`` to the segment terminator. The element separator is the
character after ``ISA`` (byte 4), the component separator is ISA16 (character 105), the segment terminator
is the character after ISA16 (character 106), and the repetition separator is ISA11 in 5010 (ISA12 >=
00402); in 4010 ISA11 is the standards identifier ``U`` and there is no repetition separator.

An ISA that is not 106 characters long is still read (its elements are split on the element separator) so
that identify() and lenient parsing work, but every field whose length is wrong becomes a rejecting TA1
note with the field's TA105 code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from revcycle.adapters.formats.x12.errors import (
    InterchangeNote,
    InvalidInterchangeHeader,
    TruncatedInterchange,
)

ISA_LENGTH = 106
#: Fixed lengths of ISA01..ISA16.
ISA_FIELD_LENGTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
#: TA105 note code for an invalid value in ISA01..ISA16 (the X12.5 TA1 code list).
ISA_FIELD_TA1_CODES = (
    "010", "011", "012", "013", "005", "006", "007", "008",
    "014", "015", "016", "017", "018", "019", "020", "027",
)  # fmt: skip
_SEPARATOR_POSITIONS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)
_ID_QUALIFIERS = frozenset({"01", "14", "20", "27", "28", "29", "30", "33", "ZZ"})
SUPPORTED_VERSIONS = frozenset({"00401", "00501"})


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four X12 delimiters of one interchange; ``repetition`` is None when there is none (4010)."""

    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str | None = "^"
    #: ISA11 equalled ISA16: the interchange does not say which one the data uses.
    ambiguous_component: bool = False


@dataclass(frozen=True, slots=True)
class IsaInfo:
    """A read ISA: its 16 element values (ISA01..ISA16), its delimiters, its length and any TA1 notes."""

    elements: tuple[str, ...]
    delimiters: Delimiters
    length: int
    notes: tuple[InterchangeNote, ...]

    def get(self, number: int) -> str:
        """ISA element by its number (1..16)."""
        return self.elements[number - 1]


def _is_bad_delimiter(char: str) -> bool:
    return char.isalnum() or char == " "


def _locate_elements(text: str, sep: str) -> tuple[list[str], int]:
    """Split the ISA on ``sep``; return ISA01..ISA16 and the index of the segment terminator."""
    if len(text) >= ISA_LENGTH and all(text[p] == sep for p in _SEPARATOR_POSITIONS):
        return [*text[4:103].split(sep), text[104]], 105
    positions: list[int] = []
    start = 3
    while len(positions) < 16:
        found = text.find(sep, start, 400)
        if found < 0:
            break
        positions.append(found)
        start = found + 1
    if len(positions) < 16:
        if len(text) < 400 and text.find(sep, start) < 0:
            raise TruncatedInterchange(
                f"ISA segment has {len(positions)} element separators, expected 16; the data ends inside it",
                location="ISA",
                ta1_code="023",
            )
        raise InvalidInterchangeHeader(
            f"ISA segment has {len(positions)} element separators within its first 400 characters, "
            "expected 16",
            location="ISA",
            ta1_code="022",
        )
    last = positions[-1]
    if last + 1 >= len(text):
        raise TruncatedInterchange("the data ends inside the ISA segment", location="ISA16", ta1_code="023")
    elements = [text[positions[i] + 1 : positions[i + 1]] for i in range(15)]
    elements.append(text[last + 1 : last + 2])
    return elements, last + 2


def _field_notes(elements: list[str], fixed: bool) -> list[InterchangeNote]:
    notes: list[InterchangeNote] = []
    if not fixed:
        for number, (value, length) in enumerate(zip(elements, ISA_FIELD_LENGTHS, strict=True), start=1):
            if len(value) != length:
                notes.append(
                    InterchangeNote(
                        ISA_FIELD_TA1_CODES[number - 1],
                        f"ISA{number:02d} has {len(value)} characters, the fixed length is {length}",
                    )
                )
    checks: list[tuple[int, bool]] = [
        (1, elements[0] in ("00", "03")),
        (3, elements[2] in ("00", "01")),
        (5, elements[4] in _ID_QUALIFIERS),
        (6, elements[5].strip() != ""),
        (7, elements[6] in _ID_QUALIFIERS),
        (8, elements[7].strip() != ""),
        (9, _valid_yymmdd(elements[8])),
        (10, _valid_hhmm(elements[9])),
        (12, elements[11] in SUPPORTED_VERSIONS),
        (13, len(elements[12]) == 9 and elements[12].isascii() and elements[12].isdigit()),
        (14, elements[13] in ("0", "1")),
        (15, elements[14] in ("P", "T", "I")),
    ]
    already = {note.code for note in notes}
    for number, ok in checks:
        code = ISA_FIELD_TA1_CODES[number - 1]
        if not ok and code not in already:
            notes.append(InterchangeNote(code, f"ISA{number:02d} has an invalid value"))
    return notes


def _valid_yymmdd(value: str) -> bool:
    if len(value) != 6 or not (value.isascii() and value.isdigit()):
        return False
    try:
        date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        return False
    return True


def _valid_hhmm(value: str) -> bool:
    return (
        len(value) == 4
        and value.isascii()
        and value.isdigit()
        and int(value[:2]) < 24
        and int(value[2:]) < 60
    )


def read_isa(text: str) -> IsaInfo:
    """Read the ISA at the start of ``text`` (which must start with ``ISA``).

    Raises :class:`InvalidInterchangeHeader` (TA1 026 element separator, 027 component separator, 004
    segment terminator, 022 structure) or :class:`TruncatedInterchange` (023) when the delimiters cannot be
    determined; returns rejecting notes for invalid field values.
    """
    if len(text) < 4:
        raise TruncatedInterchange("the data ends inside the ISA segment", location="ISA", ta1_code="023")
    sep = text[3]
    if _is_bad_delimiter(sep) or sep in "\r\n":
        raise InvalidInterchangeHeader(
            "ISA element separator (character 4) is a letter, digit, space or line break",
            location="ISA",
            ta1_code="026",
        )
    elements, term_index = _locate_elements(text, sep)
    fixed = term_index == ISA_LENGTH - 1
    if term_index >= len(text):
        raise TruncatedInterchange("the data ends inside the ISA segment", location="ISA", ta1_code="023")
    component = elements[15]
    segment = text[term_index]
    if _is_bad_delimiter(component) or component == sep:
        raise InvalidInterchangeHeader(
            "ISA16 component element separator is a letter, digit, space or the element separator",
            location="ISA16",
            ta1_code="027",
        )
    if segment.isalnum() or segment in (sep, component):
        raise InvalidInterchangeHeader(
            "segment terminator (the character after ISA16) is a letter, digit or another delimiter",
            location="ISA",
            ta1_code="004",
        )
    notes = _field_notes(elements, fixed)
    repetition: str | None = elements[10]
    ambiguous = repetition == component
    if elements[11] < "00402" or repetition is None or repetition.isalnum() or repetition == " ":
        repetition = None
    elif repetition in (sep, component, segment):
        notes.append(
            InterchangeNote(
                "027",
                "ISA11 repetition separator equals another delimiter; repetitions are not split",
                rejects=False,
            )
        )
        repetition = None
    return IsaInfo(
        elements=tuple(elements),
        delimiters=Delimiters(
            element=sep,
            component=component,
            segment=segment,
            repetition=repetition,
            ambiguous_component=ambiguous,
        ),
        length=term_index + 1,
        notes=tuple(notes),
    )
