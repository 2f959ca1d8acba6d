"""Fuzz: whatever the bytes, the HL7 v2 reader raises only our FormatError subclasses, and build_reject
never raises at all."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revcycle.adapters.formats.base import Envelope, FormatError, MappingError
from revcycle.adapters.formats.hl7v2 import identify, parse, split_messages, to_commands, tokenize
from revcycle.adapters.formats.hl7v2.ack import AckError, build_ack, build_reject, reject_for
from revcycle.adapters.formats.hl7v2.errors import Hl7Unreadable
from revcycle.adapters.formats.hl7v2.identify import envelope_of
from revcycle.adapters.formats.hl7v2.message import Message
from revcycle.adapters.formats.hl7v2.path import Path as Hl7Path

FUZZ = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

hl7ish = st.builds(
    lambda fs, enc, body: b"MSH" + fs + enc + body,
    st.sampled_from([b"|", b"#", b"^", b"\\", b"a", b" ", b"\r", b"\xff"]),
    st.binary(max_size=6),
    st.lists(
        st.sampled_from(
            [
                b"|",
                b"^",
                b"~",
                b"\\",
                b"&",
                b"\r",
                b"\n",
                b"PID",
                b"MSH",
                b"X",
                b"\\F\\",
                b"\\X4",
                b"\xc3",
                b" ",
            ]
        ),
        max_size=80,
    ).map(b"".join),
)


def exercise(message: Message) -> None:
    """Touch every element through every accessor."""
    for segment in message:
        for fld in segment:
            for rep in fld.repetitions():
                for comp in rep.components():
                    comp.subcomponents()
        for number in range(len(segment) + 2):
            segment.value(number, 2, 2, 2)
            _ = segment[number].value
    paths = [Hl7Path(sid, 1, f, 1, 1, 1) for sid in set(message.ids) for f in (1, 2, 3, 9)]
    assert message.values(paths) == [message.get(p) for p in paths]
    build_ack(message, "error", error=AckError(207, "fuzz"))


def same_envelope_from_tokens(raw: bytes, identified: Envelope | str) -> None:
    """The MLLP edge reads the envelope from the tokens it already has (``envelope_of``): wherever the
    tokenizer reads the bytes, that is exactly what ``identify`` reads from them (or the same error)."""
    try:
        message = tokenize(raw)
    except FormatError:
        return
    try:
        from_tokens: Envelope | str = envelope_of(message)
    except FormatError as exc:
        assert isinstance(exc, Hl7Unreadable)
        from_tokens = type(exc).__name__
    assert from_tokens == identified


def check(raw: bytes) -> None:
    for read in (tokenize, parse):
        try:
            exercise(read(raw))
        except FormatError as exc:
            assert isinstance(exc, Hl7Unreadable)
            reject_for(raw, exc)
    try:
        identified: Envelope | str = identify(raw)
    except FormatError as exc:
        assert isinstance(exc, Hl7Unreadable)
        identified = type(exc).__name__
    same_envelope_from_tokens(raw, identified)
    try:
        message = parse(raw)
        to_commands(message, identify(raw))
    except MappingError:
        pass
    except FormatError as exc:
        assert isinstance(exc, Hl7Unreadable)
    try:
        for part in split_messages(raw).messages:
            with contextlib.suppress(Hl7Unreadable, MappingError):
                to_commands(parse(part), identify(part))
    except FormatError as exc:
        assert isinstance(exc, Hl7Unreadable)
    build_reject(raw, "fuzz", 100)


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(hl7ish)
def test_hl7_looking_bytes(raw: bytes) -> None:
    check(raw)


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted((shared_data / "hl7v2").iterdir())]


@FUZZ
@given(data=st.data())
def test_mutated_samples(samples: list[bytes], data: st.DataObject) -> None:
    raw = bytearray(data.draw(st.sampled_from(samples)))
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if kind == "flip" and raw:
            raw[at] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del raw[at:]
        elif kind == "insert":
            raw[at:at] = data.draw(
                st.sampled_from([b"|", b"^", b"~", b"\\", b"&", b"\r", b"\n", b"\x00", b"MSH|"])
            )
        elif raw:
            del raw[at : at + data.draw(st.integers(1, 20))]
    check(bytes(raw))


def test_samples_themselves(shared_data: Path) -> None:
    for path in sorted((shared_data / "hl7v2").iterdir()):
        check(path.read_bytes())


field_values = st.one_of(
    st.sampled_from(
        ["", '""', "1", "-1", "1e999", "1e-999", "NaN", "Infinity", "12.5", "2^H", "CG", "XX", "20261122"]
    ),
    st.text(alphabet="0123456789.-+eE^&~\\ABCDHMSFT", max_size=12),
)
mapped_types = st.sampled_from(
    [
        "ADT^A01",
        "ADT^A03",
        "ADT^A04",
        "ADT^A05",
        "ADT^A08",
        "ADT^A11",
        "ADT^A13",
        "ADT^A40",
        "SIU^S12",
        "SIU^S14",
        "SIU^S15",
        "SIU^S26",
        "DFT^P03",
        "DFT^P11",
        "BAR^P01",
        "BAR^P02",
        "BAR^P12",
        "ADT",
        "SIU^",
    ]
)


@FUZZ
@given(
    mapped_types,
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "EVN",
                    "PID",
                    "PV1",
                    "MRG",
                    "SCH",
                    "TQ1",
                    "AIS",
                    "AIP",
                    "AIL",
                    "FT1",
                    "PR1",
                    "DG1",
                    "IN1",
                    "IN2",
                ]
            ),
            st.dictionaries(st.integers(1, 50), field_values, max_size=8),
        ),
        max_size=8,
    ),
)
def test_mapping_raises_only_mapping_errors(kind: str, segments: list[tuple[str, dict[int, str]]]) -> None:
    lines = [f"MSH|^~\\&|A|B|C|D|20261122||{kind}|C1|P|2.5", "PID|1||MRN1^^^H^MR", "PV1|1|I"]
    for sid, fields in segments:
        values = [""] * max(fields, default=0)
        for position, value in fields.items():
            values[position - 1] = value
        lines.append("|".join([sid, *values]))
    raw = "\r".join(lines).encode()
    with contextlib.suppress(MappingError):
        to_commands(parse(raw), identify(raw))
