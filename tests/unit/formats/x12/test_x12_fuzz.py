"""Fuzzing: arbitrary bytes and mutated samples only ever raise our own FormatError subclasses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from x12_build import CLAIM_837P, render, wrap

from revcycle.adapters.formats.base import FormatError
from revcycle.adapters.formats.x12.document import iter_transactions, parse
from revcycle.adapters.formats.x12.gen999 import build_999, build_ta1
from revcycle.adapters.formats.x12.identify import identify
from revcycle.adapters.formats.x12.writer import Party12

SAMPLES = sorted((Path(__file__).resolve().parents[4].parent / "shared" / "data" / "x12").glob("*"))
SEEDS = [p.read_bytes() for p in SAMPLES] or [render(wrap(CLAIM_837P))]
SEEDS.append(render(wrap(CLAIM_837P)))
US = Party12("ZZ", "REVCYCLE", "REVCYCLE")
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def exercise(raw: bytes) -> None:
    """Everything a message goes through; only FormatError may escape."""
    for call in (identify, lambda r: parse(r), lambda r: parse(r, strict=False)):
        try:
            call(raw)
        except FormatError as exc:
            assert exc.reason and isinstance(exc.code, str)
    try:
        reader, transactions = iter_transactions(raw)
        list(transactions)
    except FormatError:
        return
    now = datetime(2026, 11, 22)
    for ic in reader.interchanges:
        build_ta1(ic, sender=US, control_number=1, now=now)
        if ic.groups:
            build_999(ic.header, ic.groups, sender=US, control_number=1, now=now)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(
                st.sampled_from([b"~", b"*", b":", b"^", b"\r\n", b"ISA", b"SE*", b"\x00", b"\xff"])
            )
        elif kind == "truncate":
            del data[at:]
        else:
            end = min(len(data), at + draw(st.integers(1, 200)))
            data[end:end] = data[at:end]
    return bytes(data)


@FUZZ
@given(st.binary(max_size=600))
def test_arbitrary_bytes(raw: bytes) -> None:
    exercise(raw)


@FUZZ
@given(st.binary(max_size=300))
def test_isa_prefix_with_arbitrary_tail(tail: bytes) -> None:
    exercise(render([])[:106] + tail)


@FUZZ
@given(mutated())
def test_mutated_samples(raw: bytes) -> None:
    exercise(raw)


@FUZZ
@given(st.text(alphabet="ISAGEST*:~^|\r\n 0123456789\u00b2\u0663\u00e9", max_size=400))
def test_x12_like_text(text: str) -> None:
    exercise(("ISA" + text).encode())


def test_unicode_digits_are_not_numbers() -> None:
    raw = (
        render(wrap(CLAIM_837P))
        .replace(b"LX*1", "LX*\u00b2".encode())
        .replace(b"*1:2~", "*1:\u00b2~".encode())
    )
    raw = raw.replace(b"*0930*^", "*\u00b2\u00b200*^".encode(), 1)
    exercise(raw)
    document = parse(raw, strict=False)
    assert document.claim_count == 1 and [n.code for n in document.interchanges[0].notes] == ["015"]
