"""The streaming segment reader: chunk-size invariance, several interchanges, padding, odd endings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from x12_build import CLAIM_837P, render, wrap

from revcycle.adapters.formats.x12.document import parse
from revcycle.adapters.formats.x12.envelope import EnvelopeReader
from revcycle.adapters.formats.x12.errors import InvalidInterchangeHeader, NotX12
from revcycle.adapters.formats.x12.reader import SegmentReader


def _segments(raw: bytes, chunk_size: int = 1 << 20) -> list[tuple[str, ...]]:
    return list(SegmentReader(io.BytesIO(raw), chunk_size=chunk_size))


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 64, 4096])
def test_chunk_size_does_not_change_segments(shared_data: Path, chunk_size: int) -> None:
    for path in sorted((shared_data / "x12").iterdir()):
        raw = path.read_bytes()
        assert _segments(raw, chunk_size) == _segments(raw), path.name


def test_segments_are_tuples_of_elements() -> None:
    segments = _segments(render(wrap(CLAIM_837P)))
    assert segments[0][0] == "ISA" and len(segments[0]) == 17
    assert segments[1] == ("GS", "HC", "SENDER", "RECEIVER", "20261122", "0930", "1", "X", "005010X222A1")
    assert segments[-1] == ("IEA", "1", "000000001")


def test_several_interchanges_with_different_delimiters() -> None:
    first = render(wrap(CLAIM_837P))
    second = render(
        wrap(CLAIM_837P, control="000000002"),
        elem="|",
        comp=">",
        term="\n",
        line_break="",
        control="000000002",
    )
    raw = first + b"\n\x00" + second + b"\x1a"
    for chunk_size in (5, 1 << 20):
        reader = EnvelopeReader(io.BytesIO(raw), chunk_size=chunk_size)
        sets = list(reader)
        assert len(sets) == 2
        assert [ic.header.control_number for ic in reader.interchanges] == ["000000001", "000000002"]
        assert [ic.header.delimiters.element for ic in reader.interchanges] == ["*", "|"]
        assert all(ic.closed and not ic.notes for ic in reader.interchanges)
    document = parse(raw)
    assert document.claim_count == 2
    assert document.claims()[0].claims == document.claims()[1].claims


def test_missing_iea_before_next_isa_with_other_delimiters() -> None:
    first = render(wrap(CLAIM_837P)).replace(b"IEA*1*000000001~\n", b"")
    second = render(wrap(CLAIM_837P, control="000000002"), elem="|", comp=">", control="000000002")
    reader = EnvelopeReader(first + second)
    assert len(list(reader)) == 2
    assert [n.code for n in reader.interchanges[0].notes] == ["023"]
    assert reader.interchanges[1].notes == []


def test_unterminated_last_segment_is_read() -> None:
    raw = render(wrap(CLAIM_837P)).rstrip(b"~\n")
    reader = SegmentReader(raw)
    segments = list(reader)
    assert segments[-1] == ("IEA", "1", "000000001") and reader.unterminated
    assert parse(raw).claim_count == 1


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\xef\xbb\xbf", b"MSH|^~\\&|", b"{}"])
def test_not_x12(raw: bytes) -> None:
    with pytest.raises(NotX12):
        list(SegmentReader(raw))


def test_garbage_after_interchange() -> None:
    raw = render(wrap(CLAIM_837P)) + b"GARBAGE~"
    with pytest.raises(InvalidInterchangeHeader) as caught:
        list(SegmentReader(raw))
    assert caught.value.ta1_code == "022"


def test_non_utf8_bytes_survive() -> None:
    raw = render(wrap(CLAIM_837P)).replace(b"DOE*JANE", b"D\xd6E*JAN\xc9")
    claim = parse(raw).claims()[0].claims[0]
    assert claim.subscriber.member is not None
    assert claim.subscriber.member.name == "D\udcd6E"
    assert claim.subscriber.member.name.encode("utf-8", "surrogateescape") == b"D\xd6E"


def test_utf8_names_decode() -> None:
    raw = render(wrap(CLAIM_837P)).replace(b"DOE*JANE", "DO\u00cb*J\u00c1NE".encode())
    claim = parse(raw).claims()[0].claims[0]
    assert claim.subscriber.member is not None and claim.subscriber.member.first_name == "J\u00c1NE"


def test_segment_count_and_lazy_reading() -> None:
    raw = render(wrap(CLAIM_837P))
    stream = io.BytesIO(raw)
    reader = SegmentReader(stream, chunk_size=64)
    iterator = iter(reader)
    assert next(iterator)[0] == "ISA"
    assert stream.tell() < len(raw)
    rest = list(iterator)
    assert reader.segment_count == len(rest) + 1
