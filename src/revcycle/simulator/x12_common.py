"""X12 5010 pieces the simulator's writers share: delimiters, amounts, the ISA/GS/GE/IEA envelope.

Delimiters are the common ones: ``*`` element, ``:`` component, ``^`` repetition, ``~`` segment (a line
break follows each segment for readability; X12 readers skip it). ISA is fixed length, ids padded to 15
(X12.5 Interchange Control Structures). ISA13 and GS06 come from per-sender counters (see
:mod:`.emission`).
"""

from __future__ import annotations

from dataclasses import dataclass

from revcycle.simulator.emission import Clock


@dataclass(frozen=True, slots=True)
class Party:
    """An interchange party: ISA05/06 (07/08) qualifier and id, GS02/03 application code, and a name."""

    qualifier: str
    identifier: str
    name: str


BILLING = Party("ZZ", "SYNNETRCM", "SYNTHETIC NETWORK BILLING")
CLEARINGHOUSE = Party("ZZ", "SYNCLEAR", "SYNTHETIC CLEARINGHOUSE")


def amt(cents: int) -> str:
    """An X12 decimal (R) with trailing zeros dropped: 15000 -> "150", 15050 -> "150.5"."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    whole, part = divmod(cents, 100)
    if part == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{part:02d}".rstrip("0")


def isa(sender: Party, receiver: Party, clock: Clock, day: int, minute: int, control: int) -> str:
    ymd = clock.ymd(day)
    return (
        f"ISA*00*          *00*          *{sender.qualifier}*{sender.identifier:<15}*{receiver.qualifier}*"
        f"{receiver.identifier:<15}*{ymd[2:]}*{clock.hhmm(minute)}*^*00501*{control:09d}*0*P*:"
    )


def gs(
    functional_id: str,
    sender: Party,
    receiver: Party,
    clock: Clock,
    day: int,
    minute: int,
    control: int,
    version: str,
) -> str:
    return (
        f"GS*{functional_id}*{sender.identifier}*{receiver.identifier}*{clock.ymd(day)}*{clock.hhmm(minute)}"
        f"*{control}*X*{version}"
    )


def envelope(head: list[str], sets: list[list[str]], group_control: int, interchange_control: int) -> bytes:
    """ISA + GS (``head``), the transaction sets, GE and IEA, rendered with ``~`` and a line break."""
    lines = list(head)
    for body in sets:
        lines.extend(body)
    lines.append(f"GE*{len(sets)}*{group_control}")
    lines.append(f"IEA*1*{interchange_control:09d}")
    return ("~\n".join(lines) + "~\n").encode()


def close_set(body: list[str], control: str) -> list[str]:
    """Append SE with the segment count (ST through SE, TR3 1.4.2)."""
    body.append(f"SE*{len(body) + 1}*{control}")
    return body


def cas(adjustments: list[tuple[str, str, int]]) -> list[str]:
    """CAS segments: one per group code (TR3: a group code is not repeated), up to six triplets each."""
    by_group: dict[str, list[str]] = {}
    for group, reason, cents in adjustments:
        if cents:
            by_group.setdefault(group, []).append(f"{reason}*{amt(cents)}*")
    segments = []
    for group, triplets in by_group.items():
        for start in range(0, len(triplets), 6):
            segments.append(f"CAS*{group}*" + "*".join(triplets[start : start + 6]).rstrip("*"))
    return segments
