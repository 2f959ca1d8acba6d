"""837 and 999 / TA1 generation, proven by round trips and by pyx12 validating what we generate.

837: every 837 sample is parsed, generated as 005010X222A1 / 005010X223A2 (the versions pyx12 has maps
for) and parsed again: the claims must be equal. pyx12 validates every generated file; the only errors it
may report are listed in ``SOURCE_DEFECTS``: values copied faithfully from a sample that break the TR3,
which the generator cannot repair without inventing data. A synthetic claim file validates with none.

999: accepted, accepted-with-errors, partially accepted and rejected groups; pyx12 validates each 999 and
our own 999 parser reads back the statuses. pyx12 refuses to acknowledge acknowledgments (AK101 = FA),
which matches X12 practice, so 999 groups are not acknowledged here. TA1: pyx12 cannot process an
interchange without a functional group (it fails with an AttributeError), so TA1s are checked by reading
them back with our parser.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from revcycle.adapters.formats.x12.ack999 import FunctionalAck
from revcycle.adapters.formats.x12.document import iter_transactions, parse
from revcycle.adapters.formats.x12.gen837 import build_837
from revcycle.adapters.formats.x12.gen999 import build_999, build_ta1
from revcycle.adapters.formats.x12.synthetic import SEGMENTS_PER_CLAIM, SyntheticStream
from revcycle.adapters.formats.x12.writer import Party12

pytest.importorskip("pyx12")
from tests.integration.x12.pyx12_oracle import validate

US = Party12("ZZ", "REVCYCLE", "REVCYCLE")
PAYER = Party12("ZZ", "PAYER01", "PAYER01")
NOW = datetime(2026, 11, 22, 9, 30)

_IMSWEB_COMMON = {
    ("HI", "1"),  # the sample's HI01 "BK" has no code (IK4 1): the claim has no principal diagnosis,
    ("HI", "3"),  # so the generated HI starts with BF and pyx12 misses the principal-diagnosis HI
    ("LX", "LX"),  # the sample numbers the first line of a claim LX*2
}
SOURCE_DEFECTS: dict[str, set[tuple[str, str]]] = {
    "imsweb__x12_complex.txt": _IMSWEB_COMMON
    | {
        ("N402", "7"),  # state code "11"
        ("NM108", "7"),  # id qualifier "X"
        ("OI04", "7"),  # patient signature source codes A, C, D
        ("REF", "3"),  # 2330C other payer referring provider without its REF
    },
    "imsweb__x12_multiple_gs.txt": _IMSWEB_COMMON,
    "imsweb__x12_multiple_st.txt": _IMSWEB_COMMON,
    # 837I billing provider ZIP codes are five digits; 005010X223A2 requires nine
    "lfhx12__institutional-claim.837i": {("N403", "7")},
    "lfhx12__two-claims-single-provider.837i": {("N403", "7")},
    "oopfactory__837I_Spec_3.1.1.txt": {("N403", "7")},
}


def _samples_837(root: Path) -> list[Path]:
    return [p for p in sorted((root / "x12").iterdir()) if b"ST*837*" in p.read_bytes()]


def test_837_round_trip_and_pyx12(shared_data: Path) -> None:
    samples = _samples_837(shared_data)
    assert len(samples) == 13
    for path in samples:
        source = parse(path.read_bytes(), strict=False)
        generated = build_837(source.claims(), sender=US, receiver=PAYER, control_number=7, now=NOW)
        again = parse(generated)
        assert [t.variant for t in again.claims()] == [t.variant for t in source.claims()], path.name
        assert [t.claims for t in again.claims()] == [t.claims for t in source.claims()], path.name
        assert all(t.accepted for t in again.transactions), path.name
        ok, errors = validate(generated)
        assert errors == SOURCE_DEFECTS.get(path.name, set()), path.name
        assert ok == (path.name not in SOURCE_DEFECTS)


def test_generated_837_of_synthetic_claims_is_valid() -> None:
    source = parse(SyntheticStream(12, claims_per_set=5).read())
    assert validate(SyntheticStream(12, claims_per_set=5).read()) == (True, set())
    generated = build_837(source.claims(), sender=US, receiver=PAYER, control_number=8, now=NOW)
    assert validate(generated) == (True, set())
    assert [t.claims for t in parse(generated).claims()] == [t.claims for t in source.claims()]


def _ack(raw: bytes) -> tuple[bytes, list[FunctionalAck]]:
    reader, transactions = iter_transactions(raw)
    list(transactions)
    interchange = reader.interchanges[0]
    out = build_999(interchange.header, interchange.groups, sender=US, control_number=9, now=NOW)
    acks = [t.content for t in parse(out).transactions]
    assert all(isinstance(a, FunctionalAck) for a in acks)
    return out, [a for a in acks if isinstance(a, FunctionalAck)]


def _with_ge01(raw: bytes, count: bytes) -> bytes:
    head, _, tail = raw.rpartition(b"GE*")
    return head + b"GE*" + count + tail[tail.index(b"*") :]


def test_999_accepted(shared_data: Path) -> None:
    out, acks = _ack((shared_data / "x12" / "lfhx12__demo.example1.837").read_bytes())
    assert validate(out) == (True, set())
    assert b"IK5*A~" in out and b"AK9*A*1*1*1~" in out
    assert [(a.status, a.accepted, a.transactions[0].status) for a in acks] == [("A", 1, "A")]
    assert acks[0].group_version == "005010X222A2"


def test_999_accepted_with_errors_noted() -> None:
    raw = _with_ge01(SyntheticStream(4, claims_per_set=2).read(), b"3")
    out, acks = _ack(raw)
    assert validate(out) == (True, set())
    assert (acks[0].status, acks[0].included, acks[0].received, acks[0].accepted) == ("E", 3, 2, 2)
    assert acks[0].error_codes == ("5",)


def test_999_partially_accepted() -> None:
    raw = SyntheticStream(4, claims_per_set=2).read()
    count = 11 + 2 * SEGMENTS_PER_CLAIM + 1  # set header, two claims, SE
    raw = raw.replace(f"SE*{count}*0002~".encode(), f"SE*{count - 1}*0002~".encode())
    out, acks = _ack(raw)
    assert validate(out) == (True, set())
    assert [t.status for t in acks[0].transactions] == ["A", "R"]
    assert acks[0].transactions[1].error_codes == ("4",)
    assert (acks[0].status, acks[0].accepted) == ("P", 1)


def test_999_rejected_with_segment_and_element_errors(shared_data: Path) -> None:
    out, acks = _ack((shared_data / "x12" / "imsweb__x12_multiple_st.txt").read_bytes())
    assert validate(out) == (True, set())
    ack = acks[0]
    assert (ack.status, ack.received, ack.accepted, ack.error_codes) == ("R", 2, 0, ("5",))
    first, second = ack.transactions
    assert (first.status, first.error_codes) == ("R", ("4", "5"))
    assert (second.status, second.error_codes) == ("R", ("23", "4", "5"))
    hi = first.segment_errors[0]
    assert (hi.segment_id, hi.position, hi.loop_id, hi.code) == ("HI", 21, "2300", "8")
    assert [(e.position, e.component, e.element_ref, e.code) for e in hi.elements] == [
        (1, 2, "1271", "1"),
        (2, 1, "1270", "7"),
        (3, 2, "1271", "1"),
        (4, 1, "1270", "7"),
    ]


def test_999_for_each_inbound_group_is_valid(shared_data: Path) -> None:
    """A 999 for every non-acknowledgment sample group that pyx12 can check (AK101 must be a known code)."""
    checked = 0
    for path in sorted((shared_data / "x12").iterdir()):
        reader, transactions = iter_transactions(path.read_bytes())
        list(transactions)
        for interchange in reader.interchanges:
            groups = [g for g in interchange.groups if g.header.functional_id not in ("FA", "XX")]
            if not groups:
                continue
            out = build_999(interchange.header, groups, sender=US, control_number=10, now=NOW)
            assert validate(out) == (True, set()), path.name
            checked += 1
    assert checked == 32  # 37 files minus four 999 files and the 271 with GS01 "XX"


def test_ta1_generation(shared_data: Path) -> None:
    reader, transactions = iter_transactions(
        (shared_data / "x12" / "oopfactory__277_FromLatitude81uk.txt").read_bytes()
    )
    list(transactions)
    out = build_ta1(reader.interchanges[0], sender=US, control_number=11, now=NOW)
    document = parse(out)
    assert document.message_type == "TA1"
    ta1 = document.interchange_acks[0]
    assert (ta1.control_number, ta1.status, ta1.note_code) == ("43434343", "R", "014")

    reader, transactions = iter_transactions(
        (shared_data / "x12" / "imsweb__x12_999_accepted.txt").read_bytes()
    )
    list(transactions)
    noted = parse(build_ta1(reader.interchanges[0], sender=US, control_number=12, now=NOW)).interchange_acks[
        0
    ]
    assert (noted.status, noted.note_code) == ("E", "001")

    reader, transactions = iter_transactions((shared_data / "x12" / "lfhx12__demo.example1.837").read_bytes())
    list(transactions)
    clean = parse(build_ta1(reader.interchanges[0], sender=US, control_number=13, now=NOW)).interchange_acks[
        0
    ]
    assert (clean.status, clean.note_code, clean.accepted) == ("A", "000", True)
