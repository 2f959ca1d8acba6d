"""999 (005010X231A1) and 277CA (005010X214) writers: the clearinghouse's answers to our 837s.

999: one AK1 per acknowledged group (GS06), one AK2/IK5 per transaction set (ST02), AK9 counts.
277CA: 2000A information source (the clearinghouse, NM1*AY), 2000B receiver (our submitter, NM1*41) with
the batch totals (STC, QTY*90 accepted / QTY*AA rejected, AMT*YU / AMT*YY), 2000C billing provider
(NM1*85), 2000D per claim (NM1*QC, TRN*2 = CLM01, STC: ``A2:20`` accepted for processing, or an ``A7``
rejection for invalid information with its claim status code (code source 507/508: 21 missing or
invalid information, 164 member id, 254 principal diagnosis code, 454 procedure code), REF*1K payer
claim control number when accepted, DTP*472 service period).
"""

from __future__ import annotations

from revcycle.simulator.emission import Clock
from revcycle.simulator.model import Claim
from revcycle.simulator.x12_common import BILLING, CLEARINGHOUSE, amt, close_set, envelope, gs, isa


class AckWriter:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def ack999(
        self,
        gs06_acked: int,
        st02_acked: str,
        version: str,
        isa13: int,
        gs06: int,
        st02: str,
        day: int,
        minute: int,
    ) -> bytes:
        c = self.clock
        head = [
            isa(CLEARINGHOUSE, BILLING, c, day, minute, isa13),
            gs("FA", CLEARINGHOUSE, BILLING, c, day, minute, gs06, "005010X231A1"),
        ]
        body = [
            f"ST*999*{st02}*005010X231A1",
            f"AK1*HC*{gs06_acked}*{version}",
            f"AK2*837*{st02_acked}*{version}",
            "IK5*A",
            "AK9*A*1*1*1",
        ]
        return envelope(head, [close_set(body, st02)], gs06, isa13)

    def ack277(
        self,
        claims: list[tuple[Claim, str | None, str | None]],
        batch_ref: str,
        received_day: int,
        isa13: int,
        gs06: int,
        st02: str,
        day: int,
        minute: int,
    ) -> bytes:
        """``claims``: (claim, rejection status code or None, payer claim control number or None)."""
        c = self.clock
        ymd = c.ymd(day)
        head = [
            isa(CLEARINGHOUSE, BILLING, c, day, minute, isa13),
            gs("HN", CLEARINGHOUSE, BILLING, c, day, minute, gs06, "005010X214"),
        ]
        accepted = [(cl, icn) for cl, status, icn in claims if status is None]
        rejected = [cl for cl, status, _ in claims if status is not None]
        body = [
            f"ST*277*{st02}*005010X214",
            f"BHT*0085*08*{batch_ref}*{ymd}*{c.hhmm(minute)}*TH",
            "HL*1**20*1",
            f"NM1*AY*2*{CLEARINGHOUSE.name}*****46*{CLEARINGHOUSE.identifier}",
            f"TRN*1*{batch_ref}",
            f"DTP*050*D8*{c.ymd(received_day)}",
            f"DTP*009*D8*{ymd}",
            "HL*2*1*21*1",
            f"NM1*41*2*{BILLING.name}*****46*{BILLING.identifier}",
            f"TRN*2*{batch_ref}",
            f"STC*A1:19*{ymd}*WQ*{amt(sum(cl.total for cl in (*(a for a, _ in accepted), *rejected)))}",
        ]
        if accepted:
            body.append(f"QTY*90*{len(accepted)}")
        if rejected:
            body.append(f"QTY*AA*{len(rejected)}")
        if accepted:
            body.append(f"AMT*YU*{amt(sum(cl.total for cl, _ in accepted))}")
        if rejected:
            body.append(f"AMT*YY*{amt(sum(cl.total for cl in rejected))}")
        hl = 2
        by_facility: dict[str, list[tuple[Claim, str | None, str | None]]] = {}
        for entry in claims:
            by_facility.setdefault(entry[0].visit.facility.code, []).append(entry)
        for code, entries in by_facility.items():
            hl += 1
            provider_hl = hl
            facility = entries[0][0].visit.facility
            ok = [cl for cl, status, _ in entries if status is None]
            body += [
                f"HL*{hl}*2*19*1",
                f"NM1*85*2*{facility.name.upper()}*****XX*{facility.npi}",
                f"TRN*1*{batch_ref}{code}",
                f"STC*A1:19**WQ*{amt(sum(cl.total for cl, _, _ in entries))}",  # STC02 not used at 2200C
            ]
            if ok:
                body.append(f"QTY*QA*{len(ok)}")
            if len(ok) < len(entries):
                body.append(f"QTY*QC*{len(entries) - len(ok)}")
            for claim, status, icn in entries:
                hl += 1
                body += self._claim(claim, status, icn, hl, provider_hl, ymd)
        return envelope(head, [close_set(body, st02)], gs06, isa13)

    def _claim(
        self, claim: Claim, status: str | None, icn: str | None, hl: int, parent: int, ymd: str
    ) -> list[str]:
        """Loop 2000D/2200D: one claim's status."""
        patient = claim.visit.patient
        body = [
            f"HL*{hl}*{parent}*PT",
            f"NM1*QC*1*{patient.family.upper()}*{patient.given.upper()}****MI*{claim.coverage.member_id}",
            f"TRN*2*{claim.pcn}",
        ]
        if status is None:
            body.append(f"STC*A2:20*{ymd}*WQ*{amt(claim.total)}")
            if icn:
                body.append(f"REF*1K*{icn}")
        else:
            body.append(f"STC*A7:{status}*{ymd}*U*{amt(claim.total)}")
        first = min(line.day for line in claim.lines)
        last = max(line.day for line in claim.lines)
        body.append(f"DTP*472*RD8*{self.clock.ymd(first)}-{self.clock.ymd(last)}")
        return body
