"""Strict mode: validate with fhir.resources' R4B models (pydantic), off the hot path.

A setting enables it; the fast msgspec decode stays the parser. ``validate(raw)`` checks a resource,
or for a Bundle the Bundle itself (its entries without their resources) and then each entry resource of
a type we import (``SUPPORTED_RESOURCE_TYPES``), each with its own model so that one odd entry of a type
we skip (an Observation) does not reject the Bundle. All problems are collected into one
``StrictValidationFailed`` whose ``issues`` carry the JSON path (``$.entry[2].resource.created``), the
pydantic error type and an IssueType code; pydantic's messages and inputs are never used (they can
quote the value).

fhir.resources is imported on first use only; without it, ``StrictModeUnavailable`` is raised.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from revcycle.adapters.formats.fhir.decode import NOT_JSON, without_bom
from revcycle.adapters.formats.fhir.errors import (
    InvalidJson,
    Issue,
    MissingResourceType,
    NotAnObject,
    StrictModeUnavailable,
    StrictValidationFailed,
    UnsupportedResourceType,
)
from revcycle.adapters.formats.fhir.resource_types import SUPPORTED_RESOURCE_TYPES

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

_DESCRIPTIONS: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "missing": ("required", "required element is missing"),
        "value_error": ("value", "value does not match its FHIR data type"),
        "extra_forbidden": ("structure", "element is not defined for this resource"),
        "json_invalid": ("structure", "element has the wrong JSON type"),
    }
)
"""pydantic error type -> (IssueType code, PHI-free description). Others: see ``_describe``."""


@functools.cache
def _validator_lookup() -> Callable[[str], Callable[[dict[str, Any]], object]]:
    """fhir.resources' R4B ``get_fhir_model_class``, imported lazily (it is heavy and optional)."""
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError as exc:
        raise StrictModeUnavailable("strict mode needs the fhir.resources package") from exc

    def lookup(resource_type: str) -> Callable[[dict[str, Any]], object]:
        return get_fhir_model_class(resource_type).model_validate

    return lookup


def validate(raw: bytes | memoryview) -> None:
    """Validate a FHIR R4 resource or Bundle with fhir.resources (R4B models); raise on any problem."""
    lookup = _validator_lookup()
    try:
        doc = json.loads(bytes(without_bom(raw)), parse_float=Decimal)
    except (ValueError, RecursionError):
        raise InvalidJson(NOT_JSON) from None
    if not isinstance(doc, dict):
        raise NotAnObject("body is not a JSON object")
    kind = doc.get("resourceType")
    if not isinstance(kind, str):
        raise MissingResourceType("resourceType is missing or not a string", location="$.resourceType")
    if kind == "Bundle":
        issues = _bundle_issues(doc, lookup)
    elif kind in SUPPORTED_RESOURCE_TYPES:
        issues = _issues(lookup(kind), doc, "$")
    else:
        raise UnsupportedResourceType("resource type is not supported", location="$.resourceType")
    if issues:
        raise StrictValidationFailed(
            f"strict FHIR validation found {len(issues)} problem(s)",
            location=issues[0].path,
            resource_type=kind,
            issues=tuple(issues),
        )


def _bundle_issues(
    doc: dict[str, Any], lookup: Callable[[str], Callable[[dict[str, Any]], object]]
) -> list[Issue]:
    entries = doc.get("entry")
    shell = dict(doc)
    if isinstance(entries, list):
        shell["entry"] = [
            {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e for e in entries
        ]
    issues = _issues(lookup("Bundle"), shell, "$")
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") in SUPPORTED_RESOURCE_TYPES:
            issues += _issues(lookup(resource["resourceType"]), resource, f"$.entry[{i}].resource")
    return issues


def _issues(
    model_validate: Callable[[dict[str, Any]], object], doc: dict[str, Any], prefix: str
) -> list[Issue]:
    from pydantic import ValidationError

    try:
        model_validate(doc)
    except ValidationError as exc:
        return [
            _issue(err, prefix)
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
    except (TypeError, ValueError, AttributeError) as exc:
        # fhir.resources' own validators can fail outside pydantic on odd shapes (e.g. a contained
        # resource whose resourceType is null): report it as a structure problem, without the text.
        return [Issue("structure", f"the resource could not be validated ({type(exc).__name__})", prefix)]
    return []


def _issue(err: Any, prefix: str) -> Issue:
    kind = str(err.get("type", "unknown"))
    code, description = _describe(kind)
    path = json_path(err.get("loc", ()), prefix)
    safe_kind = kind if _NAME.fullmatch(kind.replace("-", "_")) else "unknown"
    return Issue(code, f"{description} [{safe_kind}]", path)


def _describe(kind: str) -> tuple[str, str]:
    if kind in _DESCRIPTIONS:
        return _DESCRIPTIONS[kind]
    if kind.endswith(("_type", "_parsing")):
        return "structure", "element has the wrong type"
    return "invalid", "element is invalid"


def json_path(loc: tuple[Any, ...] | list[Any], prefix: str = "$") -> str:
    """A pydantic ``loc`` as a JSON path: names as ``.name``, indices as ``[i]``; any other part
    (validator labels, odd keys that might carry data) becomes ``.?``."""
    parts = [prefix]
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif isinstance(part, str) and _NAME.fullmatch(part):
            parts.append(f".{part}")
        else:
            parts.append(".?")
    return "".join(parts)
