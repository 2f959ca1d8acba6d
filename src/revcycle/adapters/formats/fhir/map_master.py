"""FHIR Organization, Practitioner and Location to master-data records (``domain.master_data``).

* Organization (R4 §8.3): type ``pay``/``ins`` -> payer; ``dept`` -> department (facility = partOf);
  anything else (``prov``, untyped) -> facility, plus an organization provider when it carries a valid
  NPI. The code is the first identifier's value, else the id (what Coverage.payor, Claim.insurer and
  Encounter.serviceProvider resolve to as well).
* Practitioner (R4 §8.4) -> provider, only with a check-digit-valid NPI (the domain requires one;
  Synthea's practitioners carry short fake NPIs and produce no record).
* Location (R4 §8.10) -> facility, with a CMS place-of-service code when its type carries one.

FHIR has no effective dates for these, so records are open-ended.
"""

from __future__ import annotations

from revcycle.adapters.formats.fhir import administrative as fa
from revcycle.adapters.formats.fhir.datatypes import CodeableConcept
from revcycle.adapters.formats.fhir.references import (
    Context,
    first_value,
    mapping_error,
    npi_of,
    party_id,
)
from revcycle.domain.commands import MasterRecord
from revcycle.domain.master_data import Department, Facility, Payer, Provider

NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"
POS_SYSTEMS = (
    "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set",
    "http://terminology.hl7.org/CodeSystem/ex-serviceplace",
)

Record = tuple[str, MasterRecord]


def organization(context: Context, resource: fa.Organization, where: str = "$") -> list[Record]:
    code = first_value(resource.identifier) or context.id_of(resource)
    if not code:
        raise mapping_error(
            "Organization needs an identifier or an id", f"{where}.identifier", "Organization"
        )
    name = resource.name or code
    types = {t.code_in() for t in resource.type}
    if types & {"pay", "ins"}:
        return [("payer", Payer(payer_id=code, name=name))]
    if "dept" in types:
        return [
            (
                "department",
                Department(code=code, name=name, facility_code=party_id(context, resource.part_of)),
            )
        ]
    organization_npi = npi_of(resource.identifier)
    records: list[Record] = [("facility", Facility(code=code, name=name, npi=organization_npi))]
    if organization_npi is not None:
        records.append(("provider", Provider(npi=organization_npi, name=name, is_organization=True)))
    return records


def practitioner(resource: fa.Practitioner) -> list[Record]:
    provider_npi = npi_of(resource.identifier)
    if provider_npi is None:
        return []
    name = next((n for n in resource.name if n.use in (None, "official", "usual")), None)
    text = (
        (name.text or ", ".join(p for p in (name.family, " ".join(name.given)) if p) or provider_npi)
        if name is not None
        else provider_npi
    )
    taxonomy = next(
        (c for q in resource.qualification if q.code is not None and (c := q.code.code_in(NUCC_SYSTEM))), None
    )
    return [("provider", Provider(npi=provider_npi, name=text, taxonomy=taxonomy))]


def location(context: Context, resource: fa.Location, where: str = "$") -> list[Record]:
    code = first_value(resource.identifier) or context.id_of(resource)
    if not code:
        raise mapping_error("Location needs an identifier or an id", f"{where}.identifier", "Location")
    pos = next((c for t in resource.type if (c := code_of_pos(t)) is not None), None)
    return [("facility", Facility(code=code, name=resource.name or code, place_of_service=pos))]


def code_of_pos(concept: CodeableConcept | None) -> str | None:
    """A CMS place-of-service code from a CodeableConcept, only when it is coded in a POS system."""
    if concept is None:
        return None
    for system in POS_SYSTEMS:
        code = concept.code_in(system)
        if code is not None:
            return code
    return None
