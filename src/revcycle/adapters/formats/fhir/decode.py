"""Decode FHIR R4 JSON bytes into typed resources (msgspec), translating every failure into our errors.

``decode(raw)`` returns one of the resources in ``bundle.FhirResource`` or a decoded ``Bundle``. A
single resource is decoded in one pass by a tagged union on ``resourceType``; a Bundle's envelope is
decoded first with its entries' resources kept raw, then each entry on its own, so that entries of
other types (Observation, ...) are kept as ``Skipped`` instead of failing the Bundle.

Errors never quote a value: msgspec's messages are reduced to their type descriptions and the JSON
path (``$.entry[3].resource.item[0].net.value``); see ``errors.py``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import msgspec

from revcycle.adapters.formats.fhir.bundle import Bundle, BundleWire, Entry, EntryWire, FhirResource, Skipped
from revcycle.adapters.formats.fhir.errors import (
    FhirUnreadable,
    InvalidElement,
    InvalidJson,
    InvalidValue,
    MissingElement,
    MissingResourceType,
    NotAnObject,
    ResourceTypeMismatch,
    UnknownResourceType,
    UnsupportedBundleType,
    UnsupportedResourceType,
)
from revcycle.adapters.formats.fhir.resource import DomainResource
from revcycle.adapters.formats.fhir.resource_types import (
    ACCEPTED_BUNDLE_TYPES,
    ALL_BUNDLE_TYPES,
    is_r4_resource_type,
)

Parsed = FhirResource | Bundle
"""What ``decode`` returns."""

NOT_JSON = "body is not valid JSON (malformed, truncated or not UTF-8)"
_BOM = b"\xef\xbb\xbf"


def without_bom(raw: bytes | memoryview) -> bytes | memoryview:
    """The body without a leading UTF-8 byte order mark (RFC 8259 §8.1 lets a parser ignore one;
    some Windows senders add it)."""
    return memoryview(raw)[3:] if bytes(raw[:3]) == _BOM else raw


class _TypeHeader(msgspec.Struct, gc=False):
    """Just enough to name an object: its resourceType and id, of any JSON type (checked by hand)."""

    resourceType: Any = None
    id: Any = None


@functools.cache
def _top_decoder() -> msgspec.json.Decoder[FhirResource | BundleWire]:
    return msgspec.json.Decoder(FhirResource | BundleWire)


@functools.cache
def _entry_decoder() -> msgspec.json.Decoder[FhirResource]:
    return msgspec.json.Decoder(FhirResource)


@functools.cache
def _header_decoder() -> msgspec.json.Decoder[_TypeHeader]:
    return msgspec.json.Decoder(_TypeHeader)


def decode(raw: bytes | memoryview, *, expected_type: str | None = None) -> Parsed:
    """Decode one FHIR R4 resource or Bundle. ``expected_type`` is the type named in the URL, if any.

    Raises a ``FhirUnreadable`` subclass (an ``UnreadableMessage``) when the bytes are not usable.
    """
    raw = without_bom(raw)
    try:
        top = _top_decoder().decode(raw)
    except msgspec.ValidationError as exc:
        raise _from_validation(exc, raw, "$", expected_type=expected_type) from None
    except msgspec.DecodeError:
        raise InvalidJson(NOT_JSON) from None
    except RecursionError:
        raise InvalidJson("JSON is nested too deeply") from None
    _check_expected(top.resource_type, expected_type)
    if isinstance(top, BundleWire):
        return _bundle(top)
    return top


def contained(resource: DomainResource) -> tuple[FhirResource | Skipped, ...]:
    """DomainResource.contained, decoded: resources of our types typed, others ``Skipped``."""
    return tuple(
        _entry_resource(raw, f"$.contained[{i}]", resource.resource_type)
        for i, raw in enumerate(resource.contained)
    )


def resolve_contained(resource: DomainResource, reference: str | None) -> FhirResource | Skipped | None:
    """The contained resource a local reference ("#coverage") points to, or None."""
    if reference is None or not reference.startswith("#"):
        return None
    wanted = reference[1:]
    for found in contained(resource):
        if found.id == wanted:
            return found
    return None


def _check_expected(resource_type: str, expected_type: str | None) -> None:
    if expected_type is not None and resource_type != expected_type:
        raise ResourceTypeMismatch(
            f"resourceType {resource_type} does not match the type {expected_type} in the URL",
            location="$.resourceType",
            resource_type=resource_type,
        )


def _bundle(wire: BundleWire) -> Bundle:
    if wire.type is None:
        raise MissingElement("Bundle.type is required", location="$.type", resource_type="Bundle")
    if wire.type not in ACCEPTED_BUNDLE_TYPES:
        shown = wire.type if wire.type in ALL_BUNDLE_TYPES else "(not a bundle-type code)"
        raise UnsupportedBundleType(
            f"Bundle type {shown} is not accepted (batch, transaction, collection, searchset)",
            location="$.type",
            resource_type="Bundle",
        )
    entries = tuple(_entry(i, e) for i, e in enumerate(wire.entry))
    return Bundle(
        type=wire.type,
        id=wire.id,
        meta=wire.meta,
        identifier=wire.identifier,
        timestamp=wire.timestamp,
        total=wire.total,
        entries=entries,
    )


def _entry(index: int, wire: EntryWire) -> Entry:
    raw = wire.resource
    resource = (
        None
        if len(raw) == 0 or (len(raw) == 4 and bytes(raw) == b"null")
        else _entry_resource(raw, f"$.entry[{index}].resource", "Bundle")
    )
    return Entry(
        index=index,
        full_url=wire.full_url,
        resource=resource,
        request=wire.request,
        search=wire.search,
    )


def _entry_resource(raw: msgspec.Raw, prefix: str, container_type: str) -> FhirResource | Skipped:
    """Decode an entry's (or contained) resource; a type we do not decode becomes ``Skipped``."""
    try:
        return _entry_decoder().decode(raw)
    except msgspec.ValidationError as exc:
        message, path = _split(str(exc))
        if path is None and message.startswith("Expected `object`"):
            raise NotAnObject(
                "resource is not a JSON object", location=prefix, resource_type=container_type
            ) from None
        if path != "$.resourceType" and not message.endswith("field `resourceType`"):
            raise _translate(message, _join(prefix, path), container_type) from None
        header = _header_decoder().decode(raw)
        kind = header.resourceType
        if kind is None:
            raise MissingResourceType(
                "resource has no resourceType",
                location=f"{prefix}.resourceType",
                resource_type=container_type,
            ) from None
        if not isinstance(kind, str) or not kind:
            raise InvalidElement(
                "resourceType must be a non-empty string",
                location=f"{prefix}.resourceType",
                resource_type=container_type,
            ) from None
        return Skipped(resource_type=kind, id=header.id if isinstance(header.id, str) else None)


def _from_validation(
    exc: msgspec.ValidationError, raw: bytes | memoryview, prefix: str, *, expected_type: str | None
) -> FhirUnreadable:
    """Translate a failure of the top-level decode; looks at the resourceType to say what went wrong."""
    message, path = _split(str(exc))
    if path is None and message.startswith("Expected `object`"):
        return NotAnObject("body is not a JSON object") if is_well_formed_json(raw) else InvalidJson(NOT_JSON)
    try:
        header = _header_decoder().decode(raw)
    except msgspec.DecodeError:
        return InvalidJson(NOT_JSON)
    except RecursionError:
        return InvalidJson("JSON is nested too deeply")
    kind = header.resourceType
    known = kind if isinstance(kind, str) and is_r4_resource_type(kind) else None
    if path == "$.resourceType" or message.endswith("field `resourceType`"):
        if kind is None:
            return MissingResourceType("resourceType is missing", location="$.resourceType")
        if not isinstance(kind, str):
            return InvalidElement("resourceType must be a string", location="$.resourceType")
        if known is None:
            return UnknownResourceType(
                "resourceType is not a FHIR R4 resource type", location="$.resourceType"
            )
        if expected_type is not None and known != expected_type:
            return ResourceTypeMismatch(
                f"resourceType {known} does not match the type {expected_type} in the URL",
                location="$.resourceType",
                resource_type=known,
            )
        return UnsupportedResourceType(
            f"resource type {known} is not supported", location="$.resourceType", resource_type=known
        )
    return _translate(message, _join(prefix, path), known)


def is_well_formed_json(raw: bytes | memoryview) -> bool:
    """Whether the whole body is well-formed JSON (only asked on the error path)."""
    try:
        msgspec.json.decode(raw, type=msgspec.Raw)
    except (msgspec.DecodeError, RecursionError):
        return False
    return True


_AT = " - at `"
_EXPECTED = re.compile(r"Expected `[\w |]+`(?:, got `\w+`)?")
_MISSING = re.compile(r"Object missing required field `(\w+)`")


def _split(text: str) -> tuple[str, str | None]:
    """msgspec's "message - at `$.path`" into (message, path)."""
    head, sep, tail = text.rpartition(_AT)
    if not sep or not tail.endswith("`"):
        return text, None
    return head, tail[:-1]


def _join(prefix: str, path: str | None) -> str | None:
    if path is None:
        return None if prefix == "$" else prefix
    return prefix + path[1:]


def _translate(message: str, path: str | None, resource_type: str | None) -> FhirUnreadable:
    """A PHI-free error from msgspec's message: type descriptions and field names are kept, values never."""
    missing = _MISSING.fullmatch(message)
    if missing is not None:
        location = f"{path or '$'}.{missing.group(1)}"
        return MissingElement(
            f"required member {missing.group(1)} is missing", location=location, resource_type=resource_type
        )
    if _EXPECTED.fullmatch(message):
        reason = message.replace("`", "").replace("Expected", "expected", 1)
        return InvalidElement(f"wrong JSON type: {reason}", location=path, resource_type=resource_type)
    if message == "Invalid decimal string":
        return InvalidValue("not a decimal number", location=path, resource_type=resource_type)
    return InvalidValue("invalid value", location=path, resource_type=resource_type)
