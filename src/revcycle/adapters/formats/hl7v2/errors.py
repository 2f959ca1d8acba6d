"""HL7 v2 errors: each one carries the HL7 table 0357 "message error condition code" it maps to.

Table 0357 (HL7 v2.5.1 Ch. 2, ERR-3): 0 message accepted, 100 segment sequence error, 101 required field
missing, 102 data type error, 103 table value not found, 200 unsupported message type, 201 unsupported
event code, 202 unsupported processing id, 203 unsupported version id, 204 unknown key identifier,
205 duplicate key identifier, 206 application record locked, 207 application internal error.

Every ``reason`` is PHI-free: it names segment ids, positions, field numbers and byte offsets, never a
field's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from revcycle.adapters.formats.base import FormatError, MappingError, UnknownFormat, UnreadableMessage

SEGMENT_SEQUENCE_ERROR = 100
REQUIRED_FIELD_MISSING = 101
DATA_TYPE_ERROR = 102
TABLE_VALUE_NOT_FOUND = 103
UNSUPPORTED_MESSAGE_TYPE = 200
UNSUPPORTED_EVENT_CODE = 201
UNSUPPORTED_PROCESSING_ID = 202
UNSUPPORTED_VERSION_ID = 203
APPLICATION_INTERNAL_ERROR = 207

TABLE_0357_TEXT: Mapping[int, str] = MappingProxyType(
    {
        0: "Message accepted",
        100: "Segment sequence error",
        101: "Required field missing",
        102: "Data type error",
        103: "Table value not found",
        104: "Value too long",
        200: "Unsupported message type",
        201: "Unsupported event code",
        202: "Unsupported processing id",
        203: "Unsupported version id",
        204: "Unknown key identifier",
        205: "Duplicate key identifier",
        206: "Application record locked",
        207: "Application internal error",
    }
)


class Hl7Unreadable(UnreadableMessage):
    """Structurally unreadable HL7 v2 input; ``hl7_code`` is its table 0357 code (answered with AR)."""

    code = "hl7v2.unreadable"
    hl7_code = APPLICATION_INTERNAL_ERROR

    def __init__(self, reason: str, *, location: str | None = None, hl7_code: int | None = None) -> None:
        super().__init__(reason, location=location)
        if hl7_code is not None:
            self.hl7_code = hl7_code


class EmptyMessage(Hl7Unreadable):
    """No bytes, or only whitespace."""

    code = "hl7v2.empty"
    hl7_code = SEGMENT_SEQUENCE_ERROR


class NotHl7(Hl7Unreadable):
    """The input does not start with an MSH segment (binary data, another format, a bare batch)."""

    code = "hl7v2.no_msh"
    hl7_code = SEGMENT_SEQUENCE_ERROR


class BadEncodingCharacters(Hl7Unreadable):
    """MSH-1 / MSH-2 do not declare a usable, distinct set of delimiters."""

    code = "hl7v2.bad_encoding_characters"
    hl7_code = DATA_TYPE_ERROR


class UndecodableText(Hl7Unreadable):
    """The bytes are not valid in the character set declared in MSH-18."""

    code = "hl7v2.undecodable"
    hl7_code = DATA_TYPE_ERROR


class BadSegment(Hl7Unreadable):
    """A line that is not a segment (bad segment id), or a segment where it may not be (a second MSH)."""

    code = "hl7v2.bad_segment"
    hl7_code = SEGMENT_SEQUENCE_ERROR


class MissingHeaderField(Hl7Unreadable):
    """A required MSH field (MSH-9, MSH-10, MSH-11 or MSH-12) is empty."""

    code = "hl7v2.missing_header_field"
    hl7_code = REQUIRED_FIELD_MISSING


class UnsupportedProcessingId(Hl7Unreadable):
    """MSH-11.1 is not in HL7 table 0103 (D, P, T)."""

    code = "hl7v2.unsupported_processing_id"
    hl7_code = UNSUPPORTED_PROCESSING_ID


class UnsupportedVersion(Hl7Unreadable):
    """MSH-12.1 is not a version this reader supports (2.1 to 2.8)."""

    code = "hl7v2.unsupported_version"
    hl7_code = UNSUPPORTED_VERSION_ID


class Hl7MappingError(MappingError):
    """A readable message that cannot become canonical commands (answered with AE)."""

    code = "hl7v2.mapping_error"
    hl7_code = REQUIRED_FIELD_MISSING

    def __init__(self, reason: str, *, location: str | None = None, hl7_code: int | None = None) -> None:
        super().__init__(reason, location=location)
        if hl7_code is not None:
            self.hl7_code = hl7_code


def hl7_code_for(exc: FormatError) -> int:
    """The one table from our errors to HL7 table 0357 codes."""
    code = getattr(exc, "hl7_code", None)
    if isinstance(code, int):
        return code
    if isinstance(exc, UnknownFormat):
        return SEGMENT_SEQUENCE_ERROR
    if isinstance(exc, UnreadableMessage):
        return DATA_TYPE_ERROR
    if isinstance(exc, MappingError):
        return REQUIRED_FIELD_MISSING
    return APPLICATION_INTERNAL_ERROR
