"""Resolving FHIR references inside one message, and the identities the mapping derives from them.

FHIR resources point at each other (Claim.patient = "Patient/123", "urn:uuid:..." in a transaction
Bundle, "#patient" for a contained resource). ``Context`` indexes the message (Bundle entries by
fullUrl and by Type/id) and resolves references to the resources it holds (http://hl7.org/fhir/R4/
references.html, bundle.html#references).

Identity convention (one for every FHIR resource, so that separately posted resources link up):

* a patient's key is ``FHIR|<Patient.id>`` (``Patient.mrn`` = the FHIR id, ``assigning_authority`` =
  "FHIR", or "FHIR:<sender>" when the envelope names the sender). A reference "Patient/123" therefore
  gives the same key as the Patient 123 itself; "urn:uuid:X" in a Bundle resolves to the entry (its id,
  else X). A contained or logical patient (``#patient``, Reference.identifier) has no FHIR id: its
  first identifier (system as authority, value as MRN) is used;
* a visit number is the Encounter's id; a claim's patient control number is the Claim's id (else
  its first identifier), which is what ClaimResponse.request / ExplanationOfBenefit.claim point at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from revcycle.adapters.formats.base import Envelope
from revcycle.adapters.formats.fhir.administrative import Organization, Practitioner
from revcycle.adapters.formats.fhir.bundle import Bundle, FhirResource, Skipped
from revcycle.adapters.formats.fhir.datatypes import CodeableConcept, Identifier, Reference
from revcycle.adapters.formats.fhir.decode import resolve_contained
from revcycle.adapters.formats.fhir.errors import FhirMappingError
from revcycle.adapters.formats.fhir.resource import DomainResource, Resource
from revcycle.domain.npi import is_valid_npi

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
_LITERAL = re.compile(r"(?:.*/)?([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?")
_UUID = "urn:uuid:"
_OID = "urn:oid:"

Found = FhirResource | Skipped


@dataclass
class Context:
    """One message's resources, for resolving references while mapping it."""

    envelope: Envelope
    resources: dict[str, Found] = field(default_factory=dict)
    urls: dict[int, str] = field(default_factory=dict)  # id(resource) -> its entry's fullUrl

    @classmethod
    def of(cls, parsed: FhirResource | Bundle, envelope: Envelope) -> Context:
        context = cls(envelope)
        entries: Iterable[tuple[str | None, Found | None]] = (
            ((e.full_url, e.resource) for e in parsed.entries)
            if isinstance(parsed, Bundle)
            else [(None, parsed)]
        )
        for full_url, resource in entries:
            if resource is None:
                continue
            if full_url:
                context.resources[full_url] = resource
                context.urls[id(resource)] = full_url
            rid = resource.id or identity_from_url(full_url)
            if rid:
                context.resources[f"{resource.resource_type}/{rid}"] = resource
        return context

    @property
    def authority(self) -> str:
        """The assigning authority of FHIR-id-based patient keys."""
        sender = self.envelope.sender
        return "FHIR" if not sender else f"FHIR:{sender}"

    def resolve(self, ref: Reference | None, container: DomainResource | None = None) -> Found | None:
        """The resource ``ref`` points at, when this message holds it."""
        if ref is None or not ref.reference:
            return None
        text = ref.reference
        if text.startswith("#"):
            return resolve_contained(container, text) if container is not None else None
        if text in self.resources:
            return self.resources[text]
        match = _LITERAL.fullmatch(text)
        return self.resources.get(f"{match.group(1)}/{match.group(2)}") if match else None

    def id_of(self, resource: Resource | Skipped) -> str | None:
        """Resource.id, else the id in the entry's fullUrl (urn:uuid:X -> X)."""
        return resource.id or identity_from_url(self.urls.get(id(resource)))


def identity_from_url(url: str | None) -> str | None:
    """The logical id in a fullUrl or literal reference: urn:uuid:X -> X, .../Type/id -> id, any other
    http(s) URL -> its last path segment."""
    if not url:
        return None
    if url.startswith(_UUID):
        return url[len(_UUID) :] or None
    if url.startswith(_OID):
        return url[len(_OID) :] or None
    match = _LITERAL.fullmatch(url)
    if match:
        return match.group(2)
    if url.startswith(("http://", "https://")):  # a URL of another shape: its last path segment
        return url.rstrip("/").rsplit("/", 1)[-1] or None
    return None


def referenced_id(ref: Reference | None, kind: str | None = None) -> str | None:
    """The id a literal reference names ("Claim/100150" -> "100150"; of type ``kind`` when given)."""
    if ref is None or not ref.reference or ref.reference.startswith("#"):
        return None
    match = _LITERAL.fullmatch(ref.reference)
    if match is not None:
        return match.group(2) if kind is None or match.group(1) == kind else None
    return identity_from_url(ref.reference)


def first_value(identifiers: Iterable[Identifier], system: str | None = None) -> str | None:
    for identifier in identifiers:
        if identifier.value and (system is None or identifier.system == system):
            return identifier.value
    return None


def npi_of(identifiers: Iterable[Identifier]) -> str | None:
    """The first check-digit-valid NPI among identifiers (system us-npi, or a type coded NPI)."""
    for identifier in identifiers:
        typed = identifier.type is not None and (identifier.type.code_in() or "").upper() == "NPI"
        value = identifier.value
        if value and (identifier.system == NPI_SYSTEM or typed) and is_valid_npi(value):
            return value
    return None


def npi(context: Context, ref: Reference | None, container: DomainResource | None = None) -> str | None:
    """The NPI of a referenced practitioner or organization (resolved, or the reference's identifier)."""
    if ref is None:
        return None
    found = context.resolve(ref, container)
    if isinstance(found, Practitioner | Organization):
        return npi_of(found.identifier)
    return npi_of([ref.identifier]) if ref.identifier is not None else None


def party_id(context: Context, ref: Reference | None, container: DomainResource | None = None) -> str | None:
    """An id for a payer / facility / organization: its identifier, the reference's id, its display."""
    if ref is None:
        return None
    found = context.resolve(ref, container)
    if isinstance(found, Organization):
        return first_value(found.identifier) or context.id_of(found) or found.name
    if ref.identifier is not None and ref.identifier.value:
        return ref.identifier.value
    return referenced_id(ref) or ref.display


def code_of(concept: CodeableConcept | None, systems: Iterable[str] = ()) -> str | None:
    """The code of the first coding in one of ``systems`` (in their order), else the first code."""
    if concept is None:
        return None
    for system in systems:
        code = concept.code_in(system)
        if code is not None:
            return code
    return concept.code_in()


def mapping_error(reason: str, location: str, resource_type: str) -> FhirMappingError:
    return FhirMappingError(reason, location=location, resource_type=resource_type)
