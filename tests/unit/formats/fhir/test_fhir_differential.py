"""Differential test: our msgspec decoding vs fhir.resources (R4B models) over the shared samples.

For every element we decode (walked generically over our structs), the value must equal fhir.resources'
value for the same element: strings, booleans, integers, Decimals (numerically: fhir.resources goes
through float and drops trailing zeros, ``125.00`` -> ``125.0``; we keep the text's digits), dates
(we keep the string, they parse it: compared after parsing ours), nested elements and repetitions.

Files fhir.resources rejects, and what we do instead (asserted below):

* the 9 CMS Blue Button (``bfd__*``) files: ``meta.lastUpdated`` and ``created`` hold the test
  placeholder "IGNORED_FIELD", not an instant/dateTime; ``bfd__claimMcsRead.json`` also lacks
  ``Claim.insurance`` (1..* in R4). We accept them as they are (dates are kept as strings; cardinality
  is the mapping's business), so Blue Button data can be ingested; strict mode reports them.
"""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pydantic
import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir_cases import ACCEPTED, BUNDLE_COUNTS

from revcycle.adapters.formats import fhir
from revcycle.adapters.formats.fhir.bundle import Bundle, BundleWire, FhirResource, Skipped
from revcycle.adapters.formats.fhir.resource_types import SUPPORTED_RESOURCE_TYPES

REJECTED_BY_FHIR_RESOURCES = {
    "bfd__claimMcsRead.json": {("meta", "lastUpdated"), ("created",), ("insurance",)},
    "bfd__claimResponseMcsRead.json": {("meta", "lastUpdated"), ("created",)},
    "bfd__coverageRead.json": {("meta", "lastUpdated")},
    "bfd__eobReadCarrier.json": {("meta", "lastUpdated"), ("created",)},
    "bfd__eobReadDme.json": {("meta", "lastUpdated"), ("created",)},
    "bfd__eobReadInpatient.json": {("meta", "lastUpdated"), ("created",)},
    "bfd__eobReadOutpatient.json": {("meta", "lastUpdated"), ("created",)},
    "bfd__eobReadPde.json": {("meta", "lastUpdated"), ("created",)},
    "bfd__patientRead.json": {("meta", "lastUpdated")},
}

_THEIR_NAME = {"class": "class_fhir"}


def _theirs(raw: bytes) -> Any:
    kind = msgspec.json.decode(raw)["resourceType"]
    return get_fhir_model_class(kind).model_validate_json(raw)


def _same_scalar(ours: Any, theirs: Any, path: str) -> None:
    if isinstance(ours, Decimal):
        assert isinstance(theirs, Decimal), path
        assert ours == theirs, path
    elif isinstance(ours, str) and isinstance(theirs, dt.datetime):
        assert dt.datetime.fromisoformat(ours) == theirs, path
    elif isinstance(ours, str) and isinstance(theirs, dt.date):
        assert dt.date.fromisoformat(ours) == theirs, path
    elif isinstance(ours, str) and isinstance(theirs, dt.time):
        assert dt.time.fromisoformat(ours) == theirs, path
    else:
        assert ours == theirs, path


def compare(ours: Any, theirs: Any, path: str = "$") -> int:
    """Assert equality of every element we decode; returns how many leaf values were compared."""
    if isinstance(ours, msgspec.Struct):
        assert theirs is not None, path
        count = 0
        for field in msgspec.structs.fields(ours):
            if field.name == "contained":
                continue  # kept raw; see test_contained_resources_agree
            name = field.encode_name
            count += compare(
                getattr(ours, field.name), getattr(theirs, _THEIR_NAME.get(name, name)), f"{path}.{name}"
            )
        return count
    if isinstance(ours, tuple):
        theirs = theirs or []
        assert len(ours) == len(theirs), path
        return sum(compare(o, t, f"{path}[{i}]") for i, (o, t) in enumerate(zip(ours, theirs, strict=True)))
    if ours is None:
        assert theirs is None, path
        return 0
    _same_scalar(ours, theirs, path)
    return 1


@pytest.mark.parametrize("name", sorted(n for n in ACCEPTED if n not in REJECTED_BY_FHIR_RESOURCES))
def test_resources_agree_with_fhir_resources(shared_data: Path, name: str) -> None:
    raw = (shared_data / "fhir" / name).read_bytes()
    ours = fhir.parse(raw)
    assert compare(ours, _theirs(raw)) >= 3


@pytest.mark.parametrize("name", sorted(BUNDLE_COUNTS))
def test_bundles_agree_with_fhir_resources(shared_data: Path, name: str) -> None:
    raw = (shared_data / "fhir" / name).read_bytes()
    ours = fhir.parse(raw)
    theirs = _theirs(raw)
    assert isinstance(ours, Bundle)
    assert ours.type == theirs.type and len(ours.entries) == len(theirs.entry)
    compared = 0
    for mine, their in zip(ours.entries, theirs.entry, strict=True):
        assert mine.full_url == their.fullUrl
        assert mine.request is not None and mine.request.method == their.request.method
        assert mine.request.url == their.request.url
        kind = their.resource.get_resource_type()
        if isinstance(mine.resource, Skipped):
            assert (mine.resource.resource_type, mine.resource.id) == (kind, their.resource.id)
        else:
            assert mine.resource is not None and mine.resource.resource_type == kind
            compared += compare(mine.resource, their.resource, f"$.entry[{mine.index}].resource")
    assert compared > 100


def test_contained_resources_agree(shared_data: Path) -> None:
    from revcycle.adapters.formats.fhir.decode import contained

    raw = (shared_data / "fhir" / "r4example__Claim-100152.json").read_bytes()
    ours = fhir.parse(raw)
    theirs = _theirs(raw)
    assert not isinstance(ours, Bundle)
    mine = contained(ours)
    assert len(mine) == len(theirs.contained) > 0
    for found, their in zip(mine, theirs.contained, strict=True):
        if isinstance(found, Skipped):
            assert found.resource_type == their.get_resource_type()
        else:
            compare(found, their)


@pytest.mark.parametrize("name", sorted(REJECTED_BY_FHIR_RESOURCES))
def test_files_fhir_resources_rejects_are_accepted_by_us(shared_data: Path, name: str) -> None:
    raw = (shared_data / "fhir" / name).read_bytes()
    with pytest.raises(pydantic.ValidationError) as caught:
        _theirs(raw)
    assert {tuple(e["loc"]) for e in caught.value.errors()} == REJECTED_BY_FHIR_RESOURCES[name]
    ours = fhir.parse(raw)
    assert ours.resource_type == ACCEPTED[name][0]


def test_decimal_representation_differs_only_in_trailing_zeros(shared_data: Path) -> None:
    raw = (shared_data / "fhir" / "r4example__Claim-960150.json").read_bytes()
    ours = fhir.parse(raw)
    theirs = _theirs(raw)
    assert not isinstance(ours, Bundle) and getattr(ours, "total", None) is not None
    assert str(ours.total.value) == "125.00" and str(theirs.total.value) == "125.0"  # type: ignore[union-attr]


# --- schema: every element we declare exists, with the same name, in the R4B model ------------------


def _struct_types(annotation: Any) -> list[type[msgspec.Struct]]:
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return [annotation]
    return [t for arg in typing.get_args(annotation) for t in _struct_types(arg)]


def _their_model(annotation: Any) -> Any:
    if hasattr(annotation, "get_model_klass"):
        return annotation.get_model_klass()
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _their_model(arg)
        if found is not None:
            return found
    return None


def _check_schema(ours: type[msgspec.Struct], theirs: Any, seen: set[type], path: str) -> int:
    if ours in seen:
        return 0
    seen.add(ours)
    checked = 0
    for field in msgspec.structs.fields(ours):
        if field.type is msgspec.Raw:
            continue
        name = _THEIR_NAME.get(field.encode_name, field.encode_name)
        assert name in theirs.model_fields, (
            f"{path}.{field.encode_name} is not an element of {theirs.__name__}"
        )
        checked += 1
        for nested in _struct_types(field.type):
            model = _their_model(theirs.model_fields[name].annotation)
            assert model is not None, f"{path}.{field.encode_name}"
            checked += _check_schema(nested, model, seen, f"{path}.{field.encode_name}")
    return checked


@pytest.mark.parametrize("kind", [*SUPPORTED_RESOURCE_TYPES, "Bundle"])
def test_declared_elements_exist_in_fhir_resources_models(kind: str) -> None:
    ours = BundleWire if kind == "Bundle" else _OUR_CLASSES[kind]
    assert _check_schema(ours, get_fhir_model_class(kind), set(), kind) > 5


_OUR_CLASSES: dict[str, type[msgspec.Struct]] = {cls.__name__: cls for cls in typing.get_args(FhirResource)}
