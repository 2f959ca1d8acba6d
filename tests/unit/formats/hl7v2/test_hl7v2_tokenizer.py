"""Tokenizer, escapes, encodings and accessors (HL7 v2.5.1 Ch. 2 §2.5-2.7)."""

from __future__ import annotations

import pytest

from revcycle.adapters.formats.base import FormatError, UnreadableMessage
from revcycle.adapters.formats.hl7v2.encoding import Delimiters, codec_for
from revcycle.adapters.formats.hl7v2.errors import (
    BadEncodingCharacters,
    BadSegment,
    EmptyMessage,
    Hl7Unreadable,
    MissingHeaderField,
    NotHl7,
    UndecodableText,
    UnsupportedProcessingId,
    UnsupportedVersion,
)
from revcycle.adapters.formats.hl7v2.escapes import escape, unescape
from revcycle.adapters.formats.hl7v2.path import Path, compile_path
from revcycle.adapters.formats.hl7v2.tokenizer import parse, tokenize

MSH = "MSH|^~\\&|APP|FAC|RCV|RFAC|20261122093000||DFT^P03^DFT_P03|CTRL42|P|2.5.1"
PHI_NAME = "ZEBEDEE^QUIXOTE"


def msg(*segments: str, header: str = MSH, sep: str = "\r") -> bytes:
    return sep.join([header, *segments]).encode("utf-8")


SAMPLE = msg(
    f"PID|1||MRN1^^^HOSP^MR~SSN9^^^SSA^SS&X&Y||{PHI_NAME}||19700101|F||||||||||ACCT7^^^HOSP^AN",
    "PV1|1|O|CARD^EXAM3",
    "FT1|1|||20261122|20261122|CG|93000^ECG^CPT|||1|150.00&USD",
    "FT1|2|||20261122|20261122|CG|36415^VENI^CPT|||2|25.00&USD",
)


# --- structure and accessors -------------------------------------------------------------------


def test_accessors_follow_hl7_numbering() -> None:
    m = parse(SAMPLE)
    assert m["MSH-1"] == "|"
    assert m["MSH-2"] == "^~\\&"
    assert m["MSH-9"] == "DFT" and m["MSH-9.2"] == "P03" and m["MSH-9.3"] == "DFT_P03"
    assert m["MSH-10"] == "CTRL42"
    assert (m.message_type, m.trigger_event, m.control_id, m.processing_id, m.version) == (
        "DFT",
        "P03",
        "CTRL42",
        "P",
        "2.5.1",
    )
    assert m["PID-3[1].1"] == "MRN1"
    assert m["PID-3"] == "MRN1"  # a path above the leaf reads its first component
    assert m.get("PID-3[2].4.1") == "SSA"
    assert m.get("PID-3[2].5.3") == "Y"
    assert m.get("PID-3[3].1") is None
    assert m.get("PID-18.1") == "ACCT7"
    assert m.get("PID-99") is None and m["PID-99"] == ""
    assert m.get("ZZZ-1", "none") == "none"
    with pytest.raises(KeyError):
        m["ZZZ-1"]
    assert m["FT1[2]-7.1"] == "36415"
    assert m.get("FT1[3]-7.1") is None
    assert m.values([compile_path("FT1[2]-11.1"), compile_path("FT1-11.1.2"), compile_path("MSH-2")]) == [
        "25.00",
        "USD",
        "^~\\&",
    ]


def test_segment_field_component_objects() -> None:
    m = parse(SAMPLE)
    assert [s.id for s in m] == ["MSH", "PID", "PV1", "FT1", "FT1"] == m.ids
    assert len(m) == 5
    ft1s = m.segments("FT1")
    assert [s[1].value for s in ft1s] == ["1", "2"]
    pid = m.segment("PID")
    assert pid is not None
    assert pid[5].raw == PHI_NAME
    assert pid[5][1] == "ZEBEDEE" and pid[5][2] == "QUIXOTE"
    assert [r.raw for r in pid[3].repetitions()] == ["MRN1^^^HOSP^MR", "SSN9^^^SSA^SS&X&Y"]
    rep = pid[3].repetition(2)
    assert rep[4] == "SSA"
    assert rep.component(5).subcomponents() == ["SS", "X", "Y"]
    assert rep.component(5)[3] == "Y" and rep.component(5).value == "SS"
    assert pid[3].component(1).value == "MRN1"
    assert pid.value(3, 2, 5, 2) == "X"
    assert len(pid) == 18
    assert not pid[40] and pid[40].repetitions() == []
    assert m.header[1].raw == "|" and m.header[2].raw == "^~\\&"
    assert m.header[2].repetitions()[0].raw == "^~\\&"  # MSH-2 is never split
    assert m.segment("FT1", 2) is ft1s[1] and m.segment("FT1", 3) is None
    assert repr(m) == "Message(DFT^P03, 5 segments)"


def test_compile_path() -> None:
    assert compile_path("PID-3[2].4.1") == Path("PID", 1, 3, 2, 4, 1)
    assert compile_path("FT1[2]-7") == Path("FT1", 2, 7, 1, 1, 1)
    for bad in ("PID", "pid-3", "PID-0", "PID-3.0", "PID-3[0]", "PID-3.1.1.1", "PI-3", "PID.3"):
        with pytest.raises(ValueError):
            compile_path(bad)


# --- delimiters --------------------------------------------------------------------------------


def test_non_default_encoding_characters() -> None:
    raw = (
        b"MSH#$*@!#APP#FAC#RCV#RFAC#20261122##ADT$A01#C1#P#2.4\r"
        b"PID#1##ID1$$$AUTH$MR*ID2$$$X!Y##NAME$A@F@B@S@C@T@D@R@E@E@G\r"
        b"NTE#1##a|b^c~d\\e&f"
    )
    m = parse(raw)
    assert m.delimiters == Delimiters("#", "$*@!")
    assert m["MSH-1"] == "#" and m["MSH-2"] == "$*@!"
    assert m["MSH-9.2"] == "A01"
    assert m["PID-3[1].1"] == "ID1"
    assert m["PID-3[2].4.2"] == "Y"
    assert m["PID-5.2"] == "A#B$C!D*E@G"
    assert m["NTE-3"] == "a|b^c~d\\e&f"  # the usual characters are plain text here


def test_five_encoding_characters_truncation() -> None:
    m = parse(msg("NTE|1||cut\\P\\here", header=MSH.replace("^~\\&", "^~\\&#").replace("2.5.1", "2.7")))
    assert m.delimiters.truncation == "#"
    assert m["NTE-3"] == "cut#here"


def test_short_encoding_characters_leave_delimiters_absent() -> None:
    three = parse(msg("NTE|1||A&B\\T\\^C", header=MSH.replace("^~\\&", "^~\\")))
    assert three.delimiters.subcomponent == ""
    assert three["NTE-3"] == "A&B\\T\\"  # no sub-component separator: & is text, \T\ kept verbatim
    two = parse(msg("NTE|1||A\\F\\B&C~D", header=MSH.replace("^~\\&", "^~")))
    assert two.delimiters.escape == ""
    assert two["NTE-3"] == "A\\F\\B&C"
    assert two["NTE-3[2]"] == "D"


@pytest.mark.parametrize(
    ("msh2", "code"),
    [
        ("^~\\\\&", 102),  # escape character repeated as sub-component separator
        ("^^\\&", 102),
        ("^~\\^", 102),  # component separator reused
        ("^~\\&#x", 102),  # six characters
        ("^~a&", 102),  # alphanumeric
        ("^~ &", 102),  # space
        ("", 101),
    ],
)
def test_bad_encoding_characters(msh2: str, code: int) -> None:
    with pytest.raises(BadEncodingCharacters) as caught:
        tokenize(f"MSH|{msh2}|A|B|||20261122||ADT^A01|1|P|2.5".encode())
    assert caught.value.hl7_code == code
    assert caught.value.location in ("MSH-1", "MSH-2")


def test_bad_field_separator() -> None:
    for header in (b"MSHA^~\\&A", b"MSH ^~\\& ", b"MSH"):
        with pytest.raises(BadEncodingCharacters):
            tokenize(header + b"\rPID|1")


# --- segment terminators, BOM, whitespace ------------------------------------------------------


@pytest.mark.parametrize("sep", ["\r", "\n", "\r\n"])
def test_segment_terminators(sep: str) -> None:
    m = parse(msg("PID|1||X", "PV1|1|I", sep=sep) + sep.encode())
    assert m.ids == ["MSH", "PID", "PV1"]
    assert m["PV1-2"] == "I"


def test_mixed_terminators_bom_trailing_whitespace_and_blank_lines() -> None:
    raw = (
        b"\xef\xbb\xbf\r\n"
        + msg("PID|1||X ", "", "PV1|1|I\t", "NTE|1||last  ", header=MSH + "  ")
        .replace(b"\rPV1", b"\r\nPV1")
        .replace(b"\rNTE", b"\nNTE")
        + b"\n\n  \n"
    )
    m = parse(raw)
    assert m.ids == ["MSH", "PID", "PV1", "NTE"]
    assert m["PID-3"] == "X" and m["PV1-2"] == "I" and m["NTE-3"] == "last"
    assert m["MSH-12"] == "2.5.1"


@pytest.mark.parametrize(
    "ending", [b"", b"\r", b"\r\r\r", b"\r\n", b"\n\n", b" \r", b"\t\r\r", b"\r \r", b"\r\rZZ1|x\r"]
)
def test_endings_after_the_last_segment(ending: bytes) -> None:
    """The usual ending (the last segment's CR) and blank lines or whitespace after it read as if the
    message ended at its last segment; a segment after blank lines is still a segment."""
    m = tokenize(msg("PID|1||X", "PV1|1|I") + ending)
    extra = ["ZZ1"] if b"ZZ1" in ending else []
    assert m.ids == ["MSH", "PID", "PV1", *extra]
    pv1 = m.segment("PV1")
    assert pv1 is not None and pv1.fields == ["PV1", "1", "I"]  # nothing of the ending kept in it


# --- escapes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\\F\\b", "a|b"),
        ("a\\S\\b", "a^b"),
        ("a\\T\\b", "a&b"),
        ("a\\R\\b", "a~b"),
        ("a\\E\\b", "a\\b"),
        ("\\X41\\\\X4243\\", "ABC"),
        ("caf\\XC3A9\\", "café"),  # the bytes in the message's character set (UTF-8 here)
        ("line\\.br\\next", "line\nnext"),
        ("\\H\\bold\\N\\", "\\H\\bold\\N\\"),  # highlighting kept verbatim
        ("\\Zlocal\\", "\\Zlocal\\"),
        ("\\C2842\\x", "\\C2842\\x"),
        ("\\M2442\\x", "\\M2442\\x"),
        ("\\.sp2\\", "\\.sp2\\"),
        ("\\X4\\", "\\X4\\"),  # odd hex: verbatim
        ("\\XZZ\\", "\\XZZ\\"),
        ("\\P\\", "\\P\\"),  # no truncation character declared before v2.7 style MSH-2
        ("\\\\", "\\\\"),
        ("open\\F", "open\\F"),  # unterminated
        ("plain", "plain"),
    ],
)
def test_every_escape(text: str, expected: str) -> None:
    m = parse(msg(f"NTE|1||{text}"))
    assert m["NTE-3"] == expected
    assert m.segment("NTE") is not None


def test_hex_escape_uses_declared_charset_and_falls_back() -> None:
    latin = msg("NTE|1||\\XE9\\", header=MSH + "||||||8859/1")
    assert parse(latin)["NTE-3"] == "é"
    assert unescape("\\XE9\\", Delimiters("|", "^~\\&"), "utf_8") == "é"  # invalid UTF-8: Latin-1


def test_escape_round_trip() -> None:
    d = Delimiters("|", "^~\\&#")
    text = "a|b^c~d\\e&f#g\r\nh"
    assert unescape(escape(text, d), d).replace("\r", "") == text.replace("\r", "")
    assert escape("x|y", Delimiters("|", "^~")) == "x y"


# --- character sets ----------------------------------------------------------------------------


def test_charsets() -> None:
    assert codec_for("UNICODE UTF-8") == "utf_8" and codec_for("utf-8") == "utf_8"
    assert codec_for("8859/1") == "latin_1" and codec_for("ISO IR100") == "latin_1"
    assert codec_for("8859/15") == "iso8859_15" and codec_for("") is None and codec_for("KLINGON") is None
    utf8 = msg("PID|1||X||MÜLLER^JÖRG", header=MSH + "||||||UNICODE UTF-8")
    assert parse(utf8)["PID-5"] == "MÜLLER"
    latin = msg("PID|1||X||MÜLLER", header=MSH + "||||||8859/1").decode("utf-8").encode("latin-1")
    assert parse(latin)["PID-5"] == "MÜLLER"
    undeclared = msg("PID|1||X||MÜLLER").decode("utf-8").encode("latin-1")
    m = parse(undeclared)  # not UTF-8, no MSH-18: Latin-1 fallback
    assert m["PID-5"] == "MÜLLER" and m.codec == "latin_1"


@pytest.mark.parametrize("charset", ["ASCII", "UNICODE UTF-8"])
def test_bytes_invalid_in_declared_charset(charset: str) -> None:
    raw = msg("PID|1||X||M\xfcLLER", header=MSH + f"||||||{charset}").replace(b"\xc3\xbc", b"\xfc")
    with pytest.raises(UndecodableText) as caught:
        parse(raw)
    assert caught.value.hl7_code == 102 and caught.value.location == "MSH-18"
    assert "LLER" not in str(caught.value)


# --- unreadable input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "error", "code"),
    [
        (b"", EmptyMessage, 100),
        (b" \r\n\t", EmptyMessage, 100),
        (b"\xef\xbb\xbf", EmptyMessage, 100),
        (b"MSH|^~\\&|A\x00B|", NotHl7, 100),
        (b"\x00\x01\x02\xff", NotHl7, 100),
        (b"PID|1||X", NotHl7, 100),
        (b"hello world", NotHl7, 100),
        (b"ISA*00*", NotHl7, 100),
        (b"FHS|^~\\&\rMSH|^~\\&|A", NotHl7, 100),
        (b"BHS|^~\\&\rMSH|^~\\&|A", NotHl7, 100),
    ],
)
def test_unreadable(raw: bytes, error: type[Hl7Unreadable], code: int) -> None:
    with pytest.raises(error) as caught:
        parse(raw)
    assert caught.value.hl7_code == code
    assert isinstance(caught.value, UnreadableMessage) and isinstance(caught.value, FormatError)


@pytest.mark.parametrize(
    "line", ["pid|1", "PI|1", "P1D1|x", "1AB|x", "PIDX|1", f"{PHI_NAME} was here", "ÄBC|1", " PID|1"]
)
def test_bad_segment_ids(line: str) -> None:
    with pytest.raises(BadSegment) as caught:
        parse(msg("EVN|A01", line))
    assert caught.value.hl7_code == 100
    assert "segment 3" in caught.value.reason
    assert "ZEBEDEE" not in str(caught.value) and "pid" not in str(caught.value)


def test_second_msh_is_a_batch() -> None:
    with pytest.raises(BadSegment) as caught:
        parse(msg("PID|1", MSH))
    assert "second MSH" in caught.value.reason


@pytest.mark.parametrize(
    ("header", "error", "code", "location"),
    [
        ("MSH|^~\\&|A|B|C|D|20261122||^A01|1|P|2.5", MissingHeaderField, 101, "MSH-9"),
        ("MSH|^~\\&|A|B|C|D|20261122||ADT^A01||P|2.5", MissingHeaderField, 101, "MSH-10"),
        ("MSH|^~\\&|A|B|C|D|20261122||ADT^A01|1||2.5", MissingHeaderField, 101, "MSH-11"),
        ("MSH|^~\\&|A|B|C|D|20261122||ADT^A01|1|P", MissingHeaderField, 101, "MSH-12"),
        ("MSH|^~\\&|A|B|C|D|20261122||ADT^A01|1|X|2.5", UnsupportedProcessingId, 202, "MSH-11"),
        ("MSH|^~\\&|A|B|C|D|20261122||ADT^A01|1|P|3.0", UnsupportedVersion, 203, "MSH-12"),
        ("MSH|^~\\&|A|B|C|D|20261122||ADT^A01|1|P|2.9", UnsupportedVersion, 203, "MSH-12"),
        ("MSH|^~\\&|A|B|C|D|20261122||ADT^A01|1|P|2.0", UnsupportedVersion, 203, "MSH-12"),
    ],
)
def test_header_checks(header: str, error: type[Hl7Unreadable], code: int, location: str) -> None:
    raw = msg("PID|1", header=header)
    tokenize(raw)  # structurally fine
    with pytest.raises(error) as caught:
        parse(raw)
    assert (caught.value.hl7_code, caught.value.location) == (code, location)


@pytest.mark.parametrize(
    "version", ["2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.2"]
)
def test_supported_versions(version: str) -> None:
    header = f"MSH|^~\\&|A|B|C|D|20261122||ADT^A01|1|T^A|{version}^USA"
    assert parse(msg("PID|1", header=header)).version == version
