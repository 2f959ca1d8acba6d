"""837P (005010X222A1) and 837I (005010X223A2) writers for the simulator's claims.

Written straight from the simulation records with string templates (the library generator
``adapters.formats.x12.gen837`` builds the same loops from the parser's dataclasses, at about a tenth of
the speed, which matters for a million-claim history). Loops per claim, in TR3 order: 2000A billing
provider (PRV*BI, NM1*85, N3, N4, REF*EI), 2000B subscriber (SBR, NM1*IL, N3, N4, DMG, NM1*PR),
2000C patient when the subscriber is not the patient (PAT, NM1*QC, N3, N4, DMG), 2300 claim (CLM, DTP
434/435 and CL1 for 837I, PWK, REF*G1 prior authorization, REF*F8 original claim for a replacement, HI),
2310 rendering / attending provider, 2320/2330A/2330B other payer for secondary claims (SBR, AMT*D, OI,
NM1*IL, NM1*PR), 2400 lines (LX, SV1 / SV2, DTP*472, REF*6R) with 2430 prior-payer adjudication (SVD,
CAS, DTP*573).
"""

from __future__ import annotations

from types import MappingProxyType

from revcycle.simulator.emission import Clock
from revcycle.simulator.model import Claim, LineResult
from revcycle.simulator.population import Coverage
from revcycle.simulator.x12_common import BILLING, CLEARINGHOUSE, amt, cas, close_set, envelope, gs, isa

IMPLEMENTATION = MappingProxyType({"837P": "005010X222A1", "837I": "005010X223A2"})
_TOB = MappingProxyType({"inpatient": "11", "ed": "13", "outpatient": "13"})


def _up(text: str) -> str:
    return text.upper()


def _subscriber(cov: Coverage, address: tuple[str, str, str, str]) -> list[str]:
    """Loop 2010BA: the subscriber's name, member id, address and demographics."""
    line1, city, state, postal = address
    return [
        f"NM1*IL*1*{_up(cov.subscriber_family)}*{_up(cov.subscriber_given)}****MI*{cov.member_id}",
        f"N3*{line1}",
        f"N4*{city}*{state}*{postal}",
        f"DMG*D8*{cov.subscriber_dob:%Y%m%d}*{cov.subscriber_sex}",
    ]


class Writer837:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def interchange(
        self, claims: list[Claim], variant: str, isa13: int, gs06: int, st02: str, day: int, minute: int
    ) -> bytes:
        c = self.clock
        head = [
            isa(BILLING, CLEARINGHOUSE, c, day, minute, isa13),
            gs("HC", BILLING, CLEARINGHOUSE, c, day, minute, gs06, IMPLEMENTATION[variant]),
        ]
        return envelope(head, [self.transaction(claims, variant, st02, day, minute)], gs06, isa13)

    def transaction(self, claims: list[Claim], variant: str, st02: str, day: int, minute: int) -> list[str]:
        c = self.clock
        body = [
            f"ST*837*{st02}*{IMPLEMENTATION[variant]}",
            f"BHT*0019*00*{st02}*{c.ymd(day)}*{c.hhmm(minute)}*CH",
            f"NM1*41*2*{BILLING.name}*****46*{BILLING.identifier}",
            "PER*IC*BILLING OFFICE*TE*5035550142",
            f"NM1*40*2*{CLEARINGHOUSE.name}*****46*{CLEARINGHOUSE.identifier}",
        ]
        hl = 0
        billing_hl = 0
        current = ""
        for claim in claims:
            facility = claim.visit.facility
            if facility.code != current:
                hl += 1
                billing_hl, current = hl, facility.code
                a = facility.address
                body += [
                    f"HL*{hl}**20*1",
                    f"PRV*BI*PXC*{facility.taxonomy}",
                    f"NM1*85*2*{_up(facility.name)}*****XX*{facility.npi}",
                    f"N3*{a.line1}",
                    f"N4*{a.city}*{a.state}*{a.postal_code}",
                    f"REF*EI*{facility.tax_id}",
                ]
            hl = self._claim(body, claim, variant, hl, billing_hl)
        return close_set(body, st02)

    def _claim(self, body: list[str], claim: Claim, variant: str, hl: int, parent: int) -> int:
        cov = claim.coverage
        patient = claim.visit.patient
        a = patient.address
        dependent = cov.relationship != "18"
        hl += 1
        subscriber_hl = hl
        body.append(f"HL*{hl}*{parent}*22*{1 if dependent else 0}")
        responsibility = "P" if claim.rank == 1 else "S"
        body.append(
            f"SBR*{responsibility}*{'' if dependent else '18'}*{cov.group_number or ''}"
            f"******{cov.payer.filing_indicator}"
        )
        body += _subscriber(cov, (a.line1, a.city, a.state, a.postal_code))
        body.append(f"NM1*PR*2*{_up(cov.payer.name)}*****PI*{cov.payer.payer_id}")
        if dependent:
            hl += 1
            body += [
                f"HL*{hl}*{subscriber_hl}*23*0",
                "PAT*19",
                f"NM1*QC*1*{_up(patient.family)}*{_up(patient.given)}",
                f"N3*{a.line1}",
                f"N4*{a.city}*{a.state}*{a.postal_code}",
                f"DMG*D8*{patient.birth_date:%Y%m%d}*{patient.sex}",
            ]
        if variant == "837I":
            self._institutional(body, claim)
        else:
            self._professional(body, claim)
        return hl

    def _references(self, body: list[str], claim: Claim) -> None:
        if claim.documentation:
            body.append(f"PWK*M1*EL***AC*DOC{claim.pcn}")
        if claim.prior_auth:
            body.append(f"REF*G1*{claim.prior_auth}")
        if claim.frequency == "7" and claim.payer_icn:
            body.append(f"REF*F8*{claim.payer_icn}")
        body.append(f"REF*EA*{claim.visit.patient.mrn}")  # medical record number: links the claim to the MPI

    def _professional(self, body: list[str], claim: Claim) -> None:
        visit = claim.visit
        pos = (
            visit.facility.place_of_service
            if visit.facility.kind != "hospital"
            else ("23" if visit.patient_class == "E" else "21")
        )
        body.append(f"CLM*{claim.pcn}*{amt(claim.total)}***{pos}:B:{claim.frequency}*Y*A*Y*Y")
        self._references(body, claim)
        body.append(
            "HI*"
            + "*".join(f"{'ABK' if i == 0 else 'ABF'}:{code}" for i, code in enumerate(claim.diagnoses[:12]))
        )
        rendering = claim.lines[0].performer or visit.provider
        body += [
            f"NM1*82*1*{_up(rendering.family)}*{_up(rendering.given)}****XX*{rendering.npi}",
            f"PRV*PE*PXC*{rendering.taxonomy}",
        ]
        self._other_payer(body, claim)
        ymd = self.clock.ymd
        for number, (line, control) in enumerate(zip(claim.lines, claim.controls, strict=True), start=1):
            code = ":".join((line.code, *line.modifiers))
            pointer = min(line.dx, 11) + 1
            body += [
                f"LX*{number}",
                f"SV1*HC:{code}*{amt(line.charge)}*UN*{line.units}***{pointer}",
                f"DTP*472*D8*{ymd(line.day)}",
                f"REF*6R*{control}",
            ]
            self._line_adjudication(body, claim, number - 1)

    def _institutional(self, body: list[str], claim: Claim) -> None:
        visit = claim.visit
        c = self.clock
        tob = _TOB.get(visit.visit_type.setting, "13")
        inpatient = tob == "11"
        body.append(f"CLM*{claim.pcn}*{amt(claim.total)}***{tob}:A:{claim.frequency}**A*Y*Y")
        body.append(f"DTP*434*RD8*{c.ymd(visit.day)}-{c.ymd(visit.end_day)}")
        if inpatient or visit.patient_class == "E":
            body.append(f"DTP*435*D8*{c.ymd(visit.day)}")
        # CL1: admission type (1 emergency, 2 urgent, 3 elective), source (7 ER, 1 referral), status 01
        admission = ("1", "7") if visit.patient_class == "E" else (("2", "1") if inpatient else ("3", "1"))
        body.append(f"CL1*{admission[0]}*{admission[1]}*01")
        self._references(body, claim)
        poa = ":::::::Y" if inpatient else ""
        body.append(f"HI*ABK:{claim.diagnoses[0]}{poa}")
        if inpatient:
            body.append(f"HI*ABJ:{claim.diagnoses[0]}")
        elif visit.patient_class == "E":
            body.append(f"HI*APR:{claim.diagnoses[0]}")
        if len(claim.diagnoses) > 1:
            body.append("HI*" + "*".join(f"ABF:{code}{poa}" for code in claim.diagnoses[1:12]))
        attending = visit.provider
        body += [
            f"NM1*71*1*{_up(attending.family)}*{_up(attending.given)}****XX*{attending.npi}",
            f"PRV*AT*PXC*{attending.taxonomy}",
        ]
        self._other_payer(body, claim)
        for number, (line, control) in enumerate(zip(claim.lines, claim.controls, strict=True), start=1):
            s = line.service
            if s.system == "REV":
                unit = "DA" if s.code == "ROOM" else "UN"
                sv2 = f"SV2*{s.revenue_code}**{amt(line.charge)}*{unit}*{line.units}"
            else:
                code = ":".join((line.code, *line.modifiers))
                sv2 = f"SV2*{s.revenue_code}*HC:{code}*{amt(line.charge)}*UN*{line.units}"
            body += [f"LX*{number}", sv2]
            if not inpatient:
                body.append(f"DTP*472*D8*{c.ymd(line.day)}")
            body.append(f"REF*6R*{control}")
            self._line_adjudication(body, claim, number - 1)

    def _other_payer(self, body: list[str], claim: Claim) -> None:
        """Loop 2320 / 2330A / 2330B on a secondary claim: what the primary payer did."""
        primary = claim.primary
        if primary is None:
            return
        cov = primary.coverage
        paid = sum(r.paid for r in claim.primary_results)
        body += [
            f"SBR*P*18*{cov.group_number or ''}******{cov.payer.filing_indicator}",
            f"AMT*D*{amt(paid)}",
            "OI***Y***Y" if claim.variant == "837I" else "OI***Y*P**Y",  # OI04 is not used in 837I
            f"NM1*IL*1*{_up(cov.subscriber_family)}*{_up(cov.subscriber_given)}****MI*{cov.member_id}",
            f"NM1*PR*2*{_up(cov.payer.name)}*****PI*{cov.payer.payer_id}",
        ]

    def _line_adjudication(self, body: list[str], claim: Claim, index: int) -> None:
        """Loop 2430 (SVD, CAS, DTP*573) on a secondary claim's line."""
        if claim.primary is None or index >= len(claim.primary_results) or claim.primary_paid_day is None:
            return
        result: LineResult = claim.primary_results[index]
        line = result.line
        payer_id = claim.primary.coverage.payer.payer_id
        procedure = f"HC:{line.code}" if line.service.system != "REV" else ""
        if claim.variant == "837I":
            body.append(
                f"SVD*{payer_id}*{amt(result.paid)}*{procedure}*{line.service.revenue_code}*{line.units}"
            )
        else:
            body.append(f"SVD*{payer_id}*{amt(result.paid)}*{procedure}**{line.units}")
        body += cas([(a.group, a.reason, a.amount) for a in result.adjustments])
        body.append(f"DTP*573*D8*{self.clock.ymd(claim.primary_paid_day)}")
