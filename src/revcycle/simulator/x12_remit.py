"""835 (005010X221A1) writer: one interchange per payer per payment day, one transaction set per payee.

Per TR3: BPR (payment: ACH credit, or ``H`` notification only when nothing is paid), TRN (EFT trace
number, payer's id), DTM*405 production date, 1000A payer (N1*PR, N3, N4, PER*BL), 1000B payee (N1*PE
with NPI, REF*TJ), then LX and per claim 2100 (CLP, NM1*QC, NM1*IL when the subscriber is not the
patient) and per line 2110 (SVC, DTM*472, CAS, REF*6R, AMT*B6 allowed, LQ*HE remarks). Balancing
(TR3 1.10.2): SVC02 - line CAS = SVC03; CLP03 - CAS = CLP04; BPR02 = sum of CLP04.
"""

from __future__ import annotations

from types import MappingProxyType

from revcycle.simulator.emission import Clock
from revcycle.simulator.model import Remit
from revcycle.simulator.world import Facility, Payer
from revcycle.simulator.x12_common import BILLING, Party, amt, cas, close_set, envelope, gs, isa

IMPLEMENTATION = "005010X221A1"
#: 837 SBR09 claim filing indicator -> 835 CLP06 (CLP06 has no "CI": commercial plans report 12, PPO).
FILING = MappingProxyType({"CI": "12", "MB": "MB", "MC": "MC"})


def payer_party(payer: Payer) -> Party:
    return Party("ZZ", payer.payer_id, payer.name.upper())


class Writer835:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def interchange(
        self,
        payer: Payer,
        by_payee: list[tuple[Facility, list[Remit]]],
        isa13: int,
        gs06: int,
        st_numbers: list[str],
        traces: list[str],
        day: int,
        minute: int,
    ) -> bytes:
        c = self.clock
        party = payer_party(payer)
        head = [
            isa(party, BILLING, c, day, minute, isa13),
            gs("HP", party, BILLING, c, day, minute, gs06, IMPLEMENTATION),
        ]
        sets = [
            self.transaction(payer, facility, remits, st02, trace, day)
            for (facility, remits), st02, trace in zip(by_payee, st_numbers, traces, strict=True)
        ]
        return envelope(head, sets, gs06, isa13)

    def transaction(
        self, payer: Payer, payee: Facility, remits: list[Remit], st02: str, trace: str, day: int
    ) -> list[str]:
        ymd = self.clock.ymd(day)
        total = sum(r.paid for r in remits)
        if total > 0:
            bpr = (
                f"BPR*I*{amt(total)}*C*ACH*CCP*01*999999992*DA*{payer.tax_id}*1{payer.tax_id}**01*999999991*DA*"
                f"{payee.tax_id}*{ymd}"
            )
        else:
            bpr = f"BPR*H*0*C*NON************{ymd}"
        a = payee.address
        body = [
            f"ST*835*{st02}",  # ST03 is not used in the 835 TR3
            bpr,
            f"TRN*1*{trace}*1{payer.tax_id}",
            f"DTM*405*{ymd}",
            f"N1*PR*{payer.name.upper()}",
            "N3*100 CLAIMS PLAZA",
            "N4*SALEM*OR*973010100",
            f"REF*2U*{payer.payer_id}",
            "PER*BL*PROVIDER SERVICES*TE*5035550177",
            f"N1*PE*{payee.name.upper()}*XX*{payee.npi}",
            f"N3*{a.line1}",
            f"N4*{a.city}*{a.state}*{a.postal_code}",
            f"REF*TJ*{payee.tax_id}",
            "LX*1",
        ]
        for remit in remits:
            self._claim(body, remit)
        return close_set(body, st02)

    def _claim(self, body: list[str], remit: Remit) -> None:
        claim = remit.claim
        cov = claim.coverage
        patient = claim.visit.patient
        visit = claim.visit
        facility_code = (
            visit.facility.place_of_service
            if claim.variant == "837P"
            else ("11" if visit.patient_class == "I" else "13")
        )
        responsibility = remit.patient_responsibility
        body.append(
            f"CLP*{claim.pcn}*{remit.status}*{amt(remit.charge)}*{amt(remit.paid)}*"
            f"{amt(responsibility) if responsibility else ''}*{FILING.get(cov.payer.filing_indicator, 'ZZ')}*"
            f"{remit.icn}*{facility_code}*{claim.frequency}"
        )
        body += cas([(a.group, a.reason, a.amount) for a in remit.claim_adjustments])
        body.append(f"NM1*QC*1*{patient.family.upper()}*{patient.given.upper()}****MI*{cov.member_id}")
        if cov.relationship != "18":
            body.append(
                f"NM1*IL*1*{cov.subscriber_family.upper()}*{cov.subscriber_given.upper()}****MI*{cov.member_id}"
            )
        ymd = self.clock.ymd
        for result in remit.results:
            line = result.line
            s = line.service
            if s.system == "REV":
                procedure = f"NU:{s.revenue_code}"
            else:
                procedure = ":".join((f"HC:{line.code}", *line.modifiers))
            body.append(f"SVC*{procedure}*{amt(line.charge)}*{amt(result.paid)}**{line.units}")
            body.append(f"DTM*472*{ymd(line.day)}")
            body += cas([(a.group, a.reason, a.amount) for a in result.adjustments])
            body.append(f"REF*6R*{result.control}")
            if result.allowed:
                body.append(f"AMT*B6*{amt(result.allowed)}")
            body += [f"LQ*HE*{remark}" for remark in result.remarks]
