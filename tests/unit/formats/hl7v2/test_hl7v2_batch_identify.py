"""Batches (HL7 v2.5.1 Ch. 2 §2.10.3) and the edge's header read (identify)."""

from __future__ import annotations

from pathlib import Path

import pytest

from revcycle.adapters.formats.base import Envelope
from revcycle.adapters.formats.hl7v2 import identify, is_batch, parse, split_messages
from revcycle.adapters.formats.hl7v2.errors import (
    BadEncodingCharacters,
    BadSegment,
    EmptyMessage,
    MissingHeaderField,
    NotHl7,
)


def message(control_id: str, pid: str = "PID|1||MRN1^^^H^MR") -> str:
    return f"MSH|^~\\&|APP|FAC|RCV|RFAC|20261122||ADT^A04^ADT_A01|{control_id}|P|2.5\r{pid}\rPV1|1|O"


def test_batch_with_trailers() -> None:
    raw = (
        "FHS|^~\\&|APP|FAC|RCV|RFAC|20261122||||F1\rBHS|^~\\&|APP|FAC|RCV|RFAC|20261122||||B1\r"
        + message("1")
        + "\r"
        + message("2")
        + "\rBTS|2\rFTS|1\r"
    ).encode()
    batch = split_messages(raw)
    assert [parse(m).control_id for m in batch.messages] == ["1", "2"]
    assert batch.file_header is not None and batch.file_header.startswith(b"FHS|")
    assert (
        batch.batch_header is not None and batch.batch_trailer == b"BTS|2" and batch.file_trailer == b"FTS|1"
    )
    assert batch.declared_count == 2 and batch.count_matches
    assert is_batch(raw)
    assert identify(raw) == Envelope(
        format="hl7v2", message_type="HL7_BATCH", control_id="F1", sender="APP^FAC", receiver="RCV^RFAC"
    )


def test_batch_without_trailers_and_count_mismatch() -> None:
    raw = ("BHS|^~\\&\n" + message("1").replace("\r", "\n") + "\n" + message("2") + "\rBTS|3").encode()
    batch = split_messages(raw)
    assert len(batch.messages) == 2 and batch.file_header is None
    assert batch.declared_count == 3 and not batch.count_matches
    no_trailer = split_messages(("FHS|^~\\&\r\nBHS|^~\\&\r\n" + message("9").replace("\r", "\r\n")).encode())
    assert len(no_trailer.messages) == 1 and no_trailer.batch_trailer is None
    assert parse(no_trailer.messages[0]).control_id == "9"


def test_back_to_back_messages_and_single_message() -> None:
    raw = (message("1") + "\n" + message("2") + "\r\n" + message("3")).encode()
    assert is_batch(raw) and not is_batch(message("1").encode())
    assert len(split_messages(raw).messages) == 3
    one = split_messages(b"\xef\xbb\xbf" + message("7").encode())
    assert len(one.messages) == 1 and parse(one.messages[0]).control_id == "7"


def test_non_hl7_lines_between_messages_are_skipped_and_inside_are_kept() -> None:
    raw = ("// comment\n" + message("1") + "\n\n/* note */\n" + message("2") + "\n").encode()
    batch = split_messages(raw)
    assert batch.skipped_lines == (1, 6)
    assert len(batch.messages) == 2
    inside = split_messages((message("1") + "\r/* not a segment */\r").encode())
    with pytest.raises(BadSegment):
        parse(inside.messages[0])


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", EmptyMessage),
        (b"\r\n", EmptyMessage),
        (b"PID|1||X\rMSH|^~\\&|A", BadSegment),
        (b"hello\nworld", NotHl7),
        (b"FHS|^~\\\\&\rMSH|^~\\&|A", BadEncodingCharacters),
        (b"MSH|^~\\&|\x00", NotHl7),
    ],
)
def test_batch_errors(raw: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        split_messages(raw)


# --- identify ----------------------------------------------------------------------------------


def test_identify_message() -> None:
    env = identify(message("C1", "PID|1||MRN1^^^H^MR~MRN2||DOE^JANE|||||||||||||ACCT9^^^H^AN").encode())
    assert env == Envelope(
        format="hl7v2",
        message_type="ADT_A04",
        control_id="C1",
        sender="APP^FAC",
        receiver="RCV^RFAC",
        version="2.5",
        partition_key="ACCT9",
    )


@pytest.mark.parametrize(
    ("pid", "key"),
    [
        ("PID|1||MRN1^^^H^MR~MRN2", "MRN1"),
        ("PID|1||^^^H^MR~MRN2", "MRN2"),
        ('PID|1||MRN1|||||||||||||||""', "MRN1"),
        ("PID|1||A\\T\\B", "A&B"),
        ("PID|1", None),
        ("EVN|A04", None),
    ],
)
def test_partition_key(pid: str, key: str | None) -> None:
    assert identify(message("C1", pid).encode()).partition_key == key


def test_identify_header_variants() -> None:
    raw = b"\xef\xbb\xbf\r\nMSH|^~\\&|^OLIS^X500||||20261122||ACK|X|P|2.3.1\nPID|1||K"
    env = identify(raw)
    assert (env.message_type, env.sender, env.receiver, env.partition_key) == ("ACK", "OLIS^", None, "K")
    custom = identify(b"MSH#$*@!#A#B#C#D#1##SIU$S12#Q#P#2.4\rPID#1##Z1$$$H")
    assert (custom.message_type, custom.partition_key) == ("SIU_S12", "Z1")
    bare = identify(b"MSH|^~\\&|||||||ORU^R01")
    assert (bare.control_id, bare.version, bare.sender) == (None, None, None)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", EmptyMessage),
        (b"   ", EmptyMessage),
        (b"PID|1", NotHl7),
        (b"MSH", NotHl7),
        (b"MSH|^~\\\\&|A", BadEncodingCharacters),
        (b"MSH|^~\\&|A|B|C|D|1||^A01|1|P|2.5", MissingHeaderField),
    ],
)
def test_identify_errors(raw: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        identify(raw)


def test_identify_every_sample(shared_data: Path) -> None:
    """identify agrees with parse on every message it can read (same type, control id, version)."""
    checked = 0
    for path in sorted((shared_data / "hl7v2").iterdir()):
        try:
            messages = split_messages(path.read_bytes()).messages
        except NotHl7:
            continue
        for raw in messages:
            try:
                parsed = parse(raw)
            except (BadEncodingCharacters, MissingHeaderField):
                continue
            env = identify(raw)
            assert env.message_type.split("_")[0] == parsed.message_type, path.name
            assert env.control_id == parsed.control_id and env.version == parsed.version, path.name
            account = parsed.get("PID-18.1")
            if account and account != '""':
                assert env.partition_key == account.strip()
            checked += 1
    assert checked >= 60


def test_identify_spot_checks(shared_data: Path) -> None:
    folder = shared_data / "hl7v2"
    a01 = identify((folder / "fhirconverter__ADT-A01-01.hl7").read_bytes())
    assert (a01.message_type, a01.sender, a01.receiver, a01.version) == (
        "ADT_A01",
        "ADTApp^GHHSFacility",
        "EHRApp^GHHRFacility",
        "2.8",
    )
    mosaiq = identify((folder / "fhirconverter-2020__SIU-S12.hl7").read_bytes())
    assert (mosaiq.message_type, mosaiq.partition_key, mosaiq.receiver) == ("SIU_S12", "20-10004", None)
    assert identify((folder / "fhirconverter__ADT01-23.hl7").read_bytes()).partition_key == "40007716"
