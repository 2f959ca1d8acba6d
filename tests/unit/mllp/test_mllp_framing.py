"""MLLP framing (Release 2): <VT> payload <FS><CR>, decoded incrementally."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revcycle.adapters.mllp.framing import (
    END_BLOCK,
    START_BLOCK,
    Event,
    Frame,
    FramingError,
    Incomplete,
    Junk,
    MllpDecoder,
    Oversize,
    encode,
)

A = b"MSH|^~\\&|A|B|C|D|20261122||ADT^A01|1|P|2.5\rPID|1"
B = b"MSH|^~\\&|A|B|C|D|20261122||ADT^A01|2|P|2.5\rPID|2\x1cX"  # a lone FS is data
BIG = b"MSH|" + b"x" * 300

STREAM = (
    b"\r\n"  # tolerated between frames
    + encode(A)
    + b"junk!"
    + encode(B)
    + encode(BIG)
    + encode(A)
    + START_BLOCK
    + b"cut short"
    + encode(B)
    + b"\n"
    + START_BLOCK
    + b"MSH|tail"
)
EXPECTED: list[Event] = [
    Frame(A),
    Junk(b"junk!", 5),
    Frame(B),
    Oversize(BIG[:16], len(BIG)),
    Frame(A),
    Incomplete(b"cut short", 9),
    Frame(B),
    Incomplete(b"MSH|tail", 8),
]


def decode_in_pieces(stream: bytes, cuts: list[int]) -> list[Event]:
    decoder = MllpDecoder(max_frame=200, prefix_size=16)
    events: list[Event] = []
    last = 0
    for cut in [*sorted(cuts), len(stream)]:
        events += decoder.feed(stream[last:cut])
        last = cut
    return events + decoder.close()


def test_encode() -> None:
    assert encode(b"abc") == b"\x0babc\x1c\r"
    for bad in (b"a\x0bb", b"a\x1c\rb"):
        with pytest.raises(FramingError):
            encode(bad)


def test_whole_stream() -> None:
    assert decode_in_pieces(STREAM, []) == EXPECTED


def test_split_at_every_byte_boundary() -> None:
    for cut in range(len(STREAM) + 1):
        assert decode_in_pieces(STREAM, [cut]) == EXPECTED, cut


def test_byte_by_byte() -> None:
    assert decode_in_pieces(STREAM, list(range(len(STREAM)))) == EXPECTED


def test_end_block_split_between_feeds() -> None:
    decoder = MllpDecoder()
    states = [decoder.in_frame]
    assert decoder.feed(START_BLOCK + A + b"\x1c") == []
    states.append(decoder.in_frame)
    assert decoder.feed(b"\r") == [Frame(A)]
    states.append(decoder.in_frame)
    assert states == [False, True, False]
    assert decoder.feed(START_BLOCK + b"x\x1c") == []
    assert decoder.feed(b"y\x1c\r") == [Frame(b"x\x1cy")]


def test_oversize_then_normal_frame_and_long_junk() -> None:
    decoder = MllpDecoder(max_frame=10, prefix_size=4)
    events = decoder.feed(encode(b"0123456789A") + encode(b"ok"))
    assert events == [Oversize(b"0123", 11), Frame(b"ok")]
    assert decoder.feed(b"z" * 100) == []
    assert decoder.close() == [Junk(b"zzzz", 100)]
    assert decoder.close() == []


def test_exactly_max_frame_is_accepted() -> None:
    decoder = MllpDecoder(max_frame=10)
    assert decoder.feed(encode(b"0123456789")) == [Frame(b"0123456789")]


def test_only_line_breaks_between_frames_are_silent() -> None:
    decoder = MllpDecoder()
    assert decoder.feed(b"\r\n\r\n" + encode(b"a") + b"\n") == [Frame(b"a")]
    assert decoder.close() == []


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        MllpDecoder(max_frame=0)


payloads = st.lists(
    st.binary(max_size=300).filter(lambda p: START_BLOCK not in p and END_BLOCK not in p),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(payloads, st.lists(st.integers(0, 3000), max_size=12))
def test_random_payloads_random_cuts(frames: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(encode(p) for p in frames)
    decoder = MllpDecoder(max_frame=1000)
    events: list[Event] = []
    last = 0
    for cut in [*sorted(c for c in cuts if c <= len(stream)), len(stream)]:
        events += decoder.feed(stream[last:cut])
        last = cut
    assert events + decoder.close() == [Frame(p) for p in frames]
