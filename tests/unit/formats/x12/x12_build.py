"""Helpers for the X12 unit tests: build interchanges with any delimiters from element lists."""

from __future__ import annotations

from collections.abc import Sequence

Element = str | tuple[str, ...]
SegmentSpec = Sequence[Element]


def isa(
    *,
    elem: str = "*",
    comp: str = ":",
    rep: str = "^",
    version: str = "00501",
    control: str = "000000001",
    sender: str = "SENDER",
    date: str = "261122",
    time: str = "0930",
    usage: str = "T",
) -> str:
    """A 106-character ISA without its terminator's line break (the terminator is added by the caller)."""
    fields = [
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ", "RECEIVER".ljust(15),
        date, time, rep, version, control, "0", usage, comp,
    ]  # fmt: skip
    return elem.join(fields)


def render(
    segments: Sequence[SegmentSpec],
    *,
    elem: str = "*",
    comp: str = ":",
    rep: str = "^",
    term: str = "~",
    line_break: str = "\n",
    indent: str = "",
    version: str = "00501",
    control: str = "000000001",
) -> bytes:
    """ISA + the given segments (elements as strings, composites as tuples) + nothing else."""
    lines = [isa(elem=elem, comp=comp, rep=rep, version=version, control=control)]
    for segment in segments:
        parts = [comp.join(e) if isinstance(e, tuple) else e for e in segment]
        lines.append(indent + elem.join(parts))
    return (term + line_break).join(lines).encode() + (term + line_break).encode()


def wrap(
    body: Sequence[SegmentSpec],
    *,
    st: tuple[str, str, str] = ("837", "0001", "005010X222A1"),
    gs01: str = "HC",
    gs08: str = "005010X222A1",
    control: str = "000000001",
) -> list[SegmentSpec]:
    """GS/ST around ``body`` with correct SE01, GE01, IEA01."""
    count = len(body) + 2
    return [
        ["GS", gs01, "SENDER", "RECEIVER", "20261122", "0930", "1", "X", gs08],
        ["ST", *st],
        *body,
        ["SE", str(count), st[1]],
        ["GE", "1", "1"],
        ["IEA", "1", control],
    ]


CLAIM_837P: list[SegmentSpec] = [
    ["BHT", "0019", "00", "REF1", "20261122", "0930", "CH"],
    ["NM1", "41", "2", "SUBMITTER", "", "", "", "", "46", "S1"],
    ["PER", "IC", "DESK", "TE", "5555550100"],
    ["NM1", "40", "2", "PAYER", "", "", "", "", "46", "P1"],
    ["HL", "1", "", "20", "1"],
    ["PRV", "BI", "PXC", "207Q00000X"],
    ["NM1", "85", "2", "CLINIC", "", "", "", "", "XX", "1234567893"],
    ["N3", "1 MAIN ST"],
    ["N4", "SPRINGFIELD", "IL", "627010001"],
    ["REF", "EI", "123456789"],
    ["HL", "2", "1", "22", "0"],
    ["SBR", "P", "18", "GRP1", "", "", "", "", "", "CI"],
    ["NM1", "IL", "1", "DOE", "JANE", "", "", "", "MI", "M1"],
    ["NM1", "PR", "2", "PAYER", "", "", "", "", "PI", "P1"],
    ["CLM", "PCN1", "150", "", "", ("11", "B", "7"), "Y", "A", "Y", "Y"],
    ["REF", "F8", "PAYERCLAIM9"],
    ["REF", "G1", "AUTH7"],
    ["HI", ("ABK", "J069"), ("ABF", "R509")],
    ["NM1", "82", "1", "SMITH", "ANN", "", "", "", "XX", "1234567893"],
    ["PRV", "PE", "PXC", "207Q00000X"],
    ["LX", "1"],
    ["SV1", ("HC", "99213", "25"), "100", "UN", "1", "11", "", ("1", "2")],
    ["DTP", "472", "D8", "20261101"],
    ["REF", "6R", "LINE1"],
    ["LX", "2"],
    ["SV1", ("HC", "87880"), "50", "UN", "1", "11", "", ("1",)],
    ["DTP", "472", "RD8", "20261101-20261102"],
]
