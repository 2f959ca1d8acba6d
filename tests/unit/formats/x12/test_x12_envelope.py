"""Envelope checks and the acknowledgment codes they map to (TA1 TA105, 999 AK9 / IK5 / IK3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from x12_build import CLAIM_837P, SegmentSpec, isa, render, wrap

from revcycle.adapters.formats.x12.document import iter_transactions, parse
from revcycle.adapters.formats.x12.envelope import EnvelopeReader
from revcycle.adapters.formats.x12.errors import InterchangeRejected, TruncatedInterchange
from revcycle.adapters.formats.x12.gen999 import (
    build_999,
    build_ta1,
    group_status,
    ta1_status,
    transaction_status,
)
from revcycle.adapters.formats.x12.writer import Party12

US = Party12("ZZ", "REVCYCLE", "REVCYCLE")
Edit = Callable[[list[SegmentSpec]], list[SegmentSpec]]


def _replace(tag: str, new: SegmentSpec, nth: int = 0) -> Edit:
    def edit(segments: list[SegmentSpec]) -> list[SegmentSpec]:
        hits = [i for i, s in enumerate(segments) if s[0] == tag]
        segments = list(segments)
        segments[hits[nth]] = new
        return segments

    return edit


def _drop(tag: str) -> Edit:
    return lambda segments: [s for s in segments if s[0] != tag]


def _read(edit: Edit) -> EnvelopeReader:
    reader = EnvelopeReader(render(edit(wrap(CLAIM_837P))))
    list(reader)
    return reader


def test_clean_interchange_has_no_problems() -> None:
    reader = _read(lambda s: s)
    ic = reader.interchanges[0]
    assert ic.closed and ic.notes == [] and ic.groups[0].errors == []
    assert transaction_status(ic.groups[0].transactions[0]) == ("A", [])
    assert group_status(ic.groups[0]) == ("A", 1, [])
    assert ta1_status(ic) == ("A", "000")


@pytest.mark.parametrize(
    ("edit", "ik5"),
    [
        (_replace("SE", ["SE", "5", "0001"]), ["4"]),
        (_replace("SE", ["SE", str(len(CLAIM_837P) + 2), "0002"]), ["3"]),
        (_drop("SE"), ["2"]),
        (_replace("ST", ["ST", "837", "01", "005010X222A1"]), ["7", "3"]),
        (_replace("ST", ["ST", "835", "0001"]), ["6"]),
        (_replace("ST", ["ST", "", "0001"]), ["6"]),
    ],
)
def test_transaction_set_checks(edit: Edit, ik5: list[str]) -> None:
    ack = _read(edit).interchanges[0].groups[0].transactions[0]
    assert [e.code for e in ack.errors] == ik5
    assert transaction_status(ack)[0] == "R"


@pytest.mark.parametrize(
    ("edit", "ak9", "status"),
    [
        (_replace("GE", ["GE", "2", "1"]), [("5", False)], "E"),
        (_replace("GE", ["GE", "1", "9"]), [("4", False)], "E"),
        (_drop("GE"), [("3", True)], "R"),
        (
            _replace("GS", ["GS", "HC", "S", "R", "20261122", "0930", "A1", "X", "005010X222A1"]),
            [("6", True), ("4", False)],
            "R",
        ),
        (_replace("GS", ["GS", "HC", "S", "R", "20261122", "0930", "1", "X", "5010"]), [("2", False)], "E"),
    ],
)
def test_group_checks(edit: Edit, ak9: list[tuple[str, bool]], status: str) -> None:
    group = _read(edit).interchanges[0].groups[0]
    assert [(e.code, e.rejects) for e in group.errors] == ak9
    assert group_status(group)[0] == status


@pytest.mark.parametrize(
    ("edit", "ta1", "status"),
    [
        (_replace("IEA", ["IEA", "2", "000000001"]), [("021", False)], "E"),
        (_replace("IEA", ["IEA", "1", "000000009"]), [("001", False)], "E"),
        (_drop("IEA"), [("023", True)], "R"),
    ],
)
def test_interchange_trailer_checks(edit: Edit, ta1: list[tuple[str, bool]], status: str) -> None:
    ic = _read(edit).interchanges[0]
    assert [(n.code, n.rejects) for n in ic.notes] == ta1
    assert ta1_status(ic) == (status, ta1[0][0])


def test_missing_iea_strict_raises_after_the_sets() -> None:
    raw = render(_drop("IEA")(wrap(CLAIM_837P)))
    reader = EnvelopeReader(raw, strict=True)
    iterator = iter(reader)
    assert next(iterator).control_number == "0001"
    with pytest.raises(TruncatedInterchange) as caught:
        next(iterator)
    assert caught.value.ta1_code == "023"
    with pytest.raises(TruncatedInterchange):
        parse(raw)


def test_repeated_control_numbers() -> None:
    body = wrap(CLAIM_837P)
    st_to_se = body[1:-2]
    two_sets = [body[0], *st_to_se, *st_to_se, ["GE", "2", "1"], ["IEA", "1", "000000001"]]
    ack = EnvelopeReader(render(two_sets))
    list(ack)
    transactions = ack.interchanges[0].groups[0].transactions
    assert [[e.code for e in t.errors] for t in transactions] == [[], ["23"]]
    assert group_status(ack.interchanges[0].groups[0]) == ("P", 1, [])

    two_groups = [*body[:-1], *body[:-1], ["IEA", "2", "000000001"]]
    reader = EnvelopeReader(render(two_groups))
    list(reader)
    assert [[e.code for e in g.errors] for g in reader.interchanges[0].groups] == [[], ["19"]]

    twice = render(wrap(CLAIM_837P)) * 2
    reader = EnvelopeReader(twice)
    list(reader)
    assert [[n.code for n in ic.notes] for ic in reader.interchanges] == [[], ["025"]]


def test_invalid_segment_id_is_an_ik3_error() -> None:
    reader = _read(lambda s: [*s[:4], ["nm1", "X"], *s[4:]])
    ack = reader.interchanges[0].groups[0].transactions[0]
    assert [(e.segment_id, e.position, e.code) for e in ack.segment_errors] == [("nm1", 4, "1")]
    assert [e.code for e in ack.errors] == ["4"]


def test_content_outside_a_group_rejects_the_interchange() -> None:
    segments = wrap(CLAIM_837P)
    raw = render([["NTE", "X"], *segments])
    with pytest.raises(InterchangeRejected) as caught:
        parse(raw)
    assert caught.value.ta1_code == "024"
    assert parse(raw, strict=False).claim_count == 1


def test_ta1_is_kept_and_parsed() -> None:
    raw = render([["TA1", "000000777", "261120", "1200", "R", "014"], ["IEA", "0", "000000001"]])
    document = parse(raw)
    assert document.message_type == "TA1" and document.transactions == []
    ta1 = document.interchange_acks[0]
    assert (ta1.control_number, ta1.status, ta1.note_code, ta1.accepted) == ("000000777", "R", "014", False)


def test_999_and_ta1_texts() -> None:
    reader, transactions = iter_transactions(render(_replace("SE", ["SE", "5", "0001"])(wrap(CLAIM_837P))))
    list(transactions)
    ic = reader.interchanges[0]
    now = datetime(2026, 11, 22, 9, 30)
    text = build_999(ic.header, ic.groups, sender=US, control_number=42, now=now).decode()
    assert text.startswith(
        "ISA*00*          *00*          *ZZ*REVCYCLE       *ZZ*SENDER         *261122*0930*"
    )
    assert "GS*FA*REVCYCLE*SENDER*20261122*0930*1*X*005010X231A1~" in text
    assert "AK1*HC*1*005010X222A1~\nAK2*837*0001*005010X222A1~\nIK5*R*4~\nAK9*R*1*1*0~\nSE*6*0001~" in text
    assert text.endswith("GE*1*1~\nIEA*1*000000042~\n")
    ta1 = build_ta1(ic, sender=US, control_number=43, now=now).decode()
    assert "TA1*000000001*261122*0930*A*000~" in ta1


def test_isa_header_fields() -> None:
    raw = render(wrap(CLAIM_837P)).replace(isa().encode(), isa(sender="ACME CLINIC").encode())
    document = parse(raw)
    header = document.interchanges[0].header
    assert (header.sender_qualifier, header.sender_id, header.receiver_id) == (
        "ZZ",
        "ACME CLINIC",
        "RECEIVER",
    )
    assert (header.version, header.control_number, header.usage) == ("00501", "000000001", "T")
