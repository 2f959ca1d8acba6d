"""FHIR R4 writers for the sources that speak FHIR: the urgent-care EHR (Encounter, ChargeItem, and its
Claims to a FHIR-capable payer) and that payer (ExplanationOfBenefit).

Resources follow R4 (http://hl7.org/fhir/R4): Encounter §11.1 (class from v3 ActCode), ChargeItem
§16.4 (code in CPT / HCPCS, priceOverride), Claim §13.4 (type from claim-type, careTeam, diagnosis in
ICD-10-CM, insurance with a contained Coverage, items), ExplanationOfBenefit §13.6 (adjudication
categories from the adjudication value set: submitted, eligible, benefit, deductible, coinsurance,
copay; denial reasons as CARC codes, payment). Patients are referenced by identifier (the MPI MRN), so
no demographic data leaves the EHR in these resources. ``meta.versionId`` makes an update (in-progress ->
finished Encounter) a new message for the edge's idempotency key.
"""

from __future__ import annotations

from typing import Any

import msgspec

from revcycle.simulator.codes import with_dot
from revcycle.simulator.emission import Clock
from revcycle.simulator.model import ChargeLine, Claim, Remit, Visit
from revcycle.simulator.population import MPI

NPI = "http://hl7.org/fhir/sid/us-npi"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
_ENCODER = msgspec.json.Encoder()


def _money(cents: int) -> dict[str, Any]:
    return {"value": cents / 100, "currency": "USD"}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _patient(visit: Visit) -> dict[str, Any]:
    return {"identifier": {"system": MPI, "value": visit.patient.mrn}}


def _procedure(line: ChargeLine) -> dict[str, Any]:
    return _coding(HCPCS if line.service.system == "HCPCS" else CPT, line.code)


def _adjudication(category: str, cents: int) -> dict[str, Any]:
    return {"category": _coding(ADJUDICATION, category), "amount": _money(cents)}


class FhirWriter:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def encounter(self, visit: Visit, finished: bool) -> bytes:
        c = self.clock
        period = {"start": c.fhir_instant(visit.day, visit.minute)}
        if finished:
            period["end"] = c.fhir_instant(visit.end_day, visit.end_minute)
        resource = {
            "resourceType": "Encounter",
            "id": visit.number,
            "meta": {"versionId": "2" if finished else "1"},
            "identifier": [{"system": "urn:synnet:visit", "value": visit.number}],
            "status": "finished" if finished else "in-progress",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
                "display": "ambulatory",
            },
            "type": [_coding("urn:synnet:visit-type", visit.visit_type.schedule_code, visit.visit_type.name)],
            "subject": _patient(visit),
            "participant": [{"individual": {"identifier": {"system": NPI, "value": visit.provider.npi}}}],
            "period": period,
            "reasonCode": [_coding(ICD10, with_dot(code)) for code in visit.diagnoses],
            "serviceProvider": {
                "identifier": {"system": "urn:synnet:facility", "value": visit.facility.code}
            },
            "location": [
                {
                    "location": {
                        "identifier": {"system": "urn:synnet:department", "value": visit.department.code}
                    }
                }
            ],
        }
        return _ENCODER.encode(resource)

    def charge_item(self, visit: Visit, line: ChargeLine, posted_day: int, minute: int) -> bytes:
        c = self.clock
        code = _procedure(line)
        code["coding"].append({"system": "urn:synnet:cdm", "code": f"CDM{line.service.code}"})
        resource: dict[str, Any] = {
            "resourceType": "ChargeItem",
            "id": line.txn_id,
            "identifier": [{"system": "urn:synnet:charge", "value": line.txn_id}],
            "status": "billable",
            "code": code,
            "subject": _patient(visit),
            "context": {"reference": f"Encounter/{visit.number}"},
            "occurrenceDateTime": c.fhir_instant(line.day, visit.minute),
            "quantity": {"value": line.units},
            "priceOverride": _money(line.charge),
            "enteredDate": c.fhir_instant(posted_day, minute),
            "reason": [_coding(ICD10, with_dot(visit.diagnoses[line.dx]))],
            "performingOrganization": {
                "identifier": {"system": "urn:synnet:department", "value": line.department}
            },
        }
        if line.performer is not None:
            resource["performer"] = [{"actor": {"identifier": {"system": NPI, "value": line.performer.npi}}}]
        return _ENCODER.encode(resource)

    def claim(self, claim: Claim, day: int) -> bytes:
        visit = claim.visit
        c = self.clock
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
                "productOrService": _procedure(line),
                "servicedDate": c.iso(line.day),
                "locationCodeableConcept": _coding(POS, visit.facility.place_of_service),
                "quantity": {"value": line.units},
                "unitPrice": _money(line.charge // max(line.units, 1)),
                "net": _money(line.charge),
                "encounter": [{"reference": f"Encounter/{visit.number}"}],
            }
            if line.modifiers:
                item["modifier"] = [_coding(CPT, m) for m in line.modifiers]
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
                    "beneficiary": _patient(visit),
                    "payor": [{"identifier": {"system": "urn:synnet:payer", "value": cov.payer.payer_id}}],
                    "order": claim.rank,
                }
            ],
            "identifier": [{"system": "urn:synnet:pcn", "value": claim.pcn}],
            "status": "active",
            "type": _coding("http://terminology.hl7.org/CodeSystem/claim-type", "professional"),
            "use": "claim",
            "patient": _patient(visit),
            "billablePeriod": {"start": c.iso(visit.day), "end": c.iso(visit.end_day)},
            "created": c.iso(day),
            "insurer": {"identifier": {"system": "urn:synnet:payer", "value": cov.payer.payer_id}},
            "provider": {"identifier": {"system": NPI, "value": visit.facility.npi}},
            "priority": _coding("http://terminology.hl7.org/CodeSystem/processpriority", "normal"),
            "careTeam": [
                {
                    "sequence": 1,
                    "provider": {"identifier": {"system": NPI, "value": visit.provider.npi}},
                    "role": _coding("http://terminology.hl7.org/CodeSystem/claimcareteamrole", "primary"),
                }
            ],
            "diagnosis": [
                {
                    "sequence": i,
                    "diagnosisCodeableConcept": _coding(ICD10, with_dot(code)),
                    "type": [
                        _coding(
                            "http://terminology.hl7.org/CodeSystem/ex-diagnosistype",
                            "principal" if i == 1 else "secondary",
                        )
                    ],
                }
                for i, code in enumerate(claim.diagnoses, start=1)
            ],
            "insurance": [insurance],
            "item": items,
            "total": _money(claim.total),
        }
        return _ENCODER.encode(resource)

    def eob(self, remit: Remit, trace: str) -> bytes:
        """An EOB; a reversal (835 CLP02 = 22) is the same EOB again, version 2, status cancelled."""
        claim = remit.claim
        visit = claim.visit
        c = self.clock
        cancelled = remit.status == "22"
        sign = -1 if cancelled else 1
        items = []
        for number, result in enumerate(remit.results, start=1):
            adjudication = [_adjudication("submitted", sign * result.line.charge)]
            if result.allowed:
                adjudication.append(_adjudication("eligible", sign * result.allowed))
            benefit = _adjudication("benefit", sign * result.paid)
            adjudication.append(benefit)
            shares = {"1": "deductible", "2": "coinsurance", "3": "copay"}
            for adj in result.adjustments:
                if adj.group == "PR" and adj.reason in shares:
                    adjudication.append(_adjudication(shares[adj.reason], sign * adj.amount))
                elif adj.group == "CO" and adj.reason != "45":
                    benefit["reason"] = _coding(CARC, adj.reason)
            items.append(
                {
                    "sequence": number,
                    "productOrService": _procedure(result.line),
                    "servicedDate": c.iso(result.line.day),
                    "quantity": {"value": result.line.units},
                    "net": _money(sign * result.line.charge),
                    "adjudication": adjudication,
                }
            )
        resource = {
            "resourceType": "ExplanationOfBenefit",
            "id": remit.icn,
            "meta": {"versionId": "2" if cancelled else "1"},
            "identifier": [{"system": "urn:synnet:payer-icn", "value": remit.icn}],
            "status": "cancelled" if cancelled else "active",
            "type": _coding("http://terminology.hl7.org/CodeSystem/claim-type", "professional"),
            "use": "claim",
            "patient": _patient(visit),
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
                _adjudication("submitted", sign * remit.charge),
                _adjudication("benefit", sign * remit.paid),
            ],
            "payment": {
                "date": c.iso(remit.day),
                "amount": _money(sign * remit.paid),
                "identifier": {"value": trace},
            },
        }
        return _ENCODER.encode(resource)
