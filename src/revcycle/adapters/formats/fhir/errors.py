"""The FHIR adapter's errors: subclasses of the format layer's hierarchy (``formats.base``).

Every error carries a PHI-free ``reason``, a ``location`` (a JSON path such as
``$.entry[3].resource.item[0].net.value``; never the value found there) and the FHIR IssueType code
(http://hl7.org/fhir/R4/valueset-issue-type.html) that ``outcome.py`` puts into an OperationOutcome.

Structural problems (not JSON, not an object, no usable ``resourceType``, wrong JSON type for an element,
an unsupported resource or Bundle type, a type that disagrees with the URL) are ``UnreadableMessage``:
the edge rejects them at once. ``FhirMappingError`` is raised later, by the mapping to canonical commands.
"""

from __future__ import annotations

from dataclasses import dataclass

from revcycle.adapters.formats.base import MappingError, UnreadableMessage


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem, as an OperationOutcome.issue: IssueType code, PHI-free text, JSON path (or None)."""

    code: str
    diagnostics: str
    path: str | None = None


class FhirUnreadable(UnreadableMessage):
    """Base of the FHIR adapter's structural errors. ``issue_code`` is a FHIR IssueType code."""

    code = "fhir_unreadable"
    issue_code = "structure"

    def __init__(
        self,
        reason: str,
        *,
        location: str | None = None,
        resource_type: str | None = None,
        issues: tuple[Issue, ...] = (),
    ) -> None:
        super().__init__(reason, location=location)
        self.resource_type = resource_type
        self.issues = issues or (Issue(self.issue_code, reason, location),)


class InvalidJson(FhirUnreadable):
    """The body is not JSON (malformed, truncated, not UTF-8, or nested too deep)."""

    code = "fhir_invalid_json"


class NotAnObject(FhirUnreadable):
    """The body (or a Bundle entry's resource) is JSON but not an object."""

    code = "fhir_not_an_object"


class MissingResourceType(FhirUnreadable):
    """The object has no ``resourceType`` member (FHIR R4 JSON §2.6.2: it is required)."""

    code = "fhir_missing_resource_type"
    issue_code = "required"


class UnknownResourceType(FhirUnreadable):
    """``resourceType`` is not the name of a FHIR R4 resource."""

    code = "fhir_unknown_resource_type"
    issue_code = "value"


class UnsupportedResourceType(FhirUnreadable):
    """A FHIR R4 resource type this hub does not accept (e.g. Invoice, PaymentNotice)."""

    code = "fhir_unsupported_resource_type"
    issue_code = "not-supported"


class UnsupportedBundleType(FhirUnreadable):
    """A ``Bundle.type`` other than batch, transaction, collection or searchset."""

    code = "fhir_unsupported_bundle_type"
    issue_code = "not-supported"


class ResourceTypeMismatch(FhirUnreadable):
    """``resourceType`` disagrees with the type named in the URL (``POST /fhir/r4/{type}``)."""

    code = "fhir_resource_type_mismatch"
    issue_code = "invalid"


class InvalidElement(FhirUnreadable):
    """An element has the wrong JSON type (e.g. a string where a number is expected)."""

    code = "fhir_invalid_element"


class InvalidValue(FhirUnreadable):
    """An element has an unusable value (e.g. a decimal sent as a string that is not a number)."""

    code = "fhir_invalid_value"
    issue_code = "value"


class MissingElement(FhirUnreadable):
    """A member we cannot do without is absent (e.g. ``Bundle.type``)."""

    code = "fhir_missing_element"
    issue_code = "required"


class StrictValidationFailed(FhirUnreadable):
    """Strict mode: fhir.resources (R4B models) rejected the resource. ``issues`` lists each problem."""

    code = "fhir_strict_validation"
    issue_code = "invalid"


class StrictModeUnavailable(FhirUnreadable):
    """Strict mode was asked for, but fhir.resources is not installed."""

    code = "fhir_strict_unavailable"
    issue_code = "not-supported"


class FhirMappingError(MappingError):
    """Readable FHIR that cannot become canonical commands (a needed element is absent or unusable)."""

    code = "fhir_mapping_error"
    issue_code = "processing"

    def __init__(self, reason: str, *, location: str | None = None, resource_type: str | None = None) -> None:
        super().__init__(reason, location=location)
        self.resource_type = resource_type
        self.issues = (Issue(self.issue_code, reason, location),)
