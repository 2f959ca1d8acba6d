"""identify(): cheap header read; agrees with the full parse on the samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from x12_build import CLAIM_837P, render, wrap

from revcycle.adapters.formats.base import UnknownFormat
from revcycle.adapters.formats.x12.document import parse
from revcycle.adapters.formats.x12.errors import NotX12
from revcycle.adapters.formats.x12.identify import identify


def test_identify_agrees_with_parse_on_samples(shared_data: Path) -> None:
    for path in sorted((shared_data / "x12").iterdir()):
        raw = path.read_bytes()
        envelope = identify(raw)
        document = parse(raw, strict=False)
        first = document.transactions[0]
        assert envelope.message_type == first.message_type, path.name
        assert envelope.control_id == document.interchanges[0].header.control_number
        header = document.interchanges[0].header
        assert envelope.sender == f"{header.sender_qualifier}:{header.sender_id}"
        assert envelope.receiver == f"{header.receiver_qualifier}:{header.receiver_id}"
        assert envelope.version == (first.group.version or header.version)


def test_identify_fields() -> None:
    envelope = identify(render(wrap(CLAIM_837P)))
    assert (envelope.format, envelope.message_type, envelope.control_id) == ("x12", "837P", "000000001")
    assert (envelope.sender, envelope.receiver, envelope.version) == (
        "ZZ:SENDER",
        "ZZ:RECEIVER",
        "005010X222A1",
    )
    assert envelope.partition_key == "PCN1"


def test_identify_reads_only_the_head() -> None:
    head = render(wrap(CLAIM_837P))
    envelope = identify(head + b"\xff" * 5_000_000 + b"not x12 at all")
    assert envelope.message_type == "837P" and envelope.partition_key == "PCN1"


def test_identify_long_headers_and_no_claim_in_head() -> None:
    filler = [["NTE", "ADD", "X" * 80]] * 100
    body = [CLAIM_837P[0], *filler, *CLAIM_837P[1:]]
    envelope = identify(render(wrap(body)))
    assert envelope.message_type == "837P" and envelope.partition_key is None


def test_identify_ta1_and_unmapped_types() -> None:
    ta1 = render([["TA1", "000000777", "261120", "1200", "A", "000"], ["IEA", "0", "000000001"]])
    assert identify(ta1).message_type == "TA1"
    eligibility = render(wrap([["BHT", "0022", "11", "X"]], st=("271", "0001", "005010X279A1"), gs01="HB"))
    assert identify(eligibility).message_type == "271"
    isa_only = render([])
    assert identify(isa_only).message_type == "X12"


@pytest.mark.parametrize("raw", [b"MSH|^~\\&|A", b"", b"   ", b'{"resourceType": "Claim"}'])
def test_not_x12(raw: bytes) -> None:
    with pytest.raises(NotX12) as caught:
        identify(raw)
    assert isinstance(caught.value, UnknownFormat)
