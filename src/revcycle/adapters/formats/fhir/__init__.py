"""FHIR R4 inbound adapter (the FormatAdapter seam of ``formats.base``).

``identify`` reads the header cheaply, ``parse`` decodes the billing subset of the resources (msgspec),
``strict.validate`` optionally checks with fhir.resources, ``outcome.operation_outcome`` turns our errors
into an OperationOutcome.
"""

from __future__ import annotations

from revcycle.adapters.formats.fhir.decode import Parsed, decode
from revcycle.adapters.formats.fhir.identify import identify

name = "fhir"


def parse(raw: bytes | memoryview, *, expected_type: str | None = None) -> Parsed:
    """Decode a FHIR R4 resource or Bundle (see ``decode.decode``)."""
    return decode(raw, expected_type=expected_type)


__all__ = ["identify", "name", "parse"]
