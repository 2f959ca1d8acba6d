"""OperationOutcome built from our errors, and strict mode (fhir.resources R4B models)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from fhir_cases import ACCEPTED, BUNDLE_COUNTS

from revcycle.adapters.formats import fhir
from revcycle.adapters.formats.base import FormatError, MappingError, UnreadableMessage
from revcycle.adapters.formats.fhir import errors, strict
from revcycle.adapters.formats.fhir.outcome import fhirpath, operation_outcome

SECRET = "Jane-Q-Secret-1234"
ISSUE_TYPES = {"structure", "required", "value", "invalid", "not-supported", "processing", "exception"}


def _error(raw: bytes, **kw: Any) -> FormatError:
    with pytest.raises(FormatError) as caught:
        fhir.parse(raw, **kw)
    return caught.value


@pytest.mark.parametrize(
    ("raw", "kw", "severity", "code", "expression"),
    [
        (b"{oops", {}, "fatal", "structure", None),
        (b"[]", {}, "fatal", "structure", None),
        (b'{"id": "1"}', {}, "error", "required", ["resourceType"]),
        (b'{"resourceType": "Zzz"}', {}, "error", "value", ["resourceType"]),
        (b'{"resourceType": "Invoice"}', {}, "error", "not-supported", ["Invoice.resourceType"]),
        (
            b'{"resourceType": "Claim"}',
            {"expected_type": "Patient"},
            "error",
            "invalid",
            ["Claim.resourceType"],
        ),
        (b'{"resourceType": "Bundle", "type": "document"}', {}, "error", "not-supported", ["Bundle.type"]),
        (b'{"resourceType": "Bundle"}', {}, "error", "required", ["Bundle.type"]),
        (
            b'{"resourceType": "Claim", "item": [{"net": {"value": "x"}}]}',
            {},
            "error",
            "value",
            ["Claim.item[0].net.value"],
        ),
        (b'{"resourceType": "Claim", "item": [{"sequence": "x"}]}', {}, "error", "structure", None),
        (
            b'{"resourceType": "Bundle", "type": "batch", "entry": [{"resource": {"resourceType": "Claim",'
            b' "total": {"value": []}}}]}',
            {},
            "error",
            "structure",
            ["Bundle.entry[0].resource.total.value"],
        ),
    ],
)
def test_operation_outcome_from_parse_errors(
    raw: bytes, kw: dict[str, Any], severity: str, code: str, expression: list[str] | None
) -> None:
    outcome = operation_outcome(_error(raw, **kw))
    assert outcome["resourceType"] == "OperationOutcome"
    [issue] = outcome["issue"]
    assert issue["severity"] == severity
    assert issue["code"] == code
    assert isinstance(issue["diagnostics"], str) and issue["diagnostics"]
    if expression is not None:
        assert issue["expression"] == expression
    json.dumps(outcome)  # JSON-ready


def test_outcome_for_other_format_errors() -> None:
    assert operation_outcome(UnreadableMessage("bad"))["issue"][0]["code"] == "structure"
    mapped = operation_outcome(errors.FhirMappingError("Claim.patient is required", location="$.patient"))
    assert mapped["issue"][0] == {
        "severity": "error",
        "code": "processing",
        "diagnostics": "Claim.patient is required (at $.patient)",
        "expression": ["patient"],
    }
    assert operation_outcome(MappingError("x"))["issue"][0]["code"] == "processing"
    assert operation_outcome(FormatError("x"))["issue"][0]["code"] == "exception"


def test_fhirpath() -> None:
    assert fhirpath("$.item[0].net.value", "Claim") == "Claim.item[0].net.value"
    assert fhirpath("$.item[0]", None) == "item[0]"
    assert fhirpath("$", "Claim") == "Claim"
    assert fhirpath("$", None) == "$"


def test_outcome_never_contains_the_value() -> None:
    doc = {"resourceType": "Claim", "patient": {"reference": 5}, "item": [{"net": {"value": SECRET}}]}
    outcome = operation_outcome(_error(json.dumps(doc).encode()))
    assert SECRET not in json.dumps(outcome)


# --- strict mode -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", sorted([n for n in ACCEPTED if n.startswith("r4example__")] + list(BUNDLE_COUNTS)[:3])
)
def test_strict_accepts_the_official_examples_and_synthea(shared_data: Path, name: str) -> None:
    strict.validate((shared_data / "fhir" / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "paths"),
    [
        ("bfd__claimMcsRead.json", ["$.meta.lastUpdated", "$.created", "$.insurance"]),
        ("bfd__claimResponseMcsRead.json", ["$.meta.lastUpdated", "$.created"]),
        ("bfd__coverageRead.json", ["$.meta.lastUpdated"]),
        ("bfd__eobReadCarrier.json", ["$.meta.lastUpdated", "$.created"]),
        ("bfd__patientRead.json", ["$.meta.lastUpdated"]),
    ],
)
def test_strict_rejects_blue_button_placeholders(shared_data: Path, name: str, paths: list[str]) -> None:
    raw = (shared_data / "fhir" / name).read_bytes()
    with pytest.raises(errors.StrictValidationFailed) as caught:
        strict.validate(raw)
    assert [i.path for i in caught.value.issues] == paths
    assert "IGNORED_FIELD" not in str(caught.value)
    outcome = operation_outcome(caught.value)
    assert {i["code"] for i in outcome["issue"]} <= ISSUE_TYPES
    assert "IGNORED_FIELD" not in json.dumps(outcome)
    fhir.parse(raw)  # the fast path accepts it as it is


def test_strict_reports_bundle_entry_paths_without_values() -> None:
    bad_claim = {
        "resourceType": "Claim",
        "status": "active",
        "created": SECRET,
        "item": [{"sequence": SECRET}],
        "secretElement": SECRET,
    }
    doc = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": {"resourceType": "Observation", "status": SECRET}},  # not ours: not validated
            {"resource": bad_claim},
        ],
    }
    with pytest.raises(errors.StrictValidationFailed) as caught:
        strict.validate(json.dumps(doc).encode())
    issues = {i.path: (i.code, i.diagnostics) for i in caught.value.issues}
    assert issues["$.entry[1].resource.created"][0] == "value"
    assert issues["$.entry[1].resource.item[0].sequence"][0] == "structure"
    assert issues["$.entry[1].resource.secretElement"][0] == "structure"
    assert "$.entry[1].resource.type" in issues  # Claim.type is 1..1
    assert SECRET not in repr(caught.value.issues) and SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "error_type"),
    [
        (b"{", errors.InvalidJson),
        (b"[1]", errors.NotAnObject),
        (b'{"id": "x"}', errors.MissingResourceType),
        (b'{"resourceType": "Invoice"}', errors.UnsupportedResourceType),
    ],
)
def test_strict_structural_errors(raw: bytes, error_type: type[FormatError]) -> None:
    with pytest.raises(error_type):
        strict.validate(raw)


def test_strict_mode_without_fhir_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    strict._validator_lookup.cache_clear()
    monkeypatch.setitem(sys.modules, "fhir.resources.R4B", None)
    try:
        with pytest.raises(errors.StrictModeUnavailable):
            strict.validate(b'{"resourceType": "Claim"}')
    finally:
        strict._validator_lookup.cache_clear()


def test_json_path_of_odd_locations() -> None:
    assert strict.json_path(("item", 0, "net", "value")) == "$.item[0].net.value"
    assert (
        strict.json_path(("function-after[x]", "a b", 3), "$.entry[1].resource")
        == "$.entry[1].resource.?.?[3]"
    )
