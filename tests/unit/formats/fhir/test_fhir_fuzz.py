"""Fuzzing decode, identify, to_commands and strict mode: arbitrary bytes and mutated sample JSON only
ever raise our own ``FormatError`` subclasses, never echo an injected value, and identify accepts what
parse does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revcycle.adapters.formats import fhir
from revcycle.adapters.formats.base import FormatError
from revcycle.adapters.formats.fhir import strict
from revcycle.adapters.formats.fhir.bundle import Bundle

MARKER = "ZQXPHI"
SAMPLES = [
    "r4example__Claim-960150.json",
    "r4example__ExplanationOfBenefit-EB3500.json",
    "r4example__ClaimResponse-R3500.json",
    "r4example__PaymentReconciliation-ER2500.json",
    "r4example__Coverage-9876B1.json",
    "r4example__ChargeItem-example.json",
    "r4example__Encounter-f001.json",
    "r4example__Appointment-example.json",
    "r4example__Account-example.json",
    "r4example__Patient-example.json",
    "bfd__claimMcsRead.json",
    "bfd__eobReadCarrier.json",
]
FUZZ = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> list[Any]:
    docs = [json.loads((shared_data / "fhir" / name).read_bytes()) for name in SAMPLES]
    synthea = json.loads(
        (
            shared_data / "fhir" / "synthea__Luigi_Wiegand_e27d88b0-c5e5-4042-ad49-184f6a900ee3.json"
        ).read_bytes()
    )
    synthea["entry"] = synthea["entry"][:12]
    return [*docs, synthea]


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12).map(lambda s: MARKER + s),
    st.sampled_from(["Claim", "Bundle", "Patient", "Observation", "batch", "document", "NaN", "2020", ""]),
)
_json = st.recursive(
    _scalars,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.dictionaries(st.sampled_from(["a", "value", "resourceType"]), kids, max_size=3),
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _paths(v, (*prefix, i))
    return found


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, head: _replace(node[head], rest, value)}
    copy = list(node)
    copy[head] = _replace(node[head], rest, value)
    return copy


def _delete(node: Any, path: tuple[Any, ...]) -> Any:
    if len(path) == 1:
        if isinstance(node, dict):
            return {k: v for k, v in node.items() if k != path[0]}
        return [v for i, v in enumerate(node) if i != path[0]]
    head = path[0]
    if isinstance(node, dict):
        return {**node, head: _delete(node[head], path[1:])}
    copy = list(node)
    copy[head] = _delete(node[head], path[1:])
    return copy


@st.composite
def mutated(draw: st.DrawFn, docs: list[Any]) -> bytes:
    doc = draw(st.sampled_from(docs))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        doc = _delete(doc, path) if path and draw(st.booleans()) else _replace(doc, path, draw(_json))
    raw = json.dumps(doc).encode()
    cut = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=len(raw))))
    return raw if cut is None else raw[:cut]


def _check(raw: bytes) -> None:
    try:
        parsed = fhir.parse(raw)
    except FormatError as err:
        assert MARKER not in str(err)
        parsed = None
    try:
        envelope = fhir.identify(raw)
    except FormatError as err:
        assert MARKER not in str(err)
        assert parsed is None, "identify rejected what parse accepted"
        return
    if parsed is not None:
        expected = f"Bundle_{parsed.type}" if isinstance(parsed, Bundle) else parsed.resource_type
        assert envelope.message_type == expected
        try:
            fhir.to_commands(parsed, envelope)
        except FormatError as err:
            assert MARKER not in str(err)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes(raw: bytes) -> None:
    _check(raw)


@FUZZ
@given(raw=st.one_of(_json.map(lambda v: json.dumps(v).encode()), st.text(max_size=60).map(str.encode)))
def test_arbitrary_json_values(raw: bytes) -> None:
    _check(raw)


@FUZZ
@given(data=st.data())
def test_mutated_samples(samples: list[Any], data: st.DataObject) -> None:
    _check(data.draw(mutated(samples)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_samples_in_strict_mode(samples: list[Any], data: st.DataObject) -> None:
    raw = data.draw(mutated(samples))
    try:
        strict.validate(raw)
    except FormatError as err:
        assert MARKER not in str(err)
        assert all(MARKER not in (i.path or "") + i.diagnostics for i in getattr(err, "issues", ()))
