"""Malformed and unusual input: each failure is one of our errors, with a JSON path and no value in it."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from revcycle.adapters.formats import fhir
from revcycle.adapters.formats.base import FormatError, UnreadableMessage
from revcycle.adapters.formats.fhir import errors
from revcycle.adapters.formats.fhir.bundle import Bundle, Skipped
from revcycle.adapters.formats.fhir.claims import Claim
from revcycle.adapters.formats.fhir.financial import Coverage

SECRET = "Jane-Q-Secret-1234"  # stands for PHI: it must never appear in an error


def _body(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _claim(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "resourceType": "Claim",
        "id": "c1",
        "status": "active",
        "patient": {"reference": "Patient/p1"},
        "item": [{"sequence": 1, "net": {"value": 10.5, "currency": "USD"}}],
    }
    doc.update(changes)
    return doc


def _fails(raw: bytes, error_type: type[FormatError], *, expected_type: str | None = None) -> FormatError:
    with pytest.raises(error_type) as caught:
        fhir.parse(raw, expected_type=expected_type)
    err = caught.value
    assert isinstance(err, UnreadableMessage)
    assert SECRET not in str(err) and SECRET not in err.reason
    return err


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"not json", b'{"resourceType": "Claim",}', b"\xff\xfe{}", b'{"a": NaN}', b"[" * 5000],
)
def test_not_json(raw: bytes) -> None:
    _fails(raw, errors.InvalidJson)


def test_nesting_too_deep_is_invalid_json() -> None:
    raw = b'{"resourceType": "Claim", "item": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    err = _fails(raw, errors.InvalidJson)
    assert "deep" in err.reason or "not valid JSON" in err.reason


@pytest.mark.parametrize("raw", [b"[]", b"1", b'"Claim"', b"null", b"true"])
def test_not_an_object(raw: bytes) -> None:
    err = _fails(raw, errors.NotAnObject)
    assert err.reason == "body is not a JSON object"
    with pytest.raises(errors.NotAnObject):
        fhir.identify(raw)


def test_missing_resource_type() -> None:
    err = _fails(_body({"id": "x", "status": SECRET}), errors.MissingResourceType)
    assert err.location == "$.resourceType"
    with pytest.raises(errors.MissingResourceType):
        fhir.identify(_body({"id": "x"}))


@pytest.mark.parametrize("value", [5, None, ["Claim"], {"x": 1}])
def test_resource_type_of_the_wrong_json_type(value: Any) -> None:
    doc: dict[str, Any] = {"resourceType": value} if value is not None else {"resourceType": None}
    expected = errors.MissingResourceType if value is None else errors.InvalidElement
    _fails(_body(doc), expected)


def test_unknown_resource_type_does_not_echo_it() -> None:
    err = _fails(_body({"resourceType": SECRET}), errors.UnknownResourceType)
    assert err.reason == "resourceType is not a FHIR R4 resource type"
    with pytest.raises(errors.UnknownResourceType):
        fhir.identify(_body({"resourceType": SECRET}))


def test_unsupported_resource_type_names_the_type() -> None:
    err = _fails(_body({"resourceType": "Observation", "status": "final"}), errors.UnsupportedResourceType)
    assert err.reason == "resource type Observation is not supported"


def test_resource_type_must_match_the_url() -> None:
    err = _fails(_body(_claim()), errors.ResourceTypeMismatch, expected_type="Patient")
    assert err.reason == "resourceType Claim does not match the type Patient in the URL"
    assert err.location == "$.resourceType"
    _fails(_body({"resourceType": "Invoice"}), errors.ResourceTypeMismatch, expected_type="Claim")
    with pytest.raises(errors.ResourceTypeMismatch):
        fhir.identify(_body(_claim()), expected_type="Coverage")
    assert isinstance(fhir.parse(_body(_claim()), expected_type="Claim"), Claim)
    assert fhir.identify(_body(_claim()), expected_type="Claim").message_type == "Claim"


@pytest.mark.parametrize(
    ("doc", "path", "error_type"),
    [
        (
            _claim(item=[{"sequence": 1, "net": {"value": SECRET}}]),
            "$.item[0].net.value",
            errors.InvalidValue,
        ),
        (
            _claim(item=[{"sequence": 1, "net": {"value": True}}]),
            "$.item[0].net.value",
            errors.InvalidElement,
        ),
        (_claim(item=[{"sequence": SECRET}]), "$.item[0].sequence", errors.InvalidElement),
        (_claim(item=[{"sequence": 1.5}]), "$.item[0].sequence", errors.InvalidElement),
        (_claim(item={"sequence": 1}), "$.item", errors.InvalidElement),
        (_claim(status=7), "$.status", errors.InvalidElement),
        (_claim(patient=SECRET), "$.patient", errors.InvalidElement),
        (_claim(total={"value": 1, "currency": 5}), "$.total.currency", errors.InvalidElement),
        (_claim(insurance=[{"focal": "yes"}]), "$.insurance[0].focal", errors.InvalidElement),
        (_claim(id=12), "$.id", errors.InvalidElement),
        (_claim(meta={"versionId": 3}), "$.meta.versionId", errors.InvalidElement),
        (
            _claim(item=[{"detail": [{"subDetail": [{"net": {"value": "x"}}]}]}]),
            "$.item[0].detail[0].subDetail[0].net.value",
            errors.InvalidValue,
        ),
    ],
)
def test_wrong_element_types_report_the_path_not_the_value(
    doc: dict[str, Any], path: str, error_type: type[FormatError]
) -> None:
    err = _fails(_body(doc), error_type)
    assert err.location == path
    assert getattr(err, "resource_type", None) == "Claim"


def test_decimal_string_accepted_and_exact() -> None:
    claim = fhir.parse(_body(_claim(total={"value": "12.50", "currency": "USD"})))
    assert isinstance(claim, Claim) and claim.total is not None and str(claim.total.value) == "12.50"


def test_numbers_are_decoded_as_decimal_from_their_text() -> None:
    raw = b'{"resourceType":"Claim","total":{"value":0.1000000000000000055511151231257827},"item":[]}'
    claim = fhir.parse(raw)
    assert isinstance(claim, Claim) and claim.total is not None
    assert claim.total.value == Decimal("0.1000000000000000055511151231257827")


def test_unknown_elements_are_ignored() -> None:
    doc = _claim(futureElement={"deep": [1, 2, {"x": SECRET}]}, extension=[{"url": "u", "valueString": "v"}])
    doc["item"][0]["newThing"] = 5
    claim = fhir.parse(_body(doc))
    assert isinstance(claim, Claim) and claim.item[0].sequence == 1


@pytest.mark.parametrize(
    "value", ["2020", "2020-01", "2020-01-02", "2020-01-02T03:04:05.678+05:30", "garbage"]
)
def test_dates_are_kept_as_sent(value: str) -> None:
    claim = fhir.parse(_body(_claim(created=value, billablePeriod={"start": value})))
    assert isinstance(claim, Claim) and claim.created == value
    assert claim.billable_period is not None and claim.billable_period.start == value


def _bundle(kind: Any = "batch", entries: list[Any] | None = None, **extra: Any) -> bytes:
    doc: dict[str, Any] = {"resourceType": "Bundle", "entry": entries if entries is not None else []}
    if kind is not None:
        doc["type"] = kind
    doc.update(extra)
    return _body(doc)


@pytest.mark.parametrize("kind", ["batch", "transaction", "collection", "searchset"])
def test_accepted_bundle_types(kind: str) -> None:
    bundle = fhir.parse(_bundle(kind, [{"resource": _claim()}]))
    assert isinstance(bundle, Bundle) and bundle.type == kind
    assert fhir.identify(_bundle(kind)).message_type == f"Bundle_{kind}"


@pytest.mark.parametrize("kind", ["document", "message", "history", "transaction-response", "batch-response"])
def test_other_bundle_types_are_not_supported(kind: str) -> None:
    err = _fails(_bundle(kind), errors.UnsupportedBundleType)
    assert err.location == "$.type" and kind in err.reason
    with pytest.raises(errors.UnsupportedBundleType):
        fhir.identify(_bundle(kind))


def test_bundle_type_missing_or_unknown() -> None:
    _fails(_bundle(None), errors.MissingElement)
    with pytest.raises(errors.MissingElement):
        fhir.identify(_bundle(None))
    err = _fails(_bundle(SECRET), errors.UnsupportedBundleType)
    assert "not a bundle-type code" in err.reason
    _fails(_bundle(3), errors.InvalidElement)
    with pytest.raises(errors.InvalidElement):
        fhir.identify(_bundle(3))


def test_bundle_entries_of_other_types_are_skipped_not_errors() -> None:
    entries = [
        {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Observation", "id": "o1", "value": SECRET}},
        {"resource": {"resourceType": "NotAFhirType", "id": 5}},
        {"resource": {"resourceType": "Bundle", "type": "document"}},
        {"request": {"method": "DELETE", "url": "Patient/9"}},
        {"resource": None},
        {"resource": _claim()},
    ]
    bundle = fhir.parse(_bundle("transaction", entries))
    assert isinstance(bundle, Bundle)
    kinds = [e.resource for e in bundle.entries]
    assert kinds[0] == Skipped(resource_type="Observation", id="o1")
    assert kinds[1] == Skipped(resource_type="NotAFhirType", id=None)
    assert kinds[2] == Skipped(resource_type="Bundle", id=None)
    assert kinds[3] is None and bundle.entries[3].request is not None
    assert bundle.entries[3].request.method == "DELETE"
    assert kinds[4] is None
    assert isinstance(kinds[5], Claim)
    assert bundle.type_counts() == {"Observation": 1, "NotAFhirType": 1, "Bundle": 1, "Claim": 1}
    assert [e.index for e in bundle.entries] == list(range(6))


@pytest.mark.parametrize(
    ("entry", "error_type", "path"),
    [
        ({"resource": [1, 2]}, errors.NotAnObject, "$.entry[1].resource"),
        ({"resource": "Claim"}, errors.NotAnObject, "$.entry[1].resource"),
        ({"resource": {"id": SECRET}}, errors.MissingResourceType, "$.entry[1].resource.resourceType"),
        ({"resource": {"resourceType": 7}}, errors.InvalidElement, "$.entry[1].resource.resourceType"),
        ({"resource": {"resourceType": ""}}, errors.InvalidElement, "$.entry[1].resource.resourceType"),
        (
            {"resource": _claim(item=[{"net": {"value": SECRET}}])},
            errors.InvalidValue,
            "$.entry[1].resource.item[0].net.value",
        ),
        ({"fullUrl": 5, "resource": _claim()}, errors.InvalidElement, "$.entry[1].fullUrl"),
    ],
)
def test_bad_bundle_entries(entry: dict[str, Any], error_type: type[FormatError], path: str) -> None:
    err = _fails(_bundle("batch", [{"resource": _claim()}, entry]), error_type)
    assert err.location == path


def test_contained_resources_decode_on_demand() -> None:
    from revcycle.adapters.formats.fhir.decode import contained, resolve_contained

    doc = _claim(
        contained=[
            {"resourceType": "Coverage", "id": "cov", "payor": [{"display": "ACME"}]},
            {"resourceType": "ServiceRequest", "id": "sr"},
        ],
        insurance=[{"sequence": 1, "focal": True, "coverage": {"reference": "#cov"}}],
    )
    claim = fhir.parse(_body(doc))
    assert isinstance(claim, Claim)
    found = resolve_contained(claim, "#cov")
    assert isinstance(found, Coverage) and found.payor[0].display == "ACME"
    assert resolve_contained(claim, "#sr") == Skipped(resource_type="ServiceRequest", id="sr")
    assert resolve_contained(claim, "#nothing") is None and resolve_contained(claim, "Coverage/cov") is None
    bad = fhir.parse(_body(_claim(contained=[{"resourceType": "Coverage", "order": "x"}])))
    assert isinstance(bad, Claim)
    with pytest.raises(errors.InvalidElement) as caught:
        contained(bad)
    assert caught.value.location == "$.contained[0].order"


def test_identify_control_id_with_version() -> None:
    envelope = fhir.identify(_body(_claim(meta={"versionId": "7", "lastUpdated": "2024-01-01"})))
    assert envelope.control_id == "c1/_history/7"
    assert envelope.partition_key == "Patient/p1"
    assert fhir.identify(_body(_claim(id=None))).control_id is None
    with pytest.raises(errors.InvalidElement):
        fhir.identify(_body(_claim(meta={"versionId": 7})))
    with pytest.raises(errors.InvalidElement):
        fhir.identify(_body(_claim(meta=[1])))


def test_identify_is_lenient_about_the_body_beyond_the_header() -> None:
    # parse rejects this (item must be an array) but identify only reads the header
    raw = _body(_claim(item="nonsense", patient={"reference": 5}))
    envelope = fhir.identify(raw)
    assert envelope.message_type == "Claim" and envelope.partition_key is None
    with pytest.raises(errors.InvalidElement):
        fhir.parse(raw)


def test_identify_bundle_partition_key() -> None:
    patient = {"resourceType": "Patient", "id": "p9"}
    assert fhir.identify(_bundle("batch", [{"resource": patient}])).partition_key == "Patient/p9"
    two = [{"resource": patient}, {"resource": {"resourceType": "Patient", "id": "p8"}}]
    assert fhir.identify(_bundle("batch", two)).partition_key is None
    odd = [{"resource": [1]}, {"resource": patient}]
    assert fhir.identify(_bundle("batch", odd)).partition_key is None
    assert fhir.identify(_bundle("batch", None, id="b1")).control_id == "b1"


def test_a_utf8_byte_order_mark_is_ignored() -> None:
    raw = b"\xef\xbb\xbf" + _body(_claim())
    assert isinstance(fhir.parse(raw), Claim)
    assert fhir.identify(raw).control_id == "c1"
    assert isinstance(fhir.parse(memoryview(raw)), Claim)
    with pytest.raises(errors.InvalidJson):
        fhir.parse(b"\xef\xbb\xbf")
