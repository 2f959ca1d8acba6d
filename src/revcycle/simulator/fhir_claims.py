"""FHIR R4 Claim (§13.4) and ExplanationOfBenefit (§13.6) for the FHIR-speaking source and payer: the
Claim carries a contained Coverage, care team, ICD-10-CM diagnoses and items; the EOB carries per item the
adjudication categories (submitted, eligible, benefit, deductible, coinsurance, copay), a denial reason as
a CARC on the benefit entry, totals and the payment. A reversal (835 CLP02 = 22) is the same EOB again,
version 2, status cancelled."""

from __future__ import annotations

from typing import Any

from revcycle.simulator.codes import with_dot
from revcycle.simulator.emission import Clock
from revcycle.simulator.fhir import (
    CARC,
    CPT,
    ICD10,
    NPI,
    POS,
    adjudication_entry,
    coding,
    money,
    patient_ref,
    procedure,
)
from revcycle.simulator.model import Claim, Remit


def claim_resource(c: Clock, claim: Claim, day: int) -> dict[str, Any]:
    visit = claim.visit
    cov = claim.coverage
    insurance: dict[str, Any] = {"sequence": 1, "focal": True, "coverage": {"reference": "#coverage"}}
    if claim.prior_auth:
        insurance["preAuthRef"] = [claim.prior_auth]
    items = []
    for number, line in enumerate(claim.lines, start=1):
        item: dict[str, Any] = {
            "sequence": number,
            "careTeamSequence": [1],
            "diagnosisSequence": [min(line.dx, len(claim.diagnoses) - 1) + 1],
            "productOrService": procedure(line),
            "servicedDate": c.iso(line.day),
            "locationCodeableConcept": coding(POS, visit.facility.place_of_service),
            "quantity": {"value": line.units},
            "unitPrice": money(line.charge // max(line.units, 1)),
            "net": money(line.charge),
            "encounter": [{"reference": f"Encounter/{visit.number}"}],
        }
        if line.modifiers:
            item["modifier"] = [coding(CPT, m) for m in line.modifiers]
        items.append(item)
    resource = {
        "resourceType": "Claim",
        "id": claim.pcn,
        "meta": {"versionId": claim.frequency},
        "contained": [
            {
                "resourceType": "Coverage",
                "id": "coverage",
                "status": "active",
                "subscriberId": cov.member_id,
                "beneficiary": patient_ref(visit),
                "payor": [{"identifier": {"system": "urn:synnet:payer", "value": cov.payer.payer_id}}],
                "order": claim.rank,
            }
        ],
        "identifier": [{"system": "urn:synnet:pcn", "value": claim.pcn}],
        "status": "active",
        "type": coding("http://terminology.hl7.org/CodeSystem/claim-type", "professional"),
        "use": "claim",
        "patient": patient_ref(visit),
        "billablePeriod": {"start": c.iso(visit.day), "end": c.iso(visit.end_day)},
        "created": c.iso(day),
        "insurer": {"identifier": {"system": "urn:synnet:payer", "value": cov.payer.payer_id}},
        "provider": {"identifier": {"system": NPI, "value": visit.facility.npi}},
        "priority": coding("http://terminology.hl7.org/CodeSystem/processpriority", "normal"),
        "careTeam": [
            {
                "sequence": 1,
                "provider": {"identifier": {"system": NPI, "value": visit.provider.npi}},
                "role": coding("http://terminology.hl7.org/CodeSystem/claimcareteamrole", "primary"),
            }
        ],
        "diagnosis": [
            {
                "sequence": i,
                "diagnosisCodeableConcept": coding(ICD10, with_dot(code)),
                "type": [
                    coding(
                        "http://terminology.hl7.org/CodeSystem/ex-diagnosistype",
                        "principal" if i == 1 else "secondary",
                    )
                ],
            }
            for i, code in enumerate(claim.diagnoses, start=1)
        ],
        "insurance": [insurance],
        "item": items,
        "total": money(claim.total),
    }
    return resource


def eob_resource(c: Clock, remit: Remit, trace: str) -> dict[str, Any]:
    """An EOB; a reversal (835 CLP02 = 22) is the same EOB again, version 2, status cancelled."""
    claim = remit.claim
    visit = claim.visit
    cancelled = remit.status == "22"
    sign = -1 if cancelled else 1
    items = []
    for number, result in enumerate(remit.results, start=1):
        adjudication = [adjudication_entry("submitted", sign * result.line.charge)]
        if result.allowed:
            adjudication.append(adjudication_entry("eligible", sign * result.allowed))
        benefit = adjudication_entry("benefit", sign * result.paid)
        adjudication.append(benefit)
        shares = {"1": "deductible", "2": "coinsurance", "3": "copay"}
        for adj in result.adjustments:
            if adj.group == "PR" and adj.reason in shares:
                adjudication.append(adjudication_entry(shares[adj.reason], sign * adj.amount))
            elif adj.group == "CO" and adj.reason != "45":
                benefit["reason"] = coding(CARC, adj.reason)
        items.append(
            {
                "sequence": number,
                "productOrService": procedure(result.line),
                "servicedDate": c.iso(result.line.day),
                "quantity": {"value": result.line.units},
                "net": money(sign * result.line.charge),
                "adjudication": adjudication,
            }
        )
    resource = {
        "resourceType": "ExplanationOfBenefit",
        "id": remit.icn,
        "meta": {"versionId": "2" if cancelled else "1"},
        "identifier": [{"system": "urn:synnet:payer-icn", "value": remit.icn}],
        "status": "cancelled" if cancelled else "active",
        "type": coding("http://terminology.hl7.org/CodeSystem/claim-type", "professional"),
        "use": "claim",
        "patient": patient_ref(visit),
        "billablePeriod": {"start": c.iso(visit.day), "end": c.iso(visit.end_day)},
        "created": c.iso(remit.day),
        "insurer": {"identifier": {"system": "urn:synnet:payer", "value": claim.coverage.payer.payer_id}},
        "provider": {"identifier": {"system": NPI, "value": visit.facility.npi}},
        "claim": {"reference": f"Claim/{claim.pcn}"},
        "outcome": "complete",
        "insurance": [
            {
                "focal": True,
                "coverage": {
                    "identifier": {"system": "urn:synnet:member", "value": claim.coverage.member_id}
                },
            }
        ],
        "item": items,
        "total": [
            adjudication_entry("submitted", sign * remit.charge),
            adjudication_entry("benefit", sign * remit.paid),
        ],
        "payment": {
            "date": c.iso(remit.day),
            "amount": money(sign * remit.paid),
            "identifier": {"value": trace},
        },
    }
    return resource
