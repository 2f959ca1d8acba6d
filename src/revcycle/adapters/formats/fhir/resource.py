"""The FHIR R4 Resource and DomainResource bases (http://hl7.org/fhir/R4/resource.html,
domainresource.html).

``resourceType`` is the msgspec tag: every subclass is tagged with its class name, so a union of
resource classes decodes by ``resourceType`` in one pass.
"""

from __future__ import annotations

import msgspec

from revcycle.adapters.formats.fhir.datatypes import Meta


class Resource(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename="camel",
    gc=False,
    tag_field="resourceType",
    tag=True,
):
    """Resource.id and Resource.meta."""

    id: str | None = None
    meta: Meta | None = None

    @property
    def resource_type(self) -> str:
        """The FHIR resourceType (the class name)."""
        return type(self).__name__

    @property
    def version_id(self) -> str | None:
        """Resource.meta.versionId, if sent."""
        return self.meta.version_id if self.meta is not None else None


class DomainResource(Resource, frozen=True):
    """DomainResource.contained, kept raw: ``decode.contained`` decodes it on demand."""

    contained: tuple[msgspec.Raw, ...] = ()
