"""Delimiters (MSH-1 / MSH-2) and character sets (MSH-18) of an HL7 v2 message.

HL7 v2.5.1 Ch. 2 §2.5.4 "Message delimiters" and the MSH-1 / MSH-2 definitions (§2.15.9): MSH-1 is the
field separator; MSH-2 lists, in this order, the component separator, the repetition separator, the escape
character and the subcomponent separator; v2.7 adds a fifth, the truncation character. Any characters may
be declared, so this module never assumes ``|^~\\&``.

Rules we enforce (violations raise :class:`BadEncodingCharacters`, table 0357 code 102):

* each delimiter is one printable ASCII character that is not a letter, a digit or a space;
* MSH-2 has 1 to 5 characters and all six delimiters are distinct (a repeated character would make the
  message ambiguous, e.g. ``^~\\\\&`` declares ``\\`` as both escape character and subcomponent separator);
* a delimiter MSH-2 leaves out is *absent*: text containing that character is not split on it and no
  escape sequences are recognised without an escape character. (python-hl7 substitutes the default
  characters instead; the standard gives no defaults for an explicitly shorter MSH-2.)

A fifth MSH-2 character is taken as the truncation character whatever MSH-12 says: it is unambiguous,
and older receivers simply never use it.

Character sets (MSH-18, HL7 table 0211): the first repetition of MSH-18 selects the codec and the bytes
must be valid in it (else :class:`UndecodableText`, code 102). When MSH-18 is empty or names a set we do
not know, we decode as UTF-8 (a superset of the standard's ASCII default) and fall back to ISO 8859-1,
which never fails, for 8-bit senders that do not declare their character set.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from revcycle.adapters.formats.hl7v2.errors import (
    REQUIRED_FIELD_MISSING,
    BadEncodingCharacters,
    UndecodableText,
)

ABSENT = "\r"
"""Stand-in for a delimiter MSH-2 leaves out. Segment text never contains CR, so splitting on it is a
no-op and ``ABSENT in text`` is always false; this keeps the hot path free of ``if delimiter:`` tests."""

DEFAULT_ENCODING_CHARACTERS = "^~\\&"


class Delimiters:
    """The delimiters one message declares. Absent ones are ``""`` in the public attributes."""

    __slots__ = (
        "comp_split",
        "component",
        "encoding_characters",
        "esc_split",
        "escape",
        "field",
        "rep_split",
        "repetition",
        "sub_split",
        "subcomponent",
        "truncation",
    )

    field: str
    encoding_characters: str
    component: str
    repetition: str
    escape: str
    subcomponent: str
    truncation: str
    comp_split: str
    rep_split: str
    sub_split: str
    esc_split: str

    def __init__(self, field: str, encoding_characters: str) -> None:
        component, repetition, escape, subcomponent, truncation = list(encoding_characters) + [""] * (
            5 - len(encoding_characters)
        )
        values = {
            "field": field,
            "encoding_characters": encoding_characters,
            "component": component,
            "repetition": repetition,
            "escape": escape,
            "subcomponent": subcomponent,
            "truncation": truncation,
            "comp_split": component or ABSENT,
            "rep_split": repetition or ABSENT,
            "sub_split": subcomponent or ABSENT,
            "esc_split": escape or ABSENT,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Delimiters are immutable")

    def __repr__(self) -> str:
        return f"Delimiters({self.field!r}, {self.encoding_characters!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Delimiters)
            and other.field == self.field
            and other.encoding_characters == self.encoding_characters
        )

    def __hash__(self) -> int:
        return hash((self.field, self.encoding_characters))


STANDARD_DELIMITERS = Delimiters("|", DEFAULT_ENCODING_CHARACTERS)


def _usable(char: str) -> bool:
    return len(char) == 1 and "!" <= char <= "~" and not char.isalnum()


def read_delimiters(field: str, encoding_characters: str, *, segment: str = "MSH") -> Delimiters:
    """Validate MSH-1 / MSH-2 (or FHS-1/2, BHS-1/2) and return the delimiters they declare."""
    if field == "|" and encoding_characters == DEFAULT_ENCODING_CHARACTERS:
        return STANDARD_DELIMITERS
    if not _usable(field):
        raise BadEncodingCharacters(
            f"{segment}-1 field separator is not a printable non-alphanumeric ASCII character",
            location=f"{segment}-1",
        )
    if not encoding_characters:
        raise BadEncodingCharacters(
            f"{segment}-2 encoding characters missing",
            location=f"{segment}-2",
            hl7_code=REQUIRED_FIELD_MISSING,
        )
    if len(encoding_characters) > 5:
        raise BadEncodingCharacters(
            f"{segment}-2 has {len(encoding_characters)} characters, at most 5 are allowed",
            location=f"{segment}-2",
        )
    for position, char in enumerate(encoding_characters, start=1):
        if not _usable(char):
            raise BadEncodingCharacters(
                f"{segment}-2 character {position} is not a printable non-alphanumeric ASCII character",
                location=f"{segment}-2",
            )
    if len(set(encoding_characters + field)) != len(encoding_characters) + 1:
        raise BadEncodingCharacters(
            f"{segment}-1/{segment}-2 delimiters are not distinct", location=f"{segment}-2"
        )
    return Delimiters(field, encoding_characters)


# HL7 table 0211 "Alternate character sets" (plus a few common spellings), keyed by the value with
# spaces, hyphens, underscores and slashes removed and upper-cased.
_CHARSETS: Mapping[str, str] = MappingProxyType(
    {
        "ASCII": "ascii",
        "ISOIR6": "ascii",
        "USASCII": "ascii",
        "88591": "latin_1",
        "88592": "iso8859_2",
        "88593": "iso8859_3",
        "88594": "iso8859_4",
        "88595": "iso8859_5",
        "88596": "iso8859_6",
        "88597": "iso8859_7",
        "88598": "iso8859_8",
        "88599": "iso8859_9",
        "885915": "iso8859_15",
        "ISO88591": "latin_1",
        "LATIN1": "latin_1",
        "ISOIR100": "latin_1",
        "ISOIR101": "iso8859_2",
        "ISOIR109": "iso8859_3",
        "ISOIR110": "iso8859_4",
        "ISOIR144": "iso8859_5",
        "ISOIR127": "iso8859_6",
        "ISOIR126": "iso8859_7",
        "ISOIR138": "iso8859_8",
        "ISOIR148": "iso8859_9",
        "ISOIR192": "utf_8",
        "UNICODEUTF8": "utf_8",
        "UTF8": "utf_8",
        "GB180302000": "gb18030",
        "GB18030": "gb18030",
        "KSX1001": "euc_kr",
        "BIG5": "big5",
        "WINDOWS1252": "cp1252",
        "CP1252": "cp1252",
    }
)


# The standard spellings of the common sets, to skip normalisation on the hot path.
_EXACT: Mapping[str, str] = MappingProxyType(
    {
        "ASCII": "ascii",
        "8859/1": "latin_1",
        "UNICODE UTF-8": "utf_8",
        "ISO IR6": "ascii",
        "ISO IR100": "latin_1",
        "ISO IR192": "utf_8",
    }
)


def codec_for(charset: str) -> str | None:
    """The Python codec for an MSH-18 value (first repetition), or None when empty or unknown."""
    if not charset:
        return None
    exact = _EXACT.get(charset)
    if exact is not None:
        return exact
    key = charset.upper()
    for junk in (" ", "-", "_", "/"):
        key = key.replace(junk, "")
    return _CHARSETS.get(key)


def decode(data: bytes, charset: str) -> tuple[str, str]:
    """Decode message bytes; returns the text and the codec used. See the module docstring."""
    codec = codec_for(charset)
    if codec is None:
        try:
            return data.decode("utf-8"), "utf_8"
        except UnicodeDecodeError:
            return data.decode("latin_1"), "latin_1"
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError as exc:
        raise UndecodableText(
            f"byte {exc.start} is not valid in the character set declared in MSH-18 ({codec})",
            location="MSH-18",
        ) from None
