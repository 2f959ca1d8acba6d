"""``identify(raw)``: what the edge needs before the durable append, read cheaply from the header.

One msgspec pass with a tiny header struct (everything else is skipped, not built):

* ``message_type``: the resourceType; for a Bundle, ``Bundle_<type>`` (``Bundle_transaction``).
* ``control_id``: the idempotency key the source gives us. Resource.id, or, when Resource.meta.versionId
  is present, ``<id>/_history/<versionId>`` (FHIR's own version-specific form, so that a new version
  of the same resource is a new message and a resend of the same version is not). None without an id
  (Synthea bundles have none: the edge falls back to the checksum).
* ``partition_key``: the patient reference as written (``Patient/123``, ``urn:uuid:...``):
  Encounter/ChargeItem/Account.subject, Claim/ClaimResponse/ExplanationOfBenefit.patient,
  Coverage.beneficiary, Patient itself (``Patient/<id>``); for a Bundle with exactly one Patient entry,
  that entry's fullUrl (or ``Patient/<id>``). None otherwise, and for local references ("#patient").
* ``sender``: None (the HTTP layer knows the authenticated client). ``version``: "R4".

It rejects at once what ``decode`` would reject for the same reason: not JSON, not an object, no or an
unknown / unsupported resourceType, a type that disagrees with the URL, an unaccepted Bundle type.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import msgspec

from revcycle.adapters.formats.base import Envelope
from revcycle.adapters.formats.fhir.decode import NOT_JSON, is_well_formed_json, without_bom
from revcycle.adapters.formats.fhir.errors import (
    InvalidElement,
    InvalidJson,
    MissingElement,
    MissingResourceType,
    NotAnObject,
    ResourceTypeMismatch,
    UnknownResourceType,
    UnsupportedBundleType,
    UnsupportedResourceType,
)
from revcycle.adapters.formats.fhir.resource_types import (
    ACCEPTED_BUNDLE_TYPES,
    ALL_BUNDLE_TYPES,
    SUPPORTED_RESOURCE_TYPES,
    is_r4_resource_type,
)

FORMAT = "fhir"
FHIR_VERSION = "R4"


class _Ref(msgspec.Struct, gc=False):
    reference: Any = None


class _Meta(msgspec.Struct, gc=False):
    versionId: Any = None


class _ResourceHead(msgspec.Struct, gc=False):
    resourceType: Any = None
    id: Any = None


class _EntryHead(msgspec.Struct, gc=False):
    fullUrl: Any = None
    resource: _ResourceHead | None = None


class _Header(msgspec.Struct, gc=False):
    """The members identify() reads. Shapes that vary by resource type are kept raw."""

    resourceType: Any = None
    id: Any = None
    meta: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    type: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    subject: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    patient: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    beneficiary: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)


class _BundleHeader(_Header):
    """_Header plus the entries' fullUrl / resourceType / id, read in the same pass (for Bundles)."""

    entry: list[_EntryHead] | None = None


@dataclass(frozen=True, slots=True)
class _Decoders:
    header: msgspec.json.Decoder[_Header]
    bundle: msgspec.json.Decoder[_BundleHeader]
    meta: msgspec.json.Decoder[_Meta]
    ref: msgspec.json.Decoder[_Ref]
    refs: msgspec.json.Decoder[list[_Ref]]
    text: msgspec.json.Decoder[str]


@functools.cache
def _decoders() -> _Decoders:
    """The header decoders, built on first use (nothing is built at import time)."""
    return _Decoders(
        header=msgspec.json.Decoder(_Header),
        bundle=msgspec.json.Decoder(_BundleHeader),
        meta=msgspec.json.Decoder(_Meta),
        ref=msgspec.json.Decoder(_Ref),
        refs=msgspec.json.Decoder(list[_Ref]),
        text=msgspec.json.Decoder(str),
    )


def identify(raw: bytes | memoryview, *, expected_type: str | None = None) -> Envelope:
    """The Envelope of a FHIR R4 JSON body; ``expected_type`` is the type named in the URL, if any."""
    head = _header(without_bom(raw))
    kind = _resource_type(head.resourceType, expected_type)
    message_type = kind
    if kind == "Bundle":
        message_type = f"Bundle_{_bundle_type(head.type)}"
    return Envelope(
        format=FORMAT,
        message_type=message_type,
        control_id=_control_id(head),
        sender=None,
        version=FHIR_VERSION,
        partition_key=_partition_key(kind, head),
    )


def _header(raw: bytes | memoryview) -> _Header:
    """One pass, entries' heads included; if those have odd shapes, a second pass without them."""
    dec = _decoders()
    try:
        try:
            head: _Header = dec.bundle.decode(raw)
        except msgspec.ValidationError:
            head = dec.header.decode(raw)
    except msgspec.ValidationError:
        if not is_well_formed_json(raw):
            raise InvalidJson(NOT_JSON) from None
        raise NotAnObject("body is not a JSON object") from None
    except msgspec.DecodeError:
        raise InvalidJson(NOT_JSON) from None
    except RecursionError:
        raise InvalidJson("JSON is nested too deeply") from None
    return head


def _resource_type(kind: Any, expected_type: str | None) -> str:
    if kind is None:
        raise MissingResourceType("resourceType is missing", location="$.resourceType")
    if not isinstance(kind, str):
        raise InvalidElement("resourceType must be a string", location="$.resourceType")
    if not is_r4_resource_type(kind):
        raise UnknownResourceType("resourceType is not a FHIR R4 resource type", location="$.resourceType")
    if expected_type is not None and kind != expected_type:
        raise ResourceTypeMismatch(
            f"resourceType {kind} does not match the type {expected_type} in the URL",
            location="$.resourceType",
            resource_type=kind,
        )
    if kind != "Bundle" and kind not in SUPPORTED_RESOURCE_TYPES:
        raise UnsupportedResourceType(
            f"resource type {kind} is not supported", location="$.resourceType", resource_type=kind
        )
    return kind


def _bundle_type(raw_type: msgspec.Raw) -> str:
    if _absent(raw_type):
        raise MissingElement("Bundle.type is required", location="$.type", resource_type="Bundle")
    try:
        value = _decoders().text.decode(raw_type)
    except msgspec.ValidationError:
        raise InvalidElement(
            "Bundle.type must be a string", location="$.type", resource_type="Bundle"
        ) from None
    if value not in ACCEPTED_BUNDLE_TYPES:
        shown = value if value in ALL_BUNDLE_TYPES else "(not a bundle-type code)"
        raise UnsupportedBundleType(
            f"Bundle type {shown} is not accepted (batch, transaction, collection, searchset)",
            location="$.type",
            resource_type="Bundle",
        )
    return str(value)


def _control_id(head: _Header) -> str | None:
    if head.id is None or head.id == "":
        return None
    if not isinstance(head.id, str):
        raise InvalidElement("id must be a string", location="$.id")
    version = None
    if not _absent(head.meta):
        try:
            version = _decoders().meta.decode(head.meta).versionId
        except msgspec.ValidationError:
            raise InvalidElement("meta must be an object", location="$.meta") from None
    if version is None or version == "":
        return head.id
    if not isinstance(version, str):
        raise InvalidElement("meta.versionId must be a string", location="$.meta.versionId")
    return f"{head.id}/_history/{version}"


def _partition_key(kind: str, head: _Header) -> str | None:
    """The patient reference, when it is cheap to find; never raises (parse reports bad shapes)."""
    if kind == "Patient":
        return f"Patient/{head.id}" if isinstance(head.id, str) and head.id else None
    if kind == "Bundle":
        return _bundle_patient(head.entry if isinstance(head, _BundleHeader) else None)
    for raw in (head.patient, head.beneficiary, head.subject):
        if not _absent(raw):
            return _reference(raw)
    return None


def _absent(raw: msgspec.Raw) -> bool:
    """An element that was not sent, or sent as null (msgspec's Optional fields read both as None)."""
    return len(raw) == 0 or (len(raw) == 4 and bytes(raw) == b"null")


def _reference(raw: msgspec.Raw) -> str | None:
    dec = _decoders()
    try:
        refs = dec.refs.decode(raw) if bytes(memoryview(raw)[:1]) == b"[" else [dec.ref.decode(raw)]
    except msgspec.ValidationError:
        return None
    for ref in refs:
        if isinstance(ref.reference, str) and ref.reference and not ref.reference.startswith("#"):
            return ref.reference
    return None


def _bundle_patient(entries: list[_EntryHead] | None) -> str | None:
    if not entries:
        return None
    patients = [e for e in entries if e.resource is not None and e.resource.resourceType == "Patient"]
    if len(patients) != 1:
        return None
    entry = patients[0]
    if isinstance(entry.fullUrl, str) and entry.fullUrl:
        return entry.fullUrl
    rid = entry.resource.id if entry.resource is not None else None
    return f"Patient/{rid}" if isinstance(rid, str) and rid else None
