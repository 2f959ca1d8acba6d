"""OperationOutcome (http://hl7.org/fhir/R4/operationoutcome.html) built from our errors.

The HTTP layer returns it with a 4xx status. Each issue has severity (``fatal`` when the body could not
be read at all, else ``error``), a code from the IssueType value set (structure, required, value,
invalid, not-supported, processing), PHI-free ``diagnostics``, and, when the error has a JSON path,
``expression`` in FHIRPath form (``Claim.item[0].net.value``; ``Bundle.entry[3].resource...``).
"""

from __future__ import annotations

from typing import Any

from revcycle.adapters.formats.base import FormatError, MappingError, UnreadableMessage
from revcycle.adapters.formats.fhir.errors import InvalidJson, Issue, NotAnObject

_FATAL = (InvalidJson, NotAnObject)


def operation_outcome(error: FormatError) -> dict[str, Any]:
    """An OperationOutcome resource (as a JSON-ready dict) describing ``error``."""
    issues: tuple[Issue, ...] | None = getattr(error, "issues", None)
    if not issues:
        issues = (Issue(_fallback_code(error), error.reason, error.location),)
    severity = "fatal" if isinstance(error, _FATAL) else "error"
    root: str | None = getattr(error, "resource_type", None)
    return {
        "resourceType": "OperationOutcome",
        "issue": [_issue(issue, severity, root) for issue in issues],
    }


def fhirpath(json_path: str, resource_type: str | None) -> str:
    """``$.item[0].net.value`` -> ``Claim.item[0].net.value`` (or ``item[0].net.value`` when the type
    is unknown; ``$`` alone -> the type, or ``$``)."""
    rest = json_path[1:] if json_path.startswith("$") else json_path
    if resource_type:
        return resource_type + rest
    return rest.lstrip(".") or "$"


def _issue(issue: Issue, severity: str, root: str | None) -> dict[str, Any]:
    diagnostics = issue.diagnostics if issue.path is None else f"{issue.diagnostics} (at {issue.path})"
    out: dict[str, Any] = {"severity": severity, "code": issue.code, "diagnostics": diagnostics}
    if issue.path is not None:
        out["expression"] = [fhirpath(issue.path, root)]
    return out


def _fallback_code(error: FormatError) -> str:
    if isinstance(error, UnreadableMessage):
        return "structure"
    if isinstance(error, MappingError):
        return "processing"
    return "exception"
