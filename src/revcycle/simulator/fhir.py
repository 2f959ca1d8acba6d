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

from datetime import date
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


def money(cents: int) -> dict[str, Any]:
    return {"value": cents / 100, "currency": "USD"}


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def patient_ref(visit: Visit) -> dict[str, Any]:
    return {"identifier": {"system": MPI, "value": visit.patient.mrn}}


def procedure(line: ChargeLine) -> dict[str, Any]:
    return coding(HCPCS if line.service.system == "HCPCS" else CPT, line.code)


def _period(start: date, end: date | None) -> dict[str, str]:
    period = {"start": start.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    return period


def adjudication_entry(category: str, cents: int) -> dict[str, Any]:
    return {"category": coding(ADJUDICATION, category), "amount": money(cents)}


class FhirWriter:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.encoder = msgspec.json.Encoder()

    def encounter(self, visit: Visit, finished: bool) -> bytes:
        return self.encoder.encode(self._encounter(visit, finished))

    def _encounter(self, visit: Visit, finished: bool) -> dict[str, Any]:
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
            "type": [coding("urn:synnet:visit-type", visit.visit_type.schedule_code, visit.visit_type.name)],
            "subject": patient_ref(visit),
            "participant": [{"individual": {"identifier": {"system": NPI, "value": visit.provider.npi}}}],
            "period": period,
            "reasonCode": [coding(ICD10, with_dot(code)) for code in visit.diagnoses],
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
        return resource

    def registration(self, visit: Visit) -> bytes:
        """A transaction Bundle: the Patient, their Coverages and the in-progress Encounter (a stored
        patient needs its demographics in the message, so registration sends them together)."""
        patient = visit.patient
        a = patient.address
        patient_url = f"Patient/{patient.mrn}"
        resources: list[dict[str, Any]] = [{
            "resourceType": "Patient",
            "id": patient.mrn,
            "identifier": [{"system": MPI, "value": patient.mrn,
                            "type": coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")}],
            "name": [{"family": patient.family, "given": [patient.given]}],
            "telecom": [{"system": "phone", "value": patient.phone, "use": "home"}],
            "gender": {"F": "female", "M": "male"}.get(patient.sex, "unknown"),
            "birthDate": patient.birth_date.isoformat(),
            "address": [{"line": [a.line1], "city": a.city, "state": a.state, "postalCode": a.postal_code}],
        }]  # fmt: skip
        for cov in visit.coverages:
            resources.append({
                "resourceType": "Coverage",
                "id": f"{patient.mrn}-{cov.payer.payer_id}-{cov.rank}",
                "status": "active",
                "subscriberId": cov.member_id,
                "beneficiary": {"reference": patient_url},
                "relationship": coding(
                    "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                    "self" if cov.relationship == "18" else "child",
                ),
                "period": _period(cov.start, cov.end),
                "payor": [{"identifier": {"system": "urn:synnet:payer", "value": cov.payer.payer_id}}],
                "order": cov.rank,
            })  # fmt: skip
        encounter = self._encounter(visit, finished=False)
        encounter["subject"] = {"reference": patient_url}
        resources.append(encounter)
        entries = [
            {"fullUrl": f"{r['resourceType']}/{r['id']}", "resource": r,
             "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
            for r in resources
        ]  # fmt: skip
        bundle = {
            "resourceType": "Bundle",
            "id": f"reg-{visit.number}",
            "type": "transaction",
            "entry": entries,
        }
        return self.encoder.encode(bundle)

    def charge_item(self, visit: Visit, line: ChargeLine, posted_day: int, minute: int) -> bytes:
        c = self.clock
        code = procedure(line)
        code["coding"].append({"system": "urn:synnet:cdm", "code": f"CDM{line.service.code}"})
        resource: dict[str, Any] = {
            "resourceType": "ChargeItem",
            "id": line.txn_id,
            "identifier": [{"system": "urn:synnet:charge", "value": line.txn_id}],
            "status": "billable",
            "code": code,
            "subject": patient_ref(visit),
            "context": {"reference": f"Encounter/{visit.number}"},
            "occurrenceDateTime": c.fhir_instant(line.day, visit.minute),
            "quantity": {"value": line.units},
            "priceOverride": money(line.charge),
            "enteredDate": c.fhir_instant(posted_day, minute),
            "reason": [coding(ICD10, with_dot(visit.diagnoses[line.dx]))],
            "performingOrganization": {
                "identifier": {"system": "urn:synnet:department", "value": line.department}
            },
        }
        if line.performer is not None:
            resource["performer"] = [{"actor": {"identifier": {"system": NPI, "value": line.performer.npi}}}]
        return self.encoder.encode(resource)

    def claim(self, claim: Claim, day: int) -> bytes:
        from revcycle.simulator.fhir_claims import claim_resource

        return self.encoder.encode(claim_resource(self.clock, claim, day))

    def eob(self, remit: Remit, trace: str) -> bytes:
        from revcycle.simulator.fhir_claims import eob_resource

        return self.encoder.encode(eob_resource(self.clock, remit, trace))
