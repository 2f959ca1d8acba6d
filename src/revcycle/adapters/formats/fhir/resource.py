"""The FHIR R4 Resource / DomainResource base (http://hl7.org/fhir/R4/resource.html).

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
    """Resource.id, Resource.meta and DomainResource.contained (kept raw; see ``decode.contained``)."""

    id: str | None = None
    meta: Meta | None = None
    contained: tuple[msgspec.Raw, ...] = ()

    @property
    def resource_type(self) -> str:
        """The FHIR resourceType (the class name)."""
        return type(self).__name__

    @property
    def version_id(self) -> str | None:
        """Resource.meta.versionId, if sent."""
        return self.meta.version_id if self.meta is not None else None
