"""FHIR R4 Bundle (http://hl7.org/fhir/R4/bundle.html): the wire structs and the decoded form.

A Bundle is decoded in two steps (``decode.py``): the envelope with each ``entry.resource`` kept as raw
JSON, then each entry on its own. Entries whose resource type we do not decode (Observation,
Immunization...) become ``Skipped`` with their type and id, not errors; entries without a resource
(e.g. a transaction DELETE) keep their request and have ``resource=None``.
"""

from __future__ import annotations

import builtins
from collections import Counter
from decimal import Decimal
from typing import TypeVar

import msgspec

from revcycle.adapters.formats.fhir.adjudication import ClaimResponse, ExplanationOfBenefit
from revcycle.adapters.formats.fhir.administrative import (
    Appointment,
    Encounter,
    Location,
    Organization,
    Patient,
    Practitioner,
)
from revcycle.adapters.formats.fhir.claims import Claim
from revcycle.adapters.formats.fhir.datatypes import Element, Identifier, Meta
from revcycle.adapters.formats.fhir.financial import (
    Account,
    ChargeItem,
    Coverage,
    PaymentReconciliation,
)
from revcycle.adapters.formats.fhir.resource import Resource

FhirResource = (
    Patient
    | Coverage
    | Organization
    | Practitioner
    | Location
    | Encounter
    | Appointment
    | ChargeItem
    | Account
    | Claim
    | ClaimResponse
    | ExplanationOfBenefit
    | PaymentReconciliation
)
"""The resources we decode, as one tagged union (tag: ``resourceType``)."""

R = TypeVar("R", bound=Resource)


class EntryRequest(Element, frozen=True):
    """Bundle.entry.request: method and url of a batch/transaction entry, conditional headers."""

    method: str | None = None
    url: str | None = None
    if_none_exist: str | None = None
    if_match: str | None = None


class EntrySearch(Element, frozen=True):
    """Bundle.entry.search: mode (match, include, outcome) and score of a searchset entry."""

    mode: str | None = None
    score: Decimal | None = None


class EntryWire(Element, frozen=True):
    """Bundle.entry as sent: the resource is kept as raw JSON (empty when absent), decoded on its own."""

    full_url: str | None = None
    resource: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    request: EntryRequest | None = None
    search: EntrySearch | None = None


class BundleWire(Resource, frozen=True, tag="Bundle"):
    """Bundle as sent (first decoding step)."""

    identifier: Identifier | None = None
    type: str | None = None
    timestamp: str | None = None
    total: int | None = None
    entry: tuple[EntryWire, ...] = ()


class Skipped(Element, frozen=True):
    """A Bundle entry (or contained resource) whose type we do not decode, kept with its type and id."""

    resource_type: str
    id: str | None = None


class Entry(Element, frozen=True):
    """A decoded Bundle entry: position, fullUrl, the typed resource (or Skipped, or None), request."""

    index: int
    full_url: str | None = None
    resource: FhirResource | Skipped | None = None
    request: EntryRequest | None = None
    search: EntrySearch | None = None


class Bundle(Element, frozen=True):
    """A decoded Bundle (batch, transaction, collection or searchset) with its entries in order."""

    type: str
    id: str | None = None
    meta: Meta | None = None
    identifier: Identifier | None = None
    timestamp: str | None = None
    total: int | None = None
    entries: tuple[Entry, ...] = ()

    @property
    def resource_type(self) -> str:
        """Always "Bundle" (mirrors ``Resource.resource_type``)."""
        return "Bundle"

    @property
    def version_id(self) -> str | None:
        """Bundle.meta.versionId, if sent."""
        return self.meta.version_id if self.meta is not None else None

    def resources(self, kind: builtins.type[R]) -> list[R]:
        """The decoded entry resources of one class, in entry order."""
        found: list[R] = []
        for entry in self.entries:
            resource = entry.resource
            if isinstance(resource, kind):
                found.append(resource)
        return found

    def type_counts(self) -> dict[str, int]:
        """Number of entries per resource type (decoded and skipped alike)."""
        counts: Counter[str] = Counter()
        for e in self.entries:
            if e.resource is not None:
                counts[e.resource.resource_type] += 1
        return dict(counts)

    @property
    def skipped(self) -> list[Skipped]:
        """The entries whose type we do not decode."""
        return [e.resource for e in self.entries if isinstance(e.resource, Skipped)]
