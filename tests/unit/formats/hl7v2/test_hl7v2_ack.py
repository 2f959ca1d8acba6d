"""Acknowledgments: HL7 v2.5.1 Ch. 2 §2.9.2 (original mode), §2.9.3 (enhanced mode), ERR by version."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from revcycle.adapters.formats.base import MappingError, UnknownFormat
from revcycle.adapters.formats.hl7v2 import parse, split_messages, tokenize
from revcycle.adapters.formats.hl7v2.ack import (
    AckError,
    accept_ack_required,
    ack_mode,
    build_ack,
    build_reject,
    hl7_code_for,
    reject_for,
    status_for,
)
from revcycle.adapters.formats.hl7v2.errors import (
    BadEncodingCharacters,
    Hl7MappingError,
    Hl7Unreadable,
    UnsupportedVersion,
)

NOW = datetime(2026, 11, 22, 9, 30, 0, tzinfo=UTC)
PHI = ("ZEBEDEE", "QUIXOTE", "19700101", "MRN4711", "555 ELM")


def inbound(version: str = "2.5", *, msh15: str = "", msh16: str = "", delims: str = "|^~\\&") -> bytes:
    fs, enc = delims[0], delims[1:]
    cs = enc[0]
    header = fs.join(
        [
            "MSH",
            enc,
            "SENDAPP",
            f"SENDFAC{cs}1.2.3{cs}ISO",
            "RECVAPP",
            "RECVFAC",
            "20261122",
            "",
            f"ADT{cs}A04{cs}ADT_A01",
            "CTRL-77",
            "P",
            version,
            "",
            "",
            msh15,
            msh16,
        ]
    )
    pid = fs.join(
        ["PID", "1", "", "MRN4711", "", "ZEBEDEE" + enc[0] + "QUIXOTE", "", "19700101", "", "", "", "555 ELM"]
    )
    return f"{header}\r{pid}\rPV1{fs}1{fs}O".encode()


def segments(ack: bytes) -> list[list[str]]:
    text = ack.decode()
    assert text.endswith("\r") and "\n" not in text
    fs = text[3]
    return [line.split(fs) for line in text.rstrip("\r").split("\r")]


def assert_phi_free(ack: bytes) -> None:
    for value in PHI:
        assert value.encode() not in ack


@pytest.mark.parametrize(("status", "code"), [("accept", "AA"), ("error", "AE"), ("reject", "AR")])
def test_original_mode(status: str, code: str) -> None:
    message = parse(inbound())
    assert ack_mode(message) == "original"
    error = None if status == "accept" else AckError(101, "PID-3 missing", segment="PID", field=3)
    ack = build_ack(message, status, error=error, control_id="ACK1", now=NOW)  # type: ignore[arg-type]
    msh, msa, *rest = segments(ack)
    assert msh[:12] == [
        "MSH",
        "^~\\&",
        "RECVAPP",
        "RECVFAC",
        "SENDAPP",
        "SENDFAC^1.2.3^ISO",
        "20261122093000+0000",
        "",
        "ACK^A04^ACK",
        "ACK1",
        "P",
        "2.5",
    ]
    assert msa == ["MSA", code, "CTRL-77"]
    if status == "accept":
        assert rest == []
    else:
        assert rest == [
            ["ERR", "", "PID^1^3^1", "101^Required field missing^HL70357", "E", "", "", "", "PID-3 missing"]
        ]
    assert_phi_free(ack)
    assert parse(ack).control_id == "ACK1"  # an ACK is itself a readable message


@pytest.mark.parametrize(
    ("msh15", "msh16", "status", "code", "required"),
    [
        ("AL", "NE", "accept", "CA", True),
        ("AL", "AL", "error", "CE", True),
        ("AL", "", "reject", "CR", True),
        ("NE", "AL", "accept", "CA", False),
        ("ER", "AL", "accept", "CA", False),
        ("ER", "AL", "error", "CE", True),
        ("SU", "", "accept", "CA", True),
        ("SU", "", "reject", "CR", False),
        ("", "AL", "accept", "CA", True),
    ],
)
def test_enhanced_mode(msh15: str, msh16: str, status: str, code: str, required: bool) -> None:
    message = parse(inbound(msh15=msh15, msh16=msh16))
    assert ack_mode(message) == "enhanced"
    assert accept_ack_required(message, status) is required  # type: ignore[arg-type]
    ack = build_ack(message, status, now=NOW)  # type: ignore[arg-type]
    assert segments(ack)[1][:3] == ["MSA", code, "CTRL-77"]
    if status != "accept":
        assert segments(ack)[2][3].startswith("207^")  # generic error when none is given


def test_original_mode_always_requires_an_ack() -> None:
    assert accept_ack_required(parse(inbound()), "accept")


def test_err_location_v23_versus_v25() -> None:
    error = AckError(102, "PID-7 is not a date", segment="PID", field=7, component=1)
    old = segments(build_ack(parse(inbound("2.3")), "error", error=error, now=NOW))
    assert old[0][8] == "ACK^A04"  # no message structure component before v2.3.1
    assert old[1] == ["MSA", "AE", "CTRL-77", "PID-7 is not a date"]
    assert old[2] == ["ERR", "PID^1^7^102&Data type error&HL70357"]
    new = segments(build_ack(parse(inbound("2.5.1")), "error", error=error, now=NOW))
    assert new[0][8] == "ACK^A04^ACK"
    assert new[1] == ["MSA", "AE", "CTRL-77"]
    assert new[2][:5] == ["ERR", "", "PID^1^7^1^1", "102^Data type error^HL70357", "E"]
    assert new[2][8] == "PID-7 is not a date"
    assert segments(build_ack(parse(inbound("2.3.1")), now=NOW))[0][8] == "ACK^A04^ACK"


def test_same_delimiters_version_and_escaped_reason() -> None:
    message = parse(inbound("2.4", delims="#$*@!"))
    ack = build_ack(message, "reject", error=AckError(103, "code A#B$C not in table"), now=NOW)
    text = ack.decode()
    assert text.startswith("MSH#$*@!#RECVAPP#RECVFAC#SENDAPP#SENDFAC$1.2.3$ISO#")
    assert "ACK$A04$ACK" in text and "#2.4" in text
    assert "code A@F@B@S@C not in table" in text  # the reason is escaped with the message's escape char
    assert parse(ack).get("MSA-1") == "AR"


def test_charset_echoed_and_used() -> None:
    raw = inbound().replace(b"\rPID", b"||8859/1\rPID", 1)
    message = parse(raw)
    ack = build_ack(message, now=NOW)
    assert segments(ack)[0][17] == "8859/1"


def test_build_reject_echoes_control_id_from_unparseable_bytes() -> None:
    raw = inbound().replace(b"^~\\&", b"^~\\\\&", 1)  # duplicated delimiters: unreadable
    with pytest.raises(BadEncodingCharacters) as caught:
        parse(raw)
    ack = reject_for(raw, caught.value, control_id="R1", now=NOW)
    msh, msa, err = segments(ack)
    assert msh[1] == "^~\\&"  # inbound MSH-2 unusable: standard delimiters
    assert (msh[2], msh[4], msh[8], msh[9], msh[11]) == ("RECVAPP", "SENDAPP", "ACK^A04^ACK", "R1", "2.5")
    assert msa == ["MSA", "AR", "CTRL-77"]
    assert err[2] == "MSH^1^2^1" and err[3].startswith("102^Data type error")
    assert_phi_free(ack)


def test_build_reject_enhanced_and_old_versions() -> None:
    raw = inbound("2.3", msh15="AL").replace(b"|P|", b"|X|")
    with pytest.raises(Hl7Unreadable) as caught:
        parse(raw)
    msh, msa, err = segments(reject_for(raw, caught.value, now=NOW))
    assert msa[:3] == ["MSA", "CR", "CTRL-77"] and msh[10] == "P"
    assert err[1] == "MSH^1^11^202&Unsupported processing id&HL70357"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage",
        b"\x00\x01\xff" * 50,
        b"MSH",
        b"MSH|",
        b"MSHA^~\\&A",
        b"\x0bMSH|^~\\&|A|B|C|D|1||ADT^A01|\x1c\r",
        b"MSH|^~\\&|" + b"x" * 5000 + b"|B|C|D|1||ADT^A01|CTRL|P|2.5",
        b"MSH|^~\\&|A|B|C|D|1||ADT^A01|" + b"Z" * 500 + b"|P|2.5",
        b"MSH|^~\\&|A|B|C|D|1||ADT^A01|CT\x07RL|P|9.9.9.9",
    ],
)
def test_build_reject_never_raises(raw: bytes) -> None:
    ack = build_reject(raw, "unreadable", 100, now=NOW)
    msh, msa, err = segments(ack)
    assert msh[0] == "MSH" and msa[1] == "AR" and err[3].startswith("100^")
    assert len(ack) < 600
    assert parse(ack).get("MSA-1") == "AR"


def test_generic_reject_on_garbage() -> None:
    msh, msa, err = segments(build_reject(b"\x00garbage", "no MSH segment", 100, control_id="G1", now=NOW))
    assert msh == ["MSH", "^~\\&", "", "", "", "", "20261122093000+0000", "", "ACK^^ACK", "G1", "P", "2.5"]
    assert msa == ["MSA", "AR"]
    assert err == ["ERR", "", "", "100^Segment sequence error^HL70357", "E", "", "", "", "no MSH segment"]


def test_error_tables() -> None:
    assert hl7_code_for(UnsupportedVersion("x")) == 203
    assert hl7_code_for(Hl7MappingError("PID-3 missing")) == 101
    assert hl7_code_for(MappingError("x")) == 101
    assert hl7_code_for(UnknownFormat("x")) == 100
    assert status_for(UnsupportedVersion("x")) == "reject"
    assert status_for(MappingError("x")) == "error"
    located = AckError.from_exception(Hl7MappingError("FT1-7 missing", location="FT1[2]-7.1"))
    assert (located.segment, located.sequence, located.field, located.component) == ("FT1", 2, 7, 1)
    assert AckError.from_exception(Hl7MappingError("x", location="line 3")).segment is None


def test_acks_for_every_sample_are_phi_free(shared_data: Path) -> None:
    """ACK text carries only header routing fields, codes and our reason: never PID data."""
    for path in sorted((shared_data / "hl7v2").iterdir()):
        try:
            messages = split_messages(path.read_bytes()).messages
        except Hl7Unreadable:
            continue
        for raw in messages:
            try:
                message = tokenize(raw)
            except Hl7Unreadable as exc:
                ack = reject_for(raw, exc, now=NOW)
                assert segments(ack)[1][1] in ("AR", "CR")
                continue
            pid = message.segment("PID")
            ack = build_ack(message, "error", error=AckError(101, "PID-3 missing"), now=NOW)
            assert (segments(ack)[1] + [""])[2] == message.header.raw(10)
            if pid is not None:
                for number in (3, 5, 7, 11, 19):
                    value = pid.raw(number)
                    if len(value) > 4:
                        assert value.encode() not in ack, (path.name, number)


def test_ack_made_now_is_stamped_with_the_current_second() -> None:
    """MSH-7 of an ACK made now (formatted once per second and reused) is the current UTC second, and
    moves on with the clock."""
    message = parse(inbound())
    before = datetime.now(UTC).replace(microsecond=0)
    stamps = set()
    for _ in range(3):
        stamps.add(segments(build_ack(message))[0][6])
        time.sleep(0.6)
    after = datetime.now(UTC)
    read = sorted(datetime.strptime(stamp, "%Y%m%d%H%M%S%z") for stamp in stamps)
    assert before <= read[0] and read[-1] <= after
    assert len(read) >= 2  # 1.2 s or more: at least one new second
